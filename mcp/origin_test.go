package mcp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// The credentials of these tests: the bearer, a secret -H, a cookie and a
// plain -H. None of them may reach another origin.
const originBearer = "bearer-origin-4242"

func originHeaders() http.Header {
	h := http.Header{}
	h.Set("X-Api-Key", "key-origin-4242")
	h.Set("Cookie", "sid=cookie-origin-4242")
	h.Set("X-Tenant", "acme")
	return h
}

// recorder is an http.Handler that remembers the requests it saw (method,
// path, headers) before passing them on.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	seen []*http.Request
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.seen = append(r.seen, &http.Request{Method: req.Method, URL: req.URL, Header: req.Header.Clone()})
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.seen...)
}

// noCredentials fails if any request carried one of the test's headers.
func noCredentials(t *testing.T, reqs []*http.Request) {
	t.Helper()
	for _, r := range reqs {
		for _, k := range []string{"Authorization", "X-Api-Key", "Cookie", "X-Tenant"} {
			if v := r.Header.Get(k); v != "" {
				t.Errorf("%s %s on the other origin carried %s: %q", r.Method, r.URL, k, v)
			}
		}
	}
}

func oneLine(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not name %q", msg, w)
		}
	}
	for _, secret := range []string{originBearer, "key-origin-4242", "cookie-origin-4242"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q shows a credential", msg)
		}
	}
}

func TestOrigin(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"http://127.0.0.1/sse", "http://127.0.0.1:80/messages"},
		{"HTTPS://Example.COM/x", "https://example.com:443/y?z"},
		{"http://[::1]:8080/a", "http://[::1]:8080/b"},
	} {
		if originOf(c.a) != originOf(c.b) {
			t.Errorf("%s and %s: %s ≠ %s", c.a, c.b, originOf(c.a), originOf(c.b))
		}
	}
	for _, c := range []struct{ a, b string }{
		{"http://127.0.0.1:3000/sse", "http://localhost:3000/messages"},
		{"https://h/sse", "http://h:443/messages"},
		{"http://h:3000/", "http://h:3001/"},
	} {
		if originOf(c.a) == originOf(c.b) {
			t.Errorf("%s and %s share an origin %s", c.a, c.b, originOf(c.a))
		}
	}
}

// startCrossOriginLegacy serves one legacy fake on two origins (two ports
// of 127.0.0.1): the stream on the first, and an endpoint event naming
// the second. It returns the SSE URL and the second origin's recorder.
func startCrossOriginLegacy(t *testing.T) (*legacyFake, string, *httptest.Server, *recorder) {
	f := &legacyFake{endpoint: "/messages", query: "sessionId", absolute: true}
	a := startLegacy(t, f)
	other := &recorder{next: f}
	b := httptest.NewServer(other)
	t.Cleanup(b.Close)
	f.base = b.URL // the endpoint event names the other origin
	return f, a.URL + "/sse", b, other
}

// A legacy server whose endpoint event names another origin gets nothing:
// the connection fails with one line naming both origins (forced legacy
// transport and detection alike), and no POST is made.
func TestLegacyEndpointOnAnotherOriginRefused(t *testing.T) {
	for _, tr := range []TransportKind{TransportSSE, ""} {
		f, sse, b, other := startCrossOriginLegacy(t)
		_, err := Dial(ctxT(t), Config{URL: sse, Transport: tr, Bearer: originBearer, Header: originHeaders(), Keepalive: -1})
		var ce *CrossOriginError
		if !errors.As(err, &ce) {
			t.Fatalf("transport %q: got %v, want a CrossOriginError", tr, err)
		}
		oneLine(t, err, originOf(sse), originOf(b.URL), "endpoint", "--allow-cross-origin")
		if n := len(other.requests()); n != 0 || f.posts.Load() != 0 {
			t.Fatalf("transport %q: the other origin got %d requests (%d POSTs)", tr, n, f.posts.Load())
		}
	}
}

// With --allow-cross-origin the session works, and the other origin gets
// the messages without any of the user's headers; the stream's own origin
// still gets them.
func TestLegacyEndpointOnAnotherOriginAllowed(t *testing.T) {
	f, sse, _, other := startCrossOriginLegacy(t)
	s, log := dialT(t, Config{URL: sse, Transport: TransportSSE, Bearer: originBearer, Header: originHeaders(),
		AllowCrossOrigin: true, Keepalive: -1})
	callEcho(t, s)
	reqs := other.requests()
	if len(reqs) < 2 {
		t.Fatalf("the other origin saw %d requests, want the POSTs", len(reqs))
	}
	noCredentials(t, reqs)
	if h := f.headers()[0]; h.Get("Authorization") != "Bearer "+originBearer || h.Get("X-Tenant") != "acme" {
		t.Fatalf("the stream's GET lacks the user's headers: %v", h)
	}
	if log.count(func(e Event) bool { return e.Kind == KindInfo && strings.Contains(e.Text, "without credentials") }) != 1 {
		t.Fatalf("the cross-origin endpoint is not noted in the log")
	}
}

