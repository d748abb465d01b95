package ui

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

func TestEventsBuildBrowsersAndHeader(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	if got := len(m.panes.br.Items(listTools)); got != 4 {
		t.Fatalf("tools = %d, want 4", got)
	}
	if len(m.panes.br.Items(listResources)) != 2 || len(m.panes.br.Items(listTemplates)) != 1 || len(m.panes.br.Items(listPrompts)) != 1 {
		t.Fatalf("lists: %d %d %d", len(m.panes.br.Items(listResources)), len(m.panes.br.Items(listTemplates)), len(m.panes.br.Items(listPrompts)))
	}
	if m.s.Conn.State != mcp.StateConnected || serverOf(m.s).name != "sonde-demo" {
		t.Fatalf("state %q server %+v", m.s.Conn.State, serverOf(m.s))
	}
	if m.s.Conn.KeepaliveIn != 2 || m.s.Conn.KeepaliveOut != 1 || m.s.Conn.PingRTT == 0 {
		t.Fatalf("keepalives in %d out %d rtt %v", m.s.Conn.KeepaliveIn, m.s.Conn.KeepaliveOut, m.s.Conn.PingRTT)
	}
	if len(m.s.Requests) != 0 {
		t.Fatalf("flights left: %v", m.s.Requests)
	}
	s := plain(m)
	for _, want := range []string{"● connected", "sonde-demo 1.0.0", "http 2025-11-25", "keepalive ↓2 ↑1", "ping 3.2ms", "create_booking", fmt.Sprintf("Log %d", len(demoSession().evs))} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
}

func TestListPagesAppend(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	f := &fx{at: t0.Add(time.Minute), seq: 100}
	f.req(50, "tools/list", "")
	f.resp(50, "tools/list", `{"tools":[{"name":"a"}],"nextCursor":"c1"}`)
	f.req(51, "tools/list", `{"cursor":"c1"}`)
	f.resp(51, "tools/list", `{"tools":[{"name":"b"}]}`)
	m.update(eventsMsg(f.evs))
	var names []string
	for _, it := range m.panes.br.Items(listTools) {
		names = append(names, it.Name)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Fatalf("tools after two pages = %v", names)
	}
}

func TestFocusCycleAndKeysToTextFieldsFirst(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	if m.screen.focus != paneBrowser {
		t.Fatal("browser should start focused")
	}
	press(m, "tab")
	if m.screen.focus != paneWork {
		t.Fatalf("focus %d after tab", m.screen.focus)
	}
	press(m, "tab")
	if m.screen.focus != paneLog {
		t.Fatalf("focus %d after 2 tabs", m.screen.focus)
	}
	press(m, "shift+tab", "shift+tab")
	if m.screen.focus != paneBrowser {
		t.Fatalf("focus %d after shift+tab twice", m.screen.focus)
	}
	// "/" opens the fuzzy filter; then "q" is text, not quit.
	press(m, "/")
	typeText(m, "qz")
	if m.quitting || m.panes.br.Filter() != "qz" {
		t.Fatalf("q went to the global quit (filter %q)", m.panes.br.Filter())
	}
	press(m, "esc")
	if m.panes.br.Filter() != "" || m.panes.br.Typing() {
		t.Fatal("esc should clear and leave the filter")
	}
	if cmd := press(m, "q"); cmd == nil || !m.quitting {
		t.Fatal("q should quit when no text field has focus")
	}
}

func TestFuzzyFilterAndTabs(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	press(m, "/")
	typeText(m, "wthr")
	if shown := m.panes.br.Shown(); len(shown) != 1 || shown[0].Name != "get_weather" {
		t.Fatalf("fuzzy wthr: %v", shown)
	}
	press(m, "down") // leaves the field, moves the cursor
	if m.panes.br.Typing() {
		t.Fatal("down should leave the filter field")
	}
	if m.panes.work.Mode() != work.ModeItem || m.panes.work.Target().Name != "get_weather" {
		t.Fatalf("work pane shows %v", m.panes.work.Mode())
	}
	press(m, "esc", "2")
	if m.panes.br.Tab() != listResources || m.panes.br.Selected().URI != "demo://readme.md" {
		t.Fatalf("tab 2: %v", m.panes.br.Tab())
	}
	press(m, "right")
	if m.panes.br.Tab() != listTemplates {
		t.Fatal("right should go to templates")
	}
}

