package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// httpBase holds what both HTTP transports share: the client, the headers
// sent on every request, and the way answers are checked and logged.
type httpBase struct {
	cfg    *Config
	client *http.Client // follows no redirect itself: do does, hop by hop
	l      link
	header http.Header // sent everywhere (User-Agent)
	// creds are the headers the user gave (-H) and Authorization from
	// --bearer: sent only to origin, the origin of the URL the user named.
	creds  http.Header
	origin string
}

func newHTTPBase(cfg *Config, l link) httpBase {
	creds := http.Header{}
	for k, vs := range cfg.Header {
		for _, v := range vs {
			creds.Add(k, v)
		}
	}
	if cfg.Bearer != "" {
		creds.Set("Authorization", "Bearer "+cfg.Bearer)
	}
	h := http.Header{}
	h.Set("User-Agent", "sonde/"+Version)
	client := *cfg.httpClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// No cookie jar: a cookie the server sets is never sent back (a jar
	// scopes cookies by host, not port, so it would cross origins); a
	// Cookie header the user gives is a credential like any other -H.
	client.Jar = nil
	if cfg.Faults != nil {
		client.Transport = cfg.Faults.HTTP(client.Transport, func(e Event) { l.emit(&e) })
	}
	return httpBase{cfg: cfg, client: &client, l: l, header: h, creds: creds, origin: originOf(cfg.URL)}
}

// newRequest builds a request with the headers sent everywhere, plus the
// user's credentials when url is on the user's origin. A URL on another
// origin is refused unless the user allowed it (the legacy transport
// checks its endpoint before; this is the last line).
func (h *httpBase) newRequest(ctx context.Context, method, url string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", RedactURL(url), err)
	}
	for k, vs := range h.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if Origin(req.URL) != h.origin {
		if !h.cfg.AllowCrossOrigin {
			return nil, &CrossOriginError{What: method + " " + RedactURL(url), From: h.origin, To: Origin(req.URL)}
		}
		return req, nil
	}
	for k, vs := range h.creds {
		req.Header[k] = append([]string(nil), vs...)
	}
	return req, nil
}

// do sends req, follows redirects hop by hop (see redirect: only within
// the user's origin with credentials, to another origin only when allowed
// and without them), logs every hop, and turns transport failures into
// readable errors. The caller logs req itself and the final response
// (whose Request is the last hop); hops are logged on req's stream, which
// sonde's transports name by the method (GET, POST, DELETE).
func (h *httpBase) do(req *http.Request) (*http.Response, error) {
	stream := req.Method
	creds := Origin(req.URL) == h.origin
	for hops := 0; ; hops++ {
		resp, err := h.send(req)
		if err != nil || !isRedirect(resp.StatusCode) || resp.Header.Get("Location") == "" {
			return resp, err
		}
		next, err := h.redirect(req, resp, hops)
		h.responseEvent(req, resp, stream)
		drainClose(resp.Body)
		if err != nil {
			return nil, err // the caller reports it
		}
		creds = creds && Origin(next.URL) == h.origin
		if !creds {
			h.stripCredentials(next.Header)
		}
		h.l.emit(&Event{Dir: DirOut, Kind: KindHTTP, Stream: stream, HTTPMethod: next.Method,
			URL: RedactURL(next.URL.String()), Header: RedactHeader(next.Header, h.cfg.SecretHeaders),
			Text: fmt.Sprintf("following HTTP %d", resp.StatusCode)})
		req = next
	}
}

// send makes one HTTP exchange.
func (h *httpBase) send(req *http.Request) (*http.Response, error) {
	resp, err := h.client.Do(req)
	if err == nil {
		return resp, nil
	}
	if ctxErr := req.Context().Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if isDialError(err) {
		return nil, &ConnectError{Target: RedactURL(req.URL.String()), Err: err}
	}
	return nil, &sendError{text: fmt.Sprintf("%s %s: %s", req.Method, RedactURL(req.URL.String()), describeNetErr(err)), err: err}
}

// sendError is an HTTP exchange that failed after its connection was made.
// Its text names the request with the URL redacted (net/http's own error
// holds the URL as given, query secrets included); it unwraps to that
// error so that callers can tell what happened (see hungUp).
type sendError struct {
	text string
	err  error
}

func (e *sendError) Error() string { return e.text }
func (e *sendError) Unwrap() error { return e.err }

// requestEvent logs a request sonde made that carries no JSON-RPC message
// (the SSE GET, a resumption GET, the DELETE).
func (h *httpBase) requestEvent(req *http.Request, stream string) {
	h.l.emit(&Event{Dir: DirOut, Kind: KindHTTP, Stream: stream, HTTPMethod: req.Method,
		URL: RedactURL(req.URL.String()), Header: RedactHeader(req.Header, h.cfg.SecretHeaders)})
}

// messageEvent is the log entry of a JSON-RPC frame sent in a POST body.
func (h *httpBase) messageEvent(req *http.Request, m *outMsg) *Event {
	e := m.event()
	e.Stream = "POST"
	e.HTTPMethod = req.Method
	e.URL = RedactURL(req.URL.String())
	e.Header = RedactHeader(req.Header, h.cfg.SecretHeaders)
	return &e
}

