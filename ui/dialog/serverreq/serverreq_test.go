package serverreq

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
	"github.com/sonde-mcp/sonde/ui/dialog"
)

func newEnv() *Env {
	return &Env{C: commontest.New(), Server: "Demo", Queue: &Queue{}, Keys: DefaultQueueKeys()}
}

// ask is a request waiting for an answer, and the channel it arrives on.
func ask(method, params, id string) (*Pending, chan Answer) {
	reply := make(chan Answer, 1)
	req := &mcp.ServerRequest{Method: method, Params: json.RawMessage(params)}
	if id != "" {
		req.ID = json.RawMessage(id)
	}
	return NewPending(req, context.Background(), reply), reply
}

func answerOf(t *testing.T, ch chan Answer) Answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	default:
		t.Fatal("no answer was sent")
	}
	return Answer{}
}

func noAnswer(t *testing.T, ch chan Answer) {
	t.Helper()
	select {
	case a := <-ch:
		t.Fatalf("unexpected answer %+v", a)
	default:
	}
}

func resultJSON(t *testing.T, a Answer) string {
	t.Helper()
	if a.Err != nil {
		t.Fatalf("error answer: %v", a.Err)
	}
	b, _ := json.Marshal(a.Result)
	return string(b)
}

func press(c component.Component, keys ...string) component.Action {
	var a component.Action
	for _, k := range keys {
		a, _ = c.Update(ct.Key(k))
	}
	return a
}

func typeText(c component.Component, s string) {
	for _, r := range s {
		c.Update(ct.Key(string(r)))
	}
}

func view(c component.Component) string { return ansi.Strip(c.View(100, 30)) }

// closes reports whether a is (or begins with) Close, and the flash it
// says, if any.
func closes(a component.Action) (bool, string) {
	b, ok := a.(component.Batch)
	if !ok {
		_, c := a.(component.Close)
		return c, ""
	}
	_, c := b[0].(component.Close)
	flash := ""
	for _, x := range b {
		if f, ok := x.(component.Flash); ok {
			flash = f.Text
		}
	}
	return c, flash
}

// yes says yes to the confirmation a opened and hands its answer back to
// the dialog that asked, as the root does.
func yes(t *testing.T, a component.Action) component.Action {
	t.Helper()
	o, ok := a.(component.Open)
	if !ok {
		t.Fatalf("no confirmation: %#v", a)
	}
	if _, ok := o.Dialog.(*dialog.Confirm); !ok {
		t.Fatalf("opened %T", o.Dialog)
	}
	b, _ := press(o.Dialog, "y").(component.Batch)
	for _, x := range b {
		if d, ok := x.(Deliver); ok {
			a, _ := d.To.Update(d.Msg)
			return a
		}
	}
	t.Fatalf("yes delivered nothing: %#v", b)
	return nil
}

const samplingFixture = `{"messages":[
 {"role":"user","content":{"type":"text","text":"What is the capital of France?"}},
 {"role":"assistant","content":[{"type":"tool_use","id":"tu1","name":"lookup","input":{"q":"France"}}]}],
 "systemPrompt":"Be brief.","maxTokens":256,"temperature":0.7,
 "tools":[{"name":"lookup","description":"Look something up","inputSchema":{"type":"object"}}]}`

func newSampling(t *testing.T, env *Env) (*Sampling, chan Answer) {
	t.Helper()
	p, ch := ask("sampling/createMessage", samplingFixture, "7")
	d, err := NewSampling(env, p)
	if err != nil {
		t.Fatal(err)
	}
	d.Focus()
	return d, ch
}

