package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Box draws content in a rounded border of w×h cells with the title in
// the top edge; lines wider than the inside are cut with "…". A focused
// box has the accent border (and heavy lines in mono themes).
func Box(st *Styles, title string, content []string, w, h int, focused bool) []string {
	if w < 4 || h < 2 {
		return nil
	}
	bs, ts, fr := st.Border, st.Title, st.Frame
	if focused {
		bs, ts, fr = st.BorderFoc, st.TitleFocus, st.FrameFocus
	}
	inner := w - 2
	t := ansi.Truncate(" "+title+" ", max(0, inner-2), "…")
	top := bs.Render(fr.TopLeft+fr.Horizontal) + ts.Render(t) + bs.Render(strings.Repeat(fr.Horizontal, max(0, inner-1-ansi.StringWidth(t)))+fr.TopRight)
	out := make([]string, 0, h)
	out = append(out, top)
	side := bs.Render(fr.Vertical)
	for i := 0; i < h-2; i++ {
		l := ""
		if i < len(content) {
			l = content[i]
		}
		lw := ansi.StringWidth(l)
		if lw > inner {
			l = ansi.Truncate(l, inner, "…")
			lw = ansi.StringWidth(l)
		}
		out = append(out, side+l+strings.Repeat(" ", max(0, inner-lw))+side)
	}
	out = append(out, bs.Render(fr.BottomLeft+strings.Repeat(fr.Horizontal, inner)+fr.BottomRight))
	return out
}

// DialogBox draws a dialog of at most w×h: a focused box with the title,
// as many body lines as fit and a footer (the help line) as its last line.
func DialogBox(st *Styles, title string, body []string, footer string, w, h int) string {
	lines := append([]string(nil), body...)
	if len(lines) > h-3 {
		lines = lines[:max(0, h-3)]
	}
	if footer != "" {
		lines = append(lines, ansi.Truncate(footer, w-2, "…"))
	}
	return strings.Join(Box(st, title, lines, w, len(lines)+2, true), "\n")
}

// PadRight pads s with spaces to w cells (s is kept as it is when wider).
func PadRight(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return s
	}
	return s + strings.Repeat(" ", w-n)
}

// PadLeft pads s with spaces on the left to w cells (s is kept as it is
// when wider).
func PadLeft(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", w-n) + s
}

// WrapLines wraps s to width w (at spaces, slashes, dashes and commas) and
// splits it into lines.
func WrapLines(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, " /-,"), "\n")
}

// WrapHard cuts long lines at the width (raw bytes have no word breaks
// worth keeping).
func WrapHard(s string, w int) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for ansi.StringWidth(l) > w && w > 0 {
			out = append(out, ansi.Truncate(l, w, ""))
			l = ansi.TruncateLeft(l, w, "")
		}
		out = append(out, l)
	}
	return out
}

// WrapWide hard-wraps the lines wider than w; it returns lines itself when
// none is (the common case costs no copy).
func WrapWide(lines []string, w int) []string {
	if w <= 0 {
		return lines
	}
	var out []string
	for i, l := range lines {
		if ansi.StringWidth(l) <= w {
			if out != nil {
				out = append(out, l)
			}
			continue
		}
		if out == nil {
			out = append(make([]string, 0, len(lines)+8), lines[:i]...)
		}
		out = append(out, strings.Split(ansi.Hardwrap(l, w, true), "\n")...)
	}
	if out == nil {
		return lines
	}
	return out
}

// TruncateMiddle shortens unstyled s to w cells by cutting its middle,
// keeping a third for its start and the rest for its end, where paths and
// URIs tell their items apart.
func TruncateMiddle(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w < 8 {
		return ansi.Truncate(s, w, "…")
	}
	head := (w - 1) / 3
	tail := w - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, ansi.StringWidth(s)-tail, "")
}

// PlaceAt writes s into line at column x (line is padded or cut as
// needed).
func PlaceAt(line, s string, x int) string {
	w := ansi.StringWidth(line)
	if w < x {
		line += strings.Repeat(" ", x-w)
	} else if w > x {
		line = ansi.Truncate(line, x, "")
	}
	return line + s
}
