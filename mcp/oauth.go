package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/sonde-mcp/sonde/redact"
)

// OAuthHandler signs sonde in to a server that answers 401 or 403. It is
// the go-sdk's auth.OAuthHandler contract, declared here so that the wire
// layer needs none of the go-sdk's packages (any auth.OAuthHandler fits):
// the transports set the token from TokenSource on every request to the
// user's origin; when a request is answered 401 or 403 they call
// Authorize, and if it returns nil they send the request once more, never
// calling Authorize twice for one request. Package oauth implements it.
type OAuthHandler interface {
	// TokenSource returns the source of the token sent as
	// Authorization: Bearer, or nil while there is none.
	TokenSource(context.Context) (oauth2.TokenSource, error)
	// Authorize runs the flow that answers resp, the 401 or 403 that req
	// got (its body may be read; Authorize closes it).
	Authorize(ctx context.Context, req *http.Request, resp *http.Response) error
}

// RequestSigner is implemented by an OAuthHandler that sets a request's
// credentials itself instead of a bearer token from its TokenSource: a
// DPoP-bound token needs a fresh proof (the DPoP header) on every request.
type RequestSigner interface {
	SignRequest(req *http.Request) error
}

// AuthReporter is how a sign-in flow reports into the session it runs for:
// every request and answer of the flow and every step's verdict becomes an
// event (KindAuth), and every secret it obtains (tokens, codes, verifiers,
// client secrets) is learned before any event could carry it, so the
// session masks it everywhere from then on.
type AuthReporter interface {
	// Emit logs an event of the flow (the session scrubs it).
	Emit(e *Event)
	// Learn adds secret values to what the session masks.
	Learn(values ...string)
}

// AuthAttacher is implemented by an OAuthHandler that reports into the
// session: Dial calls Attach before anything is sent.
type AuthAttacher interface {
	Attach(AuthReporter)
}

// authReporter is the session's AuthReporter.
type authReporter struct{ s *Session }

func (r authReporter) Emit(e *Event) {
	if e.Kind == "" {
		e.Kind = KindAuth
	}
	r.s.emit(e)
}

func (r authReporter) Learn(values ...string) { r.s.learn(values...) }

// scrubber is the session's current scrubber.
func (s *Session) scrubber() *Scrubber { return s.scrub.Load() }

// learn makes values secrets of the session from now on, and passes them
// to Config.OnSecrets (a recorder scrubs what it writes on its own).
func (s *Session) learn(values ...string) {
	var fresh []string
	s.emitMu.Lock() // learning and emitting are ordered: no event slips between
	cur := s.scrub.Load()
	for _, v := range values {
		if len(v) >= redact.MinSecret && cur.m.Known(v) == v && !slices.Contains(fresh, v) {
			fresh = append(fresh, v)
		}
	}
	if len(fresh) > 0 {
		s.scrub.Store(cur.With(fresh...))
	}
	s.emitMu.Unlock()
	if len(fresh) > 0 && s.cfg.OnSecrets != nil {
		s.cfg.OnSecrets(fresh)
	}
}

// errNotForAuth is what a handler returns from Authorize for a 401 or 403
// it cannot do anything about (a 403 that asks for no scope): the answer
// stands.
var errNotForAuth = errors.New("not an authorization problem")

// ErrNotForAuth lets an OAuthHandler say that the 401 or 403 it was given
// is not one a sign-in can answer: the transport reports the answer as it
// is instead of sending the request again.
var ErrNotForAuth = errNotForAuth

// sign sets the credentials of the sign-in on req when it goes to the
// user's origin: the handler's own (RequestSigner) or Authorization:
// Bearer from its token source. Nothing is set when the user gave
// credentials of their own (--bearer, an Authorization header).
func (h *httpBase) sign(req *http.Request) error {
	if h.cfg.OAuth == nil || Origin(req.URL) != h.origin || h.creds.Get("Authorization") != "" {
		return nil
	}
	if rs, ok := h.cfg.OAuth.(RequestSigner); ok {
		return rs.SignRequest(req)
	}
	ts, err := h.cfg.OAuth.TokenSource(req.Context())
	if err != nil || ts == nil {
		return err
	}
	tok, err := ts.Token()
	if err != nil {
		// No usable token (a refresh failed): send without one; the 401
		// that follows starts a sign-in.
		h.l.emit(&Event{Dir: DirMeta, Kind: KindAuth, Stream: "auth", Method: "token", Text: "no usable token: " + err.Error()})
		return nil
	}
	tok.SetAuthHeader(req)
	return nil
}

