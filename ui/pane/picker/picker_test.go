package picker

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

func newPicker(entries ...config.Server) *Pane {
	th, _ := themes.Get("")
	c := &common.Common{Styles: common.NewStyles(th, true), HL: common.NewHighlighter()}
	p := New(c, entries, nil, mcp.Config{})
	p.SetSize(100, 30)
	return p
}

var servers = []config.Server{
	{Name: "one", Source: "saved", Config: mcp.Config{URL: "http://127.0.0.1:1/mcp"}},
	{Name: "two", Source: ".mcp.json", Config: mcp.Config{Command: []string{"two-server"}}},
	{Name: "three", Source: "saved", Config: mcp.Config{URL: "http://127.0.0.1:3/mcp"}},
}

func press(p *Pane, keys ...string) component.Action {
	var a component.Action
	for _, k := range keys {
		a, _ = p.Update(ct.Key(k))
	}
	return a
}

func TestChooseAndType(t *testing.T) {
	p := newPicker(servers...)
	if v := ansi.Strip(p.View(100, 30)); !strings.Contains(v, "▸ one") || !strings.Contains(v, "two-server") {
		t.Fatalf("view:\n%s", v)
	}
	if a, ok := press(p, "j", "enter").(Connect); !ok || a.Server.Name != "two" || a.Save {
		t.Fatalf("enter on two: %#v", a)
	}
	if a := press(p, "q"); a != (Quit{}) {
		t.Fatalf("q: %#v", a)
	}
	// tab to the field: q is text there, esc clears it, esc again leaves
	press(p, "tab")
	for _, r := range "http://127.0.0.1:9/mcq" {
		p.Update(ct.Key(string(r)))
	}
	if !p.Typing() || p.Typed() != "http://127.0.0.1:9/mcq" {
		t.Fatalf("typing %v %q", p.Typing(), p.Typed())
	}
	press(p, "backspace", "p")
	if a, ok := press(p, "enter").(Connect); !ok || a.Server.Config.URL != "http://127.0.0.1:9/mcp" || !a.Save || a.Server.Source != "typed" {
		t.Fatalf("enter on a typed target: %#v", a)
	}
	if a := press(p, "esc"); a != nil || p.Typed() != "" {
		t.Fatalf("esc with text: %#v %q", a, p.Typed())
	}
	if a := press(p, "esc"); a != (Leave{}) {
		t.Fatalf("esc: %#v", a)
	}
}

// A saved server whose URL needs a value sonde did not store puts the URL
// in the field with the cursor where the value goes.
func TestAsksForTheSecret(t *testing.T) {
	p := newPicker(config.Server{Name: "s", Source: "saved", Config: mcp.Config{URL: "http://127.0.0.1:1/mcp?token=${input:tok}&page=2"}, Inputs: map[string]string{"tok": ""}})
	press(p, "tab", "tab")
	a := press(p, "enter")
	if f, ok := a.(component.Flash); !ok || !strings.Contains(f.Text, "type it where the cursor is") || !p.Typing() || p.Typed() != "http://127.0.0.1:1/mcp?token=&page=2" {
		t.Fatalf("%#v typing %v %q", a, p.Typing(), p.Typed())
	}
}

func TestHelpIsHonest(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component { p := newPicker(servers...); press(p, "j"); return p },
	}, "ctrl+c")
}
