package tap

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
)

// sessions collects the tapped sessions' events.
type sessions struct {
	mu    sync.Mutex
	infos []SessionInfo
	evs   map[int][]mcp.Event
	ended map[int]bool
}

func (c *sessions) sink(info SessionInfo) Sink {
	c.mu.Lock()
	c.infos = append(c.infos, info)
	c.mu.Unlock()
	return Sink{
		OnEvent: func(e mcp.Event) {
			c.mu.Lock()
			c.evs[info.N] = append(c.evs[info.N], e)
			c.mu.Unlock()
		},
		OnEnd: func() {
			c.mu.Lock()
			c.ended[info.N] = true
			c.mu.Unlock()
		},
	}
}

func (c *sessions) events(n int) []mcp.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]mcp.Event(nil), c.evs[n]...)
}

func (c *sessions) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.infos)
}

// waitFor polls until session n has an event pred accepts.
func (c *sessions) waitFor(t *testing.T, n int, what string, pred func(mcp.Event) bool) mcp.Event {
	t.Helper()
	var got mcp.Event
	if !testenv.Poll(15*time.Second, func() bool {
		for _, e := range c.events(n) {
			if pred(e) {
				got = e
				return true
			}
		}
		return false
	}) {
		c.dump(t, n)
		t.Fatalf("session %d: timed out waiting for %s", n, what)
	}
	return got
}

func (c *sessions) dump(t *testing.T, n int) {
	t.Helper()
	for _, e := range c.events(n) {
		t.Log(mcp.FormatLine(e))
	}
}

// startTap runs a tap in front of upstream; it returns the URL to give
// the client (upstream's path on the tap) and the sessions it saw.
func startTap(t *testing.T, upstream string, faults ...string) (string, *sessions, *Proxy) {
	t.Helper()
	c := &sessions{evs: map[int][]mcp.Event{}, ended: map[int]bool{}}
	var set *fault.Set
	if len(faults) > 0 {
		set = fault.NewSet()
		for _, f := range faults {
			sp, err := fault.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			set.Add(sp)
		}
		t.Cleanup(set.Close)
	}
	p, err := New(Options{Upstream: upstream, Faults: set, OnSession: c.sink})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		p.Close()
	})
	u, _ := url.Parse(upstream)
	return srv.URL + u.RequestURI(), c, p
}

func startDemo(t *testing.T, o demo.Options) *demo.Running {
	t.Helper()
	r, err := demo.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// isMsg matches a message event of dir and method (or, for an answer,
// the method it answers).
func isMsg(dir mcp.Dir, method string) func(mcp.Event) bool {
	return func(e mcp.Event) bool {
		return e.Kind == mcp.KindMessage && e.Dir == dir && (e.Method == method || e.ReqMethod == method)
	}
}

func isConnected(e mcp.Event) bool {
	return e.Kind == mcp.KindState && e.State == mcp.StateConnected && e.Info != nil && e.Info.Tapped
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
