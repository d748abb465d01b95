package ui

import "github.com/sonde-mcp/sonde/ui/dialog/serverreq"

// Server requests under the calls that caused them: the words for it are
// the timeline pane's (timeline.Pane.Cause, Related).

// cause says which call a waiting server request came during, and
// how long after it started: "during → tools/call echo #7, +120ms".
func (p *paneSet) cause(r *serverreq.Pending) string {
	return p.timeline.Cause(string(r.Req.ID), r.Req.Via, r.At)
}
