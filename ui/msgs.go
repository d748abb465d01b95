package ui

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
)

// Every message the root model handles that is not a Bubble Tea message.

// eventsMsg is a batch of events drained from the feed in one go: at most
// one render per burst.
type eventsMsg []mcp.Event

// streamClosedMsg says the event channel was closed (the end of a replay,
// or the UI shutting down).
type streamClosedMsg struct{}

// connectedMsg is the outcome of dialling.
type connectedMsg struct {
	gen  int
	sess Backend
	err  error
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
	reply chan<- serverAnswer
}

// serverAnswer is the user's answer to a server request.
type serverAnswer struct {
	result any
	err    error
}

// Backend is what the UI needs from a live session; *mcp.Session
// implements it. A model without one (replay) disables actions that need
// the server.
type Backend interface {
	Call(ctx context.Context, method string, params any, opts ...mcp.CallOption) (json.RawMessage, error)
	Notify(ctx context.Context, method string, params any) error
	Close() error
}

// maxBatch bounds one eventsMsg so a flood never starves key handling:
// between two batches, Bubble Tea handles whatever else is queued.
const maxBatch = 1024

// listen blocks for the next event, then drains what is already queued.
// Update re-arms it after every eventsMsg.
func listen(ch <-chan mcp.Event) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return streamClosedMsg{}
		}
		batch := make(eventsMsg, 1, 64)
		batch[0] = e
		for len(batch) < maxBatch {
			select {
			case e, ok := <-ch:
				if !ok {
					return batch
				}
				batch = append(batch, e)
			default:
				return batch
			}
		}
		return batch
	}
}

// listenRequests waits for the next server request.
func listenRequests(ch <-chan serverRequestMsg) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		r, ok := <-ch
		if !ok {
			return nil
		}
		return r
	}
}

// feed connects a session to the UI: Config.OnEvent pushes into a bounded
// channel (blocking briefly for backpressure, never after the UI is gone),
// and Config.Handler turns server requests into messages and waits for the
// user's answer.
type feed struct {
	ch   chan mcp.Event
	reqs chan serverRequestMsg
	done chan struct{}
	once sync.Once
	tee  func(mcp.Event)
}

func newFeed(capacity int, tee func(mcp.Event)) *feed {
	return &feed{ch: make(chan mcp.Event, capacity), reqs: make(chan serverRequestMsg, 16), done: make(chan struct{}), tee: tee}
}

// push is Config.OnEvent.
func (f *feed) push(e mcp.Event) {
	if f.tee != nil {
		f.tee(e)
	}
	select {
	case f.ch <- e:
	case <-f.done:
	}
}

// handle is Config.Handler: every request goes to the UI, which answers
// roots/list at once from its roots and asks the user about the rest.
func (f *feed) handle(ctx context.Context, req *mcp.ServerRequest) (any, error) {
	reply := make(chan serverAnswer, 1)
	select {
	case f.reqs <- serverRequestMsg{req: req, ctx: ctx, reply: reply}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.done:
		return nil, &mcp.RPCError{Code: mcp.CodeInternalError, Message: "sonde's UI has closed"}
	}
	select {
	case a := <-reply:
		return a.result, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.done:
		return nil, &mcp.RPCError{Code: mcp.CodeInternalError, Message: "sonde's UI has closed"}
	}
}

// close stops pushes from blocking; it is safe to call twice.
func (f *feed) close() { f.once.Do(func() { close(f.done) }) }
