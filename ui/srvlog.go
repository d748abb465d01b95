package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/form"
)

// The bottom pane shows one of three views: the wire log (every event),
// the server's log (notifications/message, and a stdio server's stderr)
// filtered by a level the user picks, and the tasks. The server log is
// built from the events, so a replay shows it too.

// logView is what the log pane shows.
type logView int

const (
	viewWire logView = iota
	viewServerLog
	viewTasks
	viewTimeline
	numViews
)

func (v logView) name() string {
	return [...]string{"Wire", "Server log", "Tasks", "Timeline"}[v]
}

// logLevels are the syslog levels of notifications/message, lowest first.
var logLevels = []string{"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}

func levelIndex(l string) int {
	for i, x := range logLevels {
		if x == l {
			return i
		}
	}
	return -1
}

// maxServerLog bounds the server log kept in memory.
const maxServerLog = 10_000

// srvLogEntry is one message of the server's log.
type srvLogEntry struct {
	at     time.Time
	level  string // a log level, or "stderr"
	lvl    int    // index in logLevels; -1 for stderr and unknown levels
	logger string
	data   json.RawMessage
	text   string // one line, terminal-safe
	seq    uint64
}

// srvLog is the server log view: a bounded list with a level filter.
type srvLog struct {
	entries  []srvLogEntry
	dropped  int
	minLevel int // entries below are hidden (stderr and unknown levels always show)
	asked    string
	matches  []int
	list     scroller
}

func newSrvLog() *srvLog { return &srvLog{list: scroller{follow: true}} }

func (l *srvLog) passes(e *srvLogEntry) bool { return e.lvl < 0 || e.lvl >= l.minLevel }

func (l *srvLog) add(e srvLogEntry) {
	l.entries = append(l.entries, e)
	if len(l.entries) > maxServerLog {
		n := len(l.entries) - maxServerLog
		l.entries = append(l.entries[:0:0], l.entries[n:]...)
		l.dropped += n
		l.refilter()
		return
	}
	if l.passes(&l.entries[len(l.entries)-1]) {
		l.matches = append(l.matches, len(l.entries)-1)
		l.list.grew(len(l.matches))
	}
}

func (l *srvLog) refilter() {
	l.matches = l.matches[:0]
	for i := range l.entries {
		if l.passes(&l.entries[i]) {
			l.matches = append(l.matches, i)
		}
	}
	l.list.grew(len(l.matches))
}

func (l *srvLog) selected() *srvLogEntry {
	if l.list.cursor < 0 || l.list.cursor >= len(l.matches) {
		return nil
	}
	return &l.entries[l.matches[l.list.cursor]]
}

// addServerLog takes a notifications/message or a stderr line into the
// server log.
func (m *Model) addServerLog(e *mcp.Event) {
	switch {
	case e.Kind == mcp.KindStderr:
		m.srvLog.add(srvLogEntry{at: e.Time, level: "stderr", lvl: -1, text: termsafe.Line(e.Text), seq: e.Seq})
	case e.Kind == mcp.KindMessage && e.Dir == mcp.DirIn && e.Method == "notifications/message":
		var n struct {
			Params struct {
				Level  string          `json:"level"`
				Logger string          `json:"logger"`
				Data   json.RawMessage `json:"data"`
			} `json:"params"`
		}
		json.Unmarshal(e.Raw, &n)
		p := n.Params
		m.srvLog.add(srvLogEntry{at: e.Time, level: termsafe.Line(p.Level), lvl: levelIndex(p.Level), logger: termsafe.Line(p.Logger), data: p.Data, text: logDataLine(p.Data), seq: e.Seq})
	}
}

// logDataLine renders a log message's data on one line: a string as it
// is, a {message: …} object as its message followed by the other members,
// anything else as compact JSON.
func logDataLine(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return termsafe.Line(s)
	}
	var o map[string]json.RawMessage
	if json.Unmarshal(raw, &o) == nil {
		if mraw, ok := o["message"]; ok && json.Unmarshal(mraw, &s) == nil {
			delete(o, "message")
			if len(o) == 0 {
				return termsafe.Line(s)
			}
			rest, _ := json.Marshal(o)
			return termsafe.Line(s + "  " + string(rest))
		}
	}
	return termsafe.Line(compactJSONString(raw))
}

func levelStyle(st *Styles, lvl int, level string) lipglossStyle {
	switch {
	case level == "stderr":
		return st.Meta
	case lvl < 0:
		return st.Warn
	case lvl == 0:
		return st.Muted
	case lvl == 1:
		return st.Text
	case lvl == 2:
		return st.Accent2
	case lvl == 3:
		return st.Warn
	}
	return st.Err
}