func TestFormIntegrationCallsTool(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	be := &fakeBackend{answers: map[string]json.RawMessage{"tools/call": json.RawMessage(`{"content":[{"type":"text","text":"HELLO"}]}`)}}
	m.conn.sess = be
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	if m.panes.work.Mode() != work.ModeForm || m.screen.focus != paneWork {
		t.Fatalf("enter should open the form (mode %d focus %d)", m.panes.work.Mode(), m.screen.focus)
	}
	typeText(m, "hello q") // q is text here
	if m.quitting {
		t.Fatal("q quit from inside a form")
	}
	cmd := press(m, "ctrl+r")
	if m.panes.work.Mode() != work.ModeWait {
		t.Fatalf("ctrl+r should send (mode %d, flash %q)", m.panes.work.Mode(), m.flash.text)
	}
	run(m, cmd)
	if len(be.calls) != 1 || be.calls[0] != "tools/call" {
		t.Fatalf("calls %v", be.calls)
	}
	var p struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	json.Unmarshal(be.params[0], &p)
	if p.Name != "echo" || string(p.Arguments) != `{"text":"hello q"}` {
		t.Fatalf("params %s", be.params[0])
	}
	if m.panes.work.Mode() != work.ModeResult || !strings.Contains(plain(m), "HELLO") {
		t.Fatalf("result not shown:\n%s", plain(m))
	}
	// the arguments are remembered for the next form
	press(m, "esc")
	if m.panes.work.Mode() != work.ModeForm {
		t.Fatal("esc from a result goes back to the form")
	}
	v, _ := m.panes.work.Form().Value()
	if string(v) != `{"text":"hello q"}` {
		t.Fatalf("form value after going back: %s", v)
	}
}

func TestInvalidArgumentsAskBeforeSending(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	be := &fakeBackend{}
	m.conn.sess = be
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter", "ctrl+r")
	if _, ok := m.dialogs.top().(*dialog.Confirm); !ok {
		t.Fatal("an empty required field should ask for confirmation")
	}
	press(m, "n")
	if len(be.calls) != 0 || m.dialogs.top() != nil {
		t.Fatal("n should cancel")
	}
	run(m, press(m, "ctrl+r", "y"))
	if len(be.calls) != 1 {
		t.Fatal("y should send anyway")
	}
}

func TestDestructiveToolAsksForConfirmation(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	be := &fakeBackend{}
	m.conn.sess = be
	press(m, "/")
	typeText(m, "delete")
	press(m, "enter", "enter", "enter") // open the form, open the enum list, pick "users"
	press(m, "ctrl+r")
	if _, ok := m.dialogs.top().(*dialog.Confirm); !ok || !strings.Contains(plain(m), "destructive") {
		t.Fatalf("want a destructive confirmation, got %T %v", m.dialogs.top(), m.flash.text)
	}
	run(m, press(m, "y"))
	if len(be.calls) != 1 {
		t.Fatal("confirmed call not sent")
	}
}

// Cancelling a call in flight says what sonde does about it: in the
// 2026-07-28 era over HTTP it closes the response stream, otherwise it
// sends notifications/cancelled.
func TestCancelInFlightCall(t *testing.T) {
	for _, era := range []struct{ era, hint, done string }{
		{"legacy", "x cancels (sends notifications/cancelled)", "cancelled by you (sonde sent notifications/cancelled)"},
		{"modern", "x cancels (closes its response stream)", "cancelled by you (sonde closed its response stream"},
	} {
		t.Run(era.era, func(t *testing.T) {
			m := newTestModel(t, 120, 30, "")
			m.s.Conn.Info.Era = era.era
			be := &fakeBackend{block: make(chan struct{})}
			m.conn.sess = be
			press(m, "/")
			typeText(m, "echo")
			press(m, "enter")
			typeText(m, "x")
			cmd := press(m, "ctrl+r")
			c := m.panes.work.Active().(*call)
			if c == nil {
				t.Fatal("no active call")
			}
			if !strings.Contains(plain(m), era.hint) {
				t.Fatalf("no %q while waiting:\n%s", era.hint, plain(m))
			}
			press(m, "x") // cancel key in the work pane
			msgs := run(m, cmd)
			var done *callDoneMsg
			for _, msg := range msgs {
				if d, ok := msg.(callDoneMsg); ok {
					done = &d
				}
			}
			if done == nil || !errors.Is(done.err, context.Canceled) {
				t.Fatalf("call not cancelled: %+v", done)
			}
			if !strings.Contains(plain(m), era.done) {
				t.Fatalf("no %q:\n%s", era.done, plain(m))
			}
		})
	}
}

