package dialog

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Choice picks one of a few options (the links of a result, what to save,
// a copy format, a log level): enter or an option's own key closes it and
// carries out the action Pick makes for the option.
type Choice struct {
	c       *common.Common
	title   string
	options []string
	// hotkeys are the options' own keys (nil: an option has none)
	hotkeys []key.Binding
	pick    func(i int) component.Action
	list    list.Model
	Keys    ChoiceKeys
}

var _ component.Dialog = (*Choice)(nil)

// NewChoice offers options (display text, terminal-safe) under title;
// pick makes the action for the option chosen.
func NewChoice(c *common.Common, title string, options []string, pick func(i int) component.Action) *Choice {
	d := &Choice{c: c, title: title, options: options, pick: pick, list: list.New(), Keys: DefaultChoiceKeys()}
	d.list.KeyMap = d.Keys.Nav
	d.list.SetHeight(len(options))
	d.list.SetLen(len(options))
	return d
}

// WithHotkeys gives options keys of their own ("" for none): the key
// chooses its option at once.
func (d *Choice) WithHotkeys(keys ...string) *Choice {
	d.hotkeys = make([]key.Binding, len(keys))
	for i, k := range keys {
		if k != "" && i < len(d.options) {
			d.hotkeys[i] = bind([]string{k}, k, d.options[i])
		}
	}
	return d
}

// Select puts the cursor on option i.
func (d *Choice) Select(i int) *Choice {
	d.list.SetCursor(i)
	return d
}

// Cursor is the option under the cursor.
func (d *Choice) Cursor() int { return d.list.Cursor() }

// Update implements [component.Component].
func (d *Choice) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	for i, h := range d.hotkeys {
		if len(h.Keys()) > 0 && key.Matches(k, h) {
			return component.Then(component.Close{}, d.pick(i)), nil
		}
	}
	switch {
	case d.list.HandleKey(k):
	case key.Matches(k, d.Keys.Choose):
		return component.Then(component.Close{}, d.pick(d.list.Cursor())), nil
	case key.Matches(k, d.Keys.Cancel):
		return component.Close{}, nil
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Choice) SetSize(int, int) {}

// View implements [component.Component].
func (d *Choice) View(W, H int) string {
	st := d.c.Styles
	w := min(W-4, 72)
	d.list.SetHeight(max(1, H-5))
	var lines []string
	from, to := d.list.Visible()
	for i := from; i < to; i++ {
		pre := "  "
		if i < len(d.hotkeys) && len(d.hotkeys[i].Keys()) > 0 {
			pre = st.Key.Render(d.hotkeys[i].Help().Key) + " "
		}
		l := ansi.Truncate(d.options[i], w-6, "…")
		if i == d.list.Cursor() {
			l = st.Selected.Render("▸ " + l)
		} else {
			l = "  " + st.Text.Render(l)
		}
		lines = append(lines, pre+l)
	}
	lines = append(lines, "")
	return common.DialogBox(st, d.title, lines, common.HelpLine(st, []key.Binding{d.Keys.Choose, d.Keys.Cancel}, w-2), w, H)
}

// ShortHelp implements [help.KeyMap].
func (d *Choice) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Choose, d.Keys.Cancel}
}

// FullHelp implements [help.KeyMap].
func (d *Choice) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(d.Keys.Nav.Bindings(), d.Keys.Choose, d.Keys.Cancel), d.hotkeys}
}