// authStatus reports an answer that may start a sign-in.
func authStatus(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden
}

// doAuth sends req like do, with the sign-in's credentials, and when the
// user's origin answers 401 or 403 and a sign-in handler is configured,
// asks it to authorize and sends the request once more (the handler's
// contract: at most one Authorize per request; a DPoP nonce the server
// asks for, RFC 9449 §9, is no authorization and earns one more try).
// hold, if set, is called with true while the sign-in runs (a person may
// be typing a password: the request's timeout must not run meanwhile) and
// false after. The 401 is logged on stream like any answer; the repeated
// request is logged as an HTTP event (its JSON-RPC message was logged
// when it was first sent).
func (h *httpBase) doAuth(req *http.Request, stream string, hold func(bool)) (*http.Response, error) {
	if req.Header.Get("Authorization") == "" {
		if err := h.sign(req); err != nil {
			return nil, &AuthError{Method: req.Method, URL: RedactURL(req.URL.String()), Cause: err}
		}
	}
	resp, err := h.do(req)
	authorized, nonced := false, false
	for {
		if err != nil || h.cfg.OAuth == nil || !authStatus(resp.StatusCode) || h.creds.Get("Authorization") != "" {
			return resp, err
		}
		last := req
		if resp.Request != nil {
			last = resp.Request
		}
		if Origin(last.URL) != h.origin {
			return resp, nil // a token goes only to the user's origin
		}
		nonce := resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("DPoP-Nonce") != "" &&
			strings.Contains(resp.Header.Get("WWW-Authenticate"), "use_dpop_nonce")
		if nonce && nonced || !nonce && authorized {
			return resp, nil // the caller reports the answer
		}
		h.responseEvent(req, resp, stream)
		// Authorize reads the challenge and closes the body; keep what
		// the error needs first.
		challenge := sanitizeLine(keepValue(resp.Header.Get("WWW-Authenticate")))
		status := resp.StatusCode
		if hold != nil && !nonce {
			hold(true)
		}
		aerr := h.cfg.OAuth.Authorize(req.Context(), last, resp)
		if hold != nil && !nonce {
			hold(false)
		}
		if errors.Is(aerr, errNotForAuth) {
			// The answer stands: report it as it is.
			return &http.Response{StatusCode: status, Header: resp.Header, Body: io.NopCloser(nopReader{}), Request: last}, nil
		}
		if aerr != nil {
			if ctxErr := req.Context().Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, &AuthError{Method: last.Method, URL: RedactURL(last.URL.String()), Status: status,
				WWWAuthenticate: challenge, Cause: aerr}
		}
		if nonce {
			nonced = true
		} else {
			authorized = true
		}
		next, aerr := h.again(req)
		if aerr != nil {
			return nil, aerr
		}
		if err := h.sign(next); err != nil {
			return nil, &AuthError{Method: req.Method, URL: RedactURL(req.URL.String()), Cause: err}
		}
		why := "sending again after signing in"
		if nonce {
			why = "sending again with the server's DPoP nonce"
		}
		h.l.emit(&Event{Dir: DirOut, Kind: KindHTTP, Stream: stream, HTTPMethod: next.Method,
			URL: RedactURL(next.URL.String()), Header: RedactHeader(next.Header, h.cfg.SecretHeaders),
			Text: fmt.Sprintf("%s (HTTP %d)", why, status)})
		req = next
		resp, err = h.do(next)
	}
}

// again builds req anew (same method, URL, body and headers, without the
// credentials of the sign-in, which sign sets fresh).
func (h *httpBase) again(req *http.Request) (*http.Request, error) {
	next := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		next.Body = body
	} else if req.ContentLength != 0 {
		return nil, errors.New("cannot repeat the request body after signing in")
	}
	next.Header.Del("Authorization")
	next.Header.Del("DPoP")
	return next, nil
}

type nopReader struct{}

func (nopReader) Read([]byte) (int, error) { return 0, io.EOF }
