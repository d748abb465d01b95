package mcp

import (
	"context"
	"errors"
	"fmt"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Servers restarted mid-session: a real go-sdk server (Streamable HTTP or
// legacy HTTP+SSE) on a fixed loopback port, stopped (connections refused)
// and started again as a new handler, which knows none of the old session
// ids, as a restarted process would.

// restartPeer is a go-sdk server with a subscribable resource.
func restartPeer() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "restart-peer", Version: "1.0.0"}, &sdk.ServerOptions{
		SubscribeHandler:   func(context.Context, *sdk.SubscribeRequest) error { return nil },
		UnsubscribeHandler: func(context.Context, *sdk.UnsubscribeRequest) error { return nil },
	})
	sdk.AddTool(s, &sdk.Tool{Name: "sum", Description: "a+b"}, func(ctx context.Context, r *sdk.CallToolRequest, in sumArgs) (*sdk.CallToolResult, any, error) {
		return nil, map[string]float64{"sum": in.A + in.B}, nil
	})
	s.AddResource(&sdk.Resource{URI: "test://r", Name: "r"}, func(context.Context, *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
		return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: "test://r", Text: "r"}}}, nil
	})
	return s
}

// restartable serves a fresh go-sdk handler on one loopback address across
// restarts: Streamable HTTP (stateful, or stateless for the 2026-07-28
// era) or legacy HTTP+SSE.
type restartable struct {
	t         *testing.T
	addr      string
	sse       bool
	stateless bool
	// goneAs400 answers an unknown session as the TypeScript SDK does (400,
	// "Bad Request: No valid session ID provided") instead of the go-sdk's 404.
	goneAs400 bool

	mu   sync.Mutex
	srv  *http.Server
	peer *sdk.Server
}

func newRestartable(t *testing.T, sse bool) *restartable {
	r := &restartable{t: t, addr: "127.0.0.1:0", sse: sse}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *restartable) url() string {
	if r.sse {
		return "http://" + r.addr + "/sse"
	}
	return "http://" + r.addr + "/mcp"
}

// start listens (again) on the same address with a new handler.
func (r *restartable) start() {
	r.t.Helper()
	var ln net.Listener
	var err error
	testenv.Poll(time.Second, func() bool { // the old socket may linger for a moment
		ln, err = net.Listen("tcp", r.addr)
		return err == nil
	})
	if err != nil {
		r.t.Fatalf("listen %s: %v", r.addr, err)
	}
	peer := restartPeer()
	get := func(*http.Request) *sdk.Server { return peer }
	var h http.Handler = sdk.NewStreamableHTTPHandler(get, &sdk.StreamableHTTPOptions{Stateless: r.stateless})
	if r.sse {
		h = sdk.NewSSEHandler(get, nil)
	}
	if r.goneAs400 {
		h = tsSessionGone(h)
	}
	srv := &http.Server{Handler: h}
	r.mu.Lock()
	r.addr, r.srv, r.peer = ln.Addr().String(), srv, peer
	r.mu.Unlock()
	go srv.Serve(ln)
}

// tsSessionGone turns the go-sdk's 404 for an unknown session into the
// TypeScript SDK's answer: 400 with a JSON-RPC error naming the session.
func tsSessionGone(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(&tsGoneWriter{ResponseWriter: w}, req)
	})
}

type tsGoneWriter struct {
	http.ResponseWriter
	gone bool
}

func (w *tsGoneWriter) WriteHeader(code int) {
	if code != http.StatusNotFound {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.gone = true
	w.Header().Set("Content-Type", "application/json")
	w.ResponseWriter.WriteHeader(http.StatusBadRequest)
	io.WriteString(w.ResponseWriter, `{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}`)
}

func (w *tsGoneWriter) Write(b []byte) (int, error) {
	if w.gone { // the go-sdk's own 404 body is replaced
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *tsGoneWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// stop closes the listener and every connection: new connections are
// refused until start.
func (r *restartable) stop() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// notify sends notifications/resources/updated for test://r to the
// current server's subscribers.
func (r *restartable) notify() {
	r.mu.Lock()
	peer := r.peer
	r.mu.Unlock()
	peer.ResourceUpdated(context.Background(), &sdk.ResourceUpdatedNotificationParams{URI: "test://r"})
}

// notifyEvery calls notify every d until the returned function is called.
func (r *restartable) notifyEvery(d time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(d):
				r.notify()
			}
		}
	}()
	return func() { close(done) }
}