func TestSamplingReplyAndSend(t *testing.T) {
	d, ch := newSampling(t, newEnv())
	s := view(d)
	for _, want := range []string{"Demo asks for an LLM completion: sampling/createMessage (id 7)", "system prompt", "Be brief.",
		"What is the capital of France?", "[tool_use] lookup", "typing replaces it", "sonde-human", "endTurn", "ctrl+r send"} {
		if !strings.Contains(s, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, s)
		}
	}
	typeText(d, "Paris.")
	press(d, "tab", "tab", "right") // the stop reason: stopSequence
	a := press(d, "ctrl+r")
	if c, flash := closes(a); !c || flash != "answered sampling/createMessage (id 7)" {
		t.Fatalf("send: %#v", a)
	}
	if got := resultJSON(t, answerOf(t, ch)); got != `{"role":"assistant","content":{"type":"text","text":"Paris."},"model":"sonde-human","stopReason":"stopSequence"}` {
		t.Fatalf("answer %s", got)
	}
}

func TestSamplingAsksBeforeOddAnswers(t *testing.T) {
	// an empty model name asks first; yes sends it
	d, ch := newSampling(t, newEnv())
	press(d, "tab")
	for range len(DefaultSamplingModel) {
		press(d, "backspace")
	}
	a := press(d, "ctrl+r")
	noAnswer(t, ch)
	if c, _ := closes(yes(t, a)); !c {
		t.Fatal("yes did not close the dialog")
	}
	if got := resultJSON(t, answerOf(t, ch)); !strings.Contains(got, `"model":""`) {
		t.Fatalf("answer %s", got)
	}
	// esc asks before rejecting (error -1)
	d, ch = newSampling(t, newEnv())
	yes(t, press(d, "esc"))
	var re *mcp.RPCError
	if a := answerOf(t, ch); !errors.As(a.Err, &re) || re.Code != -1 {
		t.Fatalf("reject %+v", a)
	}
}

func TestSamplingRawJSON(t *testing.T) {
	d, ch := newSampling(t, newEnv())
	press(d, "ctrl+o")
	if s := view(d); !strings.Contains(s, "the whole CreateMessageResult as JSON") || !strings.Contains(s, `"model": "sonde-human"`) {
		t.Fatalf("no raw editor:\n%s", s)
	}
	d.Update(ct.Key("ctrl+end"))
	for range 400 {
		press(d, "backspace")
	}
	d.Update(tea.PasteMsg{Content: `{"role":`})
	press(d, "ctrl+r")
	noAnswer(t, ch)
	if s := view(d); !strings.Contains(s, "not a JSON object") {
		t.Fatalf("no error:\n%s", s)
	}
}

func TestUnknownRequestIsRefused(t *testing.T) {
	env := newEnv()
	p, ch := ask("tools/list", `{"cursor":"c1"}`, `"x"`)
	d, _ := New(env, p)
	if s := view(d); !strings.Contains(s, "Demo asks: tools/list (id x)") || !strings.Contains(s, `"cursor": "c1"`) {
		t.Fatalf("view:\n%s", s)
	}
	if c, flash := closes(press(d, "d")); !c || flash != "refused tools/list (id x)" {
		t.Fatal("d did not refuse")
	}
	var re *mcp.RPCError
	if a := answerOf(t, ch); !errors.As(a.Err, &re) || re.Code != mcp.CodeMethodNotFound {
		t.Fatalf("refusal %+v", a)
	}
}

const elicitFixture = `{"message":"Your name?","requestedSchema":{"type":"object","properties":{
 "name":{"type":"string","default":"Ada"},"email":{"type":"string","format":"email"}},"required":["name","email"]}}`

func TestElicitForm(t *testing.T) {
	env := newEnv()
	p, ch := ask("elicitation/create", elicitFixture, "3")
	r, err := New(env, p)
	if err != nil {
		t.Fatal(err)
	}
	d := r.(*Elicit)
	d.Focus()
	if s := view(d); !strings.Contains(s, "Demo asks you for input: elicitation/create (id 3)") || !strings.Contains(s, "Your name?") {
		t.Fatalf("view:\n%s", s)
	}
	if _, ok := d.Proposed(); ok {
		t.Fatal("an invalid form proposed an answer")
	}
	// email is required: accepting asks first
	if c, _ := closes(yes(t, press(d, "ctrl+r"))); !c {
		t.Fatal("yes did not close")
	}
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"accept","content":{"name":"Ada"}}` {
		t.Fatalf("accept %s", got)
	}
	// a guard: esc right after the dialog appeared is taken for a stray key
	p, ch = ask("elicitation/create", elicitFixture, "4")
	env.Guard = 1 << 62
	r, _ = New(env, p)
	if a, ok := press(r, "esc").(component.Flash); !ok || !a.Err {
		t.Fatalf("esc at once: %#v", a)
	}
	noAnswer(t, ch)
	r.(*Elicit).Guard = 0
	press(r, "esc")
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"cancel"}` {
		t.Fatalf("cancel %s", got)
	}
}

