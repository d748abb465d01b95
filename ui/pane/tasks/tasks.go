// Package tasks is the tasks pane (protocol.md §4.8): every task seen in
// the events (so replays show them) with its status, status message,
// elapsed time, polls and progress. What a task leads to (its result in
// the work pane, cancelling it) is the root's: the pane asks with
// [Open] and [Cancel].
package tasks

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// KeyMap is the tasks pane's keys.
type KeyMap struct {
	Nav    list.KeyMap
	Open   key.Binding
	Cancel key.Binding
}

// DefaultKeyMap returns the tasks pane's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Nav:    list.DefaultKeyMap(),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open result")),
		Cancel: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel task")),
	}
}

// Open asks the root to show task ID's result (or the call still
// waiting for it).
type Open struct{ ID string }

// Cancel asks the root to cancel task ID (tasks/cancel; asked twice, to
// stop following it).
type Cancel struct{ ID string }

// Pane lists the state's tasks.
type Pane struct {
	c       *common.Common
	s       *session.State
	Keys    KeyMap
	list    list.Model
	focused bool
}

var _ component.Pane = (*Pane)(nil)

// New returns the tasks pane of state s.
func New(c *common.Common, s *session.State) *Pane {
	p := &Pane{c: c, s: s, Keys: DefaultKeyMap(), list: list.NewFollowing()}
	p.list.KeyMap = p.Keys.Nav
	return p
}

// DisableLive turns off the keys that need a live server (a replay).
func (p *Pane) DisableLive() { p.Keys.Cancel.SetEnabled(false) }

// Sync follows the state's tasks (new ones are selected while the pane
// follows the newest).
func (p *Pane) Sync() { p.list.SetLen(len(p.s.Tasks)) }

// Reset forgets the position (a replay went back).
func (p *Pane) Reset() {
	h := p.list.Height()
	p.list = list.NewFollowing()
	p.list.KeyMap = p.Keys.Nav
	p.list.SetHeight(h)
	p.Sync()
}

// Selected is the task under the cursor, or nil.
func (p *Pane) Selected() *session.Task {
	if i := p.list.Cursor(); i < len(p.s.Tasks) {
		return p.s.Tasks[i]
	}
	return nil
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	p.Sync()
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.list.HandleKey(msg) {
			return nil, nil
		}
		t := p.Selected()
		switch {
		case t == nil:
		case key.Matches(msg, p.Keys.Cancel):
			return Cancel{ID: t.ID}, nil
		case key.Matches(msg, p.Keys.Open):
			return Open{ID: t.ID}, nil
		}
	case tea.MouseWheelMsg:
		p.list.Wheel(msg, 1)
	case tea.MouseClickMsg:
		// a click on the selected row of the focused pane opens it
		if p.list.ClickAgain(msg.Y) && p.focused {
			if t := p.Selected(); t != nil {
				return Open{ID: t.ID}, nil
			}
		}
	}
	return nil, nil
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(_, h int) { p.list.SetHeight(h) }

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Title implements [component.Pane].
func (p *Pane) Title() string {
	working := 0
	for _, t := range p.s.Tasks {
		if !t.Terminal() {
			working++
		}
	}
	s := fmt.Sprintf("Tasks %d", len(p.s.Tasks))
	if working > 0 {
		s += fmt.Sprintf(" (%d running)", working)
	}
	return s
}

// View implements [component.Component].
func (p *Pane) View(w, h int) string {
	st := p.c.Styles
	p.SetSize(w, h)
	p.Sync()
	if len(p.s.Tasks) == 0 {
		return st.Muted.Render("no tasks yet · alt+r in a tool's form calls it as a task (when the tool allows it)")
	}
	var out []string
	from, to := p.list.Visible()
	for i := from; i < to; i++ {
		t := p.s.Tasks[i]
		end := p.c.Now
		if !t.Ended.IsZero() {
			end = t.Ended
		}
		facts := []string{common.ShortDur(max(0, end.Sub(t.Seen)))}
		if t.Polls > 0 {
			facts = append(facts, fmt.Sprintf("polled %d", t.Polls))
		}
		if t.Poll > 0 {
			facts = append(facts, "every "+common.FmtTook(t.Poll))
		}
		if t.HasProgress && t.Total > 0 {
			facts = append(facts, fmt.Sprintf("%d%%", int(100*t.Progress/t.Total)))
		}
		if t.Done && (t.Result != nil || t.Err != nil) {
			facts = append(facts, "result ready")
		}
		msg := termsafe.Line(t.StatusMessage)
		if msg == "" && t.HasProgress {
			msg = termsafe.Line(t.ProgressMessage)
		}
		text := common.PadRight(ansi.Truncate(common.ShortID(t.ID), 13, "…"), 13) + " " + common.PadRight(ansi.Truncate(termsafe.Line(t.Status), 14, ""), 14) + " " +
			ansi.Truncate(termsafe.Line(strings.TrimSpace(t.Method+" "+t.Subject)), max(10, w/4), "…") + "  " + strings.Join(facts, " · ")
		if msg != "" {
			text += "  " + msg
		}
		if i == p.list.Cursor() {
			plain := common.PadRight(ansi.Truncate(text, w-2, "…"), w-2)
			sel := st.SelectedBlur
			if p.focused {
				sel = st.Selected
			}
			out = append(out, Icon(st, t.Status)+" "+sel.Render(plain))
			continue
		}
		out = append(out, Icon(st, t.Status)+" "+st.Text.Render(ansi.Truncate(text, w-2, "…")))
	}
	return strings.Join(out, "\n")
}

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding { return []key.Binding{p.Keys.Open, p.Keys.Cancel} }

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.Keys.Nav.Bindings(), {p.Keys.Open, p.Keys.Cancel}}
}

// Icon is a task status's mark.
func Icon(st *common.Styles, status string) string {
	switch status {
	case "working":
		return st.Warn.Render("◌")
	case "input_required":
		return st.Accent2.Render("?")
	case "completed":
		return st.OK.Render("✓")
	case "failed":
		return st.Err.Render("✗")
	case "cancelled":
		return st.Muted.Render("○")
	}
	return st.Muted.Render("·")
}

// WaitLines describe a running task (in the work pane, under the call
// that became it).
func WaitLines(st *common.Styles, t *session.Task, w int) []string {
	kind := "2025-11-25 task"
	if t.Extension {
		kind = "2026 tasks extension"
	}
	out := []string{"", Icon(st, t.Status) + " " + st.Text.Render(ansi.Truncate("task "+common.ShortID(t.ID)+" · "+termsafe.Line(t.Status), max(0, w-2), "…"))}
	facts := []string{kind}
	if t.Polls > 0 {
		facts = append(facts, fmt.Sprintf("polled %d time(s)", t.Polls))
	}
	if t.Poll > 0 {
		facts = append(facts, "poll every "+common.FmtTook(t.Poll))
	}
	out = append(out, st.Muted.Render(ansi.Truncate(strings.Join(facts, " · "), w, "…")))
	if t.StatusMessage != "" {
		for _, l := range common.WrapLines(termsafe.Line(t.StatusMessage), w) {
			out = append(out, st.Text.Render(l))
		}
	}
	if t.Status == "input_required" {
		out = append(out, st.Accent2.Render("the task needs your input: answer the dialog"))
	}
	if t.HasProgress {
		out = append(out, common.ProgressLines(st, t.Progress, t.Total, termsafe.Line(t.ProgressMessage), w)...)
	}
	return out
}
