// Package faults is the faults pane (issue 13 item 2): the faults given
// with --fault, each on or off, with how often it was injected, toggled
// live; a new one is typed as a --fault SPEC in [AddDialog] and checked
// by package fault's parser before it is added. The pane does nothing to
// the set itself: it asks the root with [Toggle] and [Add].
package faults

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// KeyMap is the faults pane's keys.
type KeyMap struct {
	Nav    list.KeyMap
	Toggle key.Binding
	Add    key.Binding
}

// DefaultKeyMap returns the faults pane's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Nav:    list.DefaultKeyMap(),
		Toggle: key.NewBinding(key.WithKeys("space", "enter"), key.WithHelp("space", "turn on/off")),
		Add:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add a fault")),
	}
}

// Toggle asks the root to turn Fault on or off.
type Toggle struct {
	Fault *fault.Fault
	On    bool
}

// Add asks the root to add a fault (already parsed and checked).
type Add struct{ Spec fault.Spec }

// Pane lists the faults of a set.
type Pane struct {
	c       *common.Common
	set     *fault.Set
	stdio   bool
	Keys    KeyMap
	list    list.Model
	focused bool
}

var _ component.Pane = (*Pane)(nil)

// New returns the pane of set; stdio says the connection is stdio, where
// only the faults on messages act (the others are refused when added).
func New(c *common.Common, set *fault.Set, stdio bool) *Pane {
	p := &Pane{c: c, set: set, stdio: stdio, Keys: DefaultKeyMap(), list: list.New()}
	p.list.KeyMap = p.Keys.Nav
	p.sync()
	return p
}

func (p *Pane) sync() []*fault.Fault {
	fs := p.set.Faults()
	p.list.SetLen(len(fs))
	return fs
}

// Selected is the fault under the cursor, or nil.
func (p *Pane) Selected() *fault.Fault {
	fs := p.sync()
	if i := p.list.Cursor(); i < len(fs) {
		return fs[i]
	}
	return nil
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	p.sync()
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.list.HandleKey(msg) {
			return nil, nil
		}
		switch {
		case key.Matches(msg, p.Keys.Add):
			return component.Open{Dialog: NewAddDialog(p.c, p.stdio)}, nil
		case key.Matches(msg, p.Keys.Toggle):
			if f := p.Selected(); f != nil {
				return Toggle{Fault: f, On: !f.Enabled()}, nil
			}
		}
	case tea.MouseWheelMsg:
		p.list.Wheel(msg, 1)
	case tea.MouseClickMsg:
		// a click on the selected row of the focused pane toggles it
		if p.list.ClickAgain(msg.Y) && p.focused {
			if f := p.Selected(); f != nil {
				return Toggle{Fault: f, On: !f.Enabled()}, nil
			}
		}
	}
	return nil, nil
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(_, h int) { p.list.SetHeight(max(1, h-1)) }

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Title implements [component.Pane].
func (p *Pane) Title() string {
	fs := p.set.Faults()
	on := 0
	var hits int64
	for _, f := range fs {
		if f.Enabled() {
			on++
		}
		hits += f.Hits()
	}
	return fmt.Sprintf("Faults %d on of %d · %d injected", on, len(fs), hits)
}

// View implements [component.Component].
func (p *Pane) View(w, h int) string {
	st := p.c.Styles
	p.SetSize(w, h)
	fs := p.sync()
	out := []string{st.Muted.Render(ansi.Truncate("each fault injected is a fault event in the log (filter kind:fault)", w, "…"))}
	if len(fs) == 0 {
		out = append(out, st.Muted.Render("no faults · a adds one (a --fault SPEC)"))
		return strings.Join(out, "\n")
	}
	from, to := p.list.Visible()
	for i := from; i < to; i++ {
		f := fs[i]
		mark, ms := "○ off", st.Muted
		if f.Enabled() {
			mark, ms = "● on ", st.Warn
		}
		text := termsafe.Line(f.Spec.String())
		facts := fmt.Sprintf("  injected %d", f.Hits())
		if f.Times > 0 && f.Hits() >= int64(f.Times) {
			facts += " (used up)"
		}
		if p.stdio && f.Kind.HTTPOnly() {
			facts += " (needs HTTP: does nothing here)"
		}
		if i == p.list.Cursor() {
			plain := common.PadRight(ansi.Truncate(text+facts, max(0, w-6), "…"), max(0, w-6))
			sel := st.SelectedBlur
			if p.focused {
				sel = st.Selected
			}
			out = append(out, ms.Render(mark)+" "+sel.Render(plain))
			continue
		}
		out = append(out, ms.Render(mark)+" "+st.Text.Render(ansi.Truncate(text, max(0, w-6), "…"))+st.Muted.Render(ansi.Truncate(facts, max(0, w-6-ansi.StringWidth(text)), "…")))
	}
	return strings.Join(out, "\n")
}

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding { return []key.Binding{p.Keys.Toggle, p.Keys.Add} }

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.Keys.Nav.Bindings(), {p.Keys.Toggle, p.Keys.Add}}
}
