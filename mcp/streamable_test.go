package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func startStream(t *testing.T, f *streamFake) *httptest.Server {
	t.Helper()
	if f.push == nil {
		f.push = make(chan []byte, 16)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func noErrors(t *testing.T, log *eventLog) {
	t.Helper()
	for _, e := range log.all() {
		if e.Kind == KindError || (e.Err != "" && e.Kind != KindState) {
			t.Errorf("unexpected error event: %s %s", e.Label(), e.Err)
		}
	}
}

// Priming events (an id and empty data, 2025-11-25) and comments on POST
// answers are logged, never parsed as JSON; JSON answers work too.
func TestStreamableAnswerShapes(t *testing.T) {
	for _, f := range []*streamFake{{priming: true, retryMS: 1000}, {json: true}, {}} {
		srv := startStream(t, f)
		s, log := dialT(t, Config{URL: srv.URL, Keepalive: -1})
		callEcho(t, s)
		noErrors(t, log)
		if f.priming && log.count(func(e Event) bool { return e.Kind == KindSSE && e.Text == "(empty data)" && e.SSERetry == 1000 }) == 0 {
			t.Fatalf("priming event with retry not logged")
		}
		if !f.json && log.count(func(e Event) bool { return e.Kind == KindComment && e.Text == "keepalive" }) == 0 {
			t.Fatalf("comment not logged")
		}
		s.Close()
		if f.deletes.Load() != 1 {
			t.Fatalf("no DELETE on close")
		}
	}
}

// A session the server forgot (404, or the TypeScript SDK's 400) is
// re-initialized and the failed request retried once.
func TestSessionExpiredIsRenewed(t *testing.T) {
	for _, code := range []int{404, 400} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := &streamFake{goneCode: code}
			srv := startStream(t, f)
			s, log := dialT(t, Config{URL: srv.URL, Keepalive: -1})
			callEcho(t, s)
			old := s.Info().SessionID
			f.expireAll()
			callEcho(t, s)
			if f.inits.Load() != 2 {
				t.Fatalf("%d initialize requests, want 2", f.inits.Load())
			}
			if s.Info().SessionID == old || s.Info().Reconnects != 1 {
				t.Fatalf("session %q→%q, reconnects %d", old, s.Info().SessionID, s.Info().Reconnects)
			}
			if log.count(func(e Event) bool { return strings.Contains(e.Text, "no longer knows this session") }) != 1 {
				t.Fatalf("renewal not explained in the log")
			}
		})
	}
}

// The server closes the answer stream after a priming event with an id and
// `retry: 300`; sonde waits that long, then resumes with GET and
// Last-Event-ID, and the answer arrives there.
func TestStreamResumedWithLastEventID(t *testing.T) {
	f := &streamFake{}
	var closedAt time.Time
	var gotLast string
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		f.mu.Lock()
		if f.resume == nil {
			f.resume = map[string][]byte{}
		}
		f.resume["prime-1"] = fakeAnswer(frame)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		fmt.Fprint(w, "id: prime-1\nretry: 300\ndata:\n\n")
		closedAt = time.Now()
		return true
	}
	srv := startStream(t, f)
	orig := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") != "" {
			gotLast = r.Header.Get("Last-Event-ID")
			if since := time.Since(closedAt); since < 250*time.Millisecond {
				t.Errorf("resumed after %s, before the server's retry of 300ms", since)
			}
		}
		orig.ServeHTTP(w, r)
	})
	f.getStatus = 0
	s, log := dialT(t, Config{URL: srv.URL, Keepalive: -1})
	callEcho(t, s)
	if gotLast != "prime-1" {
		t.Fatalf("resumed with Last-Event-ID %q", gotLast)
	}
	if log.count(func(e Event) bool { return strings.Contains(e.Text, "resuming with GET Last-Event-ID") }) != 1 {
		t.Fatalf("resumption not logged")
	}
}

