package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/session"
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

// subscriptions is what the root model keeps of the user's resource
// subscriptions beyond what the state folds (what is subscribed and
// updated is in session.State): the URIs to subscribe to again on the
// next session (R), and the re-reads of updated resources in flight. Its
// collaborators are given: the state (what is subscribed), the
// connection that subscribes and reads, the panes (the work pane shows
// the resource) and the status line.
type subscriptions struct {
	resub     []string       // URIs to subscribe to again on the next session
	rereading map[string]int // 1: a re-read in flight; 2: and another one due

	s     *session.State
	conn  *connection
	panes *paneSet
	flash *flashLine
}

// toggle subscribes to the shown resource r, or unsubscribes.
func (s *subscriptions) toggle(r *result) tea.Cmd {
	if !r.Watchable() {
		s.flash.set("only a resource that was read can be watched", true)
		return nil
	}
	if !s.conn.canAct() {
		s.flash.set(s.conn.whyNot(), true)
		return nil
	}
	on := !s.s.Subscribed[r.URI]
	if on {
		if c := serverCapability(s.s, "resources"); c == nil || string(c["subscribe"]) != "true" {
			s.flash.set("the server does not declare resources.subscribe; asking anyway", false)
		}
	}
	return s.conn.subscribe(r.URI, on)
}

// updated handles notifications/resources/updated (counted in the
// state): the resource is read again if it is on screen.
func (s *subscriptions) updated(uri string) tea.Cmd {
	r := s.panes.work.Result()
	if s.panes.work.Mode() != work.ModeResult || r == nil || r.URI != uri || !s.conn.canAct() {
		return nil
	}
	return s.readAgain(uri)
}

// reread replaces the shown resource with what was read again (in place:
// the offset stays), and reads it once more if updates came meanwhile.
func (s *subscriptions) reread(msg rereadMsg) tea.Cmd {
	again := s.readBack(msg.uri)
	r := s.panes.work.Result()
	if s.panes.work.Mode() != work.ModeResult || r == nil || r.URI != msg.uri {
		return nil
	}
	if msg.err != nil {
		s.flash.set("re-reading "+termsafe.Line(msg.uri)+": "+describeErr(msg.err), true)
		return nil
	}
	nr := work.NewResult(r.Method, r.Subject, msg.raw, nil, msg.took, r.Output)
	nr.Call, nr.URI = r.Call, r.URI
	nr.Page = min(r.Page, nr.Pages-1)
	s.panes.work.ReplaceResult(nr) // in place: the offset stays
	if again {
		return s.readAgain(msg.uri)
	}
	return nil
}

// remember keeps what is subscribed now, to subscribe to it again on the
// next session.
func (s *subscriptions) remember(subscribed map[string]bool) {
	s.resub = s.resub[:0]
	for uri := range subscribed {
		s.resub = append(s.resub, uri)
	}
}

// renew subscribes again on a new session to what was subscribed
// before it (R): the state shows them again when the new session says
// yes.
func (s *subscriptions) renew() tea.Cmd {
	var cmds []tea.Cmd
	for _, uri := range s.resub {
		cmds = append(cmds, s.conn.subscribe(uri, true))
	}
	s.resub = nil
	return tea.Batch(cmds...)
}

// readAgain reads a resource again; one read at a time per resource, and one
// more if updates arrived meanwhile.
func (s *subscriptions) readAgain(uri string) tea.Cmd {
	if s.rereading == nil {
		s.rereading = map[string]int{}
	}
	if s.rereading[uri] > 0 {
		s.rereading[uri] = 2 // read again when this one is back
		return nil
	}
	s.rereading[uri] = 1
	sess, ctx := s.conn.sess, s.conn.ctx
	return func() tea.Msg {
		start := time.Now()
		raw, err := sess.Call(ctx, "resources/read", map[string]string{"uri": uri})
		return rereadMsg{uri: uri, raw: raw, err: err, took: time.Since(start)}
	}
}

// readBack ends a re-read of uri; it says whether updates came meanwhile
// (read it again).
func (s *subscriptions) readBack(uri string) (again bool) {
	again = s.rereading[uri] > 1
	delete(s.rereading, uri)
	return again
}

// outcome is what the status line says of a subscribe or unsubscribe
// (what is subscribed is in the state, from the events), and whether it
// failed.
func (msg subscribedMsg) outcome() (string, bool) {
	what := "unsubscribed from "
	if msg.on {
		what = "subscribed to "
	}
	switch {
	case msg.err != nil:
		return what + termsafe.Line(msg.uri) + " failed: " + describeErr(msg.err), true
	case msg.on:
		return what + termsafe.Line(msg.uri) + ": it updates live (w stops)", false
	}
	return what + termsafe.Line(msg.uri), false
}

// watchLine is the status line above a watched resource r (st: the
// styles; s: the state, which counts its updates).
func watchLine(st *Styles, s *session.State, r *result) string {
	var n int
	var last time.Time
	if u := s.Updates[r.URI]; u != nil {
		n, last = u.Count, u.Last
	}
	switch {
	case s.Subscribed[r.URI]:
		line := st.OK.Render("● watching") + st.Muted.Render(" (w stops)")
		if n > 0 {
			line += st.Muted.Render(fmt.Sprintf(" · updated %d× · last %s", n, last.Format("15:04:05")))
		}
		return line
	case n > 0:
		return st.Muted.Render(fmt.Sprintf("updated %d× (w watches it live)", n))
	}
	return ""
}

// rereadMsg is a resource read again after an update.
type rereadMsg struct {
	uri  string
	raw  json.RawMessage
	err  error
	took time.Duration
}
