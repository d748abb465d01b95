package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// TasksExtension is the 2026-07-28 tasks extension's capability key.
const TasksExtension = "io.modelcontextprotocol/tasks"

// Task is a task handle or status: from a 2025-11-25 CreateTaskResult
// ({task:{...}}), a 2026 tasks-extension result (resultType "task"), or
// tasks/get.
type Task struct {
	ID            string
	Status        string // working, input_required, completed, failed, cancelled
	StatusMessage string
	CreatedAt     string
	LastUpdatedAt string
	PollInterval  time.Duration
	// Extension is true for the 2026 tasks extension (tasks/update, results
	// inside tasks/get) and false for the 2025-11-25 experimental tasks
	// (tasks/result).
	Extension bool
	Raw       json.RawMessage
}

// Terminal reports whether the task has finished.
func (t *Task) Terminal() bool {
	switch t.Status {
	case "completed", "failed", "cancelled":
		return true
	}
	return false
}

type taskFields struct {
	TaskID         string   `json:"taskId"`
	Status         string   `json:"status"`
	StatusMessage  string   `json:"statusMessage"`
	CreatedAt      string   `json:"createdAt"`
	LastUpdatedAt  string   `json:"lastUpdatedAt"`
	PollInterval   *float64 `json:"pollInterval"`
	PollIntervalMs *float64 `json:"pollIntervalMs"`
}

func (f taskFields) task(ext bool, raw json.RawMessage) *Task {
	t := &Task{ID: f.TaskID, Status: f.Status, StatusMessage: f.StatusMessage, CreatedAt: f.CreatedAt,
		LastUpdatedAt: f.LastUpdatedAt, Extension: ext, Raw: raw}
	switch {
	case f.PollIntervalMs != nil:
		t.PollInterval = time.Duration(*f.PollIntervalMs * float64(time.Millisecond))
	case f.PollInterval != nil:
		t.PollInterval = time.Duration(*f.PollInterval * float64(time.Millisecond))
	}
	return t
}

// TaskOf recognises a task handle in a tools/call result.
func TaskOf(result json.RawMessage) (*Task, bool) {
	var r struct {
		ResultType string      `json:"resultType"`
		Task       *taskFields `json:"task"`
		taskFields
	}
	if json.Unmarshal(result, &r) != nil {
		return nil, false
	}
	switch {
	case r.ResultType == "task" && r.TaskID != "":
		return r.taskFields.task(true, result), true
	case r.Task != nil && r.Task.TaskID != "":
		return r.Task.task(false, result), true
	}
	return nil, false
}

// TaskDetail is what a tasks/get or tasks/cancel answer (or a task status
// notification) says of a task, and, in the 2026 tasks extension, its
// result or error once it has ended.
type TaskDetail struct {
	Task
	Result json.RawMessage
	Error  *RPCError
}

