package mcp

import (
	"context"
	"errors"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func startLegacy(t *testing.T, f *legacyFake) *httptest.Server {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(f)
	f.base = srv.URL
	t.Cleanup(srv.Close)
	return srv
}

// The seed report: a gateway's virtual server sends `event: keepalive`
// with CRLF framing and an absolute endpoint, comments every few seconds,
// and wants the bearer token on the GET and on every POST. Python clients
// print "Unknown SSE event: keepalive"; sonde must log it and go on.
func TestGatewayVirtualServer(t *testing.T) {
	f := &legacyFake{crlf: true, absolute: true, endpoint: "/servers/2/message", query: "session_id",
		bearer: "s3cret-token-123", keepaliveEvent: 50 * time.Millisecond, comment: 30 * time.Millisecond}
	srv := startLegacy(t, f)
	s, log := dialT(t, Config{URL: srv.URL + "/servers/2/sse", Bearer: "s3cret-token-123", Keepalive: -1})
	if got := s.Info().Transport; got != TransportSSE {
		t.Fatalf("transport %s, want sse", got)
	}
	// the call goes after two keepalive events and two comments came
	testenv.Poll(5*time.Second, func() bool {
		return log.count(func(e Event) bool { return e.Kind == KindSSE && e.SSEEvent == "keepalive" }) >= 2 &&
			log.count(func(e Event) bool { return e.Kind == KindComment }) >= 2
	})
	raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": "through the gateway"}})
	if err != nil || !strings.Contains(string(raw), "through the gateway") {
		t.Fatalf("call: %v %s", err, raw)
	}
	if !strings.HasPrefix(s.Info().Endpoint, srv.URL+"/servers/2/message?session_id=") {
		t.Fatalf("endpoint %q not used as announced", s.Info().Endpoint)
	}
	events := log.all()
	var keepalives, comments, retries int
	for _, e := range events {
		if e.Kind == KindError {
			t.Errorf("unexpected error event: %s", e.Err)
		}
		switch {
		case e.Kind == KindSSE && e.SSEEvent == "keepalive":
			keepalives++
			if e.SSERetry == 5000 {
				retries++
			}
		case e.Kind == KindComment:
			comments++
			if !strings.HasPrefix(e.Text, "ping - ") {
				t.Errorf("comment text %q", e.Text)
			}
		}
		for k, vs := range e.Header {
			for _, v := range vs {
				if strings.Contains(v, "s3cret-token-123") {
					t.Errorf("token leaked into an event header %s", k)
				}
			}
		}
	}
	if keepalives < 2 || comments < 2 || retries != 1 {
		t.Fatalf("keepalive events %d, comments %d, keepalive with retry %d", keepalives, comments, retries)
	}
	// Every request carried the token: the GET, and each POST.
	hs := f.headers()
	if len(hs) < 4 {
		t.Fatalf("only %d requests seen", len(hs))
	}
	for i, h := range hs {
		if h.Get("Authorization") != "Bearer s3cret-token-123" {
			t.Fatalf("request %d without bearer", i)
		}
	}
}

// sse-starlette (Python SDK, FastMCP): CRLF, `: ping - <ts>` comments, a
// relative endpoint with a trailing slash path.
func TestStarletteCommentsAndRelativeEndpoint(t *testing.T) {
	f := &legacyFake{crlf: true, endpoint: "/messages/", query: "session_id", comment: 20 * time.Millisecond}
	srv := startLegacy(t, f)
	s, log := dialT(t, Config{URL: srv.URL + "/sse", Keepalive: -1})
	testenv.Poll(5*time.Second, func() bool { return log.count(func(e Event) bool { return e.Kind == KindComment }) >= 2 })
	callEcho(t, s)
	if !strings.HasPrefix(s.Info().Endpoint, srv.URL+"/messages/?session_id=") {
		t.Fatalf("endpoint %q", s.Info().Endpoint)
	}
	if s.Info().SessionID == "" {
		t.Fatalf("session id not taken from the endpoint")
	}
	if n := log.count(func(e Event) bool { return e.Kind == KindComment }); n < 2 {
		t.Fatalf("%d comments", n)
	}
	if n := log.count(func(e Event) bool { return e.Kind == KindError }); n != 0 {
		t.Fatalf("%d error events", n)
	}
}

// A 401 is an auth problem, reported with the server's challenge, and it
// never triggers the fallback to legacy SSE.
func TestUnauthorizedNeverFallsBack(t *testing.T) {
	f := &legacyFake{endpoint: "/message", query: "sessionId", bearer: "right"}
	srv := startLegacy(t, f)
	for _, bearer := range []string{"", "wrong"} {
		log := &eventLog{}
		_, err := Dial(ctxT(t), Config{URL: srv.URL + "/sse", Bearer: bearer, OnEvent: log.add})
		var ae *AuthError
		if !errors.As(err, &ae) {
			t.Fatalf("bearer %q: got %v, want AuthError", bearer, err)
		}
		if ae.Status != 401 || !strings.Contains(ae.Error(), `Bearer realm="gateway"`) {
			t.Fatalf("auth error %q", ae.Error())
		}
		if bearer != "" && !strings.Contains(ae.Error(), "rejected") {
			t.Fatalf("with a token the message should say it was rejected: %q", ae.Error())
		}
		if f.gets.Load() != 0 {
			t.Fatalf("a 401 on POST led to a GET (fallback)")
		}
	}
}

// -H headers go out on every request, the SSE GET included.
func TestHeadersOnEveryRequest(t *testing.T) {
	f := &legacyFake{endpoint: "/message", query: "sessionId"}
	srv := startLegacy(t, f)
	h := http.Header{}
	h.Set("X-Tenant", "acme")
	s, _ := dialT(t, Config{URL: srv.URL + "/sse", Header: h, Transport: TransportSSE, Keepalive: -1})
	callEcho(t, s)
	hs := f.headers()
	sawGet := false
	for _, h := range hs {
		if h.Get("X-Tenant") != "acme" {
			t.Fatalf("request without X-Tenant: %v", h)
		}
		sawGet = sawGet || h.Get("Accept") == "text/event-stream"
	}
	if !sawGet {
		t.Fatalf("no SSE GET seen")
	}
}

// The answer arrives on the SSE stream before the POST's 202, which the
// server holds back until the call has returned. The call returns at once,
// but its POST is not cut: every POST gets its 202 and the connection is
// reused. (Cutting it made net/http close a connection it could already
// have handed to the next POST, which then failed with "context canceled".)
func TestLegacyPostOutlivesItsAnswer(t *testing.T) {
	release := make(chan struct{})
	f := &legacyFake{endpoint: "/message", query: "sessionId", answerFirst: true, hold: func(frame []byte) {
		if m, err := DecodeMessage(frame); err == nil && m.Method == "ping" {
			<-release // the 202 waits until the ping's call has returned
		}
	}}
	srv := startLegacy(t, f)
	s, log := dialT(t, Config{URL: srv.URL + "/sse", Transport: TransportSSE, Keepalive: -1})
	defer s.Close()
	// every POST so far gets its 202 (a cut one never does)
	settle := func(round int) {
		if !testenv.Poll(5*time.Second, func() bool { return accepted(log) >= int(f.posts.Load()) }) {
			t.Fatalf("round %d: %d POSTs, %d answered 202 in the log: POSTs were cut", round, f.posts.Load(), accepted(log))
		}
	}
	settle(-1)
	for i := 0; i < 6; i++ {
		if _, err := s.Call(context.Background(), "ping", nil); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
		select {
		case release <- struct{}{}:
		case <-time.After(5 * time.Second):
			t.Fatalf("ping %d: its POST is not waiting for its 202", i)
		}
		settle(i)
	}
	f.mu.Lock()
	conns := len(f.postConn)
	f.mu.Unlock()
	if conns > 2 {
		t.Fatalf("%d POSTs came over %d connections: cut POSTs cost their connections", f.posts.Load(), conns)
	}
}

// accepted counts the POSTs the log shows answered 202.
func accepted(log *eventLog) int {
	return log.count(func(e Event) bool {
		return e.Kind == KindHTTP && e.HTTPMethod == "POST" && e.Status == http.StatusAccepted
	})
}

// The answer arrives on the SSE stream before the POST's 202 does; the
// call returns, the session closes, and still nothing is logged after
// "closed": Close waits for everything the session started. In a synctest
// bubble, synctest.Wait lets anything Close left running log first.
func TestNothingLoggedAfterClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &legacyFake{endpoint: "/message", query: "sessionId", answerFirst: true}
		ln := serveMem(t, f)
		// The window is small: try it many times.
		for i := 0; i < 60; i++ {
			s, log := dialT(t, Config{URL: "http://legacy.test/sse", HTTPClient: ln.client(), Transport: TransportSSE, Keepalive: -1})
			callEcho(t, s)
			s.Close()
			synctest.Wait()
			all := log.all()
			if last := all[len(all)-1]; last.Kind != KindState || last.State != StateClosed {
				t.Fatalf("round %d: last event %s %s, want the closed state", i, last.Kind, last.Label())
			}
		}
	})
}

