package themes

import (
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/internal/jsonhl"
)

func TestBuiltins(t *testing.T) {
	names := Names()
	if len(names) < 4 {
		t.Fatalf("only %d themes", len(names))
	}
	for _, want := range []string{"default", "light", "high-contrast", "dracula", "mono"} {
		if _, ok := Get(want); !ok {
			t.Errorf("no theme %q", want)
		}
	}
	for _, th := range All() {
		for _, p := range []Palette{th.Light, th.Dark} {
			if p.Chroma == "" {
				t.Errorf("%s: no chroma style", th.Name)
			}
			if !th.Mono && !jsonhl.Known(p.Chroma) {
				t.Errorf("%s: the JSON highlighter has no colours for %q", th.Name, p.Chroma)
			}
			if !th.Mono && (p.Fg == nil || p.Accent == nil || p.Err == nil || p.SelBg == nil) {
				t.Errorf("%s: a colour is missing", th.Name)
			}
		}
	}
	if d, _ := Get(""); d.Name != "default" {
		t.Fatal("the empty name is the default theme")
	}
	if _, ok := Get("Dracula"); !ok {
		t.Fatal("names are case-insensitive")
	}
}

func TestResolve(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	if _, err := Resolve("nope"); err == nil || !strings.Contains(err.Error(), "dracula") {
		t.Fatalf("unknown theme error should list the themes: %v", err)
	}
	t.Setenv("NO_COLOR", "1")
	if th, err := Resolve("dracula"); err != nil || th.Name != "mono" {
		t.Fatalf("NO_COLOR should force mono: %v %v", th.Name, err)
	}
}
