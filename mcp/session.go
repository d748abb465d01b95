package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Session is one logical connection to an MCP server: it picks and opens a
// transport, performs the handshake, correlates requests and answers by id,
// answers the server's requests, pings, and re-establishes the connection
// when it breaks. Every observation becomes an [Event] passed to
// Config.OnEvent. Its methods are safe for concurrent use.
type Session struct {
	cfg   Config
	scrub *scrubber

	ctx    context.Context // ends at Close
	cancel context.CancelFunc

	emitMu sync.Mutex
	seq    uint64

	mu       sync.Mutex
	tr       transport
	kind     TransportKind // chosen transport, kept across reconnects
	reason   string        // why that transport
	era      string        // "legacy" or "modern" once known
	protocol string        // negotiated (legacy) or chosen (modern) revision
	// legacyOffer is the version to offer in initialize when a server
	// named its legacy versions while refusing server/discover.
	legacyOffer string
	// toolHeaders maps tool names to their x-mcp-header mappings (modern).
	toolHeaders map[string][]headerParam
	logLevel    string          // modern: sent in every request's _meta
	subs        map[string]bool // resource URIs subscribed to
	listener    *listener       // modern: the open subscriptions/listen stream
	acks        map[string]chan json.RawMessage
	info        ConnInfo
	state       State
	ready       chan struct{} // closed while connected
	recovering  bool
	failErr     error // set when recovery gave up
	closed      bool
	reconnects  int
	pending     map[string]*pending
	answered    map[string]string // recently answered ids → method (duplicate detection)
	answeredQ   []string
	serverReqs  map[string]context.CancelFunc
	renewing    chan struct{} // non-nil while a session renewal runs

	nextID atomic.Int64
	wg     sync.WaitGroup
}

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

// Dial connects to the server cfg describes and completes the handshake.
// With Transport auto, an http(s) URL is probed the way the specification
// describes: POST initialize, and on 400/404/405 a GET expecting an
// `endpoint` event (legacy HTTP+SSE). A 401/403 never triggers fallback.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	if (cfg.URL == "") == (len(cfg.Command) == 0) {
		return nil, errors.New("give either a URL or a command")
	}
	s := newSession(cfg)
	s.emitState(StateConnecting, 0, nil, cfg.Target())
	if err := s.establishFirst(ctx); err != nil {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: err.Error()})
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		s.emitState(StateError, 0, nil, err.Error())
		return nil, err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.keepaliveLoop()
	}()
	return s, nil
}

func newSession(cfg Config) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{cfg: cfg, scrub: newScrubber(&cfg), ctx: ctx, cancel: cancel,
		ready: make(chan struct{}), pending: map[string]*pending{}, answered: map[string]string{},
		serverReqs: map[string]context.CancelFunc{}, kind: cfg.Transport}
	if s.kind == "" {
		s.kind = TransportAuto
	}
	if len(cfg.Command) > 0 {
		s.kind = TransportStdio
	}
	return s
}

// Info describes the connection as it stands.
func (s *Session) Info() ConnInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.info
	i.Reconnects = s.reconnects
	return i
}

// Era is "legacy" (initialize handshake) or "modern" (2026-07-28,
// stateless), once connected.
func (s *Session) Era() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.era
}

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

// State is the connection state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// emit stamps an event with its sequence number and time and hands it on.
// The lock keeps events in sequence order for OnEvent.
func (s *Session) emit(e *Event) {
	s.scrub.event(e)
	s.emitMu.Lock()
	s.seq++
	e.Seq = s.seq
	e.Time = time.Now()
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(*e)
	}
	s.emitMu.Unlock()
}

func (s *Session) emitState(st State, attempt int, info *ConnInfo, text string) {
	s.mu.Lock()
	s.state = st
	s.mu.Unlock()
	s.emit(&Event{Dir: DirMeta, Kind: KindState, State: st, Attempt: attempt, Info: info, Text: text})
}

func (s *Session) note(text string) {
	s.emit(&Event{Dir: DirMeta, Kind: KindInfo, Text: text})
}

// ---- establishing the connection ----