// A stream that ends without ids and without the answer fails the call
// with a clear message instead of hanging.
func TestStreamEndsWithoutAnswer(t *testing.T) {
	f := &streamFake{}
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		fmt.Fprint(w, ": working\n\n")
		return true
	}
	srv := startStream(t, f)
	s, _ := dialT(t, Config{URL: srv.URL, Keepalive: -1})
	_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo"})
	var le *LostError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "closed the response stream without answering") {
		t.Fatalf("got %v", err)
	}
}

// 405 and 409 on the optional GET stream are facts, not errors.
func TestGetStreamRefusals(t *testing.T) {
	for _, code := range []int{405, 409} {
		f := &streamFake{getStatus: code}
		srv := startStream(t, f)
		s, log := dialT(t, Config{URL: srv.URL, Keepalive: -1})
		callEcho(t, s)
		eventually(t, fmt.Sprintf("%d: an info event", code), func() bool {
			return log.count(func(e Event) bool { return e.Kind == KindInfo && e.Status == code }) > 0
		})
		noErrors(t, log)
	}
}

// A server that never answers produces a clear timeout, and sonde tells it
// the request is cancelled.
func TestServerNeverAnswers(t *testing.T) {
	f := &streamFake{json: true}
	cancelled := make(chan string, 1)
	callID := make(chan string, 1)
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method == "notifications/cancelled" {
			var p struct {
				RequestID json.RawMessage `json:"requestId"`
			}
			json.Unmarshal(m.Params, &p)
			cancelled <- string(p.RequestID)
			w.WriteHeader(202)
			return true
		}
		if m.Method == "tools/call" {
			callID <- m.IDKey()
			<-r.Context().Done()
			return true
		}
		return false
	}
	srv := startStream(t, f)
	s, _ := dialT(t, Config{URL: srv.URL, Keepalive: -1, Timeout: 2 * time.Second})
	_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "hang"}, WithTimeout(300*time.Millisecond))
	var te *TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "tools/call timed out after 300ms") {
		t.Fatalf("got %v", err)
	}
	want := <-callID
	select {
	case id := <-cancelled:
		if id != want {
			t.Fatalf("cancelled request %s, want %s", id, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no notifications/cancelled")
	}
}

// A 5 MB single-line message works on every transport shape.
func TestFiveMegabyteMessage(t *testing.T) {
	const size = 5 << 20
	check := func(t *testing.T, s *Session) {
		raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "big", "arguments": map[string]any{"size": size}})
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) < size {
			t.Fatalf("result %d bytes", len(raw))
		}
	}
	t.Run("streamable-sse", func(t *testing.T) {
		s, _ := dialT(t, Config{URL: startStream(t, &streamFake{priming: true}).URL, Keepalive: -1})
		check(t, s)
	})
	t.Run("streamable-json", func(t *testing.T) {
		s, _ := dialT(t, Config{URL: startStream(t, &streamFake{json: true}).URL, Keepalive: -1})
		check(t, s)
	})
	t.Run("legacy-sse", func(t *testing.T) {
		srv := startLegacy(t, &legacyFake{endpoint: "/m", query: "s", crlf: true})
		s, _ := dialT(t, Config{URL: srv.URL + "/sse", Keepalive: -1})
		check(t, s)
	})
}

// A message over the limit fails its call with a clear error; the session
// goes on.
func TestMessageOverLimit(t *testing.T) {
	for _, f := range []*streamFake{{json: true}, {}} {
		s, _ := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1, MaxMessage: 1 << 20})
		_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "big", "arguments": map[string]any{"size": 2 << 20}})
		if err == nil || !strings.Contains(err.Error(), "1 MiB") {
			t.Fatalf("json=%v: got %v", f.json, err)
		}
		callEcho(t, s)
	}
}

