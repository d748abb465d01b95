// Package redact finds secrets in text and replaces them by [Redacted]:
// the values a session was given (bearer token, secret header values,
// query secrets, a stdio server's environment) and well-known credential
// shapes (bearer tokens, OAuth token fields). It is the one rule set every
// output path of sonde applies: the event log, the screen, the headless
// CLI's output, recordings and what is exported from them.
//
// A server that echoes a secret may escape it as JSON does, in any way it
// likes (\/ for '/', \u0073 for 's', surrogate pairs, a mix, or JSON
// inside a JSON string). The matcher therefore searches the text as given
// and its JSON-decoded forms (up to [maxDecodes] times), and maps every
// match back to the bytes that spell it, whole escapes included.
package redact

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// Redacted replaces secrets in everything sonde logs, records or shows.
const Redacted = "[REDACTED]"

var redacted = []byte(Redacted)

// MinSecret is the shortest value searched for in text: shorter ones
// would redact ordinary words.
const MinSecret = 4

// maxDecodes bounds how many times text is JSON-decoded in the search
// (JSON in a JSON string in a JSON string).
const maxDecodes = 3

// Matcher finds known secret values and credential shapes. The zero value
// and nil find only credential shapes. A Matcher is immutable and safe for
// concurrent use.
type Matcher struct {
	values  []string // as given
	needles [][]byte // the values and their URL-escaped forms, longest first
	minLen  int      // of the needles
	// hiders are the escapes (besides \u, which can spell anything) that
	// decode to a character some needle holds: without one of them in a
	// text, no decoding of it holds a needle that the text does not.
	hiders [][]byte
}

