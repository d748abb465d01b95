package roots

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Changed says the dialog changed the roots: the root tells the server
// (legacy eras) and checks the paths.
type Changed struct{}

// KeyMap is the roots dialog's keys: the list's while it lists, the
// editor's while a root is added or edited.
type KeyMap struct {
	Nav                list.KeyMap
	Add, Edit, Remove  key.Binding
	MoveUp, MoveDown   key.Binding
	Close              key.Binding
	Save, Next, Cancel key.Binding // editing
}

// DefaultKeyMap returns the roots dialog's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	nav := list.DefaultKeyMap()
	return KeyMap{
		Nav:      nav,
		Add:      b([]string{"a", "n", "+", "insert"}, "a", "add"),
		Edit:     b([]string{"enter", "e"}, "enter", "edit"),
		Remove:   b([]string{"d", "x", "delete", "backspace", "-"}, "d", "remove"),
		MoveUp:   b([]string{"alt+up", "ctrl+up"}, "alt+↑", "move up"),
		MoveDown: b([]string{"alt+down", "ctrl+down"}, "alt+↓", "move down"),
		Close:    b([]string{"esc", "q", "F"}, "esc", "close"),
		Save:     b([]string{"enter"}, "enter", "save"),
		Next:     b([]string{"tab", "shift+tab"}, "tab", "path/name"),
		Cancel:   b([]string{"esc"}, "esc", "cancel"),
	}
}

// Dialog edits a Set: add, edit, remove, reorder.
type Dialog struct {
	c      *common.Common
	set    *Set
	modern bool
	Keys   KeyMap
	list   list.Model

	editing bool
	editIdx int // -1 adds
	field   int // 0 path, 1 name
	path    textinput.Model
	name    textinput.Model
	err     string
}

var _ component.Dialog = (*Dialog)(nil)

// New is the dialog over set; modern says the session speaks 2026-07-28
// (no list_changed notification).
func New(c *common.Common, set *Set, modern bool) *Dialog {
	mk := func(prompt, ph string) textinput.Model {
		ti := textinput.New()
		ti.Prompt = prompt
		ti.Placeholder = ph
		ti.CharLimit = 4096
		return ti
	}
	d := &Dialog{c: c, set: set, modern: modern, Keys: DefaultKeyMap(), list: list.New(),
		path: mk("path ", "/path/to/project, ~/src/app or file:///…"), name: mk("name ", "(last path element)")}
	d.list.KeyMap = d.Keys.Nav
	d.setEditing(false)
	return d
}

// Err is the last edit's error ("" when none).
func (d *Dialog) Err() string { return d.err }

// setEditing switches between the list's keys and the editor's.
func (d *Dialog) setEditing(on bool) {
	d.editing = on
	for _, b := range []*key.Binding{&d.Keys.Add, &d.Keys.Edit, &d.Keys.Remove, &d.Keys.MoveUp, &d.Keys.MoveDown, &d.Keys.Close,
		&d.Keys.Nav.Up, &d.Keys.Nav.Down, &d.Keys.Nav.PageUp, &d.Keys.Nav.PageDown, &d.Keys.Nav.Top, &d.Keys.Nav.Bottom} {
		b.SetEnabled(!on)
	}
	for _, b := range []*key.Binding{&d.Keys.Save, &d.Keys.Next, &d.Keys.Cancel} {
		b.SetEnabled(on)
	}
	d.list.KeyMap = d.Keys.Nav
}

func (d *Dialog) startEdit(idx int) tea.Cmd {
	d.setEditing(true)
	d.editIdx, d.field, d.err = idx, 0, ""
	d.path.SetValue("")
	d.name.SetValue("")
	if idx >= 0 && idx < len(d.set.Roots) {
		r := d.set.Roots[idx]
		p := Path(r)
		if p == "" {
			p = r.URI
		}
		d.path.SetValue(p)
		d.name.SetValue(r.Name)
	}
	d.path.CursorEnd()
	d.name.Blur()
	return d.path.Focus()
}

