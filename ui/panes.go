package ui

import (
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	authpane "github.com/sonde-mcp/sonde/ui/pane/auth"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
	"github.com/sonde-mcp/sonde/ui/pane/eventlog"
	"github.com/sonde-mcp/sonde/ui/pane/faults"
	"github.com/sonde-mcp/sonde/ui/pane/srvlog"
	"github.com/sonde-mcp/sonde/ui/pane/tasks"
	"github.com/sonde-mcp/sonde/ui/pane/timeline"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// paneSet is the root model's panes: the browser and the work pane on
// top, and the bottom pane's views (the wire log, the server log, the
// tasks, the timeline, the auth view and, with --fault, the faults) with
// the one it shows. Each is a component; the set sizes them, tells them
// what changed in the state, and forgets what they showed on a rewind.
type paneSet struct {
	br       *browser.Pane
	work     *work.Pane
	log      *eventlog.Pane
	logView  logView // what the bottom pane shows
	srvLog   *srvlog.Pane
	timeline *timeline.Pane
	tasks    *tasks.Pane
	faults   *faults.Pane // with --fault: the faults pane (nil without)
	auth     *authpane.Pane
}

// newPaneSet makes the panes over s (the faults pane is made apart, with
// the connection's faults: Model.initFaults).
func newPaneSet(c *common.Common, s *session.State, logWindow int, workKeys *work.KeyMap) paneSet {
	return paneSet{
		log:      eventlog.New(c, logWindow),
		srvLog:   srvlog.New(c),
		work:     work.New(c, s, workKeys),
		timeline: timeline.New(c, s),
		br:       browser.New(c, s),
		tasks:    tasks.New(c, s),
		auth:     authpane.New(c, s),
	}
}

// bottom is the view the bottom pane shows.
func (p *paneSet) bottom() component.Pane {
	switch p.logView {
	case viewServerLog:
		return p.srvLog
	case viewTasks:
		return p.tasks
	case viewFaults:
		return p.faults
	case viewAuth:
		return p.auth
	case viewTimeline:
		return p.timeline
	}
	return p.log
}

// resize gives each pane the inside of its box (r: the outer boxes).
func (p *paneSet) resize(r [numPanes]rect) {
	in := func(x rect) (int, int) { return max(1, x.w-2), max(1, x.h-2) }
	p.br.SetSize(in(r[paneBrowser]))
	p.work.SetSize(in(r[paneWork]))
	lw, lh := in(r[paneLog])
	p.log.SetSize(lw, lh)
	p.timeline.SetSize(lw, lh)
}

// sync has the bottom pane's views follow what the state holds now (after
// a batch of events).
func (p *paneSet) sync(s *session.State) {
	p.srvLog.Sync(&s.Log)
	p.tasks.Sync()
	p.auth.Sync()
	p.timeline.Sync()
}

// reset forgets what the panes showed (a replay's rewind), keeping how
// they are looked at (filters, the selected list) and a form being
// filled in.
func (p *paneSet) reset() {
	p.log.Reset()
	p.br.Reset()
	if p.work.Mode() != work.ModeForm {
		p.work.Reset()
	}
	p.srvLog.Reset()
	p.timeline.Reset()
	p.tasks.Reset()
	p.auth.Reset()
}

// disableLive turns off the keys that need a live server (a replay).
func (p *paneSet) disableLive() {
	p.log.DisableLive()
	p.tasks.DisableLive()
	p.auth.DisableLive()
}

// preview shows the browser's selection in the work pane (workFocused:
// the work pane has the focus).
func (p *paneSet) preview(workFocused bool) {
	p.work.Preview(p.br.Selected(), workFocused)
}

// toggleKeepalive hides the keepalives in the log and the timeline, or
// shows them again; it says whether they are hidden now.
func (p *paneSet) toggleKeepalive() (hidden bool) {
	p.log.ToggleKeepalive()
	hidden = p.log.HideKeepalive()
	p.timeline.SetQuiet(hidden)
	return hidden
}

// applyListing shows a listing in the browser (a page arrived; see
// browser.Pane.Sync; live: a live session) and keeps the work pane on the
// fresh item (workFocused: it has the focus).
func (p *paneSet) applyListing(k listKind, live, workFocused bool) {
	items, ok := p.br.Sync(k, live)
	if !ok {
		return
	}
	// keep an open form/info pointing at the fresh item
	if t := p.work.Target(); t != nil && t.Kind == k {
		for _, it := range items {
			p.work.Refresh(it)
		}
	}
	p.preview(workFocused)
}
