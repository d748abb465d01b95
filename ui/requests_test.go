package ui

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/sonde-mcp/sonde/ui/component/componenttest"
	"github.com/sonde-mcp/sonde/ui/dialog/roots"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// ask sends the model a server request as the feed would, and returns the
// channel its answer arrives on and a function that withdraws it.
func ask(t *testing.T, m *Model, method, params string, id string) (<-chan serverreq.Answer, context.CancelFunc, tea.Cmd) {
	t.Helper()
	reply := make(chan serverreq.Answer, 1)
	ctx, cancel := context.WithCancel(t.Context())
	req := &mcp.ServerRequest{Method: method, Params: json.RawMessage(params)}
	if id != "" {
		req.ID = json.RawMessage(id)
	}
	cmd := m.update(serverRequestsMsg{{req: req, ctx: ctx, reply: reply}})
	return reply, cancel, cmd
}

// answerOf waits for nothing: the answer must already be there.
func answerOf(t *testing.T, ch <-chan serverreq.Answer) serverreq.Answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	default:
		t.Fatal("no answer was sent")
	}
	return serverreq.Answer{}
}

func noAnswer(t *testing.T, ch <-chan serverreq.Answer) {
	t.Helper()
	select {
	case a := <-ch:
		t.Fatalf("unexpected answer %+v", a)
	default:
	}
}

func resultJSON(t *testing.T, a serverreq.Answer) string {
	t.Helper()
	if a.Err != nil {
		t.Fatalf("error answer: %v", a.Err)
	}
	b, err := json.Marshal(a.Result)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const samplingParamsFixture = `{
 "messages":[
  {"role":"user","content":{"type":"text","text":"What is the capital of France?"}},
  {"role":"assistant","content":[{"type":"tool_use","id":"tu1","name":"lookup","input":{"q":"France"}}]},
  {"role":"user","content":[{"type":"tool_result","toolUseId":"tu1","content":[{"type":"text","text":"Paris is the capital."}]},{"type":"image","data":"iVBORw0KGgo=","mimeType":"image/png"}]}
 ],
 "systemPrompt":"You are a concise assistant.",
 "modelPreferences":{"hints":[{"name":"claude"},{"name":"gpt"}],"costPriority":0.3,"speedPriority":0.6,"intelligencePriority":0.8},
 "maxTokens":256,"temperature":0.7,"stopSequences":["\n\n"],"includeContext":"none","metadata":{"demo":true},
 "tools":[{"name":"lookup","description":"Look something up","inputSchema":{"type":"object"}}],"toolChoice":{"mode":"auto"}
}`

func TestSamplingDialogShowsTheRequestAndSendsTheReply(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	ch, _, _ := ask(t, m, "sampling/createMessage", samplingParamsFixture, "7")
	if _, ok := m.dialogs.top().(*serverreq.Sampling); !ok {
		t.Fatalf("no sampling dialog: %T", m.dialogs.top())
	}
	screen := plain(m)
	for _, want := range []string{"Sonde Demo Server", "sampling/createMessage (id 7)", "system prompt", "You are a concise assistant.",
		"── user ──", "What is the capital of France?", "[tool_use] lookup", "[tool_result] for tu1", "Paris is the capital.", "[image] image/png",
		"maxTokens 256", "temperature 0.7", "hints claude, gpt", "cost 0.3", "intelligence 0.8",
		"A reply written by hand in sonde", "sonde-human", "endTurn"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the dialog does not show %q", want)
		}
	}
	press(m, "pgdown")
	if !strings.Contains(plain(m), "lookup  Look something up") {
		t.Errorf("pgdown does not scroll the request to its tools:\n%s", plain(m))
	}
	// the prefill is selected: typing replaces it
	typeText(m, "Paris.")
	press(m, "tab") // model
	for range len(serverreq.DefaultSamplingModel) {
		press(m, "backspace")
	}
	typeText(m, "human-1")
	press(m, "tab", "right") // stop reason: endTurn → stopSequence
	noAnswer(t, ch)
	press(m, "ctrl+r")
	got := resultJSON(t, answerOf(t, ch))
	want := `{"role":"assistant","content":{"type":"text","text":"Paris."},"model":"human-1","stopReason":"stopSequence"}`
	if got != want {
		t.Fatalf("answer\n got %s\nwant %s", got, want)
	}
	if m.dialogs.top() != nil {
		t.Fatal("the dialog stayed open")
	}
}

