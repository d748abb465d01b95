package ui

import (
	tea "charm.land/bubbletea/v2"

	dr "github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/dialog"
	doctorui "github.com/sonde-mcp/sonde/ui/dialog/doctor"
)

// doctorKey, on the connection dialog and the server picker, runs the
// doctor on that server (a connection of its own, beside the session).
var doctorKey = kb("d", "doctor")

// openDoctor opens the doctor's checklist for cfg and starts its run.
func (m *Model) openDoctor(cfg mcp.Config) tea.Cmd {
	if cfg.URL == "" && len(cfg.Command) == 0 {
		m.flash.set("no server to check", true)
		return nil
	}
	d := doctorui.New(m.look.com, dr.Options{Config: cfg}, m.env.doctorRunner)
	m.dialogs.open(d)
	return d.Start()
}

// doctorMsg hands a run's progress to its checklist, wherever it is on
// the stack (another dialog may cover it); a closed one's is dropped.
func (m *Model) doctorMsg(msg doctorui.Msg) tea.Cmd {
	for _, d := range m.dialogs {
		if d == msg.For() {
			return m.updateDialog(d, msg)
		}
	}
	return nil
}

// connDialogKey handles the keys the connection dialog leaves to the
// root.
func (m *Model) connDialogKey(k dialog.Key) tea.Cmd {
	if k.Binding.Help() == doctorKey.Help() {
		return m.openDoctor(m.opts.Config)
	}
	return nil
}
