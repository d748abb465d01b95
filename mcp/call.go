package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Requests sonde sends: correlation by id, timeouts, cancellation, progress.

type pending struct {
	method     string
	sent       time.Time
	ch         chan reply
	touch      chan struct{}
	token      string
	onProgress func(Progress)
}

type reply struct {
	result json.RawMessage
	err    error
}

// Progress is one notifications/progress update for a call.
type Progress struct {
	Progress float64 `json:"progress"`
	Total    float64 `json:"total,omitempty"`
	Message  string  `json:"message,omitempty"`
}

// CallOption adjusts one call.
type CallOption func(*callOpts)

type callOpts struct {
	timeout    time.Duration
	onProgress func(Progress)
	// protocol, when modern, dresses the request for that revision (the
	// era probe sets it before the session knows its era).
	protocol string
	// probe marks detection requests, whose failures are findings.
	probe bool
	// noTimeout is for long-lived requests (subscriptions/listen,
	// tasks/result): only the context ends them.
	noTimeout bool
	// onID receives the request's id before it is sent.
	onID func(id string)
	// task asks for a task-augmented call (2025-11-25).
	task    bool
	taskTTL time.Duration
}

// WithTimeout overrides Config.Timeout for one call.
func WithTimeout(d time.Duration) CallOption { return func(o *callOpts) { o.timeout = d } }

// WithProgress asks the server for progress notifications (a progress token
// in params._meta) and passes each to fn. Progress also restarts the
// call's timeout.
func WithProgress(fn func(Progress)) CallOption { return func(o *callOpts) { o.onProgress = fn } }

// ListAll follows nextCursor through every page of a list method
// (tools/list, resources/list, resources/templates/list, prompts/list) and
// returns the items under key. A repeated cursor stops it.
func (s *Session) ListAll(ctx context.Context, method, key string) ([]json.RawMessage, error) {
	return s.listAll(ctx, nil, method, key)
}

// Ping checks the server is alive and returns the round trip: ping in the
// legacy era, server/discover in the stateless one (which has no ping).
func (s *Session) Ping(ctx context.Context) (time.Duration, error) {
	method := "ping"
	if s.Era() == "modern" {
		method = "server/discover"
	}
	start := time.Now()
	_, err := s.Call(ctx, method, nil)
	return time.Since(start), err
}

// Call sends a request and waits for its answer. A JSON-RPC error answer is
// returned as *RPCError. When the server has lost the session, the session is
// re-established and the request retried once.
func (s *Session) Call(ctx context.Context, method string, params any, opts ...CallOption) (json.RawMessage, error) {
	raw, err := marshalParams(params)
	if err != nil {
		return nil, err
	}
	var o callOpts
	for _, f := range opts {
		f(&o)
	}
	tr, err := s.waitReady(ctx)
	if err != nil {
		return nil, err
	}
	if s.Era() == "modern" {
		return s.callModern(ctx, tr, method, raw, o)
	}
	res, err := s.roundTrip(ctx, tr, method, raw, o)
	var se *sessionExpiredError
	if errors.As(err, &se) {
		s.note(fmt.Sprintf("the server no longer knows this session (%v); re-initializing and retrying %s once", se.cause, method))
		if rerr := s.renew(ctx, tr); rerr != nil {
			return nil, fmt.Errorf("%s: session expired and re-establishing it failed: %w", method, rerr)
		}
		if tr, err = s.waitReady(ctx); err != nil {
			return nil, err
		}
		res, err = s.roundTrip(ctx, tr, method, raw, o)
	}
	return res, err
}

