package ui

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/pane/faults"
)

// The faults pane (issue 13 item 2): with --fault, the log pane's view
// of the faults in force, toggled live. The set is the connection's own
// (Config.Faults, given by the command line): sonde's own connection or
// the tap's.

// initFaults makes the faults pane when the connection has faults; its
// key is off otherwise.
func (m *Model) initFaults() {
	set, ok := m.opts.Config.Faults.(*fault.Set)
	if !ok || set == nil {
		m.keys.Global.Faults.SetEnabled(false)
		return
	}
	m.panes.faults = faults.New(m.look.com, set, len(m.opts.Config.Command) > 0)
}

// doFault carries out the faults pane's actions: turning a fault on or
// off, adding one. What is under way (a held request, an open stream's
// timer) finishes as it began.
func (m *Model) doFault(a component.Action) tea.Cmd {
	set, _ := m.opts.Config.Faults.(*fault.Set)
	switch a := a.(type) {
	case faults.Toggle:
		a.Fault.SetEnabled(a.On)
		state := "off"
		if a.On {
			state = "on"
		}
		m.flash.set("fault "+termsafe.Line(a.Fault.Spec.String())+" "+state, false)
	case faults.Add:
		if set == nil {
			return nil
		}
		set.Add(a.Spec)
		m.flash.set("fault "+termsafe.Line(a.Spec.String())+" added, on", false)
	}
	return nil
}

// faultsView names the faults view in the log pane's title.
func (m *Model) faultsView() string {
	if m.panes.faults == nil || m.panes.logView == viewFaults {
		return ""
	}
	on := 0
	for _, f := range m.opts.Config.Faults.(*fault.Set).Faults() {
		if f.Enabled() {
			on++
		}
	}
	return fmt.Sprintf("%s Faults %d on", m.keys.Global.Faults.Help().Key, on)
}

// faultsHelp is the faults pane's group of the full help.
func (m *Model) faultsHelp() helpGroup {
	g := helpGroup{title: "Faults (" + m.keys.Global.Faults.Help().Key + ")", off: m.panes.faults == nil}
	if m.panes.faults != nil {
		g.keys = slices.Concat(m.panes.faults.FullHelp()[1:]...)
	}
	return g
}