// An endpoint event on https naming an http endpoint is refused even
// with --allow-cross-origin.
func TestLegacyEndpointDowngradeRefused(t *testing.T) {
	f := &legacyFake{endpoint: "/messages", query: "sessionId", absolute: true}
	a := httptest.NewTLSServer(f)
	t.Cleanup(a.Close)
	f.base = strings.Replace(a.URL, "https://", "http://", 1)
	_, err := Dial(ctxT(t), Config{URL: a.URL + "/sse", Transport: TransportSSE, Bearer: originBearer,
		AllowCrossOrigin: true, HTTPClient: a.Client(), Keepalive: -1})
	var ce *CrossOriginError
	if !errors.As(err, &ce) || !ce.Downgrade {
		t.Fatalf("got %v, want a refused downgrade", err)
	}
	oneLine(t, err, "https to http")
	if f.posts.Load() != 0 {
		t.Fatalf("%d POSTs over http", f.posts.Load())
	}
}

// redirector answers every request with status to target (path kept).
func redirector(status int, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, status)
	})
}

// A redirect to another origin (here: the same host on another port,
// where Go's client keeps Authorization) is refused with one line naming
// both origins; the other origin sees nothing. Every method sonde uses:
// the detection POST, a forced Streamable POST, the legacy GET stream.
func TestRedirectToAnotherOriginRefused(t *testing.T) {
	for _, tr := range []TransportKind{"", TransportHTTP, TransportSSE} {
		other := &recorder{next: &streamFake{}}
		b := httptest.NewServer(other)
		t.Cleanup(b.Close)
		a := httptest.NewServer(redirector(http.StatusPermanentRedirect, b.URL))
		t.Cleanup(a.Close)
		log := &eventLog{}
		_, err := Dial(ctxT(t), Config{URL: a.URL + "/mcp", Transport: tr, Bearer: originBearer, Header: originHeaders(),
			Keepalive: -1, OnEvent: log.add})
		var ce *CrossOriginError
		if !errors.As(err, &ce) {
			t.Fatalf("transport %q: got %v, want a CrossOriginError", tr, err)
		}
		oneLine(t, err, originOf(a.URL), originOf(b.URL), "308")
		if n := len(other.requests()); n != 0 {
			t.Fatalf("transport %q: the other origin got %d requests", tr, n)
		}
		if log.count(func(e Event) bool { return e.Kind == KindHTTP && e.Status == 308 && strings.Contains(e.Text, b.URL) }) == 0 {
			t.Fatalf("transport %q: the 308 is not in the log", tr)
		}
	}
}

// With --allow-cross-origin a redirect to another origin is followed
// without any of the user's headers, the session works there, and the
// log shows every hop: the 308 from the first origin, the request to the
// second, and the answer attributed to the second.
func TestRedirectToAnotherOriginAllowedWithoutCredentials(t *testing.T) {
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		other := &recorder{next: &streamFake{}}
		b := httptest.NewServer(other)
		t.Cleanup(b.Close)
		a := httptest.NewServer(redirector(status, b.URL))
		t.Cleanup(a.Close)
		s, log := dialT(t, Config{URL: a.URL + "/mcp", Bearer: originBearer, Header: originHeaders(),
			AllowCrossOrigin: true, Keepalive: -1})
		callEcho(t, s)
		s.Close()
		reqs := other.requests()
		if len(reqs) < 3 {
			t.Fatalf("the other origin saw %d requests", len(reqs))
		}
		noCredentials(t, reqs)
		var hops []string
		for _, e := range log.all() {
			if e.Kind == KindHTTP && e.Stream == "POST" {
				hops = append(hops, string(e.Dir)+" "+e.URL+" "+e.Text)
				if e.Status == 200 && !strings.HasPrefix(e.URL, b.URL) {
					t.Errorf("the answer is attributed to %s, not to the origin that gave it", e.URL)
				}
			}
		}
		if len(hops) < 3 || !strings.HasPrefix(hops[0], "in "+a.URL) || !strings.Contains(hops[0], "redirect to "+b.URL) ||
			!strings.HasPrefix(hops[1], "out "+b.URL) || !strings.Contains(hops[1], "following HTTP") || !strings.HasPrefix(hops[2], "in "+b.URL) {
			t.Fatalf("HTTP %d hops logged as:\n%s", status, strings.Join(hops, "\n"))
		}
	}
}

// A redirect within the origin keeps the credentials (and is logged).
func TestRedirectWithinOriginKeepsCredentials(t *testing.T) {
	rec := &recorder{next: &streamFake{}}
	mux := http.NewServeMux()
	mux.Handle("/old", http.RedirectHandler("/mcp", http.StatusPermanentRedirect))
	mux.Handle("/mcp", rec)
	a := httptest.NewServer(mux)
	t.Cleanup(a.Close)
	s, log := dialT(t, Config{URL: a.URL + "/old", Bearer: originBearer, Header: originHeaders(), Keepalive: -1})
	callEcho(t, s)
	for _, r := range rec.requests() {
		if r.Method == http.MethodPost && (r.Header.Get("Authorization") != "Bearer "+originBearer || r.Header.Get("X-Api-Key") == "") {
			t.Fatalf("a same-origin hop lost the credentials: %v", r.Header)
		}
	}
	if log.count(func(e Event) bool { return e.Kind == KindHTTP && e.Status == 308 && e.URL == a.URL+"/old" }) == 0 {
		t.Fatalf("the redirect is not logged")
	}
}