func (l *srvLog) render(st *Styles, w, h int, focused bool) []string {
	l.list.rows = h
	l.list.clamp(len(l.matches))
	var out []string
	if len(l.matches) == 0 {
		msg := "no log messages yet"
		switch {
		case len(l.entries) > 0:
			msg = fmt.Sprintf("%d message(s) below %s hidden (L picks the level)", len(l.entries), logLevels[l.minLevel])
		case l.asked == "":
			msg = "no log messages yet · L asks the server for a level (logging/setLevel)"
		}
		return []string{st.Muted.Render(msg)}
	}
	ts := "15:04:05"
	if w >= 100 {
		ts = "15:04:05.000"
	}
	for i := l.list.offset; i < len(l.matches) && len(out) < h; i++ {
		e := &l.entries[l.matches[i]]
		lv := padRight(ansi.Truncate(e.level, 9, ""), 9)
		lg := ""
		if e.logger != "" {
			lg = ansi.Truncate(e.logger, max(8, w/6), "…") + " "
		}
		if i == l.list.cursor {
			plain := padRight(ansi.Truncate(e.at.Format(ts)+" "+lv+" "+lg+e.text, w, "…"), w)
			if focused {
				out = append(out, st.Selected.Render(plain))
			} else {
				out = append(out, st.SelectedBlur.Render(plain))
			}
			continue
		}
		line := st.Muted.Render(e.at.Format(ts)+" ") + levelStyle(st, e.lvl, e.level).Render(lv) + " " + st.Accent2.Render(lg) + st.Text.Render(e.text)
		out = append(out, ansi.Truncate(line, w, "…"))
	}
	return out
}

func (m *Model) srvLogTitle() string {
	l := m.srvLog
	t := fmt.Sprintf("Server log %d", len(l.matches))
	if len(l.matches) != len(l.entries) {
		t = fmt.Sprintf("Server log %d/%d", len(l.matches), len(l.entries))
	}
	t += " · ≥" + logLevels[l.minLevel]
	if l.asked != "" && l.asked != logLevels[l.minLevel] {
		t += " (server: " + l.asked + ")"
	}
	if l.list.follow {
		t += " · follow"
	}
	return t
}

// setLogView switches the log pane's view and gives it the focus.
func (m *Model) setLogView(v logView) tea.Cmd {
	if m.log.filtering && v != viewWire {
		m.log.filtering = false
		m.log.input.Blur()
	}
	m.logView = v
	m.layout()
	return m.setFocus(paneLog)
}

// toggleLogView shows v, or the wire log if v is showing and focused.
func (m *Model) toggleLogView(v logView) tea.Cmd {
	if m.logView == v && m.focus == paneLog {
		return m.setLogView(viewWire)
	}
	return m.setLogView(v)
}

// srvLogKey handles keys in the server log view.
func (m *Model) srvLogKey(msg tea.KeyPressMsg) tea.Cmd {
	l, n := m.srvLog, m.keys.Nav
	switch {
	case l.list.nav(msg, n, len(l.matches)):
	case key.Matches(msg, m.keys.Log.Follow):
		l.list.follow = !l.list.follow
		l.list.clamp(len(l.matches))
	case key.Matches(msg, m.keys.Log.Detail):
		if e := l.selected(); e != nil {
			m.pushDialog(&logMessageDialog{e: *e})
		}
	case key.Matches(msg, m.keys.Log.Copy):
		if e := l.selected(); e != nil {
			b, _ := json.Marshal(map[string]any{"level": e.level, "logger": e.logger, "data": e.data})
			m.setFlash("copied the log message to the clipboard", false)
			return tea.SetClipboard(form.SafeJSON(string(b)))
		}
	}
	return nil
}

// ---- the level ----

// newLevelDialog picks the log level: it filters the view and asks the
// server (logging/setLevel; in 2026-07-28 the level rides on every
// request).
func newLevelDialog(m *Model) *choiceDialog {
	opts := make([]string, len(logLevels))
	for i, l := range logLevels {
		opts[i] = l
		if i == m.srvLog.minLevel {
			opts[i] += "  (shown now)"
		}
		if l == m.srvLog.asked {
			opts[i] += "  (asked of the server)"
		}
	}
	return &choiceDialog{title: "Log level: show and ask for this and above", options: opts, cursor: m.srvLog.minLevel, pick: func(m *Model, i int) tea.Cmd {
		return m.setLogLevel(logLevels[i])
	}}
}

// levelSetter is the part of a live session that sets the server's log
// level; *mcp.Session implements it.
type levelSetter interface {
	SetLogLevel(ctx context.Context, level string) error
}

// logLevelSetMsg reports how asking for a log level went.
type logLevelSetMsg struct {
	level  string
	err    error
	modern bool // the level rides on every request (2026-07-28)
}

// setLogLevel filters the server log at level and asks the server for it.
func (m *Model) setLogLevel(level string) tea.Cmd {
	m.srvLog.minLevel = max(0, levelIndex(level))
	m.srvLog.refilter()
	if m.logView != viewServerLog {
		m.setLogView(viewServerLog)
	}
	if !m.canAct() {
		m.setFlash("showing "+level+" and above (no server to ask)", false)
		return nil
	}
	if !m.capability("logging") && (m.info == nil || m.info.Era != "modern") {
		m.setFlash("showing "+level+" and above; the server declares no logging capability, asking anyway", false)
	}
	return m.askLogLevel(level)
}

