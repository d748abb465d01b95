package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
)

// Server requests under the calls that caused them: session.Timeline
// works out each server request's parent from the events (the POST
// stream it came on, the input_required answer that asked, the task it
// names, or the call in flight on a shared stream); here the words the
// request dialogs, the queue's list and the event detail say it with.

// findSpan finds the newest span of the full timeline that is dir's
// request id (an input request: its key), -1 if none is kept.
func findSpan(spans []session.Span, dir mcp.Dir, id, input string) int {
	for i := len(spans) - 1; i >= 0; i-- {
		s := &spans[i]
		if s.Dir == dir && s.ID == id && s.Input == input {
			return i
		}
	}
	return -1
}

// Cause says which call a waiting server request (its id, the id of the
// request whose stream it came on, when it arrived) came during, and how
// long after the call started: "during → tools/call echo #7, +120ms"; ""
// when nothing says.
func (p *Pane) Cause(id, via string, at time.Time) string {
	spans := p.s.Timeline.Spans()
	parent, own := -1, -1
	if id != "" {
		if own = findSpan(spans, mcp.DirIn, id, ""); own >= 0 {
			parent = session.ParentOf(spans, own)
		}
	}
	if parent < 0 && via != "" {
		parent = findSpan(spans, mcp.DirOut, via, "")
	}
	if parent < 0 {
		if via != "" {
			return "during request #" + termsafe.Line(strings.Trim(via, `"`))
		}
		return ""
	}
	ps := &spans[parent]
	s := "during " + spanLabel(ps, 200)
	switch {
	case own >= 0: // the request's own span: the offset the events say
		s += ", +" + common.FmtTook(spans[own].Offset())
	case !at.IsZero() && !ps.Start.IsZero():
		s += ", +" + common.FmtTook(max(0, at.Sub(ps.Start)))
	}
	return s
}

// maxChildLines bounds the server requests the event detail lists under
// a call.
const maxChildLines = 50

// childLines lists the server requests under span i, with their offsets.
func (p *Pane) childLines(spans []session.Span, i int) []string {
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
		lat := Latency(&p.s.Timeline, c, p.End())
		out = append(out, fmt.Sprintf("  +%-8s %s  %s", common.FmtTook(c.Offset()), spanLabel(c, 200), lat))
	}
	return out
}

// Related is the event detail's lines about where a request stands among
// the others: the call a server request came during, the server requests
// a call caused.
func (p *Pane) Related(e *mcp.Event) []string {
	if e.Kind != mcp.KindMessage || e.ID == "" {
		return nil
	}
	spans := p.s.Timeline.Spans()
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
	if l := CauseLine(spans, i); l != "" {
		return []string{l}
	}
	return p.childLines(spans, i)
}
