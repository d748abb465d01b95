package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// Resource subscriptions: w on a resource shown in the work pane
// subscribes to it (resources/subscribe in the legacy eras, the
// subscriptions/listen stream in 2026-07-28: Session.Subscribe picks), and
// every notifications/resources/updated about it re-reads the resource in
// place while it is on screen.

// subscriber is the part of a live session that subscribes to resources;
// *mcp.Session implements it.
type subscriber interface {
	Subscribe(ctx context.Context, uri string) error
	Unsubscribe(ctx context.Context, uri string) error
}

// subscribedMsg reports a subscribe or unsubscribe.
type subscribedMsg struct {
	uri string
	on  bool
	err error
}

// rereadMsg is a resource read again after an update.
type rereadMsg struct {
	uri  string
	raw  json.RawMessage
	err  error
	took time.Duration
}

// toggleWatch subscribes to the shown resource, or unsubscribes.
func (m *Model) toggleWatch(r *result) tea.Cmd {
	if !r.Watchable() {
		m.flash.set("only a resource that was read can be watched", true)
		return nil
	}
	if !m.conn.canAct() {
		return m.needServer()
	}
	on := !m.s.Subscribed[r.URI]
	if on {
		if c := m.serverCapability("resources"); c == nil || string(c["subscribe"]) != "true" {
			m.flash.set("the server does not declare resources.subscribe; asking anyway", false)
		}
	}
	return m.conn.subscribe(r.URI, on)
}

// resubscribe renews the user's subscriptions on a new session (R): the
// state shows them again when the new session says yes.
func (m *Model) resubscribe() tea.Cmd {
	var cmds []tea.Cmd
	for _, uri := range m.resub {
		cmds = append(cmds, m.conn.subscribe(uri, true))
	}
	m.resub = nil
	return tea.Batch(cmds...)
}

// subscribed reports a subscribe or unsubscribe (what is subscribed is in
// the state, from the events).
func (m *Model) subscribed(msg subscribedMsg) {
	what := "unsubscribed from "
	if msg.on {
		what = "subscribed to "
	}
	switch {
	case msg.err != nil:
		m.flash.set(what+termsafe.Line(msg.uri)+" failed: "+describeErr(msg.err), true)
	case msg.on:
		m.flash.set(what+termsafe.Line(msg.uri)+": it updates live (w stops)", false)
	default:
		m.flash.set(what+termsafe.Line(msg.uri), false)
	}
}

// resourceUpdated handles notifications/resources/updated (counted in
// the state): the resource is read again if it is on screen.
func (m *Model) resourceUpdated(uri string) tea.Cmd {
	r := m.panes.work.Result()
	if m.panes.work.Mode() != work.ModeResult || r == nil || r.URI != uri || !m.conn.canAct() {
		return nil
	}
	return m.reread(uri)
}

// reread reads a resource again; one read at a time per resource, and one
// more if updates arrived meanwhile.
func (m *Model) reread(uri string) tea.Cmd {
	if m.rereading == nil {
		m.rereading = map[string]int{}
	}
	if m.rereading[uri] > 0 {
		m.rereading[uri] = 2 // read again when this one is back
		return nil
	}
	m.rereading[uri] = 1
	sess, ctx := m.conn.sess, m.conn.ctx
	return func() tea.Msg {
		start := time.Now()
		raw, err := sess.Call(ctx, "resources/read", map[string]string{"uri": uri})
		return rereadMsg{uri: uri, raw: raw, err: err, took: time.Since(start)}
	}
}

func (m *Model) rereadDone(msg rereadMsg) tea.Cmd {
	again := m.rereading[msg.uri] > 1
	delete(m.rereading, msg.uri)
	r := m.panes.work.Result()
	if m.panes.work.Mode() != work.ModeResult || r == nil || r.URI != msg.uri {
		return nil
	}
	if msg.err != nil {
		m.flash.set("re-reading "+termsafe.Line(msg.uri)+": "+describeErr(msg.err), true)
		return nil
	}
	nr := work.NewResult(r.Method, r.Subject, msg.raw, nil, msg.took, r.Output)
	nr.Call, nr.URI = r.Call, r.URI
	nr.Page = min(r.Page, nr.Pages-1)
	m.panes.work.ReplaceResult(nr) // in place: the offset stays
	if again {
		return m.reread(msg.uri)
	}
	return nil
}

// watchLine is the status line above a watched resource.
func (m *Model) watchLine(r *result) string {
	st := m.look.st
	var n int
	var last time.Time
	if u := m.s.Updates[r.URI]; u != nil {
		n, last = u.Count, u.Last
	}
	switch {
	case m.s.Subscribed[r.URI]:
		s := st.OK.Render("● watching") + st.Muted.Render(" (w stops)")
		if n > 0 {
			s += st.Muted.Render(fmt.Sprintf(" · updated %d× · last %s", n, last.Format("15:04:05")))
		}
		return s
	case n > 0:
		return st.Muted.Render(fmt.Sprintf("updated %d× (w watches it live)", n))
	}
	return ""
}
