package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// applyEvents folds events no feed applied (tests; a model without a
// session or replay) into the state, then takes them as a feed's batch.
func (m *Model) applyEvents(evs eventsMsg) tea.Cmd {
	// A replay that moves backwards (or far ahead) sends a rewind marker:
	// everything before it is forgotten.
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == session.KindRewind {
			evs = evs[i:]
			break
		}
	}
	b := session.Batch{Events: evs}
	for _, e := range evs {
		b.Change.Merge(m.s.Apply(e))
	}
	return m.took(b)
}

// took draws what the feed handed over: the events go to the log, and the
// panes follow what changed in the state (the browsers, the server log,
// tasks and timeline views); notifications that ask for something (list
// again, read a watched resource again, close an elicitation) are acted
// on.
func (m *Model) took(b session.Batch) tea.Cmd {
	ch := b.Change
	if ch.Reset {
		m.rewind()
	}
	m.panes.log.SetBehind(b.Behind)
	m.panes.log.Skipped(b.Skipped) // gone by while the UI was behind: the recording has them
	m.panes.log.Append(b.Events)
	if m.s.Now.After(m.look.com.Now) {
		m.look.com.Now = m.s.Now
	}
	if b.Ended {
		m.conn.closed = true
	}
	if ch.Connected || ch.Reset {
		m.panes.br.SyncSupported()
	}
	for k := listKind(0); k < numLists; k++ {
		if ch.Lists[k] {
			m.panes.applyListing(k, m.conn.live, m.screen.focus == paneWork)
		}
	}
	m.panes.sync(m.s)
	var cmds []tea.Cmd
	if m.conn.canAct() {
		for k, yes := range ch.Relist {
			if yes {
				cmds = append(cmds, m.conn.list(listKind(k), m.panes.br))
			}
		}
	}
	for _, uri := range ch.Updated {
		cmds = append(cmds, m.subs.updated(uri))
	}
	for _, id := range ch.ElicitationsComplete {
		m.requests.elicitationComplete(id)
	}
	if len(m.s.Requests) > 0 {
		cmds = append(cmds, m.tick())
	}
	return tea.Batch(cmds...)
}

// rewind forgets every event seen so far, keeping the user's view
// settings (filter, keepalive toggle, selected list). The state was reset
// by the rewind event itself.
func (m *Model) rewind() {
	m.panes.reset()
	setOrigin(m.s, m.opts.ReplayStart)
	if !m.conn.live {
		m.look.com.Now = time.Time{} // the replay's clock restarts from the events
	}
	m.layout()
}

// ---- talking to the server ----

// uiCapabilities are what the UI's handler answers: roots (the roots
// dialog; edits notify), sampling with tools (the sampling dialog; a
// tool_use reply is written as JSON) and elicitation in form and URL mode.
var uiCapabilities = json.RawMessage(`{"roots":{"listChanged":true},"sampling":{"tools":{}},"elicitation":{"form":{},"url":{}}}`)

// inflight holds, per list, the outcome of a listing already under way
// (nil: none).
type inflight [numLists]<-chan listDoneMsg

// startListings starts every listing the server declared, right after
// Dial, without waiting for Update to see the session: the first dial
// runs while Bubble Tea sets the terminal up (ui.Run), and the listings'
// round trips overlap that too, so the first frame shows the server's
// lists sooner. Their results reach the browser through the session's
// events, as any listing's do; connected waits for their ends.
func startListings(ctx context.Context, sess *mcp.Session) inflight {
	var out inflight
	offered := session.ParseCapabilities(sess.Info().Capabilities).Lists()
	for k := listKind(0); k < numLists; k++ {
		if !offered[k] {
			continue
		}
		ch := make(chan listDoneMsg, 1) // never blocks: the model may drop a stale dial
		go func() { ch <- listPages(ctx, sess, k) }()
		out[k] = ch
	}
	return out
}

func (m *Model) connected(msg connectedMsg) tea.Cmd {
	if msg.gen != m.conn.gen {
		if msg.sess != nil {
			go msg.sess.Close()
		}
		return nil
	}
	m.conn.signIn = msg.auth
	m.conn.dialing = false
	if msg.err != nil {
		m.conn.err = msg.err
		m.flash.set(describeErr(msg.err)+" (R retries)", true)
		return nil
	}
	m.conn.sess = msg.sess
	// The session's events up to `connected` reached the state before
	// Dial returned: the listings follow its capabilities.
	m.panes.br.SyncSupported()
	var lists tea.Cmd
	if m.conn.canAct() {
		lists = m.conn.refresh(msg.lists, m.s, m.panes.br)
	} else {
		m.flash.set(m.conn.whyNot(), true)
	}
	return tea.Batch(lists, m.conn.restoreLogLevel(msg.sess, m.panes.srvLog.Asked(), m.panes.srvLog.Level()), m.subs.renew())
}

