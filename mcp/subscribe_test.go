package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
)

func waitFor(t *testing.T, log *eventLog, what string, pred func(Event) bool) Event {
	t.Helper()
	var got *Event
	if testenv.Poll(10*time.Second, func() bool {
		for _, e := range log.all() {
			if pred(e) {
				got = &e
				return true
			}
		}
		return false
	}) {
		return *got
	}
	for _, e := range log.all() {
		t.Logf("%d %s %s %s %s %s", e.Seq, e.Dir, e.Kind, e.Label(), e.Summary(), e.Err)
	}
	t.Fatalf("no %s", what)
	return Event{}
}

// clockWitness is a session of its own subscribed to the demo's clock:
// its updates show the clock ticking, so a test waits for ticks instead of
// sleeping through them.
type clockWitness struct{ log *eventLog }

func newClockWitness(t *testing.T, url string) *clockWitness {
	t.Helper()
	s, log := dialT(t, Config{URL: url, Keepalive: -1})
	if err := s.Subscribe(ctxT(t), demo.ClockURI); err != nil {
		t.Fatal(err)
	}
	return &clockWitness{log}
}

// ticks waits until the clock has ticked n more times.
func (w *clockWitness) ticks(t *testing.T, n int) {
	t.Helper()
	isTick := func(e Event) bool { return e.Method == "notifications/resources/updated" }
	base := w.log.count(isTick)
	eventually(t, fmt.Sprintf("%d clock ticks", n), func() bool { return w.log.count(isTick) >= base+n })
}

// flush returns once every event s has read so far reached its log: a
// call returns only after its answer was delivered, and delivery keeps
// the order. (tools/list, since the 2026 era has no ping.)
func flush(t *testing.T, s *Session) {
	t.Helper()
	if _, err := s.Call(ctxT(t), "tools/list", nil); err != nil {
		t.Fatal(err)
	}
}

// A subscribed resource sends notifications/resources/updated: through
// resources/subscribe (legacy) and through subscriptions/listen (2026).
func TestSubscribeBothEras(t *testing.T) {
	for _, era := range []demo.Era{demo.EraLegacy, demo.EraModern} {
		t.Run(era.String(), func(t *testing.T) {
			d, err := demo.Start(context.Background(), demo.Options{Era: era, TickInterval: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			w := newClockWitness(t, d.URL)
			s, log := dialT(t, Config{URL: d.URL, Keepalive: -1})
			if err := s.Subscribe(ctxT(t), demo.ClockURI); err != nil {
				t.Fatal(err)
			}
			updated := func(e Event) bool {
				return e.Method == "notifications/resources/updated" && strings.Contains(string(e.Raw), demo.ClockURI)
			}
			e := waitFor(t, log, "resources/updated", updated)
			if era == demo.EraModern && !strings.Contains(string(e.Raw), MetaSubscriptionID) {
				t.Fatalf("modern update without subscriptionId: %s", e.Raw)
			}
			if err := s.Unsubscribe(ctxT(t), demo.ClockURI); err != nil {
				t.Fatal(err)
			}
			// An update sent before the server took the unsubscribe may
			// still be on its way for a tick; after that none may come.
			w.ticks(t, 2)
			n := log.count(updated)
			w.ticks(t, 3)
			flush(t, s)
			if log.count(updated) != n {
				t.Fatalf("updates kept coming after Unsubscribe")
			}
		})
	}
}

// In the stateless era, Config.Listen keeps a listen stream for the
// list_changed notifications the server offers.
func TestModernListenForListChanged(t *testing.T) {
	d, err := demo.Start(context.Background(), demo.Options{Era: demo.EraModern})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s, log := dialT(t, Config{URL: d.URL, Keepalive: -1, Listen: true})
	waitFor(t, log, "acknowledgement", func(e Event) bool { return e.Method == "notifications/subscriptions/acknowledged" })
	if _, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "manage_extras", "arguments": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, log, "tools/list_changed", func(e Event) bool { return e.Method == "notifications/tools/list_changed" })
}

// SetLogLevel: logging/setLevel in the legacy era, _meta logLevel in the
// stateless one; log messages arrive either way.
func TestSetLogLevelBothEras(t *testing.T) {
	for _, era := range []demo.Era{demo.EraLegacy, demo.EraModern} {
		t.Run(era.String(), func(t *testing.T) {
			d, err := demo.Start(context.Background(), demo.Options{Era: era})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			s, log := dialT(t, Config{URL: d.URL, Keepalive: -1})
			if err := s.SetLogLevel(ctxT(t), "debug"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "emit_logs", "arguments": map[string]any{}}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, log, "debug log message", func(e Event) bool {
				return e.Method == "notifications/message" && strings.Contains(string(e.Raw), `"debug"`)
			})
			if era == demo.EraModern {
				var call Event
				for _, e := range log.all() {
					if e.Dir == DirOut && e.Method == "tools/call" {
						call = e
					}
				}
				if !strings.Contains(string(call.Raw), `"`+MetaLogLevel+`":"debug"`) {
					t.Fatalf("logLevel not in _meta: %s", call.Raw)
				}
			}
		})
	}
}

