package session

import (
	"slices"

	"github.com/sonde-mcp/sonde/mcp"
)

// Change says what applying events changed in a [State], so a view
// redraws, and reacts to, only what moved. Merge folds the changes of a
// run of events into one.
type Change struct {
	// Reset reports a rewind: the state was emptied first.
	Reset bool
	// Conn reports a change of the connection (state, info, counters).
	Conn bool
	// Connected reports a `connected` event with its info (a new or
	// renewed connection, its capabilities).
	Connected bool
	// Requests reports requests starting, ending or making progress.
	Requests bool
	// Lists reports the listings a page arrived for (or, in Offered, an
	// announcement on the stream).
	Lists [NumLists]bool
	// Relist reports the listings to fetch again: the server said they
	// changed (list_changed), or the session was re-established (only
	// listings its capabilities declare).
	Relist [NumLists]bool
	// Updated are the resources notifications/resources/updated named,
	// each once, in order.
	Updated []string
	// ElicitationsComplete are the ids notifications/elicitation/complete
	// named.
	ElicitationsComplete []string
	// Subscriptions reports a change of the resources subscribed to.
	Subscriptions bool
	// Tasks, Log, Spans and Notes report changes of the tasks, the
	// server log, the timelines and the detection notes; Auth of the
	// sign-ins (an `auth` event).
	Tasks, Log, Spans, Notes, Auth bool

	// Message is the applied event's message, decoded (nil for other
	// events); it is the state's and valid until the next Apply. Span is (a copy of) the request span the event started or
	// ended: the request an answer, a cancellation or a loss belongs to.
	// Merge leaves both out: they belong to one event.
	Message *Message
	Span    *Span
}

// Merge folds o, a later change, into c.
func (c *Change) Merge(o Change) {
	if o.Reset {
		*c = Change{Reset: true}
	}
	c.Conn = c.Conn || o.Conn
	c.Connected = c.Connected || o.Connected
	c.Requests = c.Requests || o.Requests
	for k := range c.Lists {
		c.Lists[k] = c.Lists[k] || o.Lists[k]
		c.Relist[k] = c.Relist[k] || o.Relist[k]
	}
	for _, u := range o.Updated {
		if !slices.Contains(c.Updated, u) {
			c.Updated = append(c.Updated, u)
		}
	}
	c.ElicitationsComplete = append(c.ElicitationsComplete, o.ElicitationsComplete...)
	c.Subscriptions = c.Subscriptions || o.Subscriptions
	c.Tasks = c.Tasks || o.Tasks
	c.Log = c.Log || o.Log
	c.Spans = c.Spans || o.Spans
	c.Notes = c.Notes || o.Notes
	c.Auth = c.Auth || o.Auth
	c.Message, c.Span = nil, nil
}

// Apply takes one event into the state and says what changed. Events must
// come in sequence order; a [KindRewind] event empties the state first.
func (s *State) Apply(e mcp.Event) Change {
	var c Change
	if e.Kind == KindRewind {
		s.Reset()
		c.Reset = true
	}
	if e.Time.After(s.Now) {
		s.Now = e.Time
	}
	// one message decoded per event, into the state's scratch value (the
	// change carries it until the next Apply)
	m := &s.msg
	if !m.decode(&e) {
		m = nil
	}
	c.Message = m
	c.Spans = s.Timeline.add(&e, m)
	if c.Spans {
		c.Span = s.Timeline.touchedSpan()
	}
	if e.IsKeepalive() {
		s.Quiet.clock(&e)
	} else if s.Quiet.add(&e, m) {
		c.Spans = true
	}
	if e.Dir == mcp.DirIn {
		s.Conn.LastIn = e.Time
		c.Conn = true
	}
	if e.IsKeepalive() {
		switch {
		case e.Dir == mcp.DirIn && !(e.Kind == mcp.KindMessage && e.RPC == mcp.RPCResponse):
			s.Conn.KeepaliveIn++
		case e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest:
			s.Conn.KeepaliveOut++
		}
		if e.RPC == mcp.RPCResponse && e.ReqMethod == "ping" && e.Latency > 0 {
			s.Conn.PingRTT = e.Latency
		}
		c.Conn = true
	}
	switch e.Kind {
	case mcp.KindState:
		s.applyState(&e, &c)
	case mcp.KindInfo, mcp.KindError:
		if e.Kind == mcp.KindInfo {
			s.note(&e)
			c.Notes = true
		}
		// A request that ended without an answer (lost, timed out,
		// cancelled: an error; a detection probe the server did not
		// answer, such as server/discover or initialize against a legacy
		// HTTP+SSE server: a "probe:" note) names its id and method: it
		// is no longer in flight.
		if e.ID != "" && (e.Kind == mcp.KindError || e.ReqMethod != "") && s.endRequest(e.ID) {
			c.Requests = true
		}
	case mcp.KindMessage:
		if m != nil {
			s.applyMessage(&e, m, &c)
		}
	case mcp.KindAuth:
		c.Auth = s.Auth.Apply(e)
	case mcp.KindStderr:
		s.addServerLog(&e, nil)
		c.Log = true
	case mcp.KindSSE:
		if k, items, ok := OfferedList(&e); ok {
			s.Offered[k] = Listing{Items: items, Loaded: true}
			c.Lists[k] = true
		}
	}
	if s.listening != "" && !s.Listens[s.listening] {
		// the listen stream holding the subscriptions ended (and no other
		// replaced it first)
		s.listening = ""
		clear(s.Subscribed)
		c.Subscriptions = true
	}
	return c
}

