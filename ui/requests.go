package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog/roots"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// Server requests (sampling, elicitation, roots) reach the UI through the
// feed (feed.handle → serverRequestMsg, in batches). Roots are answered at
// once from the configured list; sampling, elicitation and unknown
// methods wait in the queue (serverreq.Queue), whose oldest request has a
// dialog (ui/dialog/serverreq) that answers through the request's reply
// channel. This file is the root's side: taking requests in, keeping one
// dialog on the stack for the queue, the queue's global keys, and
// carrying out the dialogs' actions (open a URL, retry a call, set a
// rule).

// consentGuard is how long after a dialog appears unasked (a URL to open,
// the next request after an answer) keys that consent are ignored: a key
// meant for what the user was typing must not open a page or answer.
const consentGuard = 600 * time.Millisecond

// requestDesk is the root model's side of the server's requests that wait
// for the user: the queue (serverreq.Queue), the one dialog it keeps on
// the root's dialog stack for the request shown (put aside, brought back,
// replaced by the next), the answer-all-like-this rules, and what the
// status line says of them. The root gives it its dialog stack and flash
// line, and how a request dialog is made (newEnv: Model.reqEnv).
type requestDesk struct {
	queue   serverreq.Queue
	dialogs *dialogStack
	flash   *flashLine
	newEnv  func() *serverreq.Env
	keys    *serverreq.QueueKeys // the root's
	guard   *time.Duration       // the root's environment's consentGuard (tests set it)
}

// reqEnv is what the request dialogs are made with.
func (m *Model) reqEnv() *serverreq.Env {
	return &serverreq.Env{
		C:      m.look.com,
		Server: serverName(m.s, m.opts.Config),
		Cause:  m.panes.cause,
		Queue:  &m.requests.queue,
		Keys:   m.keys.Queue,
		Guard:  m.env.consentGuard,
		Blocks: func(raw json.RawMessage, w int) []string {
			return (&work.Result{}).BlockLines(raw, w, m.look.st, m.look.hl, m.look.st.Text)
		},
	}
}

// serverName is how dialogs name the server that asks: its title or name
// in s, else the target of cfg.
func serverName(s *session.State, cfg mcp.Config) string {
	if n := firstNonEmpty(serverOf(s).title, serverOf(s).name); n != "" {
		return n
	}
	if t := cfg.Target(); t != "" {
		return termsafe.Line(t)
	}
	return "the server"
}

// requestAction carries out an action of the request dialogs; it reports
// whether a was one.
func (m *Model) requestAction(a component.Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case serverreq.Deliver:
		return m.updateDialog(a.To, a.Msg), true
	case serverreq.OpenURL:
		return m.env.openURL(a.T), true
	case serverreq.Retry:
		c := a.Call.Ref.(*call)
		return m.startCall(c.method, c.subject, c.item, json.RawMessage(c.params), c.asTask), true
	case serverreq.ShowRequest:
		return m.requests.showQueued(a.P), true
	case serverreq.Dropped:
		if m.requests.queue.IsShown(a.P) {
			return m.requests.sync(), true // its dialog goes, the next one comes
		}
		m.requests.queue.Remove(a.P)
		return nil, true
	case serverreq.SetRule:
		return m.requests.setRule(a.Method, a.Rule), true
	}
	return nil, false
}

// ---- opening and copying URLs ----

// urlOpenedMsg reports how opening a URL went.
type urlOpenedMsg struct {
	t   serverreq.Target
	err error
}

// errNoOpener says there is no program to open URLs with.
var errNoOpener = errors.New("no program to open URLs with")

// systemOpen starts xdg-open (open on macOS) with the URL as its only
// argument, with no shell and none of sonde's terminal.
func systemOpen(u string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		name = "xdg-open"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%w (%s not found)", errNoOpener, name)
	}
	cmd := exec.Command(path, append(args, u)...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck // reaps the opener; its exit status says nothing useful
	return nil
}

// urlElicitationsOf returns the elicitations of a -32042 error.
func urlElicitationsOf(err error) []serverreq.ElicitParams { return serverreq.URLElicitations(err) }

// sync keeps the one dialog up to date: when the request shown is
// answered it leaves the queue, and the oldest waiting one gets a dialog
// (unless the requests are put aside).
func (r *requestDesk) sync() tea.Cmd {
	q := &r.queue
	next := false // the one shown was answered: keys go on for a moment
	if q.Shown != nil && q.Shown.Pending().Answered() {
		next = true
		q.Remove(q.Shown.Pending())
		r.dialogs.remove(q.Shown)
		q.Shown = nil
	}
	for q.Shown == nil && !q.Hidden && q.Len() > 0 {
		if d := r.dialogFor(q.Items()[0]); d != nil {
			return r.show(d, next)
		}
	}
	return nil
}

