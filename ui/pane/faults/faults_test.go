package faults

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

func testSet(t testing.TB, specs ...string) *fault.Set {
	set := fault.NewSet()
	for _, s := range specs {
		sp, err := fault.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		set.Add(sp)
	}
	return set
}

func newPane(t testing.TB, stdio bool, specs ...string) (*Pane, *fault.Set) {
	set := testSet(t, specs...)
	p := New(commontest.New(), set, stdio)
	p.SetSize(80, 10)
	p.SetFocused(true)
	return p, set
}

func view(p *Pane) string { return p.Title() + "\n" + ansi.Strip(p.View(80, 10)) }

// TestListsAndToggles: the pane lists the set's faults with on/off and
// their hits; space asks the root to turn the selected one off, and the
// pane shows what the set says once the root did.
func TestListsAndToggles(t *testing.T) {
	p, set := newPane(t, false, "delay method=tools/call ms=500", "status method=tools/call code=503 times=1")
	v := view(p)
	for _, want := range []string{"Faults 2 on of 2 · 0 injected", "● on  delay method=tools/call ms=500", "status method=tools/call code=503 times=1", "injected 0"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in\n%s", want, v)
		}
	}
	p.Update(ct.Key("j"))
	a, _ := p.Update(ct.Key("space"))
	tg, ok := a.(Toggle)
	if !ok || tg.Fault != set.Faults()[1] || tg.On {
		t.Fatalf("space on the second fault: %#v", a)
	}
	if !set.Faults()[1].Enabled() {
		t.Fatal("the pane toggled the fault itself; the root is to")
	}
	tg.Fault.SetEnabled(tg.On) // what the root does
	if v := view(p); !strings.Contains(v, "○ off status") || !strings.Contains(v, "Faults 1 on of 2") {
		t.Fatalf("after the toggle:\n%s", v)
	}
	if a, _ := p.Update(ct.Key("enter")); a.(Toggle).On != true {
		t.Fatalf("enter on an off fault: %#v", a)
	}
}

// TestAddValidates: a opens the add dialog; a SPEC the parser refuses
// shows its error and the dialog stays; a good one is added (the root's
// Add) and the dialog closes.
func TestAddValidates(t *testing.T) {
	p, _ := newPane(t, false)
	if v := view(p); !strings.Contains(v, "no faults") {
		t.Fatalf("empty set:\n%s", v)
	}
	a, _ := p.Update(ct.Key("a"))
	open, ok := a.(component.Open)
	if !ok {
		t.Fatalf("a: %#v", a)
	}
	d := open.Dialog.(*AddDialog)
	typeIn(d, "delay ms=fast")
	a, _ = d.Update(ct.Key("enter"))
	if a != nil {
		t.Fatalf("a bad spec was taken: %#v", a)
	}
	if v := ansi.Strip(d.View(100, 30)); !strings.Contains(v, "ms") || !strings.Contains(v, "fast") {
		t.Fatalf("no error shown:\n%s", v)
	}
	for range len("fast") {
		d.Update(ct.Key("backspace"))
	}
	typeIn(d, "250 method=tools/call")
	a, _ = d.Update(ct.Key("enter"))
	b, ok := a.(component.Batch)
	if !ok || len(b) != 2 || b[0] != (component.Close{}) {
		t.Fatalf("a good spec: %#v", a)
	}
	if add := b[1].(Add); add.Spec.String() != "delay method=tools/call ms=250" {
		t.Fatalf("added %q", add.Spec.String())
	}
	if a, _ := NewAddDialog(commontest.New(), false).Update(ct.Key("esc")); a != (component.Close{}) {
		t.Fatalf("esc: %#v", a)
	}
}

// TestAddOverStdio: over stdio the faults that need HTTP are refused, as
// --fault refuses them.
func TestAddOverStdio(t *testing.T) {
	d := NewAddDialog(commontest.New(), true)
	typeIn(d, "drop-stream after=1s")
	if a, _ := d.Update(ct.Key("enter")); a != nil {
		t.Fatalf("an HTTP fault over stdio: %#v", a)
	}
	if v := ansi.Strip(d.View(100, 30)); !strings.Contains(v, "needs HTTP") || strings.Contains(v, "idle-cut after") {
		t.Fatalf("stdio dialog:\n%s", v)
	}
}

func typeIn(d *AddDialog, s string) {
	for _, r := range s {
		if r == ' ' {
			d.Update(ct.Key("space"))
			continue
		}
		d.Update(ct.Key(string(r)))
	}
}

func TestHelpHonesty(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component {
			p, _ := newPane(t, false, "delay ms=1", "duplicate", "corrupt", "reorder")
			p.Update(ct.Key("j"))
			return p
		},
	})
}