// 2026 tasks extension: a task result is followed with tasks/get, its
// input request answered with tasks/update, and its result returned.
func TestAwaitTaskExtension(t *testing.T) {
	var mu sync.Mutex
	gets, updates := 0, 0
	f := &modernFake{handle: func(n int, m *Message) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		switch m.Method {
		case "server/discover":
			return 200, discoverOK
		case "tools/call":
			if !strings.Contains(string(m.Params), TasksExtension) {
				return 400, `{"jsonrpc":"2.0","id":ID,"error":{"code":-32021,"message":"needs tasks"}}`
			}
			return 200, `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"task","taskId":"t1","status":"working","createdAt":"x","lastUpdatedAt":"x","ttlMs":null,"pollIntervalMs":20}}`
		case "tasks/update":
			updates++
			return 200, `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"complete"}}`
		case "tasks/get":
			gets++
			switch {
			case gets == 1:
				return 200, `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"complete","taskId":"t1","status":"working","statusMessage":"thinking","pollIntervalMs":20}}`
			case updates == 0:
				return 200, `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"complete","taskId":"t1","status":"input_required","inputRequests":{"q":{"method":"elicitation/create","params":{"message":"sure?","requestedSchema":{"type":"object","properties":{}}}}}}}`
			}
			return 200, `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"complete","taskId":"t1","status":"completed","result":{"content":[{"type":"text","text":"task done"}]}}}`
		}
		return 404, `{"jsonrpc":"2.0","id":ID,"error":{"code":-32601,"message":"no"}}`
	}}
	srv := httptestServer(t, f)
	handler := func(ctx context.Context, req *ServerRequest) (any, error) {
		return map[string]any{"action": "accept", "content": map[string]any{}}, nil
	}
	s, _ := dialT(t, Config{URL: srv, Keepalive: -1, Tasks: true, Handler: handler})
	raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "slow"})
	if err != nil {
		t.Fatal(err)
	}
	task, ok := TaskOf(raw)
	if !ok || task.ID != "t1" || !task.Extension || task.PollInterval != 20*time.Millisecond {
		t.Fatalf("task %+v from %s", task, raw)
	}
	var statuses []string
	res, err := s.AwaitTask(ctxT(t), task, func(t Task) { statuses = append(statuses, t.Status) })
	if err != nil || !strings.Contains(string(res), "task done") {
		t.Fatalf("result %s (%v)", res, err)
	}
	if strings.Join(statuses, ",") != "working,working,input_required,completed" || updates != 1 {
		t.Fatalf("statuses %v, updates %d", statuses, updates)
	}
}

