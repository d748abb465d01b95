package fault

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Every fault form against sonde's own connection to the official go-sdk
// server: the effect as the client sees it, and the fault event in the log.

func TestDelay(t *testing.T) {
	s, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "delay method=tools/call ms=300")
	_, err := call(s, "hi")
	must(t, err)
	f := log.first(isFault(Delay))
	if f == nil {
		log.dump(t)
		t.Fatal("no fault event")
	}
	mustContain(t, f.Text, "held tools/call")
	a := log.first(answerTo("tools/call"))
	if a == nil || a.Latency < 300*time.Millisecond {
		t.Fatalf("the answer came %v after the call, want 300ms or more", a.Latency)
	}
	if a.Seq < f.Seq {
		t.Fatal("the fault event comes after the answer")
	}
	// Only tools/call is delayed: initialize was not.
	if n := log.count(isFault(Delay)); n != 1 {
		t.Fatalf("%d delays, want 1", n)
	}
}

func TestStatusOnce(t *testing.T) {
	s, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "status method=tools/call code=503 times=1")
	_, err := call(s, "first")
	var he *mcp.HTTPError
	if !errors.As(err, &he) || he.Status != 503 {
		t.Fatalf("first call: %v, want HTTP 503", err)
	}
	if _, err := call(s, "second"); err != nil {
		t.Fatalf("second call (times=1): %v", err)
	}
	f := log.first(isFault(Status))
	if f == nil || f.Status != 503 || f.ReqMethod != "tools/call" {
		t.Fatalf("fault event %+v", f)
	}
	if log.first(func(e mcp.Event) bool { return e.Kind == mcp.KindHTTP && e.Status == 503 && e.Seq > f.Seq }) == nil {
		t.Fatal("no HTTP 503 logged after the fault")
	}
}

func TestDuplicate(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			s, log, _ := dial(t, tc.cfg(t), "duplicate method=tools/call")
			out, err := call(s, "twice")
			must(t, err)
			mustContain(t, out, "twice")
			log.waitFor(t, "a duplicate answer", 1, func(e mcp.Event) bool {
				return answerTo("tools/call")(e) && strings.Contains(e.Err, "duplicate answer")
			})
			if f := log.first(isFault(Duplicate)); f == nil || !strings.Contains(f.Text, "twice") {
				t.Fatalf("fault event %+v", f)
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			s, log, _ := dial(t, tc.cfg(t), "corrupt method=tools/list")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := s.Call(ctx, "tools/list", nil)
			if err == nil {
				t.Fatal("tools/list succeeded on a truncated answer")
			}
			f := log.first(isFault(Corrupt))
			if f == nil || !strings.Contains(f.Text, "truncated the answer to tools/list") {
				log.dump(t)
				t.Fatalf("fault event %+v", f)
			}
			if log.first(func(e mcp.Event) bool { return e.Kind == mcp.KindError && e.Seq > f.Seq }) == nil {
				log.dump(t)
				t.Fatal("no error logged after the fault")
			}
			if _, err := call(s, "still alive"); err != nil {
				t.Fatalf("a call after the corrupt answer: %v", err)
			}
		})
	}
}

func TestReorder(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			s, log, _ := dial(t, tc.cfg(t), "reorder method=tools/call wait=20s times=1")
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := call(s, "first"); err != nil {
					t.Errorf("first: %v", err)
				}
			}()
			log.waitFor(t, "the first answer held", 1, func(e mcp.Event) bool {
				return isFault(Reorder)(e) && strings.Contains(e.Text, "holding")
			})
			if _, err := call(s, "second"); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			var order []string
			for _, e := range log.All() {
				if answerTo("tools/call")(e) {
					switch {
					case strings.Contains(string(e.Raw), "first"):
						order = append(order, "first")
					case strings.Contains(string(e.Raw), "second"):
						order = append(order, "second")
					}
				}
			}
			if strings.Join(order, ",") != "second,first" {
				log.dump(t)
				t.Fatalf("answers came %v, want second,first", order)
			}
		})
	}
}

// TestReorderAlone: an answer nobody overtakes goes out after wait.
func TestReorderAlone(t *testing.T) {
	s, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "reorder method=tools/call wait=100ms")
	_, err := call(s, "alone")
	must(t, err)
	log.waitFor(t, "the timeout note", 1, func(e mcp.Event) bool {
		return isFault(Reorder)(e) && strings.Contains(e.Text, "no other answer came")
	})
}

func TestDropStream(t *testing.T) {
	_, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "drop-stream after=200ms times=1")
	log.waitFor(t, "the GET stream cut", 1, isFault(DropStream))
	f := log.first(isFault(DropStream))
	mustContain(t, f.Text, "cut the GET stream")
	// sonde notices and opens the stream again.
	log.waitFor(t, "a new GET after the cut", 1, func(e mcp.Event) bool {
		return e.Seq > f.Seq && e.Kind == mcp.KindHTTP && e.Dir == mcp.DirOut && e.HTTPMethod == "GET"
	})
}

func TestDropLegacyStream(t *testing.T) {
	s, log, _ := dial(t, mcp.Config{URL: legacy(t), Transport: mcp.TransportSSE}, "drop-stream after=200ms times=1")
	log.waitFor(t, "the legacy stream cut", 1, isFault(DropStream))
	log.waitFor(t, "a recovery", 1, func(e mcp.Event) bool { _, _, ok := e.Recovery(); return ok })
	if _, err := call(s, "after the drop"); err != nil {
		t.Fatal(err)
	}
}

