package redact

import (
	"bytes"
	"sort"
	"unicode/utf16"
	"unicode/utf8"
)

// A level is one JSON decoding of the text below it (its source). To map a
// match in the decoded text back to the bytes that spell it, it keeps
// where every markEvery-th escape starts in both texts and walks the source
// from the nearest one: an index of every escape would cost 32 bytes per
// escape, 16 times the size of a text made of "\\" (and messages reach 64
// MiB).
type level struct {
	text  []byte // the decoded text
	marks []mark // every markEvery-th escape, in order
	// wins are where the escapes are in text, each widened by the width
	// decode was given and merged: a match of a known value that involves
	// no escape of this level was already found below. Nil after more
	// than maxWins: search all of text.
	wins []span
}

// mark is where an escape starts in the source (s) and in the decoded text (d).
type mark struct{ s, d int }

const (
	markEvery = 32
	maxWins   = 1024
)

// decode makes l the decoding of src: every JSON string escape (\" \\ \/
// \b \f \n \r \t and \uXXXX, surrogate pairs included) decoded wherever
// it appears, so that text holding JSON inside JSON can be decoded again.
// Backslashes that start no escape stay as they are. win widens the
// windows around escapes (see level.wins). It reports false (and l is
// unusable) when src has no escape.
func (l *level) decode(src []byte, win int) bool {
	i := bytes.IndexByte(src, '\\')
	if i < 0 {
		return false
	}
	l.marks, l.wins = l.marks[:0], l.wins[:0]
	manyWins := false
	n := 0
	// Decoding never lengthens a text: one buffer of its size does.
	dst := l.text[:0]
	if cap(dst) < len(src) {
		dst = make([]byte, 0, len(src))
	}
	dst = append(dst, src[:i]...)
	for i < len(src) {
		j := bytes.IndexByte(src[i:], '\\')
		if j < 0 {
			dst = append(dst, src[i:]...)
			break
		}
		dst = append(dst, src[i:i+j]...)
		i += j
		r, size := decodeEscape(src[i:])
		if size == 0 {
			dst = append(dst, '\\')
			i++
			continue
		}
		d := len(dst)
		if n%markEvery == 0 {
			l.marks = append(l.marks, mark{i, d})
		}
		n++
		dst = appendRune(dst, r)
		if !manyWins {
			lo, hi := max(0, d-win), len(dst)+win
			if k := len(l.wins) - 1; k >= 0 && l.wins[k].end >= lo {
				l.wins[k].end = hi
			} else if len(l.wins) < maxWins {
				l.wins = append(l.wins, span{lo, hi})
			} else {
				manyWins = true
			}
		}
		i += size
	}
	l.text = dst
	if manyWins {
		l.wins = nil
	}
	return n > 0
}

func appendRune(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		return append(b, byte(r))
	}
	return utf8.AppendRune(b, r)
}

// decodeEscape decodes the escape at the start of b (b[0] is a backslash):
// the rune and the bytes it takes, or n = 0 when b starts no escape. A lone
// surrogate decodes to U+FFFD, as encoding/json does.
func decodeEscape(b []byte) (r rune, n int) {
	if len(b) < 2 {
		return 0, 0
	}
	switch b[1] {
	case '"', '\\', '/':
		return rune(b[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, 0
		}
		if !utf16.IsSurrogate(r) {
			return r, 6
		}
		if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if r2, ok := hex4(b[8:]); ok {
				if c := utf16.DecodeRune(r, r2); c != utf8.RuneError {
					return c, 12
				}
			}
		}
		return utf8.RuneError, 6
	}
	return 0, 0
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// cursor walks a level's source and decoded text together, from a mark
// or from where it last stopped, so that mapping matches in order costs
// one pass.
type cursor struct {
	l    *level
	src  []byte
	s, d int // an escape boundary: s in src, d in l.text
}

// locate returns the bytes of src that spell byte x of the level's text: a
// whole escape, or one byte.
func (c *cursor) locate(x int) (int, int) {
	l := c.l
	// From the nearest mark at or before x, unless the cursor is nearer.
	i := sort.Search(len(l.marks), func(i int) bool { return l.marks[i].d > x }) - 1
	if i < 0 { // before the first escape
		return x, x + 1
	}
	if m := l.marks[i]; x < c.d || m.d > c.d {
		c.s, c.d = m.s, m.d
	}
	src := c.src
	for {
		j := bytes.IndexByte(src[c.s:], '\\')
		if j < 0 {
			j = len(src) - c.s
		}
		if x < c.d+j {
			s := c.s + x - c.d
			return s, s + 1
		}
		c.s, c.d = c.s+j, c.d+j
		r, n := decodeEscape(src[c.s:])
		if n == 0 { // a backslash that starts no escape is itself
			n = 1
		}
		dl := 1
		if r >= utf8.RuneSelf {
			dl = utf8.RuneLen(r)
		}
		if x < c.d+dl {
			return c.s, c.s + n
		}
		c.s, c.d = c.s+n, c.d+dl
	}
}

// down maps the span [start, end) of the level's text to its source,
// widened to whole escapes.
func (c *cursor) down(start, end int) (int, int) {
	s0, _ := c.locate(start)
	_, s1 := c.locate(end - 1)
	return s0, s1
}

// widen grows the span [start, end) of the level's source so that it
// cuts no escape in two.
func (c *cursor) widen(start, end int) (int, int) {
	if s0, _, ok := c.escapeAt(start); ok {
		start = s0
	}
	if _, s1, ok := c.escapeAt(end - 1); ok {
		end = s1
	}
	return start, end
}

// escapeAt returns the escape of the level's source that holds byte p, if
// one does.
func (c *cursor) escapeAt(p int) (int, int, bool) {
	l, src := c.l, c.src
	i := sort.Search(len(l.marks), func(i int) bool { return l.marks[i].s > p }) - 1
	if i < 0 {
		return 0, 0, false
	}
	if m := l.marks[i]; p < c.s || m.s > c.s {
		c.s, c.d = m.s, m.d
	}
	for {
		j := bytes.IndexByte(src[c.s:], '\\')
		if j < 0 || c.s+j > p {
			return 0, 0, false
		}
		c.s, c.d = c.s+j, c.d+j
		r, n := decodeEscape(src[c.s:])
		if n == 0 {
			c.s, c.d = c.s+1, c.d+1
			continue
		}
		if p < c.s+n {
			return c.s, c.s + n, true
		}
		dl := 1
		if r >= utf8.RuneSelf {
			dl = utf8.RuneLen(r)
		}
		c.s, c.d = c.s+n, c.d+dl
	}
}
