package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// Tasks (protocol.md §4.8): a tools/call may come back as a task handle
// (2025-11-25 CreateTaskResult when the call asked for one, or a 2026
// tasks-extension result the server chose). The tasks view lists every
// task seen in the events (so replays show them), with status, status
// message, elapsed time, polls and progress; a live session follows the
// UI's own tasks to their end (Session.AwaitTask) and shows the final
// result in the work pane.

// taskEntry is one task as the UI knows it.
type taskEntry struct {
	id        string
	status    string
	statusMsg string
	method    string
	subject   string
	token     string // the originating request's progress token
	ext       bool   // 2026 tasks extension
	seen      time.Time
	ended     time.Time
	poll      time.Duration
	polls     int

	progress, total float64
	progMsg         string
	hasProg         bool

	result json.RawMessage
	err    error
	done   bool // the final result (or error) is known

	call        *call              // the user's call that made it (live)
	stopFollow  context.CancelFunc // ends AwaitTask
	cancelAsked bool
}

func (t *taskEntry) terminal() bool {
	switch t.status {
	case "completed", "failed", "cancelled":
		return true
	}
	return false
}

func (m *Model) taskByID(id string) *taskEntry {
	for _, t := range m.tasks {
		if t.id == id {
			return t
		}
	}
	return nil
}

// upsertTask finds or adds the task with id.
func (m *Model) upsertTask(id string, at time.Time) *taskEntry {
	if t := m.taskByID(id); t != nil {
		return t
	}
	t := &taskEntry{id: id, seen: at, status: "working"}
	m.tasks = append(m.tasks, t)
	if len(m.tasks) > 500 {
		m.tasks = m.tasks[1:]
	}
	m.taskList.grew(len(m.tasks))
	return t
}

// applyTask updates a task from a Task object (a handle, tasks/get,
// tasks/cancel, a status notification).
func (m *Model) applyTask(id string, f mcp.TaskDetail, at time.Time) *taskEntry {
	if f.ID != "" {
		id = f.ID
	}
	if id == "" {
		return nil
	}
	t := m.upsertTask(id, at)
	if f.Status != "" && f.Status != t.status {
		t.status = termsafe.Line(f.Status)
		if t.terminal() && t.ended.IsZero() {
			t.ended = at
		}
	}
	if f.StatusMessage != "" || f.Status != "" {
		t.statusMsg = termsafe.Line(f.StatusMessage)
	}
	if f.PollInterval > 0 {
		t.poll = f.PollInterval
	}
	if len(f.Result) > 0 && string(f.Result) != "null" && t.status == "completed" && !t.done {
		t.result, t.done = f.Result, true
	}
	if f.Error != nil && t.status == "failed" && !t.done {
		t.err, t.done = f.Error, true
	}
	return t
}

// taskEvent folds the task traffic of one message event into the tasks.
// It runs before the response's flight is forgotten, so a new task
// inherits its request's method, subject and progress token.
func (m *Model) taskEvent(e *mcp.Event) {
	switch {
	case e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest && strings.HasPrefix(e.Method, "tasks/"):
		var r struct {
			Params struct {
				TaskID string `json:"taskId"`
			} `json:"params"`
		}
		json.Unmarshal(e.Raw, &r)
		if t := m.taskByID(r.Params.TaskID); t != nil && e.Method == "tasks/get" {
			t.polls++
		}
	case e.Dir == mcp.DirIn && e.RPC == mcp.RPCResponse && e.ReqMethod == "tools/call" && bytes.Contains(e.Raw, []byte(`"taskId"`)):
		// (the byte check keeps large ordinary results from being parsed twice)
		var msg struct {
			Result json.RawMessage `json:"result"`
		}
		json.Unmarshal(e.Raw, &msg)
		h, ok := mcp.TaskOf(msg.Result)
		if !ok {
			return
		}
		t := m.applyTask(h.ID, mcp.TaskDetail{Task: *h}, e.Time)
		t.ext = h.Extension
		if fl := m.flights[e.ID]; fl != nil {
			t.method, t.subject, t.token = fl.method, fl.subject, fl.token
			if !fl.start.IsZero() {
				t.seen = fl.start
			}
		}
		if t.method == "" {
			t.method = "tools/call"
		}
	case e.Dir == mcp.DirIn && (e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse) && strings.HasPrefix(e.ReqMethod, "tasks/"):
		id := m.reqInfo[e.ID].taskID
		var msg struct {
			Result json.RawMessage `json:"result"`
			Error  *mcp.RPCError   `json:"error"`
		}
		json.Unmarshal(e.Raw, &msg)
		switch e.ReqMethod {
		case "tasks/get", "tasks/cancel":
			if msg.Error == nil {
				m.applyTask(id, mcp.DecodeTaskDetail(msg.Result, false), e.Time)
			}
		case "tasks/result":
			if t := m.taskByID(id); t != nil && !t.done {
				t.done = true
				if msg.Error != nil {
					t.err = msg.Error
				} else {
					t.result = msg.Result
				}
				if !t.terminal() {
					t.status = "completed"
					if msg.Error != nil {
						t.status = "failed"
					}
					t.ended = e.Time
				}
			}
		}
	case e.Dir == mcp.DirIn && e.RPC == mcp.RPCNotification && (e.Method == "notifications/tasks/status" || e.Method == "notifications/tasks"):
		var n struct {
			Params json.RawMessage `json:"params"`
		}
		if json.Unmarshal(e.Raw, &n) == nil {
			m.applyTask("", mcp.DecodeTaskDetail(n.Params, e.Method == "notifications/tasks"), e.Time)
		}
	}
}

