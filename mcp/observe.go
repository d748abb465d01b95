package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// ObserverOptions configure an [Observer].
type ObserverOptions struct {
	// Emitter receives the events (it numbers and scrubs them).
	Emitter *Emitter
	// Transport is the transport the watched session uses.
	Transport TransportKind
	// MaxMessage caps one message in bytes (0 = DefaultMaxMessage).
	MaxMessage int
	// KeepaliveMatch adds rules for keepalive data messages (see
	// [Config.KeepaliveMatch]).
	KeepaliveMatch []KeepaliveRule
}

// Observer turns the traffic of a session sonde watches but takes no part
// in (another client's, forwarded by sonde tap) into the events of sonde's
// own sessions: what the client sent is DirOut, what the server sent
// DirIn, as if sonde were the client, so the log, the timeline, the
// recorder and replay need nothing new. Answers are paired with their
// requests both ways (ReqMethod, Latency; an answer that comes twice is
// marked), SSE streams go through the same byte-level decoding as sonde's
// own (comments, named events, retry, keepalive data), and the handshake's
// answer becomes a connected state marked Tapped. It observes only:
// nothing is sent or answered. Its methods are safe for concurrent use.
type Observer struct {
	em *Emitter
	o  ObserverOptions

	mu        sync.Mutex
	client    map[string]seen // the client's requests waiting for an answer, by id
	server    map[string]seen // the server's requests waiting for the client's answer
	answered  RecentIDs       // the client's requests answered (duplicates)
	connected bool
	info      ConnInfo
	offered   string // the protocol revision the client offered or asked for
}

// seen is a request observed on its way.
type seen struct {
	method string
	at     time.Time
}

// maxSeen bounds the requests remembered in each direction: a client
// that never gets answers must not grow the tap's memory.
const maxSeen = 4096

// NewObserver returns an observer emitting into o.Emitter.
func NewObserver(o ObserverOptions) *Observer {
	if o.MaxMessage <= 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	return &Observer{em: o.Emitter, o: o, client: map[string]seen{}, server: map[string]seen{},
		info: ConnInfo{Transport: o.Transport, Tapped: true}}
}

// Emit logs e as it is (HTTP status lines, states, faults, notes).
func (ob *Observer) Emit(e *Event) { ob.em.Emit(e) }

// SetSessionID tells the observer the session's id (Mcp-Session-Id, or
// the legacy endpoint's session), for the connected state.
func (ob *Observer) SetSessionID(id string) {
	ob.mu.Lock()
	ob.info.SessionID = id
	ob.mu.Unlock()
}

// SetEndpoint tells the observer the legacy endpoint the server announced.
func (ob *Observer) SetEndpoint(u string) {
	ob.mu.Lock()
	ob.info.Endpoint = RedactURL(u)
	ob.mu.Unlock()
}

// SetProtocol tells the observer the revision the client named (its
// MCP-Protocol-Version header), used when no handshake says.
func (ob *Observer) SetProtocol(p string) {
	ob.mu.Lock()
	if ob.offered == "" {
		ob.offered = p
	}
	ob.mu.Unlock()
}

// Connected reports whether the handshake's answer was seen.
func (ob *Observer) Connected() bool {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return ob.connected
}

// FromClient logs one frame the client sent (Raw: a message or a batch;
// the caller sets Stream and the HTTP facts).
func (ob *Observer) FromClient(e *Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Dir, e.Kind = DirOut, KindMessage
	ob.frames(e, ob.clientOne)
}

// FromServer logs one frame the server sent in a JSON body or on stdout.
func (ob *Observer) FromServer(e *Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Dir, e.Kind = DirIn, KindMessage
	ob.frames(e, ob.serverOne)
}

// ServerStream reads an SSE body the server sent the client to its end,
// logging every event, comment and retry as sonde's own streams are
// logged. via is the id of the request whose POST this stream answers
// ("" for a GET stream); onEndpoint, if set, gets a legacy endpoint
// event's data. It returns how the stream ended (nil at a clean end).
func (ob *Observer) ServerStream(r io.Reader, stream, via string, onEndpoint func(string)) error {
	t := newTap(io.NopCloser(r), 0)
	if onEndpoint != nil {
		next := onEndpoint
		onEndpoint = func(data string) {
			ob.SetEndpoint(data)
			next(data)
		}
	}
	return readSSEStream(ob, t, stream, via, ob.o.MaxMessage, onEndpoint).err
}

// ---- link: what readSSEStream reports into ----

func (ob *Observer) emit(e *Event) { ob.em.Emit(e) }

