package rerun

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/fixture"
	"github.com/sonde-mcp/sonde/internal/rectest"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

// finish runs cmd and what the dialog's answers ask for until the run
// ended, as the program would.
func finish(t *testing.T, d component.Dialog, cmd tea.Cmd) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for cmd != nil {
		if time.Now().After(deadline) {
			t.Fatal("the run did not end")
		}
		msg := cmd()
		if msg == nil {
			return
		}
		_, cmd = d.Update(msg)
	}
}

func plain(d component.Dialog, w, h int) string { return ansi.Strip(d.View(w, h)) }

// The target dialog offers the recorded server; enter replaces it with the
// report, whose run against the same server finds every answer the same.
func TestRerunSameServer(t *testing.T) {
	url := rectest.Demo(t)
	path := rectest.Record(t, url, t.TempDir(), "rec.jsonl")
	c := commontest.New()
	target := NewTarget(c, path, url, mcp.Config{Keepalive: -1})
	if v := plain(target, 100, 30); !strings.Contains(v, url) || !strings.Contains(v, "rec.jsonl") {
		t.Fatalf("the target dialog does not offer the recorded server:\n%s", v)
	}
	a, cmd := target.Update(ct.Key("enter"))
	rep, ok := a.(component.Replace)
	if !ok || cmd == nil {
		t.Fatalf("enter: %T %v", a, cmd)
	}
	d := rep.Dialog.(*Dialog)
	if v := plain(d, 100, 30); !strings.Contains(v, "connecting to "+url) {
		t.Fatalf("before the first answer:\n%s", v)
	}
	finish(t, d, cmd)
	v := plain(d, 120, 30)
	if !d.Done() || d.Counts().Changed+d.Counts().Missing+d.Counts().Extra != 0 || d.Counts().Same < 2 || !strings.Contains(v, "all the same") {
		t.Fatalf("counts %+v:\n%s", d.Counts(), v)
	}
	for _, want := range []string{"same     handshake", "#2 tools/list", "tools/call " + demo.ToolEcho} {
		if !strings.Contains(v, want) {
			t.Errorf("the report lacks %q:\n%s", want, v)
		}
	}
}

// Against a server that changed, the report says what differs, and the
// chosen request shows its two answers side by side: the recorded line and
// the live one facing each other on one row.
func TestRerunChangedServerSideBySide(t *testing.T) {
	path := rectest.Record(t, rectest.Demo(t), t.TempDir(), "rec.jsonl")
	changed := rectest.Changed(t)
	c := commontest.New()
	d := New(c, path, mcp.Config{URL: changed, Keepalive: -1})
	finish(t, d, d.Start())
	if n := d.Counts(); n.Changed < 2 || !d.Done() {
		t.Fatalf("counts %+v", n)
	}
	d.Update(ct.Key("d")) // only the differences
	v := plain(d, 140, 40)
	if !strings.Contains(v, "differs:") || !strings.Contains(v, "(only differences)") || strings.Contains(v, "same     #") {
		t.Fatalf("only the differences:\n%s", v)
	}
	// choose the echo call
	for range len(d.shown) {
		if d.items[d.chosen()].Method == "tools/call" {
			break
		}
		d.Update(ct.Key("down"))
	}
	if it := d.items[d.chosen()]; it.Method != "tools/call" {
		t.Fatalf("chosen %s", it.Method)
	}
	v = plain(d, 140, 60)
	if !strings.Contains(v, "recorded") || !strings.Contains(v, "live") {
		t.Fatalf("no side-by-side view:\n%s", v)
	}
	row := ""
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, `"text": "hello"`) && strings.Contains(l, `"text": "HELLO"`) {
			row = l
		}
	}
	if row == "" || !strings.Contains(row, "┃") {
		t.Fatalf("the changed line does not face its recorded one, marked:\n%s", v)
	}
	if !strings.Contains(v, `~ $.content[0].text: "hello" → "HELLO"`) {
		t.Errorf("the change is not listed:\n%s", v)
	}
	// r runs it again from the start
	_, cmd := d.Update(ct.Key("r"))
	if cmd == nil || d.Done() || len(d.items) != 0 {
		t.Fatalf("r: cmd %v, done %v, %d items", cmd != nil, d.Done(), len(d.items))
	}
	finish(t, d, cmd)
	if !d.Done() || d.Counts().Changed < 2 {
		t.Fatalf("again: %+v", d.Counts())
	}
}

