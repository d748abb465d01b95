package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/dialog/detail"
	"github.com/sonde-mcp/sonde/ui/dialog/saveas"
)

// updateDialog hands a message to a dialog and carries out what it asks.
func (m *Model) updateDialog(d component.Dialog, msg tea.Msg) tea.Cmd {
	a, cmd := d.Update(msg)
	return tea.Batch(cmd, m.act(d, a))
}

// updatePane hands a message to a pane and carries out what it asks.
func (m *Model) updatePane(p component.Pane, msg tea.Msg) tea.Cmd {
	a, cmd := p.Update(msg)
	return tea.Batch(cmd, m.act(nil, a))
}

// act carries out an action a component asked for; from is the dialog
// that asked (nil: a pane).
func (m *Model) act(from component.Dialog, a component.Action) tea.Cmd {
	switch a := a.(type) {
	case nil:
		return nil
	case component.Batch:
		var cmds []tea.Cmd
		for _, x := range a {
			cmds = append(cmds, m.act(from, x))
		}
		return tea.Batch(cmds...)
	case component.Close:
		if from != nil {
			m.dialogs.remove(from)
		}
		return nil
	case component.Open:
		m.dialogs.open(a.Dialog)
		return nil
	case component.Replace:
		if from != nil {
			m.dialogs.remove(from)
		}
		m.dialogs.open(a.Dialog)
		return nil
	case component.Flash:
		m.flash.set(a.Text, a.Err)
		return nil
	case component.Copy:
		return m.env.copy(a.What, a.Text, a.SaveKey)
	}
	return m.do(a)
}

func kb(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

func newLinkDialog(c *common.Common, links []link) *dialog.Choice {
	var opts []string
	for _, l := range links {
		opts = append(opts, l.Label)
	}
	return dialog.NewChoice(c, "Open resource link", opts, func(i int) component.Action { return readLink{links[i]} })
}

// saveResult is what saving a result does: ask where to save its one
// saveable thing, or first which one.
func saveResult(c *common.Common, r *result) component.Action {
	if len(r.Saves) == 1 {
		return askSave(r.Saves[0], r.Subject)
	}
	return component.Open{Dialog: newSaveDialog(c, r)}
}

func newSaveDialog(c *common.Common, r *result) *dialog.Choice {
	var opts []string
	for _, s := range r.Saves {
		opts = append(opts, fmt.Sprintf("%s · %d bytes · .%s", s.Label, len(s.Data), s.Ext))
	}
	return dialog.NewChoice(c, "Save to a file: what?", opts, func(i int) component.Action {
		return askSave(r.Saves[i], r.Subject)
	})
}

// askSave asks where to save s; subject names the default file.
func askSave(s saveable, subject string) saveas.Ask {
	return saveas.Ask{Item: saveas.Item{Label: s.Label, Ext: s.Ext, Data: s.Data}, Subject: subject}
}

// ---- copy ----

func newCopyDialog(c *common.Common, en *entry) *dialog.Choice {
	formats := []copyFormat{copyJSON, copyCurl, copySonde}
	opts := []string{"as JSON (the message)", "as a curl command", "as a sonde command"}
	return dialog.NewChoice(c, "Copy to the clipboard", opts, func(i int) component.Action {
		return copyEntry{en, formats[i]}
	}).WithHotkeys("j", "c", "s")
}

// ---- event detail ----

// newDetail is the detail of a log entry; related says where a request
// stands among the others (see [timeline.Pane.Related]).
func newDetail(c *common.Common, en *entry, related func(*mcp.Event) []string) *detail.Dialog {
	return detail.New(c, detailEntry(en), related)
}

// detailEntry is a log entry as the detail dialog shows it; the entry
// itself comes back in its actions.
func detailEntry(en *entry) detail.Entry {
	return detail.Entry{Event: &en.Ev, Label: en.Label(), Summary: en.Summary(), Ref: en}
}

// ---- schema ----

// newSchemaDialog shows an item's whole definition (its schema).
func newSchemaDialog(c *common.Common, it *item) *dialog.Reader {
	title := it.Kind.Title()[:len(it.Kind.Title())-1] + ": " + it.DName
	return dialog.NewReader(c, title, func(int, int) []string { return c.HL.Pretty(c.Styles.Chroma, it.Raw) })
}
