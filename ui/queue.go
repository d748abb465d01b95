package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/component"
)

// The queue of server requests (issue 15 item 5). Sampling, elicitation
// and unknown requests wait here in arrival order; one of them at a time
// has a dialog, drawn on top of the screen, so a burst of a thousand costs
// what one costs. Each waiting request keeps only its message (bounded in
// bytes); past the queue's length or bytes a request is refused at once
// with a JSON-RPC error, which the log shows like any answer. The list
// (F3) answers, rejects or opens any of them, and sets "answer all like
// this" rules per method, written in the headless policies' language
// (package policy): a rule answers what waits and what comes next, until
// it is cleared.
//
// The queue is a self-contained piece: requestQueue holds the state, the
// Model methods below are its whole interface to the rest of the UI
// (take, sync, hide, next, gone, and the header and dialog captions), and
// QueueKeys are its keys.

const (
	// maxQueued is how many server requests may wait; more are refused.
	maxQueued = 1024
	// maxQueuedBytes bounds the bytes the waiting requests keep.
	maxQueuedBytes = 64 << 20
	// maxRequestBytes bounds one request's params; a larger one is refused.
	maxRequestBytes = 4 << 20
	// codeQueueFull is the JSON-RPC error code of a refused request (the
	// implementation-defined server error range).
	codeQueueFull = -32000
)

// requestQueue is the server requests that wait for the user.
type requestQueue struct {
	items   []*pendingRequest // in arrival order
	shown   requestDialogFocus
	shownAt time.Time
	hidden  bool // F2: the shown request's dialog is put aside
	bytes   int
	seq     int // numbers the requests as they arrive
	refused int // refused because the queue was full
	ruled   int // answered by a rule
	rules   map[string]string
}

func (q *requestQueue) len() int { return len(q.items) }

// add queues p, or reports why it cannot wait.
func (q *requestQueue) add(p *pendingRequest) error {
	n := len(p.msg.req.Params)
	switch {
	case n > maxRequestBytes:
		return fmt.Errorf("sonde refused this %s: its params are %d bytes, more than the %d one waiting request may keep", p.msg.req.Method, n, maxRequestBytes)
	case len(q.items) >= maxQueued:
		return fmt.Errorf("sonde refused this %s: %d server requests already wait for the user", p.msg.req.Method, len(q.items))
	case q.bytes+n > maxQueuedBytes:
		return fmt.Errorf("sonde refused this %s: the %d waiting server requests already hold %d bytes", p.msg.req.Method, len(q.items), q.bytes)
	}
	q.seq++
	p.n, p.size = q.seq, n
	q.items = append(q.items, p)
	q.bytes += n
	return nil
}

// remove takes p out of the queue (answered or withdrawn).
func (q *requestQueue) remove(p *pendingRequest) {
	if i := slices.Index(q.items, p); i >= 0 {
		q.items = slices.Delete(q.items, i, i+1)
		q.bytes -= p.size
	}
}

// index is p's place in the queue (-1 when it is not there).
func (q *requestQueue) index(p *pendingRequest) int { return slices.Index(q.items, p) }

// rule is the rule for a request, if one applies: none to a URL
// elicitation but decline and cancel (opening a page needs a person).
func (q *requestQueue) rule(p *pendingRequest) (string, bool) {
	r := q.rules[p.msg.req.Method]
	if r == "" {
		return "", false
	}
	if p.msg.req.Method == "elicitation/create" && r != string(policy.ElicitDecline) && r != string(policy.ElicitCancel) {
		var ep struct {
			Mode string `json:"mode"`
		}
		json.Unmarshal(p.msg.req.Params, &ep)
		if ep.Mode == "url" {
			return "", false
		}
	}
	return r, true
}

// answerByPolicy answers p the way a policy would (a rule, or a quick
// reject).
func answerByPolicy(p *pendingRequest, rule string) {
	pol := policy.Policy{Sampling: rule, Elicitation: policy.Elicitation(rule)}
	res, err := pol.Answer(p.msg.req.Method, p.msg.req.Params)
	p.answer(serverAnswer{result: res, err: err})
}

