package ui

import "github.com/sonde-mcp/sonde/ui/dialog/serverreq"

// Server requests under the calls that caused them: the words for it are
// the timeline pane's (timeline.Pane.Cause, Related).

// requestCause says which call a waiting server request came during, and
// how long after it started: "during → tools/call echo #7, +120ms".
func (m *Model) requestCause(p *serverreq.Pending) string {
	return m.panes.timeline.Cause(string(p.Req.ID), p.Req.Via, p.At)
}
