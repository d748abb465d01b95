// Package session folds the events of an MCP session into one [State]:
// the connection, the requests in flight (with their progress), the
// listings, resource subscriptions, tasks, the server's log and the
// request spans of the timeline. [State.Apply] decodes each message once
// and says what changed. The terminal UI draws a *State; the timeline, the
// HAR and markdown exports and `sonde replay --print` read the same State,
// so a live session, its replay and its exports cannot disagree. [Feed]
// delivers a live session's events to the UI without ever holding up the
// wire.
//
// The package never imports Bubble Tea. Server text in the state is kept
// raw: make it terminal-safe (termsafe) before drawing it.
package session

import (
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
)

// KindRewind marks, in a replay's event stream, that the replay position
// moved: everything before it is forgotten, and the events after it (a
// context window, then the events from the new position) rebuild the state.
const KindRewind mcp.Kind = "replay-rewind"

const (
	// maxNotes bounds the detection notes kept.
	maxNotes = 64
	// maxSent bounds the requests remembered for their answers.
	maxSent = 4096
)

// State is what a session's events say, folded: apply every event in
// order with Apply. It is not safe for concurrent use (a [Feed] guards
// one).
type State struct {
	// Now is the time of the latest event.
	Now time.Time
	// Conn is the connection.
	Conn Conn
	// Requests are sonde's requests waiting for an answer, by JSON-RPC id
	// (pings and subscriptions/listen streams are not waiting for one).
	Requests map[string]*Request
	// Listens are the open subscriptions/listen streams (2026-07-28), by
	// request id.
	Listens map[string]bool
	// Lists are the latest listings.
	Lists [NumLists]Listing
	// Offered are the listings the server announced on its stream
	// (`event: tools`; see OfferedList), latest first: not answers to a
	// list request, and shown as such.
	Offered [NumLists]Listing
	// Subscribed are the resource URIs subscribed to; Updates counts the
	// notifications/resources/updated received per URI.
	Subscribed map[string]bool
	Updates    map[string]*Update
	// Tasks are the tasks seen, oldest first (bounded).
	Tasks []*Task
	// Log is the server's log (notifications/message and stderr).
	Log ServerLog
	// Timeline holds every request as a span; Quiet the same without
	// keepalive traffic (pings both ways).
	Timeline, Quiet Timeline
	// Notes are the info events since the last connection attempt (how
	// the transport and era were detected), oldest first (bounded).
	Notes []Note
	// Auth is the session's sign-ins (its `auth` events folded): each
	// step's requests, answers and verdicts, failures in plain words, and
	// who sonde is signed in as.
	Auth oauth.Flow

	sent      map[string]sentReq // our requests by id, for their answers (bounded)
	sentOrder []string
	listenFor map[string][]string // subscriptions/listen requests → resource URIs
	listening string              // the acknowledged listen stream holding Subscribed
	msg       Message             // the message Apply decoded last
}

// Request is a request of sonde's waiting for its answer.
type Request struct {
	ID, Method string
	// Subject is the tool or prompt, or the resource URI, it is about.
	Subject string
	// Token is its progress token as JSON text ("" when it asked for
	// none).
	Token string
	Start time.Time
	// Progress, Total and ProgressMessage are its latest progress
	// notification, when HasProgress.
	Progress, Total float64
	ProgressMessage string
	HasProgress     bool
}

// Update counts the notifications/resources/updated about one resource.
type Update struct {
	Count int
	Last  time.Time
}

// Note is an info event: a detection step, a negotiated version, a
// reconnect decision.
type Note struct {
	Time time.Time
	Text string
}

// sentReq is what a request asked, remembered for its answer.
type sentReq struct {
	method    string
	hasCursor bool
	taskID    string
	uri       string // resources/subscribe, resources/unsubscribe
}

// New returns an empty state whose timelines keep at most MaxSpans spans.
func New() *State {
	s := &State{}
	s.Reset()
	return s
}

// Reset forgets everything (a replay that moved back).
func (s *State) Reset() {
	*s = State{Requests: map[string]*Request{}, Listens: map[string]bool{}, Subscribed: map[string]bool{},
		Updates: map[string]*Update{}, sent: map[string]sentReq{}, listenFor: map[string][]string{}}
	s.Timeline.Limit, s.Quiet.Limit = MaxSpans, MaxSpans
}

// ForgetServer forgets the server: the connection, the requests in
// flight, the listings and subscriptions (the UI switching to another
// server). The logs, tasks and timelines stay.
func (s *State) ForgetServer() {
	s.Conn = Conn{}
	clear(s.Requests)
	clear(s.Listens)
	s.Lists = [NumLists]Listing{}
	clear(s.Subscribed)
	s.listening = ""
	s.Auth.Signed = nil // signed in to the server left
}

// request returns our request waiting for the answer with id (the same id
// with the other JSON type counts: some servers turn 7 into "7").
func (s *State) request(id string) *Request {
	if r := s.Requests[id]; r != nil {
		return r
	}
	return s.Requests[altID(id)]
}

func (s *State) endRequest(id string) bool {
	_, a := s.Requests[id]
	_, b := s.Requests[altID(id)]
	delete(s.Requests, id)
	delete(s.Requests, altID(id))
	_, c := s.Listens[id]
	delete(s.Listens, id)
	return a || b || c
}

func (s *State) asked(id string) sentReq {
	if r, ok := s.sent[id]; ok {
		return r
	}
	return s.sent[altID(id)]
}

func (s *State) remember(id string, r sentReq) {
	if id == "" {
		return
	}
	if _, ok := s.sent[id]; !ok {
		s.sentOrder = append(s.sentOrder, id)
	}
	s.sent[id] = r
	if len(s.sentOrder) > maxSent {
		delete(s.sent, s.sentOrder[0])
		s.sentOrder = s.sentOrder[1:]
	}
}
