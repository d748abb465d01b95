// Package termsafe neutralises terminal control sequences in text that came
// from a server (tool names, descriptions, results, errors), so a hostile
// server cannot retitle the window, clear the screen, move the cursor, write
// the clipboard or reorder text with bidi overrides.
package termsafe

import (
	"strings"
	"unicode/utf8"
)

// Text returns s with every escape sequence (CSI, OSC, DCS, SOS, PM, APC
// and two-byte ESC sequences, in their 7-bit and 8-bit forms) removed, other
// control characters removed except newline and tab, carriage returns
// dropped, bidi controls removed and invalid UTF-8 replaced by U+FFFD.
func Text(s string) string { return clean(s, false) }

// Line is [Text] for one line: newlines and tabs become spaces.
func Line(s string) string { return clean(s, true) }

// IsClean reports whether s would come back unchanged from [Text]; it lets
// hot paths skip the copy.
func IsClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return isCleanSlow(s[i:])
			}
			return false
		}
	}
	return true
}

func isCleanSlow(s string) bool {
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		if r == utf8.RuneError && n == 1 || dropRune(r) || r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// dropRune reports runes that are removed outright: C1 controls and the
// bidi embedding, override and isolate controls.
func dropRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

func clean(s string, oneLine bool) string {
	if IsClean(s) && (!oneLine || !strings.ContainsAny(s, "\n\t")) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
			i++
			continue
		case r == 0x1b:
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(s, i+n)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // 8-bit OSC, DCS, SOS, PM, APC
			i = skipString(s, i+n)
			continue
		case r == '\n' || r == '\t':
			if oneLine {
				b.WriteByte(' ')
			} else {
				b.WriteRune(r)
			}
		case r < 0x20 || r == 0x7f || dropRune(r):
			// dropped (including CR, BEL, BS)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// skipEscape skips what follows an ESC at s[i:].
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// Two-byte sequences, including intermediates (ESC ( B): skip
	// intermediates 0x20-0x2f, then one final byte.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) {
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return i
}

// skipCSI skips parameter and intermediate bytes up to the final byte.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		i++
		if c >= 0x40 && c <= 0x7e {
			return i
		}
		if c < 0x20 || c >= 0x80 { // malformed: stop here, drop no more
			return i - 1
		}
	}
	return i
}

// skipString skips a control string up to BEL, ESC \ or the 8-bit ST.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + 1
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // U+009C ST
			return i + 2
		}
		i++
	}
	return i
}