// A server that cannot be reached: the report says why, and esc closes it.
func TestRerunUnreachable(t *testing.T) {
	path := rectest.Record(t, rectest.Demo(t), t.TempDir(), "rec.jsonl")
	d := New(commontest.New(), path, mcp.Config{Command: []string{filepath.Join(t.TempDir(), "no-such-server")}, Keepalive: -1})
	finish(t, d, d.Start())
	if v := plain(d, 120, 30); !d.Done() || !strings.Contains(v, "failed: connecting to") {
		t.Fatalf("unreachable:\n%s", v)
	}
	if a, _ := d.Update(ct.Key("esc")); a != (component.Close{}) {
		t.Fatalf("esc: %v", a)
	}
}

// Closing the report stops its run: the run's goroutine ends and its
// channel closes, though the server never answers.
func TestRerunCloseStops(t *testing.T) {
	path := rectest.Record(t, rectest.Demo(t), t.TempDir(), "rec.jsonl")
	// a stdio "server" that reads and never answers
	d := New(commontest.New(), path, mcp.Config{Command: []string{"sh", "-c", "cat >/dev/null"}, Keepalive: -1})
	cmd := d.Start()
	go cmd() // starts the run; its first message never comes
	r := d.run
	d.Update(ct.Key("esc"))
	select {
	case <-r.ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("esc did not stop the run")
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case _, ok := <-r.ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the run's goroutine did not end")
		}
	}
}

func TestSideBySide(t *testing.T) {
	a := []string{"{", `  "a": 1,`, `  "b": 2,`, `  "c": 3`, "}"}
	b := []string{"{", `  "a": 1,`, `  "b": 5,`, `  "c": 3,`, `  "d": 4`, "}"}
	got := sideBySide(a, b)
	want := []row{
		{"{", "{", rowSame},
		{`  "a": 1,`, `  "a": 1,`, rowSame},
		{`  "b": 2,`, `  "b": 5,`, rowChanged},
		{`  "c": 3`, `  "c": 3,`, rowChanged},
		{"", `  "d": 4`, rowRight},
		{"}", "}", rowSame},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// texts too long to match are paired in order
	long := make([]string, 2000)
	for i := range long {
		long[i] = "x"
	}
	if rows := sideBySide(long, append(long[:0:0], long[1:]...)); len(rows) != 2000 || rows[1999].kind != rowLeft {
		t.Errorf("long: %d rows, last %+v", len(rows), rows[len(rows)-1])
	}
}

// reportFixture is a finished report with a handshake, 12 requests (every
// third changed, with an answer longer than the screen) and the cursor in
// the middle.
func reportFixture() component.Component {
	d := New(commontest.New(), "rec.jsonl", mcp.Config{URL: "http://127.0.0.1:1/mcp"})
	d.run = newRun()
	evs := []event{{handshake: &fixture.Item{N: -1, Event: -1, Status: fixture.Same}}}
	long := `{"content":[` + strings.Repeat(`{"type":"text","text":"a line"},`, 40) + `{"type":"text","text":"end"}]}`
	for i := range 12 {
		it := fixture.Item{N: i, Event: i, Method: "tools/call", Subject: "echo", Status: fixture.Same}
		if i%3 == 0 {
			it.Status, it.Recorded, it.Live = fixture.Different, []byte(long), []byte(strings.Replace(long, "end", "END", 1))
			it.Changes = []fixture.Change{{Path: "$.content[40].text", Kind: fixture.Changed, Old: []byte(`"end"`), New: []byte(`"END"`)}}
		}
		evs = append(evs, event{item: &it})
	}
	evs = append(evs, event{done: true, counts: fixture.Counts{Same: 8, Changed: 4}})
	d.Update(progressMsg{run: d.run, events: evs})
	d.SetSize(100, 30)
	d.View(100, 30)
	for range 7 { // the fourth request: changed
		d.Update(ct.Key("down"))
	}
	d.Update(ct.Key("J"))
	return d
}

func TestHelpHonesty(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{reportFixture})
	// the recorded target offered, the cursor at its end or at its start
	atEnd := func() component.Component {
		return NewTarget(commontest.New(), "rec.jsonl", "http://127.0.0.1:1/mcp", mcp.Config{})
	}
	atStart := func() component.Component {
		d := atEnd()
		d.Update(ct.Key("home"))
		return d
	}
	ct.HelpHonesty(t, []ct.Fixture{atEnd, atStart})
}
