package termsafe

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// JSON returns JSON text with every character that a terminal would act
// on, or that could disguise the text, written as a \uXXXX escape: C0
// controls other than tab and newline, DEL, the C1 controls (U+009B is an
// 8-bit CSI), the bidi controls, the Unicode line and paragraph separators,
// U+FFFD and invalid UTF-8 (as \ufffd, which is what a decoder reads). JSON
// allows all of these raw inside strings, and only there: in a string the
// escape is the same character, so the result is the same JSON. The one
// exception is a carriage return, which valid JSON can only hold between
// tokens: it becomes a space. (ESC needs nothing here: JSON itself never
// allows it raw.) Text that is not JSON is escaped the same way. b is
// returned as is when nothing needs escaping.
func JSON(b []byte) []byte {
	i := 0
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			break
		}
	}
	if i == len(b) || !needsJSONEscape(b[i:]) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == '\r':
			out = append(out, ' ')
		case IsJSONUnsafe(r): // invalid UTF-8 decodes as U+FFFD
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func needsJSONEscape(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == '\r' || IsJSONUnsafe(r) {
			return true
		}
		i += n
	}
	return false
}

// JSONString is [JSON] for a string.
func JSONString(s string) string {
	b := []byte(s)
	if !needsJSONEscape(b) {
		return s
	}
	return string(JSON(b))
}

// IsJSONUnsafe reports a character [JSON] escapes (the carriage return
// aside).
func IsJSONUnsafe(r rune) bool {
	switch {
	case r < 0x20 && r != '\n' && r != '\t', r == 0x7f:
		return true
	case dropRune(r), r == 0x2028, r == 0x2029:
		return true
	case r == utf8.RuneError:
		return true // text widgets drop U+FFFD: escaped, it survives them
	}
	return false
}

// NewJSONWriter returns a writer that passes each Write through [JSON].
// Each Write must hold whole characters, as a json.Encoder's Encode and a
// single Fprintf of JSON text do; a writer that splits characters between
// writes (a bufio.Writer flushing) must sit below it, not above.
func NewJSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	q := JSON(p)
	if _, err := j.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}
