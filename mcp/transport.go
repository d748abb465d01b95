package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unsafe"
)

// transport moves JSON-RPC frames between sonde and one server over one
// connection. A transport is used once: re-establishing a session builds a
// new one. Each transport runs its readers in goroutines of its own and
// reports into a link.
type transport interface {
	kind() TransportKind
	// connect opens the connection: spawns the process, opens the legacy
	// SSE stream and waits for its endpoint, or nothing (Streamable HTTP
	// opens its optional GET stream after the handshake, see ready).
	connect(ctx context.Context) error
	// send delivers one frame. For Streamable HTTP the request's response
	// (JSON or an SSE stream) is read before or after send returns; ctx
	// bounds that response stream.
	send(ctx context.Context, m *outMsg) error
	// negotiated tells the transport the protocol revision the handshake
	// settled on (HTTP transports send it as MCP-Protocol-Version).
	negotiated(protocol string)
	// ready is called once the handshake is done (the session is usable).
	ready()
	// sessionID is the server's session id, if any.
	sessionID() string
	// close ends the connection politely (DELETE, close stdin...).
	close(ctx context.Context) error
}

// outMsg is one outgoing frame with what the transport needs to know about it.
type outMsg struct {
	raw    []byte
	rpc    RPCType
	method string // requests and notifications
	// answers is, on an answer to a server request, that request's method.
	answers string
	id      string // JSON text of the id for requests and responses
	// header holds per-message HTTP headers (2026-07-28: MCP-Protocol-Version,
	// Mcp-Method, Mcp-Name, Mcp-Param-*).
	header http.Header
	// pending, for requests, reports whether the request still waits for its
	// answer, so a transport knows whether a broken stream lost it.
	pending func() bool
	// hold, for requests, stops the request's timeout while a sign-in runs
	// (true) and starts it afresh after (false).
	hold func(on bool)
}

// link is what transports report into; the session implements it.
type link interface {
	// emit logs an event that needs no routing.
	emit(e *Event)
	// receive logs and routes one incoming frame (e.Raw); the link splits
	// batches and decodes.
	receive(e *Event)
	// lost reports that the connection as a whole is gone.
	lost(tr transport, err error)
	// expired reports that the server no longer knows the session.
	expired(tr transport, err error)
	// orphan reports that a request's answer can no longer arrive.
	orphan(id string, err error)
}

// sseReadResult says how an SSE stream ended.
type sseReadResult struct {
	lastID string // last event id seen ("" if none)
	sawID  bool
	err    error // nil on a clean end of stream
	idled  bool  // the idle watchdog closed it
}

// readSSEStream reads one SSE body to its end, turning everything into
// events: JSON-RPC messages go to l.receive, everything else to l.emit.
// onEndpoint, if set, receives `endpoint` events (legacy transport). via
// is the id of the request whose POST (or resumed POST) stream this is,
// "" for the other streams: it becomes every event's Via.
func readSSEStream(l link, t *tap, stream, via string, maxMessage int, onEndpoint func(data string)) sseReadResult {
	t.onComment = func(text string, n int) {
		l.emit(&Event{Time: t.readAt, Dir: DirIn, Kind: KindComment, Stream: stream, Via: via, Text: text, Bytes: int64(n)})
	}
	t.onRetry = func(ms int) {
		l.emit(&Event{Time: t.readAt, Dir: DirIn, Kind: KindSSE, Stream: stream, Via: via, SSERetry: ms, Text: fmt.Sprintf("retry: %d", ms)})
	}
	var res sseReadResult
	// One Event serves every SSE event of the stream: they are handled one
	// at a time and the link copies what it keeps (taking the address of a
	// fresh one per event would put each on the heap).
	base := new(Event)
	// The limit holds a whole block, field names included.
	err := t.parse(maxMessage+4096, func(ev sseEvent) {
		if ev.LastEventID != "" {
			res.lastID, res.sawID = ev.LastEventID, true
		}
		handleSSEEvent(l, base, ev, t.readAt, stream, via, onEndpoint)
	})
	if err != nil {
		res.err = sseError(err, maxMessage)
	}
	res.idled = t.Idled()
	return res
}

// handleSSEEvent classifies one dispatched SSE event.
func handleSSEEvent(l link, base *Event, ev sseEvent, at time.Time, stream, via string, onEndpoint func(string)) {
	*base = Event{Time: at, Dir: DirIn, Stream: stream, Via: via, SSEEvent: ev.Type, SSEID: ev.LastEventID, SSERetry: ev.Retry, Bytes: int64(len(ev.Data))}
	switch {
	case ev.Type == "" || ev.Type == "message":
		if strings.TrimSpace(ev.Data) == "" {
			// A priming event (2025-11-25): an id and empty data, never JSON.
			base.Kind = KindSSE
			base.Text = "(empty data)"
			l.emit(base)
			return
		}
		base.Kind = KindMessage
		// The tap hands the data over as an immutable string; share its
		// bytes rather than copy every message (Raw is never modified).
		base.Raw = unsafe.Slice(unsafe.StringData(ev.Data), len(ev.Data))
		l.receive(base)
	case ev.Type == "endpoint" && onEndpoint != nil:
		base.Kind = KindSSE
		base.Text = RedactURL(ev.Data)
		l.emit(base)
		onEndpoint(ev.Data)
	default:
		// Any event name we do not know (keepalive, ping, tools, result,
		// ...) is shown, never an error; its id and retry still count. Its
		// data, when JSON, is kept as JSON (Raw), whatever the name; the
		// link then routes a JSON-RPC message in it like any other (a
		// server that answers in `event: result`) and recognises keepalive
		// data messages.
		base.Kind = KindSSE
		if isJSONData(ev.Data) {
			base.Raw = unsafe.Slice(unsafe.StringData(ev.Data), len(ev.Data))
		} else {
			base.Text, base.Truncated = capText(ev.Data, maxLogText)
		}
		l.receive(base)
	}
}

// isJSONData reports whether an SSE event's data is a JSON object or array
// (a bare number or string is shown as the text it is).
func isJSONData(data string) bool {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return json.Valid(unsafe.Slice(unsafe.StringData(data), len(data)))
		}
		return false
	}
	return false
}

// maxLogText caps free text kept in an event (the log shows the head).
const maxLogText = 64 << 10

func capText(s string, n int) (string, int64) {
	if len(s) <= n {
		return s, 0
	}
	return s[:n], int64(len(s))
}

// sseError makes a stream's end readable.
func sseError(err error, maxMessage int) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// net/http: the connection closed before the response ended.
		return errors.New("the connection closed in the middle of the response")
	}
	if errors.Is(err, errSSETooLong) {
		return fmt.Errorf("an SSE event exceeded the %s message limit (raise --max-message)", humanBytes(int64(maxMessage)))
	}
	return err
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
