package config

import "errors"

// JSONC is JSON with comments (// and /* */) and trailing commas, as VS
// Code writes its mcp.json. No JSONC library is on the project's list of
// approved modules (tailscale's hujson has no release), so this is the
// smallest correct conversion: the few rules fit in one pass.

// errUnterminated is a block comment or string that never ends.
var errUnterminated = errors.New("unterminated comment")

// standardJSON turns JSONC into JSON of the same length: comments, a
// trailing comma and a leading byte order mark become spaces (newlines in
// comments are kept), so encoding/json's error offsets still point into the
// original file. Strings are copied untouched; anything else that is not
// JSON stays for the decoder to report.
func standardJSON(in []byte) ([]byte, error) {
	out := make([]byte, len(in))
	copy(out, in)
	if len(out) >= 3 && out[0] == 0xEF && out[1] == 0xBB && out[2] == 0xBF {
		out[0], out[1], out[2] = ' ', ' ', ' '
	}
	comma := -1 // a comma not yet followed by anything but space or comments
	for i := 0; i < len(out); i++ {
		switch c := out[i]; {
		case c == '"':
			comma = -1
			for i++; i < len(out) && out[i] != '"'; i++ {
				if out[i] == '\\' {
					i++
				}
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			out[i], out[i+1] = ' ', ' '
			for i += 2; ; i++ {
				if i+1 >= len(out) {
					return nil, errUnterminated
				}
				if out[i] == '*' && out[i+1] == '/' {
					out[i], out[i+1] = ' ', ' '
					i++
					break
				}
				if out[i] != '\n' && out[i] != '\r' {
					out[i] = ' '
				}
			}
		case c == ',':
			comma = i
		case c == '}' || c == ']':
			if comma >= 0 {
				out[comma] = ' '
			}
			comma = -1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			comma = -1
		}
	}
	return out, nil
}
