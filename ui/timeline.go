package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/pane/timeline"
)

// The timeline view is ui/pane/timeline; here is what the root does for
// it: find a span's request in the log (to open it, or show its answer),
// and hide keepalives in the log and the timeline alike.

// timelineAction carries out an action of the timeline pane's; ok is
// false for any other action.
func (m *Model) timelineAction(a component.Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case timeline.Open:
		en := m.spanRequest(a.Span)
		if en == nil {
			return nil, true
		}
		cmd := m.setLogView(viewWire)
		if m.selectInLog(en) {
			m.open(newDetail(m.com, en, m.timeline.Related))
		}
		return cmd, true
	case timeline.ShowResult:
		if en := m.spanRequest(a.Span); en != nil {
			return m.showEventAsResult(en), true
		}
		return nil, true
	case timeline.ToggleKeepalive:
		m.toggleKeepalive()
		return nil, true
	}
	return nil, false
}

// spanRequest finds a span's request in the log (nil, with a note, when
// it has left the log's window).
func (m *Model) spanRequest(s session.Span) *entry {
	for i := len(m.log.entries) - 1; i >= 0; i-- {
		e := &m.log.entries[i].ev
		if e.Seq == s.StartSeq && e.RPC == mcp.RPCRequest && e.ID == s.ID && e.Dir == s.Dir {
			return m.log.entries[i]
		}
	}
	m.setFlash("that request has left the log (it keeps the newest events)", true)
	return nil
}

// startReplayView shows the timeline in a replay: the bottom pane opens on
// it, its axis starting at the recording's start.
func (m *Model) startReplayView() {
	m.logView = viewTimeline
	m.keys.disableLive()
	m.tasks.DisableLive()
	m.auth.DisableLive()
	m.timeline.SetReplay(m.opts.Replay, m.opts.ReplayStart)
	m.com.Now = time.Time{} // the replay's clock is its events' times
	if !m.opts.ReplayStart.IsZero() {
		m.setOrigin(m.opts.ReplayStart)
	}
}
