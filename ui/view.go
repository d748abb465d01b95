package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/dialog"
)

// rect is a pane's outer box on screen.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// layout sizes the panes for the screen (screen.rects) and returns their
// boxes.
func (m *Model) layout() [numPanes]rect {
	replay := m.opts.Replay != nil
	r := m.screen.rects(replay, m.panes.logView == viewTimeline)
	m.panes.resize(r)
	W, bodyH := m.screen.body(replay)
	if m.picker != nil {
		m.picker.SetSize(W, bodyH)
	}
	if m.recs != nil {
		m.recs.SetSize(W, bodyH)
	}
	return r
}

// View implements [tea.Model].
func (m *Model) View() tea.View {
	defer m.conn.lockState()()
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	title := "sonde"
	if n := firstNonEmpty(serverOf(m.s).title, serverOf(m.s).name); n != "" {
		title += " — " + n
	}
	v.WindowTitle = title
	return v
}

// Render draws the whole screen as a string (View wraps it; tests and
// benchmarks call it directly).
func (m *Model) Render() string {
	if m.quitting {
		return ""
	}
	W, H := max(20, m.screen.width), max(5, m.screen.height)
	lines := make([]string, 0, H)
	lines = append(lines, m.header(W))
	switch {
	case m.recs != nil:
		lines = append(lines, strings.Split(m.recs.View(W, max(3, H-2)), "\n")...)
	case m.picker != nil:
		lines = append(lines, m.picker.Lines()...)
	default:
		rs := m.layout()
		body := make([]string, max(0, H-2))
		for p := pane(0); p < numPanes; p++ {
			if m.screen.zoom && p != m.screen.focus {
				continue
			}
			r := rs[p]
			box := m.paneBox(p, r)
			for i, l := range box {
				y := r.y - 1 + i
				if y < 0 || y >= len(body) {
					continue
				}
				body[y] = placeAt(body[y], l, r.x)
			}
		}
		lines = append(lines, body...)
	}
	bottom := H - 1
	transport := m.opts.Replay != nil && m.picker == nil && m.recs == nil
	if transport {
		bottom--
	}
	for len(lines) < bottom {
		lines = append(lines, "")
	}
	lines = lines[:bottom]
	if transport {
		lines = append(lines, replayBar(m.look.st, m.opts.Replay.Status(), W))
	}
	lines = append(lines, m.footer(W))
	out := strings.Join(lines, "\n")
	for _, d := range m.dialogs {
		out = overlay(out, d.View(W, H), W, H)
	}
	return out
}

func (m *Model) paneBox(p pane, r rect) []string {
	focused := p == m.screen.focus && m.picker == nil
	var title string
	var content []string
	switch p {
	case paneBrowser:
		m.panes.br.SetFocused(focused)
		title = m.panes.br.Title()
		content = strings.Split(m.panes.br.View(max(1, r.w-2), max(1, r.h-2)), "\n")
	case paneWork:
		w, h := m.panes.work.Size()
		if m.raw.active {
			m.raw.pane.SetFocused(focused)
			title = m.raw.pane.Title()
			content = strings.Split(m.raw.pane.View(w, h), "\n")
			break
		}
		m.syncWork()
		m.panes.work.SetFocused(focused)
		title = m.panes.work.Title()
		content = strings.Split(m.panes.work.View(w, h), "\n")
	case paneLog:
		b := m.panes.bottom()
		b.SetFocused(focused)
		title = b.Title()
		content = strings.Split(b.View(m.panes.log.Size()), "\n")
		title += m.panes.otherViews(m.s, m.panes.faultsView(m.opts.Config.Faults, m.keys.Global.Faults))
	}
	return box(m.look.st, termsafe.Line(title), content, r.w, r.h, focused)
}

// header is the connection status bar.
func (m *Model) header(W int) string {
	now := m.look.com.Now
	if at, ok := m.panes.timeline.Playhead(); ok {
		now = at // a replay counts from its position, not the wall clock
	}
	cfg := m.opts.Config
	return headerFacts{
		st: m.look.st, s: m.s, now: now,
		live: m.conn.live, tapped: m.conn.tapped, dialing: m.conn.dialing, connErr: m.conn.err,
		replaying:         m.opts.Replay != nil,
		eventsOnly:        !m.conn.live && cfg.URL == "" && len(cfg.Command) == 0 && m.conn.events != nil,
		choosingServer:    m.picker != nil,
		choosingRecording: m.recs != nil,
		queue:             m.requests.queue.Header(m.look.st, m.keys.Queue),
	}.line(W)
}

