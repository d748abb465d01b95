package eventlog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

var t0 = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// session is n tool calls, each a request and its answer, with a
// keepalive comment after each.
func session(n int) []mcp.Event {
	var evs []mcp.Event
	add := func(e mcp.Event) {
		e.Seq, e.Time = uint64(len(evs)+1), t0.Add(time.Duration(len(evs))*time.Millisecond)
		evs = append(evs, e)
	}
	for i := range n {
		add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: "tools/call", ID: fmt.Sprint(i + 1),
			Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"t%d"}}`, i+1, i))})
		add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: fmt.Sprint(i + 1), ReqMethod: "tools/call",
			Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{"content":[]}}`, i+1))})
		add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindComment, Text: "keepalive"})
	}
	return evs
}

func newPane(n int) *Pane {
	p := New(commontest.New(), 0)
	p.SetSize(100, 10)
	p.SetFocused(true)
	p.Append(session(n))
	return p
}

func screen(p *Pane) string { return ansi.Strip(p.View(100, 10)) }

func press(p *Pane, keys ...string) component.Action {
	var a component.Action
	for _, k := range keys {
		a, _ = p.Update(ct.Key(k))
	}
	return a
}

// The log follows the newest event until the user moves up, and says so
// in its title; f follows again.
func TestFollows(t *testing.T) {
	p := newPane(10)
	if p.Title() != "Log 30 · follow" || p.Selected() != p.Last() {
		t.Fatalf("title %q", p.Title())
	}
	if v := screen(p); !strings.Contains(v, "#10") || strings.Contains(v, "t0") {
		t.Fatalf("the newest rows:\n%s", v)
	}
	press(p, "k")
	was := p.Selected()
	p.Append(session(1))
	if p.Following() || p.Selected() != was {
		t.Fatal("a new event moved the cursor while not following")
	}
	if a := press(p, "f"); a != (component.Flash{Text: "follow on"}) || p.Selected() != p.Last() {
		t.Fatalf("f: %v", a)
	}
	press(p, "g")
	if v := screen(p); !strings.Contains(v, "t0") {
		t.Fatalf("g: the oldest rows:\n%s", v)
	}
}

// The filter is typed in its field and applied as it is typed; enter
// keeps it, esc clears it.
func TestFilter(t *testing.T) {
	p := newPane(10)
	if _, cmd := p.Update(ct.Key("/")); !p.Filtering() || cmd == nil {
		t.Fatal("/ should focus the filter field")
	}
	for _, r := range "id:3" {
		p.Update(ct.Key(string(r)))
	}
	if p.Shown() != 2 || p.Title() != "Log 2/30 · follow" {
		t.Fatalf("id:3: %d shown, title %q", p.Shown(), p.Title())
	}
	press(p, "enter")
	if p.Filtering() || !strings.Contains(screen(p), "filter: id:3") {
		t.Fatalf("enter keeps the filter:\n%s", screen(p))
	}
	press(p, "/", "space", "n", "o", "p", "e", ":", "x")
	if a := press(p, "enter"); a == nil || !strings.Contains(a.(component.Flash).Text, "unknown key nope:") {
		t.Fatalf("an unknown key is named: %#v", a)
	}
	press(p, "esc")
	if p.Shown() != 30 || p.Filter() != "" {
		t.Fatalf("esc: %d shown, filter %q", p.Shown(), p.Filter())
	}
	p.ToggleKeepalive()
	if p.Shown() != 20 || !strings.HasSuffix(p.Title(), "keepalives hidden") {
		t.Fatalf("keepalives hidden: %d shown, title %q", p.Shown(), p.Title())
	}
}

// The keys on the selected event ask the root for what it does: detail,
// copy, save, show as result, resend, cancel; % jumps to the answer.
func TestActions(t *testing.T) {
	p := newPane(3)
	press(p, "g")
	en := p.Selected()
	for k, want := range map[string]component.Action{
		"enter": Detail{en}, "c": Copy{en}, "s": Save{en}, "v": ShowResult{en}, "e": Resend{en}, "x": Cancel{"1"}, "K": ToggleKeepalive{},
	} {
		if a := press(p, k); a != want {
			t.Errorf("%s: %#v, want %#v", k, a, want)
		}
	}
	if a := press(p, "%"); a != nil || p.Selected().Ev.RPC != mcp.RPCResponse || p.Selected().Ev.ID != "1" {
		t.Fatalf("%%: %v, selected %+v", a, p.Selected().Ev)
	}
	press(p, "j")
	if a := press(p, "%"); a != (component.Flash{Text: "not a request or an answer", Err: true}) {
		t.Fatalf("%% on a comment: %#v", a)
	}
	p.DisableLive()
	if a := press(p, "e"); a != nil {
		t.Fatalf("e in a replay: %#v", a)
	}
}

// A click selects a row; a second click on it, in the focused pane, opens
// it. The wheel moves three rows.
func TestMouse(t *testing.T) {
	p := newPane(10)
	screen(p)
	click := func(y int) component.Action {
		a, _ := p.Update(tea.MouseClickMsg{X: 3, Y: y, Button: tea.MouseLeft})
		return a
	}
	if a := click(2); a != nil || p.Following() {
		t.Fatalf("click: %v", a)
	}
	en := p.Selected()
	if a := click(2); a != (Detail{en}) {
		t.Fatalf("a second click: %#v", a)
	}
	p.Update(tea.MouseWheelMsg{X: 3, Y: 3, Button: tea.MouseWheelDown})
	if p.Selected() == en || p.Selected() != p.entries[len(p.entries)-10+2+3] {
		t.Fatal("the wheel should move three rows down")
	}
}

// Every key in the help acts, and no other key does.
func TestHelpHonesty(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component { p := newPane(10); press(p, "k", "k", "k", "k"); return p },
		func() component.Component { p := newPane(10); p.SetFilter("tools/call"); return p },
	})
}
