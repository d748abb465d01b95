package faults

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
)

// AddKeys are the add dialog's keys (every other key types).
type AddKeys struct {
	Submit key.Binding
	Cancel key.Binding
}

// DefaultAddKeys returns the add dialog's keys.
func DefaultAddKeys() AddKeys {
	return AddKeys{
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "add")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// AddDialog reads a fault as a --fault SPEC ("delay method=tools/call
// ms=500") and adds it once package fault's parser takes it; what the
// parser says is wrong is shown under the field, and the dialog stays.
type AddDialog struct {
	c     *common.Common
	stdio bool
	Keys  AddKeys
	input textinput.Model
	err   string
}

var _ component.Dialog = (*AddDialog)(nil)

// NewAddDialog returns the dialog; stdio refuses the faults that need
// HTTP, as --fault does over stdio.
func NewAddDialog(c *common.Common, stdio bool) *AddDialog {
	ti := textinput.New()
	ti.Prompt = "--fault "
	ti.Placeholder = "delay method=tools/call ms=500"
	ti.CharLimit = 400
	ti.SetStyles(c.Styles.Form.InputStyles())
	ti.Focus()
	return &AddDialog{c: c, stdio: stdio, Keys: DefaultAddKeys(), input: ti}
}

// Check parses a SPEC as the dialog does: package fault's parser, and
// over stdio only the faults on messages.
func Check(spec string, stdio bool) (fault.Spec, error) {
	sp, err := fault.Parse(strings.TrimSpace(spec))
	if err != nil {
		return sp, err
	}
	if stdio && sp.Kind.HTTPOnly() {
		return sp, fmt.Errorf("%s needs HTTP: over stdio only delay, duplicate, reorder and corrupt act", sp.Kind)
	}
	return sp, nil
}

// Update implements [component.Component].
func (d *AddDialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, d.Keys.Cancel):
			return component.Close{}, nil
		case key.Matches(k, d.Keys.Submit):
			sp, err := Check(d.input.Value(), d.stdio)
			if err != nil {
				d.err = err.Error()
				return nil, nil
			}
			return component.Batch{component.Close{}, Add{Spec: sp}}, nil
		}
	}
	var cmd tea.Cmd
	before := d.input.Value()
	d.input, cmd = d.input.Update(msg)
	if d.input.Value() != before {
		d.err = ""
	}
	return nil, cmd
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *AddDialog) SetSize(int, int) {}

// View implements [component.Component].
func (d *AddDialog) View(W, H int) string {
	st := d.c.Styles
	w := min(W-4, 76)
	d.input.SetWidth(max(10, w-2-len(d.input.Prompt)-1))
	lines := []string{d.input.View(), ""}
	if d.err != "" {
		for _, l := range common.WrapLines(termsafe.Line(d.err), w-2) {
			lines = append(lines, st.Err.Render(l))
		}
		lines = append(lines, "")
	}
	for _, u := range fault.Usage() {
		if d.stdio {
			name, _, _ := strings.Cut(u, " ")
			if name != "every" && fault.Kind(name).HTTPOnly() { // (the last line is about every fault)
				continue
			}
		}
		lines = append(lines, st.Muted.Render(common.TruncateMiddle(u, w-2)))
	}
	lines = append(lines, "")
	return common.DialogBox(st, "Add a fault", lines, common.HelpLine(st, d.ShortHelp(), w-2), w, H)
}

// ShortHelp implements [help.KeyMap].
func (d *AddDialog) ShortHelp() []key.Binding { return []key.Binding{d.Keys.Submit, d.Keys.Cancel} }

// FullHelp implements [help.KeyMap].
func (d *AddDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
