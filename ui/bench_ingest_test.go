package ui

import (
	"context"
	"flag"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/internal/benchdata"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

// The full size of BenchmarkIngest (issue 16 item 5b) is a million events
// at 100,000 a second: scripts/bench-ingest.sh passes these flags.
var (
	ingestEvents = flag.Int("ingest.events", 20_000, "BenchmarkIngest: events the server sends")
	ingestRate   = flag.Int("ingest.rate", 100_000, "BenchmarkIngest: events per second the server sends (0: as fast as sonde takes them)")
)

// BenchmarkIngest has a server send small notifications (-ingest.events,
// -ingest.rate per second) in answer to one call, and measures how fast
// sonde takes them in, recording every one: headless (the recorder is the
// only consumer), then the terminal UI's path (the feed, the state, the
// model taking batches and drawing a frame after each, as Bubble Tea
// does), side by side in one run. A slow consumer used to slow the server
// itself down (the wire waited for the UI); now the session reads at the
// headless pace and the screen catches up at its own, told how far it is
// behind. Reported: both rates and their ratio, the most events the screen
// was behind, how long it took to catch up after the server finished,
// events the recorder lost (must be 0), the heap at the end, and the
// process's CPU time per event in each mode (less sensitive to a busy
// machine than the rates).
func BenchmarkIngest(b *testing.B) {
	n, rate := *ingestEvents, *ingestRate
	flood := benchdata.Flood{N: n, Rate: rate, Sent: make(chan time.Time, 1)}
	srv := httptest.NewServer(flood)
	defer srv.Close()
	cfg := mcp.Config{URL: srv.URL, Transport: mcp.TransportHTTP, Protocol: "2025-11-25", Keepalive: -1, IdleTimeout: -1}
	for i := 0; i < b.N; i++ {
		headless := ingestOnce(b, cfg, flood, false)
		tui := ingestOnce(b, cfg, flood, true)
		b.ReportMetric(headless.rate, "headless-events/s")
		b.ReportMetric(tui.rate, "tui-events/s")
		b.ReportMetric(tui.rate/headless.rate, "tui/headless")
		b.ReportMetric(headless.cpu, "headless-cpu-µs/event")
		b.ReportMetric(tui.cpu, "tui-cpu-µs/event")
		b.ReportMetric(tui.applied.Seconds(), "tui-state-lag-s")
		b.ReportMetric(float64(tui.behind), "tui-max-behind")
		b.ReportMetric(tui.catchUp.Seconds(), "tui-catch-up-s")
		b.ReportMetric(float64(headless.lost+tui.lost), "lost")
		b.ReportMetric(tui.heapMiB, "tui-heap-MiB")
	}
}

type ingestResult struct {
	rate    float64       // events per second the server could send
	applied time.Duration // from the server's last event to the call's return (the state has them all)
	behind  int           // the most events the screen was behind
	catchUp time.Duration // from the call's return to the screen having drawn everything
	lost    int64         // events the recorder did not keep
	heapMiB float64
	cpu     float64 // the process's CPU time per event (the server's included: the same in both)
}

func ingestOnce(b *testing.B, cfg mcp.Config, flood benchdata.Flood, tui bool) ingestResult {
	n := flood.N
	b.Helper()
	ctx := context.Background()
	rec, err := store.NewRecorder(store.RecorderOptions{Path: filepath.Join(b.TempDir(), "ingest.jsonl"), Header: store.Header{Target: cfg.URL, Transport: mcp.TransportHTTP}})
	if err != nil {
		b.Fatal(err)
	}
	var (
		m       *Model
		stop    = make(chan struct{})
		drawer  sync.WaitGroup
		mu      sync.Mutex
		behind  int                      // the most events the screen was behind
		taken   int                      // events the log has taken in (shown or gone by)
		drawnAt time.Time                // when the latest frame was drawn
		drew    = make(chan struct{}, 1) // a frame was drawn since the last look
		pushed  atomic.Int64
	)
	cfg.OnEvent = rec.Record
	if tui {
		m = newLive(ctx, Options{Config: cfg, Tee: func(e mcp.Event) { pushed.Add(1); rec.Record(e) }})
		m.ticking = true
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		cfg.OnEvent = m.conn.feed.push
		// Bubble Tea's loop: commands run in goroutines, their messages go
		// through Update, and a frame is drawn after each.
		msgs := make(chan tea.Msg, 64)
		var exec func(tea.Cmd)
		exec = func(cmd tea.Cmd) {
			if cmd == nil {
				return
			}
			go func() {
				switch msg := cmd().(type) {
				case nil:
				case tea.BatchMsg:
					for _, c := range msg {
						exec(c)
					}
				default:
					select {
					case msgs <- msg:
					case <-stop:
					}
				}
			}()
		}
		exec(m.conn.listen())
		drawer.Add(1)
		go func() {
			defer drawer.Done()
			for {
				var msg tea.Msg
				select {
				case msg = <-msgs:
				case <-stop:
					return
				}
				_, cmd := m.Update(msg)
				m.View()
				exec(cmd)
				m.conn.feed.Lock() // the model's: read as Update does
				was, got := m.panes.log.Behind(), m.panes.log.Len()+int(m.panes.log.Evicted())
				m.conn.feed.Unlock()
				mu.Lock()
				behind, taken, drawnAt = max(behind, was), got, time.Now()
				mu.Unlock()
				select {
				case drew <- struct{}{}:
				default:
				}
			}
		}()
	}
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	start, cpu0 := time.Now(), cpuTime()
	if _, err := s.Call(ctx, "tools/call", map[string]any{"name": benchdata.FloodTool}); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	sent := <-flood.Sent
	res := ingestResult{rate: float64(n) / sent.Sub(start).Seconds(), applied: start.Add(took).Sub(sent)}
	if tui {
		// every event delivered so far (the call returned after its own)
		// has been taken and drawn: the screen caught up
		all := int(pushed.Load())
		for {
			mu.Lock()
			done := taken >= all
			res.behind, res.catchUp = behind, max(0, drawnAt.Sub(start.Add(took)))
			mu.Unlock()
			if done {
				break
			}
			<-drew
		}
		res.cpu = float64((cpuTime() - cpu0).Microseconds()) / float64(n)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		res.heapMiB = float64(ms.HeapInuse) / (1 << 20)
		close(stop)
		drawer.Wait()
		m.conn.feed.close()
	}
	if !tui {
		res.cpu = float64((cpuTime() - cpu0).Microseconds()) / float64(n)
	}
	s.Close()
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	st := rec.Stats()
	res.lost = st.Dropped
	if st.Recorded < int64(n) {
		b.Fatalf("recorded %d of %d events", st.Recorded, n)
	}
	return res
}
