package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/pane/srvlog"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// ---- the server log ----

func logEvents() *fx {
	f := &fx{at: t0.Add(time.Second)}
	f.note("notifications/message", `{"level":"debug","logger":"demo.calls","data":"tools/call echo"}`)
	f.note("notifications/message", `{"level":"info","logger":"demo","data":{"message":"hello","seq":1}}`)
	f.note("notifications/message", `{"level":"warning","data":{"disk":"95%"}}`)
	f.note("notifications/message", `{"level":"error","logger":"db","data":"connection lost\u001b[2J"}`)
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindStderr, Stream: "stderr", Text: "panic: nothing really"})
	return f
}

func TestServerLogView(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	m.update(eventsMsg(logEvents().evs))
	// the fixture session had one message already
	if n := m.s.Log.Len(); n != 6 {
		t.Fatalf("%d entries", n)
	}
	press(m, "M")
	if m.panes.logView != viewServerLog || m.screen.focus != paneLog {
		t.Fatalf("M: view %d focus %d", m.panes.logView, m.screen.focus)
	}
	s := plain(m)
	for _, want := range []string{"Server log 6 · ≥debug", "debug     demo.calls tools/call echo", "info      demo hello  {\"seq\":1}",
		`warning   {"disk":"95%"}`, "error     db connection lost", "stderr    panic: nothing really", "1 Wire"} {
		if !strings.Contains(s, want) {
			t.Errorf("server log lacks %q:\n%s", want, s)
		}
	}
	assertSafe(t, "server log", screen(m))
	// enter shows one message in full
	press(m, "k", "enter")
	if _, ok := m.dialogs.top().(*dialog.Reader); !ok || !strings.Contains(plain(m), "connection lost") {
		t.Fatalf("detail: %T", m.dialogs.top())
	}
	press(m, "esc")

	// L picks a level: the view filters (stderr always shows), the server is asked
	b := &fakeBackend{}
	m.conn.sess = b
	run(m, press(m, "L", "down", "down", "down", "enter")) // warning
	if m.panes.srvLog.Level() != "warning" || m.panes.srvLog.Asked() != "warning" {
		t.Fatalf("level: shown %s asked %q", m.panes.srvLog.Level(), m.panes.srvLog.Asked())
	}
	if len(b.calls) != 1 || b.calls[0] != "logging/setLevel" || string(b.params[0]) != `{"level":"warning"}` {
		t.Fatalf("calls %v %s", b.calls, b.params)
	}
	s = plain(m)
	if strings.Contains(s, "tools/call echo") || strings.Contains(s, "hello") || !strings.Contains(s, "95%") || !strings.Contains(s, "panic") {
		t.Fatalf("filter at warning:\n%s", s)
	}
	if !strings.Contains(s, "Server log 3/6 · ≥warning") {
		t.Fatalf("title:\n%s", s)
	}
	// a refused level is reported and not recorded
	b.errs = map[string]error{"logging/setLevel": &mcp.RPCError{Code: -32601, Message: "Method not found"}}
	run(m, press(m, "L", "up", "enter"))
	if m.panes.srvLog.Asked() != "warning" || !m.flash.err {
		t.Fatalf("refused level: asked %q flash %q", m.panes.srvLog.Asked(), m.flash.text)
	}
	// 1 goes back to the wire log; M toggles too
	press(m, "1")
	if m.panes.logView != viewWire {
		t.Fatal("1 did not show the wire log")
	}
	press(m, "M", "M")
	if m.panes.logView != viewWire {
		t.Fatal("M twice did not come back to the wire log")
	}
}

// The server log view follows the state's bounded log: what the state
// let go leaves the view, the rest stays in order, and a flood costs the
// same per message however long the log (it used to copy the whole log
// for every message past the bound).
func TestServerLogIsBounded(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	f := &fx{at: t0.Add(time.Minute), seq: 100}
	for i := range 3 * session.MaxServerLog {
		f.note("notifications/message", fmt.Sprintf(`{"level":"info","data":"m%d"}`, i))
	}
	for i := 0; i < len(f.evs); i += maxBatch {
		m.update(eventsMsg(f.evs[i:min(len(f.evs), i+maxBatch)]))
	}
	l := m.panes.srvLog
	if n := l.Shown(); n < session.MaxServerLog || n != m.s.Log.Len() {
		t.Fatalf("%d shown, the log holds %d", n, m.s.Log.Len())
	}
	if e := l.Selected(); e == nil || srvlog.Text(e) != fmt.Sprintf("m%d", 3*session.MaxServerLog-1) {
		t.Fatalf("following: selected %+v", e)
	}
	// the oldest shown is the oldest the state holds
	l.Update(keyMsg("g"))
	if e := l.Selected(); e == nil || srvlog.Text(e) != srvlog.Text(m.s.Log.At(m.s.Log.First())) {
		t.Fatalf("top: selected %+v, the log starts at %+v", e, m.s.Log.At(m.s.Log.First()))
	}
}

