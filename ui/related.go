package ui

import (
	"fmt"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/pane/timeline"
)

// Server requests under the calls that caused them: session.Timeline
// works out each server request's parent from the events (the POST
// stream it came on, the input_required answer that asked, the task it
// names, or the call in flight on a shared stream); here the request
// dialogs, the queue's list, the event detail and the timeline say so.

// spanName is "→ tools/call echo #7" for people.
func spanName(s *session.Span) string { return timeline.SpanLabel(s, 200) }

// findSpan finds the newest span of the full timeline that is dir's
// request id (an input request: its key), -1 if none is kept.
func (m *Model) findSpan(dir mcp.Dir, id, input string) int {
	spans := m.s.Timeline.Spans()
	for i := len(spans) - 1; i >= 0; i-- {
		s := &spans[i]
		if s.Dir == dir && s.ID == id && s.Input == input {
			return i
		}
	}
	return -1
}

// requestCause says which call a waiting server request came during, and
// how long after it started: "during → tools/call echo #7, +120ms".
func (m *Model) requestCause(p *pendingRequest) string {
	spans := m.s.Timeline.Spans()
	req := p.msg.req
	parent, own := -1, -1
	if len(req.ID) > 0 {
		if own = m.findSpan(mcp.DirIn, string(req.ID), ""); own >= 0 {
			parent = session.ParentOf(spans, own)
		}
	}
	if parent < 0 && req.Via != "" {
		parent = m.findSpan(mcp.DirOut, req.Via, "")
	}
	if parent < 0 {
		if req.Via != "" {
			return "during request #" + termsafe.Line(strings.Trim(req.Via, `"`))
		}
		return ""
	}
	ps := &spans[parent]
	s := "during " + spanName(ps)
	switch {
	case own >= 0: // the request's own span: the offset the events say
		s += ", +" + fmtTook(spans[own].Offset())
	case !p.at.IsZero() && !ps.Start.IsZero():
		s += ", +" + fmtTook(max(0, p.at.Sub(ps.Start)))
	}
	return s
}

// maxChildLines bounds the server requests the event detail lists under
// a call.
const maxChildLines = 50

// childLines lists the server requests under span i, with their offsets.
func (m *Model) childLines(spans []session.Span, i int) []string {
	kids := session.Children(spans, i)
	if len(kids) == 0 {
		return nil
	}
	out := []string{fmt.Sprintf("%d server request(s) during it:", len(kids))}
	for n, k := range kids {
		if n == maxChildLines {
			out = append(out, fmt.Sprintf("  … and %d more (the timeline, W, has them all)", len(kids)-n))
			break
		}
		c := &spans[k]
		lat := timeline.Latency(&m.s.Timeline, c, m.timeline.End())
		out = append(out, fmt.Sprintf("  +%-8s %s  %s", fmtTook(c.Offset()), spanName(c), lat))
	}
	return out
}

// relatedLines are the event detail's lines about where a request stands
// among the others: the call a server request came during, the server
// requests a call caused.
func (m *Model) relatedLines(e *mcp.Event) []string {
	if e.Kind != mcp.KindMessage || e.ID == "" {
		return nil
	}
	spans := m.s.Timeline.Spans()
	i := -1
	switch {
	case e.RPC == mcp.RPCRequest:
		for j := len(spans) - 1; j >= 0; j-- {
			if s := &spans[j]; s.StartSeq == e.Seq && s.ID == e.ID && s.Dir == e.Dir && s.Start.Equal(e.Time) {
				i = j
				break
			}
		}
	case e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse:
		for j := len(spans) - 1; j >= 0; j-- {
			if s := &spans[j]; s.Done && s.EndSeq == e.Seq && s.ID == e.ID && s.Dir != e.Dir && s.End.Equal(e.Time) {
				i = j
				break
			}
		}
	}
	if i < 0 {
		return nil
	}
	if l := timeline.CauseLine(spans, i); l != "" {
		return []string{l}
	}
	return m.childLines(spans, i)
}
