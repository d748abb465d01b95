// Package prettyjson indents JSON for people, within bounds: every path
// that shows, exports or copies server JSON indented goes through it.
//
// encoding/json's Indent has neither an output limit nor a depth limit, so
// its cost follows the input's shape: 18 KB of 9,000 nested arrays indent
// to some 160 MB (each level indents every line below it), and a view that
// shows the first screenful, or an export that keeps 4 KiB, still paid for
// all of it. Here indentation stops growing at [MaxIndent] levels, so the
// text grows at most linearly with the input, and writing stops at the
// caller's limit, so the work does too.
package prettyjson

import (
	"encoding/json"
	"unicode/utf8"
)

// MaxIndent is the deepest level that is indented further; deeper levels
// are written at this indentation. Only the layout flattens: the text is
// the same JSON.
const MaxIndent = 32

// Indent returns src indented with two spaces per level, as json.Indent
// does (whitespace outside strings is dropped, empty objects and arrays
// stay `{}` and `[]`), for up to MaxIndent levels. With limit > 0 it writes
// at most limit bytes (never half a character) and reads src no further;
// cut reports that the text stops there. src that is not valid JSON comes
// back as it is, cut to limit the same way.
func Indent(src []byte, limit int) (text string, cut bool) {
	if !json.Valid(src) {
		if limit > 0 && len(src) > limit {
			return string(trimRune(src[:limit])), true
		}
		return string(src), false
	}
	return indent(src, limit)
}

// IndentStart is [Indent] for the start of JSON text that was cut (a
// payload of which only the first bytes were read): it indents what is
// there without asking for the rest. What follows the cut is not
// invented: the text simply ends.
func IndentStart(src []byte, limit int) (text string, cut bool) {
	return indent(src, limit)
}

func indent(src []byte, limit int) (text string, cut bool) {
	size := len(src) + len(src)/4
	if limit > 0 {
		size = min(size, limit+4)
	}
	out := make([]byte, 0, size)
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for range min(depth, MaxIndent) {
			out = append(out, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if isSpace(c) {
			continue
		}
		if limit > 0 && len(out) >= limit {
			return string(trimRune(out[:limit])), true
		}
		switch c {
		case '"':
			// Copy the string whole: it ends at the first quote no
			// backslash escapes (or where src was cut).
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j, len(src)-1)
			out = append(out, src[i:j+1]...)
			i = j
		case '{', '[':
			out = append(out, c)
			j := i + 1
			for j < len(src) && isSpace(src[j]) {
				j++
			}
			if j < len(src) && (src[j] == '}' || src[j] == ']') {
				out = append(out, src[j])
				i = j
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	if limit > 0 && len(out) > limit {
		return string(trimRune(out[:limit])), true
	}
	return string(out), false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// trimRune drops a character cut in half at the end of b.
func trimRune(b []byte) []byte {
	for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
		if p := len(b) - k; utf8.RuneStart(b[p]) {
			if !utf8.FullRune(b[p:]) {
				return b[:p]
			}
			return b
		}
	}
	return b
}