// rejection is the quick "reject" of a request: what its dialog's reject
// key sends (sampling: error -1; elicitation: decline; an unknown method:
// -32601).
func rejection(p *pendingRequest) func() {
	switch p.msg.req.Method {
	case "sampling/createMessage":
		return func() { answerByPolicy(p, "reject") }
	case "elicitation/create":
		return func() { answerByPolicy(p, string(policy.ElicitDecline)) }
	}
	return func() {
		p.answer(serverAnswer{err: &mcp.RPCError{Code: mcp.CodeMethodNotFound, Message: "sonde does not handle " + p.msg.req.Method}})
	}
}

// ruleForms says how rules are written for a method.
func ruleForms(method string) string {
	switch method {
	case "sampling/createMessage":
		return "reject · reply:TEXT · template:TEXT ({{message}} the last user message, {{system}} the system prompt)"
	case "elicitation/create":
		return `accept-defaults · accept:{"name":"Ada"} (over the defaults) · decline · cancel`
	}
	return ""
}

// ---- the Model's side ----

// takeRequests takes in a batch of server requests: roots/list is
// answered at once, a request a rule covers is answered by it, the rest
// wait in the queue (or are refused when it is full).
func (m *Model) takeRequests(msgs []serverRequestMsg) tea.Cmd {
	q := &m.queue
	var cmds []tea.Cmd
	refused, ruled := 0, 0
	var lastErr string
	for _, msg := range msgs {
		p := newPendingRequest(msg)
		p.at = m.com.Now // the clock ticks once a second: a live request takes the time itself
		if m.live {
			p.at = time.Now()
		}
		if msg.req.Method == "roots/list" {
			p.answer(serverAnswer{result: m.roots.Result()})
			m.roots.Asked++
			continue
		}
		if r, ok := q.rule(p); ok {
			answerByPolicy(p, r)
			ruled++
			continue
		}
		if err := q.add(p); err != nil {
			p.answer(serverAnswer{err: &mcp.RPCError{Code: codeQueueFull, Message: err.Error()}})
			refused++
			lastErr = err.Error()
			continue
		}
		cmds = append(cmds, p.watch())
	}
	q.refused += refused
	q.ruled += ruled
	switch {
	case refused > 0:
		m.setFlash(fmt.Sprintf("refused %d server request(s): %s (the log shows the answers)", refused, lastErr), true)
	case ruled > 0:
		m.setFlash(fmt.Sprintf("answered %d server request(s) by your rules (F3 changes them)", ruled), false)
	}
	return tea.Batch(append(cmds, m.syncQueue())...)
}

// syncQueue keeps the one dialog up to date: when the request shown is
// answered it leaves the queue, and the oldest waiting one gets a dialog
// (unless the requests are put aside).
func (m *Model) syncQueue() tea.Cmd {
	q := &m.queue
	next := false // the one shown was answered: keys go on for a moment
	if q.shown != nil && q.shown.pending().answered() {
		next = true
		q.remove(q.shown.pending())
		m.removeDialog(q.shown)
		q.shown = nil
	}
	for q.shown == nil && !q.hidden && len(q.items) > 0 {
		if d := m.dialogFor(q.items[0]); d != nil {
			return m.showRequest(d, next)
		}
	}
	return nil
}

// dialogFor builds p's dialog; a request it cannot read is answered with
// -32602 and leaves the queue (nil).
func (m *Model) dialogFor(p *pendingRequest) requestDialogFocus {
	d, err := newRequestDialog(m, p)
	if err != nil {
		p.answer(serverAnswer{err: &mcp.RPCError{Code: mcp.CodeInvalidParams, Message: "sonde cannot read this " + p.msg.req.Method + ": " + err.Error()}})
		m.queue.remove(p)
		m.setFlash("unreadable "+p.msg.req.Method+": "+err.Error(), true)
		return nil
	}
	return d
}

// showRequest makes d the dialog shown. guard: it replaces one the user
// just answered, so the keys that come right after were meant for that
// one and are ignored for a moment.
func (m *Model) showRequest(d requestDialogFocus, guard bool) tea.Cmd {
	q := &m.queue
	q.shown, q.shownAt = d, time.Time{}
	if guard {
		q.shownAt = time.Now()
	}
	if !q.hidden {
		m.pushRequestDialog(d)
	}
	return d.focus()
}