func TestReplayModeDisablesActions(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter", "ctrl+r")
	if m.dialogs.top() != nil {
		press(m, "y")
	}
	if m.panes.work.Mode() == work.ModeWait || !strings.Contains(m.flash.text, "replay") {
		t.Fatalf("replay should refuse to call (flash %q)", m.flash.text)
	}
}

func TestLogFilterAndKeepaliveToggle(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	total := m.panes.log.Shown()
	press(m, "tab", "tab") // log
	press(m, "K")
	if !m.panes.log.HideKeepalive() || m.panes.log.Shown() != total-4 {
		t.Fatalf("hide keepalives: %d of %d visible", m.panes.log.Shown(), total)
	}
	press(m, "K")
	if m.panes.log.Shown() != total {
		t.Fatal("K again should show keepalives")
	}
	press(m, "/")
	typeText(m, "method:tools/call")
	if m.panes.log.Shown() != 2 {
		t.Fatalf("method:tools/call matched %d, want request and answer", m.panes.log.Shown())
	}
	press(m, "enter")
	if m.panes.log.Filtering() || m.panes.log.Filter() != "method:tools/call" {
		t.Fatal("enter should keep the filter and leave the field")
	}
	if !strings.Contains(plain(m), "filter: method:tools/call") {
		t.Fatal("the filter line is not shown")
	}
	press(m, "esc")
	if m.panes.log.Shown() != total {
		t.Fatal("esc should clear the filter")
	}
}

func TestLogFollowAndNavigation(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	press(m, "tab", "tab")
	if !m.panes.log.Following() || m.panes.log.Selected() != m.panes.log.Last() {
		t.Fatal("log should start following")
	}
	press(m, "up")
	if m.panes.log.Following() {
		t.Fatal("moving up should stop following")
	}
	before := m.panes.log.Selected()
	f := &fx{at: t0.Add(time.Minute), seq: 200}
	f.note("notifications/message", `{"level":"info","data":"x"}`)
	m.update(eventsMsg(f.evs))
	if m.panes.log.Selected() != before {
		t.Fatal("a new event moved the cursor while not following")
	}
	press(m, "f")
	if !m.panes.log.Following() || m.panes.log.Selected() != m.panes.log.Last() {
		t.Fatal("f should follow again")
	}
}

func TestDetailView(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	press(m, "tab", "tab", "/")
	typeText(m, "method:initialize dir:in")
	press(m, "enter", "enter")
	s := plain(m)
	if !strings.Contains(s, "Event #3") || !strings.Contains(s, `"protocolVersion": "2025-11-25"`) || !strings.Contains(s, "pretty") {
		t.Fatalf("enter should open the detail, pretty:\n%s", s)
	}
	press(m, "tab")
	if s := plain(m); !strings.Contains(s, `{"jsonrpc":"2.0","id":1,"result":`) || strings.Contains(s, `"answers"`) {
		t.Fatalf("raw view:\n%s", s)
	}
	press(m, "tab")
	if !strings.Contains(plain(m), `"answers": "initialize"`) {
		t.Fatalf("facts view:\n%s", plain(m))
	}
	press(m, "shift+tab")
	if s := plain(m); !strings.Contains(s, `{"jsonrpc":"2.0","id":1,"result":`) || strings.Contains(s, `"answers"`) {
		t.Fatalf("shift+tab: the raw view again:\n%s", s)
	}
	press(m, "esc")
	if m.dialogs.top() != nil {
		t.Fatal("esc should close the detail view")
	}
}

