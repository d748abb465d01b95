package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	cfg Config
	// scrub removes secrets from every event and error; it learns the
	// tokens a sign-in obtains (see learn), so it is swapped, never changed.
	scrub atomic.Pointer[Scrubber]

	ctx    context.Context // ends at Close
	cancel context.CancelFunc

	emitMu   sync.Mutex
	seq      uint64
	lastTime time.Time   // the latest event time, so times never go back
	disp     *dispatcher // delivers to OnEvent (nil: emitters deliver)
	// watchers collect events for raw messages in flight (SendRaw);
	// watching counts them, so emit looks only when there are some.
	watchers []*rawWatch
	watching atomic.Int32

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
	logLevel    string // modern: sent in every request's _meta
	// legacyLogLevel is the level set with logging/setLevel, renewed
	// with the session.
	legacyLogLevel string
	subs           map[string]bool // resource URIs subscribed to
	listener       *listener       // modern: the open subscriptions/listen stream
	listenMu       sync.Mutex      // serializes changes of the listen stream
	acks           map[string]chan json.RawMessage
	info           ConnInfo
	state          State
	ready          chan struct{} // closed while connected
	outage         *outage       // set while the connection is being re-established
	failErr        error         // set when recovery gave up
	closed         bool
	reconnects     int
	pending        map[string]*pending
	answered       RecentIDs // recently answered requests (duplicate detection)
	abandoned      RecentIDs // requests sonde stopped waiting for (late answers)
	serverReqs     map[string]context.CancelFunc

	nextID atomic.Int64
	wg     sync.WaitGroup
}

// Dial connects to the server cfg describes and completes the handshake.
// With Transport auto, an http(s) URL is probed the way the specification
// describes: POST initialize, and on 400/404/405 a GET expecting an
// `endpoint` event (legacy HTTP+SSE). A 401/403 never triggers fallback.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	if (cfg.URL == "") == (len(cfg.Command) == 0) {
		return nil, errors.New("give either a URL or a command")
	}
	if cfg.Endpoint != "" {
		if cfg.URL == "" || cfg.Transport != "" && cfg.Transport != TransportAuto && cfg.Transport != TransportSSE {
			return nil, errors.New("an endpoint template is for an SSE stream's URL (the legacy HTTP+SSE transport)")
		}
		if err := CheckEndpointTemplate(cfg.Endpoint); err != nil {
			return nil, err
		}
	}
	s := newSession(cfg)
	if cfg.OnEvent != nil {
		s.disp = newDispatcher(cfg.OnEvent)
	}
	s.emitState(StateConnecting, 0, nil, cfg.Target())
	if err := s.establishFirst(ctx); err != nil {
		// the error state carries the reason: one event, not an error
		// event and then the same text in the state
		err = s.scrubber().Err(err)
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		s.emitState(StateError, 0, nil, err.Error())
		s.stopEvents()
		return nil, err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.keepaliveLoop()
	}()
	// OnEvent has seen the connection (capabilities included) before the
	// caller sees the session: whoever acts on Dial's return finds the
	// `connected` event already delivered.
	s.syncEvents(ctx)
	return s, nil
}

func newSession(cfg Config) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{cfg: cfg, ctx: ctx, cancel: cancel,
		ready: make(chan struct{}), pending: map[string]*pending{},
		serverReqs: map[string]context.CancelFunc{}, kind: cfg.initialKind()}
	s.scrub.Store(NewScrubber(cfg.Secrets(), cfg.SecretHeaders))
	if a, ok := cfg.OAuth.(AuthAttacher); ok {
		a.Attach(authReporter{s})
	}
	return s
}

// initialKind is the transport a session starts from: stdio for a command,
// else what the user forced, else auto (detect).
func (c *Config) initialKind() TransportKind {
	switch {
	case len(c.Command) > 0:
		return TransportStdio
	case c.Endpoint != "":
		return TransportSSE // a split-endpoint server: an SSE stream and POSTs
	case c.Transport == "":
		return TransportAuto
	}
	return c.Transport
}

// spawn runs f in a goroutine that Close waits for, so nothing the session
// does is logged after "closed". It reports false (and runs nothing) once
// the session is closing.
func (s *Session) spawn(f func()) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// Info describes the connection as it stands.
func (s *Session) Info() ConnInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.info
	i.Reconnects = s.reconnects
	if i.SessionID == "" && s.tr != nil {
		// a split-endpoint stream may give its id after the handshake
		// (when the endpoint does not need it)
		i.SessionID = s.scrubber().Info(ConnInfo{SessionID: s.tr.sessionID()}).SessionID
	}
	return i
}