func TestElicitationSecretWarning(t *testing.T) {
	p, _ := ask("elicitation/create", `{"message":"Log in","requestedSchema":{"type":"object","properties":{"password":{"type":"string"}}}}`, "1")
	d, _ := New(newEnv(), p)
	if !strings.Contains(view(d), "password looks like a secret") {
		t.Fatalf("no warning:\n%s", view(d))
	}
}

const urlFixture = `{"mode":"url","message":"Sign in.","url":"https://auth.example.com/login?s=1","elicitationId":"el-1"}`

func TestURLConsentThenWait(t *testing.T) {
	env := newEnv()
	p, ch := ask("elicitation/create", urlFixture, "20")
	env.Guard = 1 << 62
	r, _ := New(env, p)
	d := r.(*URL)
	if s := view(d); !strings.Contains(s, "host auth.example.com") || !strings.Contains(s, "Nothing is opened until you press o") {
		t.Fatalf("view:\n%s", s)
	}
	if a, ok := press(d, "o").(component.Flash); !ok || !strings.Contains(a.Text, "just appeared") {
		t.Fatalf("o at once: %#v", a)
	}
	d.Guard = 0
	if c, ok := press(d, "c").(component.Copy); !ok || c.Text != "https://auth.example.com/login?s=1" {
		t.Fatalf("copy %#v", c)
	}
	noAnswer(t, ch)
	b, _ := press(d, "o").(component.Batch)
	if len(b) != 2 {
		t.Fatalf("consent: %#v", b)
	}
	rep, ok1 := b[0].(component.Replace)
	open, ok2 := b[1].(OpenURL)
	if !ok1 || !ok2 || open.T.Raw != "https://auth.example.com/login?s=1" {
		t.Fatalf("consent: %#v", b)
	}
	if got := resultJSON(t, answerOf(t, ch)); got != `{"action":"accept"}` {
		t.Fatalf("consent answered %s", got)
	}
	w := rep.Dialog.(*Wait)
	if !strings.Contains(view(w), "waiting for notifications/elicitation/complete") || w.ID() != "el-1" {
		t.Fatalf("wait:\n%s", view(w))
	}
	w.OpenFailed("https://other.example/", "nope")
	w.OpenFailed(open.T.Raw, "no browser opener")
	if !strings.Contains(view(w), "no browser opener") {
		t.Fatalf("open failure not shown:\n%s", view(w))
	}
	if !w.Complete() {
		t.Fatal("a completion with no call to retry does not close the wait")
	}
}

func TestURLRequiredRetriesTheCall(t *testing.T) {
	env := newEnv()
	call := &Call{Method: "tools/call", Subject: "echo", Ref: 42}
	err := &mcp.RPCError{Code: CodeURLElicitationRequired, Data: json.RawMessage(`{"elicitations":[{"mode":"url","message":"Authorize.","url":"https://a.example/cal","elicitationId":"cal-1"}]}`)}
	els := URLElicitations(err)
	if len(els) != 1 {
		t.Fatalf("elicitations %+v", els)
	}
	env.Queue.Complete("cal-1") // the completion came before the consent
	d := NewURL(env, nil, els[0], call)
	if s := view(d); !strings.Contains(s, "before tools/call echo can go on (-32042)") || strings.Contains(s, "accept, I open it") {
		t.Fatalf("view:\n%s", s)
	}
	b := press(d, "o").(component.Batch)
	w := b[0].(component.Replace).Dialog.(*Wait)
	if !w.Done() || !strings.Contains(view(w), "enter retries tools/call echo") {
		t.Fatalf("wait:\n%s", view(w))
	}
	b = press(w, "enter").(component.Batch)
	if r, ok := b[1].(Retry); !ok || r.Call.Ref != 42 {
		t.Fatalf("retry %#v", b)
	}
}

