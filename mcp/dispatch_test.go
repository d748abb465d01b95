package mcp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// inProcess is an HTTP transport that serves requests with a handler in
// the calling goroutine: no sockets, so a synctest bubble holds the whole
// conversation (answers must be JSON; streams would never end).
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}

// pingClock records when the server received each ping.
type pingClock struct {
	next http.Handler
	mu   sync.Mutex
	at   []time.Time
}

func (p *pingClock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if m, err := DecodeMessage(body); err == nil && m.Method == "ping" {
			p.mu.Lock()
			p.at = append(p.at, time.Now())
			p.mu.Unlock()
		}
	}
	p.next.ServeHTTP(w, r)
}

func (p *pingClock) times() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.at...)
}

// A consumer of the events that stops reading for 10 s (a UI busy or
// stuck) holds up nothing on the wire: the keepalive pings go out on time,
// their answers are read, and every event reaches the consumer, in order,
// once it reads again.
func TestStalledConsumerDoesNotStallTheWire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &pingClock{next: &streamFake{json: true, getStatus: http.StatusMethodNotAllowed}}
		var (
			mu    sync.Mutex
			got   []Event
			armed bool // the next event stalls the consumer
		)
		release := make(chan struct{})
		cfg := Config{URL: "http://sonde.test/mcp", Transport: TransportHTTP, Protocol: "2025-11-25",
			HTTPClient: &http.Client{Transport: inProcess{srv}}, Keepalive: time.Second, IdleTimeout: -1,
			OnEvent: func(e Event) {
				mu.Lock()
				got = append(got, e)
				wait := armed
				armed = false
				mu.Unlock()
				if wait {
					<-release // the consumer stops reading
				}
			}}
		s, err := Dial(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		mu.Lock()
		armed = true
		mu.Unlock()

		time.Sleep(10*time.Second + 500*time.Millisecond) // sleep: the bubble's clock, the consumer's 10 s stall
		pings := srv.times()
		if len(pings) != 10 {
			t.Fatalf("%d pings reached the server in 10.5 s with a 1 s interval, want 10", len(pings))
		}
		for i, at := range pings {
			if d := at.Sub(start); d != time.Duration(i+1)*time.Second {
				t.Fatalf("ping %d went out at +%v, want +%ds", i+1, d, i+1)
			}
		}
		mu.Lock()
		held := len(got)
		mu.Unlock()
		close(release)
		s.Close()

		// Everything reached the consumer once it read again, in order:
		// each ping and its answer, and the closing state last.
		mu.Lock()
		defer mu.Unlock()
		if len(got) <= held {
			t.Fatalf("no events delivered after the stall (%d)", len(got))
		}
		var req, ans int
		for i, e := range got {
			if e.Seq != uint64(i+1) {
				t.Fatalf("event %d has seq %d: lost or out of order", i, e.Seq)
			}
			switch {
			case e.Method == "ping" && e.Dir == DirOut:
				req++
			case e.ReqMethod == "ping" && e.Dir == DirIn:
				ans++
			}
		}
		if req < 10 || ans < 10 {
			t.Fatalf("%d ping requests and %d answers delivered, want 10 each", req, ans)
		}
		if last := got[len(got)-1]; last.State != StateClosed {
			t.Fatalf("last event %s, want closed", last.Label())
		}
	})
}

// Call returns only after the consumer has the answer's event: the
// outcome a caller sees and the events never disagree. The consumer holds
// the answer's event until Call returns or an hour passes on the bubble's
// clock (at once, when nothing else can move): a Call that returned
// without waiting for the delivery is caught in the act.
func TestCallReturnsAfterItsAnswerWasDelivered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		returned := make(chan struct{})
		early := false
		cfg := Config{URL: "http://sonde.test/mcp", HTTPClient: &http.Client{Transport: inProcess{&streamFake{json: true}}}, Keepalive: -1,
			OnEvent: func(e Event) {
				if e.Dir != DirIn || e.RPC != RPCResponse || e.ReqMethod != "tools/call" {
					return
				}
				select {
				case <-returned:
					early = true
				case <-time.After(time.Hour):
				}
			}}
		s, err := Dial(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Call(t.Context(), "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": "hi"}})
		close(returned)
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if early {
			t.Fatalf("Call returned before its answer reached OnEvent")
		}
	})
}