// 2025-11-25 experimental tasks: params.task on the call, a
// CreateTaskResult, status from tasks/get and the result from tasks/result.
func TestAwaitTaskLegacy(t *testing.T) {
	f := &streamFake{json: true}
	var sawTask json.RawMessage
	polled := make(chan struct{})
	var pollSeen sync.Once
	f.custom = func(w httpResponseWriter, r *httpRequest, m *Message, frame []byte) bool {
		w.Header().Set("Content-Type", "application/json")
		switch m.Method {
		case "tools/call":
			var p struct {
				Task json.RawMessage `json:"task"`
			}
			json.Unmarshal(m.Params, &p)
			sawTask = p.Task
			w.Write([]byte(`{"jsonrpc":"2.0","id":` + m.IDKey() + `,"result":{"task":{"taskId":"L1","status":"working","createdAt":"x","lastUpdatedAt":"x","ttl":60000,"pollInterval":30}}}`))
		case "tasks/get":
			w.Write([]byte(`{"jsonrpc":"2.0","id":` + m.IDKey() + `,"result":{"taskId":"L1","status":"working","statusMessage":"half way","createdAt":"x","lastUpdatedAt":"x","ttl":60000}}`))
		case "tasks/result":
			// the result waits until a poll has shown the status
			select {
			case <-polled:
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			w.Write([]byte(`{"jsonrpc":"2.0","id":` + m.IDKey() + `,"result":{"content":[{"type":"text","text":"legacy task done"}]}}`))
		default:
			return false
		}
		return true
	}
	s, _ := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1, Protocol: "2025-11-25"})
	raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "research"}, WithTask(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if string(sawTask) != `{"ttl":60000}` {
		t.Fatalf("params.task %s", sawTask)
	}
	task, ok := TaskOf(raw)
	if !ok || task.Extension || task.ID != "L1" {
		t.Fatalf("task %+v", task)
	}
	var mu sync.Mutex
	msgs := []string{}
	res, err := s.AwaitTask(ctxT(t), task, func(t Task) {
		mu.Lock()
		msgs = append(msgs, t.StatusMessage)
		mu.Unlock()
		if t.StatusMessage == "half way" {
			pollSeen.Do(func() { close(polled) })
		}
	})
	if err != nil || !strings.Contains(string(res), "legacy task done") {
		t.Fatalf("result %s (%v)", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(strings.Join(msgs, ","), "half way") {
		t.Fatalf("no status polled: %v", msgs)
	}
}

// The listen stream opened at connect and one opened by Subscribe must not
// both stay open: after Unsubscribe no update may arrive.
func TestListenNotDuplicated(t *testing.T) {
	d, err := demo.Start(context.Background(), demo.Options{Era: demo.EraModern, TickInterval: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w := newClockWitness(t, d.URL)
	for i := 0; i < 5; i++ {
		s, log := dialT(t, Config{URL: d.URL, Keepalive: -1, Listen: true})
		if err := s.Subscribe(ctxT(t), demo.ClockURI); err != nil {
			t.Fatal(err)
		}
		waitFor(t, log, "resources/updated", func(e Event) bool { return e.Method == "notifications/resources/updated" })
		if err := s.Unsubscribe(ctxT(t), demo.ClockURI); err != nil {
			t.Fatal(err)
		}
		updated := func(e Event) bool { return e.Method == "notifications/resources/updated" }
		w.ticks(t, 2)
		n := log.count(updated)
		w.ticks(t, 3)
		flush(t, s)
		if log.count(updated) != n {
			t.Fatalf("round %d: updates after Unsubscribe: a listen stream was left open", i)
		}
		s.Close()
	}
}

// A legacy session the server forgot is renewed with the log level the user
// had set (subscriptions likewise).
func TestLogLevelRenewedWithSession(t *testing.T) {
	f := &streamFake{json: true}
	var mu sync.Mutex
	levels := 0
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "logging/setLevel" {
			return false
		}
		mu.Lock()
		levels++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"jsonrpc":"2.0","id":` + m.IDKey() + `,"result":{}}`))
		return true
	}
	s, _ := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1, Protocol: "2025-11-25"})
	if err := s.SetLogLevel(ctxT(t), "debug"); err != nil {
		t.Fatal(err)
	}
	f.expireAll()
	callEcho(t, s)
	n := 0
	if !testenv.Poll(5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); n = levels; return n == 2 }) {
		t.Fatalf("log level set %d times, want 2", n)
	}
}

// Cancelling a call, or ending a subscription, is something the user asked
// for: an ordinary event that says what sonde did about it (per era), never
// an error (errors are counted, e.g. by sonde sessions).
func TestDeliberateCancelIsNoError(t *testing.T) {
	for _, era := range []demo.Era{demo.EraLegacy, demo.EraModern} {
		t.Run(era.String(), func(t *testing.T) {
			d, err := demo.Start(context.Background(), demo.Options{Era: era, TickInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			s, log := dialT(t, Config{URL: d.URL, Keepalive: -1})
			how := "sending notifications/cancelled"
			if era == demo.EraModern {
				how = "its response stream is closed (the 2026-07-28 cancellation over HTTP)"
			}

			ctx, cancel := context.WithCancel(ctxT(t))
			go func() {
				testenv.Poll(10*time.Second, func() bool {
					return log.count(func(e Event) bool { return e.Dir == DirOut && e.Method == "tools/call" }) > 0
				})
				cancel()
			}()
			_, err = s.Call(ctx, "tools/call", map[string]any{"name": demo.ToolLongRunning, "arguments": map[string]any{"durationMs": 60000, "steps": 1}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("call: %v", err)
			}
			waitFor(t, log, "the cancelled call's note", func(e Event) bool {
				return e.Kind == KindInfo && e.ReqMethod == "tools/call" && strings.HasSuffix(e.Text, "cancelled; "+how)
			})
			if era == demo.EraLegacy {
				waitFor(t, log, "notifications/cancelled", func(e Event) bool { return e.Dir == DirOut && e.Method == "notifications/cancelled" })
			}

			if err := s.Subscribe(ctxT(t), demo.ClockURI); err != nil {
				t.Fatal(err)
			}
			waitFor(t, log, "resources/updated", func(e Event) bool { return e.Method == "notifications/resources/updated" })
			if err := s.Unsubscribe(ctxT(t), demo.ClockURI); err != nil {
				t.Fatal(err)
			}
			if era == demo.EraModern {
				waitFor(t, log, "the listen stream's note", func(e Event) bool {
					return e.Kind == KindInfo && e.ReqMethod == "subscriptions/listen" && strings.HasSuffix(e.Text, "cancelled; "+how)
				})
				if n := log.count(func(e Event) bool { return e.Method == "notifications/cancelled" }); n != 0 {
					t.Errorf("%d notifications/cancelled sent over HTTP in the 2026-07-28 era", n)
				}
			}
			s.Close()
			for _, e := range log.all() {
				if e.Kind == KindError || e.Err != "" {
					t.Errorf("error event: %s %s %s", e.Label(), e.Summary(), e.Err)
				}
			}
		})
	}
}
