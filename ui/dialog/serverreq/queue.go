package serverreq

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
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

const (
	// MaxQueued is how many server requests may wait; more are refused.
	MaxQueued = 1024
	// MaxQueuedBytes bounds the bytes the waiting requests keep.
	MaxQueuedBytes = 64 << 20
	// MaxRequestBytes bounds one request's params; a larger one is refused.
	MaxRequestBytes = 4 << 20
	// CodeQueueFull is the JSON-RPC error code of a refused request (the
	// implementation-defined server error range).
	CodeQueueFull = -32000
)

// Queue is the server requests that wait for the user, the rules that
// answer them, and which one has its dialog. The root owns it: it puts
// the shown request's dialog on its stack.
type Queue struct {
	items []*Pending // in arrival order
	bytes int
	seq   int // numbers the requests as they arrive
	rules map[string]string
	// completed is the elicitation ids the server said are complete.
	completed map[string]bool

	// Shown is the request whose dialog is shown (or put aside), nil
	// when none.
	Shown Request
	// ShownAt is when Shown replaced a dialog the user had just answered
	// (zero otherwise): keys that come right after were meant for that
	// one.
	ShownAt time.Time
	// Hidden: F2 put the requests aside.
	Hidden bool
	// Refused counts requests refused because the queue was full; Ruled
	// those a rule answered.
	Refused, Ruled int
}

// Len is how many requests wait.
func (q *Queue) Len() int { return len(q.items) }

// Items is the waiting requests, oldest first (not to be changed).
func (q *Queue) Items() []*Pending { return q.items }

// Index is p's place in the queue (-1 when it is not there).
func (q *Queue) Index(p *Pending) int { return slices.Index(q.items, p) }

// IsShown reports whether p's dialog is the one shown.
func (q *Queue) IsShown(p *Pending) bool { return q.Shown != nil && q.Shown.Pending() == p }

// add queues p, or reports why it cannot wait.
func (q *Queue) add(p *Pending) error {
	n := len(p.Req.Params)
	switch {
	case n > MaxRequestBytes:
		return fmt.Errorf("sonde refused this %s: its params are %d bytes, more than the %d one waiting request may keep", p.Req.Method, n, MaxRequestBytes)
	case len(q.items) >= MaxQueued:
		return fmt.Errorf("sonde refused this %s: %d server requests already wait for the user", p.Req.Method, len(q.items))
	case q.bytes+n > MaxQueuedBytes:
		return fmt.Errorf("sonde refused this %s: the %d waiting server requests already hold %d bytes", p.Req.Method, len(q.items), q.bytes)
	}
	q.seq++
	p.N, p.size = q.seq, n
	q.items = append(q.items, p)
	q.bytes += n
	return nil
}

// Take takes in a request: a rule that covers it answers it (ruled), a
// full queue refuses it (refused, with why), else it waits.
func (q *Queue) Take(p *Pending) (ruled bool, refused error) {
	if r, ok := q.RuleFor(p); ok {
		AnswerByPolicy(p, r)
		q.Ruled++
		return true, nil
	}
	if err := q.add(p); err != nil {
		p.Answer(Answer{Err: &mcp.RPCError{Code: CodeQueueFull, Message: err.Error()}})
		q.Refused++
		return false, err
	}
	return false, nil
}

// Remove takes p out of the queue (answered or withdrawn).
func (q *Queue) Remove(p *Pending) {
	if i := slices.Index(q.items, p); i >= 0 {
		q.items = slices.Delete(q.items, i, i+1)
		q.bytes -= p.size
	}
}

// Rules is how many methods have a rule.
func (q *Queue) Rules() int { return len(q.rules) }

// RuleFor is the rule for a request, if one applies: none to a URL
// elicitation but decline and cancel (opening a page needs a person).
func (q *Queue) RuleFor(p *Pending) (string, bool) {
	r := q.rules[p.Req.Method]
	if r == "" {
		return "", false
	}
	if p.Req.Method == "elicitation/create" && r != string(policy.ElicitDecline) && r != string(policy.ElicitCancel) {
		var ep struct {
			Mode string `json:"mode"`
		}
		json.Unmarshal(p.Req.Params, &ep)
		if ep.Mode == "url" {
			return "", false
		}
	}
	return r, true
}

