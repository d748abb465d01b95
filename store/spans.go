package store

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Span is one JSON-RPC request over time, from the request to its answer:
// one bar of a timeline (waterfall).
type Span struct {
	// ID is the request's JSON-RPC id as JSON text.
	ID string
	// Method is the request's method.
	Method string
	// Name is what the request acts on: the tool or prompt name, or the
	// resource URI ("" when none).
	Name string
	// Dir is the request's direction: [mcp.DirOut] for sonde's requests,
	// [mcp.DirIn] for the server's (sampling, elicitation, roots, ping).
	Dir mcp.Dir
	// Start is when the request was sent; End when it ended (its answer,
	// its cancellation or its loss), zero while it is open.
	Start, End time.Time
	// Latency is the answer's measured latency, or End-Start.
	Latency time.Duration
	// Done reports that the span has ended.
	Done bool
	// Error reports an error answer, a tool result with isError, a lost
	// request or a cancelled one; Err says which.
	Error bool
	// Err describes the error.
	Err string
	// Cancelled reports a request ended by notifications/cancelled.
	Cancelled bool
	// Note says why a span ended without an answer when that is not an
	// error (a detection probe the server did not answer).
	Note string
	// Progress counts the progress notifications received for it.
	Progress int
	// Lane is the row of the waterfall: spans that overlap in time get
	// different lanes, and each span takes the lowest lane free at its
	// start, so the lane count is the peak concurrency.
	Lane int
	// StartSeq and EndSeq are the sequence numbers of the events that
	// started and ended the span.
	StartSeq, EndSeq uint64
}

// Timeline turns events into request spans, incrementally, for live
// sessions and replays alike. The zero value is ready to use; it is not
// safe for concurrent use.
type Timeline struct {
	// Limit keeps at most this many spans (0 = all); the oldest ended
	// spans are dropped first.
	Limit int

	spans  []Span
	open   map[string]int    // span key → index in spans
	tokens map[string]string // progress token → span key
	lanes  []lane
}

type lane struct {
	open bool
	end  time.Time
}

// Spans returns the spans of events in order of their start.
func Spans(events []mcp.Event) []Span {
	var t Timeline
	for i := range events {
		t.Add(events[i])
	}
	return t.Spans()
}

// Spans returns the spans so far, in order of their start. The slice is
// the timeline's own: do not modify it, and do not keep it across Add.
func (t *Timeline) Spans() []Span { return t.spans }

// Open returns how many spans are still open.
func (t *Timeline) Open() int { return len(t.open) }

func spanKey(dir mcp.Dir, id string) string { return string(dir) + ":" + id }

// altID is the same id with the other JSON type ("7" for 7 and back).
func altID(id string) string {
	if uq, err := strconv.Unquote(id); err == nil {
		return uq
	}
	return strconv.Quote(id)
}

// Add takes one event into account and reports whether a span started or
// changed.
func (t *Timeline) Add(e mcp.Event) bool {
	if t.open == nil {
		t.open = map[string]int{}
		t.tokens = map[string]string{}
	}
	switch {
	case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCRequest:
		t.start(&e)
		return true
	case e.Kind == mcp.KindMessage && (e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse):
		reqDir := mcp.DirOut
		if e.Dir == mcp.DirOut {
			reqDir = mcp.DirIn
		}
		i, ok := t.find(reqDir, e.ID)
		if !ok {
			return false
		}
		s := &t.spans[i]
		t.end(i, &e)
		if e.Latency > 0 {
			s.Latency = e.Latency
		}
		if IsError(&e) {
			s.Error = true
			s.Err = answerError(&e)
		}
		return true
	case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCNotification:
		return t.notification(&e)
	case (e.Kind == mcp.KindError || e.Kind == mcp.KindInfo) && e.ID != "" && e.ReqMethod != "":
		// A request that ended without an answer: lost, timed out or
		// cancelled (an error event), or a detection probe the server
		// did not answer (an info event: a finding, not an error).
		i, ok := t.find(mcp.DirOut, e.ID)
		if !ok {
			return false
		}
		t.end(i, &e)
		if e.Kind == mcp.KindError {
			t.spans[i].Error, t.spans[i].Err = true, e.Err
		} else {
			t.spans[i].Note = e.Text
		}
		return true
	}
	return false
}

func (t *Timeline) find(dir mcp.Dir, id string) (int, bool) {
	if i, ok := t.open[spanKey(dir, id)]; ok {
		return i, true
	}
	i, ok := t.open[spanKey(dir, altID(id))]
	return i, ok
}

