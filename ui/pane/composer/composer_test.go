package composer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

func newOpen(t testing.TB) *Pane {
	t.Helper()
	p := New(commontest.New())
	p.SetSize(80, 24)
	p.SetFocused(true)
	return p
}

func typeText(p *Pane, s string) {
	for _, r := range s {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func press(p *Pane, name string) component.Action {
	a, _ := p.Update(ct.Key(name))
	return a
}

func view(p *Pane) string { return ansi.Strip(p.View(80, 24)) }

func TestCheckMessage(t *testing.T) {
	for _, c := range []struct {
		text, kind, method, id string
		valid                  bool
		note                   string
	}{
		{`{"jsonrpc":"2.0","id":7,"method":"tools/list"}`, KindRequest, "tools/list", "7", true, ""},
		{`{"jsonrpc":"2.0","id":"a","method":"echo","params":{"text":"x"}}`, KindRequest, "echo", `"a"`, true, ""},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, KindNotification, "notifications/initialized", "", true, ""},
		{`{"id":1,"method":"add"}`, KindRequest, "add", "1", true, `no "jsonrpc": "2.0"`},
		{`{"jsonrpc":"1.0","id":1,"method":"x"}`, KindRequest, "x", "1", true, `"jsonrpc" is not "2.0"`},
		{`{"jsonrpc":"2.0","id":true,"method":"x"}`, KindRequest, "x", "true", true, "neither a string nor a number"},
		{`{"jsonrpc":"2.0","id":1,"method":"x","params":3}`, KindRequest, "x", "1", true, "params is neither"},
		{`{"jsonrpc":"2.0","id":4,"result":{}}`, KindResponse, "", "4", true, ""},
		{`{"session_id":"{session}","tool":"add","args":{}}`, KindOther, "", "", true, "{session} becomes the session id"},
		{`[1,2]`, KindOther, "", "", true, "an array"},
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", KindOther, "", "", false, ""},
	} {
		got := CheckMessage(c.text)
		if got.Kind != c.kind || got.Method != c.method || got.ID != c.id || got.Valid != c.valid {
			t.Errorf("%s: %+v", c.text, got)
		}
		if c.note != "" && !strings.Contains(strings.Join(got.Notes, "; "), c.note) {
			t.Errorf("%s: notes %v, want %q", c.text, got.Notes, c.note)
		}
	}
	if c := CheckMessage("{\n  \"a\": 1,\n  \"b\" 2\n}"); !strings.Contains(c.Err, "line 3, column 7") {
		t.Errorf("the error does not say where: %q", c.Err)
	}
	if c := CheckMessage("   "); !c.Empty || c.Valid {
		t.Errorf("empty: %+v", c)
	}
}

// Typing shows the verdict as it goes; an invalid message is not sent;
// a valid one is sent as written and goes into the history.
func TestTypeCheckSend(t *testing.T) {
	p := newOpen(t)
	typeText(p, `{"jsonrpc":"2.0","id":1,"method":"ping"`)
	if p.Check().Valid || !strings.Contains(view(p), "✗ invalid JSON") {
		t.Fatalf("half a message: %+v\n%s", p.Check(), view(p))
	}
	if a, ok := press(p, "ctrl+s").(component.Flash); !ok || !a.Err || !strings.Contains(a.Text, "not sent: invalid JSON") {
		t.Fatalf("an invalid message: %#v", a)
	}
	typeText(p, `}`)
	if !strings.Contains(view(p), "✓ JSON-RPC request ping, id 1: its answer is matched by id") {
		t.Fatalf("verdict:\n%s", view(p))
	}
	a, ok := press(p, "ctrl+s").(Send)
	if !ok || string(a.Message) != `{"jsonrpc":"2.0","id":1,"method":"ping"}` || a.Check.Kind != KindRequest {
		t.Fatalf("send: %#v", a)
	}
	if h := p.History(); len(h) != 1 || h[0] != string(a.Message) {
		t.Fatalf("history %v", h)
	}
	if _, ok := press(p, "esc").(Leave); !ok {
		t.Fatal("esc does not leave")
	}
	p.SetFocused(false)
	if a := press(p, "ctrl+s"); a != nil {
		t.Fatal("a composer without the focus acts on keys")
	}
}

// The history goes back and forth, ending at the draft; templates come
// with fresh ids of the composer's own.
func TestHistoryAndTemplates(t *testing.T) {
	p := newOpen(t)
	p.SetHistory([]string{`{"a":1}`, `{"b":2}`})
	typeText(p, `{"draft":true}`)
	press(p, "alt+up")
	if p.Value() != `{"b":2}` {
		t.Fatalf("alt+up: %q", p.Value())
	}
	press(p, "alt+up")
	press(p, "alt+up")
	if p.Value() != `{"a":1}` {
		t.Fatalf("oldest: %q", p.Value())
	}
	press(p, "alt+down")
	press(p, "alt+down")
	if p.Value() != `{"draft":true}` {
		t.Fatalf("back to the draft: %q", p.Value())
	}
	press(p, "ctrl+t")
	if c := p.Check(); c.Method != "ping" || c.ID != `"c1"` {
		t.Fatalf("first template: %+v %q", c, p.Value())
	}
	press(p, "ctrl+t")
	if c := p.Check(); c.Method != "tools/list" || c.ID != `"c2"` {
		t.Fatalf("second template: %+v", c)
	}
	p.AddTemplates(ToolTemplates("add", json.RawMessage(`{"type":"object","properties":{"a":{"type":"number"},"s":{"type":"string"}},"required":["a","s"]}`)))
	press(p, "ctrl+t")
	var msg struct {
		Params struct {
			Name      string
			Arguments map[string]any
		}
	}
	if json.Unmarshal([]byte(p.Value()), &msg) != nil || msg.Params.Name != "add" || msg.Params.Arguments["a"] != 0.0 || msg.Params.Arguments["s"] != "" {
		t.Fatalf("tool template: %s", p.Value())
	}
	press(p, "ctrl+t")
	if !strings.Contains(p.Value(), `"session_id": "{session}", "tool": "add"`) || p.Check().Kind != KindOther {
		t.Fatalf("event-named template: %s", p.Value())
	}
}

// In a 2026-07-28 session every request template carries the session's
// _meta in its params (the server answers no request without it), and
// stays valid JSON-RPC; what is not a request is left as it is.
func TestTemplatesCarryRequestMeta(t *testing.T) {
	p := newOpen(t)
	meta := json.RawMessage(`{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`)
	p.SetRequestMeta(meta)
	p.AddTemplates(ToolTemplates("add", json.RawMessage(`{"required":["a"],"properties":{"a":{"type":"number"}}}`)))
	for i := range p.templates {
		press(p, "ctrl+t")
		c := p.Check()
		if !c.Valid {
			t.Fatalf("template %d is not valid: %s: %s", i, c.Err, p.Value())
		}
		var msg struct {
			Params map[string]json.RawMessage
		}
		json.Unmarshal([]byte(p.Value()), &msg)
		switch c.Kind {
		case KindRequest:
			if string(msg.Params["_meta"]) != string(meta) {
				t.Fatalf("request template %d has no _meta: %s", i, p.Value())
			}
		default:
			if msg.Params["_meta"] != nil {
				t.Fatalf("template %d (%s) has a _meta: %s", i, c.Kind, p.Value())
			}
		}
	}
	p.SetRequestMeta(nil) // a legacy session: no _meta
	press(p, "ctrl+t")
	if strings.Contains(p.Value(), "_meta") {
		t.Fatalf("legacy template: %s", p.Value())
	}
}

// What came back is shown: the answer (pretty), or the events that
// followed, one line each; and the error.
func TestOutcome(t *testing.T) {
	p := newOpen(t)
	p.SetOutcome(Outcome{Sent: time.Now(), Answer: &mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: "7",
		Raw: json.RawMessage(`{"jsonrpc":"2.0","id":7,"result":{"sum":5}}`)}})
	v := view(p)
	if !strings.Contains(v, "answer (id 7") || !strings.Contains(v, `"sum": 5`) {
		t.Fatalf("answer:\n%s", v)
	}
	p.SetOutcome(Outcome{Sent: time.Now(), Events: []mcp.Event{
		{Dir: mcp.DirIn, Kind: mcp.KindSSE, SSEEvent: "result", Raw: json.RawMessage("{\n \"result\": 5\n}")},
		{Dir: mcp.DirIn, Kind: mcp.KindHTTP, HTTPMethod: "POST", Status: 400, Body: `{"error":"bad"}`},
	}})
	v = view(p)
	if !strings.Contains(v, "2 events followed it") || !strings.Contains(v, `sse:result  {"result":5}`) || !strings.Contains(v, `{"error":"bad"}`) {
		t.Fatalf("events:\n%s", v)
	}
	p.SetOutcome(Outcome{Sent: time.Now(), Err: "timed out"})
	if v = view(p); !strings.Contains(v, "✗ timed out") {
		t.Fatalf("error:\n%s", v)
	}
}

