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
	"github.com/sonde-mcp/sonde/ui/dialog/detail"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"github.com/sonde-mcp/sonde/ui/form"
	"github.com/sonde-mcp/sonde/ui/pane/composer"
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
	return ansi.Truncate(" "+common.HelpLine(m.look.st, m.withReplay(m.ShortHelp()), W-1), W, "…")
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

// withReplay puts the main replay keys first in the help line.
func (m *Model) withReplay(bs []key.Binding) []key.Binding {
	if m.opts.Replay == nil || m.dialogs.top() != nil || m.textFocused() {
		return bs
	}
	r := m.keys.Replay
	return append([]key.Binding{r.Toggle, r.Faster, r.Slower, r.Step, r.NextRequest, r.NextError}, bs...)
}

// helpGroup is one titled group of the full help.
type helpGroup struct {
	title string
	keys  []key.Binding
	// replay: only shown while replaying; live: never shown in a replay
	replay, live bool
	// off: not here at all (the faults pane without --fault)
	off bool
}

// helpGroups is every binding, grouped and titled: the one source of the
// full help (the help dialog and FullHelp).
func (m *Model) helpGroups() []helpGroup {
	k := m.keys
	fk := form.DefaultKeyMap()
	return []helpGroup{
		{title: "Global", keys: []key.Binding{k.Global.NextPane, k.Global.PrevPane, k.Global.Panes, k.Global.Zoom, k.Global.Theme, k.Global.Reconnect, k.Global.Servers, k.Global.ServerLog, k.Global.LogLevel, k.Global.Tasks, k.Global.Timeline, k.Global.Auth, k.Global.Faults, k.Global.Roots, k.Global.Conn, k.Global.Compose, k.Global.Help, k.Global.Quit, k.Global.ForceQuit}},
		{title: "Move and scroll", keys: []key.Binding{k.Nav.Up, k.Nav.Down, k.Nav.PageUp, k.Nav.PageDown, k.Nav.Top, k.Nav.Bottom}},
		{title: "Browser (left)", keys: m.panes.br.Keys.Bindings()},
		{title: "Event log", keys: append([]key.Binding{k.Log.Views}, m.panes.log.FullHelp()[1]...)},
		{title: "Server log (" + k.Global.ServerLog.Help().Key + ")", keys: slices.Concat(m.panes.srvLog.FullHelp()[1:]...)},
		{title: "Tasks (" + k.Global.Tasks.Help().Key + ")", keys: slices.Concat(m.panes.tasks.FullHelp()[1:]...)},
		faultsHelp(m.keys.Global.Faults, m.panes.faults),
		{title: "Auth (" + k.Global.Auth.Help().Key + ")", keys: slices.Concat(m.panes.auth.FullHelp()[1:]...)},
		tapHelp(m.conn.tapped),
		{title: "Filter fields (/)", keys: []key.Binding{k.Filter.Clear, k.Filter.Done, k.Filter.Leave, k.Filter.HelpInput}},
		{title: "Timeline", keys: slices.Concat(m.panes.timeline.FullHelp()[1:]...)},
		{title: "Work pane", keys: k.Work.Groups()},
		{title: "Argument form", keys: []key.Binding{fk.Next, fk.Prev, fk.Toggle, fk.Choose, fk.PrevOption, fk.NextOption, fk.AddItem, fk.RemoveItem, fk.MoveUp, fk.MoveDown, fk.Null, fk.Unset, fk.ToggleRaw}},
		{title: "Composer (" + k.Global.Compose.Help().Key + ")", live: true, keys: composer.DefaultKeyMap().FullHelp()[0]},
		{title: "Event detail", keys: detail.DefaultKeyMap().Bindings()},
		{title: "Server requests", live: true, keys: append([]key.Binding{k.Queue.Hide, k.Queue.List, k.Queue.Next, k.Queue.AllLikeThis}, serverreq.Help()...)},
		{title: "Queue of server requests (" + k.Queue.List.Help().Key + ")", live: true, keys: []key.Binding{k.Queue.Open, k.Queue.Answer, k.Queue.Reject, k.Queue.Rule, k.Queue.Close, k.Queue.RuleSet, k.Queue.RuleOther}},
		{title: "Replay", replay: true, keys: []key.Binding{k.Replay.Toggle, k.Replay.Faster, k.Replay.Slower, k.Replay.Instant, k.Replay.Step, k.Replay.StepBack, k.Replay.NextRequest, k.Replay.NextError, k.Replay.Forward, k.Replay.Back}},
	}
}

// openHelp opens the full help.
func (m *Model) openHelp() { m.dialogs.open(dialog.NewHelp(m.look.com, m.fullHelp())) }

// fullHelp is the groups of the full help that apply here, with the log
// filter's syntax at the end.
func (m *Model) fullHelp() []common.HelpGroup {
	var out []common.HelpGroup
	if m.recs != nil {
		out = append(out, common.HelpGroup{Title: "Recordings", Keys: m.recs.FullHelp()[0]})
	}
	for _, g := range m.helpGroups() {
		if g.shown(m.opts.Replay != nil) {
			out = append(out, common.HelpGroup{Title: g.title, Keys: g.keys})
		}
	}
	return append(out, common.HelpGroup{Title: "Log filter", Text: []string{
		"  method:tools/call  dir:in|out|meta  kind:keepalive|error|request|notification|sse|http|state",
		"  id:7  stream:GET  status:404  free text  \"a phrase\"  -term negates  method:notifications/*"}})
}

// shown reports whether a help group applies: replay keys only in a
// replay, the server's requests never there.
func (g helpGroup) shown(replaying bool) bool {
	return !(g.off || g.replay && !replaying || g.live && replaying)
}

// FullHelp returns every binding that works here, grouped. It implements
// [help.KeyMap].
func (m *Model) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range m.helpGroups() {
		if !g.shown(m.opts.Replay != nil) {
			continue
		}
		var keys []key.Binding
		for _, b := range g.keys {
			if b.Enabled() {
				keys = append(keys, b)
			}
		}
		out = append(out, keys)
	}
	return out
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
