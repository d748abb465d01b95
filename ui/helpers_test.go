package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
)

// t0 is the fixed clock of every test.
var t0 = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// fixtureTools is a tools/list result like the demo's, small enough to
// read in a snapshot.
const fixtureTools = `{"tools":[
 {"name":"create_booking","title":"Create a booking","description":"Book hotel rooms (nothing is really booked).",
  "inputSchema":{"type":"object","properties":{"guest":{"type":"object","properties":{"name":{"type":"string","minLength":1},"email":{"type":"string","format":"email"}},"required":["name","email"]},"nights":{"type":"integer","minimum":1,"maximum":30,"default":2},"rooms":{"type":"array","minItems":1,"items":{"type":"object","properties":{"kind":{"type":"string","enum":["single","double","suite"],"default":"double"}},"required":["kind"]}},"payment":{"oneOf":[{"title":"Card","type":"object","properties":{"method":{"const":"card"},"last4":{"type":"string","pattern":"^[0-9]{4}$"}},"required":["method","last4"]},{"title":"Invoice","type":"object","properties":{"method":{"const":"invoice"},"company":{"type":"string"}},"required":["method","company"]}]}},"required":["guest","rooms"]},
  "annotations":{"openWorldHint":true}},
 {"name":"delete_records","title":"Delete records","description":"Deletes nothing, but says it would.","inputSchema":{"type":"object","properties":{"table":{"type":"string","enum":["users","orders"]}},"required":["table"]},"annotations":{"destructiveHint":true,"idempotentHint":true}},
 {"name":"echo","title":"Echo","description":"Echo text back.","inputSchema":{"type":"object","properties":{"text":{"type":"string","minLength":1}},"required":["text"]},"annotations":{"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}},
 {"name":"get_weather","title":"Weather report","description":"Structured weather.","inputSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
  "outputSchema":{"type":"object","properties":{"city":{"type":"string"},"temperature":{"type":"number"}},"required":["city","temperature"]},"annotations":{"readOnlyHint":true}}
]}`

const fixtureResources = `{"resources":[{"uri":"demo://readme.md","name":"readme","title":"Read me","mimeType":"text/markdown"},{"uri":"demo://images/logo.png","name":"logo","mimeType":"image/png","size":2048}]}`
const fixtureTemplates = `{"resourceTemplates":[{"uriTemplate":"demo://weather/{city}","name":"weather","title":"Weather by city"}]}`
const fixturePrompts = `{"prompts":[{"name":"summarize","title":"Summarize","description":"Summarize a text.","arguments":[{"name":"text","required":true},{"name":"style","description":"short or long"}]}]}`

// fx builds events with increasing times and sequence numbers.
type fx struct {
	seq uint64
	at  time.Time
	evs []mcp.Event
}

func (f *fx) add(e mcp.Event) *fx {
	f.seq++
	f.at = f.at.Add(7 * time.Millisecond)
	e.Seq, e.Time = f.seq, f.at
	f.evs = append(f.evs, e)
	return f
}

func (f *fx) req(id int, method, params string) *fx {
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q`, id, method)
	if params != "" {
		raw += `,"params":` + params
	}
	raw += "}"
	return f.add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCRequest, Method: method, ID: fmt.Sprint(id), Raw: json.RawMessage(raw),
		HTTPMethod: "POST", URL: "http://127.0.0.1:8080/mcp",
		Header: map[string][]string{"Accept": {"application/json, text/event-stream"}, "Content-Type": {"application/json"}, "Mcp-Session-Id": {"S3SSION"}, "Mcp-Protocol-Version": {"2025-11-25"}, "Authorization": {"Bearer " + mcp.Redacted}}})
}

func (f *fx) resp(id int, method, result string) *fx {
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%s}`, id, result)
	return f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCResponse, ID: fmt.Sprint(id), ReqMethod: method, Latency: 3200 * time.Microsecond, Raw: json.RawMessage(raw)})
}

func (f *fx) note(method, params string) *fx {
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","method":%q,"params":%s}`, method, params)
	return f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "GET", RPC: mcp.RPCNotification, Method: method, Raw: json.RawMessage(raw)})
}