// reconnect closes the session (if any) and dials again.
func (m *Model) reconnect() tea.Cmd {
	if !m.conn.live {
		m.flash.set(m.conn.whyNot(), true)
		return nil
	}
	m.conn.hangUp()
	m.subs.remember(m.s.Subscribed) // subscribed again on the new session
	m.conn.dialing = false
	m.flash.set("reconnecting…", false)
	return m.conn.dial(&m.opts)
}

// listPages asks for every page of a list (up to 1000).
func listPages(ctx context.Context, sess Backend, k listKind) listDoneMsg {
	cursor := ""
	for page := 0; page < 1000; page++ {
		var params any
		if cursor != "" {
			params = map[string]string{"cursor": cursor}
		}
		raw, err := sess.Call(ctx, k.Method(), params)
		if err != nil {
			return listDoneMsg{kind: k, err: err}
		}
		next := nextCursor(raw)
		if next == "" || next == cursor {
			break
		}
		cursor = next
	}
	return listDoneMsg{kind: k}
}

// startCall sends a request for the user and shows its progress in the
// work pane; asTask asks for a task-augmented call (2025-11-25
// params.task).
func (m *Model) startCall(method, subject string, it *item, params any, asTask bool) tea.Cmd {
	if !m.conn.canAct() {
		m.flash.set(m.conn.whyNot(), true)
		return nil
	}
	var opts []mcp.CallOption
	if asTask {
		opts = append(opts, mcp.WithTask(0))
	}
	raw, _ := json.Marshal(params)
	ctx, cancel := context.WithCancel(m.conn.ctx)
	c := m.calls.add(&call{method: method, subject: termsafe.Line(subject), item: it, params: raw, start: time.Now(), cancel: cancel, asTask: asTask, h: new(mcp.Handle)})
	m.panes.work.WaitFor(c)
	sess := m.conn.sess
	return tea.Batch(func() tea.Msg {
		defer cancel()
		start := time.Now()
		res, err := sess.Call(ctx, method, json.RawMessage(raw), append(opts, mcp.WithProgressToken(), mcp.WithHandle(c.h))...)
		return callDoneMsg{call: c, result: res, err: err, took: time.Since(start)}
	}, m.tick())
}

func (m *Model) callDone(msg callDoneMsg) tea.Cmd {
	c := msg.call
	c.done = true
	// (how its request ended is in the state already: a call returns
	// only after its events were delivered)
	m.calls.returned(c)
	if msg.err == nil && c.method == "tools/call" {
		if h, ok := mcp.TaskOf(msg.result); ok {
			m.flash.set(fmt.Sprintf("%s became task %s (%s); following it · t lists the tasks", c.subject, shortID(h.ID), termsafe.Line(h.Status)), false)
			if cmd := m.tasks.follow(c, h); cmd != nil {
				return tea.Batch(cmd, m.tick())
			}
			return nil
		}
	}
	var out json.RawMessage
	if c.item != nil && c.method == "tools/call" {
		out = c.item.OutputSchema
	}
	err := msg.err
	if err == context.Canceled {
		err = cancelledError{byClosing: cancelsByClosing(m.s)}
	}
	r := work.NewResult(c.method, c.subject, msg.result, err, msg.took, out)
	r.Call = c
	if c.method == "resources/read" {
		var p struct {
			URI string `json:"uri"`
		}
		json.Unmarshal(c.params, &p)
		r.URI = p.URI
	}
	if m.panes.work.Active() == work.Call(c) {
		m.panes.work.ShowResult(r)
	}
	if m.requests.offerURLs(c, err) {
		m.flash.set(c.subject+": the server needs you to open a URL first (-32042)", true)
		return nil
	}
	switch {
	case err != nil:
		m.flash.set(c.method+" "+c.subject+": "+describeErr(err), true)
	case r.IsError:
		m.flash.set(c.subject+" returned isError", true)
	default:
		m.flash.set(c.method+" "+c.subject+" ✓ "+msg.took.Round(time.Millisecond).String(), false)
	}
	return nil
}

// cancelledError is a call the user cancelled; it says what sonde did,
// which depends on the era.
type cancelledError struct{ byClosing bool }

func (e cancelledError) Error() string {
	if e.byClosing {
		return "cancelled by you (sonde closed its response stream: the 2026-07-28 cancellation over HTTP)"
	}
	return "cancelled by you (sonde sent notifications/cancelled)"
}

// cancelsByClosing reports whether the connection in s cancels a request
// by closing its response stream rather than with notifications/cancelled.
func cancelsByClosing(s *session.State) bool {
	return s.Conn.Info != nil && mcp.CancelsByClosing(*s.Conn.Info)
}
