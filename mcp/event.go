// Package mcp is sonde's wire layer: transports (stdio, legacy HTTP+SSE,
// Streamable HTTP), transport detection, JSON-RPC sessions, keepalive and
// recovery. Everything it observes on the wire becomes an [Event]; the UI, the
// recorder and the CLI all read the same events. It never imports Bubble Tea.
package mcp

import (
	"encoding/json"
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

	// JSON-RPC facts (KindMessage).
	RPC    RPCType `json:"rpc,omitempty"`
	Method string  `json:"method,omitempty"`
	// ID is the JSON-RPC id as JSON text (`7` or `"7"`), so its type survives.
	ID string `json:"id,omitempty"`
	// ReqMethod is, on a response, the method of the request it answers.
	ReqMethod string `json:"req_method,omitempty"`
	// Latency is, on a response, the time since its request was sent.
	Latency time.Duration `json:"latency_ns,omitempty"`
	// Raw is the message exactly as it crossed the wire. It may share
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
	// Truncated is the original size when Text or Raw was cut for the log.
	Truncated int64 `json:"truncated,omitempty"`
	// Err describes an error (KindError), or an error attached to another kind.
	Err string `json:"err,omitempty"`
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
// event named like a keepalive, or a ping request or its response.
func (e *Event) IsKeepalive() bool {
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
