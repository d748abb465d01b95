// Package srvlog is the server log pane: the session's log
// (notifications/message, and a stdio server's stderr) through a level
// filter the user picks. It is built from the events, so a replay shows it
// too.
package srvlog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/form"
	"github.com/sonde-mcp/sonde/ui/list"
)

// KeyMap is the server log's keys.
type KeyMap struct {
	Nav    list.KeyMap
	Follow key.Binding
	Detail key.Binding
	Copy   key.Binding
}

// DefaultKeyMap returns the server log's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Nav:    list.DefaultKeyMap(),
		Follow: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "follow")),
		Detail: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "the message in full")),
		Copy:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy the message")),
	}
}

// Pane is the server log view: the state's log (session.ServerLog)
// through a level filter. matches are the numbers of the entries that
// pass, ascending; entries the state let go drop out of it.
type Pane struct {
	c        *common.Common
	Keys     KeyMap
	src      *session.ServerLog
	seen     uint64 // the entries up to here are filtered
	total    int    // entries the log held at the last sync (the state may hold more, not yet taken)
	minLevel int    // entries below are hidden (stderr and unknown levels always show)
	asked    string // the level asked of the server
	matches  []uint64
	list     list.Model
	focused  bool
	width    int
}

var _ component.Pane = (*Pane)(nil)

// New returns an empty server log showing every level.
func New(c *common.Common) *Pane {
	p := &Pane{c: c, Keys: DefaultKeyMap(), src: &session.ServerLog{}, list: list.NewFollowing()}
	p.list.KeyMap = p.Keys.Nav
	return p
}

// Reset forgets what was seen (a replay went back), keeping the level.
func (p *Pane) Reset() {
	n := New(p.c)
	n.Keys, n.list.KeyMap = p.Keys, p.Keys.Nav
	n.minLevel, n.asked, n.focused, n.width = p.minLevel, p.asked, p.focused, p.width
	n.list.SetHeight(p.list.Height())
	*p = *n
}

// Level is the lowest level shown.
func (p *Pane) Level() string { return session.LogLevels[p.minLevel] }

// Asked is the level last asked of the server ("" none).
func (p *Pane) Asked() string { return p.asked }

// SetAsked records the level the server was asked for.
func (p *Pane) SetAsked(level string) { p.asked = level }

// SetLevel shows level and above.
func (p *Pane) SetLevel(level string) {
	p.minLevel = max(0, session.LevelIndex(level))
	p.refilter()
}

// Shown is the number of entries the filter lets through.
func (p *Pane) Shown() int { return len(p.matches) }

func (p *Pane) passes(e *session.LogEntry) bool { return e.Lvl < 0 || e.Lvl >= p.minLevel }

// Sync follows the state's log: new entries that pass join the matches,
// entries that went leave them.
func (p *Pane) Sync(src *session.ServerLog) {
	p.src = src
	if k := sort.Search(len(p.matches), func(i int) bool { return p.matches[i] >= src.First() }); k > 0 {
		p.matches = append(p.matches[:0:0], p.matches[k:]...)
		p.list.Shift(k)
	}
	if p.seen < src.First() {
		p.seen = src.First()
	}
	p.total = src.Len()
	if p.seen == src.Next() {
		return
	}
	for n := p.seen; n < src.Next(); n++ {
		if p.passes(src.At(n)) {
			p.matches = append(p.matches, n)
		}
	}
	p.seen = src.Next()
	p.list.SetLen(len(p.matches))
}

func (p *Pane) refilter() {
	p.matches = p.matches[:0]
	for n := p.src.First(); n < p.src.Next(); n++ {
		if p.passes(p.src.At(n)) {
			p.matches = append(p.matches, n)
		}
	}
	p.seen, p.total = p.src.Next(), p.src.Len()
	p.list.SetLen(len(p.matches))
}

// Selected is the entry under the cursor, or nil.
func (p *Pane) Selected() *session.LogEntry {
	if p.list.Cursor() >= len(p.matches) {
		return nil
	}
	return p.src.At(p.matches[p.list.Cursor()])
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := p.Keys
		switch {
		case p.list.HandleKey(msg):
		case key.Matches(msg, k.Follow):
			p.list.SetFollow(!p.list.Following())
		case key.Matches(msg, k.Detail):
			return p.openSelected(), nil
		case key.Matches(msg, k.Copy):
			if e := p.Selected(); e != nil {
				b, _ := json.Marshal(map[string]any{"level": e.Level, "logger": e.Logger, "data": e.Data})
				return component.Copy{What: "the log message", Text: form.SafeJSON(string(b))}, nil
			}
		}
	case tea.MouseWheelMsg:
		p.list.Wheel(msg, 3)
	case tea.MouseClickMsg:
		// a click selects; a click on the selected row of the focused
		// pane opens it
		before := p.Selected()
		if p.list.Click(msg.Y) && before != nil && p.Selected() == before && p.focused {
			return p.openSelected(), nil
		}
	}
	return nil, nil
}

