package rerun

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/fixture"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

// A run re-drives a recording against a server in a goroutine of its own
// (started by a command: no IO in Update) and hands what it learns to the
// dialog in batches, through ch. Ending ctx stops it.
type run struct {
	ch     chan event
	ctx    context.Context
	cancel context.CancelFunc
}

// event is one thing a run learned: the handshake's item, a request's
// item, or its end.
type event struct {
	handshake *fixture.Item
	item      *fixture.Item
	done      bool
	counts    fixture.Counts
	err       error
}

// progressMsg carries a run's events to its dialog.
type progressMsg struct {
	run    *run
	events []event
}

// maxBatch is how many events one message carries at most: a rerun of
// thousands of requests costs the UI a message per frame, not one each.
const maxBatch = 512

func newRun() *run {
	ctx, cancel := context.WithCancel(context.Background())
	return &run{ch: make(chan event, maxBatch), ctx: ctx, cancel: cancel}
}

// start is the command that starts the run and waits for its first
// events.
func (r *run) start(path string, cfg mcp.Config) tea.Cmd {
	return func() tea.Msg {
		go r.do(path, cfg)
		return r.next()()
	}
}

// next waits for the run's next events (nil once it ended).
func (r *run) next() tea.Cmd {
	return func() tea.Msg {
		e, ok := <-r.ch
		if !ok {
			return nil
		}
		msg := progressMsg{run: r, events: []event{e}}
		for len(msg.events) < maxBatch {
			select {
			case e, ok := <-r.ch:
				if !ok {
					return msg
				}
				msg.events = append(msg.events, e)
			default:
				return msg
			}
		}
		return msg
	}
}

// send hands e to the dialog, unless the run was stopped.
func (r *run) send(e event) error {
	select {
	case r.ch <- e:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// do is the run: open and index the recording, dial the target as the
// recorded client, re-send the requests.
func (r *run) do(path string, cfg mcp.Config) {
	defer close(r.ch)
	counts, err := r.rerun(path, cfg)
	if errors.Is(err, context.Canceled) {
		return
	}
	r.send(event{done: true, counts: counts, err: err})
}

func (r *run) rerun(path string, cfg mcp.Config) (fixture.Counts, error) {
	rd, err := store.Open(path)
	if err != nil {
		return fixture.Counts{}, err
	}
	defer rd.Close()
	ix, err := fixture.NewIndex(r.ctx, rd, 0)
	if err != nil {
		return fixture.Counts{}, err
	}
	rr := fixture.NewRerun(ix, fixture.RerunOptions{Rules: fixture.DefaultRules(), Writer: writer{r}})
	rr.Configure(&cfg)
	s, err := mcp.Dial(r.ctx, cfg)
	if err != nil {
		return fixture.Counts{}, fmt.Errorf("connecting to %s: %w", cfg.Target(), err)
	}
	defer s.Close()
	rep, err := rr.Run(r.ctx, s, path, cfg.Target())
	return rep.Counts, err
}

// writer is the rerun's report writer: it sends each item to the dialog.
type writer struct{ r *run }

func (w writer) Start(rep *fixture.Report) error {
	h := rep.Handshake
	return w.r.send(event{handshake: &h})
}

func (w writer) Item(it *fixture.Item) error {
	c := *it
	return w.r.send(event{item: &c})
}

func (w writer) Finish(*fixture.Report) error { return nil }