// Update implements [component.Component].
func (d *Dialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	d.list.SetLen(len(d.set.Roots))
	k, isKey := msg.(tea.KeyPressMsg)
	if d.editing {
		switch {
		case isKey && key.Matches(k, d.Keys.Cancel):
			d.setEditing(false)
			d.err = ""
			return nil, nil
		case isKey && key.Matches(k, d.Keys.Next):
			d.field = 1 - d.field
			if d.field == 0 {
				d.name.Blur()
				return nil, d.path.Focus()
			}
			d.path.Blur()
			return nil, d.name.Focus()
		case isKey && key.Matches(k, d.Keys.Save):
			return d.save()
		}
		var c tea.Cmd
		if d.field == 0 {
			d.path, c = d.path.Update(msg)
		} else {
			d.name, c = d.name.Update(msg)
		}
		return nil, c
	}
	if !isKey {
		return nil, nil
	}
	if d.list.HandleKey(k) {
		return nil, nil
	}
	i, n := d.list.Cursor(), len(d.set.Roots)
	switch {
	case key.Matches(k, d.Keys.Add):
		return nil, d.startEdit(-1)
	case key.Matches(k, d.Keys.Edit):
		if n == 0 {
			return nil, d.startEdit(-1)
		}
		return nil, d.startEdit(i)
	case key.Matches(k, d.Keys.Remove):
		if i < n {
			d.set.Roots = append(d.set.Roots[:i], d.set.Roots[i+1:]...)
			d.list.SetLen(len(d.set.Roots))
			return Changed{}, nil
		}
	case key.Matches(k, d.Keys.MoveUp), key.Matches(k, d.Keys.MoveDown):
		j := i - 1
		if key.Matches(k, d.Keys.MoveDown) {
			j = i + 1
		}
		if i < n && j >= 0 && j < n {
			d.set.Roots[i], d.set.Roots[j] = d.set.Roots[j], d.set.Roots[i]
			d.list.SetCursor(j)
			return Changed{}, nil
		}
	case key.Matches(k, d.Keys.Close):
		return component.Close{}, nil
	}
	return nil, nil
}

// save adds or replaces the root being edited.
func (d *Dialog) save() (component.Action, tea.Cmd) {
	r, err := d.set.Env.Make(d.path.Value(), d.name.Value())
	if err != nil {
		d.err = err.Error()
		return nil, nil
	}
	for i, x := range d.set.Roots {
		if x.URI == r.URI && i != d.editIdx {
			d.err = "already a root"
			return nil, nil
		}
	}
	if d.editIdx >= 0 && d.editIdx < len(d.set.Roots) {
		d.set.Roots[d.editIdx] = r
	} else {
		d.set.Roots = append(d.set.Roots, r)
		d.editIdx = len(d.set.Roots) - 1
	}
	d.list.SetLen(len(d.set.Roots))
	d.list.SetCursor(d.editIdx)
	d.setEditing(false)
	d.err = ""
	return Changed{}, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Dialog) SetSize(int, int) {}

// View implements [component.Component].
func (d *Dialog) View(W, H int) string {
	st := d.c.Styles
	d.list.SetLen(len(d.set.Roots))
	w := min(W-4, 100)
	iw := w - 2
	var lines []string
	era := ""
	if d.modern {
		era = " (2026-07-28: no list_changed; the server asks when it needs them)"
	}
	for _, l := range common.WrapLines("The directories the server may see, answered to roots/list; edits send notifications/roots/list_changed"+era+".", iw) {
		lines = append(lines, st.Muted.Render(l))
	}
	if d.set.Asked > 0 {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("the server has asked %d time(s)", d.set.Asked)))
	}
	lines = append(lines, "")
	if len(d.set.Roots) == 0 {
		lines = append(lines, st.Muted.Render("  no roots: the server gets an empty list (a adds one; --root PATH sets them at start)"))
	}
	for i, r := range d.set.Roots {
		line := common.PadRight(ansi.Truncate(termsafe.Line(r.Name), 20, "…"), 21) + termsafe.Line(r.URI)
		if d.set.Missing[r.URI] {
			line += "  ⚠ not found"
		}
		if !strings.HasPrefix(r.URI, "file://") {
			line += "  ⚠ not file://"
		}
		line = ansi.Truncate(line, iw-2, "…")
		if i == d.list.Cursor() && !d.editing {
			lines = append(lines, st.Selected.Render("▸ "+line))
		} else {
			lines = append(lines, "  "+st.Text.Render(line))
		}
	}
	if d.editing {
		title := "add a root"
		if d.editIdx >= 0 {
			title = "edit the root"
		}
		lines = append(lines, "", st.Accent2.Render(title))
		d.path.SetWidth(max(10, iw-8))
		d.name.SetWidth(max(10, iw-8))
		lines = append(lines, ansi.Truncate(d.path.View(), iw, ""), ansi.Truncate(d.name.View(), iw, ""))
		if d.err != "" {
			lines = append(lines, st.Err.Render(termsafe.Line(d.err)))
		}
	}
	lines = append(lines, "")
	return common.DialogBox(st, fmt.Sprintf("Roots %d", len(d.set.Roots)), lines, common.HelpLine(st, d.ShortHelp(), w-2), w, H-2)
}

// ShortHelp implements [help.KeyMap].
func (d *Dialog) ShortHelp() []key.Binding {
	if d.editing {
		return []key.Binding{d.Keys.Save, d.Keys.Next, d.Keys.Cancel}
	}
	return []key.Binding{d.Keys.Add, d.Keys.Edit, d.Keys.Remove, d.Keys.MoveUp, d.Keys.MoveDown, d.Keys.Close}
}

// FullHelp implements [help.KeyMap].
func (d *Dialog) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.ShortHelp(), d.Keys.Nav.Bindings()}
}