// askLogLevel asks the server for log messages at level and above (in a
// command).
func (m *Model) askLogLevel(level string) tea.Cmd {
	sess, ctx := m.sess, m.ctx
	return func() tea.Msg {
		ls, ok := sess.(levelSetter)
		var err error
		if ok {
			err = ls.SetLogLevel(ctx, level)
		} else {
			_, err = sess.Call(ctx, "logging/setLevel", map[string]string{"level": level})
		}
		e, _ := sess.(interface{ Era() string })
		return logLevelSetMsg{level: level, err: err, modern: e != nil && e.Era() == "modern"}
	}
}

func (m *Model) logLevelSet(msg logLevelSetMsg) {
	if msg.err != nil {
		m.setFlash("setting the log level to "+msg.level+": "+describeErr(msg.err), true)
		return
	}
	m.srvLog.asked = msg.level
	if msg.modern {
		m.setFlash("log level "+msg.level+": sent with every request (2026-07-28; L changes it)", false)
		return
	}
	m.setFlash("log level "+msg.level+" (logging/setLevel)", false)
}

// logMessageDialog shows one log message in full.
type logMessageDialog struct {
	e srvLogEntry
	scrolling
}

func (d *logMessageDialog) help(*Model) []key.Binding {
	return []key.Binding{kb("↓↑", "scroll"), kb("esc", "close")}
}

func (d *logMessageDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd { return d.readKeys(m, msg) }

func (d *logMessageDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := max(30, min(W-4, 110)), max(6, H-2)
	e := d.e
	head := st.Muted.Render(e.at.Format("15:04:05.000")+" ") + levelStyle(st, e.lvl, e.level).Render(e.level)
	if e.logger != "" {
		head += " " + st.Accent2.Render(e.logger)
	}
	lines := []string{head, ""}
	if e.level == "stderr" {
		lines = append(lines, wrapHard(e.text, w-2)...)
	} else {
		lines = append(lines, wrapWide(m.hl.pretty(st.Chroma, e.data), w-2)...)
	}
	d.offset = max(0, min(d.offset, len(lines)-(h-3)))
	return frame(st, fmt.Sprintf("Log message (event #%d)", e.seq), lines[d.offset:], bindingHelp(st, d.help(m)...), w, h)
}

// ---- a scrolling list ----

// scroller is a cursor and a scroll offset over n rows, with follow
// (stick to the newest).
type scroller struct {
	cursor, offset int
	rows           int
	follow         bool
}

func (s *scroller) clamp(n int) {
	if n == 0 {
		s.cursor, s.offset = 0, 0
		return
	}
	rows := max(1, s.rows)
	if s.follow {
		s.cursor = n - 1
	}
	s.cursor = max(0, min(s.cursor, n-1))
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+rows {
		s.offset = s.cursor - rows + 1
	}
	s.offset = max(0, min(s.offset, max(0, n-rows)))
}

// grew keeps following the newest row.
func (s *scroller) grew(n int) {
	if s.follow {
		s.cursor = n - 1
	}
	s.clamp(n)
}

func (s *scroller) move(d, n int) {
	if n == 0 {
		return
	}
	s.cursor += d
	s.follow = s.cursor >= n-1
	s.clamp(n)
}

// nav handles the navigation keys; it reports whether msg was one.
func (s *scroller) nav(msg tea.KeyPressMsg, k NavKeys, n int) bool {
	switch {
	case key.Matches(msg, k.Up):
		s.move(-1, n)
	case key.Matches(msg, k.Down):
		s.move(1, n)
	case key.Matches(msg, k.PageUp):
		s.move(-max(1, s.rows), n)
	case key.Matches(msg, k.PageDown):
		s.move(max(1, s.rows), n)
	case key.Matches(msg, k.Top):
		s.move(-n, n)
	case key.Matches(msg, k.Bottom):
		s.move(n, n)
	default:
		return false
	}
	return true
}

// clickRow selects row y of the view.
func (s *scroller) clickRow(y, n int) bool {
	i := s.offset + y
	if y < 0 || i >= n {
		return false
	}
	s.cursor = i
	s.follow = i == n-1
	s.clamp(n)
	return true
}

// otherViews names the log pane's other views, with what is new in them,
// for the pane's title.
func (m *Model) otherViews() string {
	var parts []string
	for v := logView(0); v < numViews; v++ {
		if v == m.logView {
			continue
		}
		s := fmt.Sprintf("%d %s", v+1, v.name())
		switch v {
		case viewServerLog:
			if n := len(m.srvLog.entries); n > 0 {
				s += fmt.Sprintf(" %d", n)
			}
		case viewTasks:
			if n := len(m.tasks); n > 0 {
				s += fmt.Sprintf(" %d", n)
			}
		case viewTimeline:
			if n := m.wf.open(); n > 0 {
				s += fmt.Sprintf(" %d open", n)
			}
		}
		parts = append(parts, s)
	}
	return "  │ " + strings.Join(parts, " · ")
}
