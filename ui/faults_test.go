package ui

import (
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/mcp"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

// TestLiveFaultsPane: sonde URL --fault: ! shows the faults pane; a fault
// added there (typed as a --fault SPEC) acts on the live connection and
// shows in the log as a fault event, marked; turned off in the pane, it
// stops.
func TestLiveFaultsPane(t *testing.T) {
	sp, err := fault.Parse("delay method=ping ms=1")
	if err != nil {
		t.Fatal(err)
	}
	set := fault.NewSet(sp)
	l := startLive(t, demo.EraLegacy, Options{Config: mcp.Config{Faults: set}})
	l.press("!")
	if s := plain(l.m); !strings.Contains(s, "Faults 1 on of 1") || !strings.Contains(s, "● on  delay method=ping ms=1") {
		t.Fatalf("the faults pane:\n%s", s)
	}
	l.press("a")
	l.typeText("status method=prompts/list code=nope")
	l.press("enter")
	if s := plain(l.m); !strings.Contains(s, "Add a fault") || !strings.Contains(s, "nope") {
		t.Fatalf("a bad spec is to keep the dialog open with the parser's error:\n%s", s)
	}
	for range len("nope") {
		l.press("backspace")
	}
	l.typeText("503")
	l.press("enter")
	if s := plain(l.m); strings.Contains(s, "Add a fault") || !strings.Contains(s, "status method=prompts/list code=503") {
		t.Fatalf("after adding:\n%s", s)
	}
	added := set.Faults()[1]

	// refresh the lists: prompts/list gets the 503
	l.step(ct.Key("alt+1"))
	l.press("r")
	l.pump("the injected 503", func() bool {
		return added.Hits() == 1 && l.m.panes.br.Loaded(listPrompts) && !l.m.panes.br.Loading(listPrompts)
	})
	l.step(ct.Key("alt+3"))
	l.press("1")
	l.pump("the fault event in the log", func() bool {
		for _, en := range l.m.panes.log.Entries() {
			if en.Ev.Kind == mcp.KindFault {
				return true
			}
		}
		return false
	})
	if !strings.Contains(plain(l.m), "fault:status") {
		t.Fatalf("no fault line on screen:\n%s", plain(l.m))
	}
	for _, line := range strings.Split(plain(l.m), "\n") {
		if strings.Contains(line, "fault:status") && !strings.Contains(line, " ! fault:status") {
			t.Fatalf("the fault's line is not marked: %q", line)
		}
	}

	// off: the next refresh is answered
	l.press("!", "j", "space")
	if s := plain(l.m); !strings.Contains(s, "○ off status method=prompts/list") {
		t.Fatalf("after space:\n%s", s)
	}
	if added.Enabled() {
		t.Fatal("the fault is still on")
	}
	l.step(ct.Key("alt+1"))
	l.press("r")
	l.pump("prompts listed again", func() bool {
		return l.m.panes.br.Loaded(listPrompts) && !l.m.panes.br.Loading(listPrompts) && l.m.panes.br.Err(listPrompts) == ""
	})
	if added.Hits() != 1 {
		t.Fatalf("%d hits; the fault was off", added.Hits())
	}
}