func TestCopyFormats(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	m.opts.Config = mcp.Config{URL: "http://127.0.0.1:8080/mcp", Bearer: "s3cret"}
	var call, answer *entry
	for _, en := range m.panes.log.Entries() {
		if en.Ev.Method == "tools/call" {
			call = en
		}
		if en.Ev.ReqMethod == "tools/call" {
			answer = en
		}
	}
	js, err := m.copyText(call, copyJSON)
	if err != nil || !strings.Contains(js, "\"name\": \"echo\"") {
		t.Fatalf("json: %v %s", err, js)
	}
	curl, err := m.copyText(answer, copyCurl) // an answer copies its request
	if err != nil {
		t.Fatal(err)
	}
	wantCurl := `curl -sS -N -X POST http://127.0.0.1:8080/mcp \
  -H 'Accept: application/json, text/event-stream' \
  -H "Authorization: Bearer ${MCP_TOKEN}" \
  -H 'Content-Type: application/json' \
  -H 'Mcp-Protocol-Version: 2025-11-25' \
  -H 'Mcp-Session-Id: S3SSION' \
  --data-raw '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}'`
	if curl != wantCurl {
		t.Fatalf("curl:\n%s\nwant:\n%s", curl, wantCurl)
	}
	if strings.Contains(curl, "s3cret") {
		t.Fatal("the bearer token leaked")
	}
	sc, err := m.copyText(call, copySonde)
	if err != nil {
		t.Fatal(err)
	}
	if want := `sonde call http://127.0.0.1:8080/mcp echo --args '{"text":"hi"}' --bearer "${MCP_TOKEN}"`; sc != want {
		t.Fatalf("sonde:\n%s\nwant:\n%s", sc, want)
	}
	// stdio: the command goes after --
	m.opts.Config = mcp.Config{Command: []string{"node", "server.js", "stdio"}}
	sc, _ = m.copyText(call, copySonde)
	if want := `sonde call echo --args '{"text":"hi"}' -- node server.js stdio`; sc != want {
		t.Fatalf("stdio sonde:\n%s\nwant:\n%s", sc, want)
	}
	// a quote in an argument survives shell quoting
	if got := shellQuote(`it's`); got != `'it'\''s'` {
		t.Fatalf("shellQuote: %s", got)
	}
	if got := shellQuote("clear\x1b[2J\u202e"); got != `$'clear\x1b[2J\u202e'` {
		t.Fatalf("control characters must be ANSI-C quoted: %s", got)
	}
	if got := shellQuote("a�b"); got != "'a�b'" {
		t.Fatalf("U+FFFD is printable in a shell: %s", got)
	}
	// through the dialog: c then a hotkey sets the clipboard (OSC 52 here:
	// the test machine has no clipboard program)
	press(m, "tab", "tab", "c")
	var raw string
	for _, msg := range run(m, press(m, "j")) {
		if r, ok := msg.(tea.RawMsg); ok {
			raw = fmt.Sprint(r.Msg)
		}
	}
	if !strings.Contains(m.flash.text, "sent JSON") {
		t.Fatalf("copy flash %q", m.flash.text)
	}
	payload, _ := strings.CutPrefix(strings.TrimSuffix(raw, "\a"), "\x1b]52;c;")
	if got, _ := base64.StdEncoding.DecodeString(payload); !strings.Contains(string(got), `"jsonrpc": "2.0"`) {
		t.Fatalf("copy should send the JSON in OSC 52, got %q", raw)
	}
}

func TestResultRendering(t *testing.T) {
	m := newTestModel(t, 100, 40, "")
	png := "iVBORw0KGgoAAAANSUhEUgAAAAIAAAADCAIAAAA2iEnWAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg=="
	raw := json.RawMessage(`{"content":[{"type":"text","text":"plain words"},{"type":"image","mimeType":"image/png","data":"` + png + `"},
		{"type":"resource_link","uri":"demo://readme.md","name":"readme","mimeType":"text/markdown"},
		{"type":"resource","resource":{"uri":"demo://x.txt","mimeType":"text/plain","text":"embedded text"}},
		{"type":"hologram","data":"?"}],
		"structuredContent":{"city":"Paris","temperature":"warm"}}`)
	it := m.panes.br.Find(listTools, "get_weather")
	m.panes.work.ShowResult(work.NewResult("tools/call", "get_weather", raw, nil, 0, it.OutputSchema))
	m.screen.focus = paneWork
	m.screen.zoom = true
	m.layout()
	s := plain(m)
	for _, want := range []string{"plain words", "[image] image/png", "2×3 png", "[resource link] → demo://readme.md", "embedded text", "[hologram] unknown content type", "outputSchema violation", "/temperature"} {
		if !strings.Contains(s, want) {
			t.Errorf("result lacks %q:\n%s", want, s)
		}
	}
	be := &fakeBackend{answers: map[string]json.RawMessage{"resources/read": json.RawMessage(`{"contents":[{"uri":"demo://readme.md","text":"# Read me"}]}`)}}
	m.conn.sess = be
	run(m, press(m, "o")) // one link: open at once
	if len(be.calls) != 1 || be.calls[0] != "resources/read" || !strings.Contains(plain(m), "# Read me") {
		t.Fatalf("open link: %v\n%s", be.calls, plain(m))
	}
	press(m, "esc")
	if !strings.Contains(plain(m), "plain words") {
		t.Fatal("esc should go back to the previous result")
	}
}

