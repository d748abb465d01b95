package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The raw composer: any JSON message, JSON-RPC or not, sent as it is.

// DefaultRawWait is how long SendRaw collects what arrives after a message
// that has no answer to wait for.
const DefaultRawWait = 2 * time.Second

// RawResult is what sending a raw message brought back.
type RawResult struct {
	// Sent is the message as sent ({session} filled in).
	Sent json.RawMessage
	// ID is the id of a JSON-RPC request (JSON text), "" for anything else.
	ID string
	// Answer is, for a request, its answer's event (nil when none came).
	Answer *Event
	// Events are, for anything but a request, what arrived while SendRaw
	// waited: messages, SSE events, HTTP answers and errors (keepalives
	// left out). For a request that got no answer, what arrived until it
	// gave up.
	Events []Event
}

// maxRawEvents bounds the events one SendRaw keeps.
const maxRawEvents = 1024

// rawWatch collects the events emitted while a raw message is out. It is
// written under Session.emitMu and read once unwatched.
type rawWatch struct {
	events []Event
	bytes  int64
	cut    int
}

func (w *rawWatch) add(e *Event) {
	if len(w.events) >= maxRawEvents || w.bytes > 16<<20 {
		w.cut++
		return
	}
	w.events = append(w.events, *e)
	w.bytes += e.MemSize()
}

func (s *Session) watch() *rawWatch {
	w := &rawWatch{}
	s.emitMu.Lock()
	s.watchers = append(s.watchers, w)
	s.watching.Add(1)
	s.emitMu.Unlock()
	return w
}

func (s *Session) unwatch(w *rawWatch) {
	s.emitMu.Lock()
	for i, x := range s.watchers {
		if x == w {
			s.watchers = append(s.watchers[:i:i], s.watchers[i+1:]...)
			s.watching.Add(-1)
			break
		}
	}
	s.emitMu.Unlock()
}

// FillSession puts the session id in every {session} of a raw message (in
// its JSON strings, escaped for them); a message without {session} comes
// back as it is. With no session id to put, it is an error.
func FillSession(msg []byte, sid string) ([]byte, error) {
	if !bytes.Contains(msg, []byte(SessionPlaceholder)) {
		return msg, nil
	}
	if sid == "" {
		return nil, errors.New("the message has {session} but this session has no session id")
	}
	q, _ := json.Marshal(sid)
	return bytes.ReplaceAll(msg, []byte(SessionPlaceholder), q[1:len(q)-1]), nil
}

// awaitSessionID waits, up to the session's timeout, for a split-endpoint
// stream to give its session id when the connection came up without it
// (an endpoint template that needs none, and a body that names {session}).
func (s *Session) awaitSessionID(ctx context.Context, tr transport) {
	w, ok := tr.(interface{ sessionKnown() <-chan struct{} })
	if !ok || tr.sessionID() != "" {
		return
	}
	timer := time.NewTimer(s.cfg.timeout())
	defer timer.Stop()
	select {
	case <-w.sessionKnown():
	case <-timer.C:
	case <-ctx.Done():
	}
}

// SendRaw sends msg, any JSON value, exactly as it is (after FillSession):
// a JSON-RPC message or a body of the server's own shape ({"session_id",
// "tool", "args"}). A JSON-RPC request (method and id) waits for its
// answer, matched by id, up to the session's timeout; anything else
// collects what arrives within wait (DefaultRawWait when 0). The request's
// id is the user's: one still in flight is refused, and sonde's own ids
// skip past a numeric one.
func (s *Session) SendRaw(ctx context.Context, msg []byte, wait time.Duration) (RawResult, error) {
	res, err := s.sendRaw(ctx, msg, wait)
	return res, s.scrubber().Err(err)
}

