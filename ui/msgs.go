package ui

import (
	"context"
	"encoding/json"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
)

// Every message the root model handles that is not a Bubble Tea message.

// feedMsg says the feed has events (and a change of the state) to take.
type feedMsg struct{}

// eventsMsg hands the model events that no feed applied yet (tests, and
// models with no session and no replay): Update folds them into the state
// itself, then takes them as a feed's batch.
type eventsMsg []mcp.Event

// connectedMsg is the outcome of dialling.
type connectedMsg struct {
	gen  int
	sess Backend
	err  error
	// auth is the session's sign-in (nil: none), for "refresh now".
	auth mcp.OAuthHandler
	// lists are the listings started as soon as the session was up (see
	// startListings): connected waits for them instead of asking again.
	lists inflight
}

// listDoneMsg ends a listing of all pages. The items themselves arrive
// through the events (the responses), so replay rebuilds the browsers the
// same way.
type listDoneMsg struct {
	kind listKind
	err  error
}

// callDoneMsg is the answer to a call the user made.
type callDoneMsg struct {
	call   *call
	result json.RawMessage
	err    error
	took   time.Duration
}

// tickMsg refreshes ages and elapsed times.
type tickMsg time.Time

// flashMsg shows a short note in the footer.
type flashMsg struct {
	text string
	err  bool
}

// serverRequestMsg is a request from the server (sampling, elicitation,
// roots) that the user answers: it crossed from the session's goroutine
// through a channel, and the answer goes back through reply.
type serverRequestMsg struct {
	req   *mcp.ServerRequest
	ctx   context.Context
	reply chan<- serverreq.Answer
}

// serverRequestsMsg is a batch of server requests drained from the feed in
// one go: a burst costs one frame, not one per request.
type serverRequestsMsg []serverRequestMsg

// Backend is what the UI needs from a live session; *mcp.Session
// implements it. A model without one (replay) disables actions that need
// the server.
type Backend interface {
	Call(ctx context.Context, method string, params any, opts ...mcp.CallOption) (json.RawMessage, error)
	Notify(ctx context.Context, method string, params any) error
	Close() error
}

// maxBatch bounds the events one Update takes from the feed, so a flood
// never starves key handling: between two batches, Bubble Tea handles
// whatever else is queued (and draws a frame). At a take every frameEvery
// it lets the log keep up with 245,000 events a second.
const maxBatch = 4096

// frameEvery is the shortest time between two takes from the feed: under
// a flood the screen draws at most this often, and the events gather in
// the feed meanwhile (the session never waits for the screen).
const frameEvery = time.Second / 60

// pump feeds a replay's events into the feed, as a session's OnEvent
// would, until the channel is closed (in a command: it runs for the whole
// replay).
func pump(ch <-chan mcp.Event, f *feed) tea.Cmd {
	if ch == nil || f == nil {
		return nil
	}
	return func() tea.Msg {
		for {
			select {
			case e, ok := <-ch:
				if !ok {
					f.End()
					return nil
				}
				f.Push(e)
			case <-f.Done():
				return nil
			}
		}
	}
}

// listenRequests waits for the next server request, then drains those
// already waiting (a burst arrives from one goroutine per request, each
// blocked on the channel). Update re-arms it after every batch.
func listenRequests(ch <-chan serverRequestMsg) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		r, ok := <-ch
		if !ok {
			return nil
		}
		batch := serverRequestsMsg{r}
		for len(batch) < maxBatch {
			select {
			case r, ok := <-ch:
				if !ok {
					return batch
				}
				batch = append(batch, r)
			default:
				return batch
			}
		}
		return batch
	}
}

// feed connects a session (or a replay) to the UI. Its session.Feed is
// Config.OnEvent: every event goes to the recorder (the tee) and into the
// model's state at once, and waits for the UI in a bounded window, so the
// session never waits for the UI. Config.Handler turns server requests
// into messages and waits for the user's answer.
type feed struct {
	*session.Feed
	reqs chan serverRequestMsg
}

func newFeed(st *session.State, window int, tee func(mcp.Event)) *feed {
	if window <= 0 {
		window = DefaultLogWindow
	}
	return &feed{Feed: session.NewFeed(st, window, tee), reqs: make(chan serverRequestMsg, 16)}
}

// push is Config.OnEvent.
func (f *feed) push(e mcp.Event) { f.Push(e) }

// handle is Config.Handler: every request goes to the UI, which answers
// roots/list at once from its roots and asks the user about the rest.
func (f *feed) handle(ctx context.Context, req *mcp.ServerRequest) (any, error) {
	reply := make(chan serverreq.Answer, 1)
	select {
	case f.reqs <- serverRequestMsg{req: req, ctx: ctx, reply: reply}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.Done():
		return nil, &mcp.RPCError{Code: mcp.CodeInternalError, Message: "sonde's UI has closed"}
	}
	select {
	case a := <-reply:
		return a.Result, a.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.Done():
		return nil, &mcp.RPCError{Code: mcp.CodeInternalError, Message: "sonde's UI has closed"}
	}
}

// close ends the feed (pushes only reach the recorder afterwards); it is
// safe to call twice.
func (f *feed) close() { f.Close() }
