package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Everything the server sends: decoding, routing answers, notifications and
// the server's own requests.

func (l *tlink) receive(e *Event) { l.s.receive(l.tr, e) }

// errStrayAnswer is the note on an answer whose id no request of sonde's
// waits for.
const errStrayAnswer = "an answer to an id which sonde did not send or no longer waits for"

// errLateAnswer is the note on an answer to a request sonde had stopped
// waiting for (timed out, cancelled or failed).
const errLateAnswer = "a late answer: sonde had stopped waiting for this request"

func (l *tlink) orphan(id string, err error) { l.s.orphan(id, err) }

// RecentIDs remembers the method of the latest 4096 request ids put in it:
// enough to tell a late or duplicate answer by its request, bounded
// whatever a peer sends. The zero value is ready; it is not safe for
// concurrent use.
type RecentIDs struct {
	m map[string]string
	q []string
}

// Put remembers id's method, forgetting the oldest id past 4096.
func (r *RecentIDs) Put(id, method string) {
	if r.m == nil {
		r.m = map[string]string{}
	}
	if _, ok := r.m[id]; !ok {
		r.q = append(r.q, id)
	}
	r.m[id] = method
	if len(r.q) > 4096 {
		delete(r.m, r.q[0])
		r.q = r.q[1:]
	}
}

// Get is the method remembered for id, and whether there is one.
func (r *RecentIDs) Get(id string) (string, bool) {
	m, ok := r.m[id]
	return m, ok
}

// receive decodes one incoming frame that tr delivered, logs it and routes it.
// A named SSE event (KindSSE) comes here too: see receiveNamed.
func (s *Session) receive(tr transport, e *Event) {
	if e.Kind == KindSSE {
		s.receiveNamed(tr, e)
		return
	}
	if t := firstByte(e.Raw); t != '[' {
		s.receiveOne(tr, e)
		return
	}
	frames, err := DecodeFrame(e.Raw)
	if err == nil && s.cfg.lenient() && (e.Stream == "GET" || e.Stream == "POST") && !anyEnvelope(frames) {
		e.Kind = KindSSE // a JSON array of the server's own, not a batch
		s.emit(e)
		return
	}
	if err != nil {
		raw := e.Raw
		e.Kind, e.RPC = KindError, RPCInvalid
		e.Err = err.Error()
		if errors.Is(err, ErrNotJSON) {
			e.Text, e.Truncated = capText(string(raw), maxLogText)
			e.Raw = nil
			e.Err = "invalid JSON from the server: " + notJSONReason(raw)
		}
		s.unusable(e, raw)
		return
	}
	for i, raw := range frames {
		ev := *e
		ev.Raw = raw
		ev.Text = fmt.Sprintf("batch item %d of %d", i+1, len(frames))
		ev.Bytes = int64(len(raw))
		s.receiveOne(tr, &ev)
	}
}

// anyEnvelope reports whether any frame of a batch is a JSON-RPC message.
func anyEnvelope(frames []json.RawMessage) bool {
	for _, f := range frames {
		if _, err := scanEnvelope(f); err == nil {
			return true
		}
	}
	return false
}

func firstByte(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
	}
	return 0
}

// receiveNamed takes an SSE event with a name of its own (tools, result,
// status...): a JSON-RPC message in its data is routed like any other (the
// event keeps its name); data a keepalive rule matches is a keepalive;
// anything else is logged as it came, JSON in Raw, text in Text. None of it
// is an error: a name the specification does not define is the server's
// business.
func (s *Session) receiveNamed(tr transport, e *Event) {
	if firstByte(e.Raw) == '{' {
		if _, err := scanEnvelope(e.Raw); err == nil {
			e.Kind = KindMessage
			s.receiveOne(tr, e)
			return
		}
	}
	data := []byte(e.Raw)
	if data == nil && len(e.Text) <= maxKeepaliveSize {
		data = []byte(e.Text)
	}
	e.Keepalive = isKeepaliveData(data, s.cfg.KeepaliveMatch)
	s.emit(e)
}