func TestIdleCut(t *testing.T) {
	// The go-sdk's GET stream sends nothing while the server has nothing
	// to say: a proxy cutting streams silent for 300 ms cuts it.
	_, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "idle-cut after=300ms times=1")
	log.waitFor(t, "the silent stream cut", 1, isFault(IdleCut))
	f := log.first(isFault(IdleCut))
	mustContain(t, f.Text, "silent for")
	// The fault's event and sonde's reaction to the cut come from two
	// goroutines, in either order: the reaction is the only "re-opening".
	log.waitFor(t, "sonde re-opening the stream", 1, func(e mcp.Event) bool {
		return e.Kind == mcp.KindInfo && strings.Contains(e.Text, "GET stream") && strings.Contains(e.Text, "re-opening")
	})
}

// TestIdleCutSpared: a stream that keeps talking (comments every 50 ms)
// is never idle.
func TestIdleCutSpared(t *testing.T) {
	_, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "idle-cut after=400ms", "inject-comment every=50ms")
	log.waitFor(t, "20 comments", 20, func(e mcp.Event) bool { return e.Kind == mcp.KindComment })
	if n := log.count(isFault(IdleCut)); n != 0 {
		t.Fatalf("a talking stream was cut %d times", n)
	}
}

func TestExpireSession(t *testing.T) {
	s, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "expire-session after=300ms times=1")
	log.waitFor(t, "the session expired", 1, isFault(ExpireSession))
	// sonde renews the session (its GET stream was cut, then answered 404).
	log.waitFor(t, "a recovery from the expired session", 1, func(e mcp.Event) bool {
		_, cause, ok := e.Recovery()
		return ok && strings.Contains(cause, "session")
	})
	if log.first(func(e mcp.Event) bool { return e.Kind == mcp.KindHTTP && e.Status == 404 }) == nil {
		log.dump(t)
		t.Fatal("no 404 logged")
	}
	if _, err := call(s, "on the new session"); err != nil {
		t.Fatal(err)
	}
}

func TestInjectEvent(t *testing.T) {
	_, log, _ := dial(t, mcp.Config{URL: streamable(t, false)}, "inject-event name=keepalive every=100ms")
	log.waitFor(t, "keepalive events", 3, func(e mcp.Event) bool {
		return e.Kind == mcp.KindSSE && e.SSEEvent == "keepalive" && e.Stream == "GET"
	})
	log.waitFor(t, "their fault events", 3, isFault(InjectEvent))
	f := log.first(isFault(InjectEvent))
	mustContain(t, f.Text, "sent event: keepalive on the GET stream")
}

func TestInjectComment(t *testing.T) {
	_, log, _ := dial(t, mcp.Config{URL: legacy(t), Transport: mcp.TransportSSE}, "inject-comment every=100ms text=gateway")
	log.waitFor(t, "comments", 3, func(e mcp.Event) bool { return e.Kind == mcp.KindComment && e.Text == "gateway" })
	log.waitFor(t, "their fault events", 3, isFault(InjectComment))
}

// TestToggle: a fault turned off does nothing; on again, it acts.
func TestToggle(t *testing.T) {
	s, log, set := dial(t, mcp.Config{URL: streamable(t, false)}, "status method=tools/call code=500")
	f := set.Faults()[0]
	f.SetEnabled(false)
	if _, err := call(s, "off"); err != nil {
		t.Fatalf("with the fault off: %v", err)
	}
	f.SetEnabled(true)
	if _, err := call(s, "on"); err == nil {
		t.Fatal("with the fault on the call succeeded")
	}
	if n := log.count(isFault(Status)); n != 1 || f.Hits() != 1 {
		t.Fatalf("%d fault events, %d hits; want 1", n, f.Hits())
	}
}

func TestStdioDelay(t *testing.T) {
	s, log, _ := dial(t, stdioConfig(t), "delay method=tools/call ms=200")
	_, err := call(s, "slow")
	must(t, err)
	a := log.first(answerTo("tools/call"))
	if a == nil || a.Latency < 200*time.Millisecond {
		t.Fatalf("answer after %v, want 200ms or more", a.Latency)
	}
	if f := log.first(isFault(Delay)); f == nil || f.Stream != "stdin" {
		t.Fatalf("fault event %+v", f)
	}
}

// transports are the ways the faults on answers are tried: Streamable
// HTTP answering with SSE streams and with JSON, legacy HTTP+SSE, stdio.
var transports = []struct {
	name string
	cfg  func(t *testing.T) mcp.Config
}{
	{"streamable-sse", func(t *testing.T) mcp.Config { return mcp.Config{URL: streamable(t, false)} }},
	{"streamable-json", func(t *testing.T) mcp.Config { return mcp.Config{URL: streamable(t, true)} }},
	{"legacy-sse", func(t *testing.T) mcp.Config { return mcp.Config{URL: legacy(t), Transport: mcp.TransportSSE} }},
	{"stdio", stdioConfig},
}

// stdioConfig runs the test binary as a go-sdk stdio server.
func stdioConfig(t *testing.T) mcp.Config {
	exe, err := os.Executable()
	must(t, err)
	return mcp.Config{Command: []string{exe, "-test.run=^$"}, Env: []string{"SONDE_FAULT_STDIO=1"}, EnvPlain: []string{"SONDE_FAULT_STDIO"}}
}
