package ui

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"

	"github.com/sonde-mcp/sonde/termsafe"
)

// highlightLimit is how much pretty JSON is highlighted; beyond it the
// text is shown plain, so a multi-megabyte message never stalls a frame.
const highlightLimit = 256 << 10

// prettyJSON indents raw JSON; invalid JSON comes back as it was.
func prettyJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// highlighter turns JSON into coloured lines with chroma, always at
// truecolor (Bubble Tea downsamples to the terminal's profile), and caches
// the result per key so a frame never re-highlights.
type highlighter struct {
	mu    sync.Mutex
	cache map[string][]string
	order []string
}

const highlightCacheSize = 64

func newHighlighter() *highlighter { return &highlighter{cache: map[string][]string{}} }

// lines returns src (JSON text, already terminal-safe or not) highlighted
// with the chroma style, split into lines. key identifies src in the cache
// ("" = do not cache). A mono style returns the plain lines.
func (h *highlighter) lines(key, style, src string) []string {
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

// compactJSONString is raw on one line (as is if it is not JSON).
func compactJSONString(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// text is lines keyed by src itself: a view that draws the same JSON every
// frame highlights it once, and new content never meets stale lines (event
// numbers restart with each session, list entries change on refresh).
func (h *highlighter) text(style, src string) []string {
	return h.lines("src\x00"+src, style, src)
}

// pretty is text for raw JSON, indented.
func (h *highlighter) pretty(style string, raw []byte) []string {
	return h.text(style, prettyJSON(raw))
}

func highlightJSON(src, style string) []string {
	lexer := lexers.Get("json")
	st := styles.Get(style)
	if lexer == nil || st == nil {
		return strings.Split(src, "\n")
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, src)
	if err != nil {
		return strings.Split(src, "\n")
	}
	var b strings.Builder
	if err := formatters.TTY16m.Format(&b, st, it); err != nil {
		return strings.Split(src, "\n")
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	// chroma may carry a colour across a newline; reset each line so that
	// cutting and padding lines never bleeds colour.
	for i, l := range lines {
		if strings.Contains(l, "\x1b[") {
			lines[i] = l + "\x1b[0m"
		}
	}
	return lines
}
