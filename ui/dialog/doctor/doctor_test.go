package doctor

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	dr "github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

// script is a doctor run the test paces: each check it is given is made
// when the test sends on next; then the report.
type script struct {
	checks []dr.Check
	report *dr.Report
}

func (s script) run(ctx context.Context, o dr.Options) *dr.Report {
	for i, c := range s.checks {
		if i == len(s.checks)-1 {
			o.OnNote("observing for 20s: keepalives, idle cuts, the session")
		}
		o.OnCheck(c)
	}
	return s.report
}

var failing = script{
	checks: []dr.Check{
		{Name: "tcp", Status: dr.OK, Detail: "127.0.0.1 port 8080 connected in 0.2 ms"},
		{Name: "GET (legacy SSE)", Status: dr.OK, Detail: "HTTP 200 text/event-stream; first event: endpoint /messages?session_id=1"},
		{Name: "idle cut", Status: dr.Fail, Detail: "the GET stream was cut after 3.0 s of silence (open 3.1 s)"},
	},
	report: &dr.Report{Target: "http://127.0.0.1:8080/sse", Transport: "sse", Era: "legacy",
		Checks:    []dr.Check{{Name: "idle cut", Status: dr.Fail}},
		Diagnosis: []dr.Finding{{ID: "idle-cut", Text: "The server cuts the GET stream once it has been silent for 3.0 s."}}},
}

// pump runs d's command and hands it what comes back, until the run has
// nothing more to say (its report, or a tick: the clock is not pumped).
func pump(t *testing.T, d *Dialog, cmd tea.Cmd, steps int) {
	t.Helper()
	for i := 0; cmd != nil && i < steps; i++ {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok { // the next message and a tick
			msg = b[0]()
		}
		if _, ok := msg.(Msg); !ok {
			return
		}
		_, cmd = d.Update(msg)
	}
}

func newDialog(c *common.Common, s script) *Dialog {
	return New(c, dr.Options{Config: mcp.Config{URL: "http://127.0.0.1:8080/sse"}}, s.run)
}

// Checks appear as they are made, the observation shows while it runs,
// and the diagnosis at the end.
func TestChecklist(t *testing.T) {
	d := newDialog(commontest.New(), failing)
	cmd := d.Start()
	pump(t, d, cmd, 2) // the first check, the second
	v := ansi.Strip(d.View(100, 30))
	if !strings.Contains(v, "✓ tcp") || !strings.Contains(v, "✓ GET (legacy SSE)") || strings.Contains(v, "idle cut") {
		t.Fatalf("after two checks:\n%s", v)
	}
	if !strings.Contains(v, "Doctor · http://127.0.0.1:8080/sse") || strings.Contains(v, "diagnosis") || strings.Contains(v, "r run again") {
		t.Fatalf("running:\n%s", v)
	}
	_, cmd = d.Update(<-d.ch) // the note: observing
	if v := ansi.Strip(d.View(100, 30)); !strings.Contains(v, "observing for 20s") || !strings.Contains(v, "(0s of 20s)") {
		t.Fatalf("observing:\n%s", v)
	}
	pump(t, d, cmd, 10)
	if d.Report() == nil {
		t.Fatal("no report at the end")
	}
	v = ansi.Strip(d.View(100, 30))
	for _, want := range []string{"✗ idle cut", "transport: legacy HTTP+SSE, legacy era", "diagnosis", "1. [idle-cut] The server cuts the GET stream", "· failed", "r run again"} {
		if !strings.Contains(v, want) {
			t.Errorf("done: lacks %q:\n%s", want, v)
		}
	}
	a, _ := d.Update(ct.Key("c"))
	if cp, ok := a.(component.Copy); !ok || !strings.Contains(cp.Text, "fail  idle cut") || !strings.Contains(cp.Text, "1. [idle-cut]") {
		t.Errorf("copy: %#v", a)
	}
	// Run again: the checklist starts over.
	if _, cmd := d.Update(ct.Key("r")); cmd == nil || d.Report() != nil || len(d.checks) != 0 {
		t.Errorf("r: a new run (cmd %v, report %v, %d checks)", cmd != nil, d.Report(), len(d.checks))
	}
}

// A message of an earlier run (one run again replaced) changes nothing.
func TestEarlierRunDropped(t *testing.T) {
	d := newDialog(commontest.New(), failing)
	old := d.Start()()
	d.Start()
	before := d.View(100, 30)
	if a, cmd := d.Update(old); a != nil || cmd != nil || d.View(100, 30) != before {
		t.Error("an earlier run's message changed the checklist")
	}
}

// Closing stops the run; alone (sonde doctor on a terminal) it also ends
// the program, and there is no copy (the report is printed at the end).
func TestClose(t *testing.T) {
	d := newDialog(commontest.New(), failing)
	d.Start()
	if a, cmd := d.Update(ct.Key("esc")); a != (component.Close{}) || cmd != nil || d.cancel != nil {
		t.Errorf("esc: %#v %v", a, cmd != nil)
	}
	d = newDialog(commontest.New(), failing)
	d.Standalone = true
	d.Start()
	a, cmd := d.Update(ct.Key("q"))
	if a != (component.Close{}) || cmd == nil || fmt.Sprint(cmd()) != fmt.Sprint(tea.Quit()) {
		t.Errorf("q alone: %#v", a)
	}
	if a, _ := d.Update(ct.Key("c")); a != nil {
		t.Errorf("c alone: %#v", a)
	}
}

func TestHelpHonesty(t *testing.T) {
	c := commontest.New()
	long := script{report: failing.report}
	for i := range 40 {
		long.checks = append(long.checks, dr.Check{Name: fmt.Sprintf("check %d", i), Status: dr.OK, Detail: "fine"})
	}
	done := func(standalone bool, keys ...string) ct.Fixture {
		return func() component.Component {
			d := newDialog(c, long)
			d.Standalone = standalone
			pump(t, d, d.Start(), 100)
			d.View(100, 30)
			for _, k := range keys {
				d.Update(ct.Key(k))
			}
			return d
		}
	}
	running := func() component.Component {
		d := newDialog(c, long)
		pump(t, d, d.Start(), 3)
		return d
	}
	ct.HelpHonesty(t, []ct.Fixture{done(false), done(false, "home"), done(true, "home"), running})
}
