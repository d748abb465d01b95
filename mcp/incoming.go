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

func (l *tlink) orphan(id string, err error) { l.s.orphan(id, err) }

// receive decodes one incoming frame that tr delivered, logs it and routes it.
func (s *Session) receive(tr transport, e *Event) {
	if t := firstByte(e.Raw); t != '[' {
		s.receiveOne(tr, e)
		return
	}
	frames, err := DecodeFrame(e.Raw)
	if err != nil {
		e.Kind, e.RPC = KindError, RPCInvalid
		e.Text, e.Truncated = capText(string(e.Raw), maxLogText)
		e.Raw = nil
		e.Err = "invalid JSON from the server: " + strings.TrimPrefix(err.Error(), ErrNotJSON.Error()+": ")
		s.emit(e)
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

func firstByte(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
	}
	return 0
}

// receiveOne classifies one message, logs it and routes it.
func (s *Session) receiveOne(tr transport, ev *Event) {
	env, err := scanEnvelope(ev.Raw)
	if err != nil {
		ev.Kind, ev.RPC = KindError, RPCInvalid
		ev.Err = err.Error()
		if errors.Is(err, ErrNotJSON) {
			ev.Text, ev.Truncated = capText(string(ev.Raw), maxLogText)
			ev.Raw = nil
			ev.Err = "invalid JSON from the server: " + strings.TrimPrefix(err.Error(), ErrNotJSON.Error()+": ")
		}
		s.emit(ev)
		return
	}
	ev.RPC, ev.Method, ev.ID = env.rpc, env.method, env.id
	switch ev.RPC {
	case RPCResponse, RPCErrorResponse:
		s.resolve(ev)
	case RPCRequest:
		s.emit(ev)
		if msg, err := DecodeMessage(ev.Raw); err == nil {
			s.serveRequest(tr, msg)
		}
	case RPCNotification:
		s.emit(ev)
		s.notification(ev)
	}
}

// resolve hands an answer to its waiting call. Answers may come before the
// POST that carried the request returns, on another stream, twice, or for
// ids nobody asked for; all of it is logged, none of it breaks anything.
func (s *Session) resolve(ev *Event) {
	id := ev.ID
	s.mu.Lock()
	p := s.pending[id]
	if p == nil && id != "" && len(s.pending) > 0 {
		// A server that turned our number id into a string (or back).
		alt := id
		if uq, err := strconv.Unquote(id); err == nil {
			alt = uq
		} else {
			alt = strconv.Quote(id)
		}
		if p = s.pending[alt]; p != nil {
			ev.Err = fmt.Sprintf("answer id %s has a different JSON type than the request id %s", id, alt)
			id = alt
		}
	}
	if p != nil {
		delete(s.pending, id)
		s.answered[id] = p.method
		s.answeredQ = append(s.answeredQ, id)
		if len(s.answeredQ) > 4096 {
			delete(s.answered, s.answeredQ[0])
			s.answeredQ = s.answeredQ[1:]
		}
	} else if m, dup := s.answered[id]; dup {
		ev.ReqMethod = m
		ev.Err = "duplicate answer: this request was already answered"
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
	switch {
	case err != nil:
		p.ch <- reply{err: fmt.Errorf("unreadable answer to %s: %w", p.method, err)}
	case msg.Error != nil:
		p.ch <- reply{err: msg.Error}
	default:
		p.ch <- reply{result: msg.Result}
	}
}

// orphan fails one request whose answer can no longer arrive.
func (s *Session) orphan(id string, err error) {
	s.mu.Lock()
	p := s.pending[id]
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
				Progress
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
		if p.onProgress != nil {
			p.onProgress(n.Params.Progress)
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
func (s *Session) serveRequest(tr transport, msg *Message) {
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
		res, err := h(ctx, &ServerRequest{ID: id, Method: msg.Method, Params: msg.Params})
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
