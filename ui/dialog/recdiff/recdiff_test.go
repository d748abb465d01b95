package recdiff

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/fixture"
	"github.com/sonde-mcp/sonde/internal/rectest"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

// Two recordings of servers that differ: the dialog reads both (in its
// command), lists the differences with the breaking ones called out, and
// c copies the report as Markdown.
func TestDiffTwoRecordings(t *testing.T) {
	dir := t.TempDir()
	a := rectest.Record(t, rectest.Demo(t), dir, "before.jsonl")
	b := rectest.Record(t, rectest.Changed(t), dir, "after.jsonl")
	d := New(commontest.New(), a, b)
	if v := ansi.Strip(d.View(120, 40)); !strings.Contains(v, "reading both recordings") || !strings.Contains(v, "Diff before.jsonl → after.jsonl") {
		t.Fatalf("before reading:\n%s", v)
	}
	if act, _ := d.Update(ct.Key("c")); act != nil {
		t.Fatalf("c before the diff is read: %v", act)
	}
	d.Update(d.Start()())
	if d.Diff() == nil || d.Diff().Same() || d.Diff().Breaking == 0 {
		t.Fatalf("diff: %+v", d.Diff())
	}
	v := ansi.Strip(d.View(160, 60))
	for _, want := range []string{"differences,", "breaking", "- tools", "BREAKING", "~ server"} {
		if !strings.Contains(v, want) {
			t.Errorf("the report lacks %q:\n%s", want, v)
		}
	}
	act, _ := d.Update(ct.Key("c"))
	cp, ok := act.(component.Copy)
	if !ok || !strings.HasPrefix(cp.Text, "### sonde diff") || !strings.Contains(cp.Text, "**breaking**") {
		t.Fatalf("c: %#v", act)
	}
	if act, _ := d.Update(ct.Key("esc")); act != (component.Close{}) {
		t.Fatalf("esc: %v", act)
	}
}

// The same recording on both sides is the same; a file that is not a
// recording says so.
func TestDiffSameAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	a := rectest.Record(t, rectest.Demo(t), dir, "a.jsonl")
	d := New(commontest.New(), a, a)
	d.Update(d.Start()())
	if v := ansi.Strip(d.View(120, 30)); !strings.Contains(v, "the same") {
		t.Fatalf("same:\n%s", v)
	}
	d = New(commontest.New(), a, dir+"/missing.jsonl")
	d.Update(d.Start()())
	if v := ansi.Strip(d.View(120, 30)); !strings.Contains(v, "missing.jsonl") || d.Diff() != nil || d.err == "" {
		t.Fatalf("unreadable:\n%s", v)
	}
}

// A server's text in a finding reaches the screen made safe.
func TestDiffIsTerminalSafe(t *testing.T) {
	d := New(commontest.New(), "a.jsonl", "b.jsonl")
	d.Update(loadedMsg{d: d, diff: &fixture.ServerDiff{Findings: []fixture.Finding{
		{Area: "tools", Name: "evil\x1b]52;c;aGk=\x07", Kind: fixture.Removed, Breaking: true},
	}}})
	if v := d.View(120, 30); strings.Contains(v, "\x1b]52") || strings.Contains(v, "\x07") {
		t.Fatalf("raw escape on screen: %q", v)
	}
}

// helpFixture is a diff of 60 findings scrolled to the middle.
func helpFixture() component.Component {
	d := New(commontest.New(), "a.jsonl", "b.jsonl")
	var fs []fixture.Finding
	for i := range 60 {
		fs = append(fs, fixture.Finding{Area: "tools", Name: fmt.Sprint("t", i), Kind: fixture.Added, New: json.RawMessage(`{}`)})
	}
	d.Update(loadedMsg{d: d, diff: &fixture.ServerDiff{Findings: fs}, md: "### sonde diff"})
	d.View(100, 30)
	for range 20 {
		d.Update(ct.Key("down"))
	}
	return d
}

func TestHelpHonesty(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{helpFixture})
}
