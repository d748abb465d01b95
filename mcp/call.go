package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Requests sonde sends: correlation by id, timeouts, cancellation, progress.

type pending struct {
	method string
	sent   time.Time
	ch     chan reply
	touch  chan struct{}
	token  string
}

type reply struct {
	result json.RawMessage
	err    error
}

// CallOption adjusts one call.
type CallOption func(*callOpts)

type callOpts struct {
	timeout time.Duration
	// progress asks for progress notifications (a progress token).
	progress bool
	// noSync returns without waiting for OnEvent to see the answer (the
	// keepalive ping, which must not wait for a stalled consumer).
	noSync bool
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
	// background marks sonde's own calls (keepalive, renewals): they
	// neither hurry a reconnect nor wait for one to retry.
	background bool
}

// inBackground marks a call sonde makes on its own (see callOpts.background).
func inBackground(o *callOpts) { o.background = true }

// unsentError is a request that never reached the server: no connection
// could be made (HTTP), or the server process was gone (stdio). Sending it
// again cannot make the server run it twice.
type unsentError struct{ err error }

func (e *unsentError) Error() string { return e.err.Error() }
func (e *unsentError) Unwrap() error { return e.err }

// WithTimeout overrides Config.Timeout for one call.
func WithTimeout(d time.Duration) CallOption { return func(o *callOpts) { o.timeout = d } }

// WithProgressToken asks the server for progress notifications about the
// call: params._meta.progressToken is the request's id. The notifications
// arrive as events like any other; each one restarts the call's timeout.
func WithProgressToken() CallOption { return func(o *callOpts) { o.progress = true } }

// Handle follows one call on the wire: the JSON-RPC id of its request,
// set before the request is sent, so the request's event never reaches
// OnEvent before the handle knows its id. A call that sends its request
// again (a renewed session, another round of a 2026-07-28 input request)
// updates it. Its methods are safe for concurrent use; the zero value is
// ready.
type Handle struct{ id atomic.Pointer[string] }

// ID is the id of the call's request as JSON text (`7`), or "" before it
// is sent (and on a nil handle).
func (h *Handle) ID() string {
	if h == nil {
		return ""
	}
	if p := h.id.Load(); p != nil {
		return *p
	}
	return ""
}

// WithHandle makes h follow the call.
func WithHandle(h *Handle) CallOption {
	return func(o *callOpts) {
		prev := o.onID
		o.onID = func(id string) {
			if prev != nil {
				prev(id)
			}
			h.id.Store(&id)
		}
	}
}

