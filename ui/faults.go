package ui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/pane/faults"
)

// The faults pane (issue 13 item 2): with --fault, the log pane's view
// of the faults in force, toggled live. The set is the connection's own
// (Config.Faults, given by the command line): sonde's own connection or
// the tap's.

// newFaults makes the faults pane when the connection (cfg) has faults;
// nil otherwise (and the root turns its key off).
func newFaults(c *common.Common, cfg mcp.Config) *faults.Pane {
	set, ok := cfg.Faults.(*fault.Set)
	if !ok || set == nil {
		return nil
	}
	return faults.New(c, set, len(cfg.Command) > 0)
}

// doFault carries out the faults pane's actions on set: turning a fault
// on or off, adding one; it says what it did ("": nothing). What is under
// way (a held request, an open stream's timer) finishes as it began.
func doFault(set *fault.Set, a component.Action) string {
	switch a := a.(type) {
	case faults.Toggle:
		a.Fault.SetEnabled(a.On)
		state := "off"
		if a.On {
			state = "on"
		}
		return "fault " + termsafe.Line(a.Fault.Spec.String()) + " " + state
	case faults.Add:
		if set == nil {
			return ""
		}
		set.Add(a.Spec)
		return "fault " + termsafe.Line(a.Spec.String()) + " added, on"
	}
	return ""
}

// faultsView names the faults view in the log pane's title (set: the
// connection's faults; k: the key that shows them).
func (p *paneSet) faultsView(set any, k key.Binding) string {
	if p.faults == nil || p.logView == viewFaults {
		return ""
	}
	on := 0
	for _, f := range set.(*fault.Set).Faults() {
		if f.Enabled() {
			on++
		}
	}
	return fmt.Sprintf("%s Faults %d on", k.Help().Key, on)
}

// faultsHelp is the faults pane's group of the full help (k: the key
// that shows it; p: the pane, nil without --fault).
func faultsHelp(k key.Binding, p *faults.Pane) helpGroup {
	g := helpGroup{title: "Faults (" + k.Help().Key + ")", off: p == nil}
	if p != nil {
		g.keys = slices.Concat(p.FullHelp()[1:]...)
	}
	return g
}
