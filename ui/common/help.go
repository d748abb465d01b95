package common

import (
	"regexp"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// HelpGroup is one titled group of the full help.
type HelpGroup struct {
	Title string
	Keys  []key.Binding
	// Text is lines shown under the bindings (a syntax to know, say).
	Text []string
}

// helpModel is bubbles/help in the UI's styles.
func helpModel(st *Styles, width int) help.Model {
	h := help.New()
	h.ShortSeparator = " · "
	h.FullSeparator = "  "
	h.Styles = help.Styles{
		Ellipsis:       st.Muted,
		ShortKey:       st.Key,
		ShortDesc:      st.KeyDesc,
		ShortSeparator: st.Muted,
		FullKey:        st.Key,
		FullDesc:       st.Text,
		FullSeparator:  st.Muted,
	}
	h.SetWidth(width)
	return h
}

// trailingSpace is spaces at the end of a line, before its closing escape
// sequences.
var trailingSpace = regexp.MustCompile(` +((?:\x1b\[[0-9;]*m)*)$`)

// shown is the bindings that act and have help.
func shown(bs []key.Binding) []key.Binding {
	out := make([]key.Binding, 0, len(bs))
	for _, b := range bs {
		if b.Enabled() && b.Help().Key != "" {
			out = append(out, b)
		}
	}
	return out
}

// HelpLine is the short help of bindings on one line of at most width
// cells (bubbles/help; what does not fit is left out). Disabled bindings
// and bindings without help are not shown.
func HelpLine(st *Styles, bs []key.Binding, width int) string {
	bs = shown(bs)
	h := helpModel(st, width)
	// bubbles/help marks what it leaves out with "…" when there is room
	// for it, but keeps adding items when there is not: it is given the
	// items that fit and one more, and only the ones that fit when even
	// the mark does not
	used, n := 0, 0
	for _, b := range bs {
		w := ansi.StringWidth(b.Help().Key) + 1 + ansi.StringWidth(b.Help().Desc)
		if n > 0 {
			w += ansi.StringWidth(h.ShortSeparator)
		}
		if width > 0 && used+w > width {
			break
		}
		used += w
		n++
	}
	if n < len(bs) {
		if s := h.ShortHelpView(bs[:n+1]); ansi.StringWidth(s) <= width {
			return s
		}
	}
	return h.ShortHelpView(bs[:n])
}

// HelpGroupLines is one group of the full help: its title, then one line
// per binding (key and description in two columns, by bubbles/help).
func HelpGroupLines(st *Styles, g HelpGroup) []string {
	bs := shown(g.Keys)
	if len(bs) == 0 && len(g.Text) == 0 {
		return nil
	}
	out := []string{st.Accent2.Render(g.Title)}
	if len(bs) > 0 {
		for _, l := range strings.Split(helpModel(st, 0).FullHelpView([][]key.Binding{bs}), "\n") {
			// the column is padded to its widest description
			out = append(out, " "+trailingSpace.ReplaceAllString(l, "$1"))
		}
	}
	for _, l := range g.Text {
		out = append(out, st.Text.Render(l))
	}
	return out
}
