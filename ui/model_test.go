package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

func TestEventsBuildBrowsersAndHeader(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	if got := len(m.br.lists[listTools]); got != 4 {
		t.Fatalf("tools = %d, want 4", got)
	}
	if len(m.br.lists[listResources]) != 2 || len(m.br.lists[listTemplates]) != 1 || len(m.br.lists[listPrompts]) != 1 {
		t.Fatalf("lists: %d %d %d", len(m.br.lists[listResources]), len(m.br.lists[listTemplates]), len(m.br.lists[listPrompts]))
	}
	if m.state != mcp.StateConnected || m.server.name != "sonde-demo" {
		t.Fatalf("state %q server %+v", m.state, m.server)
	}
	if m.kaIn != 2 || m.kaOut != 1 || m.pingRTT == 0 {
		t.Fatalf("keepalives in %d out %d rtt %v", m.kaIn, m.kaOut, m.pingRTT)
	}
	if len(m.flights) != 0 {
		t.Fatalf("flights left: %v", m.flights)
	}
	s := plain(m)
	for _, want := range []string{"● connected", "sonde-demo 1.0.0", "http 2025-11-25", "keepalive ↓2 ↑1", "ping 3.2ms", "create_booking", fmt.Sprintf("Log %d", len(session().evs))} {
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
	for _, it := range m.br.lists[listTools] {
		names = append(names, it.name)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Fatalf("tools after two pages = %v", names)
	}
}

func TestFocusCycleAndKeysToTextFieldsFirst(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	if m.focus != paneBrowser {
		t.Fatal("browser should start focused")
	}
	press(m, "tab")
	if m.focus != paneWork {
		t.Fatalf("focus %d after tab", m.focus)
	}
	press(m, "tab")
	if m.focus != paneLog {
		t.Fatalf("focus %d after 2 tabs", m.focus)
	}
	press(m, "shift+tab", "shift+tab")
	if m.focus != paneBrowser {
		t.Fatalf("focus %d after shift+tab twice", m.focus)
	}
	// "/" opens the fuzzy filter; then "q" is text, not quit.
	press(m, "/")
	typeText(m, "qz")
	if m.quitting || m.br.filter != "qz" {
		t.Fatalf("q went to the global quit (filter %q)", m.br.filter)
	}
	press(m, "esc")
	if m.br.filter != "" || m.br.filtering {
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
	if len(m.br.view) != 1 || m.br.view[0].it.name != "get_weather" {
		t.Fatalf("fuzzy wthr: %v", m.br.view)
	}
	press(m, "down") // leaves the field, moves the cursor
	if m.br.filtering {
		t.Fatal("down should leave the filter field")
	}
	if m.work.mode != workItem || m.work.target.name != "get_weather" {
		t.Fatalf("work pane shows %v", m.work.mode)
	}
	press(m, "esc", "2")
	if m.br.tab != listResources || m.br.selected().uri != "demo://readme.md" {
		t.Fatalf("tab 2: %v", m.br.tab)
	}
	press(m, "right")
	if m.br.tab != listTemplates {
		t.Fatal("right should go to templates")
	}
}

func TestFormIntegrationCallsTool(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	be := &fakeBackend{answers: map[string]json.RawMessage{"tools/call": json.RawMessage(`{"content":[{"type":"text","text":"HELLO"}]}`)}}
	m.sess = be
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	if m.work.mode != workForm || m.focus != paneWork {
		t.Fatalf("enter should open the form (mode %d focus %d)", m.work.mode, m.focus)
	}
	typeText(m, "hello q") // q is text here
	if m.quitting {
		t.Fatal("q quit from inside a form")
	}
	cmd := press(m, "ctrl+r")
	if m.work.mode != workWait {
		t.Fatalf("ctrl+r should send (mode %d, flash %q)", m.work.mode, m.flash)
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
	if m.work.mode != workResult || !strings.Contains(plain(m), "HELLO") {
		t.Fatalf("result not shown:\n%s", plain(m))
	}
	// the arguments are remembered for the next form
	press(m, "esc")
	if m.work.mode != workForm {
		t.Fatal("esc from a result goes back to the form")
	}
	v, _ := m.work.form.Value()
	if string(v) != `{"text":"hello q"}` {
		t.Fatalf("form value after going back: %s", v)
	}
}

func TestInvalidArgumentsAskBeforeSending(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	be := &fakeBackend{}
	m.sess = be
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter", "ctrl+r")
	if _, ok := m.topDialog().(*confirmDialog); !ok {
		t.Fatal("an empty required field should ask for confirmation")
	}
	press(m, "n")
	if len(be.calls) != 0 || m.topDialog() != nil {
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
	m.sess = be
	press(m, "/")
	typeText(m, "delete")
	press(m, "enter", "enter", "enter") // open the form, open the enum list, pick "users"
	press(m, "ctrl+r")
	d, ok := m.topDialog().(*confirmDialog)
	if !ok || !strings.Contains(d.text, "destructive") {
		t.Fatalf("want a destructive confirmation, got %T %v", m.topDialog(), m.flash)
	}
	run(m, press(m, "y"))
	if len(be.calls) != 1 {
		t.Fatal("confirmed call not sent")
	}
}

func TestCancelInFlightCall(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	be := &fakeBackend{block: make(chan struct{})}
	m.sess = be
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	typeText(m, "x")
	cmd := press(m, "ctrl+r")
	c := m.work.active
	if c == nil {
		t.Fatal("no active call")
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
	if !strings.Contains(plain(m), "cancelled by you") {
		t.Fatalf("cancel not shown:\n%s", plain(m))
	}
}

func TestReplayModeDisablesActions(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter", "ctrl+r")
	if m.topDialog() != nil {
		press(m, "y")
	}
	if m.work.mode == workWait || !strings.Contains(m.flash, "replay") {
		t.Fatalf("replay should refuse to call (flash %q)", m.flash)
	}
}

func TestLogFilterAndKeepaliveToggle(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	total := m.log.visible()
	press(m, "tab", "tab") // log
	press(m, "K")
	if !m.log.hideKeepalive || m.log.visible() != total-4 {
		t.Fatalf("hide keepalives: %d of %d visible", m.log.visible(), total)
	}
	press(m, "K")
	if m.log.visible() != total {
		t.Fatal("K again should show keepalives")
	}
	press(m, "/")
	typeText(m, "method:tools/call")
	if m.log.visible() != 2 {
		t.Fatalf("method:tools/call matched %d, want request and answer", m.log.visible())
	}
	press(m, "enter")
	if m.log.filtering || m.log.q.text != "method:tools/call" {
		t.Fatal("enter should keep the filter and leave the field")
	}
	if !strings.Contains(plain(m), "filter: method:tools/call") {
		t.Fatal("the filter line is not shown")
	}
	press(m, "esc")
	if m.log.visible() != total {
		t.Fatal("esc should clear the filter")
	}
}

func TestLogFollowAndNavigation(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	press(m, "tab", "tab")
	if !m.log.follow || m.log.cursor != m.log.visible()-1 {
		t.Fatal("log should start following")
	}
	press(m, "up")
	if m.log.follow {
		t.Fatal("moving up should stop following")
	}
	before := m.log.cursor
	f := &fx{at: t0.Add(time.Minute), seq: 200}
	f.note("notifications/message", `{"level":"info","data":"x"}`)
	m.update(eventsMsg(f.evs))
	if m.log.cursor != before {
		t.Fatal("a new event moved the cursor while not following")
	}
	press(m, "f")
	if !m.log.follow || m.log.cursor != m.log.visible()-1 {
		t.Fatal("f should follow again")
	}
}

func TestDetailView(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	press(m, "tab", "tab", "/")
	typeText(m, "method:initialize dir:in")
	press(m, "enter", "enter")
	d, ok := m.topDialog().(*detailDialog)
	if !ok {
		t.Fatal("enter should open the detail view")
	}
	s := plain(m)
	if !strings.Contains(s, `"protocolVersion": "2025-11-25"`) || !strings.Contains(s, "pretty") {
		t.Fatalf("pretty view:\n%s", s)
	}
	press(m, "tab")
	if d.mode != 1 || !strings.Contains(plain(m), `{"jsonrpc":"2.0","id":1,"result":`) {
		t.Fatalf("raw view:\n%s", plain(m))
	}
	press(m, "tab")
	if d.mode != 2 || !strings.Contains(plain(m), `"answers": "initialize"`) {
		t.Fatalf("facts view:\n%s", plain(m))
	}
	press(m, "esc")
	if m.topDialog() != nil {
		t.Fatal("esc should close the detail view")
	}
}

func TestCopyFormats(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	m.opts.Config = mcp.Config{URL: "http://127.0.0.1:8080/mcp", Bearer: "s3cret"}
	var call, answer *entry
	for _, en := range m.log.entries {
		if en.ev.Method == "tools/call" {
			call = en
		}
		if en.ev.ReqMethod == "tools/call" {
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
	// through the dialog: c then a hotkey sets the clipboard
	press(m, "tab", "tab", "c")
	cmd := press(m, "j")
	if cmd == nil || !strings.Contains(m.flash, "copied JSON") {
		t.Fatalf("copy flash %q", m.flash)
	}
	if got := fmt.Sprint(cmd()); !strings.Contains(got, `"jsonrpc": "2.0"`) {
		t.Fatalf("copy should set the clipboard (OSC 52) to the JSON, got %q", got)
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
	it := m.findItem(listTools, "get_weather")
	m.work.showResult(newResult("tools/call", "get_weather", raw, nil, 0, it.outputSchema))
	m.focus = paneWork
	m.zoom = true
	m.layout()
	s := plain(m)
	for _, want := range []string{"plain words", "[image] image/png", "2×3 png", "[resource link] → demo://readme.md", "embedded text", "[hologram] unknown content type", "outputSchema violation", "/temperature"} {
		if !strings.Contains(s, want) {
			t.Errorf("result lacks %q:\n%s", want, s)
		}
	}
	be := &fakeBackend{answers: map[string]json.RawMessage{"resources/read": json.RawMessage(`{"contents":[{"uri":"demo://readme.md","text":"# Read me"}]}`)}}
	m.sess = be
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
	r := newResult("tools/call", "large_text", raw, nil, 0, nil)
	if r.pages < 100 {
		t.Fatalf("pages = %d", r.pages)
	}
	m.work.showResult(r)
	m.focus = paneWork
	lines := r.render(80, m.st, m.hl)
	if len(lines) > pageBytes/10 {
		t.Fatalf("rendered %d lines for one page", len(lines))
	}
	press(m, "]")
	if r.page != 1 {
		t.Fatal("] should go to the next page")
	}
	if len(r.saves) < 2 {
		t.Fatal("the text block should be saveable")
	}
}

func TestServerRequestSeam(t *testing.T) {
	f := newFeed(8, nil)
	done := make(chan serverAnswer, 1)
	go func() {
		res, err := f.handle(t.Context(), &mcp.ServerRequest{Method: "elicitation/create", Params: json.RawMessage(`{"message":"Your name?","requestedSchema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}`)})
		done <- serverAnswer{result: res, err: err}
	}()
	msg := <-f.reqs
	m := newTestModel(t, 100, 30, "")
	m.update(msg)
	if _, ok := m.topDialog().(*elicitDialog); !ok {
		t.Fatalf("no elicitation dialog: %T", m.topDialog())
	}
	typeText(m, "Ada")
	press(m, "ctrl+r")
	a := <-done
	b, _ := json.Marshal(a.result)
	if a.err != nil || string(b) != `{"action":"accept","content":{"name":"Ada"}}` {
		t.Fatalf("answer %s %v", b, a.err)
	}
	// roots/list is answered by the UI at once, without a dialog
	go func() {
		res, err := f.handle(t.Context(), &mcp.ServerRequest{Method: "roots/list"})
		done <- serverAnswer{result: res, err: err}
	}()
	m.update(<-f.reqs)
	if m.topDialog() != nil {
		t.Fatalf("roots/list opened a dialog: %T", m.topDialog())
	}
	a = <-done
	b, _ = json.Marshal(a.result)
	if a.err != nil || string(b) != `{"roots":[]}` {
		t.Fatalf("roots: %s %v", b, a.err)
	}
}

func TestMouse(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	rs := m.paneRects()
	r := rs[paneLog]
	m.update(tea.MouseClickMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	if m.focus != paneLog || m.log.follow {
		t.Fatalf("click should focus the log and select a row (focus %d)", m.focus)
	}
	b := rs[paneBrowser]
	m.update(tea.MouseWheelMsg{X: b.x + 2, Y: b.y + 3, Button: tea.MouseWheelDown})
	if m.br.cursor[listTools] != 1 {
		t.Fatalf("wheel over the browser should move it (cursor %d)", m.br.cursor[listTools])
	}
	// clicking the selected log row again opens its detail
	m.update(tea.MouseClickMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	m.update(tea.MouseClickMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	if _, ok := m.topDialog().(*detailDialog); !ok {
		t.Fatalf("second click: %T", m.topDialog())
	}
	// the wheel scrolls whatever dialog is on top; a dialog one only
	// reads scrolls with ↓↑ and pgdn/pgup, and closes on anything else
	for _, d := range []dialog{&helpDialog{}, &connDialog{}, &schemaDialog{it: m.br.selected()}, &logMessageDialog{}, m.topDialog()} {
		m.pushDialog(d)
		m.update(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
		if off := d.(interface{ scroll(int) }); off == nil {
			t.Fatalf("%T does not scroll", d)
		}
		var s *scrolling
		switch dd := d.(type) {
		case *helpDialog:
			s = &dd.scrolling
		case *connDialog:
			s = &dd.scrolling
		case *schemaDialog:
			s = &dd.scrolling
		case *logMessageDialog:
			s = &dd.scrolling
		case *detailDialog:
			s = &dd.scrolling
		}
		if s.offset != 3 {
			t.Fatalf("%T: the wheel scrolled to %d", d, s.offset)
		}
		if _, reads := d.(*detailDialog); reads {
			continue
		}
		press(m, "pgdown", "up")
		if s.offset != 12 || m.topDialog() != d {
			t.Fatalf("%T: pgdown up: offset %d", d, s.offset)
		}
		press(m, "x")
		if m.topDialog() == d {
			t.Fatalf("%T: any other key closes it", d)
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
	if m.topDialog() != nil {
		t.Fatal("any key closes the help")
	}
}

func TestLastArgumentsRememberedAcrossSessions(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	saveLastArgsCmd("sonde-demo", "tools:echo", json.RawMessage(`{"text":"again"}`))()
	m := newTestModel(t, 100, 30, "")
	m.savedArgs = loadLastArgs()
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	v, _ := m.work.form.Value()
	if string(v) != `{"text":"again"}` {
		t.Fatalf("form starts with %s", v)
	}
}

func TestReplayRewindForgetsEverything(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	m.log.setQuery("kind:message")
	f := &fx{at: t0.Add(time.Minute), seq: 500}
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: store.KindRewind, Text: "replay moved to event 3 of 20"})
	f.req(1, "initialize", `{}`)
	m.update(eventsMsg(f.evs))
	if m.log.len() != 2 || len(m.br.lists[listTools]) != 0 || m.state != "" {
		t.Fatalf("after a rewind: %d events, %d tools, state %q", m.log.len(), len(m.br.lists[listTools]), m.state)
	}
	if m.log.q.text != "kind:message" || m.log.visible() != 1 {
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
	m.ticking, m.now = true, t0
	m.update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.update(eventsMsg(session().evs))
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
	golden.RequireEqual(t, m.View().Content)
}

func TestJumpBetweenRequestAndAnswer(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	press(m, "tab", "tab", "/")
	typeText(m, "method:tools/call")
	press(m, "enter", "%")
	if m.log.selected().ev.RPC != mcp.RPCRequest {
		t.Fatal("% from the answer should select the request")
	}
	press(m, "%")
	if m.log.selected().ev.RPC != mcp.RPCResponse {
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
	if len(m.flights) != 4 || !strings.Contains(plain(m), "4 in flight") {
		t.Fatalf("flights %d before", len(m.flights))
	}
	f.evs = nil
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "40", ReqMethod: "server/discover", Text: "probe: server/discover (id 40) ended without an answer: HTTP 400"})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "41", ReqMethod: "initialize", Text: "probe: initialize (id 41) ended without an answer: HTTP 405"})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindError, ID: "42", ReqMethod: "tools/call", Err: "tools/call (id 42) ended without an answer: lost"})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "43", Text: "a note that names an id but no method"})
	m.update(eventsMsg(f.evs))
	if _, ok := m.flights["43"]; len(m.flights) != 1 || !ok {
		t.Fatalf("flights after: %v", m.flights)
	}
	if s := plain(m); !strings.Contains(s, "1 in flight") {
		t.Fatalf("header:\n%s", s)
	}
}
