package session

import (
	"slices"
	"strconv"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

const (
	// MaxSpans is the default bound of a State's timelines (the oldest
	// ended spans go first).
	MaxSpans = 20_000
	// maxTicks bounds the notification times kept for the ticks row.
	maxTicks = 20_000
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

	// Parent is, for a server request, the id of the request of sonde's
	// it came with (cause.go), ParentStart when that request started and
	// How how that is known (CauseStream, CauseInput, CauseTask or
	// CauseInFlight); "" when nothing says.
	Parent      string
	ParentStart time.Time
	How         string
	// Input is, for a 2026-07-28 input request (How CauseInput), its key
	// in the inputRequests of its parent's answer; such a span has no ID.
	Input string
}

// Timeline turns events into request spans, incrementally, and keeps what
// a waterfall draws around them: the time axis, the notifications' ticks,
// the end of the connection. A [State] keeps two (with and without
// keepalive traffic); [Spans] builds one from events. The zero value is
// ready to use.
type Timeline struct {
	// Limit keeps at most this many spans (0 = all); the oldest ended
	// spans are dropped first.
	Limit int

	spans   []Span
	dropped uint64            // spans dropped by the limit so far
	open    map[string]int    // span key → index in spans
	tokens  map[string]string // progress token → span key
	lanes   []lane
	causes  causes

	origin, last time.Time
	ticks        []time.Time
	peak         int
	cut          time.Time
	cutOpen      int
	listening    int
	started      int
	errors       int

	touched int // index of the span the latest add started or ended (-1: none)
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

// touchedSpan is a copy of the span the latest add started or ended.
func (t *Timeline) touchedSpan() *Span {
	if t.touched < 0 || t.touched >= len(t.spans) {
		return nil
	}
	sp := t.spans[t.touched]
	return &sp
}

// Spans returns the spans kept, in order of their start. The slice is the
// timeline's own: do not modify it, and do not keep it across Add.
func (t *Timeline) Spans() []Span { return t.spans }

// Dropped counts the spans the limit has dropped so far (from the front of
// Spans): a reader holding an index into Spans moves it back by the growth
// of Dropped.
func (t *Timeline) Dropped() uint64 { return t.dropped }

// Open returns how many spans are still open.
func (t *Timeline) Open() int { return len(t.open) }

// Waiting is how many requests wait for an answer: the open spans, less
// the subscriptions/listen streams (open, but not waiting) and those the
// end of their connection cut.
func (t *Timeline) Waiting() int { return max(0, len(t.open)-t.cutOpen-t.listening) }

// Origin is the zero of the time axis: the first event (or what SetOrigin
// set); Last the latest event's time.
func (t *Timeline) Origin() time.Time { return t.origin }

// Last is the latest event's time.
func (t *Timeline) Last() time.Time { return t.last }

// SetOrigin sets the zero of the axis (a replay: the recording's start).
func (t *Timeline) SetOrigin(at time.Time) { t.origin = at }

// Ticks are the times of the notifications received, in order (bounded).
func (t *Timeline) Ticks() []time.Time { return t.ticks }

// Peak is the number of lanes used: the most requests open at once.
func (t *Timeline) Peak() int { return t.peak }

// Cut is when the connection last ended (a closed or error state): spans
// still open then will not be answered.
func (t *Timeline) Cut() time.Time { return t.cut }

// IsCut reports a span left open by the end of its connection.
func (t *Timeline) IsCut(s *Span) bool {
	return !s.Done && !t.cut.IsZero() && !s.Start.After(t.cut)
}

// Started counts the requests seen (dropped spans included); Errors those
// that ended in an error.
func (t *Timeline) Started() int { return t.started }

// Errors counts the spans that ended in an error (dropped ones included).
func (t *Timeline) Errors() int { return t.errors }

func spanKey(dir mcp.Dir, id string) string { return string(dir) + ":" + id }

// altID is the same id with the other JSON type ("7" for 7 and back).
func altID(id string) string {
	if uq, err := strconv.Unquote(id); err == nil {
		return uq
	}
	return strconv.Quote(id)
}

// Add takes one event into account and reports whether a span started or
// changed. (A State decodes each message once and shares it; Add decodes
// the event itself.)
func (t *Timeline) Add(e mcp.Event) bool { return t.add(&e, Decode(&e)) }

// clock moves the axis: its zero is the first event, its end the latest.
func (t *Timeline) clock(e *mcp.Event) {
	if e.Time.IsZero() {
		return
	}
	if t.origin.IsZero() {
		t.origin = e.Time
	}
	if e.Time.After(t.last) {
		t.last = e.Time
	}
}

func (t *Timeline) add(e *mcp.Event, m *Message) bool {
	t.touched = -1
	if e.Time.IsZero() {
		return false
	}
	if t.open == nil {
		t.open = map[string]int{}
		t.tokens = map[string]string{}
	}
	t.clock(e)
	if e.Kind == mcp.KindMessage && e.RPC == mcp.RPCNotification && e.Dir == mcp.DirIn {
		t.ticks = append(t.ticks, e.Time)
		if len(t.ticks) > maxTicks {
			t.ticks = append(t.ticks[:0:0], t.ticks[len(t.ticks)-maxTicks/2:]...)
		}
	}
	switch {
	case e.Kind == mcp.KindState && (e.State == mcp.StateClosed || e.State == mcp.StateError):
		t.cut, t.cutOpen = e.Time, len(t.open)
		t.listening = 0 // cut too
	case e.Method == "subscriptions/listen" && e.RPC == mcp.RPCRequest && e.Dir == mcp.DirOut:
		t.listening++
	case e.ReqMethod == "subscriptions/listen" && t.listening > 0:
		t.listening-- // its answer, or its end without one
	}
	switch {
	case e.Kind == mcp.KindState && e.Info != nil:
		t.causes.transport = e.Info.Transport
	case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCRequest:
		if e.Dir == mcp.DirOut {
			t.inputsAnswered(e, m)
		}
		t.start(e, m)
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
		t.end(i, e)
		if e.Latency > 0 {
			s.Latency = e.Latency
		}
		if isError(e, m) {
			t.fail(s, answerError(e, m))
		}
		if reqDir == mcp.DirOut {
			t.answered(i, e, m)
		}
		return true
	case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCNotification:
		return t.notification(e, m)
	case e.Kind == mcp.KindError && e.ID == "" && e.Via != "":
		return t.inputsFailed(e)
	case (e.Kind == mcp.KindError || e.Kind == mcp.KindInfo) && e.ID != "" && e.ReqMethod != "":
		// A request that ended without an answer: lost, timed out or
		// cancelled (an error event), or a detection probe the server
		// did not answer (an info event: a finding, not an error).
		i, ok := t.find(mcp.DirOut, e.ID)
		if !ok {
			return false
		}
		t.end(i, e)
		if e.Kind == mcp.KindError {
			t.fail(&t.spans[i], e.Err)
		} else {
			t.spans[i].Note = e.Text
		}
		return true
	}
	return false
}

func (t *Timeline) fail(s *Span, err string) {
	if !s.Error {
		t.errors++
	}
	s.Error, s.Err = true, err
}

func (t *Timeline) find(dir mcp.Dir, id string) (int, bool) {
	if i, ok := t.open[spanKey(dir, id)]; ok {
		return i, true
	}
	i, ok := t.open[spanKey(dir, altID(id))]
	return i, ok
}

func (t *Timeline) start(e *mcp.Event, m *Message) {
	s := Span{ID: e.ID, Method: e.Method, Dir: e.Dir, Start: e.Time, StartSeq: e.Seq}
	if m != nil {
		s.Name = m.Subject()
	}
	if e.Dir == mcp.DirIn {
		if ref, how, ok := t.cause(e, m); ok {
			s.Parent, s.ParentStart, s.How = ref.id, ref.start, how
		}
	}
	key := spanKey(e.Dir, e.ID)
	if old, dup := t.open[key]; dup {
		// The same id again: the first one will never be answered here.
		t.end(old, e)
	}
	s.Lane = t.takeLane(e.Time)
	t.peak = max(t.peak, s.Lane+1)
	t.started++
	t.spans = append(t.spans, s)
	t.open[key] = len(t.spans) - 1
	if m != nil && m.Token != "" {
		t.tokens[m.Token] = key
	}
	t.trim()
	t.touched = len(t.spans) - 1 // the newest span is never dropped
}

func (t *Timeline) end(i int, e *mcp.Event) {
	t.touched = i
	s := &t.spans[i]
	s.End, s.EndSeq, s.Done = e.Time, e.Seq, true
	s.Latency = e.Time.Sub(s.Start)
	delete(t.open, s.key())
	for k, v := range t.tokens {
		if v == s.key() {
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

func (t *Timeline) notification(e *mcp.Event, m *Message) bool {
	if m == nil {
		return false
	}
	switch e.Method {
	case "notifications/cancelled":
		// A cancellation names a request that went the same way.
		i, ok := t.find(e.Dir, m.RequestID)
		if !ok {
			return false
		}
		t.end(i, e)
		s := &t.spans[i]
		err := "cancelled"
		if m.Reason != "" {
			err += ": " + m.Reason
		}
		t.fail(s, err)
		s.Cancelled = true
		return true
	case "notifications/progress":
		key, ok := t.tokens[m.Token]
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
// cheap on average). The spans are copied to a new array: a reader may
// still hold the old one.
func (t *Timeline) trim() {
	if t.Limit <= 0 || len(t.spans) <= t.Limit+max(64, t.Limit/4) {
		return
	}
	excess := len(t.spans) - t.Limit
	kept := make([]Span, 0, t.Limit+max(64, t.Limit/4)+1)
	for i, s := range t.spans {
		if excess > 0 && s.Done {
			excess--
			t.dropped++
			continue
		}
		kept = append(kept, t.spans[i])
	}
	t.spans = kept
	t.touched = -1
	clear(t.open)
	for i := range t.spans {
		if s := &t.spans[i]; !s.Done {
			t.open[s.key()] = i
		}
	}
}

// answerError describes an error answer or an isError tool result.
func answerError(e *mcp.Event, m *Message) string {
	if e.Err != "" {
		return e.Err
	}
	if m != nil && m.Error != nil {
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