// roundTrip sends one request on tr and waits for the answer.
func (s *Session) roundTrip(ctx context.Context, tr transport, method string, params json.RawMessage, o callOpts) (json.RawMessage, error) {
	n := s.nextID.Add(1)
	id := strconv.FormatInt(n, 10)
	p := &pending{method: method, ch: make(chan reply, 1), touch: make(chan struct{}, 1), onProgress: o.onProgress}
	if o.onProgress != nil {
		p.token = id
		params = setMeta(params, map[string]json.RawMessage{"progressToken": json.RawMessage(id)})
	}
	if o.task {
		params = taskParam(params, o.taskTTL)
	}
	var header http.Header
	proto := o.protocol
	if proto == "" {
		s.mu.Lock()
		if s.era == "modern" {
			proto = s.protocol
		}
		s.mu.Unlock()
	}
	if IsModern(proto) {
		params = s.modernParams(proto, params)
		header = s.modernHeaders(proto, method, params)
	}
	if o.onID != nil {
		o.onID(id)
	}
	frame := encodeRequest(json.RawMessage(id), method, params)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	p.sent = time.Now()
	s.pending[id] = p
	s.mu.Unlock()

	// sendCtx bounds the answer's stream (Streamable HTTP); it ends when
	// this call returns, whatever the outcome.
	sendCtx, cancelSend := context.WithCancel(ctx)
	defer cancelSend()
	m := &outMsg{raw: frame, rpc: RPCRequest, method: method, id: id, header: header, pending: func() bool { return s.isPending(id) }}
	// The send runs beside the timer: a server that answers with JSON holds
	// the POST open until it is done, and the timeout must cover that too.
	sent := make(chan error, 1)
	if !s.spawn(func() { sent <- tr.send(sendCtx, m) }) {
		s.drop(id)
		return nil, ErrClosed
	}
	timeout := s.cfg.timeout()
	if o.timeout > 0 {
		timeout = o.timeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	if o.noTimeout {
		timer.Stop()
	}
	for {
		select {
		case err := <-sent:
			sent = nil
			if err == nil {
				continue
			}
			select {
			case r := <-p.ch: // answered before the transport failed
				return r.result, r.err
			default:
			}
			s.drop(id)
			s.ended(id, method, p.sent, err, o.probe)
			return nil, err
		case r := <-p.ch:
			return r.result, r.err
		case <-p.touch:
			if o.noTimeout {
				continue
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(timeout)
		case <-timer.C:
			terr := &TimeoutError{Method: method, After: timeout}
			if s.drop(id) {
				s.ended(id, method, p.sent, terr, o.probe)
				s.cancelRemote(tr, method, id, fmt.Sprintf("timed out after %s", timeout))
			}
			return nil, terr
		case <-ctx.Done():
			if s.drop(id) {
				s.ended(id, method, p.sent, fmt.Errorf("cancelled: %w", ctx.Err()), o.probe)
				s.cancelRemote(tr, method, id, "cancelled by the user")
			}
			return nil, ctx.Err()
		case <-s.ctx.Done():
			return nil, ErrClosed
		}
	}
}

// ended logs that a request finished without an answer (transport error,
// timeout, cancellation), with its id, so the log and a replay can close it.
// Detection probes log it as a finding rather than an error.
func (s *Session) ended(id, method string, sent time.Time, err error, probe bool) {
	msg := fmt.Sprintf("%s (id %s) ended without an answer: %v", method, id, err)
	if probe {
		s.emit(&Event{Dir: DirMeta, Kind: KindInfo, ID: id, ReqMethod: method, Latency: time.Since(sent), Text: "probe: " + msg})
		return
	}
	s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: id, ReqMethod: method, Latency: time.Since(sent), Err: msg})
}

func (s *Session) isPending(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pending[id]
	return ok
}

// drop forgets a pending request; it reports whether it was still pending.
func (s *Session) drop(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pending[id]
	delete(s.pending, id)
	return ok
}

// cancelRemote tells the server a request was abandoned. initialize is
// never cancelled (the specification forbids it).
func (s *Session) cancelRemote(tr transport, method, id, reason string) {
	if method == "initialize" {
		return
	}
	if s.Era() == "modern" && tr.kind() != TransportStdio {
		// 2026-07-28 over HTTP: closing the answer stream is the
		// cancellation (the caller's context already did it).
		return
	}
	params, _ := json.Marshal(map[string]any{"requestId": json.RawMessage(id), "reason": reason})
	s.spawn(func() {
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		defer cancel()
		if err := s.notifyOn(ctx, tr, "notifications/cancelled", params); err != nil && s.ctx.Err() == nil {
			s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "sending notifications/cancelled: " + err.Error()})
		}
	})
}

// Notify sends a notification.
func (s *Session) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	tr, err := s.waitReady(ctx)
	if err != nil {
		return err
	}
	return s.notifyOn(ctx, tr, method, raw)
}

func (s *Session) notifyOn(ctx context.Context, tr transport, method string, params json.RawMessage) error {
	frame := encodeRequest(nil, method, params)
	return tr.send(ctx, &outMsg{raw: frame, rpc: RPCNotification, method: method})
}

// waitReady returns the live transport, waiting while the session is being
// re-established (bounded by ctx and the request timeout).
func (s *Session) waitReady(ctx context.Context) (transport, error) {
	var timer <-chan time.Time
	for {
		s.mu.Lock()
		closed, st, tr, ready, failErr := s.closed, s.state, s.tr, s.ready, s.failErr
		s.mu.Unlock()
		switch {
		case closed:
			return nil, ErrClosed
		case failErr != nil:
			return nil, failErr
		case st == StateConnected && tr != nil:
			return tr, nil
		}
		if timer == nil {
			t := time.NewTimer(s.cfg.timeout())
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-ready:
		case <-timer:
			return nil, &LostError{Err: fmt.Errorf("still reconnecting after %s", s.cfg.timeout())}
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.ctx.Done():
			return nil, ErrClosed
		}
	}
}