// receiveOne classifies one message, logs it and routes it.
func (s *Session) receiveOne(tr transport, ev *Event) {
	env, err := scanEnvelope(ev.Raw)
	if err != nil {
		if isKeepaliveData(ev.Raw, s.cfg.KeepaliveMatch) {
			// {"type":"keepalive"}, `heartbeat`: not JSON-RPC, and no error
			ev.Kind, ev.Keepalive = KindSSE, true
			if !json.Valid(ev.Raw) {
				ev.Text, ev.Raw = string(ev.Raw), nil
			}
			s.emit(ev)
			return
		}
		if s.cfg.lenient() && s.takeAsItIs(tr, ev, err) {
			return
		}
		raw := ev.Raw
		ev.Kind, ev.RPC = KindError, RPCInvalid
		ev.Err = err.Error()
		if errors.Is(err, ErrNotJSON) {
			ev.Text, ev.Truncated = capText(string(raw), maxLogText)
			ev.Raw = nil
			ev.Err = "invalid JSON from the server: " + strings.TrimPrefix(err.Error(), ErrNotJSON.Error()+": ")
		}
		s.unusable(ev, raw)
		return
	}
	ev.RPC, ev.Method, ev.ID = env.rpc, env.method, env.id
	switch ev.RPC {
	case RPCResponse, RPCErrorResponse:
		s.resolve(ev)
	case RPCRequest:
		s.emit(ev)
		if msg, err := DecodeMessage(ev.Raw); err == nil {
			s.serveRequest(tr, msg, ev.Via)
		}
	case RPCNotification:
		s.emit(ev)
		s.notification(ev)
	}
}

// takeAsItIs handles, in a lenient session, a message that is not
// JSON-RPC (err says why): a message that lacks only "jsonrpc": "2.0" is
// routed as the request, notification or answer it is (an answer reaches
// its call); other data from an HTTP stream (text, or JSON of another
// shape: {"tool":"add","result":3}) is shown as it came, not as an error.
// It reports false for what stays an error (a stdio line that is not JSON).
func (s *Session) takeAsItIs(tr transport, ev *Event, err error) bool {
	overHTTP := ev.Stream == "GET" || ev.Stream == "POST"
	if errors.Is(err, ErrNotJSON) {
		if !overHTTP {
			return false
		}
		ev.Kind = KindSSE
		ev.Text, ev.Truncated = capText(string(ev.Raw), maxLogText)
		ev.Raw = nil
		s.emit(ev)
		return true
	}
	m, derr := DecodeMessage(ev.Raw)
	if derr != nil && m != nil && m.JSONRPC != "2.0" && m.Type() != RPCInvalid {
		ev.RPC, ev.Method, ev.ID = m.Type(), m.Method, m.IDKey()
		ev.Text = `not JSON-RPC 2.0 (no "jsonrpc": "2.0"), taken as it is`
		switch ev.RPC {
		case RPCResponse, RPCErrorResponse:
			s.resolve(ev)
		case RPCRequest:
			s.emit(ev)
			s.serveRequest(tr, m, ev.Via)
		default:
			s.emit(ev)
			s.notification(ev)
		}
		return true
	}
	if !overHTTP {
		return false
	}
	// JSON of the server's own shape: an SSE event's data, or a POST's
	// answer body (which has a status), a message that is not JSON-RPC
	if ev.Status == 0 {
		ev.Kind = KindSSE
	}
	ev.RPC = ""
	s.emit(ev)
	return true
}