// DecodeTaskDetail reads a Task or a 2026 DetailedTask; ext says which
// tasks flavour the task belongs to.
func DecodeTaskDetail(raw json.RawMessage, ext bool) TaskDetail {
	var d struct {
		taskFields
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	json.Unmarshal(raw, &d)
	return TaskDetail{Task: *d.taskFields.task(ext, raw), Result: d.Result, Error: d.Error}
}

// ToolTaskSupport reads a tool's execution.taskSupport (2025-11-25):
// "forbidden" (the default), "optional" or "required".
func ToolTaskSupport(tool json.RawMessage) string {
	var t struct {
		Execution struct {
			TaskSupport string `json:"taskSupport"`
		} `json:"execution"`
	}
	json.Unmarshal(tool, &t)
	if t.Execution.TaskSupport == "" {
		return "forbidden"
	}
	return t.Execution.TaskSupport
}

// WithTask asks for a task-augmented tools/call (2025-11-25: params.task
// with the requested time to live; 0 lets the server choose).
func WithTask(ttl time.Duration) CallOption {
	return func(o *callOpts) {
		o.task = true
		o.taskTTL = ttl
	}
}

// CancelTask asks the server to cancel a task.
func (s *Session) CancelTask(ctx context.Context, id string) error {
	_, err := s.Call(ctx, "tasks/cancel", map[string]string{"taskId": id})
	return err
}

// AwaitTask follows a task to its end and returns the tool result. It polls
// tasks/get (at the server's poll interval) and reports each status to
// onUpdate. 2025-11-25 tasks: the result comes from tasks/result, which
// blocks until the task ends (server requests arrive meanwhile and go to
// the handler). 2026 tasks extension: the result is in tasks/get; input
// requests are answered through the handler and sent with tasks/update.
func (s *Session) AwaitTask(ctx context.Context, t *Task, onUpdate func(Task)) (json.RawMessage, error) {
	res, err := s.awaitTask(ctx, t, onUpdate)
	return res, s.scrubber().Err(err)
}

func (s *Session) awaitTask(ctx context.Context, t *Task, onUpdate func(Task)) (json.RawMessage, error) {
	if onUpdate == nil {
		onUpdate = func(Task) {}
	}
	onUpdate(*t)
	if !t.Extension {
		return s.awaitLegacyTask(ctx, t, onUpdate)
	}
	cur := t
	for {
		if !cur.Terminal() && cur.Status != "input_required" {
			select {
			case <-time.After(pollDelay(cur)):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		raw, err := s.Call(ctx, "tasks/get", map[string]string{"taskId": t.ID})
		if err != nil {
			return nil, fmt.Errorf("tasks/get %s: %w", t.ID, err)
		}
		if !json.Valid(raw) {
			return nil, fmt.Errorf("unreadable tasks/get result")
		}
		d := DecodeTaskDetail(raw, true)
		if d.ID == "" {
			d.ID = t.ID
		}
		cur = &d.Task
		onUpdate(*cur)
		switch cur.Status {
		case "completed":
			return d.Result, nil
		case "failed":
			if d.Error != nil {
				return nil, d.Error
			}
			return nil, fmt.Errorf("task %s failed: %s", t.ID, cur.StatusMessage)
		case "cancelled":
			return nil, fmt.Errorf("task %s was cancelled", t.ID)
		case "input_required":
			answers, err := s.fulfil(ctx, "task "+t.ID, "", raw)
			if err != nil {
				return nil, err
			}
			if _, err := s.Call(ctx, "tasks/update", map[string]any{"taskId": t.ID, "inputResponses": answers["inputResponses"]}); err != nil {
				return nil, fmt.Errorf("tasks/update %s: %w", t.ID, err)
			}
			select {
			case <-time.After(pollDelay(cur)):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
}

func pollDelay(t *Task) time.Duration {
	if t.PollInterval > 0 {
		return min(t.PollInterval, 30*time.Second)
	}
	return time.Second
}

// awaitLegacyTask waits on tasks/result (which blocks until the task ends)
// while polling tasks/get for the status.
func (s *Session) awaitLegacyTask(ctx context.Context, t *Task, onUpdate func(Task)) (json.RawMessage, error) {
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		cur := t
		for !cur.Terminal() {
			select {
			case <-time.After(pollDelay(cur)):
			case <-pctx.Done():
				return
			}
			raw, err := s.Call(pctx, "tasks/get", map[string]string{"taskId": t.ID})
			if err != nil {
				return
			}
			var f taskFields
			if json.Unmarshal(raw, &f) == nil && f.Status != "" {
				if f.TaskID == "" {
					f.TaskID = t.ID
				}
				cur = f.task(false, raw)
				onUpdate(*cur)
			}
		}
	}()
	tr, err := s.waitReady(ctx)
	if err != nil {
		return nil, err
	}
	params, _ := json.Marshal(map[string]string{"taskId": t.ID})
	res, err := s.roundTrip(ctx, tr, "tasks/result", params, callOpts{noTimeout: true})
	if err != nil {
		var re *RPCError
		if errors.As(err, &re) {
			return nil, err
		}
		return nil, fmt.Errorf("tasks/result %s: %w", t.ID, err)
	}
	return res, nil
}

// taskParam adds params.task (2025-11-25 task augmentation).
func taskParam(params json.RawMessage, ttl time.Duration) json.RawMessage {
	task := json.RawMessage(`{}`)
	if ttl > 0 {
		task = json.RawMessage(`{"ttl":` + strconv.FormatInt(ttl.Milliseconds(), 10) + `}`)
	}
	return setMembers(params, map[string]json.RawMessage{"task": task})
}