// ListAll follows nextCursor through every page of a list method
// (tools/list, resources/list, resources/templates/list, prompts/list) and
// returns the items under key. A repeated cursor stops it.
func (s *Session) ListAll(ctx context.Context, method, key string) ([]json.RawMessage, error) {
	items, err := s.listAll(ctx, nil, method, key)
	return items, s.scrubber().Err(err)
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
// returned as *RPCError. While the connection is being re-established the
// call asks for an attempt at once and waits for it (up to its timeout).
// When the server has lost the session, or the request could not reach
// the server at all, the session is re-established and the request sent
// again, once. Call returns after Config.OnEvent has received the events
// up to the answer (or until ctx ends), so the events and the returned
// outcome never disagree. The error's message never holds a secret of the
// session (an error body or a stderr line may echo one).
func (s *Session) Call(ctx context.Context, method string, params any, opts ...CallOption) (json.RawMessage, error) {
	var o callOpts
	for _, f := range opts {
		f(&o)
	}
	res, err := s.call(ctx, method, params, o)
	return res, s.scrubber().Err(err)
}

func (s *Session) call(ctx context.Context, method string, params any, o callOpts) (json.RawMessage, error) {
	raw, err := marshalParams(params)
	if err != nil {
		return nil, err
	}
	if !o.noSync {
		defer s.syncEvents(ctx)
	}
	timeout := s.cfg.timeout()
	if o.timeout > 0 {
		timeout = o.timeout
	}
	for retried := false; ; retried = true {
		tr, err := s.awaitConn(ctx, timeout, !o.background)
		if err != nil {
			return nil, err
		}
		var res json.RawMessage
		if s.Era() == "modern" {
			res, err = s.callModern(ctx, tr, method, raw, o)
		} else {
			res, err = s.roundTrip(ctx, tr, method, raw, o)
		}
		var se *sessionExpiredError
		var ue *unsentError
		switch {
		case errors.As(err, &se):
			s.expired(tr, se.cause)
		case errors.As(err, &ue):
			s.lost(tr, ue.err)
		default:
			return res, err
		}
		if retried || o.background {
			return res, err
		}
		s.note("retrying " + method + " once when the connection is re-established")
	}
}

// roundTrip sends one request on tr and waits for the answer.
// answerGrace is how long a request's answer stream (Streamable HTTP) may
// stay open after the answer came on it. The server SHOULD close it right
// after the answer; cancelling it before net/http has read that end would
// close the connection instead of keeping it for the next request (a new
// TCP connection for about one warm call in eight, measured), and a server
// that keeps it open loses it then.
const answerGrace = time.Second

func (s *Session) roundTrip(ctx context.Context, tr transport, method string, params json.RawMessage, o callOpts) (json.RawMessage, error) {
	n := s.nextID.Add(1)
	id := strconv.FormatInt(n, 10)
	p := &pending{method: method, ch: make(chan reply, 1), touch: make(chan struct{}, 1)}
	if o.progress {
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

	// sendCtx bounds the answer's stream (Streamable HTTP): it ends when
	// this call returns without an answer, and answerGrace after an answer.
	sendCtx, cancelSend := context.WithCancel(ctx)
	answered := false
	defer func() {
		if answered {
			time.AfterFunc(answerGrace, cancelSend)
		} else {
			cancelSend()
		}
	}()
	holds := make(chan bool)
	m := &outMsg{raw: frame, rpc: RPCRequest, method: method, id: id, header: header, pending: func() bool { return s.isPending(id) },
		hold: func(on bool) {
			select {
			case holds <- on:
			case <-sendCtx.Done():
			}
		}}
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
	// cancelled ends the call its caller gave up on (ctx is done).
	cancelled := func() (json.RawMessage, error) {
		if s.drop(id) {
			if errors.Is(ctx.Err(), context.Canceled) {
				// Someone asked for it (the user, or sonde ending a
				// subscription): an ordinary event, not an error.
				s.emit(&Event{Dir: DirMeta, Kind: KindInfo, ID: id, ReqMethod: method, Latency: time.Since(p.sent),
					Text: fmt.Sprintf("%s (id %s) cancelled; %s", method, id, s.cancelHow(tr, method))})
			} else {
				s.ended(id, method, p.sent, fmt.Errorf("cancelled: %w; %s", ctx.Err(), s.cancelHow(tr, method)), o.probe)
			}
			s.cancelRemote(tr, method, id, "cancelled by the user")
		}
		return nil, ctx.Err()
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
				answered = true
				return r.result, r.err
			default:
			}
			if ctx.Err() != nil {
				// The send failed because the caller gave up while the
				// POST was in flight (sendCtx comes from ctx): that is
				// the cancellation, whichever of the two select saw first.
				return cancelled()
			}
			s.drop(id)
			var ce *ConnectError
			if errors.As(err, &ce) || tr.kind() == TransportStdio {
				// Not an error of the request's own: the connection is.
				s.emit(&Event{Dir: DirMeta, Kind: KindInfo, ID: id, ReqMethod: method, Latency: time.Since(p.sent),
					Text: fmt.Sprintf("%s (id %s) could not be sent: %v", method, id, err)})
				return nil, &unsentError{err}
			}
			if hungUp(err) {
				err = &hungUpError{err}
			}
			s.ended(id, method, p.sent, err, o.probe)
			return nil, err
		case r := <-p.ch:
			answered = true
			return r.result, r.err
		case on := <-holds:
			// A sign-in runs (a person may be at the browser): the
			// timeout starts afresh once it is done.
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			if !on && !o.noTimeout {
				timer.Reset(timeout)
			}
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
				s.ended(id, method, p.sent, fmt.Errorf("%w; %s", terr, s.cancelHow(tr, method)), o.probe)
				s.cancelRemote(tr, method, id, fmt.Sprintf("timed out after %s", timeout))
			}
			return nil, terr
		case <-ctx.Done():
			return cancelled()
		case <-s.ctx.Done():
			return nil, ErrClosed
		}
	}
}

// hungUpError is a request whose connection the server closed after
// taking the request and before answering it (a crash, a restart, a proxy
// dropping it). The request may have run, so it is not sent again: a tool
// call is not known to be safe to repeat.
type hungUpError struct{ err error }

func (e *hungUpError) Error() string {
	return "the server closed the connection without answering; the request may have reached it, so it is not sent again (" + e.err.Error() + ")"
}

func (e *hungUpError) Unwrap() error { return e.err }

// hungUp reports whether a send failed because the connection ended under
// it (end of stream, reset, broken pipe) rather than for a reason of the
// request's own. net/http already sends again, on a new connection, a
// request it knows it never wrote; what is left here may have been read.
func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
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
	p, ok := s.pending[id]
	if ok {
		s.abandoned.Put(id, p.method)
	}
	delete(s.pending, id)
	return ok
}

// CancelsByClosing reports whether requests on a connection like info are
// cancelled by closing their response stream, as the 2026-07-28 era does
// over HTTP, rather than with notifications/cancelled.
func CancelsByClosing(info ConnInfo) bool {
	return info.Era == "modern" && info.Transport != TransportStdio
}

// cancelHow says what sonde does to cancel a request on tr, for the log.
func (s *Session) cancelHow(tr transport, method string) string {
	switch {
	case method == "initialize":
		return "initialize is never cancelled"
	case CancelsByClosing(ConnInfo{Era: s.Era(), Transport: tr.kind()}):
		return "its response stream is closed (the 2026-07-28 cancellation over HTTP)"
	}
	return "sending notifications/cancelled"
}

// cancelRemote tells the server a request was abandoned. initialize is
// never cancelled (the specification forbids it).
func (s *Session) cancelRemote(tr transport, method, id, reason string) {
	if method == "initialize" {
		return
	}
	if CancelsByClosing(ConnInfo{Era: s.Era(), Transport: tr.kind()}) {
		// Closing the answer stream is the cancellation (the caller's
		// context already did it).
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
	tr, err := s.awaitConn(ctx, s.cfg.timeout(), true)
	if err != nil {
		return err
	}
	return s.notifyOn(ctx, tr, method, raw)
}

func (s *Session) notifyOn(ctx context.Context, tr transport, method string, params json.RawMessage) error {
	frame := encodeRequest(nil, method, params)
	return tr.send(ctx, &outMsg{raw: frame, rpc: RPCNotification, method: method})
}
