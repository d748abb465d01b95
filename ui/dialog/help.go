package dialog

import (
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/ui/common"
)

// NewHelp is the full help: the groups' bindings as bubbles/help draws
// them, under their titles; in two columns when they do not fit and the
// screen is wide enough. Besides esc, the keys that opened it (? and F1)
// close it.
func NewHelp(c *common.Common, groups []common.HelpGroup) *Reader {
	body := func(w, h int) []string {
		st := c.Styles
		var lines []string
		for _, g := range groups {
			lines = append(lines, common.HelpGroupLines(st, g)...)
		}
		if w >= 74 && len(lines) > h {
			lines = twoColumns(lines, w)
		}
		return lines
	}
	d := NewReader(c, "Keys", body)
	d.MaxWidth = 100
	d.Keys.Close = bind(append(d.Keys.Close.Keys(), "?", "f1"), "esc", "close")
	return d
}

// twoColumns puts the second half of lines beside the first.
func twoColumns(lines []string, w int) []string {
	half := (len(lines) + 1) / 2
	cw := w / 2
	var out []string
	for i := 0; i < half; i++ {
		l := common.PadRight(ansi.Truncate(lines[i], cw-1, "…"), cw)
		if i+half < len(lines) {
			l += ansi.Truncate(lines[i+half], cw, "…")
		}
		out = append(out, l)
	}
	return out
}