// pushRequestDialog puts a request's dialog on top, or under the queue's
// list and rule editor when they are open (the next request must not
// cover the list the user is working in).
func (m *Model) pushRequestDialog(d oldDialog) {
	for i, x := range m.dialogs {
		switch unwrap(x).(type) {
		case *queueDialog, *ruleDialog:
			m.dialogs = slices.Insert(m.dialogs, i, component.Dialog(legacyDialog{m, d}))
			return
		}
	}
	m.pushDialog(d)
}

// showQueued gives p the dialog, putting the one shown back in line.
func (m *Model) showQueued(p *pendingRequest) tea.Cmd {
	q := &m.queue
	if q.shown != nil {
		if q.shown.pending() == p {
			return nil
		}
		m.removeDialog(q.shown)
		q.shown = nil
	}
	d := m.dialogFor(p)
	if d == nil {
		return m.syncQueue()
	}
	q.hidden = false
	return m.showRequest(d, false)
}

// nextRequest shows the next waiting request (the one shown keeps its
// place and its edits are dropped).
func (m *Model) nextRequest() tea.Cmd {
	q := &m.queue
	if len(q.items) < 2 {
		m.setFlash("no other server request waits", false)
		return nil
	}
	i := 0
	if q.shown != nil {
		i = (q.index(q.shown.pending()) + 1) % len(q.items)
	}
	return m.showQueued(q.items[i])
}

// toggleRequests puts the request shown aside (it keeps waiting, and the
// header says so) or brings it back; it reports whether there was
// anything to do.
func (m *Model) toggleRequests() bool {
	q := &m.queue
	switch {
	case q.hidden:
		q.hidden = false
		if q.shown != nil {
			m.pushRequestDialog(q.shown)
		}
		m.syncQueue()
		return true
	case len(q.items) > 0:
		q.hidden = true
		if q.shown != nil {
			m.removeDialog(q.shown)
		}
		m.setFlash(fmt.Sprintf("%d server request(s) wait for you: %s brings them back", len(q.items), m.keys.Queue.Hide.Help().Key), false)
		return true
	}
	return false
}

// requestGone drops a request the server withdrew before the user
// answered it.
func (m *Model) requestGone(msg requestGoneMsg) tea.Cmd {
	if msg.p.answered() {
		return nil
	}
	msg.p.answer(serverAnswer{err: context.Canceled}) // unblocks nothing; marks it done
	m.queue.remove(msg.p)
	m.setFlash("the server withdrew its "+msg.p.what()+" before you answered", true)
	return m.syncQueue()
}

// pendingRequests counts the server requests waiting for the user.
func (m *Model) pendingRequests() int { return m.queue.len() }

// setRule sets (or, with "", clears) the rule for a method, and answers
// what waits with it.
func (m *Model) setRule(method, rule string) tea.Cmd {
	q := &m.queue
	if rule == "" {
		delete(q.rules, method)
		m.setFlash("no rule for "+method+": each request waits for you", false)
		return nil
	}
	if q.rules == nil {
		q.rules = map[string]string{}
	}
	q.rules[method] = rule
	n := 0
	for _, p := range slices.Clone(q.items) {
		if p.msg.req.Method != method {
			continue
		}
		if r, ok := q.rule(p); ok {
			answerByPolicy(p, r)
			q.remove(p)
			n++
		}
	}
	q.ruled += n
	m.setFlash(fmt.Sprintf("rule for %s: %s (answered %d waiting)", method, termsafe.Line(rule), n), false)
	return m.syncQueue()
}

// answerAllLikeThis makes the shown request's answer the rule for its
// method: the dialog says which rule its answer is.
func (m *Model) answerAllLikeThis(d requestDialogFocus) tea.Cmd {
	lt, ok := d.(interface{ asRule() (string, error) })
	if !ok {
		m.setFlash("this request's answer cannot be a rule", true)
		return nil
	}
	rule, err := lt.asRule()
	if err != nil {
		m.setFlash(err.Error(), true)
		return nil
	}
	return m.setRule(d.pending().msg.req.Method, rule)
}

// queueHeader is the header's note about waiting requests.
func (m *Model) queueHeader() string {
	q := &m.queue
	var parts []string
	switch n := len(q.items); {
	case n > 0 && q.hidden:
		parts = append(parts, m.st.Warn.Render(fmt.Sprintf("⚑ %d request(s) wait · %s", n, m.keys.Queue.Hide.Help().Key)))
	case n > 1: // one is in its dialog, which says so
		parts = append(parts, m.st.Warn.Render(fmt.Sprintf("⚑ %d server requests · %s", n, m.keys.Queue.List.Help().Key)))
	}
	if q.refused > 0 {
		parts = append(parts, m.st.Err.Render(fmt.Sprintf("%d refused", q.refused)))
	}
	if len(q.rules) > 0 {
		parts = append(parts, m.st.Accent2.Render(fmt.Sprintf("%d rule(s)", len(q.rules))))
	}
	return strings.Join(parts, m.st.Muted.Render(" · "))
}