// resolve hands an answer to its waiting call. Answers may come before the
// POST that carried the request returns, on another stream, twice, or for
// ids nobody asked for; all of it is logged, none of it breaks anything.
func (s *Session) resolve(ev *Event) {
	s.mu.Lock()
	p, id, warn := s.claim(ev.ID)
	if p != nil {
		if warn != "" {
			ev.Err = warn
		}
		if _, renumbered := numberKey(ev.ID); renumbered {
			ev.ID = id // the same number: consumers pair it with its request
		}
	} else if m, dup := s.answered.Get(id); dup {
		ev.ReqMethod = m
		ev.Err = "duplicate answer: this request was already answered"
	} else if m, late := s.abandoned.Get(id); late {
		ev.ReqMethod = m
		if !s.closed { // while closing, answers to what was in flight are expected
			ev.Err = errLateAnswer
		}
	} else if id == "" {
		ev.Err = "error answer without an id"
	} else {
		// the event carries the id; a constant message costs no allocation
		// on a stream full of them
		ev.Err = errStrayAnswer
	}
	s.mu.Unlock()
	if p != nil {
		ev.ReqMethod = p.method
		if ev.Time.IsZero() {
			ev.Latency = time.Since(p.sent)
		} else {
			ev.Latency = max(0, ev.Time.Sub(p.sent)) // when its bytes were read
		}
	}
	s.emit(ev)
	if p == nil {
		return
	}
	msg, err := DecodeMessage(ev.Raw)
	if err != nil && msg != nil && msg.Type() != RPCInvalid && s.cfg.lenient() {
		err = nil // an answer but for its "jsonrpc" member (see takeAsItIs)
	}
	switch {
	case err != nil:
		p.ch <- reply{err: fmt.Errorf("unreadable answer to %s: %w", p.method, err)}
	case msg.Error != nil:
		p.ch <- reply{err: msg.Error}
	default:
		p.ch <- reply{result: msg.Result}
	}
}

// claim takes (with s.mu held) the pending request that an answer with
// this id belongs to, and marks it answered. A server that turned sonde's
// number id into a string (or back), or wrote the number another way (2.0
// for 2), still gets its answer through, with a warning for the log. key
// is the request's own id (id when nothing matched).
func (s *Session) claim(id string) (p *pending, key, warn string) {
	key = id
	if p = s.pending[id]; p == nil && id != "" && len(s.pending) > 0 {
		if alt, ok := numberKey(id); ok {
			if p = s.pending[alt]; p != nil {
				key, warn = alt, fmt.Sprintf("answer id %s is the request id %s written another way", id, alt)
			}
		} else {
			alt := strconv.Quote(id)
			if uq, err := strconv.Unquote(id); err == nil {
				alt = uq
			}
			if p = s.pending[alt]; p != nil {
				key, warn = alt, fmt.Sprintf("answer id %s has a different JSON type than the request id %s", id, alt)
			}
		}
	}
	if p != nil {
		delete(s.pending, key)
		s.answered.Put(key, p.method)
	}
	return p, key, warn
}

// unusable logs ev, a message that cannot be used (raw as it came), and
// fails at once the requests it answers when their ids can still be read:
// waiting for the timeout would tell the user nothing more than the
// parser's reason does now.
func (s *Session) unusable(ev *Event, raw []byte) {
	type failed struct {
		p  *pending
		id string
	}
	var fs []failed
	s.mu.Lock()
	for _, f := range salvageIDs(raw) {
		if f.method || f.id == "" {
			continue // a request or notification of the server's
		}
		if p, key, _ := s.claim(f.id); p != nil {
			fs = append(fs, failed{p, key})
		}
	}
	s.mu.Unlock()
	if len(fs) == 1 {
		// The answer closes its request in the log, as an error.
		ev.ID, ev.ReqMethod = fs[0].id, fs[0].p.method
		ev.Latency = time.Since(fs[0].p.sent)
		if !ev.Time.IsZero() {
			ev.Latency = max(0, ev.Time.Sub(fs[0].p.sent))
		}
	}
	s.emit(ev)
	for _, f := range fs {
		if len(fs) > 1 {
			s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: f.id, ReqMethod: f.p.method,
				Err: fmt.Sprintf("%s (id %s): its answer in the batch above is unusable", f.p.method, f.id)})
		}
		f.p.ch <- reply{err: fmt.Errorf("unusable answer to %s (id %s): %s", f.p.method, f.id, ev.Err)}
	}
}

// orphan fails one request whose answer can no longer arrive.
func (s *Session) orphan(id string, err error) {
	s.mu.Lock()
	p := s.pending[id]
	if p != nil {
		s.abandoned.Put(id, p.method)
	}
	delete(s.pending, id)
	s.mu.Unlock()
	if p != nil {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: id, ReqMethod: p.method, Err: fmt.Sprintf("%s (id %s): %v", p.method, id, err)})
		p.ch <- reply{err: &LostError{Method: p.method, Err: err}}
	}
}