func (s *State) note(e *mcp.Event) {
	if len(s.Notes) >= maxNotes {
		s.Notes = append(s.Notes[:0:0], s.Notes[1:]...)
	}
	s.Notes = append(s.Notes, Note{Time: e.Time, Text: e.Text})
}

func (s *State) applyState(e *mcp.Event, c *Change) {
	c.Conn = true
	s.Conn.State, s.Conn.Attempt = e.State, e.Attempt
	switch e.State {
	case mcp.StateConnecting:
		// a new session: the detection starts again, and subscriptions
		// belong to the session that made them
		s.Notes = nil
		clear(s.Subscribed)
		c.Notes, c.Subscriptions = true, true
	case mcp.StateConnected:
		// A failed probe (initialize answered by HTTP 405 during
		// detection) never gets an answer event: the handshake is over,
		// so no initialize is in flight.
		for id, r := range s.Requests {
			if r.Method == "initialize" {
				delete(s.Requests, id)
				c.Requests = true
			}
		}
	case mcp.StateReconnecting:
		if e.Attempt == 1 {
			s.Conn.Reconnects++ // a recovery begins (attempts count within it)
		}
	case mcp.StateError, mcp.StateClosed:
		clear(s.Requests)
		clear(s.Listens)
		c.Requests = true
	}
	if e.Info == nil {
		return
	}
	info := *e.Info
	s.Conn.Info = &info
	s.Conn.Server = mcp.Implementation{}
	mcp.DecodeLenient(info.Server, &s.Conn.Server)
	s.Conn.Caps = ParseCapabilities(info.Capabilities)
	s.Conn.Reconnects = info.Reconnects
	c.Connected = true
	if info.Reconnects > 0 {
		// the session was re-established: what it offers may have changed
		c.Relist = s.Conn.Caps.Lists()
	}
}

func (s *State) applyMessage(e *mcp.Event, m *Message, c *Change) {
	if s.taskEvent(e, m) {
		c.Tasks = true
	}
	switch {
	case e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest:
		s.remember(e.ID, sentReq{method: e.Method, hasCursor: m.HasCursor, taskID: m.TaskID, uri: m.URI})
		switch e.Method {
		case "subscriptions/listen":
			// a long-lived stream, not a request waiting for its answer
			s.Listens[e.ID] = true
			s.listenFor[e.ID] = m.ListenURIs
		case "ping":
		default:
			s.Requests[e.ID] = &Request{ID: e.ID, Method: e.Method, Subject: m.Subject(), Token: m.Token, Start: e.Time}
		}
		c.Requests = true
	case e.Dir == mcp.DirOut && e.RPC == mcp.RPCNotification && e.Method == "notifications/cancelled":
		// A cancelled request is never answered: it is no longer in flight.
		if s.endRequest(m.RequestID) {
			c.Requests = true
		}
	case e.Dir == mcp.DirIn && (e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse):
		if s.endRequest(e.ID) {
			c.Requests = true
		}
		if s.listenFor[e.ID] != nil || s.listenFor[altID(e.ID)] != nil {
			delete(s.listenFor, e.ID)
			delete(s.listenFor, altID(e.ID))
		}
		if e.RPC != mcp.RPCResponse {
			return
		}
		asked := s.asked(e.ID)
		if k, ok := ListFor(e.ReqMethod); ok {
			s.Lists[k].applyPage(k, m.Result, asked.method == e.ReqMethod && asked.hasCursor)
			c.Lists[k] = true
		}
		switch {
		case e.ReqMethod == "resources/subscribe" && asked.uri != "":
			s.Subscribed[asked.uri] = true
			c.Subscriptions = true
		case e.ReqMethod == "resources/unsubscribe" && asked.uri != "":
			delete(s.Subscribed, asked.uri)
			c.Subscriptions = true
		}
	case e.Dir == mcp.DirIn && e.RPC == mcp.RPCNotification:
		s.notification(e, m, c)
	}
}

func (s *State) notification(e *mcp.Event, m *Message, c *Change) {
	switch e.Method {
	case "notifications/progress":
		for _, r := range s.Requests {
			if r.Token != "" && r.Token == m.Token {
				r.Progress, r.Total, r.ProgressMessage, r.HasProgress = m.Progress, m.Total, m.ProgressMessage, true
				c.Requests = true
			}
		}
		if s.taskProgress(m) {
			c.Tasks = true
		}
	case "notifications/message":
		s.addServerLog(e, m)
		c.Log = true
	case "notifications/resources/updated":
		if m.URI == "" {
			return
		}
		u := s.Updates[m.URI]
		if u == nil {
			u = &Update{}
			s.Updates[m.URI] = u
		}
		u.Count++
		u.Last = e.Time
		c.Updated = append(c.Updated, m.URI)
	case "notifications/tools/list_changed":
		c.Relist[Tools] = true
	case "notifications/resources/list_changed":
		c.Relist[Resources], c.Relist[Templates] = true, true
	case "notifications/prompts/list_changed":
		c.Relist[Prompts] = true
	case "notifications/elicitation/complete":
		c.ElicitationsComplete = append(c.ElicitationsComplete, m.ElicitationID)
	case "notifications/subscriptions/acknowledged":
		// 2026-07-28: the listen stream that replaced the others is the
		// subscription now.
		id := m.SubscriptionID
		uris, ok := s.listenFor[id]
		if !ok {
			id = altID(id)
			uris, ok = s.listenFor[id]
		}
		if ok {
			clear(s.Subscribed)
			for _, u := range uris {
				s.Subscribed[u] = true
			}
			s.listening = id
			c.Subscriptions = true
		}
	}
}