// requestTitle is a request dialog's title, with where the request is in
// the queue: "Sampling request · 1 of 37 waiting · f3 list · f4 next".
func (m *Model) requestTitle(p *pendingRequest, title string) string {
	q := &m.queue
	if len(q.items) < 2 || q.index(p) < 0 {
		return title
	}
	return fmt.Sprintf("%s · %d of %d waiting · %s list · %s next", title, q.index(p)+1, len(q.items), m.keys.Queue.List.Help().Key, m.keys.Queue.Next.Help().Key)
}

// queueKey handles the queue's global keys; it reports whether the key
// was one of them.
func (m *Model) queueKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.keys.Queue
	q := &m.queue
	switch {
	case key.Matches(msg, k.Hide):
		return m.toggleRequests(), nil
	case key.Matches(msg, k.List) && (len(q.items) > 0 || len(q.rules) > 0 || q.refused > 0):
		if !slices.ContainsFunc(m.dialogs, func(d component.Dialog) bool { _, ok := unwrap(d).(*queueDialog); return ok }) {
			m.pushDialog(newQueueDialog(m))
		}
		return true, nil
	case key.Matches(msg, k.Next) && len(q.items) > 0:
		return true, m.nextRequest()
	case key.Matches(msg, k.AllLikeThis) && q.shown != nil && m.topDialog() == q.shown:
		return true, m.answerAllLikeThis(q.shown)
	}
	return false, nil
}

// tooSoon reports (and says) that a key reached a request dialog that has
// just replaced one the user answered: it was meant for that one.
func (m *Model) tooSoon() bool {
	q := &m.queue
	if q.shown == nil || m.topDialog() != q.shown || time.Since(q.shownAt) >= m.consentGuard {
		return false
	}
	m.setFlash("a server request has just appeared: keys are ignored for a moment", true)
	return true
}

// ---- keys ----

// QueueKeys drive the queue of server requests: the first four work
// anywhere while requests wait, the others in the list (F3).
type QueueKeys struct {
	Hide        key.Binding
	List        key.Binding
	Next        key.Binding
	AllLikeThis key.Binding
	Open        key.Binding
	Answer      key.Binding
	Reject      key.Binding
	Rule        key.Binding
	Close       key.Binding
	// in the rule editor (a text field: no single letters)
	RuleSet    key.Binding
	RuleOther  key.Binding
	RuleCancel key.Binding
}

func defaultQueueKeys() QueueKeys {
	b := func(keys []string, k, d string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, d))
	}
	return QueueKeys{
		Hide:        b([]string{"f2"}, "f2", "put the server's requests aside / bring them back"),
		List:        b([]string{"f3"}, "f3", "the queue of server requests: answer, reject, rules"),
		Next:        b([]string{"f4"}, "f4", "show the next waiting request"),
		AllLikeThis: b([]string{"ctrl+y"}, "ctrl+y", "answer this and all of its kind like this (a rule)"),
		Open:        b([]string{"enter"}, "enter", "open it (edit and send)"),
		Answer:      b([]string{"a"}, "a", "answer as its dialog proposes"),
		Reject:      b([]string{"d", "x"}, "d", "reject (decline)"),
		Rule:        b([]string{"r"}, "r", "rule: answer all of its kind"),
		Close:       b([]string{"esc", "q"}, "esc", "close"),
		RuleSet:     b([]string{"enter"}, "enter", "set the rule (empty clears it)"),
		RuleOther:   b([]string{"tab"}, "tab", "the other method's rule"),
		RuleCancel:  b([]string{"esc"}, "esc", "cancel"),
	}
}

// ---- the list ----

// queueDialog lists the waiting requests, oldest first: only the rows on
// screen are drawn.
type queueDialog struct {
	list scroller
}

func newQueueDialog(m *Model) *queueDialog {
	d := &queueDialog{list: scroller{}}
	if q := &m.queue; q.shown != nil {
		d.list.cursor = max(0, q.index(q.shown.pending()))
	}
	return d
}