// ---- tasks ----

// taskLifecycle is a 2025-11-25 task as it crosses the wire: a
// task-augmented call, its handle, polls, progress, a status
// notification, and the result.
func taskLifecycle() *fx {
	f := &fx{at: t0.Add(time.Second)}
	f.req(40, "tools/call", `{"name":"slow_report","arguments":{},"task":{},"_meta":{"progressToken":40}}`)
	f.resp(40, "tools/call", `{"task":{"taskId":"t-report-1","status":"working","createdAt":"2026-11-22T10:30:01Z","lastUpdatedAt":"2026-11-22T10:30:01Z","ttl":null,"pollInterval":500}}`)
	f.req(41, "tasks/get", `{"taskId":"t-report-1"}`)
	f.resp(41, "tasks/get", `{"taskId":"t-report-1","status":"working","statusMessage":"crunching numbers","createdAt":"x","lastUpdatedAt":"y","ttl":null}`)
	f.note("notifications/progress", `{"progressToken":40,"progress":3,"total":4,"message":"step 3 of 4"}`)
	f.req(42, "tasks/get", `{"taskId":"t-report-1"}`)
	f.resp(42, "tasks/get", `{"taskId":"t-report-1","status":"input_required","statusMessage":"needs a name"}`)
	f.note("notifications/tasks/status", `{"taskId":"t-report-1","status":"working","statusMessage":"back at it"}`)
	f.req(43, "tasks/result", `{"taskId":"t-report-1"}`)
	return f
}

func TestTasksFromEvents(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	f := taskLifecycle()
	m.update(eventsMsg(f.evs))
	if len(m.s.Tasks) != 1 {
		t.Fatalf("%d tasks", len(m.s.Tasks))
	}
	tk := m.s.Tasks[0]
	if tk.ID != "t-report-1" || tk.Status != "working" || tk.StatusMessage != "back at it" || tk.Method != "tools/call" || tk.Subject != "slow_report" ||
		tk.Polls != 2 || tk.Poll != 500*time.Millisecond || !tk.HasProgress || tk.Progress != 3 || tk.Total != 4 || tk.Extension {
		t.Fatalf("task %+v", tk)
	}
	if len(m.s.Requests) != 1 { // tasks/result is still out
		t.Fatalf("flights %v", m.s.Requests)
	}
	press(m, "t")
	s := plain(m)
	for _, want := range []string{"Tasks 1 (1 running)", "t-report-1", "working", "tools/call slow_report", "polled 2", "every 500.0ms", "75%", "back at it"} {
		if !strings.Contains(s, want) {
			t.Errorf("tasks view lacks %q:\n%s", want, s)
		}
	}
	press(m, "enter")
	if !strings.Contains(m.flash.text, "no result yet") {
		t.Fatalf("enter on a running task: %q", m.flash.text)
	}
	f.resp(43, "tasks/result", `{"content":[{"type":"text","text":"report: 42 rows"}]}`)
	m.update(eventsMsg(f.evs[len(f.evs)-1:]))
	if tk.Status != "completed" || !tk.Done || !strings.Contains(plain(m), "Tasks 1  ") && !strings.Contains(plain(m), "result ready") {
		t.Fatalf("after tasks/result: %+v\n%s", tk, plain(m))
	}
	press(m, "enter")
	if m.panes.work.Mode() != work.ModeResult || m.screen.focus != paneWork || !strings.Contains(plain(m), "report: 42 rows") || !strings.Contains(plain(m), "task t-report-1") {
		t.Fatalf("enter on a finished task:\n%s", plain(m))
	}
}

func TestTasksExtensionFromEvents(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	f := &fx{at: t0.Add(time.Second)}
	f.req(50, "tools/call", `{"name":"echo","arguments":{"text":"x"}}`)
	f.resp(50, "tools/call", `{"resultType":"task","taskId":"ext-9","status":"working","createdAt":"a","lastUpdatedAt":"b","ttlMs":null,"pollIntervalMs":250}`)
	f.req(51, "tasks/get", `{"taskId":"ext-9"}`)
	f.resp(51, "tasks/get", `{"resultType":"complete","taskId":"ext-9","status":"failed","createdAt":"a","lastUpdatedAt":"c","error":{"code":-32603,"message":"the report broke"}}`)
	m.update(eventsMsg(f.evs))
	tk := m.s.Task("ext-9")
	if tk == nil || !tk.Extension || tk.Status != "failed" || !tk.Done || tk.Err == nil || tk.Poll != 250*time.Millisecond {
		t.Fatalf("task %+v", tk)
	}
	press(m, "t", "enter")
	if !strings.Contains(plain(m), "the report broke") {
		t.Fatalf("the failure is not shown:\n%s", plain(m))
	}
}

