package schema

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Sanitize makes an untrusted string (a title, description or enum label
// sent by a server) safe to draw in a terminal. It removes ANSI escape
// sequences (CSI, OSC, DCS, …) with [ansi.Strip], then drops every
// remaining C0 and C1 control character, DEL, and the Unicode bidi
// override/isolate controls that can make text display differently from
// what it says. Newlines are kept, tabs become a space, CR LF becomes LF and
// invalid UTF-8 becomes U+FFFD.
func Sanitize(s string) string {
	if s == "" {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = ansi.Strip(s)
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			// C0, DEL and C1 controls: drop.
		case isBidiControl(r):
			// drop
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SanitizeLine is [Sanitize] for text that must stay on one line (labels,
// enum values): runs of whitespace including newlines collapse to a single
// space and the result is trimmed.
func SanitizeLine(s string) string {
	return strings.Join(strings.Fields(Sanitize(s)), " ")
}

func isClean(s string) bool {
	for _, r := range s {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r) {
			return false
		}
	}
	return true
}

// isBidiControl reports the explicit directional formatting characters
// (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI), used in "Trojan Source"
// style spoofing, plus LRM/RLM/ALM.
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200E || r == 0x200F || r == 0x061C:
		return true
	}
	return false
}
