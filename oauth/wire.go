package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// The sign-in's own HTTP client. Every request it makes (discovery,
// registration, token, refresh) and every answer becomes an event; the
// secrets in them (codes, verifiers, client secrets, tokens, assertions)
// are learned by the session before the event is emitted, so that no
// output ever shows them. It never carries the MCP server's token nor any
// header the user gave for the server: those go only to the server's
// origin, and only through the transports.

// maxDoc bounds every answer a sign-in reads: metadata documents,
// registration and token answers are a few KiB.
const maxDoc = 1 << 20

// maxRedirects bounds the redirects a metadata request follows.
const maxRedirects = 5

// secretForm names the form fields (and JSON members) that carry secrets.
var secretForm = []string{"code", "code_verifier", "client_secret", "refresh_token", "access_token", "id_token",
	"assertion", "client_assertion", "subject_token", "actor_token", "password", "token", "registration_access_token"}

// IsSecretField reports a form field or JSON member of a sign-in's
// requests and answers that carries a secret (code, code_verifier,
// client_secret, the tokens, assertions): what shows them masks these
// even where the session's scrubber did not know the value (a recording
// made elsewhere).
func IsSecretField(name string) bool { return slices.Contains(secretForm, name) }

type stepKey struct{}

// withStep names the step of the flow the requests made with ctx belong to.
func withStep(ctx context.Context, step string) context.Context {
	return context.WithValue(ctx, stepKey{}, step)
}

func stepOf(ctx context.Context) string {
	s, _ := ctx.Value(stepKey{}).(string)
	return s
}

// reporter is where a handler reports: the session that attached it, or
// nobody.
type reporter struct {
	r mcp.AuthReporter
}

func (r *reporter) emit(e *mcp.Event) {
	if r == nil || r.r == nil {
		return
	}
	if e.Stream == "" {
		e.Stream = "auth"
	}
	e.Kind = mcp.KindAuth
	r.r.Emit(e)
}

func (r *reporter) learn(values ...string) {
	if r == nil || r.r == nil {
		return
	}
	r.r.Learn(values...)
}

// step reports a step's verdict (err == nil) or failure.
func (r *reporter) step(step, text string, err error) {
	e := &mcp.Event{Dir: mcp.DirMeta, Method: step, Text: text}
	if err != nil {
		e.Err = err.Error()
	}
	r.emit(e)
}

// wire is the RoundTripper of the sign-in's client.
type wire struct {
	base http.RoundTripper
	rep  func() *reporter
	// prepare, if set, adds what a token request needs beyond the form
	// x/oauth2 builds (a DPoP proof, a client assertion).
	prepare func(req *http.Request) error
	// again, if set, reports an answer that asks for the request once
	// more (a DPoP nonce), after taking what it needs from it.
	again func(req *http.Request, resp *http.Response, body []byte) bool
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxDoc))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	for attempt := 0; ; attempt++ {
		r := req.Clone(req.Context())
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			r.ContentLength = int64(len(body))
		}
		resp, again, err := w.exchange(r)
		if err != nil || !again || attempt > 0 {
			return resp, err
		}
		// A DPoP nonce asked for: the proof is made again with it.
	}
}