func (p *Pane) openSelected() component.Action {
	if e := p.Selected(); e != nil {
		return component.Open{Dialog: NewMessageDialog(p.c, *e)}
	}
	return nil
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) {
	p.width = w
	p.list.SetHeight(h)
}

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Title implements [component.Pane].
func (p *Pane) Title() string {
	t := fmt.Sprintf("Server log %d", len(p.matches))
	if len(p.matches) != p.total {
		t = fmt.Sprintf("Server log %d/%d", len(p.matches), p.total)
	}
	t += " · ≥" + session.LogLevels[p.minLevel]
	if p.asked != "" && p.asked != session.LogLevels[p.minLevel] {
		t += " (server: " + p.asked + ")"
	}
	if p.list.Following() {
		t += " · follow"
	}
	return t
}

// View implements [component.Component].
func (p *Pane) View(w, h int) string {
	st := p.c.Styles
	p.SetSize(w, h)
	if len(p.matches) == 0 {
		msg := "no log messages yet"
		switch {
		case p.total > 0:
			msg = fmt.Sprintf("%d message(s) below %s hidden (L picks the level)", p.total, session.LogLevels[p.minLevel])
		case p.asked == "":
			msg = "no log messages yet · L asks the server for a level (logging/setLevel)"
		}
		return st.Muted.Render(msg)
	}
	ts := "15:04:05"
	if w >= 100 {
		ts = "15:04:05.000"
	}
	var out []string
	from, to := p.list.Visible()
	for i := from; i < to; i++ {
		e := p.src.At(p.matches[i])
		if e == nil {
			continue // gone since the last sync
		}
		lv := common.PadRight(ansi.Truncate(termsafe.Line(e.Level), 9, ""), 9)
		lg := ""
		if e.Logger != "" {
			lg = ansi.Truncate(termsafe.Line(e.Logger), max(8, w/6), "…") + " "
		}
		text := Text(e)
		if i == p.list.Cursor() {
			plain := common.PadRight(ansi.Truncate(e.Time.Format(ts)+" "+lv+" "+lg+text, w, "…"), w)
			if p.focused {
				out = append(out, st.Selected.Render(plain))
			} else {
				out = append(out, st.SelectedBlur.Render(plain))
			}
			continue
		}
		line := st.Muted.Render(e.Time.Format(ts)+" ") + LevelStyle(st, e.Lvl, e.Level).Render(lv) + " " + st.Accent2.Render(lg) + st.Text.Render(text)
		out = append(out, ansi.Truncate(line, w, "…"))
	}
	return strings.Join(out, "\n")
}

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding {
	return []key.Binding{p.Keys.Detail, p.Keys.Follow, p.Keys.Copy}
}

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.Keys.Nav.Bindings(), {p.Keys.Detail, p.Keys.Follow, p.Keys.Copy}}
}

// Text is a log entry's one line, terminal-safe.
func Text(e *session.LogEntry) string {
	if e.Level == "stderr" {
		return termsafe.Line(e.Text)
	}
	return dataLine(e.Data)
}

// dataLine renders a log message's data on one line: a string as it is,
// a {message: …} object as its message followed by the other members,
// anything else as compact JSON.
func dataLine(raw json.RawMessage) string {
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
	return termsafe.Line(common.CompactJSONString(raw))
}

// LevelStyle is how a level is drawn.
func LevelStyle(st *common.Styles, lvl int, level string) lipgloss.Style {
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

// NewMessageDialog shows one log message in full.
func NewMessageDialog(c *common.Common, e session.LogEntry) *dialog.Reader {
	d := dialog.NewReader(c, fmt.Sprintf("Log message (event #%d)", e.Seq), func(w, _ int) []string {
		st := c.Styles
		level := termsafe.Line(e.Level)
		head := st.Muted.Render(e.Time.Format("15:04:05.000")+" ") + LevelStyle(st, e.Lvl, level).Render(level)
		if e.Logger != "" {
			head += " " + st.Accent2.Render(termsafe.Line(e.Logger))
		}
		lines := []string{head, ""}
		if e.Level == "stderr" {
			return append(lines, common.WrapHard(termsafe.Line(e.Text), w)...)
		}
		return append(lines, common.WrapWide(c.HL.Pretty(st.Chroma, e.Data), w)...)
	})
	d.MaxWidth = 110
	return d
}