// firstEvent records when an event matching pred is first seen after arm.
type firstEvent struct {
	mu    sync.Mutex
	pred  func(Event) bool
	armed bool
	at    chan time.Time
}

func newFirstEvent(pred func(Event) bool) *firstEvent {
	return &firstEvent{pred: pred, at: make(chan time.Time, 1)}
}

func (f *firstEvent) arm() {
	f.mu.Lock()
	f.armed = true
	f.mu.Unlock()
}

func (f *firstEvent) see(e Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed && f.pred(e) {
		f.armed = false
		f.at <- time.Now()
	}
}

func isResourceUpdate(e Event) bool {
	return e.Dir == DirIn && e.Method == "notifications/resources/updated"
}

// TestMeasureRecovery measures, against a real go-sdk server restarted
// mid-session, how long sonde takes to hear notifications again and how a
// call made while the server is down fares. It only reports: run it with
// SONDE_MEASURE=1 go test ./mcp -run TestMeasureRecovery -v -count=1
// (SONDE_MEASURE_DOWN=10s sets how long the server stays down).
func TestMeasureRecovery(t *testing.T) {
	if os.Getenv("SONDE_MEASURE") == "" {
		t.Skip("measurement only: set SONDE_MEASURE=1")
	}
	down := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("SONDE_MEASURE_DOWN")); err == nil {
		down = d
	}
	for _, sse := range []bool{false, true} {
		name := "streamable"
		if sse {
			name = "legacy-sse"
		}
		t.Run(name+"/notifications", func(t *testing.T) {
			r := newRestartable(t, sse)
			seen := newFirstEvent(isResourceUpdate)
			log := &eventLog{}
			s, err := Dial(ctxT(t), Config{URL: r.url(), Keepalive: -1, Timeout: 30 * time.Second,
				OnEvent: func(e Event) { log.add(e); seen.see(e) }})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Subscribe(ctxT(t), "test://r"); err != nil {
				t.Fatal(err)
			}
			r.stop()
			time.Sleep(down) // sleep: measurement only, the server's downtime on a real socket
			seen.arm()
			r.start()
			back := time.Now()
			defer r.notifyEvery(20 * time.Millisecond)()
			select {
			case at := <-seen.at:
				t.Logf("%s: server down %s; first notification %s after the restart (reconnects %d)", name, down, at.Sub(back).Round(time.Millisecond), s.Info().Reconnects)
			case <-time.After(30 * time.Second):
				t.Logf("%s: server down %s; no notification within 30s of the restart (state %s)", name, down, s.State())
			}
		})
		t.Run(name+"/call-while-down", func(t *testing.T) {
			r := newRestartable(t, sse)
			s, err := Dial(ctxT(t), Config{URL: r.url(), Keepalive: -1, Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r.stop()
			callWhileDown(t, name, s, down, r.start)
		})
	}
}

// TestMeasureStdioRecovery reports how a call made while a stdio server
// cannot start fares (SONDE_MEASURE=1, SONDE_MEASURE_DOWN as above).
func TestMeasureStdioRecovery(t *testing.T) {
	if os.Getenv("SONDE_MEASURE") == "" {
		t.Skip("measurement only: set SONDE_MEASURE=1")
	}
	down := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("SONDE_MEASURE_DOWN")); err == nil {
		down = d
	}
	gate := filepath.Join(t.TempDir(), "gate")
	s, err := Dial(ctxT(t), Config{Command: []string{os.Args[0], "-test.run=^$"}, Env: []string{"SONDE_TEST_GATE=" + gate},
		Keepalive: -1, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	os.WriteFile(gate, nil, 0o600)
	callWhileDown(t, "stdio", s, down, func() { os.Remove(gate) })
}

// callWhileDown reports how a call made 500 ms after the server went down
// fares when up brings the server back after down.
func callWhileDown(t *testing.T, name string, s *Session, down time.Duration, up func()) {
	t.Helper()
	stopped := time.Now()
	time.AfterFunc(down, up)
	time.Sleep(500 * time.Millisecond) // sleep: measurement only, the call comes a while into the downtime
	start := time.Now()
	_, err := s.Call(context.Background(), "tools/call", map[string]any{"name": "sum", "arguments": map[string]any{"a": 1, "b": 2}})
	end := time.Now()
	outcome := "ok"
	if err != nil {
		outcome = "failed: " + err.Error()
	}
	t.Logf("%s: call made %s after the server went down, server back after %s; call took %s, ended %s after it was back: %s",
		name, start.Sub(stopped).Round(time.Millisecond), down, end.Sub(start).Round(time.Millisecond), end.Sub(stopped.Add(down)).Round(time.Millisecond), outcome)
}

// A go-sdk stdio server that is down while the file SONDE_TEST_GATE names
// exists: it exits when the file appears, and at once if started while it
// is there.
func init() {
	gate := os.Getenv("SONDE_TEST_GATE")
	if gate == "" {
		return
	}
	closed := func() bool { _, err := os.Stat(gate); return err == nil }
	if closed() {
		os.Exit(3)
	}
	go func() {
		for !testenv.Poll(time.Hour, closed) {
		}
		os.Exit(3)
	}()
	restartPeer().Run(context.Background(), &sdk.StdioTransport{})
	os.Exit(0)
}

// lastSeq is the sequence number of the latest event so far.
func lastSeq(log *eventLog) uint64 {
	all := log.all()
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

// after keeps the events after seq that match pred.
func after(log *eventLog, seq uint64, pred func(Event) bool) []Event {
	var out []Event
	for _, e := range log.all() {
		if e.Seq > seq && pred(e) {
			out = append(out, e)
		}
	}
	return out
}

func isRecovered(e Event) bool {
	_, _, ok := e.Recovery()
	return ok
}

func callSumOnce(ctx context.Context, s *Session) error {
	raw, err := s.Call(ctx, "tools/call", map[string]any{"name": "sum", "arguments": map[string]any{"a": 2, "b": 3}})
	if err == nil && !strings.Contains(string(raw), `"sum":5`) {
		err = fmt.Errorf("unexpected result %s", raw)
	}
	return err
}

// A Streamable HTTP server restarted mid-session knows our session id no
// more: the GET stream's re-open is answered 404. sonde re-initializes at
// once, without waiting for a call, opens the GET stream again, restores the
// subscription and the log level, and notifications flow again; the log
// shows it as one recovery.
// The GET stream's answer after a restart says the session is gone: a 404
// (the go-sdk) or a 400 naming the session (the TypeScript SDK); both renew
// the session without waiting for a call.
func TestStreamableRestartRecoversWithoutACall(t *testing.T) {
	for _, as400 := range []bool{false, true} {
		t.Run(fmt.Sprint("400=", as400), func(t *testing.T) { testRestartRecoversWithoutACall(t, as400) })
	}
}

func testRestartRecoversWithoutACall(t *testing.T, as400 bool) {
	r := newRestartable(t, false)
	r.goneAs400 = as400
	s, log := dialT(t, Config{URL: r.url(), Keepalive: -1})
	if err := s.Subscribe(ctxT(t), "test://r"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLogLevel(ctxT(t), "debug"); err != nil {
		t.Fatal(err)
	}
	mark := lastSeq(log)
	r.stop()
	r.start()
	defer r.notifyEvery(20 * time.Millisecond)()
	waitFor(t, log, "a notification after the restart", func(e Event) bool { return e.Seq > mark && isResourceUpdate(e) })

	recovered := after(log, mark, isRecovered)
	if len(recovered) != 1 || recovered[0].Text != "session expired" {
		t.Fatalf("recoveries %+v, want one for the expired session", recovered)
	}
	if n := len(after(log, mark, func(e Event) bool { return e.Kind == KindState && e.State == StateReconnecting })); n != 1 {
		t.Errorf("%d reconnecting states, want 1", n)
	}
	for _, m := range []string{"initialize", "resources/subscribe", "logging/setLevel"} {
		if n := len(after(log, mark, func(e Event) bool { return e.Dir == DirOut && e.Method == m })); n != 1 {
			t.Errorf("%s sent %d times after the restart, want 1", m, n)
		}
	}
	for _, e := range after(log, mark, func(e Event) bool { return e.Kind == KindError || e.Err != "" }) {
		t.Errorf("error event: %s", e.Summary())
	}
}

// While the server refuses connections sonde says so: the session is
// reconnecting (the header's state comes from these events), on Streamable
// HTTP as on legacy SSE, with no call needed; and it comes back by itself.
func TestUnreachableServerIsReconnecting(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprint("sse=", sse), func(t *testing.T) {
			r := newRestartable(t, sse)
			s, log := dialT(t, Config{URL: r.url(), Keepalive: -1, MaxReconnects: 1 << 20,
				testBackoff: func(int, int) time.Duration { return 20 * time.Millisecond }})
			mark := lastSeq(log)
			r.stop()
			waitFor(t, log, "the reconnecting state", func(e Event) bool {
				return e.Seq > mark && e.Kind == KindState && e.State == StateReconnecting
			})
			if st := s.State(); st != StateReconnecting {
				t.Fatalf("state %s while the server is down", st)
			}
			r.start()
			e := waitFor(t, log, "the recovery", func(e Event) bool { return e.Seq > mark && isRecovered(e) })
			if !strings.HasPrefix(e.Text, "connection lost: ") {
				t.Errorf("recovery cause %q", e.Text)
			}
			if err := callSumOnce(ctxT(t), s); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A call made while the server is down asks for a reconnect attempt at
// once (the backoff here is an hour), waits for the server to come back
// and runs: on every transport.
func TestCallWhileDownWaitsAndRuns(t *testing.T) {
	hour := func(int, int) time.Duration { return time.Hour }
	for _, tc := range []struct {
		name           string
		sse, stateless bool
		noticedUnasked bool // sonde notices the server is gone without a call
	}{
		{"streamable", false, false, true},
		{"legacy-sse", true, false, true},
		{"stateless", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRestartable(t, tc.sse)
			if tc.stateless {
				r.stop()
				r.stateless = true
				r.start()
			}
			cfg := Config{URL: r.url(), Keepalive: -1, Timeout: 20 * time.Second, testBackoff: hour}
			if tc.stateless {
				// Nothing tells sonde the server stopped but the call
				// itself: without keep-alive it cannot meet a pooled
				// connection the stopping server is just closing (a
				// POST that fails that way may have been received, so
				// it is never sent again).
				cfg.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			}
			s, log := dialT(t, cfg)
			if tc.stateless && s.Era() != "modern" {
				t.Fatalf("era %s", s.Era())
			}
			mark := lastSeq(log)
			r.stop()
			if tc.noticedUnasked {
				waitFor(t, log, "the reconnecting state", func(e Event) bool {
					return e.Seq > mark && e.Kind == KindState && e.State == StateReconnecting
				})
			}
			done := make(chan error, 1)
			go func() { done <- callSumOnce(context.Background(), s) }()
			waitFor(t, log, "the call asking for an attempt", func(e Event) bool {
				return e.Seq > mark && strings.HasPrefix(e.Text, "a call is waiting for the connection")
			})
			r.start()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the call never returned")
			}
			if n := len(after(log, mark, isRecovered)); n != 1 {
				t.Errorf("%d recoveries", n)
			}
		})
	}
	t.Run("stdio", func(t *testing.T) {
		gate := filepath.Join(t.TempDir(), "gate")
		s, log := dialT(t, Config{Command: []string{os.Args[0], "-test.run=^$"}, Env: []string{"SONDE_TEST_GATE=" + gate},
			Keepalive: -1, Timeout: 20 * time.Second, testBackoff: hour})
		mark := lastSeq(log)
		if err := os.WriteFile(gate, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		waitFor(t, log, "the reconnecting state", func(e Event) bool {
			return e.Seq > mark && e.Kind == KindState && e.State == StateReconnecting
		})
		os.Remove(gate)
		if err := callSumOnce(ctxT(t), s); err != nil {
			t.Fatal(err)
		}
	})
}

// A call that finds the server down for longer than its timeout fails
// with what the attempts found, not at once and not with a bare refusal.
func TestCallWhileDownTimesOut(t *testing.T) {
	r := newRestartable(t, false)
	s, log := dialT(t, Config{URL: r.url(), Keepalive: -1, testBackoff: func(int, int) time.Duration { return time.Hour }})
	// The GET stream opens alongside the first requests: once it is up, its
	// loss is the server's going away, not a failed first attempt.
	waitFor(t, log, "the GET stream", func(e Event) bool { return e.Stream == "GET" && e.Status == http.StatusOK })
	mark := lastSeq(log)
	r.stop()
	// The call goes once the session knows the server is gone: made
	// earlier, its POST could take a kept-alive connection the server was
	// closing and fail with a bare EOF, a failure of its own.
	waitFor(t, log, "the reconnecting state", func(e Event) bool {
		return e.Seq > mark && e.Kind == KindState && e.State == StateReconnecting
	})
	_, err := s.Call(ctxT(t), "tools/list", nil, WithTimeout(time.Second))
	var le *LostError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "still reconnecting after 1s (last attempt: ") {
		t.Fatalf("got %v", err)
	}
}
