package work

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
)

var t0 = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// fakeCall is a call in flight.
type fakeCall struct{ id string }

func (c *fakeCall) Method() string     { return "tools/call" }
func (c *fakeCall) Subject() string    { return "slow" }
func (c *fakeCall) Started() time.Time { return t0 }
func (c *fakeCall) ID() string         { return c.id }

func newPane() *Pane {
	c := commontest.New()
	c.Now = t0.Add(1500 * time.Millisecond)
	keys := DefaultKeyMap()
	p := New(c, session.New(), &keys)
	p.SetSize(80, 20)
	p.SetFacts(Facts{CanAct: true, Live: true})
	return p
}

var echo = &browser.Item{Kind: browser.Tools, Name: "echo", DName: "echo", Desc: "Echoes text.",
	InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string","description":"what to say"}},"required":["text"]}`)}

func view(p *Pane) string {
	w, h := p.Size()
	return p.Title() + "\n" + ansi.Strip(p.View(w, h))
}

// press gives the pane keys and returns the last action.
func press(p *Pane, keys ...string) component.Action {
	var a component.Action
	for _, k := range keys {
		a, _ = p.Update(ct.Key(k))
	}
	return a
}

func typeText(p *Pane, s string) {
	for _, r := range s {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func openForm(t *testing.T, p *Pane, it *browser.Item, initial string) {
	t.Helper()
	var in json.RawMessage
	if initial != "" {
		in = json.RawMessage(initial)
	}
	if a, _, ok := p.OpenForm(it, it.InputSchema, in); !ok {
		t.Fatalf("no form: %v", a)
	}
}

func TestItemDetailAndOpen(t *testing.T) {
	p := newPane()
	if v := view(p); !strings.HasPrefix(v, "Server\n") || !strings.Contains(v, "waiting for events") && !strings.Contains(v, "connecting to") {
		t.Fatalf("before anything:\n%s", v)
	}
	p.Preview(echo, false)
	v := view(p)
	for _, want := range []string{"Tool\n", "Echoes text.", "arguments  (enter: form · i: full schema)", "text* string  what to say"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in:\n%s", want, v)
		}
	}
	if _, ok := press(p, "enter").(OpenItem); !ok {
		t.Fatal("enter on an item does not open it")
	}
}

// The form asks the root for the call with its arguments; invalid ones and
// a destructive tool need a yes first, which comes back as Confirmed.
func TestSubmitAsksForTheCall(t *testing.T) {
	p := newPane()
	openForm(t, p, echo, "")
	if p.Mode() != ModeForm || !strings.HasPrefix(view(p), "Arguments: echo") {
		t.Fatalf("no form:\n%s", view(p))
	}
	open, ok := press(p, "ctrl+r").(component.Open)
	if !ok {
		t.Fatalf("missing text sent without asking")
	}
	if _, ok := open.Dialog.(*dialog.Confirm); !ok {
		t.Fatalf("asks with %T", open.Dialog)
	}
	if a, _ := p.Submit(true, false); a == nil {
		t.Fatal("a confirmed submit asks for nothing")
	}
	typeText(p, "hi")
	send, ok := press(p, "ctrl+r").(Send)
	if !ok || string(send.Args) != `{"text":"hi"}` || send.Item != echo || send.AsTask {
		t.Fatalf("send: %+v", send)
	}
	method, subject, params, _, err := Request(send.Item, send.Args, false, false)
	if b, _ := json.Marshal(params); method != "tools/call" || subject != "echo" || string(b) != `{"arguments":{"text":"hi"},"name":"echo"}` || err != nil {
		t.Fatalf("request %s %s %s %v", method, subject, b, err)
	}

	yes := true
	danger := *echo
	danger.Ann = mcp.ToolAnnotations{DestructiveHint: &yes}
	p = newPane()
	openForm(t, p, &danger, `{"text":"x"}`)
	if _, ok := press(p, "ctrl+r").(component.Open); !ok {
		t.Fatal("a destructive tool is called without asking")
	}
	if a, _ := p.Submit(true, false); a == nil {
		t.Fatal("the yes does not call")
	}
	// a prompt cannot be a task
	prompt := &browser.Item{Kind: browser.Prompts, Name: "p", DName: "p", InputSchema: json.RawMessage(`{"type":"object"}`)}
	p = newPane()
	openForm(t, p, prompt, "")
	if f, ok := press(p, "alt+r").(component.Flash); !ok || !f.Err || !strings.Contains(f.Text, "only tool calls") {
		t.Fatalf("a prompt as a task: %v", f)
	}
}

// esc leaves the form for the browser; the browser's previews take the
// pane, and opening the item again brings the form back as it was.
func TestFormKeptWhileBrowsing(t *testing.T) {
	p := newPane()
	openForm(t, p, echo, "")
	typeText(p, "abc")
	if _, ok := press(p, "esc").(Back); !ok {
		t.Fatal("esc does not leave the form")
	}
	other := &browser.Item{Kind: browser.Tools, Name: "other", DName: "other"}
	p.Preview(other, false)
	if p.Mode() != ModeItem || p.Target() != other {
		t.Fatalf("the preview did not show: %v", p.Mode())
	}
	again := *echo
	openForm(t, p, &again, "")
	if v, _ := p.Form().Value(); string(v) != `{"text":"abc"}` {
		t.Fatalf("the form came back as %s", v)
	}
}

// A call in flight shows how it is going and asks the root to cancel it;
// its result comes next, and esc goes back to the form.
func TestWaitAndResult(t *testing.T) {
	p := newPane()
	openForm(t, p, echo, `{"text":"x"}`)
	c := &fakeCall{id: "7"}
	p.WaitFor(c)
	v := view(p)
	for _, want := range []string{"Calling", "tools/call slow", "elapsed 1.5s  id 7", "x cancels (sends notifications/cancelled)"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in:\n%s", want, v)
		}
	}
	if a, ok := press(p, "x").(Cancel); !ok || a.Call != c {
		t.Fatalf("x: %v", a)
	}
	p.ShowResult(NewResult("tools/call", "echo", json.RawMessage(`{"content":[{"type":"text","text":"HELLO"}]}`), nil, time.Second, nil))
	if v := view(p); !strings.HasPrefix(v, "Result\n") || !strings.Contains(v, "✓ tools/call echo") || !strings.Contains(v, "HELLO") {
		t.Fatalf("result:\n%s", v)
	}
	cp, ok := press(p, "c").(component.Copy)
	if !ok || !strings.Contains(cp.Text, "HELLO") || cp.SaveKey != "s" {
		t.Fatalf("copy: %+v", cp)
	}
	if a, ok := press(p, "esc").(Back); !ok || a.Preview || p.Mode() != ModeForm {
		t.Fatalf("esc: %v, mode %v", a, p.Mode())
	}
}

// A result opened from a link goes back to the one it came from on esc.
func TestLinkHistory(t *testing.T) {
	p := newPane()
	first := NewResult("tools/call", "links", json.RawMessage(`{"content":[{"type":"resource_link","uri":"demo://a","name":"a"}]}`), nil, 0, nil)
	p.ShowResult(first)
	if a, ok := press(p, "o").(OpenLinks); !ok || len(a.Result.Links) != 1 || a.Result.Links[0].URI != "demo://a" {
		t.Fatalf("o: %v", a)
	}
	p.FollowLink()
	p.ShowResult(NewResult("resources/read", "demo://a", json.RawMessage(`{"contents":[{"uri":"demo://a","text":"A"}]}`), nil, 0, nil))
	if a := press(p, "esc"); a != nil || p.Result() != first {
		t.Fatalf("esc did not go back to the first result: %v", a)
	}
	if a, ok := press(p, "esc").(Back); !ok || !a.Preview || p.Mode() != ModeInfo {
		t.Fatalf("esc from the first: %v", a)
	}
}

// Typing a prompt's argument asks for completions after a pause; the
// answer fills the form's suggestions.
func TestCompletions(t *testing.T) {
	p := newPane()
	p.s.Apply(connected(`{"completions":{}}`))
	prompt := &browser.Item{Kind: browser.Prompts, Name: "plan", DName: "plan", InputSchema: json.RawMessage(`{"type":"object","properties":{"country":{"type":"string"},"city":{"type":"string"}}}`)}
	openForm(t, p, prompt, `{"city":"Lyon"}`)
	typeText(p, "f")
	_, cmd := p.Update(ct.Key("r"))
	if cmd == nil {
		t.Fatal("typing schedules nothing")
	}
	a, _ := p.Update(CompleteDue{seq: p.comp.seq})
	req, ok := a.(Complete)
	if !ok {
		t.Fatalf("the pause asks nothing: %v", a)
	}
	b, _ := json.Marshal(req.Params)
	if !strings.Contains(string(b), `"argument":{"name":"country","value":"fr"}`) || !strings.Contains(string(b), `"context":{"arguments":{"city":"Lyon"}}`) {
		t.Fatalf("params %s", b)
	}
	if a, _ := p.Update(CompleteDue{seq: req.Seq - 1}); a != nil {
		t.Fatal("an older debounce asked again")
	}
	p.Update(Completed{Seq: req.Seq, Form: req.Form, Path: req.Path, Values: []string{"France"}})
	if s := p.Form().Suggestions(); len(s) != 1 || s[0] != "France" {
		t.Fatalf("suggestions %v", s)
	}
	for i := range 4 {
		a, _ := p.Update(Completed{Seq: req.Seq, Form: req.Form, Path: req.Path, Err: fmt.Errorf("nope")})
		if f, ok := a.(component.Flash); ok != (i < 3) || ok && !strings.Contains(f.Text, "completion/complete: nope") {
			t.Fatalf("failure %d: %v", i, a)
		}
	}
}

// connected is the state event of a session whose server declares caps.
func connected(caps string) mcp.Event {
	return mcp.Event{Seq: 1, Time: t0, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected,
		Info: &mcp.ConnInfo{Transport: "streamable", Protocol: "2025-11-25", Era: "legacy", Capabilities: json.RawMessage(caps), Server: json.RawMessage(`{"name":"demo","version":"1"}`)}}
}

// Every key the pane handles outside the form is in its help, and every
// key there does something (in a long result with links and pages, one
// scrolled down, on its second page, a call in flight, an item).
func TestHelpIsHonest(t *testing.T) {
	var text strings.Builder
	for i := range 60 {
		fmt.Fprintf(&text, "line %05d\n", i)
	}
	long, _ := json.Marshal(map[string]any{"content": []any{
		map[string]any{"type": "text", "text": text.String()},
		map[string]any{"type": "resource_link", "uri": "demo://a"}, map[string]any{"type": "resource_link", "uri": "demo://b"}}})
	result := func() *Pane {
		p := newPane()
		openForm(t, p, echo, `{"text":"x"}`)
		r := NewResult("tools/call", "echo", long, nil, 0, nil)
		r.URI = "demo://a"
		r.Pages = 2 // as a text of more than a page would have it
		p.ShowResult(r)
		return p
	}
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component { return result() },
		func() component.Component {
			p := result()
			press(p, "pgdown")
			return p
		},
		func() component.Component {
			p := result()
			press(p, "]")
			return p
		},
		func() component.Component { p := newPane(); p.WaitFor(&fakeCall{id: "1"}); return p },
		func() component.Component { p := newPane(); p.ShowItem(echo); return p },
	})
}