func TestSamplingPrefillIsSentUntouched(t *testing.T) {
	m := newTestModel(t, 80, 24, "")
	ch, _, _ := ask(t, m, "sampling/createMessage", `{"messages":[{"role":"user","content":{"type":"text","text":"Hi?"}}],"maxTokens":5}`, "")
	press(m, "ctrl+r")
	got := resultJSON(t, answerOf(t, ch))
	if !strings.Contains(got, `"text":"A reply written by hand in sonde (no model was run) to: Hi?"`) || !strings.Contains(got, `"model":"sonde-human"`) {
		t.Fatalf("answer %s", got)
	}
}

func TestSamplingReject(t *testing.T) {
	m := newTestModel(t, 80, 24, "")
	ch, _, _ := ask(t, m, "sampling/createMessage", samplingParamsFixture, "3")
	press(m, "ctrl+d")
	a := answerOf(t, ch)
	var re *mcp.RPCError
	if !errors.As(a.Err, &re) || re.Code != -1 {
		t.Fatalf("reject answered %+v", a)
	}
	// esc asks first; n keeps the dialog
	ch, _, _ = ask(t, m, "sampling/createMessage", samplingParamsFixture, "4")
	press(m, "esc")
	if _, ok := m.dialogs.top().(*dialog.Confirm); !ok {
		t.Fatalf("esc did not ask: %T", m.dialogs.top())
	}
	press(m, "n")
	noAnswer(t, ch)
	press(m, "esc", "y")
	if a := answerOf(t, ch); !errors.As(a.Err, &re) || re.Code != -1 {
		t.Fatalf("esc+y answered %+v", a)
	}
	if m.dialogs.top() != nil {
		t.Fatalf("dialog left: %T", m.dialogs.top())
	}
}

func TestSamplingRawJSON(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	ch, _, _ := ask(t, m, "sampling/createMessage", samplingParamsFixture, "5")
	press(m, "ctrl+o")
	const rawTitle = "your answer: the whole CreateMessageResult as JSON"
	if !strings.Contains(plain(m), rawTitle) || !strings.Contains(plain(m), `"model": "sonde-human"`) {
		t.Fatalf("raw editor not shown:\n%s", plain(m))
	}
	// make it a tool_use answer by hand
	replaceText(m, `{"role":"assistant","content":[{"type":"tool_use","id":"x","name":"lookup","input":{}}],"model":"m","stopReason":"toolUse"}`)
	press(m, "ctrl+o")
	if s := plain(m); !strings.Contains(s, rawTitle) || !strings.Contains(s, "single text block") {
		t.Fatalf("leaving raw with a tool_use answer:\n%s", s)
	}
	press(m, "ctrl+r")
	got := resultJSON(t, answerOf(t, ch))
	if got != `{"role":"assistant","content":[{"type":"tool_use","id":"x","name":"lookup","input":{}}],"model":"m","stopReason":"toolUse"}` {
		t.Fatalf("raw answer %s", got)
	}

	// invalid JSON is refused; a result lacking model asks first
	ch, _, _ = ask(t, m, "sampling/createMessage", samplingParamsFixture, "6")
	press(m, "ctrl+o")
	replaceText(m, `{"role":`)
	press(m, "ctrl+r")
	noAnswer(t, ch)
	if s := plain(m); !strings.Contains(s, "not a JSON object") {
		t.Fatalf("no error shown:\n%s", s)
	}
	replaceText(m, `{"role":"assistant","content":{"type":"text","text":"x"}}`)
	press(m, "ctrl+r")
	if _, ok := m.dialogs.top().(*dialog.Confirm); !ok {
		t.Fatalf("a result without model was sent without asking: %T", m.dialogs.top())
	}
	press(m, "y")
	if got := resultJSON(t, answerOf(t, ch)); got != `{"role":"assistant","content":{"type":"text","text":"x"}}` {
		t.Fatalf("forced answer %s", got)
	}
}

