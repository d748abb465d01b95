package saveas

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

var item = Item{Label: "whole result (JSON)", Ext: "json", Data: []byte(`{"token":"abc"}`)}

func view(d *Dialog) string { return ansi.Strip(d.View(100, 30)) }

// typeName replaces the prefilled name with name.
func typeName(d *Dialog, name string) {
	for range 300 {
		d.Update(ct.Key("backspace"))
	}
	for _, r := range name {
		d.Update(ct.Key(string(r)))
	}
}

// save presses enter and hands the write's outcome back, as the root does.
func save(t *testing.T, d *Dialog) component.Action {
	t.Helper()
	a, cmd := d.Update(ct.Key("enter"))
	if a != nil || cmd == nil {
		t.Fatalf("enter: %#v, no write", a)
	}
	if v := view(d); !strings.Contains(v, "writing…") {
		t.Fatalf("while writing:\n%s", v)
	}
	if a, again := d.Update(ct.Key("enter")); a != nil || again != nil {
		t.Fatal("enter while writing should not write again")
	}
	msg, ok := cmd().(Saved)
	if !ok || msg.For() != d {
		t.Fatalf("the write answered %#v", msg)
	}
	a, _ = d.Update(msg)
	return a
}

func TestSavesToANewFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SONDE_SAVE_DIR", dir)
	d := New(commontest.New(), item, "echo")
	v := view(d)
	if !strings.Contains(v, "Save to a file") || !strings.Contains(v, "whole result (JSON) · 15 bytes") ||
		!strings.Contains(v, "file "+filepath.Join(dir, "sonde-echo-")) || !strings.Contains(v, "enter save · esc cancel") {
		t.Fatalf("prefilled prompt:\n%s", v)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("wrote before asking: %v", entries)
	}
	want := filepath.Join(dir, "mine.json")
	typeName(d, want)
	a := save(t, d)
	if b, err := os.ReadFile(want); err != nil || string(b) != `{"token":"abc"}` {
		t.Fatalf("saved %q, %v", b, err)
	}
	if fi, _ := os.Stat(want); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if b, ok := a.(component.Batch); !ok || len(b) != 2 || b[0] != (component.Close{}) || b[1] != (component.Flash{Text: "saved 15 bytes to " + want}) {
		t.Fatalf("after saving: %#v", a)
	}
	// never over a file that exists: the prompt stays, to choose another
	// name; typing clears the error
	d = New(commontest.New(), item, "echo")
	typeName(d, want)
	if a := save(t, d); a != nil {
		t.Fatalf("an existing file: %#v", a)
	}
	if v := view(d); !strings.Contains(v, want+" exists: choose another name") {
		t.Fatalf("an existing file:\n%s", v)
	}
	d.Update(ct.Key("x"))
	if v := view(d); strings.Contains(v, "exists") {
		t.Fatalf("typing should clear the error:\n%s", v)
	}
	if a, _ := d.Update(ct.Key("esc")); a != (component.Close{}) {
		t.Fatalf("esc: %#v", a)
	}
}

func TestNamesAndHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	d := New(commontest.New(), item, "x")
	typeName(d, "~/a.json")
	save(t, d)
	if _, err := os.Stat(filepath.Join(home, "a.json")); err != nil {
		t.Fatalf("~ should be the home directory: %v", err)
	}
	d = New(commontest.New(), item, "x")
	typeName(d, "  ")
	save(t, d)
	if v := view(d); !strings.Contains(v, "type a file name") {
		t.Fatalf("an empty name:\n%s", v)
	}
	at := time.Date(2026, 11, 22, 10, 30, 5, 0, time.UTC)
	for subject, want := range map[string]string{
		"echo":              "sonde-echo-20261122-103005.json",
		"":                  "sonde-result-20261122-103005.json",
		"../../etc/passwd":  "sonde-etc_passwd-20261122-103005.json",
		"weather by city ☂": "sonde-weather_by_city-20261122-103005.json",
	} {
		if got := DefaultName(subject, "json", at); got != want {
			t.Errorf("DefaultName(%q) = %q, want %q", subject, got, want)
		}
	}
}

// A write answered to another prompt is not this one's.
func TestSavedForAnother(t *testing.T) {
	t.Setenv("SONDE_SAVE_DIR", t.TempDir())
	a, b := New(commontest.New(), item, "a"), New(commontest.New(), item, "b")
	_, cmd := a.Update(ct.Key("enter"))
	if got, _ := b.Update(cmd()); got != nil {
		t.Fatalf("b took a's write: %#v", got)
	}
}

// editingKeys are the keys the file name's field acts on by itself (it
// types and edits): not the dialog's bindings, so not in its help.
func editingKeys() []string {
	var out []string
	for _, k := range ct.Universe() {
		ti := textinput.New()
		ti.SetValue("/tmp/sonde-x.json")
		ti.SetCursor(5)
		ti.Focus()
		before := ti.View()
		ti, cmd := ti.Update(ct.Key(k))
		if cmd != nil || ti.View() != before {
			out = append(out, k)
		}
	}
	return out
}

func TestHelpIsHonest(t *testing.T) {
	t.Setenv("SONDE_SAVE_DIR", t.TempDir())
	c := commontest.New()
	editing := editingKeys()
	if slices.Contains(editing, "enter") || slices.Contains(editing, "esc") || !slices.Contains(editing, "a") {
		t.Fatalf("editing keys %v", editing)
	}
	ct.HelpHonesty(t, []ct.Fixture{func() component.Component {
		d := New(c, item, "x")
		// A fixed name: the default one holds the time to the second,
		// and a second passing between two fixtures made every key
		// look as if it did something (seen in CI).
		d.input.SetValue("/tmp/sonde-x.json")
		d.Update(ct.Key("left"))
		return d
	}}, editing...)
	// opening it starts the cursor's blink
	if New(c, item, "x").Init() == nil {
		t.Fatal("no blink")
	}
}