// dialogFor builds p's dialog; a request it cannot read is answered with
// -32602 and leaves the queue (nil).
func (r *requestDesk) dialogFor(p *serverreq.Pending) serverreq.Request {
	d, err := serverreq.New(r.newEnv(), p)
	if err != nil {
		p.Answer(serverreq.Answer{Err: &mcp.RPCError{Code: mcp.CodeInvalidParams, Message: "sonde cannot read this " + p.Req.Method + ": " + err.Error()}})
		r.queue.Remove(p)
		r.flash.set("unreadable "+p.Req.Method+": "+err.Error(), true)
		return nil
	}
	return d
}

// show makes d the dialog shown. guard: it replaces one the user
// just answered, so the keys that come right after were meant for that
// one and are ignored for a moment.
func (r *requestDesk) show(d serverreq.Request, guard bool) tea.Cmd {
	q := &r.queue
	q.Shown, q.ShownAt = d, time.Time{}
	if guard {
		q.ShownAt = time.Now()
	}
	if !q.Hidden {
		r.dialogs.openRequest(d)
	}
	return d.Focus()
}

// showQueued gives p the dialog, putting the one shown back in line.
func (r *requestDesk) showQueued(p *serverreq.Pending) tea.Cmd {
	q := &r.queue
	if q.Shown != nil {
		if q.Shown.Pending() == p {
			return nil
		}
		r.dialogs.remove(q.Shown)
		q.Shown = nil
	}
	d := r.dialogFor(p)
	if d == nil {
		return r.sync()
	}
	q.Hidden = false
	return r.show(d, false)
}

// next shows the next waiting request (the one shown keeps its
// place and its edits are dropped).
func (r *requestDesk) next() tea.Cmd {
	q := &r.queue
	if q.Len() < 2 {
		r.flash.set("no other server request waits", false)
		return nil
	}
	i := 0
	if q.Shown != nil {
		i = (q.Index(q.Shown.Pending()) + 1) % q.Len()
	}
	return r.showQueued(q.Items()[i])
}

// toggle puts the request shown aside (it keeps waiting, and the
// header says so) or brings it back; it reports whether there was
// anything to do.
func (r *requestDesk) toggle() bool {
	q := &r.queue
	switch {
	case q.Hidden:
		q.Hidden = false
		if q.Shown != nil {
			r.dialogs.openRequest(q.Shown)
		}
		r.sync()
		return true
	case q.Len() > 0:
		q.Hidden = true
		if q.Shown != nil {
			r.dialogs.remove(q.Shown)
		}
		r.flash.set(fmt.Sprintf("%d server request(s) wait for you: %s brings them back", q.Len(), r.keys.Hide.Help().Key), false)
		return true
	}
	return false
}

// gone drops a request the server withdrew before the user
// answered it.
func (r *requestDesk) gone(msg serverreq.Gone) tea.Cmd {
	if msg.P.Answered() {
		return nil
	}
	msg.P.Answer(serverreq.Answer{Err: context.Canceled}) // unblocks nothing; marks it done
	r.queue.Remove(msg.P)
	r.flash.set("the server withdrew its "+msg.P.What()+" before you answered", true)
	return r.sync()
}

// pending counts the server requests waiting for the user.
func (r *requestDesk) pending() int { return r.queue.Len() }

// setRule sets (or, with "", clears) the rule for a method, and answers
// what waits with it.
func (r *requestDesk) setRule(method, rule string) tea.Cmd {
	n := r.queue.SetRule(method, rule)
	if rule == "" {
		r.flash.set("no rule for "+method+": each request waits for you", false)
		return nil
	}
	r.flash.set(fmt.Sprintf("rule for %s: %s (answered %d waiting)", method, termsafe.Line(rule), n), false)
	return r.sync()
}

// allLikeThis makes the shown request's answer the rule for its
// method: the dialog says which rule its answer is.
func (r *requestDesk) allLikeThis(d serverreq.Request) tea.Cmd {
	ruler, ok := d.(serverreq.Ruler)
	if !ok {
		r.flash.set("this request's answer cannot be a rule", true)
		return nil
	}
	rule, err := ruler.AsRule()
	if err != nil {
		r.flash.set(err.Error(), true)
		return nil
	}
	return r.setRule(d.Pending().Req.Method, rule)
}

