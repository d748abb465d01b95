package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

// floodModel sends n server requests through the real feed, each from its
// own goroutine as the session does (one after the other, so they queue in
// order), and takes them in the way the program does until all are in;
// params(i) gives each request's method and params. It returns the
// channels their answers arrive on.
func floodModel(t *testing.T, m *Model, n int, params func(i int) (string, string)) []chan serverreq.Answer {
	t.Helper()
	f := newFeed(session.New(), 0, nil)
	f.reqs = make(chan serverRequestMsg, n)
	t.Cleanup(f.close)
	answers := make([]chan serverreq.Answer, n)
	deadline := time.Now().Add(20 * time.Second)
	for i := range n {
		answers[i] = make(chan serverreq.Answer, 1)
		method, p := params(i)
		req := &mcp.ServerRequest{ID: json.RawMessage(fmt.Sprint(100 + i)), Method: method, Params: json.RawMessage(p)}
		go func() {
			res, err := f.handle(context.Background(), req)
			answers[i] <- serverreq.Answer{Result: res, Err: err}
		}()
		for len(f.reqs) < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("request %d was not sent", i)
			}
			runtime.Gosched()
		}
	}
	deadline = time.Now().Add(20 * time.Second)
	for taken := 0; taken < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests taken in", taken, n)
		}
		msg := listenRequests(f.reqs)()
		taken += len(msg.(serverRequestsMsg))
		m.update(msg)
	}
	return answers
}

// waitAnswer waits for the answer a request's goroutine passes on.
func waitAnswer(t *testing.T, ch <-chan serverreq.Answer) serverreq.Answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no answer was sent")
	}
	return serverreq.Answer{}
}

func samplingOrElicit(i int) (string, string) {
	if i%2 == 0 {
		return "sampling/createMessage", fmt.Sprintf(`{"messages":[{"role":"user","content":{"type":"text","text":"Question %d?"}}],"maxTokens":5}`, i+1)
	}
	return "elicitation/create", fmt.Sprintf(`{"message":"Request %d: your name?","requestedSchema":{"type":"object","properties":{"name":{"type":"string","default":"Ada"}},"required":["name"]}}`, i+1)
}

