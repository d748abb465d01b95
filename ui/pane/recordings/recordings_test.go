package recordings

import (
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

func summaries() []store.Summary {
	at := func(d time.Duration) time.Time { return time.Date(2026, 11, 22, 10, 30, 0, 0, time.Local).Add(d) }
	return []store.Summary{
		{Path: "/rec/a.jsonl", Start: at(time.Hour), Target: "http://127.0.0.1:3000/mcp", Server: "weather 2.1.0", Transport: mcp.TransportHTTP, Duration: 95 * time.Second, Events: 1234, Errors: 3, Complete: true},
		{Path: "/rec/b.jsonl", Start: at(15 * time.Minute), Target: "node server.js", Server: "files 0.3.0", Transport: mcp.TransportStdio, Duration: 2500 * time.Millisecond, Events: 40},
		{Path: "/rec/c.jsonl", Start: at(0), Unreadable: "not a sonde recording"},
	}
}

func newPane(t testing.TB) *Pane {
	t.Helper()
	p := New(commontest.New(), "/rec")
	p.SetSize(120, 30)
	p.SetList(summaries(), nil)
	return p
}

func view(p *Pane) string { return ansi.Strip(p.View(120, 30)) }

func press(p *Pane, keys ...string) (a component.Action) {
	for _, k := range keys {
		a, _ = p.Update(ct.Key(k))
	}
	return a
}

func TestDraws(t *testing.T) {
	p := New(commontest.New(), "/rec")
	if v := ansi.Strip(p.View(120, 30)); !strings.Contains(v, "reading the recordings") {
		t.Fatalf("before the list:\n%s", v)
	}
	p.SetList(nil, errors.New("no such directory"))
	if v := ansi.Strip(p.View(120, 30)); !strings.Contains(v, "no such directory") {
		t.Fatalf("an error:\n%s", v)
	}
	p = newPane(t)
	v := view(p)
	for _, want := range []string{"Replay a recorded session  3 in /rec", "▸ 2026-11-22 11:30:00", "weather 2.1.0", "1m35s", "40*", "unreadable: c.jsonl: not a sonde recording", "not closed cleanly"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
}

func TestFilterAndLeave(t *testing.T) {
	p := newPane(t)
	press(p, "f", "l", "s")
	if s := p.Shown(); len(s) != 1 || s[0].Server != "files 0.3.0" || p.Selected().Server != "files 0.3.0" {
		t.Fatalf("fls: %v", s)
	}
	if a := press(p, "esc"); a != nil || p.Filter() != "" || len(p.Shown()) != 3 {
		t.Fatalf("esc clears first: %v %q", a, p.Filter())
	}
	if a := press(p, "esc"); a != (Leave{}) {
		t.Fatalf("esc with nothing typed: %v", a)
	}
}

func TestChoices(t *testing.T) {
	p := newPane(t)
	if a := press(p, "ctrl+r"); a != (Rerun{Path: "/rec/a.jsonl", Target: "http://127.0.0.1:3000/mcp"}) {
		t.Fatalf("ctrl+r: %v", a)
	}
	if a := press(p, "enter"); a != (Replay{Path: "/rec/a.jsonl"}) || !strings.Contains(view(p), "opening a.jsonl…") {
		t.Fatalf("enter: %v\n%s", a, view(p))
	}
	if a := press(p, "ctrl+o"); a != nil {
		t.Fatalf("while opening: %v", a)
	}
	p.Opened()
	if a := press(p, "ctrl+o"); a != (Mock{Path: "/rec/a.jsonl"}) || p.Opening() != "/rec/a.jsonl" {
		t.Fatalf("ctrl+o: %v", a)
	}
	p.Opened()
	if a, ok := press(p, "down", "down", "enter").(component.Flash); !ok || !a.Err || a.Text != "cannot open c.jsonl: not a sonde recording" {
		t.Fatalf("enter on an unreadable file: %v", a)
	}
	if a, ok := press(p, "ctrl+d").(component.Flash); !ok || !a.Err {
		t.Fatalf("ctrl+d with nothing marked: %v", a)
	}
	press(p, "up", "tab")
	if !strings.Contains(view(p), "● 1 marked: ctrl+d diffs it with the one chosen") {
		t.Fatalf("marked:\n%s", view(p))
	}
	if a := press(p, "up", "ctrl+d"); a != (Diff{A: "/rec/b.jsonl", B: "/rec/a.jsonl"}) {
		t.Fatalf("ctrl+d: %v", a)
	}
	p.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if p.Selected().Path != "/rec/b.jsonl" {
		t.Fatalf("wheel: %s", p.Selected().Path)
	}
}

// typing is the keys a text field takes (the filter's: printable keys,
// ctrl+v): they act without being in the help.
func typing() []string {
	var out []string
	for _, k := range ct.Universe() {
		ti := textinput.New()
		ti.Focus()
		before := ti.View()
		var cmd tea.Cmd
		if ti, cmd = ti.Update(ct.Key(k)); ti.View() != before || cmd != nil { // (ctrl+v: a paste)
			out = append(out, k)
		}
	}
	return out
}

func TestHelpHonesty(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component { p := newPane(t); press(p, "down"); return p },
	}, typing()...)
}