// demoSession is a typical connected session: handshake, lists, a keepalive,
// a log message and a tool call.
func demoSession() *fx {
	f := &fx{at: t0}
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "http://127.0.0.1:8080/mcp"})
	f.req(1, "initialize", `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"sonde","version":"0.1.0"}}`)
	f.resp(1, "initialize", `{"protocolVersion":"2025-11-25","capabilities":{"tools":{"listChanged":true},"resources":{},"prompts":{},"logging":{}},"serverInfo":{"name":"sonde-demo","title":"Sonde Demo Server","version":"1.0.0"},"instructions":"Try create_booking."}`)
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{Transport: mcp.TransportHTTP, Protocol: "2025-11-25", Era: "legacy", SessionID: "S3SSIONID42",
		Server:       json.RawMessage(`{"name":"sonde-demo","title":"Sonde Demo Server","version":"1.0.0"}`),
		Capabilities: json.RawMessage(`{"tools":{"listChanged":true},"resources":{},"prompts":{},"logging":{}}`), Instructions: "Try create_booking.", Reason: "POST initialize was answered: Streamable HTTP"}})
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindComment, Stream: "GET", Text: "ping"})
	f.req(2, "tools/list", "")
	f.resp(2, "tools/list", fixtureTools)
	f.req(3, "resources/list", "")
	f.resp(3, "resources/list", fixtureResources)
	f.req(4, "resources/templates/list", "")
	f.resp(4, "resources/templates/list", fixtureTemplates)
	f.req(5, "prompts/list", "")
	f.resp(5, "prompts/list", fixturePrompts)
	f.note("notifications/message", `{"level":"info","logger":"demo","data":"hello from the server"}`)
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindSSE, Stream: "GET", SSEEvent: "keepalive"})
	f.req(6, "tools/call", `{"name":"echo","arguments":{"text":"hi"}}`)
	f.resp(6, "tools/call", `{"content":[{"type":"text","text":"hi"}]}`)
	f.req(7, "ping", "")
	f.resp(7, "ping", `{}`)
	return f
}

// fakeBackend answers calls from a table and records them.
type fakeBackend struct {
	calls   []string
	params  []json.RawMessage
	answers map[string]json.RawMessage
	errs    map[string]error
	block   chan struct{} // if set, Call waits for it (or ctx)
	notes   []string      // notifications sent
}

func (b *fakeBackend) Call(ctx context.Context, method string, params any, _ ...mcp.CallOption) (json.RawMessage, error) {
	raw, _ := json.Marshal(params)
	b.calls = append(b.calls, method)
	b.params = append(b.params, raw)
	if b.block != nil {
		select {
		case <-b.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := b.errs[method]; err != nil {
		return nil, err
	}
	if a, ok := b.answers[method]; ok {
		return a, nil
	}
	return json.RawMessage(`{}`), nil
}

func (b *fakeBackend) Notify(_ context.Context, method string, _ any) error {
	b.notes = append(b.notes, method)
	return nil
}
func (b *fakeBackend) Close() error { return nil }

// newTestModel is a model of size w×h showing the session fixture, with
// no ticking and no listening (tests run commands themselves).
func newTestModel(t testing.TB, w, h int, theme string) *Model {
	t.Helper()
	m := New(context.Background(), Options{Theme: theme}, nil)
	m.ticking = true
	m.env.consentGuard = 0
	m.env.clip = (&fakeClipboard{}).env() // no clipboard programs: OSC 52
	m.look.com.Now = t0
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(eventsMsg(demoSession().evs))
	m.look.com.Now = t0.Add(2 * time.Second)
	return m
}

// upd is Update, which holds the state's lock (a live feed applies events
// meanwhile), returning its command.
func upd(m *Model, msg tea.Msg) tea.Cmd {
	_, cmd := m.Update(msg)
	return cmd
}

// press sends keys: names like "enter", "ctrl+r", "tab", or text.
func press(m *Model, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		last = upd(m, keyMsg(k))
	}
	return last
}

func keyMsg(k string) tea.KeyPressMsg {
	named := map[string]rune{"enter": tea.KeyEnter, "tab": tea.KeyTab, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "backspace": tea.KeyBackspace, "space": tea.KeySpace, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "home": tea.KeyHome, "end": tea.KeyEnd}
	if strings.HasPrefix(k, "shift+") {
		return tea.KeyPressMsg{Code: named[k[6:]], Mod: tea.ModShift}
	}
	if strings.HasPrefix(k, "ctrl+") {
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
	}
	if r, ok := named[k]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText sends each rune as a key press.
func typeText(m *Model, s string) {
	for _, r := range s {
		upd(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// run executes a command and feeds its messages back, recursively, up to
// a depth; it returns the messages seen.
func run(m *Model, cmd tea.Cmd) []tea.Msg {
	var seen []tea.Msg
	var do func(tea.Cmd, int)
	do = func(c tea.Cmd, depth int) {
		if c == nil || depth > 8 {
			return
		}
		msg := c()
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			for _, cc := range msg {
				do(cc, depth+1)
			}
		default:
			seen = append(seen, msg)
			if !isTeaInternal(msg) {
				do(upd(m, msg), depth+1)
			}
		}
	}
	do(cmd, 0)
	return seen
}

// module is sonde's module path.
var module = strings.TrimSuffix(reflect.TypeFor[Model]().PkgPath(), "/ui")

// isTeaInternal reports a message of Bubble Tea's own (clipboard, window
// title...) rather than one of sonde's (this package's, or a component's
// answer to its own command).
func isTeaInternal(msg tea.Msg) bool {
	if _, ok := msg.(tickMsg); ok {
		return true // the clock would tick forever
	}
	t := reflect.TypeOf(msg)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return !strings.HasPrefix(t.PkgPath()+"/", module+"/")
}

// plain is the rendered screen without any escape sequences (drawn with
// the state's lock, as View does).
func plain(m *Model) string { return ansi.Strip(screen(m)) }

// screen is the rendered screen, drawn with the state's lock as View does.
func screen(m *Model) string {
	defer m.conn.lockState()()
	return m.Render()
}
