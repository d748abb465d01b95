package ui

import (
	"context"
	"encoding/json"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// Tasks (protocol.md §4.8): a tools/call may come back as a task handle
// (2025-11-25 CreateTaskResult when the call asked for one, or a 2026
// tasks-extension result the server chose). The tasks view lists every
// task seen in the events (so replays show them), with status, status
// message, elapsed time, polls and progress; a live session follows the
// UI's own tasks to their end (Session.AwaitTask) and shows the final
// result in the work pane.

// taskFollow is what the UI adds to a task of the state when its own call
// turned into it (live): the call, and the following.
type taskFollow struct {
	call        *call              // the user's call that made it
	stopFollow  context.CancelFunc // ends AwaitTask
	cancelAsked bool
}

// ---- following a task (live) ----

// tasker is the part of a live session that follows tasks;
// *mcp.Session implements it.
type tasker interface {
	AwaitTask(ctx context.Context, t *mcp.Task, onUpdate func(mcp.Task)) (json.RawMessage, error)
	CancelTask(ctx context.Context, id string) error
}

var (
	_ tasker      = (*mcp.Session)(nil)
	_ levelSetter = (*mcp.Session)(nil)
	_ subscriber  = (*mcp.Session)(nil)
	_ Backend     = (*mcp.Session)(nil)
)

// taskDoneMsg is the end of a task the UI followed.
type taskDoneMsg struct {
	id     string
	result json.RawMessage
	err    error
}

// taskCancelMsg reports how asking to cancel a task went.
type taskCancelMsg struct {
	id  string
	err error
}

// taskFollower follows the tasks the user's calls turned into (live): its
// record of each (the call, how to stop following, whether cancelling
// was asked), the wait for its end and what the end shows. Its
// collaborators are given: the state the tasks are in, the connection
// that waits and cancels, the panes that show them, the status line, and
// the clock (com.Now).
type taskFollower struct {
	follows map[string]*taskFollow // by task id
	s       *session.State
	conn    *connection
	panes   *paneSet
	flash   *flashLine
	com     *common.Common
}

// recordOf is the UI's record of a task (zero when it does not follow
// it).
func (f *taskFollower) recordOf(t *session.Task) taskFollow {
	if r := f.follows[t.ID]; r != nil {
		return *r
	}
	return taskFollow{}
}

// record returns the UI's record of a task it follows, adding one.
func (f *taskFollower) record(id string) *taskFollow {
	r := f.follows[id]
	if r == nil {
		r = &taskFollow{}
		f.follows[id] = r
	}
	return r
}

// taskOf is the task the user's call turned into, if any.
func (f *taskFollower) taskOf(c *call) *session.Task {
	if c == nil {
		return nil
	}
	for _, t := range f.s.Tasks {
		if f.recordOf(t).call == c {
			return t
		}
	}
	return nil
}

// stop stops following every task (the UI ends).
func (f *taskFollower) stop() {
	for _, r := range f.follows {
		if r.stopFollow != nil {
			r.stopFollow()
		}
	}
}

// follow starts following a task handle returned to the user's call; the
// command waits for its end (nil: this session cannot follow tasks).
func (f *taskFollower) follow(c *call, h *mcp.Task) tea.Cmd {
	// (the handle's answer event made the task already; this fills in what
	// a server left out)
	t := f.s.UpsertTask(h.ID, f.com.Now)
	f.panes.tasks.Sync()
	f.record(t.ID).call = c
	t.Extension = h.Extension
	if t.Method == "" {
		t.Method, t.Subject = c.method, c.subject
	}
	if t.Status == "" || t.Status == "working" && h.Status != "" {
		t.Status = h.Status
	}
	if h.PollInterval > 0 && t.Poll == 0 {
		t.Poll = h.PollInterval
	}
	tk, ok := f.conn.sess.(tasker)
	if !ok {
		f.flash.set("this session cannot follow tasks", true)
		return nil
	}
	ctx, stop := context.WithCancel(f.conn.ctx)
	f.record(t.ID).stopFollow = stop
	handle := *h
	return func() tea.Msg {
		defer stop()
		res, err := tk.AwaitTask(ctx, &handle, nil)
		return taskDoneMsg{id: handle.ID, result: res, err: err}
	}
}

// done ends a followed task: its result, status and end in the state,
// the result in the work pane if its call is shown there, and a word on
// the status line.
func (f *taskFollower) done(msg taskDoneMsg) {
	t := f.s.Task(msg.id)
	if t == nil {
		return
	}
	f.record(t.ID).stopFollow = nil
	if !t.Done || msg.result != nil || msg.err != nil {
		t.Result, t.Err, t.Done = msg.result, msg.err, true
	}
	if msg.err == context.Canceled {
		t.Err = fmt.Errorf("sonde stopped following task %s (it may still run on the server)", t.ID)
	}
	if !t.Terminal() {
		t.Status = "completed"
		if msg.err != nil {
			t.Status = "failed"
			if f.recordOf(t).cancelAsked {
				t.Status = "cancelled"
			}
		}
		t.Ended = f.com.Now
	}
	if c := f.recordOf(t).call; c != nil && f.panes.work.Active() == work.Call(c) {
		f.panes.work.ShowResult(taskResult(t, c, f.panes.br))
	}
	switch {
	case t.Err != nil:
		f.flash.set("task "+shortID(t.ID)+" "+t.Status+": "+describeErr(t.Err), true)
	default:
		f.flash.set("task "+shortID(t.ID)+" completed: "+t.Subject+" (enter in the tasks view opens it)", false)
	}
}

// cancel asks the server to cancel a task; asked twice, sonde stops
// following it instead.
func (f *taskFollower) cancel(t *session.Task) tea.Cmd {
	if t.Terminal() {
		f.flash.set("task "+shortID(t.ID)+" has already ended ("+t.Status+")", true)
		return nil
	}
	if f.recordOf(t).cancelAsked && f.recordOf(t).stopFollow != nil {
		f.recordOf(t).stopFollow()
		f.flash.set("stopped following task "+shortID(t.ID), false)
		return nil
	}
	if !f.conn.canAct() {
		f.flash.set(f.conn.whyNot(), true)
		return nil
	}
	tk, ok := f.conn.sess.(tasker)
	if !ok {
		f.flash.set("this session cannot cancel tasks", true)
		return nil
	}
	f.record(t.ID).cancelAsked = true
	f.flash.set("cancelling task "+shortID(t.ID)+" (tasks/cancel); x again stops following it", false)
	ctx, id := f.conn.ctx, t.ID
	return func() tea.Msg { return taskCancelMsg{id: id, err: tk.CancelTask(ctx, id)} }
}

// outcome is what the status line says of asking to cancel a task, and
// whether it failed.
func (msg taskCancelMsg) outcome() (string, bool) {
	if msg.err != nil {
		return "tasks/cancel " + shortID(msg.id) + ": " + describeErr(msg.err), true
	}
	return "the server accepted cancelling task " + shortID(msg.id), false
}

// ---- the view ----

// open shows task id's result in the work pane, or the call still
// waiting for it (the tasks pane's Open), and reports whether the work
// pane shows it (false: a word on the status line says why not).
func (f *taskFollower) open(id string) bool {
	t := f.s.Task(id)
	if t == nil {
		return false
	}
	switch r := f.recordOf(t); {
	case t.Done:
		f.panes.work.ShowResult(taskResult(t, r.call, f.panes.br))
		return true
	case r.call != nil && !r.call.done || r.call != nil && r.stopFollow != nil:
		f.panes.work.WaitFor(r.call)
		return true
	}
	f.flash.set("task "+shortID(t.ID)+" has no result yet", true)
	return false
}

// taskResult is a finished task's result for the work pane; c is the
// user's call that became the task (nil: a task the UI did not start),
// whose tool, else the browser's (br), gives the output schema.
func taskResult(t *session.Task, c *call, br *browser.Pane) *work.Result {
	var out json.RawMessage
	if c != nil && c.item != nil {
		out = c.item.OutputSchema
	} else if it := br.Find(listTools, t.Subject); it != nil {
		out = it.OutputSchema
	}
	took := t.Ended.Sub(t.Seen)
	if t.Ended.IsZero() {
		took = 0
	}
	r := work.NewResult(t.Method, termsafe.Line(t.Subject)+" · task "+shortID(t.ID), t.Result, t.Err, took, out)
	if c != nil {
		r.Call = c
	}
	return r
}