// A burst of server requests is one dialog and a count: the frame does not
// grow with the queue (it composed every waiting request's dialog, 16 of
// them took 50 s and 14 GB to take in), and the queue says where one is.
func TestRequestBurstIsOneDialog(t *testing.T) {
	one := newTestModel(t, 120, 40, "")
	floodModel(t, one, 1, samplingOrElicit)
	m := newTestModel(t, 120, 40, "")
	floodModel(t, m, 8, samplingOrElicit)
	if got, want := len(m.Render()), len(one.Render()); got > want*2 {
		t.Fatalf("the frame with 8 requests waiting is %d bytes, with 1 %d: it grows with the queue", got, want)
	}
	s := plain(m)
	for _, want := range []string{"Question 1?", "Sampling request · 1 of 8 waiting · f3 list · f4 next", "⚑ 8 server requests · f3"} {
		if !strings.Contains(s, want) {
			t.Errorf("the screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "Sampling request") != 1 || strings.Contains(s, "Elicitation") {
		t.Fatalf("more than one request dialog is drawn:\n%s", s)
	}
}

// Past the queue's length, requests are refused at once with a JSON-RPC
// error the log shows; so is one too large to keep.
func TestQueueRefusesBeyondItsLength(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	answers := floodModel(t, m, serverreq.MaxQueued+3, samplingOrElicit)
	for _, ch := range answers[serverreq.MaxQueued:] {
		var re *mcp.RPCError
		if a := waitAnswer(t, ch); !errors.As(a.Err, &re) || re.Code != serverreq.CodeQueueFull || !strings.Contains(re.Message, "already wait for the user") {
			t.Fatalf("a refusal answered %+v", a)
		}
	}
	noAnswer(t, answers[serverreq.MaxQueued-1])
	if m.requests.pending() != serverreq.MaxQueued {
		t.Fatalf("%d waiting", m.requests.pending())
	}
	if s := plain(m); !strings.Contains(s, "3 refused") {
		t.Fatalf("the header does not say so:\n%s", s)
	}
	// one request too large to keep
	m = newTestModel(t, 120, 40, "")
	big := `{"messages":[{"role":"user","content":{"type":"text","text":"` + strings.Repeat("x", serverreq.MaxRequestBytes) + `"}}]}`
	answers = floodModel(t, m, 1, func(int) (string, string) { return "sampling/createMessage", big })
	var re *mcp.RPCError
	if a := <-answers[0]; !errors.As(a.Err, &re) || !strings.Contains(re.Message, "bytes") || m.requests.pending() != 0 {
		t.Fatalf("a %d-byte request: %+v, %d waiting", len(big), a, m.requests.pending())
	}
}

// The list (F3): every waiting request with its gist; answer as its dialog
// proposes, reject, or open any of them.
func TestQueueListQuickActions(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	answers := floodModel(t, m, 5, func(i int) (string, string) {
		if i == 4 {
			return "tools/list", `{}` // a method sonde does not answer
		}
		return samplingOrElicit(i)
	})
	press(m, "f3")
	s := plain(m)
	for _, want := range []string{"Server requests", "5 waiting", "no rules", "#1", "sampling/createMessage (id 100) · Question 1? (shown)", "elicitation/create (id 101) · Request 2: your name?", "tools/list (id 104)"} {
		if !strings.Contains(s, want) {
			t.Errorf("the list lacks %q:\n%s", want, s)
		}
	}
	press(m, "j", "a") // #2, the elicitation: accept with its defaults
	if got := resultJSON(t, waitAnswer(t, answers[1])); got != `{"action":"accept","content":{"name":"Ada"}}` {
		t.Fatalf("quick answer %s", got)
	}
	press(m, "d") // now #3, a sampling request: rejected (-1)
	var re *mcp.RPCError
	if a := waitAnswer(t, answers[2]); !errors.As(a.Err, &re) || re.Code != -1 {
		t.Fatalf("quick reject %+v", a)
	}
	press(m, "j", "d") // #5, the unknown method: -32601
	if a := waitAnswer(t, answers[4]); !errors.As(a.Err, &re) || re.Code != mcp.CodeMethodNotFound {
		t.Fatalf("unknown method rejected with %+v", a)
	}
	press(m, "enter") // #4 gets the dialog; #1 waits
	if _, ok := m.dialogs.top().(*serverreq.Elicit); !ok || !strings.Contains(plain(m), "Request 4") {
		t.Fatalf("enter did not open #4: %T", m.dialogs.top())
	}
	noAnswer(t, answers[0])
	if m.requests.pending() != 2 {
		t.Fatalf("%d waiting", m.requests.pending())
	}
	// answering the shown one shows the oldest left
	press(m, "ctrl+d")
	if got := resultJSON(t, waitAnswer(t, answers[3])); got != `{"action":"decline"}` {
		t.Fatalf("decline %s", got)
	}
	if _, ok := m.dialogs.top().(*serverreq.Sampling); !ok || m.requests.pending() != 1 {
		t.Fatalf("after the answer: %T, %d waiting", m.dialogs.top(), m.requests.pending())
	}
}

// "Answer all like this": a rule per method, in the policies' language,
// answers what waits and what comes, until it is cleared; a URL
// elicitation still waits for a person.
func TestQueueRules(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	answers := floodModel(t, m, 6, samplingOrElicit)
	// ctrl+y in the sampling dialog: its reply for every sampling request
	typeText(m, "Paris.")
	press(m, "ctrl+y")
	for _, i := range []int{0, 2, 4} {
		if got := resultJSON(t, waitAnswer(t, answers[i])); got != `{"content":{"text":"Paris.","type":"text"},"model":"sonde-headless","role":"assistant","stopReason":"endTurn"}` {
			t.Fatalf("request %d: %s", i, got)
		}
	}
	if m.requests.pending() != 3 {
		t.Fatalf("%d waiting", m.requests.pending())
	}
	if _, ok := m.dialogs.top().(*serverreq.Elicit); !ok {
		t.Fatalf("the elicitations wait: %T", m.dialogs.top())
	}
	// a rule for elicitation from the list: the same forms as --elicitation
	press(m, "f3", "r")
	for range len("accept-defaults") {
		press(m, "backspace")
	}
	typeText(m, "maybe")
	press(m, "enter")
	if s := plain(m); !strings.Contains(s, "unknown elicitation policy") {
		t.Fatalf("a bad rule is not refused:\n%s", s)
	}
	for range len("maybe") {
		press(m, "backspace")
	}
	typeText(m, `accept:{"name":"Grace"}`)
	press(m, "enter")
	if _, ok := m.dialogs.top().(*serverreq.List); !ok {
		t.Fatalf("after a rule, the list is covered by %T", m.dialogs.top())
	}
	for _, i := range []int{1, 3, 5} {
		if got := resultJSON(t, waitAnswer(t, answers[i])); got != `{"action":"accept","content":{"name":"Grace"}}` {
			t.Fatalf("request %d: %s", i, got)
		}
	}
	if s := plain(m); !strings.Contains(s, `rule elicitation/create → accept:{"name":"Grace"}`) || !strings.Contains(s, "rule sampling/createMessage → reply:Paris.") {
		t.Fatalf("the list does not show the rules:\n%s", s)
	}
	press(m, "esc")
	// rules answer what comes next, without a dialog; not a URL to open
	ch, _, _ := ask(t, m, "sampling/createMessage", samplingParamsFixture, "7")
	if got := resultJSON(t, answerOf(t, ch)); !strings.Contains(got, `"text":"Paris."`) || m.dialogs.top() != nil {
		t.Fatalf("a new request under a rule: %s, %T", got, m.dialogs.top())
	}
	ch, _, _ = ask(t, m, "elicitation/create", urlElicitFixture, "8")
	noAnswer(t, ch)
	if _, ok := m.dialogs.top().(*serverreq.URL); !ok {
		t.Fatalf("a URL elicitation was not left to the user: %T", m.dialogs.top())
	}
	press(m, "d")
	answerOf(t, ch)
	// cleared, sampling waits for the user again
	press(m, "f3", "r") // nothing waits: the editor opens on sampling's rule
	for range len("reply:Paris.") {
		press(m, "backspace")
	}
	press(m, "enter", "esc")
	ch, _, _ = ask(t, m, "sampling/createMessage", samplingParamsFixture, "9")
	noAnswer(t, ch)
	if _, ok := m.dialogs.top().(*serverreq.Sampling); !ok {
		t.Fatalf("after clearing the rule: %T", m.dialogs.top())
	}
}

// The next request's dialog ignores keys for a moment: a key meant for
// the one just answered must not answer it.
func TestNextRequestIgnoresKeysAtFirst(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	answers := floodModel(t, m, 2, samplingOrElicit)
	press(m, "ctrl+r")
	waitAnswer(t, answers[0])
	m.env.consentGuard = time.Hour
	press(m, "ctrl+d")
	noAnswer(t, answers[1])
	if !strings.Contains(m.flash.text, "has just appeared") {
		t.Fatalf("flash %q", m.flash.text)
	}
	m.env.consentGuard = 0
	press(m, "ctrl+d")
	waitAnswer(t, answers[1])
}

// Answering the shown request from the list keeps the list on top: the
// next request's dialog goes under it.
func TestQueueListStaysOnTop(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	answers := floodModel(t, m, 3, samplingOrElicit)
	press(m, "f3", "d") // the shown one, #1
	waitAnswer(t, answers[0])
	if _, ok := m.dialogs.top().(*serverreq.List); !ok {
		t.Fatalf("the next request covered the list: %T", m.dialogs.top())
	}
	press(m, "esc")
	if _, ok := m.dialogs.top().(*serverreq.Elicit); !ok {
		t.Fatalf("under the list: %T", m.dialogs.top())
	}
}
