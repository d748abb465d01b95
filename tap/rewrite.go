package tap

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// maxBeforeEndpoint bounds what the tap holds of a legacy stream while it
// waits for the endpoint event (the first event, usually the first bytes).
const maxBeforeEndpoint = 64 << 10

// endpointRewriter points a legacy stream's endpoint at the tap: an
// absolute endpoint URL on the server's origin would send the client
// around the tap, so its origin becomes the tap's (path and query kept).
// It holds whole SSE blocks only until the first event, then passes every
// byte as it comes; a relative endpoint, or one on another origin, is
// left as the server wrote it.
type endpointRewriter struct {
	up         *url.URL
	tap        string // the tap's origin as the client reached it
	onEndpoint func(raw string)
	done       bool
	pend       []byte
}

// process takes the next bytes of the stream and returns what can go to
// the client now.
func (e *endpointRewriter) process(b []byte) []byte {
	if e.done {
		return b
	}
	e.pend = append(e.pend, b...)
	var out []byte
	for !e.done {
		end := blockEnd(e.pend)
		if end < 0 {
			break
		}
		out = append(out, e.block(e.pend[:end])...)
		e.pend = e.pend[end:]
	}
	if e.done || len(e.pend) > maxBeforeEndpoint {
		e.done = true
		out = append(out, e.pend...)
		e.pend = nil
	}
	return out
}

// flush returns what is still held (the stream ended).
func (e *endpointRewriter) flush() []byte {
	e.done = true
	out := e.pend
	e.pend = nil
	return out
}

// block handles one whole block before the first event.
func (e *endpointRewriter) block(blk []byte) []byte {
	var event string
	var data []string
	hasData := false
	for _, line := range lines(blk) {
		field, value, _ := strings.Cut(string(line), ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			event = value
		case "data":
			data = append(data, value)
			hasData = true
		}
	}
	if event == "" && !hasData {
		return blk // comments, retry, blank lines: still waiting
	}
	e.done = true
	if event != "endpoint" {
		return blk
	}
	raw := strings.Join(data, "\n")
	if e.onEndpoint != nil {
		e.onEndpoint(raw)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || mcp.Origin(u) != mcp.Origin(e.up) {
		return blk
	}
	eol := lineEnding(blk)
	var out []byte
	wrote := false
	for _, line := range lines(blk) {
		if bytes.HasPrefix(line, []byte("data")) {
			if !wrote {
				out = append(out, "data: "+e.tap+u.RequestURI()+eol...)
				wrote = true
			}
			continue
		}
		out = append(append(out, line...), eol...)
	}
	return append(out, eol...)
}

// blockEnd is the offset just after the blank line ending the first block
// in b, or -1 while there is none yet.
func blockEnd(b []byte) int {
	start := true // at the start of a line
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\r' && c != '\n' {
			start = false
			continue
		}
		end := i + 1
		if c == '\r' && end == len(b) {
			return -1 // a CR last: its LF may be in the next read
		}
		if c == '\r' && b[end] == '\n' {
			end++
		}
		if start {
			return end
		}
		start = true
		i = end - 1
	}
	return -1
}

// lines splits a block into its lines (without their endings); the blank
// line that ends it is left out.
func lines(blk []byte) [][]byte {
	var out [][]byte
	for len(blk) > 0 {
		i := bytes.IndexAny(blk, "\r\n")
		if i < 0 {
			return append(out, blk)
		}
		if i > 0 {
			out = append(out, blk[:i])
		}
		if blk[i] == '\r' && i+1 < len(blk) && blk[i+1] == '\n' {
			i++
		}
		blk = blk[i+1:]
	}
	return out
}

// lineEnding is the line ending a block uses.
func lineEnding(blk []byte) string {
	i := bytes.IndexAny(blk, "\r\n")
	switch {
	case i < 0 || blk[i] == '\n':
		return "\n"
	case i+1 < len(blk) && blk[i+1] == '\n':
		return "\r\n"
	}
	return "\r"
}