func TestURLTargetWarnings(t *testing.T) {
	for raw, want := range map[string]string{
		"https://bank.example.com@evil.example/x": "real host is evil.example",
		"http://example.com/":                     "not encrypted",
		"http://127.0.0.1:8080/x":                 "",
		"https://xn--pple-43d.com/":               "punycode",
		"javascript:alert(1)":                     "opens only http(s)",
	} {
		got := strings.Join(ParseTarget(raw).Warnings, "; ")
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%s: warnings %q, want %q", raw, got, want)
		}
	}
}

func TestQueueTakesRefusesAndRules(t *testing.T) {
	q := &Queue{}
	p1, ch1 := ask("sampling/createMessage", `{"messages":[{"role":"user","content":{"type":"text","text":"Q1?"}}]}`, "1")
	p2, ch2 := ask("elicitation/create", urlFixture, "2")
	for _, p := range []*Pending{p1, p2} {
		if ruled, err := q.Take(p); ruled || err != nil {
			t.Fatalf("take: %v %v", ruled, err)
		}
	}
	if q.Len() != 2 || p1.N != 1 || p2.N != 2 || p1.Summary() != "Q1?" || !strings.HasPrefix(p2.Summary(), "URL https://auth.example.com") {
		t.Fatalf("queue %d, %q %q", q.Len(), p1.Summary(), p2.Summary())
	}
	big, chBig := ask("sampling/createMessage", `"`+strings.Repeat("x", MaxRequestBytes)+`"`, "3")
	if _, err := q.Take(big); err == nil || q.Refused != 1 {
		t.Fatal("a request too big was taken")
	}
	var re *mcp.RPCError
	if a := answerOf(t, chBig); !errors.As(a.Err, &re) || re.Code != CodeQueueFull {
		t.Fatalf("refusal %+v", a)
	}
	// a rule answers what waits; a URL elicitation only by decline/cancel
	if n := q.SetRule("sampling/createMessage", "reply:Paris."); n != 1 || q.Len() != 1 {
		t.Fatalf("rule answered %d, %d left", n, q.Len())
	}
	answerOf(t, ch1)
	if n := q.SetRule("elicitation/create", "accept-defaults"); n != 0 {
		t.Fatal("a rule accepted a URL elicitation")
	}
	noAnswer(t, ch2)
	if n := q.SetRule("elicitation/create", "decline"); n != 1 {
		t.Fatal("decline did not answer the URL elicitation")
	}
	if h := ansi.Strip(q.Header(commontest.New().Styles, DefaultQueueKeys())); h != "1 refused · 2 rule(s)" {
		t.Fatalf("header %q", h)
	}
}

func listEnv(t *testing.T) (*Env, []chan Answer) {
	env := newEnv()
	var chs []chan Answer
	for _, r := range [][2]string{
		{"sampling/createMessage", `{"messages":[{"role":"user","content":{"type":"text","text":"Question 1?"}}]}`},
		{"elicitation/create", `{"message":"Your name?","requestedSchema":{"type":"object","properties":{"name":{"type":"string","default":"Ada"}}}}`},
		{"tools/list", `{}`},
	} {
		p, ch := ask(r[0], r[1], "1"+string(rune('0'+len(chs))))
		env.Queue.Take(p)
		chs = append(chs, ch)
	}
	env.Queue.Shown = NewUnknown(env, env.Queue.Items()[1])
	return env, chs
}

