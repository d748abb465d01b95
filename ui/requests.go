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
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/component"
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

// reqEnv is what the request dialogs are made with.
func (m *Model) reqEnv() *serverreq.Env {
	return &serverreq.Env{
		C:      m.look.com,
		Server: m.serverName(),
		Cause:  m.requestCause,
		Queue:  &m.queue,
		Keys:   m.keys.Queue,
		Guard:  m.env.consentGuard,
		Blocks: func(raw json.RawMessage, w int) []string {
			return (&work.Result{}).BlockLines(raw, w, m.look.st, m.look.hl, m.look.st.Text)
		},
	}
}

// serverName is how dialogs name the server that asks.
func (m *Model) serverName() string {
	if n := firstNonEmpty(serverOf(m.s).title, serverOf(m.s).name); n != "" {
		return n
	}
	if t := m.opts.Config.Target(); t != "" {
		return termsafe.Line(t)
	}
	return "the server"
}

// takeRequests takes in a batch of server requests: roots/list is
// answered at once, a request a rule covers is answered by it, the rest
// wait in the queue (or are refused when it is full).
func (m *Model) takeRequests(msgs []serverRequestMsg) tea.Cmd {
	var cmds []tea.Cmd
	refused, ruled := 0, 0
	var lastErr string
	for _, msg := range msgs {
		p := serverreq.NewPending(msg.req, msg.ctx, msg.reply)
		p.At = m.look.com.Now // the clock ticks once a second: a live request takes the time itself
		if m.conn.live {
			p.At = time.Now()
		}
		if msg.req.Method == "roots/list" {
			p.Answer(serverreq.Answer{Result: m.roots.Result()})
			m.roots.Asked++
			continue
		}
		switch wasRuled, err := m.queue.Take(p); {
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
		m.flash.set(fmt.Sprintf("refused %d server request(s): %s (the log shows the answers)", refused, lastErr), true)
	case ruled > 0:
		m.flash.set(fmt.Sprintf("answered %d server request(s) by your rules (F3 changes them)", ruled), false)
	}
	return tea.Batch(append(cmds, m.syncQueue())...)
}

// syncQueue keeps the one dialog up to date: when the request shown is
// answered it leaves the queue, and the oldest waiting one gets a dialog
// (unless the requests are put aside).
func (m *Model) syncQueue() tea.Cmd {
	q := &m.queue
	next := false // the one shown was answered: keys go on for a moment
	if q.Shown != nil && q.Shown.Pending().Answered() {
		next = true
		q.Remove(q.Shown.Pending())
		m.dialogs.remove(q.Shown)
		q.Shown = nil
	}
	for q.Shown == nil && !q.Hidden && q.Len() > 0 {
		if d := m.dialogFor(q.Items()[0]); d != nil {
			return m.showRequest(d, next)
		}
	}
	return nil
}

// dialogFor builds p's dialog; a request it cannot read is answered with
// -32602 and leaves the queue (nil).
func (m *Model) dialogFor(p *serverreq.Pending) serverreq.Request {
	d, err := serverreq.New(m.reqEnv(), p)
	if err != nil {
		p.Answer(serverreq.Answer{Err: &mcp.RPCError{Code: mcp.CodeInvalidParams, Message: "sonde cannot read this " + p.Req.Method + ": " + err.Error()}})
		m.queue.Remove(p)
		m.flash.set("unreadable "+p.Req.Method+": "+err.Error(), true)
		return nil
	}
	return d
}

// showRequest makes d the dialog shown. guard: it replaces one the user
// just answered, so the keys that come right after were meant for that
// one and are ignored for a moment.
func (m *Model) showRequest(d serverreq.Request, guard bool) tea.Cmd {
	q := &m.queue
	q.Shown, q.ShownAt = d, time.Time{}
	if guard {
		q.ShownAt = time.Now()
	}
	if !q.Hidden {
		m.dialogs.openRequest(d)
	}
	return d.Focus()
}

// showQueued gives p the dialog, putting the one shown back in line.
func (m *Model) showQueued(p *serverreq.Pending) tea.Cmd {
	q := &m.queue
	if q.Shown != nil {
		if q.Shown.Pending() == p {
			return nil
		}
		m.dialogs.remove(q.Shown)
		q.Shown = nil
	}
	d := m.dialogFor(p)
	if d == nil {
		return m.syncQueue()
	}
	q.Hidden = false
	return m.showRequest(d, false)
}

// nextRequest shows the next waiting request (the one shown keeps its
// place and its edits are dropped).
func (m *Model) nextRequest() tea.Cmd {
	q := &m.queue
	if q.Len() < 2 {
		m.flash.set("no other server request waits", false)
		return nil
	}
	i := 0
	if q.Shown != nil {
		i = (q.Index(q.Shown.Pending()) + 1) % q.Len()
	}
	return m.showQueued(q.Items()[i])
}

// toggleRequests puts the request shown aside (it keeps waiting, and the
// header says so) or brings it back; it reports whether there was
// anything to do.
func (m *Model) toggleRequests() bool {
	q := &m.queue
	switch {
	case q.Hidden:
		q.Hidden = false
		if q.Shown != nil {
			m.dialogs.openRequest(q.Shown)
		}
		m.syncQueue()
		return true
	case q.Len() > 0:
		q.Hidden = true
		if q.Shown != nil {
			m.dialogs.remove(q.Shown)
		}
		m.flash.set(fmt.Sprintf("%d server request(s) wait for you: %s brings them back", q.Len(), m.keys.Queue.Hide.Help().Key), false)
		return true
	}
	return false
}

// requestGone drops a request the server withdrew before the user
// answered it.
func (m *Model) requestGone(msg serverreq.Gone) tea.Cmd {
	if msg.P.Answered() {
		return nil
	}
	msg.P.Answer(serverreq.Answer{Err: context.Canceled}) // unblocks nothing; marks it done
	m.queue.Remove(msg.P)
	m.flash.set("the server withdrew its "+msg.P.What()+" before you answered", true)
	return m.syncQueue()
}

// pendingRequests counts the server requests waiting for the user.
func (m *Model) pendingRequests() int { return m.queue.Len() }

// setRule sets (or, with "", clears) the rule for a method, and answers
// what waits with it.
func (m *Model) setRule(method, rule string) tea.Cmd {
	n := m.queue.SetRule(method, rule)
	if rule == "" {
		m.flash.set("no rule for "+method+": each request waits for you", false)
		return nil
	}
	m.flash.set(fmt.Sprintf("rule for %s: %s (answered %d waiting)", method, termsafe.Line(rule), n), false)
	return m.syncQueue()
}

// answerAllLikeThis makes the shown request's answer the rule for its
// method: the dialog says which rule its answer is.
func (m *Model) answerAllLikeThis(d serverreq.Request) tea.Cmd {
	r, ok := d.(serverreq.Ruler)
	if !ok {
		m.flash.set("this request's answer cannot be a rule", true)
		return nil
	}
	rule, err := r.AsRule()
	if err != nil {
		m.flash.set(err.Error(), true)
		return nil
	}
	return m.setRule(d.Pending().Req.Method, rule)
}

// queueKey handles the queue's global keys; it reports whether the key
// was one of them.
func (m *Model) queueKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.keys.Queue
	q := &m.queue
	switch {
	case key.Matches(msg, k.Hide):
		return m.toggleRequests(), nil
	case key.Matches(msg, k.List) && (q.Len() > 0 || q.Rules() > 0 || q.Refused > 0):
		if !slices.ContainsFunc(m.dialogs, func(d component.Dialog) bool { _, ok := d.(*serverreq.List); return ok }) {
			m.dialogs.open(serverreq.NewList(m.reqEnv()))
		}
		return true, nil
	case key.Matches(msg, k.Next) && q.Len() > 0:
		return true, m.nextRequest()
	case key.Matches(msg, k.AllLikeThis) && q.Shown != nil && m.dialogs.top() == q.Shown:
		return true, m.answerAllLikeThis(q.Shown)
	}
	return false, nil
}

