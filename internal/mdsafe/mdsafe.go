// Package mdsafe writes server text into Markdown so that nothing in it is
// Markdown or HTML: a transcript, a pull-request comment. Text is made
// terminal-safe too (termsafe), since Markdown is read in terminals.
package mdsafe

import (
	"strings"

	"github.com/sonde-mcp/sonde/termsafe"
)

// Inline makes server text one code span: nothing in it is Markdown or
// HTML, autolinks and images included. "" stays "".
func Inline(s string) string {
	s = strings.ReplaceAll(termsafe.Line(s), "\n", " ")
	if s == "" {
		return ""
	}
	tick := strings.Repeat("`", longestRun(s, '`')+1)
	// A span that starts or ends with a backtick or a space needs a
	// space inside each delimiter (CommonMark strips one of each).
	if s[0] == '`' || s[0] == ' ' || s[len(s)-1] == '`' || s[len(s)-1] == ' ' {
		s = " " + s + " "
	}
	return tick + s + tick
}

// Cell is Inline for a table cell: a | in it would end the cell (GFM
// splits cells before it reads code spans).
func Cell(s string) string { return strings.ReplaceAll(Inline(s), "|", `\|`) }

// Fence makes text a fenced code block no line of it can close: the fence
// is longer than any run of backticks in the text. The text must already
// be terminal-safe.
func Fence(info, text string) string {
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return fence + info + "\n" + text + "\n" + fence
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