func TestListQuickActions(t *testing.T) {
	env, chs := listEnv(t)
	d := NewList(env)
	s := view(d)
	for _, want := range []string{"3 waiting", "no rules", "sampling/createMessage (id 10) · Question 1?", "elicitation/create (id 11) · Your name? (shown)", "▸ #2", "tools/list (id 12)"} {
		if !strings.Contains(s, want) {
			t.Errorf("the list lacks %q:\n%s", want, s)
		}
	}
	// answer the elicitation as proposed (its defaults)
	b := press(d, "a").(component.Batch)
	if dr, ok := b[1].(Dropped); !ok || dr.P != env.Queue.Items()[1] {
		t.Fatalf("answer %#v", b)
	}
	if got := resultJSON(t, answerOf(t, chs[1])); got != `{"action":"accept","content":{"name":"Ada"}}` {
		t.Fatalf("answered %s", got)
	}
	// an unknown method has no proposal; d rejects it
	press(d, "j")
	if f, ok := press(d, "a").(component.Flash); !ok || !f.Err {
		t.Fatal("a proposed an answer for an unknown method")
	}
	press(d, "d")
	var re *mcp.RPCError
	if a := answerOf(t, chs[2]); !errors.As(a.Err, &re) || re.Code != mcp.CodeMethodNotFound {
		t.Fatalf("reject %+v", a)
	}
	// enter shows one; r opens its rule
	press(d, "g")
	if b := press(d, "enter").(component.Batch); b[1] != (ShowRequest{P: env.Queue.Items()[0]}) {
		t.Fatalf("enter %#v", b)
	}
	if o, ok := press(d, "r").(component.Open); !ok || !strings.Contains(view(o.Dialog.(*Rule)), "Rule for sampling/createMessage") {
		t.Fatal("r did not open the rule")
	}
}

func TestRuleEditor(t *testing.T) {
	env := newEnv()
	d := NewRule(env, "elicitation/create")
	if !strings.Contains(view(d), "rule: accept-defaults") {
		t.Fatalf("view:\n%s", view(d))
	}
	for range len("accept-defaults") {
		press(d, "backspace")
	}
	typeText(d, "maybe")
	if a := press(d, "enter"); a != nil || !strings.Contains(view(d), "unknown elicitation policy") {
		t.Fatalf("a bad rule: %#v\n%s", a, view(d))
	}
	for range len("maybe") {
		press(d, "backspace")
	}
	typeText(d, "decline")
	b := press(d, "enter").(component.Batch)
	if b[1] != (SetRule{Method: "elicitation/create", Rule: "decline"}) {
		t.Fatalf("set %#v", b)
	}
	if r, ok := press(d, "tab").(component.Replace); !ok || !strings.Contains(view(r.Dialog), "Rule for sampling/createMessage") {
		t.Fatal("tab did not switch to the other method")
	}
}

// typed is every key a text field takes: printable characters and its
// editing keys; the honesty check of a dialog with one leaves them out.
func typed(editing ...[]string) []string {
	skip := map[string]bool{}
	for _, ks := range editing {
		for _, k := range ks {
			skip[k] = true
		}
	}
	var out []string
	for _, k := range ct.Universe() {
		if skip[k] || len([]rune(k)) == 1 || k == "space" {
			out = append(out, k)
		}
	}
	return out
}

// rootKeys are the keys the root takes before a request dialog sees them.
var rootKeys = []string{"f2", "f3", "f4", "ctrl+y"}