// taskProgress applies a progress notification to the tasks whose
// request carried its token.
func (m *Model) taskProgress(tok string, p, total float64, msg string) {
	for _, t := range m.tasks {
		if t.token != "" && t.token == tok {
			t.progress, t.total, t.progMsg, t.hasProg = p, total, msg, true
		}
	}
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
	t := m.upsertTask(h.ID, m.now)
	t.call, t.ext = c, h.Extension
	if t.method == "" {
		t.method, t.subject = c.method, c.subject
	}
	if t.status == "" || t.status == "working" && h.Status != "" {
		t.status = termsafe.Line(h.Status)
	}
	if h.PollInterval > 0 && t.poll == 0 {
		t.poll = h.PollInterval
	}
	tk, ok := m.sess.(tasker)
	if !ok {
		m.setFlash("this session cannot follow tasks", true)
		return nil
	}
	ctx, stop := context.WithCancel(m.ctx)
	t.stopFollow = stop
	handle := *h
	return tea.Batch(func() tea.Msg {
		defer stop()
		res, err := tk.AwaitTask(ctx, &handle, nil)
		return taskDoneMsg{id: handle.ID, result: res, err: err}
	}, m.tick())
}

func (m *Model) taskDone(msg taskDoneMsg) tea.Cmd {
	t := m.taskByID(msg.id)
	if t == nil {
		return nil
	}
	t.stopFollow = nil
	if !t.done || msg.result != nil || msg.err != nil {
		t.result, t.err, t.done = msg.result, msg.err, true
	}
	if msg.err == context.Canceled {
		t.err = fmt.Errorf("sonde stopped following task %s (it may still run on the server)", t.id)
	}
	if !t.terminal() {
		t.status = "completed"
		if msg.err != nil {
			t.status = "failed"
			if t.cancelAsked {
				t.status = "cancelled"
			}
		}
		t.ended = m.now
	}
	if t.call != nil && m.work.active == t.call {
		m.showTaskResult(t)
	}
	switch {
	case t.err != nil:
		m.setFlash("task "+shortID(t.id)+" "+t.status+": "+describeErr(t.err), true)
	default:
		m.setFlash("task "+shortID(t.id)+" completed: "+t.subject+" (enter in the tasks view opens it)", false)
	}
	return nil
}

// showTaskResult opens a finished task's result in the work pane.
func (m *Model) showTaskResult(t *taskEntry) {
	var out json.RawMessage
	if t.call != nil && t.call.item != nil {
		out = t.call.item.outputSchema
	} else if it := m.findItem(listTools, t.subject); it != nil {
		out = it.outputSchema
	}
	took := t.ended.Sub(t.seen)
	if t.ended.IsZero() {
		took = 0
	}
	r := newResult(t.method, t.subject+" · task "+shortID(t.id), t.result, t.err, took, out)
	r.call = t.call
	m.work.showResult(r)
}

// cancelTask asks the server to cancel a task; asked twice, sonde stops
// following it instead.
func (m *Model) cancelTask(t *taskEntry) tea.Cmd {
	if t.terminal() {
		m.setFlash("task "+shortID(t.id)+" has already ended ("+t.status+")", true)
		return nil
	}
	if t.cancelAsked && t.stopFollow != nil {
		t.stopFollow()
		m.setFlash("stopped following task "+shortID(t.id), false)
		return nil
	}
	if !m.canAct() {
		return m.needServer()
	}
	tk, ok := m.sess.(tasker)
	if !ok {
		m.setFlash("this session cannot cancel tasks", true)
		return nil
	}
	t.cancelAsked = true
	m.setFlash("cancelling task "+shortID(t.id)+" (tasks/cancel); x again stops following it", false)
	ctx, id := m.ctx, t.id
	return func() tea.Msg { return taskCancelMsg{id: id, err: tk.CancelTask(ctx, id)} }
}

func (m *Model) taskCancelled(msg taskCancelMsg) {
	if msg.err != nil {
		m.setFlash("tasks/cancel "+shortID(msg.id)+": "+describeErr(msg.err), true)
		return
	}
	m.setFlash("the server accepted cancelling task "+shortID(msg.id), false)
}

// taskForCall is the task the user's call turned into, if any.
func (m *Model) taskForCall(c *call) *taskEntry {
	if c == nil {
		return nil
	}
	for _, t := range m.tasks {
		if t.call == c {
			return t
		}
	}
	return nil
}

