package roots

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

func newDialog(n int) (*Dialog, *Set) {
	th, _ := themes.Get("")
	c := &common.Common{Styles: common.NewStyles(th, true), HL: common.NewHighlighter()}
	set := &Set{Env: Env{Cwd: "/work", Home: "/home/ada"}}
	for _, p := range []string{"/a", "/b", "/c"}[:n] {
		r, _ := set.Env.Make(p, "")
		set.Roots = append(set.Roots, r)
	}
	return New(c, set, false), set
}

func press(d *Dialog, keys ...string) component.Action {
	var a component.Action
	for _, k := range keys {
		a, _ = d.Update(ct.Key(k))
	}
	return a
}

func typeText(d *Dialog, s string) {
	for _, r := range s {
		d.Update(ct.Key(string(r)))
	}
}

func uris(s *Set) string {
	var out []string
	for _, r := range s.Roots {
		out = append(out, r.URI)
	}
	return strings.Join(out, " ")
}

func TestMake(t *testing.T) {
	env := Env{Cwd: "/work", Home: "/home/ada"}
	for typed, want := range map[string]Root{
		"/srv/data":         {URI: "file:///srv/data", Name: "data"},
		"~/src/app":         {URI: "file:///home/ada/src/app", Name: "app"},
		"rel/dir/":          {URI: "file:///work/rel/dir", Name: "dir"},
		"file:///x/y/":      {URI: "file:///x/y/", Name: "y"},
		"https://h.test/p/": {URI: "https://h.test/p/", Name: "p"},
	} {
		if got, err := env.Make(typed, ""); err != nil || got != want {
			t.Errorf("%q → %+v (%v), want %+v", typed, got, err, want)
		}
	}
	if _, err := env.Make("  ", ""); err == nil {
		t.Error("an empty path made a root")
	}
	if _, err := (Env{}).Make("~", ""); err == nil {
		t.Error("~ without a home made a root")
	}
}

func TestEdit(t *testing.T) {
	d, set := newDialog(3)
	// add, with a name
	press(d, "a")
	typeText(d, "~/notes")
	press(d, "tab")
	typeText(d, "n")
	if a := press(d, "enter"); a != (Changed{}) {
		t.Fatalf("save: %#v", a)
	}
	if got := set.Roots[3]; got != (Root{URI: "file:///home/ada/notes", Name: "n"}) {
		t.Fatalf("added %+v", got)
	}
	// a duplicate is refused and says so
	press(d, "a")
	typeText(d, "/a")
	if a := press(d, "enter"); a != nil || d.Err() != "already a root" || len(set.Roots) != 4 {
		t.Fatalf("duplicate: %#v %q %d", a, d.Err(), len(set.Roots))
	}
	if v := ansi.Strip(d.View(100, 30)); !strings.Contains(v, "already a root") {
		t.Fatalf("the error is not shown:\n%s", v)
	}
	press(d, "esc")
	// move the last (selected) up, remove the first
	if a := press(d, "alt+up"); a != (Changed{}) || uris(set) != "file:///a file:///b file:///home/ada/notes file:///c" {
		t.Fatalf("move: %#v %s", a, uris(set))
	}
	if a := press(d, "g", "d"); a != (Changed{}) || uris(set) != "file:///b file:///home/ada/notes file:///c" {
		t.Fatalf("remove: %#v %s", a, uris(set))
	}
	// edit keeps the place
	press(d, "j", "enter")
	for range len("/home/ada/notes") {
		press(d, "backspace")
	}
	typeText(d, "/x")
	press(d, "enter")
	if uris(set) != "file:///b file:///x file:///c" {
		t.Fatalf("edit: %s", uris(set))
	}
	set.Missing = map[string]bool{"file:///x": true}
	if v := ansi.Strip(d.View(100, 30)); !strings.Contains(v, "file:///x  ⚠ not found") || !strings.Contains(v, "Roots 3") {
		t.Fatalf("view:\n%s", v)
	}
	if a := press(d, "q"); a != (component.Close{}) {
		t.Fatalf("q: %#v", a)
	}
}

func TestHelpIsHonest(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component { d, _ := newDialog(3); press(d, "j"); return d },
		func() component.Component { d, _ := newDialog(0); return d },
	})
}