// tooSoon reports (and says) that a key reached a request dialog that has
// just replaced one the user answered: it was meant for that one.
func (r *requestDesk) tooSoon() bool {
	q := &r.queue
	if q.Shown == nil || r.dialogs.top() != q.Shown || time.Since(q.ShownAt) >= *r.guard {
		return false
	}
	r.flash.set("a server request has just appeared: keys are ignored for a moment", true)
	return true
}

// elicitationComplete handles notifications/elicitation/complete: the
// waiting dialog for that id says so (and closes when there is nothing to
// retry).
func (r *requestDesk) elicitationComplete(id string) {
	if id == "" {
		return
	}
	r.queue.Complete(id)
	for _, d := range *r.dialogs {
		if w, ok := d.(*serverreq.Wait); ok && w.ID() == id && !w.Done() {
			if w.Complete() {
				r.dialogs.remove(w)
				r.flash.set("the server says the URL elicitation is complete", false)
			}
			return
		}
	}
}

// key handles the queue's global keys; it reports whether the key
// was one of them.
func (r *requestDesk) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := *r.keys
	q := &r.queue
	switch {
	case key.Matches(msg, k.Hide):
		return r.toggle(), nil
	case key.Matches(msg, k.List) && (q.Len() > 0 || q.Rules() > 0 || q.Refused > 0):
		if !slices.ContainsFunc(*r.dialogs, func(d component.Dialog) bool { _, ok := d.(*serverreq.List); return ok }) {
			r.dialogs.open(serverreq.NewList(r.newEnv()))
		}
		return true, nil
	case key.Matches(msg, k.Next) && q.Len() > 0:
		return true, r.next()
	case key.Matches(msg, k.AllLikeThis) && q.Shown != nil && r.dialogs.top() == q.Shown:
		return true, r.allLikeThis(q.Shown)
	}
	return false, nil
}

// offerURLs opens the URL flow for each elicitation of a -32042
// error (the first one on top).
func (r *requestDesk) offerURLs(c *call, err error) bool {
	els := serverreq.URLElicitations(err)
	for i := len(els) - 1; i >= 0; i-- {
		r.dialogs.open(serverreq.NewURL(r.newEnv(), nil, els[i], &serverreq.Call{Method: c.method, Subject: c.subject, Ref: c}))
	}
	return len(els) > 0
}

func (r *requestDesk) urlOpened(msg urlOpenedMsg) tea.Cmd {
	if msg.err == nil {
		r.flash.set("opened "+msg.t.Host+" in your browser", false)
		return nil
	}
	text := "could not open the URL: " + termsafe.Line(msg.err.Error())
	if errors.Is(msg.err, errNoOpener) {
		text = "no browser opener (xdg-open/open) on this machine: c copies the URL"
	}
	for _, d := range *r.dialogs {
		if w, ok := d.(*serverreq.Wait); ok {
			w.OpenFailed(msg.t.Raw, text)
		}
	}
	r.flash.set(text, true)
	return nil
}

// openURL opens an http(s) URL with the system's opener, in a command;
// the opener runs detached from the terminal.
func (e *environment) openURL(t serverreq.Target) tea.Cmd {
	if !t.Openable {
		return nil
	}
	open := e.opener
	if open == nil {
		open = systemOpen
	}
	return func() tea.Msg { return urlOpenedMsg{t: t, err: open(t.Raw)} }
}

// take takes in a batch of server requests: roots/list is answered at
// once from rs, a request a rule covers is answered by it, the rest
// wait in the queue (or are refused when it is full).
func (r *requestDesk) take(msgs []serverRequestMsg, rs *roots.Set, live bool, now time.Time) tea.Cmd {
	var cmds []tea.Cmd
	refused, ruled := 0, 0
	var lastErr string
	for _, msg := range msgs {
		p := serverreq.NewPending(msg.req, msg.ctx, msg.reply)
		p.At = now // the clock ticks once a second: a live request takes the time itself
		if live {
			p.At = time.Now()
		}
		if msg.req.Method == "roots/list" {
			p.Answer(serverreq.Answer{Result: rs.Result()})
			rs.Asked++
			continue
		}
		switch wasRuled, err := r.queue.Take(p); {
		case wasRuled:
			ruled++
		case err != nil:
			refused++
			lastErr = err.Error()
		default:
			cmds = append(cmds, p.Watch())
		}
	}
	switch {
	case refused > 0:
		r.flash.set(fmt.Sprintf("refused %d server request(s): %s (the log shows the answers)", refused, lastErr), true)
	case ruled > 0:
		r.flash.set(fmt.Sprintf("answered %d server request(s) by your rules (F3 changes them)", ruled), false)
	}
	return tea.Batch(append(cmds, r.sync())...)
}