// SetRule sets (or, with "", clears) the rule for a method and answers
// what waits with it; it returns how many it answered.
func (q *Queue) SetRule(method, rule string) int {
	if rule == "" {
		delete(q.rules, method)
		return 0
	}
	if q.rules == nil {
		q.rules = map[string]string{}
	}
	q.rules[method] = rule
	n := 0
	for _, p := range slices.Clone(q.items) {
		if p.Req.Method != method {
			continue
		}
		if r, ok := q.RuleFor(p); ok {
			AnswerByPolicy(p, r)
			q.Remove(p)
			n++
		}
	}
	q.Ruled += n
	return n
}

// Complete records that the server said the elicitation id is complete.
func (q *Queue) Complete(id string) {
	if q.completed == nil {
		q.completed = map[string]bool{}
	}
	q.completed[id] = true
}

// Completed reports whether the server said the elicitation id is
// complete.
func (q *Queue) Completed(id string) bool { return q.completed[id] }

// Header is the screen header's note about waiting requests, refusals
// and rules ("" when there is nothing to say).
func (q *Queue) Header(st *common.Styles, k QueueKeys) string {
	var parts []string
	switch n := len(q.items); {
	case n > 0 && q.Hidden:
		parts = append(parts, st.Warn.Render(fmt.Sprintf("⚑ %d request(s) wait · %s", n, k.Hide.Help().Key)))
	case n > 1: // one is in its dialog, which says so
		parts = append(parts, st.Warn.Render(fmt.Sprintf("⚑ %d server requests · %s", n, k.List.Help().Key)))
	}
	if q.Refused > 0 {
		parts = append(parts, st.Err.Render(fmt.Sprintf("%d refused", q.Refused)))
	}
	if len(q.rules) > 0 {
		parts = append(parts, st.Accent2.Render(fmt.Sprintf("%d rule(s)", len(q.rules))))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// AnswerByPolicy answers p the way a policy would (a rule, or a quick
// reject).
func AnswerByPolicy(p *Pending, rule string) {
	pol := policy.Policy{Sampling: rule, Elicitation: policy.Elicitation(rule)}
	res, err := pol.Answer(p.Req.Method, p.Req.Params)
	p.Answer(Answer{Result: res, Err: err})
}

// Reject is the quick "reject" of a request: what its dialog's reject key
// sends (sampling: error -1; elicitation: decline; an unknown method:
// -32601).
func Reject(p *Pending) {
	switch p.Req.Method {
	case "sampling/createMessage":
		AnswerByPolicy(p, "reject")
	case "elicitation/create":
		AnswerByPolicy(p, string(policy.ElicitDecline))
	default:
		p.Answer(Answer{Err: &mcp.RPCError{Code: mcp.CodeMethodNotFound, Message: "sonde does not handle " + p.Req.Method}})
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

// Summary is a request's gist for the list: the last user message of a
// sampling request, the message of an elicitation (decoded once).
func (p *Pending) Summary() string {
	if p.sum != nil {
		return *p.sum
	}
	s := ""
	switch p.Req.Method {
	case "sampling/createMessage":
		var sp samplingParams
		json.Unmarshal(p.Req.Params, &sp)
		for i := len(sp.Messages) - 1; i >= 0 && s == ""; i-- {
			if sp.Messages[i].Role == "user" {
				s = firstText(sp.Messages[i].Content)
			}
		}
	case "elicitation/create":
		var ep ElicitParams
		json.Unmarshal(p.Req.Params, &ep)
		s = ep.Message
		if ep.Mode == "url" {
			s = "URL " + ep.URL + " · " + s
		}
	}
	s = termsafe.Line(mcp.FirstLine(s, 200))
	p.sum = &s
	return s
}

// ---- keys ----

// QueueKeys drive the queue of server requests: the first four work
// anywhere while requests wait (the root handles them), the others in the
// list (F3) and the rule editor.
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

// DefaultQueueKeys returns the queue's keys.
func DefaultQueueKeys() QueueKeys {
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

// ShowRequest asks the root to give P the dialog (the one shown goes back
// in line).
type ShowRequest struct{ P *Pending }

// Dropped says the list answered P: the root takes it out of the queue
// (and, when it was shown, shows the next one).
type Dropped struct{ P *Pending }

// SetRule asks the root to set (Rule "": clear) the rule for Method and
// answer what waits with it.
type SetRule struct{ Method, Rule string }

// List lists the waiting requests, oldest first: only the rows on screen
// are drawn.
type List struct {
	env  *Env
	Keys QueueKeys
	list list.Model
}

var _ component.Dialog = (*List)(nil)

// NewList is the list of env's queue, its cursor on the request shown.
func NewList(env *Env) *List {
	d := &List{env: env, Keys: env.Keys, list: list.New()}
	q := env.Queue
	d.list.SetLen(q.Len())
	if q.Shown != nil {
		d.list.SetCursor(max(0, q.Index(q.Shown.Pending())))
	}
	return d
}

func (d *List) selected() *Pending {
	q := d.env.Queue
	if i := d.list.Cursor(); i >= 0 && i < q.Len() {
		return q.items[i]
	}
	return nil
}

// Update implements [component.Component].
func (d *List) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	q := d.env.Queue
	d.list.SetLen(q.Len())
	if d.list.HandleKey(k) {
		return nil, nil
	}
	p := d.selected()
	switch {
	case key.Matches(k, d.Keys.Close):
		return component.Close{}, nil
	case p == nil:
		if key.Matches(k, d.Keys.Rule) {
			return component.Open{Dialog: NewRule(d.env, "sampling/createMessage")}, nil
		}
	case key.Matches(k, d.Keys.Open):
		return component.Then(component.Close{}, ShowRequest{P: p}), nil
	case key.Matches(k, d.Keys.Answer):
		rd, err := New(d.env, p)
		if err != nil {
			return component.Flash{Text: "unreadable: " + err.Error(), Err: true}, nil
		}
		pr, ok := rd.(Proposer)
		if !ok {
			return component.Flash{Text: "it needs you: enter opens it", Err: true}, nil
		}
		a, ok := pr.Proposed()
		if !ok {
			return component.Flash{Text: "it needs your input: enter opens it", Err: true}, nil
		}
		p.Answer(a)
		return component.Then(component.Flash{Text: "answered " + p.What()}, Dropped{P: p}), nil
	case key.Matches(k, d.Keys.Reject):
		Reject(p)
		return component.Then(component.Flash{Text: "rejected " + p.What()}, Dropped{P: p}), nil
	case key.Matches(k, d.Keys.Rule):
		return component.Open{Dialog: NewRule(d.env, p.Req.Method)}, nil
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *List) SetSize(int, int) {}

// View implements [component.Component].
func (d *List) View(W, H int) string {
	st, q := d.env.C.Styles, d.env.Queue
	w, h := max(40, min(W-4, 120)), max(8, H-4)
	iw := w - 2
	var lines []string
	head := fmt.Sprintf("%d waiting · %d KiB kept", q.Len(), (q.bytes+1023)/1024)
	if q.Refused > 0 {
		head += fmt.Sprintf(" · %d refused (the queue was full)", q.Refused)
	}
	if q.Ruled > 0 {
		head += fmt.Sprintf(" · %d answered by rules", q.Ruled)
	}
	lines = append(lines, st.Muted.Render(truncate(head, iw)))
	methods := make([]string, 0, len(q.rules))
	for meth := range q.rules {
		methods = append(methods, meth)
	}
	slices.Sort(methods)
	if len(methods) == 0 {
		lines = append(lines, st.Muted.Render("no rules: each request waits for you (r sets one for a method)"))
	}
	for _, meth := range methods {
		lines = append(lines, truncate(st.Accent2.Render("rule ")+st.Text.Render(termsafe.Line(meth)+" → "+termsafe.Line(q.rules[meth])), iw))
	}
	lines = append(lines, "")
	rows := max(1, h-3-len(lines))
	d.list.SetHeight(rows)
	d.list.SetLen(q.Len())
	if q.Len() == 0 {
		lines = append(lines, st.Muted.Render("no request waits"))
	}
	from, to := d.list.Visible()
	for i := from; i < to; i++ {
		p := q.items[i]
		l := fmt.Sprintf("#%-4d %s %s", p.N, common.PadRight(common.ShortDur(max(0, d.env.C.Now.Sub(p.At))), 4), p.What())
		if d.env.Cause != nil {
			if c := d.env.Cause(p); c != "" {
				l += " · " + c
			}
		}
		if s := p.Summary(); s != "" {
			l += " · " + s
		}
		if q.IsShown(p) {
			l += " (shown)"
		}
		l = truncate(l, iw-2)
		if i == d.list.Cursor() {
			lines = append(lines, st.Selected.Render("▸ "+l))
		} else {
			lines = append(lines, "  "+st.Text.Render(l))
		}
	}
	for len(lines) < h-3 {
		lines = append(lines, "")
	}
	return common.DialogBox(st, "Server requests", lines, common.HelpLine(st, d.ShortHelp(), w-2), w, h)
}

// ShortHelp implements [help.KeyMap].
func (d *List) ShortHelp() []key.Binding {
	k := d.Keys
	return []key.Binding{k.Open, k.Answer, k.Reject, k.Rule, k.Close}
}

// FullHelp implements [help.KeyMap].
func (d *List) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.ShortHelp(), d.list.KeyMap.Bindings()}
}

// ---- the rule editor ----

// Rule edits the rule for one method, in the policies' language.
type Rule struct {
	env    *Env
	Keys   QueueKeys
	method string
	input  textinput.Model
	err    string
	styled *common.Styles
}

var _ component.Dialog = (*Rule)(nil)

// NewRule is the editor of method's rule, holding the current one (or a
// start for one).
func NewRule(env *Env, method string) *Rule {
	d := &Rule{env: env, Keys: env.Keys, method: method, input: textinput.New()}
	d.input.Prompt = "rule: "
	d.input.CharLimit = 4096
	cur := env.Queue.rules[method]
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
	d.restyle()
	return d
}

// restyle gives the field the current styles (a theme or background
// change).
func (d *Rule) restyle() {
	if d.styled != d.env.C.Styles {
		d.styled = d.env.C.Styles
		d.input.SetStyles(d.styled.Form.InputStyles())
	}
}

// Update implements [component.Component].
func (d *Rule) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, d.Keys.RuleCancel):
			return component.Close{}, nil
		case key.Matches(k, d.Keys.RuleOther):
			other := "elicitation/create"
			if d.method == other {
				other = "sampling/createMessage"
			}
			return component.Replace{Dialog: NewRule(d.env, other)}, nil
		case key.Matches(k, d.Keys.RuleSet):
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
				return nil, nil
			}
			return component.Then(component.Close{}, SetRule{Method: d.method, Rule: rule}), nil
		}
		d.err = ""
	}
	var c tea.Cmd
	d.input, c = d.input.Update(msg)
	return nil, c
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Rule) SetSize(int, int) {}

// View implements [component.Component].
func (d *Rule) View(W, H int) string {
	d.restyle()
	st := d.env.C.Styles
	w := max(40, min(W-4, 100))
	iw := w - 2
	lines := []string{st.Text.Render("Answer every " + termsafe.Line(d.method) + " like this, now and from now on:")}
	for _, l := range common.WrapLines(ruleForms(d.method), iw) {
		lines = append(lines, st.Muted.Render(l))
	}
	lines = append(lines, "")
	d.input.SetWidth(iw - 7)
	lines = append(lines, d.input.View())
	if d.err != "" {
		lines = append(lines, st.Err.Render(truncate(termsafe.Line(d.err), iw)))
	}
	lines = append(lines, st.Muted.Render("the same forms as sonde's --sampling and --elicitation"), "")
	return common.DialogBox(st, "Rule for "+termsafe.Line(d.method), lines, common.HelpLine(st, d.ShortHelp(), w-2), w, H)
}

// ShortHelp implements [help.KeyMap].
func (d *Rule) ShortHelp() []key.Binding {
	k := d.Keys
	return []key.Binding{k.RuleSet, k.RuleOther, k.RuleCancel}
}

// FullHelp implements [help.KeyMap].
func (d *Rule) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