func TestLargeResultPages(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	big := strings.Repeat("0123456789abcdef\n", 200_000) // 3.4 MB
	raw, _ := json.Marshal(map[string]any{"content": []any{map[string]any{"type": "text", "text": big}}})
	r := work.NewResult("tools/call", "large_text", raw, nil, 0, nil)
	if r.Pages < 100 {
		t.Fatalf("pages = %d", r.Pages)
	}
	m.panes.work.ShowResult(r)
	m.screen.focus = paneWork
	lines := r.Render(80, m.look.st, m.look.hl)
	if len(lines) > work.PageBytes/10 {
		t.Fatalf("rendered %d lines for one page", len(lines))
	}
	press(m, "]")
	if r.Page != 1 {
		t.Fatal("] should go to the next page")
	}
	if len(r.Saves) < 2 {
		t.Fatal("the text block should be saveable")
	}
}

func TestServerRequestSeam(t *testing.T) {
	f := newFeed(session.New(), 0, nil)
	done := make(chan serverreq.Answer, 1)
	go func() {
		res, err := f.handle(t.Context(), &mcp.ServerRequest{Method: "elicitation/create", Params: json.RawMessage(`{"message":"Your name?","requestedSchema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}`)})
		done <- serverreq.Answer{Result: res, Err: err}
	}()
	msg := listenRequests(f.reqs)()
	m := newTestModel(t, 100, 30, "")
	m.update(msg)
	if _, ok := m.dialogs.top().(*serverreq.Elicit); !ok {
		t.Fatalf("no elicitation dialog: %T", m.dialogs.top())
	}
	typeText(m, "Ada")
	press(m, "ctrl+r")
	a := <-done
	b, _ := json.Marshal(a.Result)
	if a.Err != nil || string(b) != `{"action":"accept","content":{"name":"Ada"}}` {
		t.Fatalf("answer %s %v", b, a.Err)
	}
	// roots/list is answered by the UI at once, without a dialog
	go func() {
		res, err := f.handle(t.Context(), &mcp.ServerRequest{Method: "roots/list"})
		done <- serverreq.Answer{Result: res, Err: err}
	}()
	m.update(listenRequests(f.reqs)())
	if m.dialogs.top() != nil {
		t.Fatalf("roots/list opened a dialog: %T", m.dialogs.top())
	}
	a = <-done
	b, _ = json.Marshal(a.Result)
	if a.Err != nil || string(b) != `{"roots":[]}` {
		t.Fatalf("roots: %s %v", b, a.Err)
	}
}