// A legacy server that accepts any POST with 202 and no body, the probes
// included: a 202 to a request is no Streamable HTTP answer (the answer
// would never come), so detection goes on to the SSE GET at once instead
// of waiting out the timeout on server/discover and initialize.
func TestAcceptedProbeIsNoAnswer(t *testing.T) {
	f := &legacyFake{endpoint: "/message", query: "sessionId"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/sse" {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	// With the old behaviour the probe waited this long and Dial failed.
	s, log := dialT(t, Config{URL: srv.URL + "/sse", Keepalive: -1, Timeout: 3 * time.Second})
	if got := s.Info().Transport; got != TransportSSE {
		t.Fatalf("transport %s, want sse", got)
	}
	callEcho(t, s)
	for _, m := range []string{"server/discover answered HTTP 202", "POST initialize answered HTTP 202"} {
		if log.count(func(e Event) bool { return strings.Contains(e.Text, m) }) == 0 {
			t.Errorf("detection does not say %q", m)
		}
	}
	if n := log.count(func(e Event) bool { return e.Kind == KindError }); n != 0 {
		t.Errorf("%d error events: a probe's finding is no error", n)
	}
}

// An empty 200 answers a notification (some servers do that); to a request
// it is no answer, and the call says so at once rather than timing out.
func TestEmptyAnswerToRequest(t *testing.T) {
	f := &streamFake{json: true, custom: func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		return true
	}}
	srv := startStream(t, f)
	s, _ := dialT(t, Config{URL: srv.URL, Keepalive: -1, Timeout: 2 * time.Second})
	_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo"})
	var he *HTTPError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "empty body") {
		t.Fatalf("got %v, want an HTTP error about the empty body", err)
	}
}