// HTML error pages and wrong content types produce errors that name the
// status and the content type.
func TestUnusableAnswersAreExplained(t *testing.T) {
	cases := []struct {
		name   string
		h      http.HandlerFunc
		expect []string
	}{
		{"html 502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"))
		}, []string{"HTTP 502", "text/html", `"502 Bad Gateway"`}},
		{"text 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("hello"))
		}, []string{"HTTP 200", "text/plain", "expected application/json or text/event-stream"}},
		{"html 200 on both", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if r.Method == http.MethodPost {
				w.WriteHeader(405)
			}
			w.Write([]byte("<!doctype html><title>Login</title>"))
		}, []string{"HTTP 405", "neither transport", "expected text/event-stream", "Login"}},
	}
	for _, c := range cases {
		srv := httptest.NewServer(c.h)
		_, err := Dial(ctxT(t), Config{URL: srv.URL, Timeout: 2 * time.Second})
		srv.Close()
		if err == nil {
			t.Fatalf("%s: no error", c.name)
		}
		for _, want := range c.expect {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", c.name, err, want)
			}
		}
	}
}

// Answers that come twice, or for ids nobody asked for, are logged and do
// not disturb the call.
func TestDuplicateAndStrayAnswers(t *testing.T) {
	f := &streamFake{}
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		a := fakeAnswer(frame)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		fmt.Fprintf(w, "data: {\"jsonrpc\":\"2.0\",\"id\":999,\"result\":{}}\n\ndata: %s\n\ndata: %s\n\n", a, a)
		return true
	}
	s, log := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1})
	callEcho(t, s)
	eventually(t, "the duplicate flagged", func() bool {
		return log.count(func(e Event) bool { return strings.HasPrefix(e.Err, "duplicate answer") }) == 1
	})
	if log.count(func(e Event) bool { return strings.Contains(e.Err, "which sonde did not send") }) != 1 {
		t.Fatalf("stray answer not flagged")
	}
}

// Server-to-client requests are answered with the server's own ids: ping
// here, roots through the handler, and a method without a handler gets
// -32601. A server id equal to one of sonde's ids is no problem.
func TestServerRequestsAnswered(t *testing.T) {
	f := &streamFake{}
	var mu sync.Mutex
	answers := map[string]*Message{}
	got := make(chan struct{}, 8)
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if t := m.Type(); t == RPCResponse || t == RPCErrorResponse {
			mu.Lock()
			answers[m.IDKey()] = m
			mu.Unlock()
			w.WriteHeader(202)
			got <- struct{}{}
			return true
		}
		return false
	}
	srv := startStream(t, f)
	handler := func(ctx context.Context, req *ServerRequest) (any, error) {
		if req.Method == "roots/list" {
			return map[string]any{"roots": []any{map[string]any{"uri": "file:///work", "name": "work"}}}, nil
		}
		return nil, &RPCError{Code: CodeMethodNotFound, Message: "not here"}
	}
	s, _ := dialT(t, Config{URL: srv.URL, Keepalive: -1, Handler: handler})
	callEcho(t, s)
	f.push <- []byte(`{"jsonrpc":"2.0","id":"abc","method":"ping"}`)
	f.push <- []byte(`{"jsonrpc":"2.0","id":1,"method":"roots/list"}`)
	f.push <- []byte(`{"jsonrpc":"2.0","id":2,"method":"sampling/createMessage","params":{}}`)
	for i := 0; i < 3; i++ {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d answers", i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if a := answers[`"abc"`]; a == nil || string(a.Result) != "{}" {
		t.Fatalf("ping answer %+v", a)
	}
	if a := answers["1"]; a == nil || !strings.Contains(string(a.Result), "file:///work") {
		t.Fatalf("roots answer %+v", a)
	}
	if a := answers["2"]; a == nil || a.Error == nil || a.Error.Code != CodeMethodNotFound {
		t.Fatalf("sampling answer %+v", a)
	}
}

// Progress notifications reach the caller and keep the call alive past its
// timeout. The server paces its steps on a synctest bubble's clock, so a
// loaded machine's stalls cannot stretch them past the timeout.
func TestProgressKeepsCallAlive(t *testing.T) {
	synctest.Test(t, testProgressKeepsCallAlive)
}

