// Package tap is sonde tap: a transparent MCP proxy that shows and records
// another client's session. Over HTTP it serves the server's paths on its
// own address and forwards every request and answer byte for byte (SSE
// streamed as it arrives; a legacy endpoint on the server's origin is
// rewritten to point at the tap); over stdio it runs the server as its
// child and stands in for it. What crosses is turned into the events of
// sonde's own sessions (mcp.Observer): what the client sent is "out", what
// the server sent "in", so the log, the UI, recordings and replay show a
// tapped session as they show sonde's own. Several clients at once are
// several sessions. Secrets the client sends are learned and masked;
// faults (package fault) can be injected on the way.
package tap

import (
	"fmt"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// SessionInfo describes a client's session as it begins.
type SessionInfo struct {
	// N numbers the sessions of one tap from 1, in the order they began.
	N int
	// Transport is what the client speaks: Streamable HTTP, legacy
	// HTTP+SSE or stdio.
	Transport mcp.TransportKind
	// Client says who the client is: its address and User-Agent.
	Client string
	// Target is the server (its URL without secrets, or its command).
	Target string
	// Start is when the session began.
	Start time.Time
}

// Sink is where one session's events go.
type Sink struct {
	// OnEvent receives the session's events in order, one at a time, on
	// a goroutine of the session's own (it must not take long).
	OnEvent func(mcp.Event)
	// OnSecrets receives secret values the session learned (the client's
	// credentials) before any event that could carry them.
	OnSecrets func(values []string)
	// OnEnd runs once the session has ended and its last event was
	// delivered.
	OnEnd func()
}

// session is one client's session seen through the tap.
type session struct {
	info SessionInfo
	em   *mcp.Emitter
	ob   *mcp.Observer
	sink Sink

	mu     sync.Mutex
	keys   []string // the proxy's keys for it
	active int      // requests under way
	ending string   // why it ends, once it does
	ended  bool
	done   chan struct{} // closed when it has ended
	// initialized is set once the client sent initialize: another one
	// from the same client begins a new session, while one after a
	// server/discover probe (answered legacy) goes on with this one.
	initialized bool
}

func newSession(info SessionInfo, sink Sink, secrets, secretHeaders []string, o mcp.ObserverOptions) *session {
	s := &session{info: info, sink: sink, done: make(chan struct{})}
	s.em = mcp.NewEmitter(mcp.EmitterOptions{Secrets: secrets, SecretHeaders: secretHeaders,
		OnEvent: sink.OnEvent, OnSecrets: sink.OnSecrets})
	o.Emitter, o.Transport = s.em, info.Transport
	s.ob = mcp.NewObserver(o)
	// The connecting event names the target (a recording's header takes
	// it from there); the note after it says whose session this is.
	s.ob.Emit(&mcp.Event{Time: info.Start, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: info.Target})
	s.ob.Emit(&mcp.Event{Time: info.Start, Dir: mcp.DirMeta, Kind: mcp.KindInfo,
		Text: fmt.Sprintf("tapped session %d: %s, through sonde tap", info.N, info.Client)})
	return s
}

// acquire counts a request under way; false once the session has ended.
func (s *session) acquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.ending != "" {
		return false
	}
	s.active++
	return true
}

// release ends a request, and the session when it is ending and this
// was its last request.
func (s *session) release() {
	s.mu.Lock()
	s.active--
	last := s.active == 0 && s.ending != ""
	s.mu.Unlock()
	if last {
		s.finish()
	}
}

// end ends the session once its requests under way are done.
func (s *session) end(why string) {
	s.mu.Lock()
	if s.ending != "" || s.ended {
		s.mu.Unlock()
		return
	}
	s.ending = why
	now := s.active == 0
	s.mu.Unlock()
	if now {
		s.finish()
	}
}

func (s *session) finish() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	why := s.ending
	s.mu.Unlock()
	s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateClosed, Text: why})
	s.em.Close()
	if s.sink.OnEnd != nil {
		s.sink.OnEnd()
	}
	close(s.done)
}

// initialize notes an initialize request: it reports false when the
// session had one already (the client begins a new session).
func (s *session) initialize() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initialized {
		return false
	}
	s.initialized = true
	return true
}