func (ob *Observer) receive(e *Event) {
	if e.Kind == KindSSE {
		ob.named(e)
		return
	}
	ob.frames(e, ob.serverOne)
}

func (ob *Observer) lost(transport, error)    {}
func (ob *Observer) expired(transport, error) {}
func (ob *Observer) orphan(string, error)     {}

// named handles an SSE event with a name of its own, as Session.receiveNamed does.
func (ob *Observer) named(e *Event) {
	if firstByte(e.Raw) == '{' {
		if _, err := scanEnvelope(e.Raw); err == nil {
			e.Kind = KindMessage
			ob.serverOne(e)
			return
		}
	}
	data := []byte(e.Raw)
	if data == nil && len(e.Text) <= maxKeepaliveSize {
		data = []byte(e.Text)
	}
	e.Keepalive = isKeepaliveData(data, ob.o.KeepaliveMatch)
	ob.em.Emit(e)
}

// frames splits a batch and hands each message to one.
func (ob *Observer) frames(e *Event, one func(*Event)) {
	if firstByte(e.Raw) != '[' {
		one(e)
		return
	}
	frames, err := DecodeFrame(e.Raw)
	if err != nil {
		ob.invalid(e, err)
		return
	}
	for i, raw := range frames {
		ev := *e
		ev.Raw = raw
		ev.Text = fmt.Sprintf("batch item %d of %d", i+1, len(frames))
		ev.Bytes = int64(len(raw))
		one(&ev)
	}
}

// invalid logs a frame that is no JSON-RPC message, closing in the log
// the request it answers when its id can be read.
func (ob *Observer) invalid(e *Event, err error) {
	raw := e.Raw
	from := "the server"
	if e.Dir == DirOut {
		from = "the client"
	}
	e.Kind, e.RPC, e.Err = KindError, RPCInvalid, err.Error()
	if errors.Is(err, ErrNotJSON) {
		e.Text, e.Truncated = capText(string(raw), maxLogText)
		e.Raw = nil
		e.Err = "invalid JSON from " + from + ": " + notJSONReason(raw)
	}
	waiting := ob.client
	if e.Dir == DirOut {
		waiting = ob.server
	}
	ob.mu.Lock()
	for _, f := range salvageIDs(raw) {
		if s, ok := waiting[f.id]; ok && !f.method && f.id != "" {
			delete(waiting, f.id)
			e.ID, e.ReqMethod, e.Latency = f.id, s.method, max(0, e.Time.Sub(s.at))
			break
		}
	}
	ob.mu.Unlock()
	ob.em.Emit(e)
}

// clientOne classifies one message the client sent.
func (ob *Observer) clientOne(e *Event) {
	env, err := scanEnvelope(e.Raw)
	if err != nil {
		ob.invalid(e, err)
		return
	}
	e.RPC, e.Method, e.ID = env.rpc, env.method, env.id
	ob.mu.Lock()
	switch env.rpc {
	case RPCRequest:
		remember(ob.client, env.id, seen{env.method, e.Time})
		if env.method == "initialize" {
			ob.clientInit(e.Raw)
		} else if ob.info.Client == nil || ob.offered == "" {
			proto, client := modernMeta(e.Raw)
			if ob.offered == "" {
				ob.offered = proto
			}
			if ob.info.Client == nil {
				ob.info.Client = client
			}
		}
	case RPCResponse, RPCErrorResponse:
		if s, ok := ob.server[env.id]; ok {
			delete(ob.server, env.id)
			e.ReqMethod, e.Latency = s.method, max(0, e.Time.Sub(s.at))
		} else if env.id != "" {
			e.Err = "an answer to an id the tap did not see the server ask"
		}
	}
	ob.mu.Unlock()
	ob.em.Emit(e)
}

// clientInit keeps what an initialize request says about the client
// (ob.mu held).
func (ob *Observer) clientInit(raw []byte) {
	var m struct {
		Params struct {
			ProtocolVersion string          `json:"protocolVersion"`
			ClientInfo      json.RawMessage `json:"clientInfo"`
		} `json:"params"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	if m.Params.ProtocolVersion != "" {
		ob.offered = m.Params.ProtocolVersion
	}
	if len(m.Params.ClientInfo) > 0 {
		ob.info.Client = append(json.RawMessage(nil), m.Params.ClientInfo...)
	}
}

// modernMeta reads the protocol revision and client info a 2026-07-28
// request carries in its _meta.
func modernMeta(raw []byte) (protocol string, client json.RawMessage) {
	var m struct {
		Params struct {
			Meta struct {
				Protocol string          `json:"io.modelcontextprotocol/protocolVersion"`
				Client   json.RawMessage `json:"io.modelcontextprotocol/clientInfo"`
			} `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return "", nil
	}
	return m.Params.Meta.Protocol, m.Params.Meta.Client
}