func (s *Session) sendRaw(ctx context.Context, msg []byte, wait time.Duration) (RawResult, error) {
	msg = bytes.TrimSpace(msg)
	if !json.Valid(msg) {
		return RawResult{}, fmt.Errorf("not JSON: %s", notJSONReason(msg))
	}
	tr, err := s.awaitConn(ctx, s.cfg.timeout(), true)
	if err != nil {
		return RawResult{Sent: msg}, err
	}
	if bytes.Contains(msg, []byte(SessionPlaceholder)) {
		s.awaitSessionID(ctx, tr)
	}
	msg, err = FillSession(msg, s.Info().SessionID)
	if err != nil {
		return RawResult{}, err
	}
	if wait <= 0 {
		wait = DefaultRawWait
	}
	res := RawResult{Sent: msg}
	m := &outMsg{raw: msg}
	if env, err := scanEnvelope(msg); err == nil {
		m.rpc, m.method, m.id = env.rpc, env.method, env.id
	}
	m.header = s.rawHeaders(m)
	defer s.syncEvents(ctx)
	w := s.watch()
	defer s.unwatch(w)
	collected := func() []Event {
		s.unwatch(w)
		var out []Event
		for i := range w.events {
			e := &w.events[i]
			if e.IsKeepalive() || e.Dir == DirOut || e.Dir == DirMeta && (e.Kind != KindError || e.ID != "" && e.ID == m.id) {
				continue
			}
			out = append(out, *e)
		}
		return out
	}
	if m.rpc != RPCRequest {
		if err := tr.send(ctx, m); err != nil {
			res.Events = collected()
			return res, err
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-s.ctx.Done():
		}
		res.Events = collected()
		return res, nil
	}

	res.ID = m.id
	p := &pending{method: m.method, ch: make(chan reply, 1), touch: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return res, ErrClosed
	}
	if s.pending[m.id] != nil {
		s.mu.Unlock()
		return res, fmt.Errorf("a request with id %s is in flight: give yours another id", m.id)
	}
	p.sent = time.Now()
	s.pending[m.id] = p
	s.mu.Unlock()
	s.reserveID(m.id)
	m.pending = func() bool { return s.isPending(m.id) }
	sendCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	sent := make(chan error, 1)
	if !s.spawn(func() { sent <- tr.send(sendCtx, m) }) {
		s.drop(m.id)
		return res, ErrClosed
	}
	timer := time.NewTimer(s.cfg.timeout())
	defer timer.Stop()
	answer := func() *Event {
		for i := range w.events {
			if e := &w.events[i]; e.Dir == DirIn && (e.RPC == RPCResponse || e.RPC == RPCErrorResponse) && e.ID == m.id {
				a := *e
				return &a
			}
		}
		return nil
	}
	for {
		select {
		case err := <-sent:
			sent = nil
			if err == nil {
				continue
			}
			select {
			case <-p.ch:
			default:
				s.drop(m.id)
				s.ended(m.id, m.method, p.sent, err, false)
				res.Events = collected()
				return res, err
			}
		case <-p.ch:
		case <-timer.C:
			if s.drop(m.id) {
				s.ended(m.id, m.method, p.sent, &TimeoutError{Method: m.method, After: s.cfg.timeout()}, false)
			}
			res.Events = collected()
			return res, &TimeoutError{Method: m.method, After: s.cfg.timeout()}
		case <-ctx.Done():
			s.drop(m.id)
			res.Events = collected()
			return res, ctx.Err()
		case <-s.ctx.Done():
			return res, ErrClosed
		}
		s.unwatch(w)
		res.Answer = answer()
		return res, nil
	}
}

// reserveID makes sonde's own request ids skip past a numeric id the user
// chose, so that none of them collides with it.
func (s *Session) reserveID(id string) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return
	}
	for {
		cur := s.nextID.Load()
		if cur >= n || s.nextID.CompareAndSwap(cur, n) {
			return
		}
	}
}

// rawHeaders are the HTTP headers of a raw JSON-RPC request or
// notification in a 2026-07-28 session: MCP-Protocol-Version (the
// message's own _meta version when it names one, else the session's),
// Mcp-Method and Mcp-Name, as sonde's own requests carry them. Without
// them a server takes the message for a legacy one. They are the
// transport's: the message itself goes as written.
func (s *Session) rawHeaders(m *outMsg) http.Header {
	if m.method == "" || (m.rpc != RPCRequest && m.rpc != RPCNotification) {
		return nil
	}
	s.mu.Lock()
	proto, modern := s.protocol, s.era == "modern"
	s.mu.Unlock()
	if !modern {
		return nil
	}
	params, _, _, _ := Members(m.raw)
	var p struct {
		Meta struct {
			Protocol string `json:"io.modelcontextprotocol/protocolVersion"`
		} `json:"_meta"`
	}
	if json.Unmarshal(params, &p) == nil && p.Meta.Protocol != "" {
		proto = p.Meta.Protocol
	}
	return s.modernHeaders(proto, m.method, params)
}

// RequestMeta is the params._meta sonde's own requests carry in this
// session: in a 2026-07-28 session the protocol version, the client's
// capabilities and identity (and the log level asked for); nil in a
// legacy one. The composer's templates start from it.
func (s *Session) RequestMeta() json.RawMessage {
	s.mu.Lock()
	proto, modern := s.protocol, s.era == "modern"
	s.mu.Unlock()
	if !modern {
		return nil
	}
	var p struct {
		Meta json.RawMessage `json:"_meta"`
	}
	json.Unmarshal(s.modernParams(proto, nil), &p)
	return p.Meta
}
