package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// A feed keeps at most its window of events for a UI that does not take
// them, says how many it let go, and applies every event to the state.
func TestFeedBoundsWhatTheUIHasNotTaken(t *testing.T) {
	var teed int
	f := NewFeed(nil, 100, func(mcp.Event) { teed++ })
	evs := synth(1000)
	for _, e := range evs {
		f.Push(e)
	}
	f.Lock()
	b := f.Take(30)
	st := f.State()
	if teed != 1000 || st.Timeline.Started() != New().applied(evs).Timeline.Started() || st.Conn.State != mcp.StateConnected {
		t.Fatalf("teed %d, %d spans", teed, st.Timeline.Started())
	}
	f.Unlock()
	if b.Skipped != 900 || len(b.Events) != 30 || b.Events[0].Seq != 901 || b.Behind != 70 || !b.Change.Connected || !b.Change.Lists[Tools] {
		t.Fatalf("batch: skipped %d, %d events from %d, %d behind, change %+v", b.Skipped, len(b.Events), b.Events[0].Seq, b.Behind, b.Change)
	}
	select {
	case <-f.Ready():
	default:
		t.Fatal("events are waiting but the feed is not ready")
	}
	f.Lock()
	b = f.Take(0)
	f.Unlock()
	if b.Skipped != 0 || len(b.Events) != 70 || b.Events[69].Seq != 1000 || b.Behind != 0 || b.Change.Connected {
		t.Fatalf("second batch: skipped %d, %d events, %d behind", b.Skipped, len(b.Events), b.Behind)
	}
}

// A rewind drops what was not taken (it is from before the new position)
// and the state starts over; the end of a replay is reported once
// everything was taken.
func TestFeedRewindAndEnd(t *testing.T) {
	f := NewFeed(nil, 100, nil)
	for _, e := range synth(50) {
		f.Push(e)
	}
	f.Push(mcp.Event{Kind: KindRewind, Dir: mcp.DirMeta, Time: t0})
	f.Push(synth(1)[0])
	f.End()
	f.Lock()
	b := f.Take(1)
	f.Unlock()
	if !b.Change.Reset || len(b.Events) != 1 || b.Events[0].Kind != KindRewind || b.Ended {
		t.Fatalf("after a rewind: %+v", b)
	}
	f.Lock()
	b = f.Take(0)
	f.Unlock()
	if len(b.Events) != 1 || !b.Ended {
		t.Fatalf("the end: %+v", b)
	}
	f.Close()
	f.Push(synth(1)[0]) // after Close: only the tee
	<-f.Done()
}

// inProcess serves HTTP requests with a handler in the calling goroutine:
// no sockets, so a synctest bubble holds the whole conversation.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}

// jsonServer is a Streamable HTTP server answering in JSON: initialize
// (tools only), ping, tools/list; it records when pings arrive.
type jsonServer struct {
	mu    sync.Mutex
	pings []time.Time
}

func (s *jsonServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	json.Unmarshal(body, &m)
	var result string
	switch m.Method {
	case "initialize":
		result = `{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"json","version":"1"}}`
	case "ping":
		s.mu.Lock()
		s.pings = append(s.pings, time.Now())
		s.mu.Unlock()
		result = `{}`
	case "tools/list":
		result = `{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}`
	default:
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Mcp-Session-Id", "S1")
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, bytes.TrimSpace(m.ID), result)
}

// A UI that stops taking events for 10 s holds up nothing: the keepalive
// pings go out on time, every event is recorded and in the state, and the
// UI is told how many events it has not drawn, with at most a window of
// them kept.
func TestUIThatStopsReadingStallsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &jsonServer{}
		var recorded int
		var rmu sync.Mutex
		const window = 8
		f := NewFeed(nil, window, func(mcp.Event) { rmu.Lock(); recorded++; rmu.Unlock() })
		s, err := mcp.Dial(t.Context(), mcp.Config{URL: "http://sonde.test/mcp", Transport: mcp.TransportHTTP, Protocol: "2025-11-25",
			HTTPClient: &http.Client{Transport: inProcess{srv}}, Keepalive: time.Second, IdleTimeout: -1, OnEvent: f.Push})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		defer s.Close()
		start := time.Now()
		// The UI takes what is there, then stops reading for 10 s. Wait
		// until the dial's last events have been dispatched first: one
		// recorded between the Take and the count below would be counted
		// as both taken and let go (seen under -race in CI).
		synctest.Wait()
		f.Lock()
		f.Take(0)
		f.Unlock()
		rmu.Lock()
		before := recorded
		rmu.Unlock()
		time.Sleep(10*time.Second + 500*time.Millisecond) // sleep: the bubble's clock, the UI's 10 s stall

		srv.mu.Lock()
		pings := append([]time.Time(nil), srv.pings...)
		srv.mu.Unlock()
		if len(pings) != 10 {
			t.Fatalf("%d pings in 10.5 s at a 1 s interval, want 10", len(pings))
		}
		for i, at := range pings {
			if d := at.Sub(start); d != time.Duration(i+1)*time.Second {
				t.Fatalf("ping %d went out at +%v, want +%ds", i+1, d, i+1)
			}
		}
		f.Lock()
		st := f.State()
		if st.Conn.KeepaliveOut != 10 || st.Conn.PingRTT < 0 {
			t.Errorf("state: %d pings out", st.Conn.KeepaliveOut)
		}
		b := f.Take(0)
		f.Unlock()
		rmu.Lock()
		rec := recorded
		rmu.Unlock()
		// The events of the ten pings (requests, answers, HTTP statuses)
		// arrived while the UI slept: it gets the newest window of them
		// and the count of the others.
		if arrived := rec - before; arrived < 20 || len(b.Events) != window || b.Skipped != arrived-window || b.Events[window-1].Seq != uint64(rec) {
			t.Fatalf("the UI got %d events (last %d), %d let go; %d recorded", len(b.Events), b.Events[len(b.Events)-1].Seq, b.Skipped, rec)
		}
	})
}

// BenchmarkFeedPush measures what the session's dispatcher pays per event
// for the UI: the state and the window, no UI.
func BenchmarkFeedPush(b *testing.B) {
	evs := synth(10_000)
	b.ReportAllocs()
	for b.Loop() {
		f := NewFeed(nil, 5000, nil)
		for _, e := range evs {
			f.Push(e)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}