// notification handles what the session itself cares about; everything
// else is only logged (the UI reacts to the events).
func (s *Session) notification(ev *Event) {
	switch ev.Method {
	case "notifications/subscriptions/acknowledged":
		s.acknowledged(ev.Raw)
	case "notifications/progress":
		s.mu.Lock()
		waiting := false
		for _, q := range s.pending {
			if q.token != "" {
				waiting = true
				break
			}
		}
		s.mu.Unlock()
		if !waiting {
			return
		}
		var n struct {
			Params struct {
				Token json.RawMessage `json:"progressToken"`
			} `json:"params"`
		}
		if json.Unmarshal(ev.Raw, &n) != nil {
			return
		}
		tok := idKey(n.Params.Token)
		s.mu.Lock()
		var p *pending
		for _, q := range s.pending {
			if q.token != "" && q.token == tok {
				p = q
				break
			}
		}
		s.mu.Unlock()
		if p == nil {
			return
		}
		select {
		case p.touch <- struct{}{}:
		default:
		}
	case "notifications/cancelled":
		var n struct {
			Params struct {
				RequestID json.RawMessage `json:"requestId"`
			} `json:"params"`
		}
		if json.Unmarshal(ev.Raw, &n) != nil {
			return
		}
		s.mu.Lock()
		cancel := s.serverReqs[idKey(n.Params.RequestID)]
		s.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
}

// serveRequest answers a server-to-client request: ping here, the rest
// through Config.Handler, each in its own goroutine so a slow user answer
// blocks nothing. The answer carries the server's id unchanged.
func (s *Session) serveRequest(tr transport, msg *Message, via string) {
	if tr == nil { // decoding a capture: nobody to answer
		return
	}
	id := append(json.RawMessage(nil), msg.ID...)
	if msg.Method == "ping" {
		s.spawn(func() { s.respond(tr, id, "ping", json.RawMessage(`{}`), nil) })
		return
	}
	h := s.cfg.Handler
	if h == nil {
		s.spawn(func() {
			s.respond(tr, id, msg.Method, nil, &RPCError{Code: CodeMethodNotFound, Message: "sonde has no handler for " + msg.Method})
		})
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	key := idKey(id)
	s.mu.Lock()
	s.serverReqs[key] = cancel
	s.mu.Unlock()
	started := s.spawn(func() {
		defer cancel()
		res, err := h(ctx, &ServerRequest{ID: id, Method: msg.Method, Params: msg.Params, Via: via})
		s.mu.Lock()
		delete(s.serverReqs, key)
		s.mu.Unlock()
		if ctx.Err() != nil && s.ctx.Err() == nil {
			s.note(fmt.Sprintf("the server cancelled its %s request (id %s); not answering", msg.Method, key))
			return
		}
		var rpcErr *RPCError
		var result json.RawMessage
		switch {
		case err == nil:
			b, merr := json.Marshal(res)
			if merr != nil {
				rpcErr = &RPCError{Code: CodeInternalError, Message: "encoding the answer: " + merr.Error()}
			} else {
				result = b
			}
		case errors.As(err, &rpcErr):
		default:
			rpcErr = &RPCError{Code: CodeInternalError, Message: err.Error()}
		}
		s.respond(tr, id, msg.Method, result, rpcErr)
	})
	if !started {
		cancel()
	}
}

func (s *Session) respond(tr transport, id json.RawMessage, method string, result json.RawMessage, rpcErr *RPCError) {
	frame := encodeResponse(id, result, rpcErr)
	rpc := RPCResponse
	if rpcErr != nil {
		rpc = RPCErrorResponse
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
	defer cancel()
	m := &outMsg{raw: frame, rpc: rpc, answers: method, id: idKey(id)}
	if err := tr.send(ctx, m); err != nil && s.ctx.Err() == nil {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: idKey(id), Err: fmt.Sprintf("answering the server's %s: %v", method, err)})
	}
}