// responseEvent logs an HTTP status line, attributed to the request that
// got it (after redirects, the last hop, not req). A redirect names where
// it leads.
func (h *httpBase) responseEvent(req *http.Request, resp *http.Response, stream string) {
	if resp.Request != nil {
		req = resp.Request
	}
	header, note := keepHeader(resp.Header)
	e := &Event{Dir: DirIn, Kind: KindHTTP, Stream: stream, HTTPMethod: req.Method,
		URL: RedactURL(req.URL.String()), Status: resp.StatusCode,
		ContentType: contentType(resp), Header: RedactHeader(header, h.cfg.SecretHeaders), Text: note}
	if loc := resp.Header.Get("Location"); loc != "" && isRedirect(resp.StatusCode) {
		if u, err := req.URL.Parse(loc); err == nil {
			loc = u.String()
		}
		e.Text = strings.TrimSuffix("redirect to "+RedactURL(sanitizeLine(keepValue(loc)))+"; "+note, "; ")
	}
	if resp.StatusCode >= 400 {
		e.Body, e.Truncated = peekBody(resp)
	}
	h.l.emit(e)
}

// MaxErrorBody bounds the body of an HTTP error answer kept in its event
// (and so in recordings and HAR exports).
const MaxErrorBody = 64 << 10

// peekBody reads the start of an error answer's body for its event and
// puts it back in front of the rest, so whoever handles the answer still
// reads all of it. cut is the size when the body was longer than
// MaxErrorBody (-1 when the server did not say).
func peekBody(resp *http.Response) (body string, cut int64) {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody+1))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	if len(b) <= MaxErrorBody {
		return string(b), 0
	}
	cut = -1
	if resp.ContentLength > 0 {
		cut = resp.ContentLength
	}
	n := MaxErrorBody
	for n > 0 && !utf8.RuneStart(b[n]) {
		n-- // end on a character boundary
	}
	return string(b[:n]), cut
}

// drainClose reads what is left of a small body and closes it: net/http
// reuses a connection only after its body was read to the end (a legacy
// server's "Accepted" would otherwise cost every POST a new connection).
func drainClose(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// failure reads the start of an unusable answer's body and describes it.
func (h *httpBase) failure(req *http.Request, resp *http.Response, reason string) error {
	defer resp.Body.Close()
	if resp.Request != nil {
		req = resp.Request // the last hop answered
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		sent := h.credentialsSent(req)
		ae := &AuthError{Method: req.Method, URL: RedactURL(req.URL.String()), Status: resp.StatusCode,
			WWWAuthenticate: sanitizeLine(keepValue(resp.Header.Get("WWW-Authenticate"))),
			HadCredentials:  len(sent) > 0, Sent: sent}
		if h.withheld(req) {
			ae.Withheld = h.origin
		}
		return ae
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	e := &HTTPError{Method: req.Method, URL: RedactURL(req.URL.String()), Status: resp.StatusCode,
		ContentType: contentType(resp), Reason: reason}
	e.RPC = rpcErrorIn(body)
	if e.RPC == nil {
		e.Body = describeBody(body, e.ContentType)
	}
	return e
}

// rpcErrorIn finds a JSON-RPC error object in an HTTP error body (such
// bodies may lack an id).
func rpcErrorIn(body []byte) *RPCError {
	var m struct {
		Error *RPCError `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil || m.Error == nil {
		return nil
	}
	m.Error.Message = sanitizeLine(m.Error.Message)
	return m.Error
}

// titleRE is compiled on first use: every sonde process links this package,
// and few ever read an HTML error page.
var titleRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`) })

// describeBody says what an error body is in one short line: an HTML page by
// its title, anything else by its first characters.
func describeBody(body []byte, contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(body)), []byte("<!doctype html")) || bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(body)), []byte("<html")) {
		if m := titleRE().FindSubmatch(body); m != nil {
			return "HTML page titled " + fmt.Sprintf("%q", sanitizeLine(string(m[1])))
		}
		return "an HTML page"
	}
	s := sanitizeLine(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// sanitizeLine removes control characters (terminal escapes included) and
// folds whitespace, for one-line error messages built from server text.
func sanitizeLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == ' ':
			space = true
			continue
		case unicode.IsControl(r) || r == '\u202e' || r == '\u202d' || r == '\u2066' || r == '\u2067' || r == '\u2068' || r == '\u2069' || r == '\u202a' || r == '\u202b' || r == '\u202c':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func mediaType(resp *http.Response) string {
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// readLimited reads a whole body, refusing more than max bytes.
func readLimited(r io.Reader, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("message larger than the %s limit (raise --max-message)", humanBytes(int64(max)))
	}
	return b, nil
}

// event builds the log entry for an outgoing frame.
// An answer to a server request names that request's method in
// ReqMethod, as incoming answers do.
func (m *outMsg) event() Event {
	return Event{Dir: DirOut, Kind: KindMessage, RPC: m.rpc, Method: m.method, ReqMethod: m.answers, ID: m.id,
		Raw: json.RawMessage(m.raw), Bytes: int64(len(m.raw))}
}

// errIsSessionGone reports whether an HTTP error says the server no longer
// knows the session: 404, or a 400 whose message is about the session (the
// TypeScript SDK answers an unknown session with 400).
func errIsSessionGone(err error) bool {
	var he *HTTPError
	if !errors.As(err, &he) {
		return false
	}
	if he.Status == http.StatusNotFound {
		return true
	}
	if he.Status != http.StatusBadRequest {
		return false
	}
	msg := strings.ToLower(he.Body)
	if he.RPC != nil {
		msg = strings.ToLower(he.RPC.Message)
	}
	return strings.Contains(msg, "session")
}