// taskBackend follows tasks like a session would.
type taskBackend struct {
	fakeBackend
	awaited   []string
	cancelled []string
	final     json.RawMessage
	finalErr  error
}

func (b *taskBackend) AwaitTask(ctx context.Context, t *mcp.Task, onUpdate func(mcp.Task)) (json.RawMessage, error) {
	b.awaited = append(b.awaited, t.ID)
	return b.final, b.finalErr
}

func (b *taskBackend) CancelTask(ctx context.Context, id string) error {
	b.cancelled = append(b.cancelled, id)
	return nil
}

const taskTools = `{"tools":[
 {"name":"slow_report","description":"A report that takes a while.","inputSchema":{"type":"object"},"execution":{"taskSupport":"required"}},
 {"name":"maybe_slow","inputSchema":{"type":"object"},"execution":{"taskSupport":"optional"}},
 {"name":"quick","inputSchema":{"type":"object"}}]}`

func taskModel(t *testing.T) (*Model, *taskBackend) {
	m := newTestModel(t, 120, 40, "")
	f := &fx{at: t0.Add(time.Second)}
	f.req(30, "tools/list", "")
	f.resp(30, "tools/list", taskTools)
	m.update(eventsMsg(f.evs))
	b := &taskBackend{}
	b.answers = map[string]json.RawMessage{"tools/call": json.RawMessage(`{"task":{"taskId":"t-77","status":"working","createdAt":"a","lastUpdatedAt":"a","ttl":60000,"pollInterval":1000}}`)}
	b.final = json.RawMessage(`{"content":[{"type":"text","text":"all done"}]}`)
	m.conn.sess = b
	return m, b
}

func openTool(t *testing.T, m *Model, name string) {
	t.Helper()
	m.setFocus(paneBrowser)
	m.panes.br.SetTab(listTools)
	for i, mt := range m.panes.br.Shown() {
		if mt.Name == name {
			m.panes.br.Select(i)
			press(m, "enter")
			return
		}
	}
	t.Fatalf("no tool %q", name)
}

func TestTaskAugmentedCalls(t *testing.T) {
	m, b := taskModel(t)
	if it := m.panes.br.Find(listTools, "slow_report"); it.TaskSupport != "required" {
		t.Fatalf("taskSupport %q", it.TaskSupport)
	}
	// required: every call is a task; the final result opens in the work pane
	openTool(t, m, "slow_report")
	if !strings.Contains(plain(m), "alt+r call as a task") {
		t.Errorf("the help line does not offer alt+r:\n%s", plain(m))
	}
	cmd := press(m, "ctrl+r")
	c := m.panes.work.Active().(*call)
	if c == nil || !c.asTask {
		t.Fatalf("a required-task tool was not called as a task: %+v", c)
	}
	run(m, cmd)
	if len(b.awaited) != 1 || b.awaited[0] != "t-77" {
		t.Fatalf("awaited %v", b.awaited)
	}
	tk := m.s.Task("t-77")
	if tk == nil || m.tasks.recordOf(tk).call != c || !tk.Done || tk.Status != "completed" {
		t.Fatalf("task %+v", tk)
	}
	if m.panes.work.Mode() != work.ModeResult || !strings.Contains(plain(m), "all done") || !strings.Contains(plain(m), "slow_report · task t-77") {
		t.Fatalf("final result not shown:\n%s", plain(m))
	}

	// optional: ctrl+r calls normally, alt+r as a task
	openTool(t, m, "maybe_slow")
	press(m, "ctrl+r")
	if m.panes.work.Active().(*call).asTask {
		t.Fatal("an optional-task tool became a task without asking")
	}
	openTool(t, m, "maybe_slow")
	press(m, "alt+r")
	if !m.panes.work.Active().(*call).asTask {
		t.Fatal("alt+r did not ask for a task")
	}
	// forbidden: alt+r asks first
	openTool(t, m, "quick")
	press(m, "alt+r")
	if _, ok := m.dialogs.top().(*dialog.Confirm); !ok {
		t.Fatalf("alt+r on a forbidden tool did not ask: %T", m.dialogs.top())
	}
	press(m, "y")
	if !m.panes.work.Active().(*call).asTask {
		t.Fatal("confirmed task call was not a task")
	}
	// 2026-07-28: the server decides
	m.s.Conn.Info.Era = "modern"
	openTool(t, m, "slow_report")
	press(m, "alt+r")
	if m.panes.work.Active().(*call).asTask || !strings.Contains(m.flash.text, "the server decides") {
		t.Fatalf("modern era: asTask %v flash %q", m.panes.work.Active().(*call).asTask, m.flash.text)
	}
}