// establishFirst connects for the first time: with what the era cache
// remembers of this server when the user forced nothing (falling back to
// full detection if that fails), and records what detection found.
func (s *Session) establishFirst(ctx context.Context) error {
	forced := s.cfg.Protocol != "" || (s.cfg.Transport != "" && s.cfg.Transport != TransportAuto && s.cfg.Transport != TransportStdio)
	if rec, ok := lookupEra(&s.cfg); ok && !forced {
		s.mu.Lock()
		s.kind, s.era = rec.Transport, rec.Era
		if rec.Era == "legacy" && rec.Protocol != "" {
			s.legacyOffer = rec.Protocol
		}
		s.mu.Unlock()
		s.note("era cache: " + rec.Transport.String() + " " + rec.Era + " " + rec.Protocol + " (remembered; detecting again if it fails)")
		err := s.establish(ctx)
		var ae *AuthError
		if err == nil || errors.As(err, &ae) || ctx.Err() != nil {
			return err
		}
		s.note("the remembered transport failed (" + err.Error() + "); detecting again")
		storeEra(&s.cfg, eraRecord{})
		s.mu.Lock()
		s.kind, s.era, s.legacyOffer = s.cfg.Transport, "", ""
		if len(s.cfg.Command) > 0 {
			s.kind = TransportStdio
		}
		if s.kind == "" {
			s.kind = TransportAuto
		}
		s.mu.Unlock()
	}
	if err := s.establish(ctx); err != nil {
		return err
	}
	if !forced {
		i := s.Info()
		storeEra(&s.cfg, eraRecord{Transport: i.Transport, Era: i.Era, Protocol: i.Protocol})
	}
	return nil
}

// tlink connects one transport to the session, so that what it reports is
// attributed to it (a server request is answered on the transport that
// carried it; a loss report from a replaced transport is ignored).
type tlink struct {
	s  *Session
	tr transport
}

func (l *tlink) emit(e *Event)                { l.s.emit(e) }
func (l *tlink) receive(e *Event)             { l.s.receive(l.tr, e) }
func (l *tlink) lost(tr transport, err error) { l.s.lost(tr, err) }
func (l *tlink) orphan(id string, err error)  { l.s.orphan(id, err) }

func (s *Session) newTransport(kind TransportKind) transport {
	l := &tlink{s: s}
	switch kind {
	case TransportStdio:
		l.tr = newStdio(&s.cfg, l)
	case TransportSSE:
		l.tr = newLegacySSE(&s.cfg, l)
	default:
		l.tr = newStreamable(&s.cfg, l)
	}
	return l.tr
}

// establish picks the transport (detecting it the first time), connects and
// performs the handshake, then publishes the connection.
func (s *Session) establish(ctx context.Context) error {
	s.mu.Lock()
	kind, era := s.kind, s.era
	s.mu.Unlock()
	var (
		tr     transport
		info   ConnInfo
		err    error
		reason string
	)
	switch kind {
	case TransportStdio:
		tr, info, reason, err = s.connectStdio(ctx, era)
		if err == nil {
			kind = TransportStdio
		}
	case TransportSSE:
		tr = s.newTransport(TransportSSE)
		if err = tr.connect(ctx); err == nil {
			info, err = s.initialize(ctx, tr, false)
		}
		reason = "forced: legacy HTTP+SSE"
	case TransportHTTP:
		tr = s.newTransport(TransportHTTP)
		if era == "" {
			era = s.cfg.forcedEra()
		}
		switch era {
		case "modern":
			info, err = s.discoverOn(ctx, tr, s.modernOffer(), false)
			reason = "Streamable HTTP, stateless"
		case "legacy":
			info, err = s.initialize(ctx, tr, false)
			reason = "Streamable HTTP"
		default:
			tr.close(context.Background())
			tr, info, reason, err = s.detectHTTP(ctx)
			if err == nil && tr.kind() != TransportHTTP {
				err = fmt.Errorf("the server speaks %s, not Streamable HTTP (--transport http)", tr.kind())
			}
		}
	default:
		tr, info, reason, err = s.detectHTTP(ctx)
		if err == nil {
			kind = tr.kind()
		}
	}
	if err != nil {
		if tr != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			tr.close(cctx)
			cancel()
		}
		return err
	}
	s.mu.Lock()
	if s.reason != "" && kind == s.kind {
		reason = s.reason
	}
	s.kind, s.reason = kind, reason
	s.era, s.protocol = info.Era, info.Protocol
	info.Reason = reason
	info.Transport = kind
	info.SessionID = tr.sessionID()
	if ls, ok := tr.(*legacySSE); ok {
		info.Endpoint = RedactURL(ls.endpointURL())
	}
	info.Reconnects = s.reconnects
	s.info = info
	s.tr = tr
	s.failErr = nil
	s.state = StateConnected
	close(s.ready)
	s.mu.Unlock()
	s.emitState(StateConnected, 0, &info, "")
	tr.ready()
	if info.Era == "modern" {
		// The stateless server keeps nothing: listen again after every
		// (re)connection.
		s.mu.Lock()
		s.listener = nil
		s.mu.Unlock()
		if _, want := s.listenFilter(); want {
			go func() {
				ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
				defer cancel()
				if err := s.relisten(ctx); err != nil && s.ctx.Err() == nil {
					s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "subscriptions/listen: " + err.Error()})
				}
			}()
		}
	} else if s.reconnects > 0 {
		s.resubscribe()
	}
	return nil
}