// serverOne classifies one message the server sent.
func (ob *Observer) serverOne(e *Event) {
	env, err := scanEnvelope(e.Raw)
	if err != nil {
		if isKeepaliveData(e.Raw, ob.o.KeepaliveMatch) {
			e.Kind, e.Keepalive = KindSSE, true
			if !json.Valid(e.Raw) {
				e.Text, e.Raw = string(e.Raw), nil
			}
			ob.em.Emit(e)
			return
		}
		ob.invalid(e, err)
		return
	}
	e.RPC, e.Method, e.ID = env.rpc, env.method, env.id
	var handshake string
	ob.mu.Lock()
	switch env.rpc {
	case RPCRequest:
		remember(ob.server, env.id, seen{env.method, e.Time})
	case RPCResponse, RPCErrorResponse:
		if s, ok := ob.client[env.id]; ok {
			delete(ob.client, env.id)
			ob.answered.Put(env.id, s.method)
			e.ReqMethod, e.Latency = s.method, max(0, e.Time.Sub(s.at))
			if !ob.connected && env.rpc == RPCResponse {
				handshake = s.method
			}
		} else if m, dup := ob.answered.Get(env.id); dup {
			e.ReqMethod = m
			e.Err = "duplicate answer: this request was already answered"
		} else if env.id != "" {
			e.Err = "an answer to an id the tap did not see the client send"
		}
	}
	ob.mu.Unlock()
	ob.em.Emit(e)
	if handshake != "" {
		ob.handshake(handshake, e)
	}
}

// handshake emits the connected state when the answer to the first
// request shows the session is up: initialize's or server/discover's
// result, or (for a stateless client that skips discovery) any answer.
func (ob *Observer) handshake(method string, e *Event) {
	var res struct {
		ProtocolVersion   string          `json:"protocolVersion"`
		SupportedVersions []string        `json:"supportedVersions"`
		Capabilities      json.RawMessage `json:"capabilities"`
		ServerInfo        json.RawMessage `json:"serverInfo"`
		Instructions      string          `json:"instructions"`
		Meta              struct {
			ServerInfo json.RawMessage `json:"io.modelcontextprotocol/serverInfo"`
		} `json:"_meta"`
	}
	var m struct {
		Result json.RawMessage `json:"result"`
	}
	json.Unmarshal(e.Raw, &m)
	json.Unmarshal(m.Result, &res)
	ob.mu.Lock()
	if ob.connected {
		ob.mu.Unlock()
		return
	}
	ob.connected = true
	info := ob.info
	switch method {
	case "initialize":
		info.Protocol, info.Era = res.ProtocolVersion, "legacy"
		info.Reason = "the client's initialize was answered"
	case "server/discover":
		if len(res.SupportedVersions) > 0 && !slices.ContainsFunc(res.SupportedVersions, IsModern) {
			// A legacy server's answer: the client initializes next.
			ob.connected = false
			ob.mu.Unlock()
			return
		}
		info.Era = "modern"
		info.Protocol = ob.offered
		if info.Protocol == "" || len(res.SupportedVersions) > 0 && !slices.Contains(res.SupportedVersions, info.Protocol) {
			info.Protocol = newestKnown(res.SupportedVersions)
		}
		info.Reason = "the client's server/discover was answered"
	default:
		info.Protocol = ob.offered
		info.Era = "legacy"
		if IsModern(info.Protocol) {
			info.Era = "modern"
		}
		info.Reason = "the client's first request (" + method + ") was answered without a handshake"
	}
	info.Server, info.Capabilities, info.Instructions = res.ServerInfo, res.Capabilities, res.Instructions
	if len(res.Meta.ServerInfo) > 0 {
		info.Server = res.Meta.ServerInfo
	}
	ob.info = info
	ob.mu.Unlock()
	ob.em.Emit(&Event{Time: e.Time, Dir: DirMeta, Kind: KindState, State: StateConnected, Info: &info})
}

// remember records a request, forgetting an arbitrary one past maxSeen.
func remember(m map[string]seen, id string, s seen) {
	if id == "" {
		return
	}
	if len(m) >= maxSeen {
		for k := range m {
			delete(m, k)
			break
		}
	}
	m[id] = s
}