func TestServerWithdrawsARequest(t *testing.T) {
	m := newTestModel(t, 80, 24, "")
	_, cancel, cmd := ask(t, m, "sampling/createMessage", samplingParamsFixture, "9")
	if m.dialogs.top() == nil {
		t.Fatal("no dialog")
	}
	cancel()
	run(m, cmd)
	if m.dialogs.top() != nil {
		t.Fatalf("the withdrawn request's dialog stayed: %T", m.dialogs.top())
	}
	if !strings.Contains(m.flash.text, "withdrew its sampling/createMessage (id 9)") {
		t.Fatalf("flash %q", m.flash.text)
	}
	// an answered request's watcher ends quietly
	ch, cancel2, cmd := ask(t, m, "sampling/createMessage", samplingParamsFixture, "10")
	defer cancel2()
	press(m, "ctrl+d")
	answerOf(t, ch)
	if msgs := run(m, cmd); len(msgs) != 0 {
		t.Fatalf("watcher after the answer: %v", msgs)
	}
}

const elicitFormFixture = `{"message":"Tell us about yourself.","requestedSchema":{"type":"object","properties":{
 "displayName":{"type":"string","title":"Display name","minLength":1,"default":"Ada"},
 "email":{"type":"string","title":"Email","format":"email"},
 "age":{"type":"integer","minimum":0,"default":36},
 "size":{"type":"string","title":"T-shirt size","oneOf":[{"const":"s","title":"Small"},{"const":"m","title":"Medium"}],"default":"m"},
 "color":{"type":"string","enum":["red","blue"],"enumNames":["Red","Blue"],"default":"blue"},
 "toppings":{"type":"array","items":{"type":"string","enum":["cheese","ham"]},"default":["cheese"]},
 "subscribe":{"type":"boolean","default":true}},
 "required":["displayName","email"]}}`

func TestElicitationFormAcceptDeclineCancel(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	ch, _, _ := ask(t, m, "elicitation/create", elicitFormFixture, "11")
	if _, ok := m.dialogs.top().(*serverreq.Elicit); !ok {
		t.Fatalf("no elicitation dialog: %T", m.dialogs.top())
	}
	screen := plain(m)
	for _, want := range []string{"Sonde Demo Server", "asks you for input", "Tell us about yourself.", "Display name", "Medium", "Blue", "cheese"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the dialog does not show %q", want)
		}
	}
	// email is required and empty: accepting asks first
	press(m, "ctrl+r")
	if _, ok := m.dialogs.top().(*dialog.Confirm); !ok {
		t.Fatalf("an invalid answer was sent without asking: %T", m.dialogs.top())
	}
	press(m, "n")
	noAnswer(t, ch)
	press(m, "tab") // email
	typeText(m, "ada@example.com")
	press(m, "ctrl+r")
	got := resultJSON(t, answerOf(t, ch))
	want := `{"action":"accept","content":{"displayName":"Ada","email":"ada@example.com","age":36,"size":"m","color":"blue","toppings":["cheese"],"subscribe":true}}`
	if got != want {
		t.Fatalf("accept\n got %s\nwant %s", got, want)
	}
	ch, _, _ = ask(t, m, "elicitation/create", elicitFormFixture, "12")
	press(m, "ctrl+d")
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"decline"}` {
		t.Fatalf("decline %s", got)
	}
	ch, _, _ = ask(t, m, "elicitation/create", elicitFormFixture, "")
	press(m, "esc")
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"cancel"}` {
		t.Fatalf("cancel %s", got)
	}
}

func TestElicitationWarnsAboutSecrets(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	ask(t, m, "elicitation/create", `{"message":"Log in","requestedSchema":{"type":"object","properties":{"user":{"type":"string"},"password":{"type":"string"}}}}`, "1")
	if !strings.Contains(plain(m), "password looks like a secret") {
		t.Fatalf("no secret warning:\n%s", plain(m))
	}
}