func testProgressKeepsCallAlive(t *testing.T) {
	f := &streamFake{push: make(chan []byte, 16)}
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		var p struct {
			Meta struct {
				Token json.RawMessage `json:"progressToken"`
			} `json:"_meta"`
		}
		json.Unmarshal(m.Params, &p)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		for i := 1; i <= 4; i++ {
			fmt.Fprintf(w, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":%s,\"progress\":%d,\"total\":4,\"message\":\"step %d\"}}\n\n", p.Meta.Token, i, i)
			w.(http.Flusher).Flush()
			select { // a slow tool's steps, on the bubble's clock
			case <-time.After(200 * time.Millisecond):
			case <-r.Context().Done(): // the call gave up: a failing test ends cleanly
				return true
			}
		}
		fmt.Fprintf(w, "data: %s\n\n", fakeAnswer(frame))
		return true
	}
	// Four steps of 200ms take 800ms: longer than the 500ms timeout, which
	// only progress keeps from firing.
	ln := serveMem(t, f)
	s, log := dialT(t, Config{URL: "http://stream.test/mcp", HTTPClient: ln.client(), Keepalive: -1, Timeout: 2 * time.Second})
	var h Handle
	_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo"}, WithTimeout(500*time.Millisecond), WithProgressToken(), WithHandle(&h))
	if err != nil {
		t.Fatal(err)
	}
	// The progress arrived as events (delivered before Call returned),
	// each naming the call's request id as its token.
	var seen []string
	for _, e := range log.all() {
		if e.Method == "notifications/progress" {
			var n struct {
				Params struct {
					Token    json.RawMessage `json:"progressToken"`
					Progress float64         `json:"progress"`
					Message  string          `json:"message"`
				} `json:"params"`
			}
			json.Unmarshal(e.Raw, &n)
			if string(n.Params.Token) != h.ID() {
				t.Fatalf("token %s, request id %s", n.Params.Token, h.ID())
			}
			seen = append(seen, n.Params.Message)
		}
	}
	if len(seen) != 4 || seen[3] != "step 4" {
		t.Fatalf("progress %q", seen)
	}
}

// A 2025-03-26 server may answer with a JSON-RPC batch.
func TestBatchAnswer(t *testing.T) {
	f := &streamFake{json: true}
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `[{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}},%s]`, fakeAnswer(frame))
		return true
	}
	s, log := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1})
	callEcho(t, s)
	if log.count(func(e Event) bool { return strings.HasPrefix(e.Text, "batch item") }) != 2 {
		t.Fatalf("batch not split")
	}
}

// The standalone GET stream's round trip overlaps the first listings: Dial
// and tools/list do not wait for its answer, while a tools/call (which may
// lead the server to send a request on that stream) does (issue 16: a
// one-shot call paid the GET's round trip before its tools/list).
func TestGetStreamOverlapsListings(t *testing.T) {
	f := &streamFake{getHeld: make(chan struct{}, 4), getGate: make(chan struct{})}
	var released atomic.Bool
	callEarly := make(chan bool, 1)
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method == "tools/call" {
			callEarly <- !released.Load()
		}
		return false
	}
	srv := startStream(t, f)
	type dialed struct {
		s   *Session
		err error
	}
	done := make(chan dialed, 1)
	go func() {
		s, err := Dial(ctxT(t), Config{URL: srv.URL, Keepalive: -1, Timeout: 30 * time.Second, Transport: TransportHTTP})
		done <- dialed{s, err}
	}()
	select {
	case <-f.getHeld:
	case <-time.After(10 * time.Second):
		t.Fatal("no GET stream opened")
	}
	var s *Session
	select {
	case d := <-done:
		if d.err != nil {
			t.Fatal(d.err)
		}
		s = d.s
	case <-time.After(3 * time.Second): // the old wait was 5 s
		close(f.getGate)
		t.Fatal("Dial waited for the GET stream's answer")
	}
	defer s.Close()
	if _, err := s.Call(ctxT(t), "tools/list", nil); err != nil {
		t.Fatalf("tools/list while the GET is unanswered: %v", err)
	}
	time.AfterFunc(50*time.Millisecond, func() { released.Store(true); close(f.getGate) })
	if _, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo"}); err != nil {
		t.Fatal(err)
	}
	if <-callEarly {
		t.Fatal("tools/call was sent before the GET stream was answered")
	}
}
