package common

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/sonde-mcp/sonde/internal/jsonhl"
	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/termsafe"
)

// highlightLimit is how much pretty JSON is highlighted; beyond it the
// text is shown plain, so a multi-megabyte message never stalls a frame.
const highlightLimit = 256 << 10

// prettyLimit is how much indented JSON a view shows: indenting stops
// there, so a message's shape (thousands of nested levels) cannot make a
// frame cost more than the text shown. Saves and copies take all of it.
const prettyLimit = 1 << 20

// PrettyJSON indents raw JSON whole (for saves, copies and editors),
// deeper levels flattened (prettyjson); invalid JSON comes back as it was.
func PrettyJSON(raw []byte) string {
	s, _ := prettyjson.Indent(raw, 0)
	return s
}

// PrettyValue is v as indented JSON. Values holding server JSON (an
// event's connection info) go through prettyjson like any other: encoding/
// json's indentation would follow their nesting however deep.
func PrettyValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return PrettyJSON(b)
}

// Highlighter turns JSON into coloured lines (jsonhl), always at
// truecolor (Bubble Tea downsamples to the terminal's profile), and caches
// the result per key so a frame never re-highlights.
type Highlighter struct {
	mu    sync.Mutex
	cache map[string][]string
	order []string
}

const highlightCacheSize = 64

// NewHighlighter returns an empty highlighter.
func NewHighlighter() *Highlighter { return &Highlighter{cache: map[string][]string{}} }

// Lines returns src (JSON text, already terminal-safe or not) highlighted
// with the named style, split into lines. key identifies src in the cache
// ("" = do not cache). A mono style returns the plain lines.
func (h *Highlighter) Lines(key, style, src string) []string {
	ck := style + "\x00" + key
	if key != "" {
		h.mu.Lock()
		if l, ok := h.cache[ck]; ok {
			h.mu.Unlock()
			return l
		}
		h.mu.Unlock()
	}
	src = termsafe.Text(src)
	var out []string
	if style == "" || style == "bw" {
		out = strings.Split(src, "\n")
	} else {
		head, tail := src, ""
		if len(src) > highlightLimit {
			cut := strings.LastIndexByte(src[:highlightLimit], '\n')
			if cut < 0 {
				cut = highlightLimit
			}
			head, tail = src[:cut], src[cut:]
		}
		out = highlightJSON(head, style)
		if tail != "" {
			out = append(out, strings.Split(strings.TrimPrefix(tail, "\n"), "\n")...)
		}
	}
	if key != "" {
		h.mu.Lock()
		if _, ok := h.cache[ck]; !ok {
			h.cache[ck] = out
			h.order = append(h.order, ck)
			if len(h.order) > highlightCacheSize {
				delete(h.cache, h.order[0])
				h.order = h.order[1:]
			}
		}
		h.mu.Unlock()
	}
	return out
}

// CompactJSONString is raw on one line (as is if it is not JSON).
func CompactJSONString(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// Text is Lines keyed by src itself: a view that draws the same JSON every
// frame highlights it once, and new content never meets stale lines (event
// numbers restart with each session, list entries change on refresh).
func (h *Highlighter) Text(style, src string) []string {
	return h.Lines("src\x00"+src, style, src)
}

// Pretty is Text for raw JSON, indented, up to prettyLimit bytes (a last
// line says where it was cut).
func (h *Highlighter) Pretty(style string, raw []byte) []string {
	text, cut := prettyjson.Indent(raw, prettyLimit)
	lines := h.Text(style, text)
	if cut {
		note := fmt.Sprintf("… cut at %d KiB (the JSON has %d bytes)", prettyLimit>>10, len(raw))
		lines = append(lines[:len(lines):len(lines)], note) // the cached slice stays as it is
	}
	return lines
}

func highlightJSON(src, style string) []string { return jsonhl.Lines(src, style) }
