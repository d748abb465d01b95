package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
)

// benchEvents makes n realistic events: requests, answers with latency,
// notifications and keepalives.
func benchEvents(n int, start uint64) []mcp.Event {
	evs := make([]mcp.Event, n)
	for i := range evs {
		seq := start + uint64(i)
		e := mcp.Event{Seq: seq, Time: t0.Add(time.Duration(seq) * time.Millisecond), Stream: "POST"}
		id := fmt.Sprint(seq / 4)
		switch seq % 4 {
		case 0:
			e.Dir, e.Kind, e.RPC, e.Method, e.ID = mcp.DirOut, mcp.KindMessage, mcp.RPCRequest, "tools/call", id
			e.Raw = json.RawMessage(`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`)
		case 1:
			e.Dir, e.Kind, e.RPC, e.Method = mcp.DirIn, mcp.KindMessage, mcp.RPCNotification, "notifications/progress"
			e.Raw = json.RawMessage(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":` + id + `,"progress":1,"total":2}}`)
		case 2:
			e.Dir, e.Kind, e.RPC, e.ID, e.ReqMethod, e.Latency = mcp.DirIn, mcp.KindMessage, mcp.RPCResponse, id, "tools/call", 1500*time.Microsecond
			e.Raw = json.RawMessage(`{"jsonrpc":"2.0","id":` + id + `,"result":{"content":[{"type":"text","text":"hello"}]}}`)
		case 3:
			e.Dir, e.Kind, e.Stream, e.Text = mcp.DirIn, mcp.KindComment, "GET", "ping"
		}
		evs[i] = e
	}
	return evs
}

// BenchmarkFrame measures one full frame (Render) with the log holding n
// events, focused on the log and following. Cost should grow with what is
// visible, not with history: compare n=100000 with n=1000.
func BenchmarkFrame(b *testing.B) {
	for _, n := range []int{1000, 100_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			m := New(context.Background(), Options{LogWindow: 200_000}, nil)
			m.ticking = true
			m.look.com.Now = t0
			m.update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m.update(eventsMsg(demoSession().evs))
			evs := benchEvents(n, 1000)
			for i := 0; i < len(evs); i += maxBatch {
				m.update(eventsMsg(evs[i:min(len(evs), i+maxBatch)]))
			}
			m.screen.focus = paneLog
			if m.panes.log.Len() < n {
				b.Fatalf("log holds %d", m.panes.log.Len())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = m.Render()
			}
		})
	}
}

// BenchmarkFrameFiltered is BenchmarkFrame with a filter applied and a
// new event arriving before every frame.
func BenchmarkFrameFiltered(b *testing.B) {
	for _, n := range []int{1000, 100_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			m := New(context.Background(), Options{LogWindow: 200_000}, nil)
			m.ticking = true
			m.update(tea.WindowSizeMsg{Width: 120, Height: 40})
			evs := benchEvents(n, 1000)
			for i := 0; i < len(evs); i += maxBatch {
				m.update(eventsMsg(evs[i:min(len(evs), i+maxBatch)]))
			}
			m.panes.log.SetFilter("method:tools/call dir:in")
			more := benchEvents(b.N+1, uint64(1000+n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.update(eventsMsg(more[i : i+1]))
				_ = m.Render()
			}
		})
	}
}

// BenchmarkBurst pushes 10,000 events through the real feed (the
// session's OnEvent path) paced over one second, while the consumer does
// what the program does: drain a batch, Update, render one frame, and
// handle a key press after every frame. It reports the worst time from a
// key press arriving to its frame being drawn (at most one batch plus one
// frame), the batches, and the heap after the burst with a 5,000-event
// window.
func BenchmarkBurst(b *testing.B) {
	const total, window = 10_000, 5_000
	for i := 0; i < b.N; i++ {
		m := newLive(context.Background(), Options{LogWindow: window})
		m.ticking = true
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		f := m.conn.feed
		evs := benchEvents(total, 1)
		go func() {
			start := time.Now()
			for j, e := range evs {
				f.push(e)
				if j%100 == 99 { // 100 events every 10 ms
					// sleep: the burst's pace on the wall clock (a benchmark), catching up when behind
					time.Sleep(time.Until(start.Add(time.Duration(j+1) * time.Second / total)))
				}
			}
			f.End()
		}()
		var worst time.Duration
		batches := 0
		start := time.Now()
		for !m.conn.closed {
			<-f.Ready()
			keyAt := time.Now() // a key press queued behind this batch
			m.Update(feedMsg{})
			_ = m.View()
			m.Update(keyMsg("k"))
			_ = m.View()
			worst = max(worst, time.Since(keyAt))
			batches++
		}
		elapsed := time.Since(start)
		if got := m.panes.log.Len() + int(m.panes.log.Evicted()); got != total {
			b.Fatalf("got %d events", got)
		}
		if m.panes.log.Len() > window {
			b.Fatalf("log holds %d > window %d", m.panes.log.Len(), window)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(worst.Microseconds())/1000, "worst-key-ms")
		b.ReportMetric(float64(batches), "batches")
		b.ReportMetric(elapsed.Seconds(), "burst-s")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		f.close()
	}
}

// BenchmarkFrameTimeline is BenchmarkFrame with the timeline showing, a
// row per request and in lanes: the rows layout costs what is visible;
// lanes look at every span kept (at most maxSpans).
func BenchmarkFrameTimeline(b *testing.B) {
	for _, lanes := range []bool{false, true} {
		for _, n := range []int{1000, 100_000} {
			b.Run(fmt.Sprintf("lanes=%v/events=%d", lanes, n), func(b *testing.B) {
				m := New(context.Background(), Options{LogWindow: 200_000}, nil)
				m.ticking = true
				m.update(tea.WindowSizeMsg{Width: 120, Height: 40})
				evs := benchEvents(n, 1000)
				for i := 0; i < len(evs); i += maxBatch {
					m.update(eventsMsg(evs[i:min(len(evs), i+maxBatch)]))
				}
				m.look.com.Now = evs[len(evs)-1].Time
				m.setLogView(viewTimeline)
				if lanes {
					m.panes.timeline.Update(keyMsg("p")) // (without the root: no flash in the footer)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_ = m.Render()
				}
			})
		}
	}
}