func (d *queueDialog) selected(m *Model) *pendingRequest {
	q := &m.queue
	if d.list.cursor < 0 || d.list.cursor >= len(q.items) {
		return nil
	}
	return q.items[d.list.cursor]
}

func (d *queueDialog) help(m *Model) []key.Binding {
	k := m.keys.Queue
	return []key.Binding{k.Open, k.Answer, k.Reject, k.Rule, k.Close}
}

func (d *queueDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k, q := m.keys.Queue, &m.queue
	if d.list.nav(msg, m.keys.Nav, len(q.items)) {
		d.list.follow = false // new arrivals do not move the cursor
		return nil
	}
	p := d.selected(m)
	switch {
	case key.Matches(msg, k.Close):
		m.removeDialog(d)
	case p == nil:
		if key.Matches(msg, k.Rule) {
			m.pushDialog(newRuleDialog(m, "sampling/createMessage"))
		}
	case key.Matches(msg, k.Open):
		m.removeDialog(d)
		return m.showQueued(p)
	case key.Matches(msg, k.Answer):
		rd, err := newRequestDialog(m, p)
		if err != nil {
			m.setFlash("unreadable: "+err.Error(), true)
			return nil
		}
		pr, ok := rd.(interface{ proposed() (serverAnswer, bool) })
		if !ok {
			m.setFlash("it needs you: enter opens it", true)
			return nil
		}
		a, ok := pr.proposed()
		if !ok {
			m.setFlash("it needs your input: enter opens it", true)
			return nil
		}
		p.answer(a)
		return d.answered(m, p, "answered")
	case key.Matches(msg, k.Reject):
		rejection(p)()
		return d.answered(m, p, "rejected")
	case key.Matches(msg, k.Rule):
		m.pushDialog(newRuleDialog(m, p.msg.req.Method))
	}
	return nil
}

// answered drops a request answered from the list.
func (d *queueDialog) answered(m *Model, p *pendingRequest, how string) tea.Cmd {
	q := &m.queue
	m.setFlash(how+" "+p.what(), false)
	if q.shown != nil && q.shown.pending() == p {
		return m.syncQueue() // its dialog goes, the next one comes
	}
	q.remove(p)
	d.list.clamp(len(q.items))
	return nil
}

func (d *queueDialog) view(m *Model, W, H int) string {
	st, q := m.st, &m.queue
	w, h := max(40, min(W-4, 120)), max(8, H-4)
	iw := w - 2
	var lines []string
	head := fmt.Sprintf("%d waiting · %d KiB kept", len(q.items), (q.bytes+1023)/1024)
	if q.refused > 0 {
		head += fmt.Sprintf(" · %d refused (the queue was full)", q.refused)
	}
	if q.ruled > 0 {
		head += fmt.Sprintf(" · %d answered by rules", q.ruled)
	}
	lines = append(lines, st.Muted.Render(ansi.Truncate(head, iw, "…")))
	methods := make([]string, 0, len(q.rules))
	for meth := range q.rules {
		methods = append(methods, meth)
	}
	slices.Sort(methods)
	if len(methods) == 0 {
		lines = append(lines, st.Muted.Render("no rules: each request waits for you (r sets one for a method)"))
	}
	for _, meth := range methods {
		lines = append(lines, ansi.Truncate(st.Accent2.Render("rule ")+st.Text.Render(termsafe.Line(meth)+" → "+termsafe.Line(q.rules[meth])), iw, "…"))
	}
	lines = append(lines, "")
	rows := max(1, h-3-len(lines))
	d.list.rows = rows
	d.list.clamp(len(q.items))
	if len(q.items) == 0 {
		lines = append(lines, st.Muted.Render("no request waits"))
	}
	for i := d.list.offset; i < len(q.items) && i < d.list.offset+rows; i++ {
		p := q.items[i]
		l := fmt.Sprintf("#%-4d %s %s", p.n, padRight(shortDur(max(0, m.com.Now.Sub(p.at))), 4), p.what())
		if c := m.requestCause(p); c != "" {
			l += " · " + c
		}
		if s := p.summary(); s != "" {
			l += " · " + s
		}
		if q.shown != nil && q.shown.pending() == p {
			l += " (shown)"
		}
		l = ansi.Truncate(l, iw-2, "…")
		if i == d.list.cursor {
			lines = append(lines, st.Selected.Render("▸ "+l))
		} else {
			lines = append(lines, "  "+st.Text.Render(l))
		}
	}
	for len(lines) < h-3 {
		lines = append(lines, "")
	}
	return frame(st, "Server requests", lines, bindingHelp(st, d.help(m)...), w, h)
}