// Era is "legacy" (initialize handshake) or "modern" (2026-07-28,
// stateless), once connected.
func (s *Session) Era() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.era
}

// State is the connection state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// emit stamps an event with its sequence number and time and hands it to
// the dispatcher, which delivers it to OnEvent in sequence order on its own
// goroutine: emitting never waits for the consumer (see dispatcher). An
// event read from a stream comes with the time of the read that delivered
// it (every event of a burst shares one clock reading); others are stamped
// now. Times never go back along the sequence.
func (s *Session) emit(e *Event) {
	s.scrubber().Event(e)
	s.emitMu.Lock()
	s.seq++
	e.Seq = s.seq
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Time.Before(s.lastTime) {
		e.Time = s.lastTime
	}
	s.lastTime = e.Time
	if s.watching.Load() > 0 {
		for _, w := range s.watchers {
			w.add(e)
		}
	}
	if s.cfg.OnEvent != nil && (s.disp == nil || !s.disp.push(e)) {
		s.cfg.OnEvent(*e) // no dispatcher (decoding a capture), or it has stopped
	}
	s.emitMu.Unlock()
}

// syncEvents waits until OnEvent has received every event emitted so far
// (or ctx ends). Calls return only after their answer's event was
// delivered, so a caller that reads what OnEvent collected finds it there.
func (s *Session) syncEvents(ctx context.Context) {
	if s.disp != nil {
		s.disp.sync(ctx)
	}
}