func (t *Timeline) start(e *mcp.Event) {
	var m struct {
		Params struct {
			Name string `json:"name"`
			URI  string `json:"uri"`
			Meta struct {
				Token json.RawMessage `json:"progressToken"`
			} `json:"_meta"`
		} `json:"params"`
	}
	json.Unmarshal(e.Raw, &m)
	s := Span{ID: e.ID, Method: e.Method, Dir: e.Dir, Start: e.Time, StartSeq: e.Seq, Name: m.Params.Name}
	if s.Name == "" {
		s.Name = m.Params.URI
	}
	key := spanKey(e.Dir, e.ID)
	if old, dup := t.open[key]; dup {
		// The same id again: the first one will never be answered here.
		t.end(old, e)
	}
	s.Lane = t.takeLane(e.Time)
	t.spans = append(t.spans, s)
	t.open[key] = len(t.spans) - 1
	if len(m.Params.Meta.Token) > 0 {
		t.tokens[string(m.Params.Meta.Token)] = key
	}
	t.trim()
}

func (t *Timeline) end(i int, e *mcp.Event) {
	s := &t.spans[i]
	s.End, s.EndSeq, s.Done = e.Time, e.Seq, true
	s.Latency = e.Time.Sub(s.Start)
	delete(t.open, spanKey(s.Dir, s.ID))
	for k, v := range t.tokens {
		if v == spanKey(s.Dir, s.ID) {
			delete(t.tokens, k)
		}
	}
	if s.Lane < len(t.lanes) {
		t.lanes[s.Lane] = lane{end: e.Time}
	}
}

// takeLane returns the lowest lane that is free at time at.
func (t *Timeline) takeLane(at time.Time) int {
	for i, l := range t.lanes {
		if !l.open && !l.end.After(at) {
			t.lanes[i] = lane{open: true}
			return i
		}
	}
	t.lanes = append(t.lanes, lane{open: true})
	return len(t.lanes) - 1
}

func (t *Timeline) notification(e *mcp.Event) bool {
	var m struct {
		Params struct {
			RequestID json.RawMessage `json:"requestId"`
			Reason    string          `json:"reason"`
			Token     json.RawMessage `json:"progressToken"`
		} `json:"params"`
	}
	switch e.Method {
	case "notifications/cancelled":
		if json.Unmarshal(e.Raw, &m) != nil {
			return false
		}
		// A cancellation names a request that went the same way.
		i, ok := t.find(e.Dir, string(m.Params.RequestID))
		if !ok {
			return false
		}
		t.end(i, e)
		s := &t.spans[i]
		s.Cancelled, s.Error = true, true
		s.Err = "cancelled"
		if m.Params.Reason != "" {
			s.Err += ": " + m.Params.Reason
		}
		return true
	case "notifications/progress":
		if json.Unmarshal(e.Raw, &m) != nil {
			return false
		}
		key, ok := t.tokens[string(m.Params.Token)]
		if !ok {
			return false
		}
		if i, ok := t.open[key]; ok {
			t.spans[i].Progress++
			return true
		}
	}
	return false
}

// trim drops the oldest ended spans beyond Limit (in batches, so Add stays
// cheap on average).
func (t *Timeline) trim() {
	if t.Limit <= 0 || len(t.spans) <= t.Limit+max(64, t.Limit/4) {
		return
	}
	excess := len(t.spans) - t.Limit
	kept := t.spans[:0]
	for i, s := range t.spans {
		if excess > 0 && s.Done {
			excess--
			continue
		}
		kept = append(kept, t.spans[i])
	}
	clear(t.spans[len(kept):])
	t.spans = kept
	clear(t.open)
	for i, s := range t.spans {
		if !s.Done {
			t.open[spanKey(s.Dir, s.ID)] = i
		}
	}
}

// answerError describes an error answer or an isError tool result.
func answerError(e *mcp.Event) string {
	if e.Err != "" {
		return e.Err
	}
	var m struct {
		Error *mcp.RPCError `json:"error"`
	}
	if json.Unmarshal(e.Raw, &m) == nil && m.Error != nil {
		return m.Error.Error()
	}
	return "the tool reported an error (isError)"
}

// MaxConcurrent returns the largest number of spans open at the same
// time; open spans count as running until now.
func MaxConcurrent(spans []Span, now time.Time) int {
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		end := s.End
		if !s.Done {
			end = now
		}
		edges = append(edges, edge{s.Start, 1}, edge{end, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // an end before a start at the same instant
	})
	n, peak := 0, 0
	for _, e := range edges {
		n += e.delta
		peak = max(peak, n)
	}
	return peak
}

// Between returns the spans that overlap [from, to]; open spans run until
// to.
func Between(spans []Span, from, to time.Time) []Span {
	var out []Span
	for _, s := range spans {
		end := s.End
		if !s.Done {
			end = to
		}
		if !s.Start.After(to) && !end.Before(from) {
			out = append(out, s)
		}
	}
	return out
}
