package ui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
)

// BenchmarkTapScreen measures what sonde tap's UI adds to a screen's
// work: a batch of 16 events (SSE comments) pushed into a session's feed,
// taken by Update and drawn by View, on a root Model directly ("model")
// and on the same kind of screen inside a Tap ("tap": the message tagged
// and routed, the session bar drawn). Compare the two ns/op.
func BenchmarkTapScreen(b *testing.B) {
	evs := make([]mcp.Event, 16)
	for i := range evs {
		evs[i] = mcp.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Dir: mcp.DirIn, Kind: mcp.KindComment, Stream: "GET", Text: "ping"}
	}
	for _, via := range []string{"model", "tap"} {
		b.Run(via, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tp := NewTap(ctx, Options{}, "bench")
			push, end := tp.Session(1, "bench-client", nil)
			defer end()
			tp.Update(tapSessionsMsg{})
			tp.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m := tp.screens[0].m
			m.conn.manual = true // no listen command: the benchmark takes itself
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, e := range evs {
					push(e)
				}
				if via == "tap" {
					tp.Update(tapMsg{i: 0, msg: feedMsg{}})
					_ = tp.View()
				} else {
					m.Update(feedMsg{})
					_ = m.View()
				}
			}
		})
	}
}