// A long result scrolls: a page keeps two rows of the last in sight, the
// end stops at the last row, and a new result starts at its top.
func TestLongResultScrolls(t *testing.T) {
	var text strings.Builder
	for i := range 60 {
		fmt.Fprintf(&text, "line %05d\n", i)
	}
	long, _ := json.Marshal(map[string]any{"content": []any{map[string]any{"type": "text", "text": text.String()}}})
	p := newPane()
	p.ShowResult(NewResult("tools/call", "echo", long, nil, 0, nil))
	top := view(p)
	if !strings.Contains(top, "line 00000") || strings.Contains(top, "100%") {
		t.Fatalf("top:\n%s", top)
	}
	// the last two rows of a page are the first two of the next (the
	// pane is 20 rows: 18 down)
	press(p, "pgdown")
	if rows := strings.Split(view(p), "\n"); !strings.HasPrefix(rows[1], "line 00016") || !strings.HasPrefix(rows[2], "line 00017") {
		t.Fatalf("page down:\n%s", view(p))
	}
	press(p, "G")
	end := view(p)
	if !strings.Contains(end, "100%") || !strings.Contains(end, "line 00059") {
		t.Fatalf("end:\n%s", end)
	}
	press(p, "j")
	if view(p) != end {
		t.Fatal("scrolled past the end")
	}
	p.ShowResult(NewResult("tools/call", "echo", long, nil, 0, nil))
	if view(p) != top {
		t.Fatalf("a new result does not start at its top:\n%s", view(p))
	}
}
