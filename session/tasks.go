package session

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// maxTasks bounds the tasks kept (the oldest go first).
const maxTasks = 500

// Task is one task (protocol.md §4.8) as the events describe it: a
// tools/call that came back as a task handle (a 2025-11-25 CreateTaskResult,
// or a 2026 tasks-extension result), with what tasks/get, tasks/result,
// tasks/cancel and the status notifications said since.
type Task struct {
	ID            string
	Status        string // working, input_required, completed, failed, cancelled
	StatusMessage string
	// Method and Subject are the request that made it (tools/call, the
	// tool); Token its progress token.
	Method, Subject, Token string
	// Extension marks the 2026 tasks extension.
	Extension bool
	// Seen is when it started (its request, or its first mention);
	// Ended when it reached a terminal status.
	Seen, Ended time.Time
	// Poll is the poll interval the server asked for; Polls counts
	// tasks/get requests about it.
	Poll  time.Duration
	Polls int
	// Progress of its request's progress notifications.
	Progress, Total float64
	ProgressMessage string
	HasProgress     bool
	// Result or Err is the final outcome, once Done.
	Result json.RawMessage
	Err    error
	Done   bool
}

// Terminal reports a status no task leaves.
func (t *Task) Terminal() bool {
	switch t.Status {
	case "completed", "failed", "cancelled":
		return true
	}
	return false
}

// Task returns the task with id, or nil.
func (s *State) Task(id string) *Task {
	for _, t := range s.Tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// UpsertTask returns the task with id, adding it (working, seen at) when
// it is new. The UI uses it for a task its own call turned into.
func (s *State) UpsertTask(id string, at time.Time) *Task {
	if t := s.Task(id); t != nil {
		return t
	}
	t := &Task{ID: id, Seen: at, Status: "working"}
	s.Tasks = append(s.Tasks, t)
	if len(s.Tasks) > maxTasks {
		s.Tasks = append(s.Tasks[:0:0], s.Tasks[1:]...)
	}
	return t
}

// applyTask updates a task from a Task object (a handle, tasks/get,
// tasks/cancel, a status notification).
func (s *State) applyTask(id string, f mcp.TaskDetail, at time.Time) *Task {
	if f.ID != "" {
		id = f.ID
	}
	if id == "" {
		return nil
	}
	t := s.UpsertTask(id, at)
	if f.Status != "" && f.Status != t.Status {
		t.Status = f.Status
		if t.Terminal() && t.Ended.IsZero() {
			t.Ended = at
		}
	}
	if f.StatusMessage != "" || f.Status != "" {
		t.StatusMessage = f.StatusMessage
	}
	if f.PollInterval > 0 {
		t.Poll = f.PollInterval
	}
	if len(f.Result) > 0 && string(f.Result) != "null" && t.Status == "completed" && !t.Done {
		t.Result, t.Done = f.Result, true
	}
	if f.Error != nil && t.Status == "failed" && !t.Done {
		t.Err, t.Done = f.Error, true
	}
	return t
}

var taskIDHint = []byte(`"taskId"`)

// taskEvent folds the task traffic of one message into the tasks. It runs
// before the answer ends its request, so a new task inherits the request's
// method, subject and progress token.
func (s *State) taskEvent(e *mcp.Event, m *Message) bool {
	switch {
	case e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest && strings.HasPrefix(e.Method, "tasks/"):
		if t := s.Task(m.TaskID); t != nil && e.Method == "tasks/get" {
			t.Polls++
			return true
		}
	case e.Dir == mcp.DirIn && e.RPC == mcp.RPCResponse && e.ReqMethod == "tools/call" && bytes.Contains(m.Result, taskIDHint):
		h, ok := mcp.TaskOf(m.Result)
		if !ok {
			return false
		}
		t := s.applyTask(h.ID, mcp.TaskDetail{Task: *h}, e.Time)
		t.Extension = h.Extension
		if r := s.request(e.ID); r != nil {
			t.Method, t.Subject, t.Token = r.Method, r.Subject, r.Token
			if !r.Start.IsZero() {
				t.Seen = r.Start
			}
		}
		if t.Method == "" {
			t.Method = "tools/call"
		}
		return true
	case e.Dir == mcp.DirIn && (e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse) && strings.HasPrefix(e.ReqMethod, "tasks/"):
		id := s.asked(e.ID).taskID
		switch e.ReqMethod {
		case "tasks/get", "tasks/cancel":
			if m.Error == nil {
				s.applyTask(id, mcp.DecodeTaskDetail(m.Result, false), e.Time)
				return true
			}
		case "tasks/result":
			t := s.Task(id)
			if t == nil || t.Done {
				return false
			}
			t.Done = true
			if m.Error != nil {
				t.Err = m.Error
			} else {
				t.Result = m.Result
			}
			if !t.Terminal() {
				t.Status = "completed"
				if m.Error != nil {
					t.Status = "failed"
				}
				t.Ended = e.Time
			}
			return true
		}
	case e.Dir == mcp.DirIn && e.RPC == mcp.RPCNotification && (e.Method == "notifications/tasks/status" || e.Method == "notifications/tasks"):
		return s.applyTask("", mcp.DecodeTaskDetail(m.Params, e.Method == "notifications/tasks"), e.Time) != nil
	}
	return false
}

// taskProgress applies a progress notification to the tasks whose
// request carried its token.
func (s *State) taskProgress(m *Message) bool {
	changed := false
	for _, t := range s.Tasks {
		if t.Token != "" && t.Token == m.Token {
			t.Progress, t.Total, t.ProgressMessage, t.HasProgress = m.Progress, m.Total, m.ProgressMessage, true
			changed = true
		}
	}
	return changed
}