// Every key the composer handles is in its help, and every key there
// does something. The editor's own keys (and what types text) are the
// editor's, as in any text field.
func TestHelpIsHonest(t *testing.T) {
	editor := map[string]bool{}
	ek := New(commontest.New()).EditorKeys()
	for _, b := range []interface{ Keys() []string }{ek.CharacterForward, ek.CharacterBackward, ek.WordForward, ek.WordBackward,
		ek.LineNext, ek.LinePrevious, ek.DeleteWordBackward, ek.DeleteWordForward, ek.DeleteAfterCursor, ek.DeleteBeforeCursor,
		ek.InsertNewline, ek.DeleteCharacterBackward, ek.DeleteCharacterForward, ek.LineStart, ek.LineEnd, ek.PageUp, ek.PageDown,
		ek.Paste, ek.InputBegin, ek.InputEnd, ek.CapitalizeWordForward, ek.LowercaseWordForward, ek.UppercaseWordForward} {
		for _, k := range b.Keys() {
			editor[k] = true
		}
	}
	var ignore []string
	for _, k := range ct.Universe() {
		if editor[k] || len([]rune(k)) == 1 || k == "space" || strings.HasPrefix(k, "shift+") {
			ignore = append(ignore, k) // typed, or the editor's
		}
	}
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component {
			p := newOpen(t)
			p.SetHistory([]string{`{"a":1}`})
			p.Open(`{"b":2}`)
			return p
		},
		func() component.Component {
			p := newOpen(t)
			p.SetHistory([]string{`{"a":1}`})
			p.Open(`{"b" : 2}`)
			press(p, "alt+up") // in the history: alt+down comes back
			return p
		},
	}, ignore...)
}

// BenchmarkKeystroke is one key typed into a draft of the given size and
// the frame drawn after it: the check runs on the whole text every time it
// changes, and the editor wraps what it holds. "lines" is indented JSON (a
// message from the log), "oneline" one long line (a big pasted string).
func BenchmarkKeystroke(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		items := make([]string, n/20)
		for i := range items {
			items[i] = `{"k":"v` + strconv.Itoa(i) + `"}`
		}
		lines, _ := prettyjson.Indent([]byte(`{"jsonrpc":"2.0","id":1,"method":"x","params":{"items":[`+strings.Join(items, ",")+`]}}`), 0)
		oneline := `{"jsonrpc":"2.0","id":1,"method":"x","params":{"text":"` + strings.Repeat("x", n) + `"}}`
		for _, c := range []struct{ name, body string }{{"lines", lines}, {"oneline", oneline}} {
			b.Run(fmt.Sprintf("%s/%dB", c.name, len(c.body)), func(b *testing.B) {
				p := newOpen(b)
				p.Open(c.body)
				k := tea.KeyPressMsg{Code: 'y', Text: "y"}
				b.ReportAllocs()
				for b.Loop() {
					p.Update(k)
					p.View(80, 24)
				}
			})
		}
	}
}