// summary is a request's gist for the list: the last user message of a
// sampling request, the message of an elicitation (decoded once).
func (p *pendingRequest) summary() string {
	if p.sum != nil {
		return *p.sum
	}
	s := ""
	switch p.msg.req.Method {
	case "sampling/createMessage":
		var sp samplingParams
		json.Unmarshal(p.msg.req.Params, &sp)
		for i := len(sp.Messages) - 1; i >= 0 && s == ""; i-- {
			if sp.Messages[i].Role == "user" {
				s = firstText(sp.Messages[i].Content)
			}
		}
	case "elicitation/create":
		var ep elicitParams
		json.Unmarshal(p.msg.req.Params, &ep)
		s = ep.Message
		if ep.Mode == "url" {
			s = "URL " + ep.URL + " · " + s
		}
	}
	s = termsafe.Line(mcp.FirstLine(s, 200))
	p.sum = &s
	return s
}

// ---- the rule editor ----

// ruleDialog edits the rule for one method, in the policies' language.
type ruleDialog struct {
	method string
	input  textinput.Model
	err    string
}

func newRuleDialog(m *Model, method string) *ruleDialog {
	d := &ruleDialog{method: method, input: textinput.New()}
	d.input.Prompt = "rule: "
	d.input.CharLimit = 4096
	d.input.SetStyles(m.st.Form.InputStyles())
	cur := m.queue.rules[method]
	if cur == "" {
		switch method {
		case "sampling/createMessage":
			cur = "reply:"
		case "elicitation/create":
			cur = string(policy.ElicitAcceptDefaults)
		}
	}
	d.input.SetValue(cur)
	d.input.CursorEnd()
	d.input.Focus()
	return d
}

func (d *ruleDialog) help(m *Model) []key.Binding {
	k := m.keys.Queue
	return []key.Binding{k.RuleSet, k.RuleOther, k.RuleCancel}
}

func (d *ruleDialog) forward(msg tea.Msg) tea.Cmd {
	var c tea.Cmd
	d.input, c = d.input.Update(msg)
	return c
}

func (d *ruleDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys.Queue
	switch {
	case key.Matches(msg, k.RuleCancel):
		m.removeDialog(d)
		return nil
	case key.Matches(msg, k.RuleOther):
		other := "elicitation/create"
		if d.method == other {
			other = "sampling/createMessage"
		}
		m.removeDialog(d)
		m.pushDialog(newRuleDialog(m, other))
		return nil
	case key.Matches(msg, k.RuleSet):
		rule := strings.TrimSpace(d.input.Value())
		var err error
		switch d.method {
		case "sampling/createMessage":
			err = policy.CheckSampling(rule)
		case "elicitation/create":
			err = policy.CheckElicitation(rule)
		default:
			err = fmt.Errorf("sonde has no rules for %s", d.method)
		}
		if err != nil {
			d.err = err.Error()
			return nil
		}
		m.removeDialog(d)
		return m.setRule(d.method, rule)
	}
	d.err = ""
	return d.forward(msg)
}

func (d *ruleDialog) view(m *Model, W, H int) string {
	st := m.st
	w := max(40, min(W-4, 100))
	iw := w - 2
	lines := []string{st.Text.Render("Answer every " + termsafe.Line(d.method) + " like this, now and from now on:")}
	for _, l := range wrapLines(ruleForms(d.method), iw) {
		lines = append(lines, st.Muted.Render(l))
	}
	lines = append(lines, "")
	d.input.SetWidth(iw - 7)
	lines = append(lines, d.input.View())
	if d.err != "" {
		lines = append(lines, st.Err.Render(ansi.Truncate(termsafe.Line(d.err), iw, "…")))
	}
	lines = append(lines, st.Muted.Render("the same forms as sonde's --sampling and --elicitation"), "")
	return frame(st, "Rule for "+termsafe.Line(d.method), lines, bindingHelp(st, d.help(m)...), w, H)
}
