package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
)

func startOffSpec(t *testing.T, keepalive time.Duration) (*demo.OffSpec, *httptest.Server) {
	t.Helper()
	h := demo.NewOffSpecHandler(demo.OffSpecOptions{Keepalive: keepalive})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !testenv.Poll(10*time.Second, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// A split-endpoint server (stream at /notifications saying "Connected to
// session ID", POSTs to /mcp?session_id=ID, snake_case initialize,
// plain methods, keepalive data messages) is attached with --endpoint:
// the session id comes from the stream, the handshake's odd answer is a
// warning, plain methods and tools are callable, keepalives are
// keepalives, and nothing is an error.
func TestSplitEndpointServer(t *testing.T) {
	h, srv := startOffSpec(t, 20*time.Millisecond)
	s, log := dialT(t, Config{URL: srv.URL + demo.SplitStreamPath, Endpoint: demo.SplitEndpoint, Keepalive: -1})
	defer s.Close()
	info := s.Info()
	if info.Transport != TransportSSE || !info.Lenient || len(info.SessionID) != 36 {
		t.Fatalf("info: %+v", info)
	}
	if want := srv.URL + "/mcp?session_id=" + info.SessionID; info.Endpoint != want {
		t.Fatalf("endpoint %q, want %q", info.Endpoint, want)
	}
	if ServerName(info.Server) != "split-demo 0.1.0" || info.Protocol != "2024-11-05" || !strings.Contains(string(info.Capabilities), "tools") {
		t.Fatalf("the snake_case initialize answer was not read: server %s protocol %q caps %s", info.Server, info.Protocol, info.Capabilities)
	}
	raw, err := s.Call(ctxT(t), "echo", map[string]string{"text": "hi"})
	if err != nil || string(raw) != `{"text":"hi"}` {
		t.Fatalf("echo: %v %s", err, raw)
	}
	raw, err = s.Call(ctxT(t), "add", map[string]int{"a": 2, "b": 3})
	if err != nil || string(raw) != `{"sum":5}` {
		t.Fatalf("add: %v %s", err, raw)
	}
	raw, err = s.Call(ctxT(t), "tools/call", map[string]any{"name": "add", "arguments": map[string]int{"a": 1, "b": 1}})
	if err != nil || !strings.Contains(string(raw), `{\"sum\":2}`) {
		t.Fatalf("tools/call: %v %s", err, raw)
	}
	var re *RPCError
	if _, err := s.Call(ctxT(t), "nothing", nil); !errors.As(err, &re) || re.Code != CodeMethodNotFound {
		t.Fatalf("unknown method: %v", err)
	}
	eventually(t, "two keepalive data messages", func() bool {
		return log.count(func(e Event) bool { return e.Keepalive && e.IsKeepalive() }) >= 2
	})
	var warned, announced bool
	for _, e := range log.all() {
		if e.Kind == KindError || (e.Err != "" && e.RPC != RPCErrorResponse) {
			t.Errorf("error event: %s %s %s", e.Label(), e.Summary(), e.Err)
		}
		warned = warned || e.Kind == KindInfo && strings.HasPrefix(e.Text, "warning: the initialize answer is not a valid InitializeResult")
		if e.Kind == KindSSE && strings.HasPrefix(e.Text, "Connected to session ") {
			announced = true
		}
	}
	if !warned || !announced {
		t.Errorf("warning %v, the announcement shown as text %v", warned, announced)
	}
	for _, p := range h.Posts() {
		if p.Query != "session_id="+info.SessionID {
			t.Errorf("POST with query %q", p.Query)
		}
	}
}

// The session id can also travel in a header, and --session-from picks it
// with the user's pattern.
func TestSplitSessionHeaderAndPattern(t *testing.T) {
	h, srv := startOffSpec(t, -1)
	re := regexp.MustCompile(`Connected to session ([0-9a-f-]+)`)
	s, _ := dialT(t, Config{URL: srv.URL + demo.SplitStreamPath, Endpoint: demo.SplitEndpoint, SessionFrom: re,
		SessionHeader: "X-Session-ID", Keepalive: -1})
	defer s.Close()
	id := s.Info().SessionID
	if _, err := s.Call(ctxT(t), "ping", nil); err != nil {
		t.Fatal(err)
	}
	posts := h.Posts()
	if len(posts) < 3 {
		t.Fatalf("%d POSTs", len(posts))
	}
	for _, p := range posts {
		if p.Header.Get("X-Session-ID") != id {
			t.Errorf("POST without the session header: %v", p.Header)
		}
	}
}

// The event-named server takes no JSON-RPC: the initialize POST is
// answered 400, which a lenient session notes and goes past; its named
// events are JSON; its session id (in `event: session`, not needed by the
// template) is still shown.
func TestEventNamedServer(t *testing.T) {
	_, srv := startOffSpec(t, 20*time.Millisecond)
	s, log := dialT(t, Config{URL: srv.URL + demo.EventsStreamPath, Endpoint: demo.EventsEndpoint, Keepalive: -1})
	defer s.Close()
	eventually(t, "the tools event", func() bool {
		return log.count(func(e Event) bool { return e.SSEEvent == "tools" }) > 0
	})
	var tools []map[string]any
	for _, e := range log.all() {
		if e.SSEEvent == "tools" {
			if e.Kind != KindSSE || json.Unmarshal(e.Raw, &tools) != nil || len(tools) != 2 {
				t.Fatalf("tools event: kind %s raw %s", e.Kind, e.Raw)
			}
		}
	}
	eventually(t, "a heartbeat", func() bool { return log.count(func(e Event) bool { return e.Keepalive && e.Text == "heartbeat" }) > 0 })
	if n := log.count(func(e Event) bool {
		return e.Kind == KindInfo && strings.Contains(e.Text, "warning: initialize was not answered") && strings.Contains(e.Text, "400")
	}); n != 1 {
		t.Errorf("%d warnings about initialize", n)
	}
	if len(s.Info().SessionID) != 36 {
		t.Errorf("session id %q", s.Info().SessionID)
	}
}

// The template obeys the origin rule: another origin is refused without
// --allow-cross-origin, and reached without credentials with it.
func TestSplitEndpointOrigin(t *testing.T) {
	h, srv := startOffSpec(t, -1)
	u, _ := url.Parse(srv.URL)
	other := "http://localhost:" + u.Port() + demo.SplitEndpoint
	log := &eventLog{}
	_, err := Dial(ctxT(t), Config{URL: srv.URL + demo.SplitStreamPath, Endpoint: other, Bearer: "tok-123456", OnEvent: log.add, Keepalive: -1})
	var ce *CrossOriginError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "--endpoint") {
		t.Fatalf("want a refusal naming --endpoint, got %v", err)
	}
	s, _ := dialT(t, Config{URL: srv.URL + demo.SplitStreamPath, Endpoint: other, Bearer: "tok-123456", AllowCrossOrigin: true, Keepalive: -1})
	defer s.Close()
	if _, err := s.Call(ctxT(t), "ping", nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range h.Posts() {
		if p.Header.Get("Authorization") != "" {
			t.Fatalf("credentials went to the other origin")
		}
	}
}

// A stream that never names a session id fails at once with a hint, not
// after the timeout.
func TestSplitNoSessionID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 20; i++ {
			fmt.Fprintf(w, "data: hello %d\n\n", i)
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	start := time.Now()
	_, err := Dial(ctxT(t), Config{URL: srv.URL, Endpoint: "/mcp?s={session}", Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "gave no session id") || !strings.Contains(err.Error(), "--session-from") {
		t.Fatalf("err %v", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatalf("waited for the timeout")
	}
}

func TestSessionIDIn(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"Connected to session d8a41c6f-0d4e-4b0e-9a1b-2f5c7e3d9a10", "d8a41c6f-0d4e-4b0e-9a1b-2f5c7e3d9a10"},
		{"connected. session_id=abc123", "abc123"},
		{"/messages?sessionId=XyZ_9", "XyZ_9"},
		{`{"sessionId":"s-1"}`, "s-1"},
		{`{"type":"hello","data":{"session_id":"inner-7"}}`, "inner-7"},
		{`{"session":{"id":"nested-2"}}`, "nested-2"},
		{`{"session_id":42}`, "42"},
		{"Session ID: 0123456789abcdef", "0123456789abcdef"},
		{"session established", ""},
		{"no id here", ""},
		{`{"session_id":"bad id with spaces"}`, ""},
		{`{"session_id":".."}`, ""},
	} {
		got, ok := SessionIDIn(c.data, nil)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%q: %q %v, want %q", c.data, got, ok, c.want)
		}
	}
	re := regexp.MustCompile(`id<(\w+)>`)
	if got, ok := SessionIDIn("hello id<abc>", re); !ok || got != "abc" {
		t.Errorf("custom pattern: %q %v", got, ok)
	}
}

func TestExpandEndpoint(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:9/notifications")
	for _, c := range []struct{ tmpl, id, want string }{
		{"/mcp?session_id={session}", "b&c=d+e", "http://127.0.0.1:9/mcp?session_id=b%26c%3Dd%2Be"},
		{"/sessions/{session}/messages", "x/y?z", "http://127.0.0.1:9/sessions/x%2Fy%3Fz/messages"},
		{"messages", "ignored", "http://127.0.0.1:9/messages"},
		{"http://127.0.0.1:9/rpc?sid={session}&v=1", "7", "http://127.0.0.1:9/rpc?sid=7&v=1"},
	} {
		u, err := ExpandEndpoint(c.tmpl, base, c.id)
		if err != nil || u.String() != c.want {
			t.Errorf("%s with %q: %v %v, want %s", c.tmpl, c.id, u, err, c.want)
		}
	}
	for _, bad := range []string{"..", ".", "a b", "x\r\ny"} {
		if _, err := ExpandEndpoint("/s/{session}", base, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ExpandEndpoint("ftp://x/{session}", base, "1"); err == nil {
		t.Errorf("ftp accepted")
	}
}

// FuzzSessionID: whatever a stream says, an id taken from it is usable as
// it is in a header (no control characters, bounded), and filling it into
// an endpoint template never changes the URL's origin, path depth or query
// keys.
func FuzzSessionID(f *testing.F) {
	for _, s := range []string{"Connected to session d8a41c6f-0d4e-4b0e-9a1b-2f5c7e3d9a10", "session_id=a%2F..", `{"sessionId":"x\u0000y"}`,
		`{"a":{"session_id":"q&r=s"}}`, "session is 12345678\r\nX-Evil: 1", `{"session":"/../admin"}`} {
		f.Add(s)
	}
	base, _ := url.Parse("http://127.0.0.1:9/sse")
	f.Fuzz(func(t *testing.T, data string) {
		id, ok := SessionIDIn(data, nil)
		if !ok {
			return
		}
		if !usableSessionID(id) {
			t.Fatalf("unusable id %q from %q", id, data)
		}
		if h := (http.Header{}); true {
			h.Set("X-Session-ID", id)
			if strings.ContainsAny(h.Get("X-Session-ID"), "\r\n\x00") {
				t.Fatalf("header injection with %q", id)
			}
		}
		for _, tmpl := range []string{"/mcp?session_id={session}", "/s/{session}/m", "{session}"} {
			u, err := ExpandEndpoint(tmpl, base, id)
			if err != nil {
				if tmpl == "{session}" {
					continue // an id with a colon cannot start a relative URL
				}
				t.Fatalf("%s with %q: %v", tmpl, id, err)
			}
			plain, _ := ExpandEndpoint(tmpl, base, "0")
			if Origin(u) != Origin(plain) || strings.Count(u.EscapedPath(), "/") != strings.Count(plain.EscapedPath(), "/") || len(u.Query()) != len(plain.Query()) {
				t.Fatalf("%s with %q became %s (plain %s)", tmpl, id, u, plain)
			}
			if tmpl == "/mcp?session_id={session}" && u.Query().Get("session_id") != id {
				t.Fatalf("the id did not survive: %q → %s", id, u)
			}
		}
	})
}

// SendRaw: a JSON-RPC request gets its answer matched by the user's id; a
// body of the server's own shape ({session} filled in) gets what arrives
// within the wait; sonde's own ids skip past the user's; an id in flight is
// refused.
func TestSendRaw(t *testing.T) {
	_, srv := startOffSpec(t, -1)
	s, _ := dialT(t, Config{URL: srv.URL + demo.SplitStreamPath, Endpoint: demo.SplitEndpoint, Keepalive: -1})
	defer s.Close()
	res, err := s.SendRaw(ctxT(t), []byte(`{"jsonrpc":"2.0","id":50,"method":"add","params":{"a":1,"b":2}}`), 0)
	if err != nil || res.ID != "50" || res.Answer == nil || !strings.Contains(string(res.Answer.Raw), `"sum":3`) {
		t.Fatalf("raw request: %v %+v", err, res)
	}
	var h1 Handle
	if _, err := s.Call(ctxT(t), "ping", nil, WithHandle(&h1)); err != nil || h1.ID() != "51" {
		t.Fatalf("the next id after the user's 50: %q %v", h1.ID(), err)
	}
	s.mu.Lock()
	s.pending["77"] = &pending{method: "x", ch: make(chan reply, 1)}
	s.mu.Unlock()
	if _, err := s.SendRaw(ctxT(t), []byte(`{"jsonrpc":"2.0","id":77,"method":"ping"}`), 0); err == nil || !strings.Contains(err.Error(), "in flight") {
		t.Fatalf("an id in flight: %v", err)
	}
	if _, err := s.SendRaw(ctxT(t), []byte(`{"jsonrpc":`), 0); err == nil {
		t.Fatalf("invalid JSON sent")
	}

	_, esrv := startOffSpec(t, -1)
	es, _ := dialT(t, Config{URL: esrv.URL + demo.EventsStreamPath, Endpoint: demo.EventsEndpoint, Keepalive: -1})
	defer es.Close()
	eventually(t, "the session id", func() bool { return es.Info().SessionID != "" })
	res, err = es.SendRaw(ctxT(t), []byte(`{"session_id":"{session}","tool":"add","args":{"a":2,"b":3}}`), 300*time.Millisecond)
	if err != nil || !strings.Contains(string(res.Sent), es.Info().SessionID) {
		t.Fatalf("raw body: %v %s", err, res.Sent)
	}
	var result *Event
	for i, e := range res.Events {
		if e.SSEEvent == "result" {
			result = &res.Events[i]
		}
		if e.Dir != DirIn {
			t.Errorf("collected %s %s", e.Dir, e.Label())
		}
	}
	if result == nil || string(result.Raw) != `{"result":5,"tool":"add"}` {
		t.Fatalf("no result event among %d: %+v", len(res.Events), res.Events)
	}
}

func TestFillSession(t *testing.T) {
	got, err := FillSession([]byte(`{"s":"{session}","t":"x{session}"}`), `a"b\c`)
	if err != nil || string(got) != `{"s":"a\"b\\c","t":"xa\"b\\c"}` || !json.Valid(got) {
		t.Fatalf("%s %v", got, err)
	}
	if _, err := FillSession([]byte(`{"s":"{session}"}`), ""); err == nil {
		t.Fatal("no session id, no error")
	}
	if got, _ := FillSession([]byte(`{}`), ""); string(got) != `{}` {
		t.Fatal(string(got))
	}
}

// Detection meets a stream whose first event is not `endpoint`: it looks
// for a split endpoint and names the exact flag (a ping to
// /mcp?session_id=ID was answered); for the event-named server it says
// what it tried. Before, it said only that the first event was not
// "endpoint".
func TestDetectionSuggestsEndpoint(t *testing.T) {
	h, srv := startOffSpec(t, -1)
	log := &eventLog{}
	_, err := Dial(ctxT(t), Config{URL: srv.URL + demo.SplitStreamPath, OnEvent: log.add, Keepalive: -1})
	var se *SplitError
	if !errors.As(err, &se) || se.Hint.Endpoint != demo.SplitEndpoint || !strings.Contains(err.Error(), "try --endpoint '"+demo.SplitEndpoint+"'") {
		t.Fatalf("err %v", err)
	}
	if f := se.Hint.Flags(); len(f) != 2 || f[0] != "--endpoint" || f[1] != demo.SplitEndpoint {
		t.Fatalf("flags %v", f)
	}
	pinged := false
	for _, p := range h.Posts() {
		pinged = pinged || strings.Contains(p.Body, `"method":"ping"`) && p.Path == "/mcp"
	}
	if !pinged {
		t.Fatal("no ping reached /mcp")
	}

	_, err = Dial(ctxT(t), Config{URL: srv.URL + demo.EventsStreamPath, Transport: TransportSSE, Keepalive: -1})
	if !errors.As(err, &se) || se.Hint.SessionID == "" || se.Hint.Endpoint != "" || len(se.Hint.Tried) != len(splitCandidates) ||
		!strings.Contains(err.Error(), "no usual endpoint answered a ping") {
		t.Fatalf("event-named: %v", err)
	}
	hint, err := ProbeSplit(ctxT(t), Config{URL: srv.URL + demo.SplitStreamPath})
	if err != nil || hint.Endpoint != demo.SplitEndpoint || !strings.HasPrefix(hint.First, "event: message data: Connected to session ") {
		t.Fatalf("ProbeSplit: %v %+v", err, hint)
	}
}

// A stream that names its POST path with the id in its text gets that
// path tried first.
func TestProbeSplitTriesTheNamedPath(t *testing.T) {
	var mu sync.Mutex
	var posts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mu.Lock()
			posts = append(posts, r.URL.RequestURI())
			mu.Unlock()
			if r.URL.Path == "/rpc/s-12345678" {
				w.WriteHeader(http.StatusAccepted)
				return
			}
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: welcome, session s-12345678: POST to /rpc/s-12345678\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	hint, err := ProbeSplit(ctxT(t), Config{URL: srv.URL + "/sse"})
	if err != nil || hint.Endpoint != "/rpc/{session}" {
		t.Fatalf("%v %+v", err, hint)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 1 {
		t.Fatalf("posts %v", posts)
	}
}