func shortID(id string) string {
	id = termsafe.Line(id)
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}

// ---- the view ----

func taskIcon(st *Styles, status string) string {
	switch status {
	case "working":
		return st.Warn.Render("◌")
	case "input_required":
		return st.Accent2.Render("?")
	case "completed":
		return st.OK.Render("✓")
	case "failed":
		return st.Err.Render("✗")
	case "cancelled":
		return st.Muted.Render("○")
	}
	return st.Muted.Render("·")
}

func (m *Model) tasksTitle() string {
	working := 0
	for _, t := range m.tasks {
		if !t.terminal() {
			working++
		}
	}
	s := fmt.Sprintf("Tasks %d", len(m.tasks))
	if working > 0 {
		s += fmt.Sprintf(" (%d running)", working)
	}
	return s
}

func (m *Model) renderTasks(w, h int, focused bool) []string {
	st := m.st
	l := &m.taskList
	l.rows = h
	l.clamp(len(m.tasks))
	if len(m.tasks) == 0 {
		return []string{st.Muted.Render("no tasks yet · alt+r in a tool's form calls it as a task (when the tool allows it)")}
	}
	var out []string
	for i := l.offset; i < len(m.tasks) && len(out) < h; i++ {
		t := m.tasks[i]
		end := m.now
		if !t.ended.IsZero() {
			end = t.ended
		}
		el := max(0, end.Sub(t.seen))
		facts := []string{shortDur(el)}
		if t.polls > 0 {
			facts = append(facts, fmt.Sprintf("polled %d", t.polls))
		}
		if t.poll > 0 {
			facts = append(facts, "every "+fmtTook(t.poll))
		}
		if t.hasProg && t.total > 0 {
			facts = append(facts, fmt.Sprintf("%d%%", int(100*t.progress/t.total)))
		}
		if t.done && (t.result != nil || t.err != nil) {
			facts = append(facts, "result ready")
		}
		msg := t.statusMsg
		if msg == "" && t.hasProg {
			msg = t.progMsg
		}
		text := padRight(ansi.Truncate(shortID(t.id), 13, "…"), 13) + " " + padRight(ansi.Truncate(t.status, 14, ""), 14) + " " +
			ansi.Truncate(strings.TrimSpace(t.method+" "+t.subject), max(10, w/4), "…") + "  " + strings.Join(facts, " · ")
		if msg != "" {
			text += "  " + msg
		}
		if i == l.cursor {
			plain := padRight(ansi.Truncate(text, w-2, "…"), w-2)
			if focused {
				out = append(out, taskIcon(st, t.status)+" "+st.Selected.Render(plain))
			} else {
				out = append(out, taskIcon(st, t.status)+" "+st.SelectedBlur.Render(plain))
			}
			continue
		}
		out = append(out, taskIcon(st, t.status)+" "+st.Text.Render(ansi.Truncate(text, w-2, "…")))
	}
	return out
}

// tasksKey handles keys in the tasks view.
func (m *Model) tasksKey(msg tea.KeyPressMsg) tea.Cmd {
	l := &m.taskList
	if l.nav(msg, m.keys.Nav, len(m.tasks)) {
		return nil
	}
	if l.cursor < 0 || l.cursor >= len(m.tasks) {
		return nil
	}
	t := m.tasks[l.cursor]
	switch {
	case key.Matches(msg, m.keys.Log.Cancel):
		return m.cancelTask(t)
	case key.Matches(msg, m.keys.Log.Detail):
		switch {
		case t.done:
			m.showTaskResult(t)
			return m.setFocus(paneWork)
		case t.call != nil && !t.call.done || t.call != nil && t.stopFollow != nil:
			m.work.waitFor(t.call)
			return m.setFocus(paneWork)
		default:
			m.setFlash("task "+shortID(t.id)+" has no result yet", true)
		}
	}
	return nil
}

// taskWaitLines describe a task in the work pane while it runs.
func (m *Model) taskWaitLines(t *taskEntry, w int) []string {
	st := m.st
	kind := "2025-11-25 task"
	if t.ext {
		kind = "2026 tasks extension"
	}
	out := []string{"", taskIcon(st, t.status) + " " + st.Text.Render(ansi.Truncate("task "+shortID(t.id)+" · "+t.status, max(0, w-2), "…"))}
	facts := []string{kind}
	if t.polls > 0 {
		facts = append(facts, fmt.Sprintf("polled %d time(s)", t.polls))
	}
	if t.poll > 0 {
		facts = append(facts, "poll every "+fmtTook(t.poll))
	}
	out = append(out, st.Muted.Render(ansi.Truncate(strings.Join(facts, " · "), w, "…")))
	if t.statusMsg != "" {
		for _, l := range wrapLines(t.statusMsg, w) {
			out = append(out, st.Text.Render(l))
		}
	}
	if t.status == "input_required" {
		out = append(out, st.Accent2.Render("the task needs your input: answer the dialog"))
	}
	if t.hasProg {
		out = append(out, progressLines(st, t.progress, t.total, t.progMsg, w)...)
	}
	return out
}