// exchange makes one request and logs it and its answer. again reports an
// answer that asks for the same request once more (use_dpop_nonce).
func (w *wire) exchange(req *http.Request) (*http.Response, bool, error) {
	rep := w.rep()
	if w.prepare != nil {
		if err := w.prepare(req); err != nil {
			return nil, false, err
		}
	}
	var body []byte
	if req.GetBody != nil {
		rc, _ := req.GetBody()
		body, _ = io.ReadAll(rc)
	}
	rep.learn(secretsIn(req.Header.Get("Content-Type"), body)...)
	rep.learn(querySecrets(req.URL)...)
	step := stepOf(req.Context())
	rep.emit(&mcp.Event{Dir: mcp.DirOut, Method: step, HTTPMethod: req.Method, URL: req.URL.String(),
		Header: mcp.RedactHeader(req.Header, nil), Body: capBody(body), Bytes: int64(len(body))})
	resp, err := w.base.RoundTrip(req)
	if err != nil {
		rep.emit(&mcp.Event{Dir: mcp.DirIn, Method: step, HTTPMethod: req.Method, URL: req.URL.String(), Err: describeNetErr(err)})
		return nil, false, err
	}
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxDoc+1))
	resp.Body.Close()
	cut := len(b) > maxDoc
	if cut {
		b = b[:maxDoc]
	}
	rep.learn(secretsIn(resp.Header.Get("Content-Type"), b)...)
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := req.URL.Parse(loc); err == nil {
			rep.learn(querySecrets(u)...)
		}
	}
	e := &mcp.Event{Dir: mcp.DirIn, Method: step, HTTPMethod: req.Method, URL: req.URL.String(), Status: resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"), Header: mcp.RedactHeader(resp.Header, nil), Body: capBody(b), Bytes: int64(len(b))}
	if cut {
		e.Text = fmt.Sprintf("answer larger than %d KiB: cut", maxDoc>>10)
		e.Truncated = -1
	}
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e.Text = "redirect to " + mcp.RedactURL(loc)
	}
	again := rerr == nil && w.again != nil && w.again(req, resp, b)
	if again {
		e.Text = "the server asks for a DPoP nonce: sending again with it"
	}
	rep.emit(e)
	switch {
	case rerr != nil:
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{rerr}))
	case cut:
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{errTooLarge}))
	default:
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp.ContentLength = int64(len(b))
	return resp, again, nil
}

var errTooLarge = fmt.Errorf("the answer is larger than %d KiB", maxDoc>>10)

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// capBody keeps the start of a body for the log (the whole of anything an
// authorization server normally sends).
func capBody(b []byte) string {
	if len(b) > mcp.MaxErrorBody {
		b = b[:mcp.MaxErrorBody]
	}
	return string(b)
}

// secretsIn finds the secret values of a form or JSON body.
func secretsIn(contentType string, body []byte) []string {
	if len(body) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	var out []string
	switch {
	case mt == "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		for _, k := range secretForm {
			out = append(out, q[k]...)
		}
	case bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")):
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			return nil
		}
		for _, k := range secretForm {
			if s, ok := m[k].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// querySecrets finds the secret values of a URL's query (a callback's code).
func querySecrets(u *url.URL) []string {
	var out []string
	q := u.Query()
	for _, k := range secretForm {
		out = append(out, q[k]...)
	}
	return out
}

// newClient builds the sign-in's client over base (the session's proxy and
// TLS settings): bounded redirects, never from https to http, every hop
// logged by the wire, and a timeout per request.
func newClient(base *http.Client, w *wire) *http.Client {
	rt := http.DefaultTransport
	if base != nil && base.Transport != nil {
		rt = base.Transport
	}
	w.base = rt
	return &http.Client{
		Transport: w,
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if prev := via[len(via)-1]; prev.URL.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("refused a redirect from https to %s", req.URL.Scheme)
			}
			return nil
		},
	}
}

// describeNetErr makes a transport error one short line.
func describeNetErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return termsafe.Line(err.Error())
}

// describeAnswer says in a few words what an unusable answer was: an HTML
// page by its title, else its first characters.
func describeAnswer(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	lower := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	if mt == "text/html" || bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) {
		if i := bytes.Index(bytes.ToLower(body), []byte("<title")); i >= 0 {
			rest := body[i:]
			if j := bytes.IndexByte(rest, '>'); j >= 0 {
				rest = rest[j+1:]
				if k := bytes.Index(bytes.ToLower(rest), []byte("</title")); k >= 0 && k < 200 {
					return fmt.Sprintf("an HTML page titled %q", termsafe.Line(strings.TrimSpace(string(rest[:k]))))
				}
			}
		}
		return "an HTML page"
	}
	s := termsafe.Line(string(body[:min(len(body), 120)]))
	if s == "" {
		return "an empty body"
	}
	if len(body) > 120 {
		s += "…"
	}
	return fmt.Sprintf("%q", s)
}