// https→http is never followed, even with --allow-cross-origin.
func TestRedirectDowngradeRefused(t *testing.T) {
	other := &recorder{next: &streamFake{}}
	b := httptest.NewServer(other)
	t.Cleanup(b.Close)
	a := httptest.NewTLSServer(redirector(http.StatusTemporaryRedirect, b.URL))
	t.Cleanup(a.Close)
	_, err := Dial(ctxT(t), Config{URL: a.URL + "/mcp", Bearer: originBearer, AllowCrossOrigin: true,
		HTTPClient: a.Client(), Keepalive: -1})
	var ce *CrossOriginError
	if !errors.As(err, &ce) || !ce.Downgrade {
		t.Fatalf("got %v, want a refused downgrade", err)
	}
	oneLine(t, err, "https to http")
	if n := len(other.requests()); n != 0 {
		t.Fatalf("http got %d requests", n)
	}
}

// A chain that left the user's origin never gets the credentials back,
// even when it returns to that origin.
func TestRedirectChainStaysWithoutCredentials(t *testing.T) {
	rec := &recorder{next: &streamFake{}}
	var aURL string
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, aURL+"/mcp", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(b.Close)
	mux := http.NewServeMux()
	mux.Handle("/start", redirector(http.StatusTemporaryRedirect, b.URL))
	mux.Handle("/mcp", rec)
	a := httptest.NewServer(mux)
	t.Cleanup(a.Close)
	aURL = a.URL
	s, _ := dialT(t, Config{URL: a.URL + "/start", Bearer: originBearer, Header: originHeaders(), AllowCrossOrigin: true, Keepalive: -1})
	callEcho(t, s)
	noCredentials(t, rec.requests())
}

// A 401 answered to a request that carried a secret -H (no --bearer) says
// the credentials were rejected and names them, never their values, and
// does not suggest --bearer as if none had been sent.
func TestRejectedCredentialsNamed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	h := http.Header{}
	h.Set("X-Api-Key", "key-origin-4242")
	h.Set("X-Tenant", "acme")
	_, err := Dial(ctxT(t), Config{URL: srv.URL, Header: h, Keepalive: -1})
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v", err)
	}
	oneLine(t, err, "credentials rejected", "X-Api-Key")
	if strings.Contains(err.Error(), "try --bearer") || strings.Contains(err.Error(), "X-Tenant") {
		t.Fatalf("message %q", err)
	}
	_, err = Dial(ctxT(t), Config{URL: srv.URL, Bearer: originBearer, Header: h, Keepalive: -1})
	oneLine(t, err, "credentials rejected", "Authorization, X-Api-Key")
	_, err = Dial(ctxT(t), Config{URL: srv.URL, Keepalive: -1})
	oneLine(t, err, "authentication required", "try --bearer")
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("me", "pw-origin-4242")
	_, err = Dial(ctxT(t), Config{URL: u.String(), Keepalive: -1})
	oneLine(t, err, "credentials rejected", "password")
	if strings.Contains(err.Error(), "pw-origin-4242") {
		t.Fatalf("password shown: %q", err)
	}
}

// The standalone GET stream redirected to another origin: refused and
// logged, the session goes on over POST, the other origin sees nothing.
func TestGetStreamRedirectRefused(t *testing.T) {
	other := &recorder{next: &streamFake{}}
	b := httptest.NewServer(other)
	t.Cleanup(b.Close)
	f := &streamFake{}
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, b.URL+"/mcp", http.StatusFound)
			return
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(a.Close)
	s, log := dialT(t, Config{URL: a.URL, Transport: TransportHTTP, Protocol: "2025-11-25", Bearer: originBearer, Keepalive: -1})
	callEcho(t, s)
	waitFor(t, log, "the refused GET redirect", func(e Event) bool {
		return e.Kind == KindError && strings.Contains(e.Err, "GET stream: refused a redirect (HTTP 302)")
	})
	if n := len(other.requests()); n != 0 {
		t.Fatalf("the other origin got %d requests", n)
	}
}

// A 401 from the other origin, reached with --allow-cross-origin, says the
// credentials were withheld rather than suggesting --bearer.
func TestUnauthorizedAfterCrossOriginRedirect(t *testing.T) {
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	t.Cleanup(b.Close)
	a := httptest.NewServer(redirector(http.StatusTemporaryRedirect, b.URL))
	t.Cleanup(a.Close)
	_, err := Dial(ctxT(t), Config{URL: a.URL + "/mcp", Bearer: originBearer, AllowCrossOrigin: true, Keepalive: -1})
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v", err)
	}
	oneLine(t, err, "authentication required", "sent no credentials", originOf(a.URL), b.URL)
	if strings.Contains(err.Error(), "try --bearer") {
		t.Fatalf("message %q", err)
	}
}