func TestMouse(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	rs := m.layout()
	r := rs[paneLog]
	m.update(tea.MouseClickMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	if m.screen.focus != paneLog || m.panes.log.Following() {
		t.Fatalf("click should focus the log and select a row (focus %d)", m.screen.focus)
	}
	b := rs[paneBrowser]
	m.update(tea.MouseWheelMsg{X: b.x + 2, Y: b.y + 3, Button: tea.MouseWheelDown})
	if m.panes.br.Selected() != m.panes.br.Items(listTools)[1] {
		t.Fatalf("wheel over the browser should move it (selected %s)", m.panes.br.Selected().Name)
	}
	// clicking the selected log row again opens its detail
	m.update(tea.MouseClickMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	m.update(tea.MouseClickMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	if !strings.Contains(plain(m), "Event #") {
		t.Fatalf("second click: %T", m.dialogs.top())
	}
	// the wheel scrolls whatever dialog is on top (a low screen: the
	// event has more lines than fit)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 12})
	if s := plain(m); !strings.Contains(s, " · line 1/") {
		t.Fatalf("the detail should not fit:\n%s", s)
	}
	m.update(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	if s := plain(m); strings.Contains(s, " · line 1/") || !strings.Contains(s, " · line ") {
		t.Fatalf("the wheel should scroll the detail:\n%s", s)
	}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	press(m, "esc")
	// a dialog one only reads scrolls with the wheel, ↓↑ and pgdn/pgup,
	// and closes on esc
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 12})
	m.setFocus(paneBrowser)
	for _, open := range []string{"?", "D", "i"} {
		press(m, open)
		d, ok := m.dialogs.top().(*dialog.Reader)
		if !ok {
			t.Fatalf("%s: %T", open, m.dialogs.top())
		}
		plain(m)
		m.update(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
		if d.Offset() != 3 {
			t.Fatalf("%s: the wheel scrolled to %d", open, d.Offset())
		}
		press(m, "pgdown", "up")
		plain(m)
		if d.Offset() < 4 || m.dialogs.top() != d {
			t.Fatalf("%s: pgdown up: offset %d", open, d.Offset())
		}
		press(m, "esc")
		if m.dialogs.top() == d {
			t.Fatalf("%s: esc did not close it", open)
		}
	}
}

func TestHelpOverlayAndShortHelp(t *testing.T) {
	m := newTestModel(t, 80, 24, "")
	if !strings.Contains(plain(m), "enter open form / read") {
		t.Fatal("short help missing")
	}
	press(m, "?")
	s := plain(m)
	if !strings.Contains(s, "Keys") || !strings.Contains(s, "next pane") {
		t.Fatalf("full help:\n%s", s)
	}
	press(m, "x")
	if m.dialogs.top() == nil {
		t.Fatal("a key the help does not name closed it")
	}
	press(m, "?")
	if m.dialogs.top() != nil {
		t.Fatal("? again did not close the help")
	}
}

func TestLastArgumentsRememberedAcrossSessions(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	saveLastArgsCmd("sonde-demo", "tools:echo", json.RawMessage(`{"text":"again"}`))()
	m := newTestModel(t, 100, 30, "")
	m.calls.savedArgs = config.LoadLastArgs()
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	v, _ := m.panes.work.Form().Value()
	if string(v) != `{"text":"again"}` {
		t.Fatalf("form starts with %s", v)
	}
}

func TestReplayRewindForgetsEverything(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	m.panes.log.SetFilter("kind:message")
	f := &fx{at: t0.Add(time.Minute), seq: 500}
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: store.KindRewind, Text: "replay moved to event 3 of 20"})
	f.req(1, "initialize", `{}`)
	m.update(eventsMsg(f.evs))
	if m.panes.log.Len() != 2 || len(m.panes.br.Items(listTools)) != 0 || m.s.Conn.State != "" {
		t.Fatalf("after a rewind: %d events, %d tools, state %q", m.panes.log.Len(), len(m.panes.br.Items(listTools)), m.s.Conn.State)
	}
	if m.panes.log.Filter() != "kind:message" || m.panes.log.Shown() != 1 {
		t.Fatal("the filter should survive a rewind")
	}
}

type fakeReplay struct {
	calls []string
	st    store.PlayerStatus
}

func (f *fakeReplay) Toggle()                    { f.calls = append(f.calls, "toggle"); f.st.Playing = !f.st.Playing }
func (f *fakeReplay) Step()                      { f.calls = append(f.calls, "step") }
func (f *fakeReplay) StepBack()                  { f.calls = append(f.calls, "back") }
func (f *fakeReplay) NextRequest()               { f.calls = append(f.calls, "next-request") }
func (f *fakeReplay) NextError()                 { f.calls = append(f.calls, "next-error") }
func (f *fakeReplay) Seek(d time.Duration)       { f.calls = append(f.calls, "seek "+d.String()) }
func (f *fakeReplay) Status() store.PlayerStatus { return f.st }
func (f *fakeReplay) SetSpeed(s float64) float64 {
	f.calls = append(f.calls, fmt.Sprintf("speed %g", s))
	f.st.Speed = s
	return s
}

func TestReplayControls(t *testing.T) {
	r := &fakeReplay{st: store.PlayerStatus{Pos: 19, Len: 40, At: 12 * time.Second, Duration: 100 * time.Second, Speed: 1, Playing: true}}
	m := New(context.Background(), Options{Replay: r}, nil)
	m.ticking, m.look.com.Now = true, t0
	m.update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.update(eventsMsg(demoSession().evs))
	press(m, "space", ">", ">", "<", ".", ",", "N", "E", "}", "{")
	want := "toggle,speed 2,speed 5,speed 2,step,back,next-request,next-error,seek 22s,seek 2s"
	if got := strings.Join(r.calls, ","); got != want {
		t.Fatalf("calls %s\nwant  %s", got, want)
	}
	s := plain(m)
	if !strings.Contains(s, "⏸ 2x 00:12.0 / 01:40.0  event 19/40") {
		t.Fatalf("transport bar:\n%s", s)
	}
	// keys typed into a text field are not replay keys
	press(m, "/")
	typeText(m, ".N")
	if len(r.calls) != 10 {
		t.Fatal("replay keys fired inside the filter field")
	}
	press(m, "esc")
	requireScreen(t, m)
}

func TestJumpBetweenRequestAndAnswer(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	press(m, "tab", "tab", "/")
	typeText(m, "method:tools/call")
	press(m, "enter", "%")
	if m.panes.log.Selected().Ev.RPC != mcp.RPCRequest {
		t.Fatal("% from the answer should select the request")
	}
	press(m, "%")
	if m.panes.log.Selected().Ev.RPC != mcp.RPCResponse {
		t.Fatal("% from the request should select the answer")
	}
}

// Requests that end without an answer leave the in-flight count: a lost
// one (an error event) and detection probes the server did not answer (an
// info event with the request's id and method).
func TestUnansweredRequestsLeaveTheFlight(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	f := &fx{at: t0.Add(time.Minute), seq: 100}
	f.req(40, "server/discover", "")
	f.req(41, "initialize", "{}")
	f.req(42, "tools/call", `{"name":"echo"}`)
	f.req(43, "resources/read", `{"uri":"demo://x"}`)
	m.update(eventsMsg(f.evs))
	if len(m.s.Requests) != 4 || !strings.Contains(plain(m), "4 in flight") {
		t.Fatalf("flights %d before", len(m.s.Requests))
	}
	f.evs = nil
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "40", ReqMethod: "server/discover", Text: "probe: server/discover (id 40) ended without an answer: HTTP 400"})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "41", ReqMethod: "initialize", Text: "probe: initialize (id 41) ended without an answer: HTTP 405"})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindError, ID: "42", ReqMethod: "tools/call", Err: "tools/call (id 42) ended without an answer: lost"})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "43", Text: "a note that names an id but no method"})
	m.update(eventsMsg(f.evs))
	if _, ok := m.s.Requests["43"]; len(m.s.Requests) != 1 || !ok {
		t.Fatalf("flights after: %v", m.s.Requests)
	}
	if s := plain(m); !strings.Contains(s, "1 in flight") {
		t.Fatalf("header:\n%s", s)
	}
}