// callSlowReport calls slow_report from its form and hands the call the
// answer b gives, a task: the call and the task's handle.
func callSlowReport(t *testing.T, m *Model, b *taskBackend) (*call, *mcp.Task) {
	t.Helper()
	openTool(t, m, "slow_report")
	press(m, "ctrl+r")
	c := m.panes.work.Active().(*call)
	h, _ := mcp.TaskOf(b.answers["tools/call"])
	m.callDone(callDoneMsg{call: c, result: b.answers["tools/call"]})
	return c, h
}

func TestTaskWaitViewAndCancel(t *testing.T) {
	m, b := taskModel(t)
	// the call came back as a task; following it has not ended yet
	c, h := callSlowReport(t, m, b)
	m.tasks.follow(c, h) // not run: the task stays in flight
	tk := m.s.Task("t-77")
	if m.panes.work.Mode() != work.ModeWait || m.panes.work.Active() != c {
		t.Fatalf("the work pane left the call: mode %d", m.panes.work.Mode())
	}
	tk.StatusMessage, tk.HasProgress, tk.Progress, tk.Total = "halfway", true, 1, 2
	s := plain(m)
	for _, want := range []string{"task t-77 · working", "2025-11-25 task", "poll every 1.00s", "halfway", "50%", "x cancels the task (tasks/cancel)"} {
		if !strings.Contains(s, want) {
			t.Errorf("wait view lacks %q:\n%s", want, s)
		}
	}
	// x in the work pane cancels the task, not the (finished) request
	stopped := false
	m.tasks.record(tk.ID).stopFollow = func() { stopped = true }
	m.screen.focus = paneWork
	run(m, press(m, "x"))
	if len(b.cancelled) != 1 || b.cancelled[0] != "t-77" || !m.tasks.recordOf(tk).cancelAsked {
		t.Fatalf("cancelled %v", b.cancelled)
	}
	// x again (the server did not stop it): sonde stops following
	press(m, "t", "x")
	if !stopped {
		t.Fatal("a second x did not stop following the task")
	}
	m.tasks.done(taskDoneMsg{id: "t-77", err: context.Canceled})
	if tk.Status != "cancelled" || tk.Err == nil || !strings.Contains(tk.Err.Error(), "stopped following") {
		t.Fatalf("after stopping: %+v", tk)
	}
	// a finished task cannot be cancelled
	press(m, "x")
	if len(b.cancelled) != 1 || !strings.Contains(m.flash.text, "already ended") {
		t.Fatalf("cancelled an ended task: %v %q", b.cancelled, m.flash.text)
	}
}

func TestTaskFailureShownAsResult(t *testing.T) {
	m, b := taskModel(t)
	b.final, b.finalErr = nil, &mcp.RPCError{Code: -32603, Message: "report generator crashed"}
	openTool(t, m, "slow_report")
	run(m, press(m, "ctrl+r"))
	tk := m.s.Task("t-77")
	var re *mcp.RPCError
	if tk == nil || tk.Status != "failed" || !errors.As(tk.Err, &re) {
		t.Fatalf("task %+v", tk)
	}
	if !strings.Contains(plain(m), "report generator crashed") {
		t.Fatalf("failure not shown:\n%s", plain(m))
	}
}

// The terminal's background colour (which may come at any time) restyles
// the screen and nothing else: the tasks followed and the resources to
// subscribe to again stay.
func TestBackgroundColorKeepsFollowedTasks(t *testing.T) {
	m, b := taskModel(t)
	c, h := callSlowReport(t, m, b)
	m.subs.resub = []string{"file:///watched"}
	m.update(tea.BackgroundColorMsg{Color: bg(false)})
	if tk := m.s.Task(h.ID); tk == nil || m.tasks.recordOf(tk).call != c {
		t.Fatal("a background colour report forgot the task the call became")
	}
	if len(m.subs.resub) != 1 {
		t.Fatalf("a background colour report forgot the resources to subscribe to again: %v", m.subs.resub)
	}
}