const urlElicitFixture = `{"mode":"url","message":"Open this page to sign in.","url":"https://auth.example.com/login?state=abc","elicitationId":"el-1"}`

func TestURLElicitationOpensOnlyAfterConsent(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	var opened []string
	m.env.opener = func(u string) error { opened = append(opened, u); return nil }
	ch, _, _ := ask(t, m, "elicitation/create", urlElicitFixture, "20")
	if _, ok := m.dialogs.top().(*serverreq.URL); !ok {
		t.Fatalf("no URL dialog: %T", m.dialogs.top())
	}
	screen := plain(m)
	for _, want := range []string{"asks you to open a web page", "host auth.example.com", "https://auth.example.com/login?state=abc", "Open this page to sign in.", "Nothing is opened until you press o"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the dialog does not show %q", want)
		}
	}
	if len(opened) != 0 {
		t.Fatal("opened before consent")
	}
	// a key right after the dialog appeared (meant for something else) does not consent
	m.dialogs.top().(*serverreq.URL).Guard = time.Hour
	run(m, press(m, "o"))
	noAnswer(t, ch)
	if len(opened) != 0 || !strings.Contains(m.flash.text, "just appeared") {
		t.Fatalf("a key right after the dialog appeared opened the URL: %v %q", opened, m.flash.text)
	}
	m.dialogs.top().(*serverreq.URL).Guard = 0
	run(m, press(m, "c")) // copying neither answers nor opens
	noAnswer(t, ch)
	cmd := press(m, "o")
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"accept"}` {
		t.Fatalf("consent answered %s", got)
	}
	run(m, cmd)
	if len(opened) != 1 || opened[0] != "https://auth.example.com/login?state=abc" {
		t.Fatalf("opened %v", opened)
	}
	w, ok := m.dialogs.top().(*serverreq.Wait)
	if !ok || !strings.Contains(plain(m), "waiting for notifications/elicitation/complete") {
		t.Fatalf("no waiting dialog: %T", m.dialogs.top())
	}
	// another id's completion changes nothing; this one's closes it
	f := &fx{at: t0}
	f.note("notifications/elicitation/complete", `{"elicitationId":"other"}`)
	m.update(eventsMsg(f.evs))
	if m.dialogs.top() != w {
		t.Fatal("closed by another elicitation's completion")
	}
	f.note("notifications/elicitation/complete", `{"elicitationId":"el-1"}`)
	m.update(eventsMsg(f.evs[1:]))
	if m.dialogs.top() != nil {
		t.Fatalf("the completion did not close the waiting dialog: %T", m.dialogs.top())
	}
}

func TestURLElicitationDeclineCancelAndNoOpener(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	m.env.opener = func(string) error { return errNoOpener }
	ch, _, _ := ask(t, m, "elicitation/create", urlElicitFixture, "21")
	press(m, "d")
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"decline"}` {
		t.Fatalf("decline %s", got)
	}
	ch, _, _ = ask(t, m, "elicitation/create", urlElicitFixture, "22")
	press(m, "esc")
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"cancel"}` {
		t.Fatalf("cancel %s", got)
	}
	ch, _, _ = ask(t, m, "elicitation/create", urlElicitFixture, "23")
	run(m, press(m, "o"))
	answerOf(t, ch)
	if _, ok := m.dialogs.top().(*serverreq.Wait); !ok || !strings.Contains(plain(m), "no browser opener") || !strings.Contains(plain(m), "c copies the URL") {
		t.Fatalf("no opener not reported:\n%s", plain(m))
	}
}

func TestURLElicitationWarnings(t *testing.T) {
	for raw, want := range map[string]string{
		"https://bank.example.com@evil.example/x": "real host is evil.example",
		"http://example.com/":                     "not encrypted",
		"http://127.0.0.1:8080/x":                 "",
		"https://xn--pple-43d.com/":               "punycode",
		"javascript:alert(1)":                     "opens only http(s)",
		"file:///etc/passwd":                      "opens only http(s)",
	} {
		tg := serverreq.ParseTarget(raw)
		got := strings.Join(tg.Warnings, "; ")
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%s: warnings %q, want %q", raw, got, want)
		}
	}
	m := newTestModel(t, 100, 30, "")
	var opened []string
	m.env.opener = func(u string) error { opened = append(opened, u); return nil }
	ch, _, _ := ask(t, m, "elicitation/create", `{"mode":"url","message":"x","url":"file:///etc/passwd"}`, "1")
	run(m, press(m, "o"))
	noAnswer(t, ch)
	if len(opened) > 0 {
		t.Fatal("opened a file: URL")
	}
}

func TestURLElicitationRequiredError(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	b := &fakeBackend{errs: map[string]error{"tools/call": &mcp.RPCError{Code: -32042, Message: "URL elicitation required",
		Data: json.RawMessage(`{"elicitations":[{"mode":"url","message":"Authorize the calendar.","url":"https://auth.example.com/cal","elicitationId":"cal-1"}]}`)}}}
	m.conn.sess = b
	var opened []string
	m.env.opener = func(u string) error { opened = append(opened, u); return nil }
	m.screen.focus = paneBrowser
	press(m, "j", "j", "enter") // echo
	typeText(m, "hi")
	run(m, press(m, "ctrl+r"))
	d, ok := m.dialogs.top().(*serverreq.URL)
	if !ok {
		t.Fatalf("no URL dialog for -32042: %T (%s)", m.dialogs.top(), m.flash.text)
	}
	if !d.ForCall() || !strings.Contains(plain(m), "before tools/call echo can go on (-32042)") || !strings.Contains(plain(m), "host auth.example.com") {
		t.Fatalf("dialog:\n%s", plain(m))
	}
	run(m, press(m, "o"))
	if len(opened) != 1 || opened[0] != "https://auth.example.com/cal" {
		t.Fatalf("opened %v", opened)
	}
	f := &fx{at: t0}
	f.note("notifications/elicitation/complete", `{"elicitationId":"cal-1"}`)
	m.update(eventsMsg(f.evs))
	w, ok := m.dialogs.top().(*serverreq.Wait)
	if !ok || !w.Done() || !strings.Contains(plain(m), "enter retries tools/call echo") {
		t.Fatalf("after completion: %T", m.dialogs.top())
	}
	delete(b.errs, "tools/call")
	b.answers = map[string]json.RawMessage{"tools/call": json.RawMessage(`{"content":[{"type":"text","text":"hi"}]}`)}
	run(m, press(m, "enter"))
	if n := len(b.calls); n != 2 || string(b.params[0]) != string(b.params[1]) {
		t.Fatalf("retry: %d calls %s", n, b.params)
	}
	if m.panes.work.Mode() != work.ModeResult || m.panes.work.Result().Err != nil {
		t.Fatalf("retry result not shown: mode %d", m.panes.work.Mode())
	}
}

func TestRootsAnsweredAndEdited(t *testing.T) {
	dir := t.TempDir()
	m := New(context.Background(), Options{Roots: []string{dir, "file:///srv/data", "~"}}, nil)
	m.ticking = true
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(eventsMsg(demoSession().evs))
	b := &fakeBackend{}
	m.conn.sess = b
	ch, _, _ := ask(t, m, "roots/list", `{}`, "30")
	got := resultJSON(t, answerOf(t, ch))
	if !strings.Contains(got, `{"uri":"file://`+dir+`","name":"`+lastElem(dir)+`"}`) || !strings.Contains(got, `{"uri":"file:///srv/data","name":"data"}`) || strings.Contains(got, "~") {
		t.Fatalf("roots %s", got)
	}
	if m.dialogs.top() != nil {
		t.Fatal("roots/list opened a dialog")
	}

	run(m, press(m, "F"))
	d, ok := m.dialogs.top().(*roots.Dialog)
	if !ok {
		t.Fatalf("F did not open the roots: %T", m.dialogs.top())
	}
	if !strings.Contains(plain(m), "/srv/data  ⚠ not found") || !strings.Contains(plain(m), "asked 1 time") {
		t.Fatalf("roots dialog:\n%s", plain(m))
	}
	press(m, "a")
	typeText(m, "/tmp/project")
	press(m, "tab")
	typeText(m, "proj")
	run(m, press(m, "enter"))
	if len(m.roots.Roots) != 4 || m.roots.Roots[3] != (roots.Root{URI: "file:///tmp/project", Name: "proj"}) {
		t.Fatalf("roots after add %+v", m.roots.Roots)
	}
	if len(b.notes) != 1 || b.notes[0] != "notifications/roots/list_changed" {
		t.Fatalf("notifications %v", b.notes)
	}
	// a duplicate is refused
	press(m, "a")
	typeText(m, "/tmp/project")
	run(m, press(m, "enter"))
	if len(m.roots.Roots) != 4 || !strings.Contains(d.Err(), "already") {
		t.Fatalf("duplicate: %d roots, err %q", len(m.roots.Roots), d.Err())
	}
	press(m, "esc")
	// remove the first; move the last up
	press(m, "g")
	run(m, press(m, "d"))
	if len(m.roots.Roots) != 3 || strings.Contains(m.roots.Roots[0].URI, dir) {
		t.Fatalf("after remove %+v", m.roots.Roots)
	}
	if len(b.notes) != 2 {
		t.Fatalf("no notification on remove: %v", b.notes)
	}
	press(m, "esc")
	if m.dialogs.top() != nil {
		t.Fatal("esc did not close the roots")
	}
	ch, _, _ = ask(t, m, "roots/list", `{}`, "")
	if got := resultJSON(t, answerOf(t, ch)); !strings.Contains(got, "file:///tmp/project") || strings.Contains(got, dir) {
		t.Fatalf("roots after edits %s", got)
	}

	// 2026-07-28 has no roots notification
	m.s.Conn.Info.Era = "modern"
	press(m, "F", "a")
	typeText(m, "/opt")
	run(m, press(m, "enter"))
	if len(b.notes) != 2 || !strings.Contains(m.flash.text, "2026-07-28 has no list_changed") {
		t.Fatalf("modern era notified: %v (%q)", b.notes, m.flash.text)
	}
}

func lastElem(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// TestHostileRequestsAndPanes: escape sequences in everything a server can
// put into a sampling request, an elicitation, a URL, log messages, tasks
// and completion values never reach the screen.
func TestHostileRequestsAndPanes(t *testing.T) {
	const evil = `\u001b]0;PWNED\u0007\u001b[2J\u001b[H\u009b31m\u202e`
	m := newTestModel(t, 120, 40, "")
	m.env.opener = func(string) error { return nil }
	check := func(what string) {
		t.Helper()
		assertSafe(t, what, screen(m))
	}
	ask(t, m, "sampling/createMessage", `{"messages":[{"role":"user`+evil+`","content":[{"type":"text","text":"hi`+evil+`"},{"type":"tool_use","id":"x`+evil+`","name":"n`+evil+`","input":{"k`+evil+`":1}},{"type":"tool_result","toolUseId":"y`+evil+`","content":[{"type":"text","text":"r`+evil+`"}]},{"type":"nope`+evil+`"}]}],
	 "systemPrompt":"s`+evil+`","modelPreferences":{"hints":[{"name":"h`+evil+`"}]},"stopSequences":["`+evil+`"],"includeContext":"c`+evil+`","metadata":{"m":"`+evil+`"},
	 "tools":[{"name":"t`+evil+`","description":"d`+evil+`","inputSchema":{"type":"object"}}],"toolChoice":{"mode":"auto`+evil+`"}}`, "1")
	check("sampling dialog")
	press(m, "pgdown")
	check("sampling dialog, scrolled")
	press(m, "ctrl+o")
	check("sampling raw editor")
	press(m, "ctrl+d")
	ask(t, m, "elicitation/create", `{"message":"m`+evil+`","requestedSchema":{"type":"object","properties":{"a`+evil+`":{"type":"string","title":"t`+evil+`","description":"d`+evil+`","enum":["x`+evil+`"]}}}}`, "2")
	check("elicitation form")
	press(m, "esc")
	ask(t, m, "elicitation/create", `{"mode":"url","message":"m`+evil+`","url":"https://h`+evil+`.example/`+evil+`","elicitationId":"e`+evil+`"}`, "3")
	check("URL dialog")
	run(m, press(m, "a"))
	check("URL wait dialog")
	press(m, "esc")
	f := &fx{at: t0.Add(time.Second)}
	f.note("notifications/message", `{"level":"error`+evil+`","logger":"l`+evil+`","data":{"message":"x`+evil+`","k`+evil+`":"v`+evil+`"}}`)
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindStderr, Text: "err\x1b[2J\x07"})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Text: "detecting the era\x1b]0;PWNED\x07"})
	f.req(70, "tools/call", `{"name":"x","arguments":{}}`)
	f.resp(70, "tools/call", `{"resultType":"task","taskId":"t`+evil+`","status":"work`+evil+`","statusMessage":"s`+evil+`","createdAt":"a","lastUpdatedAt":"b"}`)
	m.update(eventsMsg(f.evs))
	press(m, "M")
	check("server log")
	press(m, "enter")
	check("log message detail")
	press(m, "esc", "t")
	check("tasks")
	press(m, "D")
	check("connection dialog")
	press(m, "esc")
	m.setFocus(paneBrowser)
	press(m, "4", "enter")
	m.panes.work.Form().SetSuggestions("/text", []string{"s\x1b[2J\x07uggestion"}, 0, false)
	check("suggestions")
}

func TestRequestsCanBePutAside(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	ch, cancel, cmd := ask(t, m, "sampling/createMessage", samplingParamsFixture, "1")
	ch2, _, _ := ask(t, m, "elicitation/create", elicitFormFixture, "2")
	// one dialog, the oldest request's; the other waits in the queue
	if len(m.dialogs) != 1 || !strings.Contains(plain(m), "Sampling request · 1 of 2 waiting · f3 list · f4 next") || !strings.Contains(plain(m), "⚑ 2 server requests · f3") {
		t.Fatalf("two requests: %d dialogs\n%s", len(m.dialogs), plain(m))
	}
	if _, ok := m.dialogs.top().(*serverreq.Sampling); !ok {
		t.Fatalf("the oldest request is not shown: %T", m.dialogs.top())
	}
	press(m, "f2")
	if m.dialogs.top() != nil || !strings.Contains(plain(m), "⚑ 2 request(s) wait · f2") {
		t.Fatalf("F2 did not put them aside:\n%s", plain(m))
	}
	// the screen underneath works meanwhile
	press(m, "tab", "tab", "k")
	if m.screen.focus != paneLog || m.panes.log.Following() {
		t.Fatal("keys did not reach the panes")
	}
	noAnswer(t, ch)
	press(m, "f2")
	if _, ok := m.dialogs.top().(*serverreq.Sampling); !ok || len(m.dialogs) != 1 {
		t.Fatalf("F2 did not bring them back: %d", len(m.dialogs))
	}
	press(m, "f4") // the next one: the elicitation
	if _, ok := m.dialogs.top().(*serverreq.Elicit); !ok || len(m.dialogs) != 1 {
		t.Fatalf("f4 did not show the next request: %T", m.dialogs.top())
	}
	press(m, "esc")
	if got := resultJSON(t, answerOf(t, ch2)); got != `{"action":"cancel"}` {
		t.Fatalf("cancel %s", got)
	}
	// the sampling request is shown again
	if _, ok := m.dialogs.top().(*serverreq.Sampling); !ok {
		t.Fatalf("after the answer: %T", m.dialogs.top())
	}
	// a withdrawn request leaves the queue while put aside, too
	press(m, "f2")
	cancel()
	run(m, cmd)
	if m.requests.pending() != 0 || strings.Contains(plain(m), "wait · f2") {
		t.Fatalf("the withdrawn request stayed: %d", m.requests.pending())
	}
}

// replaceText replaces the text of the focused text area: to its end,
// everything deleted, the text pasted.
func replaceText(m *Model, text string) {
	upd(m, componenttest.Key("ctrl+end"))
	for range 2000 {
		press(m, "backspace")
	}
	m.update(tea.PasteMsg{Content: text})
}