// The header renders the connection state from the session's events: a
// recovery shows as reconnecting with its attempt, counts once however many
// attempts it took, and ends connected.
func TestHeaderDuringRecovery(t *testing.T) {
	m := newTestModel(t, 160, 30, "")
	header := func() string { return strings.SplitN(plain(m), "\n", 2)[0] }
	var evs []mcp.Event
	for a := 1; a <= 3; a++ {
		evs = append(evs, mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateReconnecting, Attempt: a, Time: t0.Add(time.Second)})
	}
	m.Update(eventsMsg(evs))
	if h := header(); !strings.Contains(h, "◌ reconnecting 3") || !strings.Contains(h, "reconnects 1") {
		t.Fatalf("header while reconnecting: %s", h)
	}
	info := *m.s.Conn.Info
	info.Reconnects = 1
	m.Update(eventsMsg{{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &info,
		Latency: 3200 * time.Millisecond, Text: "session expired", Time: t0.Add(2 * time.Second)}})
	if h := header(); !strings.Contains(h, "● connected") || !strings.Contains(h, "reconnects 1") {
		t.Fatalf("header after the recovery: %s", h)
	}
}

// The listings follow the capabilities of the session being connected:
// Dial returns only after its events (the `connected` one with the
// capabilities) reached the state, so connecting to a tools-only server
// lists tools only. The field bug: connectedMsg was handled before the
// batch holding `connected`, and prompts/list, resources/list and
// resources/templates/list went to a server that never offered them.
func TestListingsFollowTheCapabilities(t *testing.T) {
	m := newLive(context.Background(), Options{Config: mcp.Config{URL: "http://127.0.0.1:9/mcp"}})
	m.conn.manual, m.ticking = true, true
	upd(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m.conn.dialing = true
	// what Dial delivered before returning
	m.conn.feed.push(mcp.Event{Seq: 1, Time: t0, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting})
	m.conn.feed.push(mcp.Event{Seq: 2, Time: t0, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{
		Transport: mcp.TransportStdio, Protocol: "2025-11-25", Era: "legacy", Capabilities: json.RawMessage(`{"tools":{"listChanged":true}}`),
		Server: json.RawMessage(`{"name":"tools-only","version":"1"}`)}})
	b := &fakeBackend{answers: map[string]json.RawMessage{"tools/list": json.RawMessage(`{"tools":[{"name":"echo"}]}`)}}
	run(m, upd(m, connectedMsg{gen: m.conn.gen, sess: b})) // before the UI took the events
	if !slices.Equal(b.calls, []string{"tools/list"}) {
		t.Fatalf("asked a tools-only server for %v", b.calls)
	}
	upd(m, feedMsg{})
	if tabs := ansi.Strip(m.panes.br.View(100, 20)); !strings.Contains(tabs, "Resources – Templates – Prompts –") || strings.Contains(tabs, "Tools –") {
		t.Fatalf("the browser offers:\n%s", tabs)
	}
}

// A UI more than a window behind gets the newest window of events and is
// told how many went by (they are in the state and the recording); a UI
// less behind is told how many it has not drawn yet, and catches up.
func TestTheLogCatchesUp(t *testing.T) {
	n := 2*maxBatch + 500
	evs := benchEvents(n, 1)
	for _, c := range []struct {
		window       int
		older, ahead string
	}{
		{100, fmt.Sprintf("(+%d older)", n-100), ""},
		{4 * maxBatch, "", fmt.Sprintf("%d not drawn yet", n-maxBatch)},
	} {
		m := newLive(context.Background(), Options{LogWindow: c.window})
		m.conn.manual, m.ticking = true, true
		upd(m, tea.WindowSizeMsg{Width: 160, Height: 40})
		for _, e := range evs {
			m.conn.feed.push(e)
		}
		upd(m, feedMsg{})
		m.screen.focus = paneLog
		title := strings.SplitN(strings.SplitN(plain(m), "Log ", 2)[1], "\n", 2)[0]
		if !strings.Contains(title, c.older) || !strings.Contains(title, c.ahead) || m.s.Conn.KeepaliveIn != n/4 {
			t.Fatalf("window %d: log title %q, %d keepalives in the state", c.window, title, m.s.Conn.KeepaliveIn)
		}
		for m.panes.log.Behind() > 0 {
			upd(m, feedMsg{})
		}
		if s := plain(m); strings.Contains(s, "not drawn yet") || m.panes.log.Len() != min(c.window, n) {
			t.Fatalf("window %d: caught up to %d events", c.window, m.panes.log.Len())
		}
	}
}

// A template's form is read as the URI its variables make, encoded as RFC
// 6570 says (the UTF-8 octets of a value, not its code points).
func TestTemplateReadExpandsURI(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	be := &fakeBackend{answers: map[string]json.RawMessage{"resources/read": json.RawMessage(`{"contents":[{"uri":"demo://weather/x","text":"sunny"}]}`)}}
	m.conn.sess = be
	press(m, "right", "right", "enter")
	typeText(m, "São Paulo")
	run(m, press(m, "ctrl+r"))
	if len(be.calls) != 1 || be.calls[0] != "resources/read" || string(be.params[0]) != `{"uri":"demo://weather/S%C3%A3o%20Paulo"}` {
		t.Fatalf("calls %v %s\n%s", be.calls, be.params, plain(m))
	}
}
