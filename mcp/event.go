// Package mcp is sonde's wire layer: transports (stdio, legacy HTTP+SSE,
// Streamable HTTP), transport detection, JSON-RPC sessions, keepalive and
// recovery. Everything it observes on the wire becomes an [Event]; the UI, the
// recorder and the CLI all read the same events. It never imports Bubble Tea.
package mcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Dir is the direction of an [Event] relative to sonde.
type Dir string

// Directions.
const (
	DirOut  Dir = "out"  // sonde → server
	DirIn   Dir = "in"   // server → sonde
	DirMeta Dir = "meta" // sonde's own observations: state, detection, errors
)

// Kind says what an [Event] is.
type Kind string

// Event kinds.
const (
	// KindMessage is one JSON-RPC message; Raw holds its exact bytes.
	KindMessage Kind = "message"
	// KindSSE is an SSE event that is not a JSON-RPC message: `endpoint`,
	// `keepalive`, any name we do not know, a priming event (id, empty data)
	// or a lone `retry:` field.
	KindSSE Kind = "sse"
	// KindComment is an SSE comment line (`: ping`), the usual keepalive.
	KindComment Kind = "comment"
	// KindHTTP is an HTTP response status line (and, for sonde's own GET
	// and DELETE requests, the request).
	KindHTTP Kind = "http"
	// KindState is a connection state change; see State and Info.
	KindState Kind = "state"
	// KindStderr is one line a stdio server wrote to its stderr.
	KindStderr Kind = "stderr"
	// KindError is something that went wrong; Err says what.
	KindError Kind = "error"
	// KindInfo is a note from sonde: a detection step, a negotiated version,
	// a reconnect decision.
	KindInfo Kind = "info"
	// KindAuth is a step of a sign-in (see package oauth): a request to the
	// authorization server or the protected resource's metadata (DirOut),
	// its answer (DirIn), or a step's verdict (DirMeta). Method names the
	// step (discover-resource, discover-as, register, authorize, callback,
	// token, refresh, ...); Body holds the request's or answer's body with
	// every secret masked; Text is the verdict in plain words, Err a failure.
	KindAuth Kind = "auth"
	// KindFault is a fault injected on purpose (--fault; see package
	// fault): Method names it (drop-stream, delay, status, ...), Text says
	// what was done; ID and ReqMethod name the message it hit, Status the
	// HTTP status it answered with. A recording shows what was done and,
	// after it, what followed.
	KindFault Kind = "fault"
)

// State is a connection state carried by [KindState] events.
type State string

// Connection states.
const (
	StateConnecting   State = "connecting"
	StateConnected    State = "connected"
	StateReconnecting State = "reconnecting"
	StateClosed       State = "closed"
	StateError        State = "error"
)

// RPCType classifies a JSON-RPC message.
type RPCType string

// JSON-RPC message types.
const (
	RPCRequest       RPCType = "request"
	RPCNotification  RPCType = "notification"
	RPCResponse      RPCType = "response"
	RPCErrorResponse RPCType = "error"
	RPCInvalid       RPCType = "invalid"
)

// Event is one entry of the wire log: the single source of truth for the UI,
// the recorder and the CLI. Raw (for messages) is kept exactly as it crossed
// the wire; typed views are decoded lazily by whoever needs them, so an
// unknown shape never makes an event unreadable.
type Event struct {
	// Seq numbers events of one session in the order they were observed.
	Seq uint64 `json:"seq"`
	// Time is when sonde observed the event (carries Go's monotonic
	// reading): for an event read from a stream, when the read that
	// delivered it returned. Times never go back along Seq.
	Time time.Time `json:"time"`
	Dir  Dir       `json:"dir"`
	Kind Kind      `json:"kind"`
	// Stream names the wire stream: "GET", "POST", "stdout", "stderr", "stdin".
	Stream string `json:"stream,omitempty"`
	// Via is, for what arrived on the response to one of sonde's POSTs
	// (Streamable HTTP, or its resumption with GET), the JSON-RPC id of
	// the request that POST carried: a server sends what relates to a
	// request on that request's stream, so a server request with a Via
	// was caused by that request.
	Via string `json:"via,omitempty"`

	// JSON-RPC facts (KindMessage).
	RPC    RPCType `json:"rpc,omitempty"`
	Method string  `json:"method,omitempty"`
	// ID is the JSON-RPC id as JSON text (`7` or `"7"`), so its type survives.
	ID string `json:"id,omitempty"`
	// ReqMethod is, on a response, the method of the request it answers.
	ReqMethod string `json:"req_method,omitempty"`
	// Latency is, on a response, the time since its request was sent; on
	// the connected state that ends a recovery, how long the connection
	// was down (see Recovery).
	Latency time.Duration `json:"latency_ns,omitempty"`
	// Raw is the message exactly as it crossed the wire (on a KindSSE
	// event: its data, when that is a JSON object or array). It may share
	// memory with other values: never modify it in place.
	Raw json.RawMessage `json:"raw,omitempty"`

	// SSE facts.
	SSEEvent string `json:"sse_event,omitempty"`
	SSEID    string `json:"sse_id,omitempty"`
	// SSERetry is a `retry:` value in milliseconds (0 when absent).
	SSERetry int `json:"sse_retry_ms,omitempty"`

	// HTTP facts. URL and Header are redacted: secrets never appear.
	HTTPMethod  string      `json:"http_method,omitempty"`
	URL         string      `json:"url,omitempty"`
	Status      int         `json:"status,omitempty"`
	ContentType string      `json:"content_type,omitempty"`
	Header      http.Header `json:"header,omitempty"`

	// Bytes is how many wire bytes this event accounts for.
	Bytes int64 `json:"bytes,omitempty"`

	// State facts (KindState).
	State State `json:"state,omitempty"`
	// Attempt is the reconnect attempt number on StateReconnecting.
	Attempt int       `json:"attempt,omitempty"`
	Info    *ConnInfo `json:"info,omitempty"`

	// Text is free text: a comment line, a stderr line, an info note, or the
	// non-JSON data of an SSE event or a broken line (capped, see Truncated).
	Text string `json:"text,omitempty"`
	// Body is, on an HTTP status of 400 or more (KindHTTP, DirIn), the
	// start of the response body as received: at most MaxErrorBody bytes,
	// secrets removed like everywhere else.
	Body string `json:"body,omitempty"`
	// Truncated is the original size when Text, Raw or Body was cut for
	// the log (-1: Body was cut and the server gave no Content-Length).
	Truncated int64 `json:"truncated,omitempty"`
	// Err describes an error (KindError), or an error attached to another kind.
	Err string `json:"err,omitempty"`
	// Keepalive marks a data message that a keepalive rule recognised
	// ({"type":"keepalive"}; see Config.KeepaliveMatch): KindSSE, its
	// payload in Raw (JSON) or Text.
	Keepalive bool `json:"keepalive,omitempty"`
}