// stopEvents delivers every queued event and ends the dispatcher.
func (s *Session) stopEvents() {
	if s.disp != nil {
		s.disp.stop()
	}
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
	forced := s.cfg.Protocol != "" || s.cfg.Endpoint != "" || (s.cfg.Transport != "" && s.cfg.Transport != TransportAuto && s.cfg.Transport != TransportStdio)
	if rec, ok := lookupEra(&s.cfg); ok && !forced {
		s.mu.Lock()
		s.kind, s.era = rec.Transport, rec.Era
		// establish keeps a reason set for the same transport
		s.reason = "remembered: " + rec.Transport.Long() + ", " + rec.Era + " era (era cache)"
		if rec.Era == "legacy" && rec.Protocol != "" {
			s.legacyOffer = rec.Protocol
		}
		s.mu.Unlock()
		s.note("era cache: " + rec.Transport.String() + " " + rec.Era + " " + rec.Protocol + " (remembered; detecting again if it fails)")
		err := s.establish(ctx)
		var ae *AuthError
		var ce *CrossOriginError // detection would meet the same refusal
		if err == nil || errors.As(err, &ae) || errors.As(err, &ce) || ctx.Err() != nil {
			return err
		}
		s.note("the remembered transport failed (" + err.Error() + "); detecting again")
		storeEra(&s.cfg, eraRecord{})
		s.mu.Lock()
		s.kind, s.era, s.legacyOffer, s.reason = s.cfg.initialKind(), "", "", ""
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

func (l *tlink) emit(e *Event) { l.s.emit(e) }

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
		} else {
			err = s.withSplitHint(ctx, err)
		}
		reason = "forced: legacy HTTP+SSE"
		if s.cfg.Endpoint != "" {
			reason = "split endpoint: the SSE stream, POSTs to --endpoint"
		}
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
	info.Lenient = s.cfg.lenient()
	reconnects := s.reconnects // read here: a loss right after connecting changes it
	info = s.scrubber().Info(info)
	s.info = info
	s.tr = tr
	s.failErr = nil
	ready := s.ready
	connected := &Event{Dir: DirMeta, Kind: KindState, State: StateConnected, Info: &info}
	if o := s.outage; o != nil {
		// The end of a recovery: how long it took and why it was needed.
		connected.Latency, connected.Text = time.Since(o.start), o.cause
		s.outage = nil
	}
	s.mu.Unlock()
	// Calls go ahead only once "connected" is logged, so none appears in
	// the log on a connection before it. If tr was lost meanwhile, a new
	// recovery has begun: waiting calls wake up and wait for that one.
	s.emit(connected)
	s.mu.Lock()
	if s.tr == tr && s.outage == nil && !s.closed {
		s.state = StateConnected
	}
	close(ready)
	s.mu.Unlock()
	tr.ready()
	if info.Era == "modern" {
		// The stateless server keeps nothing: listen again after every
		// (re)connection, replacing whatever listened before.
		if _, want := s.listenFilter(); want || reconnects > 0 {
			s.spawn(func() {
				ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
				defer cancel()
				if err := s.listenAfresh(ctx); err != nil && s.ctx.Err() == nil {
					s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "subscriptions/listen: " + err.Error()})
				}
			})
		}
	} else if reconnects > 0 {
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
	o := callOpts{probe: probe}
	if s.cfg.lenient() {
		// a server that takes no initialize may never answer it: its
		// failure is a finding (and a warning below), not an error
		o.timeout = min(s.cfg.timeout(), lenientInitTimeout)
		o.probe = true
	}
	raw, err := s.roundTrip(ctx, tr, "initialize", params, o)
	if err != nil {
		if !s.cfg.lenient() || !skippable(err) || ctx.Err() != nil {
			return ConnInfo{}, err
		}
		s.warn(fmt.Sprintf("initialize was not answered (%v); going on without a handshake (lenient): the server's capabilities are unknown", err))
		return ConnInfo{Era: "legacy"}, nil
	}
	var res struct {
		ProtocolVersion string          `json:"protocolVersion"`
		Capabilities    json.RawMessage `json:"capabilities"`
		ServerInfo      json.RawMessage `json:"serverInfo"`
		Instructions    string          `json:"instructions"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.ProtocolVersion == "" {
		if !s.cfg.lenient() {
			if err != nil {
				return ConnInfo{}, fmt.Errorf("unreadable initialize result: %w", err)
			}
			return ConnInfo{}, errors.New("the initialize result names no protocolVersion")
		}
		res.ProtocolVersion, res.Capabilities, res.ServerInfo, res.Instructions = lenientInit(raw)
		why := "names no protocolVersion"
		if err != nil {
			why = "is not an object"
		}
		s.warn("the initialize answer is not a valid InitializeResult (it " + why + "); going on with it as it is (lenient)")
	}
	switch {
	case res.ProtocolVersion == "":
	case !slices.Contains(KnownProtocols, res.ProtocolVersion):
		s.note(fmt.Sprintf("server chose protocol %q, which sonde does not know; continuing as %s", res.ProtocolVersion, offer))
	case res.ProtocolVersion != offer:
		s.note(fmt.Sprintf("server chose protocol %s (sonde offered %s)", res.ProtocolVersion, offer))
	}
	tr.negotiated(res.ProtocolVersion)
	if err := s.notifyOn(ctx, tr, "notifications/initialized", nil); err != nil {
		if !s.cfg.lenient() || !skippable(err) {
			return ConnInfo{}, fmt.Errorf("sending notifications/initialized: %w", err)
		}
		s.warn(fmt.Sprintf("sending notifications/initialized: %v; going on (lenient)", err))
	}
	return ConnInfo{Protocol: res.ProtocolVersion, Era: "legacy", Server: res.ServerInfo,
		Capabilities: res.Capabilities, Instructions: res.Instructions}, nil
}

// lenientInitTimeout bounds a lenient session's wait for the initialize
// answer: a server that takes no initialize may never answer it.
const lenientInitTimeout = 10 * time.Second

// skippable reports whether a lenient session may go on after err: the
// server answered, or did not, but the connection works (an error answer,
// an HTTP error status, no answer in time). Auth, origin and connection
// failures end it as they end any session.
func skippable(err error) bool {
	var (
		re *RPCError
		he *HTTPError
		te *TimeoutError
	)
	return errors.As(err, &re) || errors.As(err, &he) || errors.As(err, &te) || strings.HasPrefix(err.Error(), "unusable answer") || strings.HasPrefix(err.Error(), "unreadable answer")
}

// lenientInit reads what an initialize answer that is not an
// InitializeResult says, in the spellings such servers use
// (protocol_version, server_info; camelCase wins).
func lenientInit(raw json.RawMessage) (protocol string, caps, server json.RawMessage, instructions string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "", nil, nil, ""
	}
	pick := func(names ...string) json.RawMessage {
		for _, n := range names {
			if v, ok := m[n]; ok {
				return v
			}
		}
		return nil
	}
	json.Unmarshal(pick("protocolVersion", "protocol_version"), &protocol)
	json.Unmarshal(pick("instructions"), &instructions)
	if v := pick("capabilities"); len(v) > 0 && firstByte(v) == '{' {
		caps = v
	}
	if v := pick("serverInfo", "server_info"); len(v) > 0 && firstByte(v) == '{' {
		server = v
	}
	return protocol, caps, server, instructions
}

// warn notes something that is wrong with the server but that the session
// goes on despite (lenient): an info event whose text starts "warning: ".
func (s *Session) warn(text string) {
	s.note("warning: " + text)
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
	for id, p := range orphans {
		s.abandoned.Put(id, p.method) // its answer may still come while closing
	}
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
	s.stopEvents()
	return nil
}