// tooSoon reports (and says) that a key reached a request dialog that has
// just replaced one the user answered: it was meant for that one.
func (m *Model) tooSoon() bool {
	q := &m.queue
	if q.Shown == nil || m.dialogs.top() != q.Shown || time.Since(q.ShownAt) >= m.env.consentGuard {
		return false
	}
	m.flash.set("a server request has just appeared: keys are ignored for a moment", true)
	return true
}

// requestAction carries out an action of the request dialogs; it reports
// whether a was one.
func (m *Model) requestAction(a component.Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case serverreq.Deliver:
		return m.updateDialog(a.To, a.Msg), true
	case serverreq.OpenURL:
		return m.openURL(a.T), true
	case serverreq.Retry:
		c := a.Call.Ref.(*call)
		return m.startCallAs(c.method, c.subject, c.item, json.RawMessage(c.params), c.asTask), true
	case serverreq.ShowRequest:
		return m.showQueued(a.P), true
	case serverreq.Dropped:
		if m.queue.IsShown(a.P) {
			return m.syncQueue(), true // its dialog goes, the next one comes
		}
		m.queue.Remove(a.P)
		return nil, true
	case serverreq.SetRule:
		return m.setRule(a.Method, a.Rule), true
	}
	return nil, false
}

// elicitationComplete handles notifications/elicitation/complete: the
// waiting dialog for that id says so (and closes when there is nothing to
// retry).
func (m *Model) elicitationComplete(id string) {
	if id == "" {
		return
	}
	m.queue.Complete(id)
	for _, d := range m.dialogs {
		if w, ok := d.(*serverreq.Wait); ok && w.ID() == id && !w.Done() {
			if w.Complete() {
				m.dialogs.remove(w)
				m.flash.set("the server says the URL elicitation is complete", false)
			}
			return
		}
	}
}

