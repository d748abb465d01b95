package session

import (
	"bytes"
	"slices"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Which call caused a server request (issue 15 item 5). It is worked out
// from the events alone, as they come, so a replay nests the requests the
// way the live session did; [Timeline] keeps it on each [Span] (Parent,
// How, Offset), and [Children] and [ParentOf] walk it.
//
// What the wire says, in each era:
//   - Streamable HTTP (2025-03-26 on): a server sends what relates to a
//     request on that request's POST response stream; sonde notes the
//     request on every event read from it ([mcp.Event.Via]). The GET
//     stream carries requests unrelated to any call.
//   - 2026-07-28: a server asks nothing on its own; it returns
//     input_required with inputRequests, each a request of the call that
//     got the result. sonde answers them in the call's next round
//     (inputResponses), which ends them.
//   - Tasks (2025-11-25, and the 2026 extension): a request about a task
//     carries _meta["io.modelcontextprotocol/related-task"].taskId; the
//     task was created by the call whose answer was its handle.
//   - stdio and legacy HTTP+SSE: one stream for everything, no relation on
//     the wire. A request is put under the newest call in flight that can
//     ask for something (tools/call, prompts/get, resources/read,
//     tasks/result), a guess the span says it is.

// How a server request's parent was found.
const (
	// CauseStream: it arrived on its parent's POST response stream.
	CauseStream = "stream"
	// CauseInput: an input request of its parent's input_required result.
	CauseInput = "input"
	// CauseTask: it names a task its parent created.
	CauseTask = "task"
	// CauseInFlight: the newest call in flight on a shared stream (a guess).
	CauseInFlight = "in flight"
)

// MetaRelatedTask is the _meta key naming the task a message is about.
const MetaRelatedTask = "io.modelcontextprotocol/related-task"

// maxTaskOrigins bounds the tasks remembered with the call that created
// them.
const maxTaskOrigins = 4096

// causes is what Timeline keeps to find a server request's parent.
type causes struct {
	transport mcp.TransportKind
	// tasks maps a task id to the request whose answer created it.
	tasks map[string]parentRef
}

// parentRef names a request of sonde's: its id and when it started (ids
// are reused across sessions).
type parentRef struct {
	id    string
	start time.Time
}

func refOf(s *Span) parentRef { return parentRef{s.ID, s.Start} }

// canAsk reports the methods during which a server may ask the client
// something.
func canAsk(method string) bool {
	switch method {
	case "tools/call", "prompts/get", "resources/read", "tasks/result":
		return true
	}
	return false
}

// cause finds the parent of the server request e, and how.
func (t *Timeline) cause(e *mcp.Event, m *Message) (parentRef, string, bool) {
	if e.Via != "" {
		if i, ok := t.find(mcp.DirOut, e.Via); ok {
			return refOf(&t.spans[i]), CauseStream, true
		}
	}
	if m != nil && m.RelatedTask != "" {
		if ref, ok := t.causes.tasks[m.RelatedTask]; ok {
			return ref, CauseTask, true
		}
	}
	if e.Via == "" && (t.causes.transport == mcp.TransportStdio || t.causes.transport == mcp.TransportSSE) {
		best := -1
		for _, i := range t.open {
			s := &t.spans[i]
			if s.Dir == mcp.DirOut && canAsk(s.Method) && (best < 0 || s.Start.After(t.spans[best].Start)) {
				best = i
			}
		}
		if best >= 0 {
			return refOf(&t.spans[best]), CauseInFlight, true
		}
	}
	return parentRef{}, "", false
}

var (
	taskHint  = []byte(`"taskId"`)
	inputHint = []byte(`"inputRequests"`)
)

// answered looks at the answer e to the request of span i: a task handle
// is remembered with that request, and the input requests of an
// input_required result (or of a task's status) become spans under it (or
// under the request that created the task).
func (t *Timeline) answered(i int, e *mcp.Event, m *Message) {
	if m == nil || e.RPC != mcp.RPCResponse || len(m.Result) == 0 {
		return
	}
	parent := refOf(&t.spans[i])
	if bytes.Contains(m.Result, taskHint) {
		var r struct {
			TaskID string `json:"taskId"`
		}
		mcp.DecodeLenient(m.Result, &r)
		if task, ok := mcp.TaskOf(m.Result); ok {
			r.TaskID = task.ID
		}
		if ref, known := t.causes.tasks[r.TaskID]; known {
			parent = ref // a task's status: its inputs belong to the call that created it
		} else if _, ok := mcp.TaskOf(m.Result); ok {
			if t.causes.tasks == nil || len(t.causes.tasks) >= maxTaskOrigins {
				t.causes.tasks = map[string]parentRef{}
			}
			t.causes.tasks[r.TaskID] = parent
		}
	}
	if !bytes.Contains(m.Result, inputHint) {
		return
	}
	var ir struct {
		InputRequests map[string]struct {
			Method string `json:"method"`
		} `json:"inputRequests"`
	}
	if mcp.DecodeLenient(m.Result, &ir); len(ir.InputRequests) == 0 {
		return
	}
	keys := make([]string, 0, len(ir.InputRequests))
	for k := range ir.InputRequests {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := Span{Input: k, Method: ir.InputRequests[k].Method, Dir: mcp.DirIn, Start: e.Time, StartSeq: e.Seq,
			Parent: parent.id, ParentStart: parent.start, How: CauseInput}
		if old, dup := t.open[s.key()]; dup {
			t.end(old, e) // the same key again: the next round asks anew
		}
		s.Lane = t.takeLane(e.Time)
		t.peak = max(t.peak, s.Lane+1)
		t.started++
		t.spans = append(t.spans, s)
		t.open[s.key()] = len(t.spans) - 1
	}
	t.trim()
}

// inputsAnswered ends the input request spans a request of sonde's
// answers (its inputResponses, in a retry or a tasks/update).
func (t *Timeline) inputsAnswered(e *mcp.Event, m *Message) {
	if m == nil {
		return
	}
	for _, k := range m.InputResponses {
		if i, ok := t.open[inputKey(k)]; ok {
			t.end(i, e)
		}
	}
}

// inputsFailed ends, as failed, the open input requests of the round the
// error event e names (Via): the call went no further, so nothing will
// answer them.
func (t *Timeline) inputsFailed(e *mcp.Event) bool {
	var ended []int
	for _, i := range t.open {
		if s := &t.spans[i]; s.How == CauseInput && s.Parent == e.Via {
			ended = append(ended, i)
		}
	}
	for _, i := range ended {
		t.end(i, e)
		t.fail(&t.spans[i], e.Err)
	}
	return len(ended) > 0
}

// inputKey is the key of an input request span.
func inputKey(k string) string { return "input:" + k }

// key is the span's key among the open ones.
func (s *Span) key() string {
	if s.How == CauseInput {
		return inputKey(s.Input)
	}
	return spanKey(s.Dir, s.ID)
}

// Offset is how long after its parent started the span started (0
// without a parent).
func (s *Span) Offset() time.Duration {
	if s.Parent == "" {
		return 0
	}
	return s.Start.Sub(s.ParentStart)
}

// IsParentOf reports whether c nests under s.
func (s *Span) IsParentOf(c *Span) bool {
	return c.Parent != "" && s.Dir == mcp.DirOut && c.Parent == s.ID && c.ParentStart.Equal(s.Start)
}

// Children returns the indexes of the spans under spans[i], in order of
// their start (they start after it: only those are looked at).
func Children(spans []Span, i int) []int {
	var out []int
	for j := i + 1; j < len(spans); j++ {
		if spans[i].IsParentOf(&spans[j]) {
			out = append(out, j)
		}
	}
	return out
}

// ParentOf returns the index of span i's parent among spans, -1 if it has
// none or it is no longer kept.
func ParentOf(spans []Span, i int) int {
	for j := i - 1; j >= 0 && spans[i].Parent != ""; j-- {
		if spans[j].IsParentOf(&spans[i]) {
			return j
		}
	}
	return -1
}
