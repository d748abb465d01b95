package dialog

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
)

// Confirm asks a yes/no question; yes closes it and carries out its
// action, no just closes it.
type Confirm struct {
	c    *common.Common
	text string
	yes  component.Action
	Keys ConfirmKeys
}

var _ component.Dialog = (*Confirm)(nil)

// NewConfirm asks text (lines separated by \n); yes is the action the
// root carries out on yes.
func NewConfirm(c *common.Common, text string, yes component.Action) *Confirm {
	return &Confirm{c: c, text: text, yes: yes, Keys: DefaultConfirmKeys()}
}

// Update implements [component.Component].
func (d *Confirm) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(k, d.Keys.Yes):
		return component.Then(component.Close{}, d.yes), nil
	case key.Matches(k, d.Keys.No):
		return component.Close{}, nil
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Confirm) SetSize(int, int) {}

// View implements [component.Component].
func (d *Confirm) View(W, H int) string {
	st := d.c.Styles
	w := min(W-4, 60)
	var lines []string
	for _, l := range strings.Split(d.text, "\n") {
		lines = append(lines, common.WrapLines(st.Text.Render(l), w-2)...)
	}
	lines = append(lines, "")
	return common.DialogBox(st, "Confirm", lines, common.HelpLine(st, d.ShortHelp(), w-2), w, H)
}

// ShortHelp implements [help.KeyMap].
func (d *Confirm) ShortHelp() []key.Binding { return []key.Binding{d.Keys.Yes, d.Keys.No} }

// FullHelp implements [help.KeyMap].
func (d *Confirm) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