// initialize performs the legacy handshake on tr.
func (s *Session) initialize(ctx context.Context, tr transport, probe bool) (ConnInfo, error) {
	offer := s.cfg.Protocol
	if offer == "" || IsModern(offer) {
		offer = LatestProtocol
	}
	if s.legacyOffer != "" {
		offer = s.legacyOffer
	}
	caps := s.cfg.Capabilities
	if len(caps) == 0 {
		caps = json.RawMessage(`{}`)
	}
	params, _ := json.Marshal(map[string]any{
		"protocolVersion": offer,
		"capabilities":    caps,
		"clientInfo":      s.cfg.clientInfo(),
	})
	raw, err := s.roundTrip(ctx, tr, "initialize", params, callOpts{probe: probe})
	if err != nil {
		return ConnInfo{}, err
	}
	var res struct {
		ProtocolVersion string          `json:"protocolVersion"`
		Capabilities    json.RawMessage `json:"capabilities"`
		ServerInfo      json.RawMessage `json:"serverInfo"`
		Instructions    string          `json:"instructions"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return ConnInfo{}, fmt.Errorf("unreadable initialize result: %w", err)
	}
	if res.ProtocolVersion == "" {
		return ConnInfo{}, errors.New("the initialize result names no protocolVersion")
	}
	switch {
	case !slices.Contains(KnownProtocols, res.ProtocolVersion):
		s.note(fmt.Sprintf("server chose protocol %q, which sonde does not know; continuing as %s", res.ProtocolVersion, offer))
	case res.ProtocolVersion != offer:
		s.note(fmt.Sprintf("server chose protocol %s (sonde offered %s)", res.ProtocolVersion, offer))
	}
	tr.negotiated(res.ProtocolVersion)
	if err := s.notifyOn(ctx, tr, "notifications/initialized", nil); err != nil {
		return ConnInfo{}, fmt.Errorf("sending notifications/initialized: %w", err)
	}
	return ConnInfo{Protocol: res.ProtocolVersion, Era: "legacy", Server: res.ServerInfo,
		Capabilities: res.Capabilities, Instructions: res.Instructions}, nil
}

// ---- calls ----

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
	go func() { sent <- tr.send(sendCtx, m) }()
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
	go func() {
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		defer cancel()
		if err := s.notifyOn(ctx, tr, "notifications/cancelled", params); err != nil {
			s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "sending notifications/cancelled: " + err.Error()})
		}
	}()
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

// ---- incoming ----

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
		ev.Err = "answer to id " + id + ", which sonde did not send or no longer waits for"
	}
	s.mu.Unlock()
	if p != nil {
		ev.ReqMethod = p.method
		ev.Latency = time.Since(p.sent)
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
		go s.respond(tr, id, "ping", json.RawMessage(`{}`), nil)
		return
	}
	h := s.cfg.Handler
	if h == nil {
		go s.respond(tr, id, msg.Method, nil, &RPCError{Code: CodeMethodNotFound, Message: "sonde has no handler for " + msg.Method})
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	key := idKey(id)
	s.mu.Lock()
	s.serverReqs[key] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
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
	}()
}

func (s *Session) respond(tr transport, id json.RawMessage, method string, result json.RawMessage, rpcErr *RPCError) {
	frame := encodeResponse(id, result, rpcErr)
	rpc := RPCResponse
	if rpcErr != nil {
		rpc = RPCErrorResponse
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
	defer cancel()
	m := &outMsg{raw: frame, rpc: rpc, id: idKey(id)}
	if err := tr.send(ctx, m); err != nil && s.ctx.Err() == nil {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: idKey(id), Err: fmt.Sprintf("answering the server's %s: %v", method, err)})
	}
}

// ---- losing and recovering the connection ----

// lost is called by a transport whose connection died (legacy SSE stream,
// stdio process). Requests waiting on it are failed, their answers being
// lost, and the session is re-established in the background with backoff.
func (s *Session) lost(tr transport, err error) {
	s.mu.Lock()
	if s.closed || tr != s.tr || s.recovering {
		s.mu.Unlock()
		return
	}
	s.recovering = true
	s.state = StateReconnecting
	s.ready = make(chan struct{})
	orphans := s.pending
	s.pending = map[string]*pending{}
	s.mu.Unlock()
	s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "connection lost: " + err.Error()})
	for id, p := range orphans {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: id, ReqMethod: p.method, Err: fmt.Sprintf("%s (id %s) failed: its answer was lost with the connection", p.method, id)})
		p.ch <- reply{err: &LostError{Method: p.method, Err: err}}
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.recover(tr, err)
	}()
}

// renew re-establishes a session the server forgot (Streamable HTTP 404 or
// legacy POST 404). Concurrent callers share one renewal.
func (s *Session) renew(ctx context.Context, failed transport) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.tr != failed { // someone already renewed it
		s.mu.Unlock()
		return nil
	}
	if ch := s.renewing; ch != nil {
		s.mu.Unlock()
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	s.renewing = ch
	s.state = StateReconnecting
	s.ready = make(chan struct{})
	s.reconnects++
	n := s.reconnects
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.renewing = nil
		s.mu.Unlock()
		close(ch)
	}()
	s.emitState(StateReconnecting, n, nil, "session expired")
	cctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	failed.close(cctx)
	cancel()
	if err := s.establish(ctx); err != nil {
		s.mu.Lock()
		s.failErr = err
		close(s.ready)
		s.mu.Unlock()
		s.emitState(StateError, n, nil, err.Error())
		return err
	}
	return nil
}

// recover re-establishes the connection with backoff, honouring the server's
// retry hint, until it works, the session closes, the attempts run out or
// the server refuses our credentials.
func (s *Session) recover(old transport, cause error) {
	cctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	old.close(cctx)
	cancel()
	retry := -1
	if ls, ok := old.(*legacySSE); ok {
		retry = ls.retryHint()
	}
	limit := s.cfg.maxReconnects()
	for attempt := 1; ; attempt++ {
		if limit == 0 || attempt > limit {
			err := fmt.Errorf("connection lost and not re-established after %d attempts: %w", attempt-1, cause)
			if limit == 0 {
				err = fmt.Errorf("connection lost: %w", cause)
			}
			s.giveUp(err)
			return
		}
		delay := backoff(attempt, retry)
		s.mu.Lock()
		s.reconnects++
		n := s.reconnects
		s.mu.Unlock()
		s.emitState(StateReconnecting, n, nil, fmt.Sprintf("attempt %d in %s: %v", attempt, delay.Round(time.Millisecond), cause))
		select {
		case <-time.After(delay):
		case <-s.ctx.Done():
			return
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
		err := s.establish(ctx)
		cancel()
		if err == nil {
			s.mu.Lock()
			s.recovering = false
			s.mu.Unlock()
			return
		}
		if s.ctx.Err() != nil {
			return
		}
		s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: fmt.Sprintf("reconnect attempt %d failed: %v", attempt, err)})
		var ae *AuthError
		if errors.As(err, &ae) {
			s.giveUp(err)
			return
		}
		cause = err
	}
}

func (s *Session) giveUp(err error) {
	s.mu.Lock()
	s.failErr = err
	s.recovering = false
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
	s.mu.Unlock()
	s.emitState(StateError, 0, nil, err.Error())
}

// resubscribe renews legacy resource subscriptions on a new session.
func (s *Session) resubscribe() {
	s.mu.Lock()
	uris := make([]string, 0, len(s.subs))
	for u := range s.subs {
		uris = append(uris, u)
	}
	s.mu.Unlock()
	if len(uris) == 0 {
		return
	}
	go func() {
		for _, u := range uris {
			ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
			if _, err := s.Call(ctx, "resources/subscribe", map[string]string{"uri": u}); err != nil && s.ctx.Err() == nil {
				s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "renewing the subscription to " + u + ": " + err.Error()})
			}
			cancel()
		}
	}()
}

// ---- keepalive ----

// keepaliveLoop pings the server every Keepalive interval. On a legacy SSE
// connection the answer travels down the stream, so the stream never looks
// idle to a proxy; the round trip time is on the answer's event (Latency).
func (s *Session) keepaliveLoop() {
	iv := s.cfg.keepalive()
	if iv <= 0 {
		return
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		if s.State() != StateConnected || s.Era() == "modern" {
			continue // the stateless era has no ping and no stream to keep
		}
		ctx, cancel := context.WithTimeout(s.ctx, min(iv, s.cfg.timeout()))
		_, err := s.Call(ctx, "ping", nil)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "keepalive ping failed: " + err.Error()})
		}
	}
}

// Close ends the session: pending calls fail, the transport says goodbye
// (DELETE, or closing the child's stdin and then signals).
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	tr := s.tr
	orphans := s.pending
	s.pending = map[string]*pending{}
	s.mu.Unlock()
	for _, p := range orphans {
		p.ch <- reply{err: ErrClosed}
	}
	if tr != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		tr.close(ctx)
		cancel()
	}
	s.cancel()
	s.wg.Wait()
	s.emitState(StateClosed, 0, nil, "")
	return nil
}