// footer is the help line for what has focus, or a flash message.
func (m *Model) footer(W int) string {
	if m.flash.text != "" {
		return m.flash.view(m.look.st, W)
	}
	bs := m.ShortHelp()
	if m.opts.Replay != nil && m.dialogs.top() == nil && !m.textFocused() {
		bs = m.keys.Replay.lead(bs)
	}
	return ansi.Truncate(" "+common.HelpLine(m.look.st, bs, W-1), W, "…")
}

// openHelp opens the full help: the recordings picker's keys when it is
// shown, then the groups that apply here.
func (m *Model) openHelp() {
	var recs []key.Binding
	if m.recs != nil {
		recs = m.recs.FullHelp()[0]
	}
	gs := m.keys.helpGroups(&m.panes, m.conn.tapped)
	m.dialogs.open(dialog.NewHelp(m.look.com, gs.full(recs, m.opts.Replay != nil)))
}

// FullHelp returns every binding that works here, grouped. It implements
// [help.KeyMap].
func (m *Model) FullHelp() [][]key.Binding {
	return m.keys.helpGroups(&m.panes, m.conn.tapped).enabled(m.opts.Replay != nil)
}

// ShortHelp returns the bindings for the help line: what the focused area
// does, then the globals. It implements [help.KeyMap].
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	g := []key.Binding{k.Global.NextPane, k.Global.Help, k.Global.Quit}
	if d := m.dialogs.top(); d != nil {
		return d.ShortHelp()
	}
	if m.recs != nil {
		return m.recs.ShortHelp()
	}
	if m.picker != nil {
		return m.picker.ShortHelp()
	}
	switch m.screen.focus {
	case paneBrowser:
		if m.panes.br.Typing() {
			return m.panes.br.ShortHelp()
		}
		return append(m.panes.br.ShortHelp(), g...)
	case paneLog:
		if m.panes.log.Filtering() {
			return m.panes.log.ShortHelp()
		}
		switch m.panes.logView {
		case viewServerLog:
			return slices.Concat([]key.Binding{k.Global.LogLevel}, m.panes.srvLog.ShortHelp(), []key.Binding{k.Log.Views}, g)
		case viewTasks:
			return slices.Concat(m.panes.tasks.ShortHelp(), []key.Binding{k.Log.Views}, g)
		case viewFaults:
			return slices.Concat(m.panes.faults.ShortHelp(), []key.Binding{k.Global.Faults, k.Log.Views}, g)
		case viewAuth:
			return slices.Concat(m.panes.auth.ShortHelp(), []key.Binding{k.Log.Views}, g)
		case viewTimeline:
			return slices.Concat(m.panes.timeline.ShortHelp(), []key.Binding{k.Log.Views}, g)
		}
		return slices.Concat(m.panes.log.ShortHelp(), []key.Binding{k.Log.Views}, g)
	case paneWork:
		if m.raw.active {
			return append(m.raw.pane.ShortHelp(), g...)
		}
		m.syncWork()
		if m.panes.work.Typing() {
			return append(m.panes.work.ShortHelp(), k.Filter.HelpInput)
		}
		if bs := m.panes.work.ShortHelp(); len(bs) > 0 {
			return append(bs, g...)
		}
	}
	return append([]key.Binding{k.Global.Zoom, k.Global.Theme}, g...)
}

// overlay draws box (a multi-line string) centred over base.
func overlay(base, boxStr string, W, H int) string {
	bl := strings.Split(base, "\n")
	dl := strings.Split(boxStr, "\n")
	dw := 0
	for _, l := range dl {
		dw = max(dw, ansi.StringWidth(l))
	}
	x := max(0, (W-dw)/2)
	y := max(0, (H-len(dl))/2)
	for i, l := range dl {
		row := y + i
		if row >= len(bl) {
			break
		}
		under := bl[row]
		left := ansi.Truncate(under, x, "")
		if lw := ansi.StringWidth(left); lw < x {
			left += strings.Repeat(" ", x-lw)
		}
		right := ansi.TruncateLeft(under, x+dw, "")
		lw := ansi.StringWidth(l)
		if lw < dw {
			l += strings.Repeat(" ", dw-lw)
		}
		bl[row] = left + "\x1b[0m" + l + "\x1b[0m" + right
	}
	return strings.Join(bl, "\n")
}
