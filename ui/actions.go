package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/dialog/detail"
	"github.com/sonde-mcp/sonde/ui/dialog/roots"
	"github.com/sonde-mcp/sonde/ui/dialog/saveas"
	"github.com/sonde-mcp/sonde/ui/dialog/signin"
	authpane "github.com/sonde-mcp/sonde/ui/pane/auth"
	"github.com/sonde-mcp/sonde/ui/pane/faults"
	"github.com/sonde-mcp/sonde/ui/pane/tasks"
)

// The actions of the root's own (what components ask of it beyond the
// common [component] actions).
type (
	// readLink reads a resource link of the result shown.
	readLink struct{ l link }
	// copyEntry copies a log entry in a format.
	copyEntry struct {
		en *entry
		f  copyFormat
	}
	// setLogLevel filters the server log at a level and asks the server
	// for it.
	setLogLevel struct{ level string }
)

// do carries out an action of the root's own (see [Model.act] for the
// common ones).
func (m *Model) do(a component.Action) tea.Cmd {
	if cmd, ok := m.raw.act(a, serverKey(m.s, m.opts.Config)); ok {
		return cmd
	}
	if cmd, ok := m.workAction(a); ok {
		return cmd
	}
	if cmd, ok := m.logAction(a); ok {
		return cmd
	}
	if cmd, ok := m.requestAction(a); ok {
		return cmd
	}
	switch a := a.(type) {
	case readLink:
		return m.readLink(a.l)
	case copyEntry:
		s, err := m.copyText(a.en, a.f)
		if err != nil {
			m.flash.set(err.Error(), true)
			return nil
		}
		return m.env.copy(a.f.String(), s, m.panes.log.Keys.Save.Help().Key)
	case saveas.Ask:
		d := saveas.New(m.look.com, a.Item, a.Subject)
		m.dialogs.open(d)
		return d.Init()
	case detail.Step:
		m.panes.log.Move(a.By)
		if en := m.panes.log.Selected(); en != nil {
			a.Dialog.Show(detailEntry(en))
		}
		return nil
	case detail.Pair:
		if pair := m.panes.log.Pair(); pair != nil {
			m.act(nil, pair) // the log moves to the other end, and shows it
		} else {
			a.Dialog.Show(detailEntry(m.panes.log.Selected()))
		}
		return nil
	case detail.Copy:
		m.dialogs.open(newCopyDialog(m.look.com, a.Ref.(*entry)))
		return nil
	case detail.AsResult:
		return m.showEventAsResult(a.Ref.(*entry))
	case setLogLevel:
		return m.setLogLevel(a.level)
	case tasks.Open:
		if m.tasks.open(a.ID) {
			return m.setFocus(paneWork)
		}
		return nil
	case tasks.Cancel:
		if t := m.s.Task(a.ID); t != nil {
			return m.tasks.cancel(t)
		}
		return nil
	case faults.Toggle, faults.Add:
		set, _ := m.opts.Config.Faults.(*fault.Set)
		if text := doFault(set, a); text != "" {
			m.flash.set(text, false)
		}
		return nil
	case roots.Changed:
		return m.rootsChanged()
	case authpane.Refresh:
		cmd, ok := m.conn.refreshToken()
		if !ok {
			m.flash.set("this session has no sign-in to refresh", true)
			return nil
		}
		m.flash.set("refreshing the token…", false)
		return cmd
	case signin.Open:
		return m.env.openSignIn(a.URL)
	case dialog.Key:
		if a.Binding.Help() == doctorKey.Help() { // the connection dialog's d
			return m.openDoctor(m.opts.Config)
		}
	}
	return nil
}