// MemSize estimates the memory e holds: its payload, text, headers and
// connection info, plus its fixed part. Bounded buffers of events (the
// UI's log window, the recorder's queue) count it.
func (e *Event) MemSize() int64 {
	n := 512 + len(e.Raw) + len(e.Text) + len(e.Body) + len(e.Err) + len(e.URL)
	for k, vs := range e.Header {
		n += len(k) + 32
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	if e.Info != nil {
		n += 256 + len(e.Info.Server) + len(e.Info.Capabilities) + len(e.Info.Instructions)
	}
	return int64(n)
}

// ConnInfo describes an established connection. It rides on
// [StateConnected] events so a replay can rebuild the header without a live
// session.
type ConnInfo struct {
	Transport TransportKind `json:"transport"`
	// Protocol is the negotiated protocol revision, e.g. "2025-11-25".
	Protocol string `json:"protocol,omitempty"`
	// Era is "legacy" (initialize handshake) or "modern" (2026-07-28+).
	Era string `json:"era,omitempty"`
	// SessionID is the Mcp-Session-Id, or the legacy endpoint's session
	// query parameter when the server put one there.
	SessionID string `json:"session_id,omitempty"`
	// Endpoint is the legacy POST endpoint as announced (redacted).
	Endpoint string `json:"endpoint,omitempty"`
	// Server is the server's Implementation object (name, version, title...).
	Server json.RawMessage `json:"server,omitempty"`
	// Capabilities are the server's capabilities as sent.
	Capabilities json.RawMessage `json:"capabilities,omitempty"`
	// Instructions are the server's instructions, if any.
	Instructions string `json:"instructions,omitempty"`
	// Reconnects counts how often this session was re-established.
	Reconnects int `json:"reconnects,omitempty"`
	// Reason says how the transport was chosen (detection result).
	Reason string `json:"reason,omitempty"`
	// Lenient reports that the session takes the server as it comes
	// (Config.Lenient, --endpoint): its capabilities, if any, are not a
	// promise, and its answers may have any shape.
	Lenient bool `json:"lenient,omitempty"`
	// Tapped marks a session sonde watched rather than made: another
	// client's, seen through sonde tap. Its DirOut events are what that
	// client sent, its DirIn events what the server sent the client.
	Tapped bool `json:"tapped,omitempty"`
	// Client is, on a tapped session, the client's Implementation object
	// from its initialize request (or its User-Agent as {"name": ...}).
	Client json.RawMessage `json:"client,omitempty"`
}

// TransportKind names a transport.
type TransportKind string

// Transports.
const (
	TransportAuto  TransportKind = "auto"
	TransportStdio TransportKind = "stdio"
	TransportSSE   TransportKind = "sse"  // legacy HTTP+SSE (2024-11-05)
	TransportHTTP  TransportKind = "http" // Streamable HTTP
)

// String returns the transport's name.
func (k TransportKind) String() string { return string(k) }

// Long is the transport's name in prose: "legacy HTTP+SSE", "Streamable
// HTTP", "stdio".
func (k TransportKind) Long() string {
	switch k {
	case TransportSSE:
		return "legacy HTTP+SSE"
	case TransportHTTP:
		return "Streamable HTTP"
	}
	return string(k)
}

// IsKeepalive reports whether e is keepalive traffic: an SSE comment, an SSE
// event named like a keepalive, a data message a keepalive rule matched,
// or a ping request or its response.
func (e *Event) IsKeepalive() bool {
	if e.Keepalive {
		return true
	}
	switch e.Kind {
	case KindComment:
		return true
	case KindSSE:
		switch e.SSEEvent {
		case "keepalive", "ping", "heartbeat", "keep-alive":
			return true
		}
	case KindMessage:
		return e.Method == "ping" || e.ReqMethod == "ping"
	}
	return false
}

// Recovery reports whether e is the connected state that ends a recovery,
// and if so how long the connection was down and why it had to be
// re-established ("session expired", "connection lost: ..."): Latency and
// Text of that event.
func (e *Event) Recovery() (down time.Duration, cause string, ok bool) {
	if e.Kind != KindState || e.State != StateConnected || e.Latency <= 0 {
		return 0, "", false
	}
	return e.Latency, e.Text, true
}

// RecoveryText is the one-line report of a recovery:
// "reconnected after 3.2 s: session expired".
func RecoveryText(down time.Duration, cause string) string {
	return fmt.Sprintf("reconnected after %.1f s: %s", down.Seconds(), cause)
}
