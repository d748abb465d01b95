package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
)

// A burst of server requests, as a hostile server or an agent loop sends
// them (issue 15 item 5): n requests, sampling and elicitation in turn,
// reach the real feed (Config.Handler) from n goroutines, and the consumer
// does what the program does: take a message from listenRequests, Update,
// render one frame. benchTakeIn returns when all n wait for the user.
func benchTakeIn(tb testing.TB, n int) (*Model, *feed, int) {
	tb.Helper()
	m := New(context.Background(), Options{}, nil)
	m.ticking = true
	m.env.consentGuard = 0
	m.update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.update(eventsMsg(demoSession().evs))
	f := newFeed(m.s, 0, nil)
	m.conn.reqs = f.reqs
	for i := range n {
		method, params := "sampling/createMessage", samplingParamsFixture
		if i%2 == 1 {
			method, params = "elicitation/create", elicitFormFixture
		}
		req := &mcp.ServerRequest{ID: json.RawMessage(strconv.Itoa(100 + i)), Method: method, Params: json.RawMessage(params)}
		go f.handle(context.Background(), req) //nolint:errcheck // the answers do not matter here
	}
	frames := 0
	listenCmd := listenRequests(f.reqs)
	for m.requests.pending() < n {
		m.update(listenCmd())
		_ = m.Render()
		frames++
	}
	return m, f, frames
}

// BenchmarkRequestBurst measures taking in a burst of n server requests:
// time and bytes per burst, frames drawn, and the heap once all wait.
func BenchmarkRequestBurst(b *testing.B) {
	for _, n := range []int{16, 64, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var frames int
			var m *Model
			var f *feed
			for i := 0; i < b.N; i++ {
				if f != nil {
					f.close()
				}
				m, f, frames = benchTakeIn(b, n)
			}
			b.StopTimer()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(frames), "frames")
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
			runtime.KeepAlive(m)
			f.close()
		})
	}
}

// BenchmarkKeyWithRequests measures one key press and its frame while n
// server requests wait (the key scrolls the request shown).
func BenchmarkKeyWithRequests(b *testing.B) {
	for _, n := range []int{16, 64, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			m, f, _ := benchTakeIn(b, n)
			defer f.close()
			key := keyMsg("pgdown")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.update(key)
				_ = m.Render()
			}
			b.StopTimer()
			if m.requests.pending() != n {
				b.Fatalf("%d requests wait, want %d", m.requests.pending(), n)
			}
		})
	}
}
