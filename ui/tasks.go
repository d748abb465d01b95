package ui

import (
	"context"
	"encoding/json"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
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

// followTask starts following a task handle returned to the user's call.
func (m *Model) followTask(c *call, h *mcp.Task) tea.Cmd {
	// (the handle's answer event made the task already; this fills in what
	// a server left out)
	t := m.s.UpsertTask(h.ID, m.look.com.Now)
	m.panes.tasks.Sync()
	m.calls.follow(t.ID).call = c
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
	tk, ok := m.conn.sess.(tasker)
	if !ok {
		m.flash.set("this session cannot follow tasks", true)
		return nil
	}
	ctx, stop := context.WithCancel(m.conn.ctx)
	m.calls.follow(t.ID).stopFollow = stop
	handle := *h
	return tea.Batch(func() tea.Msg {
		defer stop()
		res, err := tk.AwaitTask(ctx, &handle, nil)
		return taskDoneMsg{id: handle.ID, result: res, err: err}
	}, m.tick())
}

func (m *Model) taskDone(msg taskDoneMsg) tea.Cmd {
	t := m.s.Task(msg.id)
	if t == nil {
		return nil
	}
	m.calls.follow(t.ID).stopFollow = nil
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
			if m.calls.followOf(t).cancelAsked {
				t.Status = "cancelled"
			}
		}
		t.Ended = m.look.com.Now
	}
	if c := m.calls.followOf(t).call; c != nil && m.panes.work.Active() == work.Call(c) {
		m.panes.work.ShowResult(taskResult(t, m.calls.followOf(t).call, m.panes.br))
	}
	switch {
	case t.Err != nil:
		m.flash.set("task "+shortID(t.ID)+" "+t.Status+": "+describeErr(t.Err), true)
	default:
		m.flash.set("task "+shortID(t.ID)+" completed: "+t.Subject+" (enter in the tasks view opens it)", false)
	}
	return nil
}

// cancelTask asks the server to cancel a task; asked twice, sonde stops
// following it instead.
func (m *Model) cancelTask(t *session.Task) tea.Cmd {
	if t.Terminal() {
		m.flash.set("task "+shortID(t.ID)+" has already ended ("+t.Status+")", true)
		return nil
	}
	if m.calls.followOf(t).cancelAsked && m.calls.followOf(t).stopFollow != nil {
		m.calls.followOf(t).stopFollow()
		m.flash.set("stopped following task "+shortID(t.ID), false)
		return nil
	}
	if !m.conn.canAct() {
		m.flash.set(m.conn.whyNot(), true)
		return nil
	}
	tk, ok := m.conn.sess.(tasker)
	if !ok {
		m.flash.set("this session cannot cancel tasks", true)
		return nil
	}
	m.calls.follow(t.ID).cancelAsked = true
	m.flash.set("cancelling task "+shortID(t.ID)+" (tasks/cancel); x again stops following it", false)
	ctx, id := m.conn.ctx, t.ID
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

// openTask shows task id's result in the work pane, or the call still
// waiting for it (the tasks pane's Open).
func (m *Model) openTask(id string) tea.Cmd {
	t := m.s.Task(id)
	if t == nil {
		return nil
	}
	switch f := m.calls.followOf(t); {
	case t.Done:
		m.panes.work.ShowResult(taskResult(t, m.calls.followOf(t).call, m.panes.br))
		return m.setFocus(paneWork)
	case f.call != nil && !f.call.done || f.call != nil && f.stopFollow != nil:
		m.panes.work.WaitFor(f.call)
		return m.setFocus(paneWork)
	}
	m.flash.set("task "+shortID(t.ID)+" has no result yet", true)
	return nil
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
