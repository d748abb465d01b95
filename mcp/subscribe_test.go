package mcp

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
)

func waitFor(t *testing.T, log *eventLog, what string, pred func(Event) bool) Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range log.all() {
			if pred(e) {
				return e
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s", what)
	return Event{}
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
			time.Sleep(150 * time.Millisecond)
			n := log.count(updated)
			time.Sleep(400 * time.Millisecond)
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
			time.Sleep(150 * time.Millisecond)
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
	res, err := s.AwaitTask(ctxT(t), task, func(t Task) { mu.Lock(); msgs = append(msgs, t.StatusMessage); mu.Unlock() })
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
	for i := 0; i < 5; i++ {
		s, log := dialT(t, Config{URL: d.URL, Keepalive: -1, Listen: true})
		if err := s.Subscribe(ctxT(t), demo.ClockURI); err != nil {
			t.Fatal(err)
		}
		waitFor(t, log, "resources/updated", func(e Event) bool { return e.Method == "notifications/resources/updated" })
		if err := s.Unsubscribe(ctxT(t), demo.ClockURI); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		updated := func(e Event) bool { return e.Method == "notifications/resources/updated" }
		n := log.count(updated)
		time.Sleep(300 * time.Millisecond)
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
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := levels
		mu.Unlock()
		if n == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log level set %d times, want 2", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
