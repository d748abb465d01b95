package ui

import (
	tea "charm.land/bubbletea/v2"

	dr "github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/mcp"
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