// offerURLElicitations opens the URL flow for each elicitation of a -32042
// error (the first one on top).
func (m *Model) offerURLElicitations(c *call, err error) bool {
	els := serverreq.URLElicitations(err)
	for i := len(els) - 1; i >= 0; i-- {
		m.dialogs.open(serverreq.NewURL(m.reqEnv(), nil, els[i], &serverreq.Call{Method: c.method, Subject: c.subject, Ref: c}))
	}
	return len(els) > 0
}

// ---- opening and copying URLs ----

// urlOpenedMsg reports how opening a URL went.
type urlOpenedMsg struct {
	t   serverreq.Target
	err error
}

// errNoOpener says there is no program to open URLs with.
var errNoOpener = errors.New("no program to open URLs with")

// openURL opens an http(s) URL with the system's opener, in a command;
// the opener runs detached from the terminal.
func (m *Model) openURL(t serverreq.Target) tea.Cmd {
	if !t.Openable {
		return nil
	}
	open := m.env.opener
	if open == nil {
		open = systemOpen
	}
	return func() tea.Msg { return urlOpenedMsg{t: t, err: open(t.Raw)} }
}

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

func (m *Model) urlOpened(msg urlOpenedMsg) tea.Cmd {
	if msg.err == nil {
		m.flash.set("opened "+msg.t.Host+" in your browser", false)
		return nil
	}
	text := "could not open the URL: " + termsafe.Line(msg.err.Error())
	if errors.Is(msg.err, errNoOpener) {
		text = "no browser opener (xdg-open/open) on this machine: c copies the URL"
	}
	for _, d := range m.dialogs {
		if w, ok := d.(*serverreq.Wait); ok {
			w.OpenFailed(msg.t.Raw, text)
		}
	}
	m.flash.set(text, true)
	return nil
}

// urlElicitationsOf returns the elicitations of a -32042 error.
func urlElicitationsOf(err error) []serverreq.ElicitParams { return serverreq.URLElicitations(err) }
