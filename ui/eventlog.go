package ui

import (
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog/detail"
	"github.com/sonde-mcp/sonde/ui/pane/eventlog"
	"github.com/sonde-mcp/sonde/ui/pane/timeline"
)

// The event log is ui/pane/eventlog and the timeline view
// ui/pane/timeline; here is what the root does for them: open an event in
// detail, copy or save it, show an answer as a result, resend a message,
// cancel a call, find a span's request in the log, and hide keepalives in
// the log and the timeline alike.

// DefaultLogWindow is how many events the log keeps in memory (see
// [eventlog.DefaultWindow]).
const DefaultLogWindow = eventlog.DefaultWindow

// entry is one event of the log.
type entry = eventlog.Entry

type lipglossStyle = lipgloss.Style

// logAction carries out an action of the event log's or the timeline's;
// ok is false for any other action.
func (m *Model) logAction(a component.Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case eventlog.Detail:
		m.dialogs.open(newDetail(m.look.com, a.Entry, m.panes.timeline.Related))
	case eventlog.Copy:
		m.dialogs.open(newCopyDialog(m.look.com, a.Entry))
	case eventlog.Save:
		return m.act(nil, detail.SaveEvent(&a.Entry.Ev)), true
	case eventlog.ShowResult:
		return m.showEventAsResult(a.Entry), true
	case eventlog.Resend:
		return m.resendFromLog(a.Entry), true
	case eventlog.Cancel:
		m.flash.set(m.calls.cancel(a.ID, m.s))
		return nil, true
	case eventlog.ToggleKeepalive, timeline.ToggleKeepalive:
		if m.panes.toggleKeepalive() {
			m.flash.set("keepalives hidden", false)
		} else {
			m.flash.set("keepalives shown", false)
		}
	case timeline.Open:
		en := m.panes.spanRequest(a.Span)
		if en == nil {
			m.flash.set(leftTheLog, true)
			return nil, true
		}
		cmd := m.setLogView(viewWire)
		if !m.panes.log.Select(en) {
			m.flash.set(eventlog.HiddenNote, true)
			return cmd, true
		}
		m.dialogs.open(newDetail(m.look.com, en, m.panes.timeline.Related))
		return cmd, true
	case timeline.ShowResult:
		if en := m.panes.spanRequest(a.Span); en != nil {
			return m.showEventAsResult(en), true
		}
		m.flash.set(leftTheLog, true)
	default:
		return nil, false
	}
	return nil, true
}

// leftTheLog is what the status line says of a span whose request has
// left the log's window.
const leftTheLog = "that request has left the log (it keeps the newest events)"

// spanRequest finds a span's request in the log (nil when it has left
// the log's window: leftTheLog).
func (p *paneSet) spanRequest(s session.Span) *entry {
	return p.log.Find(func(e *mcp.Event) bool {
		return e.Seq == s.StartSeq && e.RPC == mcp.RPCRequest && e.ID == s.ID && e.Dir == s.Dir
	})
}