func TestHelpHonesty(t *testing.T) {
	t.Run("unknown", func(t *testing.T) {
		ct.HelpHonesty(t, []ct.Fixture{func() component.Component {
			p, _ := ask("tools/list", `{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30]}`, "1")
			d := NewUnknown(newEnv(), p)
			d.Update(ct.Key("down"))
			return d
		}}, rootKeys...)
	})
	t.Run("sampling", func(t *testing.T) {
		at := func(keys ...string) ct.Fixture {
			return func() component.Component {
				p, _ := ask("sampling/createMessage", `{"systemPrompt":"`+strings.Repeat("a long prompt ", 200)+`"}`, "1")
				d, _ := NewSampling(newEnv(), p)
				d.Focus()
				d.View(100, 30)
				press(d, keys...)
				return d
			}
		}
		// the stop reason and the request take no text: every key there is
		// the dialog's
		ct.HelpHonesty(t, []ct.Fixture{at("tab", "tab"), at("tab", "tab", "tab"), at("tab", "tab", "tab", "pgdown", "down")}, rootKeys...)
	})
	t.Run("elicit", func(t *testing.T) {
		// an enum and a boolean: no field takes text
		at := func(keys ...string) ct.Fixture {
			return func() component.Component {
				p, _ := ask("elicitation/create", `{"message":"ok?","requestedSchema":{"type":"object","properties":{"c":{"type":"string","enum":["red","blue"],"default":"red"},"n":{"type":"boolean"}}}}`, "1")
				d, _ := New(newEnv(), p)
				d.Focus()
				press(d, keys...)
				return d
			}
		}
		ct.HelpHonesty(t, []ct.Fixture{at(), at("tab")}, rootKeys...)
	})
	t.Run("url", func(t *testing.T) {
		ct.HelpHonesty(t, []ct.Fixture{
			func() component.Component {
				p, _ := ask("elicitation/create", urlFixture, "1")
				d, _ := New(newEnv(), p)
				return d
			},
			func() component.Component {
				return NewURL(newEnv(), nil, ElicitParams{URL: "https://a.example/"}, &Call{Method: "tools/call"})
			},
		}, rootKeys...)
	})
	t.Run("wait", func(t *testing.T) {
		tg := ParseTarget("https://a.example/")
		ct.HelpHonesty(t, []ct.Fixture{
			func() component.Component { return NewWait(newEnv(), "el", tg, nil, true) },
			func() component.Component { return NewWait(newEnv(), "el", tg, &Call{}, true) },
			func() component.Component { w := NewWait(newEnv(), "el", tg, &Call{}, true); w.Complete(); return w },
		}, rootKeys...)
	})
	t.Run("list", func(t *testing.T) {
		ct.HelpHonesty(t, []ct.Fixture{func() component.Component { env, _ := listEnv(t); return NewList(env) }}, rootKeys...)
	})
	t.Run("rule", func(t *testing.T) {
		ct.HelpHonesty(t, []ct.Fixture{func() component.Component { return NewRule(newEnv(), "sampling/createMessage") }}, typed(textKeys())...)
	})
}

// textKeys is every key of a text input's own key map.
func textKeys() []string {
	k := textinput.DefaultKeyMap()
	var out []string
	for _, b := range []interface{ Keys() []string }{&k.CharacterForward, &k.CharacterBackward, &k.WordForward, &k.WordBackward,
		&k.DeleteWordBackward, &k.DeleteWordForward, &k.DeleteAfterCursor, &k.DeleteBeforeCursor, &k.DeleteCharacterBackward,
		&k.DeleteCharacterForward, &k.LineStart, &k.LineEnd, &k.Paste, &k.AcceptSuggestion, &k.NextSuggestion, &k.PrevSuggestion} {
		out = append(out, b.Keys()...)
	}
	return out
}

// The unknown request's parameters scroll to their last line and no
// further, even in a terminal too short to show a row of them (it used to
// slice past the end there).
func TestUnknownRequestScrollsToItsEnd(t *testing.T) {
	p, _ := ask("x/odd", `{"a":1,"b":2,"c":3,"d":4}`, `"x"`)
	d := NewUnknown(newEnv(), p)
	for range 20 {
		press(d, "down")
	}
	if s := ansi.Strip(d.View(100, 14)); !strings.Contains(s, `"d": 4`) || strings.Contains(s, `"b": 2`) {
		t.Fatalf("scrolled to the end:\n%s", s)
	}
	for range 20 {
		press(d, "down")
	}
	d.View(100, 8)
	press(d, "up")
	if s := ansi.Strip(d.View(100, 14)); !strings.Contains(s, `"d": 4`) {
		t.Fatalf("one up from the end:\n%s", s)
	}
}