// New returns a matcher for values (shorter than [MinSecret] are
// ignored), in the forms they take as given and URL-escaped; JSON
// escapings of them are found by decoding.
func New(values ...string) *Matcher {
	m := &Matcher{}
	seen, forms := map[string]bool{}, map[string]bool{}
	for _, v := range values {
		// a value inside the marker would redact the marker again
		if len(v) < MinSecret || seen[v] || strings.Contains(Redacted, v) {
			continue
		}
		seen[v] = true
		m.values = append(m.values, v)
		for _, f := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if !forms[f] {
				forms[f] = true
				m.needles = append(m.needles, []byte(f))
			}
		}
	}
	slices.SortStableFunc(m.needles, func(a, b []byte) int { return len(b) - len(a) })
	if len(m.needles) > 0 {
		m.minLen = len(m.needles[len(m.needles)-1])
	}
	for c, esc := range map[byte]string{'"': `\"`, '\\': `\\`, '/': `\/`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`} {
		if slices.ContainsFunc(m.needles, func(n []byte) bool { return bytes.IndexByte(n, c) >= 0 }) {
			m.hiders = append(m.hiders, []byte(esc))
		}
	}
	return m
}

// mayHide reports whether a decoding of b may hold a needle that b does
// not. Nesting is covered: the escapes of JSON inside a JSON string show
// in b too (\\u0073 holds \u, \\\/ holds \/).
func (m *Matcher) mayHide(b []byte) bool {
	if m == nil || len(m.needles) == 0 {
		return false
	}
	if bytes.Contains(b, []byte(`\u`)) {
		return true
	}
	for _, h := range m.hiders {
		if bytes.Contains(b, h) {
			return true
		}
	}
	return false
}

// With returns a matcher that also knows values.
func (m *Matcher) With(values ...string) *Matcher {
	if m == nil {
		return New(values...)
	}
	return New(append(slices.Clone(m.values), values...)...)
}

// Len is the number of secret values m knows.
func (m *Matcher) Len() int {
	if m == nil {
		return 0
	}
	return len(m.values)
}

// JSON replaces secrets in JSON text (a message) and returns it; b itself
// when nothing matched (b is never modified). Matches never cross a
// string's quotes, so valid JSON stays valid.
func (m *Matcher) JSON(b []byte) []byte { return m.scrub(b, true, true) }

// Bytes replaces secrets in free text (stderr lines, error messages).
func (m *Matcher) Bytes(b []byte) []byte { return m.scrub(b, false, true) }

// String replaces secrets in free text.
func (m *Matcher) String(s string) string { return m.str(s, true) }

// Known replaces only the known values in s, not credential shapes: for
// short protocol fields (ids, method names, event names) where a shape
// would be a false alarm but an echoed secret would not.
func (m *Matcher) Known(s string) string {
	if m.Len() == 0 || len(s) < m.minLen {
		return s
	}
	return m.str(s, false)
}

func (m *Matcher) str(s string, shapes bool) string {
	if s == "" {
		return s
	}
	// scrub only reads b, and returns it when nothing matched
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	out := m.scrub(b, false, shapes)
	if len(out) == len(b) && &out[0] == &b[0] {
		return s
	}
	return string(out)
}

// span is a match [start, end) in a text.
type span struct{ start, end int }

// scratch is what one scrub needs besides its result, kept for the next.
type scratch struct {
	levels  [maxDecodes]level
	cursors [maxDecodes]cursor // map a match down through the levels
	widen   cursor             // cuts no escape of the original text in two
	found   []span             // shapes found in the text searched
	spans   []span             // matches in the original text

	// what add needs to know about the current search
	b      []byte
	isJSON bool
	depth  int
	next   *level
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxKept bounds the decoding buffers a scratch keeps for the next scrub.
const maxKept = 1 << 20

func (sc *scratch) release() {
	for i := range sc.levels {
		if l := &sc.levels[i]; cap(l.text) > maxKept || cap(l.marks) > maxKept/16 {
			*l = level{}
		}
	}
	if cap(sc.found) > maxKept/16 {
		sc.found = nil
	}
	if cap(sc.spans) > maxKept/16 {
		sc.spans = nil
	}
	sc.b, sc.next, sc.cursors, sc.widen = nil, nil, [maxDecodes]cursor{}, cursor{} // hold no text
	scratchPool.Put(sc)
}

// scrub searches b and its decoded forms for known values (and credential
// shapes when shapes is set) and replaces every match. It never writes to
// b, and returns b itself when nothing matched.
func (m *Matcher) scrub(b []byte, isJSON, shapes bool) []byte {
	var needles [][]byte
	if m != nil {
		needles = m.needles
	}
	if len(b) == 0 || len(needles) == 0 && !shapes {
		return b
	}
	if bytes.IndexByte(b, '\\') < 0 || !m.mayHide(b) && (!shapes || !mayHideShape(b)) {
		// Nothing to decode: one search, and no allocation unless found.
		var found []span
		eachMatch(b, 0, len(b), needles, func(start, end int) { found = addSpan(found, b, start, end, isJSON) })
		if shapes {
			for _, f := range findShapes(b, nil) {
				found = addSpan(found, b, f.start, f.end, isJSON)
			}
		}
		return replaceSpans(b, found)
	}
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	sc.b, sc.isJSON, sc.spans = b, isJSON, sc.spans[:0]
	win := 0 // around the escapes of a level, where new matches may be
	if len(needles) > 0 {
		win = len(needles[0]) - 1
	}
	cur := b
	// sc.levels[k] decodes the text of level k-1 (level 0 decodes b)
	for depth := 0; ; depth++ {
		var next *level
		if depth < maxDecodes && sc.levels[depth].decode(cur, win) {
			next = &sc.levels[depth]
		}
		sc.depth, sc.next = depth, next
		for k := range depth {
			sc.cursors[k] = cursor{l: &sc.levels[k], src: sc.source(k)}
		}
		if depth == 0 && next != nil {
			sc.widen = cursor{l: next, src: cur}
		}
		// Each needle's matches come in order, so the cursors walk each
		// text about once per needle.
		known := func(start, end int) { sc.add(start, end, true) }
		if wins := sc.levelWins(depth); wins == nil {
			eachMatch(cur, 0, len(cur), needles, known)
		} else {
			// A match that involves no escape of this level was found in
			// the text below: search only around the escapes.
			for _, w := range wins {
				eachMatch(cur, w.start, min(w.end, len(cur)), needles, known)
			}
		}
		if shapes {
			sc.found = findShapes(cur, sc.found[:0])
			slices.SortFunc(sc.found, func(x, y span) int { return x.start - y.start })
			for _, f := range sc.found {
				sc.add(f.start, f.end, false)
			}
		}
		if next == nil {
			break
		}
		cur = next.text
	}
	return replaceSpans(b, sc.spans)
}

// add maps a match [start, end) in the text at sc.depth to the original
// text and keeps it. A known value spelled the same in the text below was
// found there already.
func (sc *scratch) add(start, end int, known bool) {
	if sc.depth == 0 && sc.next != nil {
		// Cut no escape of the original text in two. (A match in a
		// decoded text maps to whole escapes below; one there that cuts
		// an escape of its own text in two is no concern: only the
		// original text is rewritten, and widening it could take in a
		// quote of the JSON, as with a value that ends in a backslash.)
		start, end = sc.widen.widen(start, end)
	}
	for k := sc.depth - 1; k >= 0; k-- {
		s0, s1 := sc.cursors[k].down(start, end)
		if known && k == sc.depth-1 && s1-s0 == end-start {
			return // no escape involved: escapes shrink as they decode
		}
		start, end = s0, s1
	}
	sc.spans = addSpan(sc.spans, sc.b, start, end, sc.isJSON)
}

// levelWins returns the windows of the text at depth where new matches may
// be, nil for all of it.
func (sc *scratch) levelWins(depth int) []span {
	if depth == 0 {
		return nil
	}
	return sc.levels[depth-1].wins
}

// source is the text level k decoded.
func (sc *scratch) source(k int) []byte {
	if k == 0 {
		return sc.b
	}
	return sc.levels[k-1].text
}

// eachMatch calls f for every match of the needles in text[lo:hi],
// overlapping ones included, in text's offsets, each needle's in order.
func eachMatch(text []byte, lo, hi int, needles [][]byte, f func(start, end int)) {
	for _, n := range needles {
		for from := lo; from+len(n) <= hi; {
			i := bytes.Index(text[from:hi], n)
			if i < 0 {
				break
			}
			f(from+i, from+i+len(n))
			// Overlapping matches too: the first may be one that crosses
			// a quote of the JSON text, and is dropped.
			from += i + 1
		}
	}
}

// addSpan appends the span [start, end) of b, or merges it into the last
// span when they overlap or touch. In JSON text, a span that would cross
// a string's quotes is dropped (before merging: the union of two spans
// that do not cross one does not either).
func addSpan(spans []span, b []byte, start, end int, isJSON bool) []span {
	if isJSON && crossesQuote(b, start, end) {
		return spans
	}
	if k := len(spans) - 1; k >= 0 && start >= spans[k].start && start <= spans[k].end {
		spans[k].end = max(spans[k].end, end)
		return spans
	}
	return append(spans, span{start, end})
}

// crossesQuote reports whether b[start:end] holds a quote that is not part
// of an escape: replacing it would break the JSON text's structure.
func crossesQuote(b []byte, start, end int) bool {
	for i := start; i < end; i++ {
		switch b[i] {
		case '\\':
			if _, n := decodeEscape(b[i:]); n > 0 {
				i += n - 1
			}
		case '"':
			return true
		}
	}
	return false
}

// replaceSpans returns a copy of b with every span (merged where they
// overlap or touch) replaced by the marker; b itself when there is none.
func replaceSpans(b []byte, spans []span) []byte {
	if len(spans) == 0 {
		return b
	}
	slices.SortFunc(spans, func(x, y span) int { return x.start - y.start })
	out := make([]byte, 0, len(b)+len(spans)*len(redacted))
	at := 0
	for i := 0; i < len(spans); {
		s := spans[i]
		for i++; i < len(spans) && spans[i].start <= s.end; i++ {
			s.end = max(s.end, spans[i].end)
		}
		out = append(out, b[at:s.start]...)
		out = append(out, redacted...)
		at = s.end
	}
	return append(out, b[at:]...)
}
