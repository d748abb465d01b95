package timeline

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
)

// cell styles of the timeline's canvas.
const (
	cPlain int8 = iota
	cAxis
	cOut
	cIn
	cErr
	cOpen
	cQuiet
	cPing
	cPlay
	cTick
	cSel
	numCellStyles
)

func cellStyles(st *common.Styles, focused bool) [numCellStyles]lipgloss.Style {
	sel := st.SelectedBlur
	if focused {
		sel = st.Selected
	}
	return [numCellStyles]lipgloss.Style{cPlain: st.Text, cAxis: st.Muted, cOut: st.Out, cIn: st.In, cErr: st.Err,
		cOpen: st.Warn, cQuiet: st.Muted, cPing: st.Keepalive, cPlay: st.Accent, cTick: st.Accent2, cSel: sel}
}

// canvas is one row of cells drawn in runs of the same style.
type canvas struct {
	ch []rune
	st []int8
}

func newCanvas(w int) canvas {
	c := canvas{ch: make([]rune, w), st: make([]int8, w)}
	for i := range c.ch {
		c.ch[i] = ' '
	}
	return c
}

func (c canvas) set(x int, r rune, s int8) {
	if x >= 0 && x < len(c.ch) {
		c.ch[x], c.st[x] = r, s
	}
}

func (c canvas) text(x int, s string, style int8) {
	for _, r := range s {
		c.set(x, r, style)
		x++
	}
}

func (c canvas) render(pal *[numCellStyles]lipgloss.Style) string {
	var b strings.Builder
	for i := 0; i < len(c.ch); {
		j := i
		for j < len(c.ch) && c.st[j] == c.st[i] {
			j++
		}
		b.WriteString(pal[c.st[i]].Render(string(c.ch[i:j])))
		i = j
	}
	return b.String()
}

// scale maps times to the columns of a bar area.
type scale struct {
	from, to time.Time
	cols     int
	fromNs   int64
	perNs    float64 // columns per nanosecond
}

func newScale(from, to time.Time, cols int) scale {
	s := scale{from: from, to: to, cols: cols, fromNs: from.UnixNano()}
	if span := to.Sub(from); span > 0 {
		s.perNs = float64(cols) / float64(span)
	}
	return s
}

// col is the column of t (negative left of the window, cols or more right
// of it). It is on every span's path, so it avoids time.Time arithmetic.
func (s scale) col(t time.Time) int {
	return int(math.Floor(float64(t.UnixNano()-s.fromNs) * s.perNs))
}

// spanEnd is where a span's bar ends: its end, the end of its
// connection, or now.
func spanEnd(tl *session.Timeline, s *session.Span, now time.Time) time.Time {
	switch {
	case s.Done:
		return s.End
	case tl.IsCut(s):
		return tl.Cut()
	}
	return now
}

// spanStyle is the bar colour of a span.
func spanStyle(tl *session.Timeline, s *session.Span) int8 {
	switch {
	case s.Error:
		return cErr
	case s.Method == "subscriptions/listen" || tl.IsCut(s):
		return cQuiet // a long-lived stream, not a request waiting; or one nobody will answer
	case !s.Done:
		return cOpen
	case s.Note != "":
		return cQuiet
	case s.Method == "ping":
		return cPing
	case s.Dir == mcp.DirIn:
		return cIn
	}
	return cOut
}

// drawSpan draws s on c: a bar from its start to its end (at least one
// cell), an arrow where it runs out of the window, a growing edge while
// open (up to now) and a cross where it failed.
func drawSpan(tl *session.Timeline, c canvas, sc scale, s *session.Span, now time.Time, style int8) {
	a, b := sc.col(s.Start), sc.col(spanEnd(tl, s, now))
	if b < a {
		b = a
	}
	switch {
	case b < 0:
		if c.ch[0] == ' ' {
			c.set(0, '◂', cQuiet)
		}
		return
	case a >= sc.cols:
		if c.ch[sc.cols-1] == ' ' {
			c.set(sc.cols-1, '▸', cQuiet)
		}
		return
	}
	for x := max(0, a); x <= min(b, sc.cols-1); x++ {
		c.set(x, '━', style)
	}
	if a < 0 {
		c.set(0, '◂', style)
	}
	switch {
	case b >= sc.cols:
		c.set(sc.cols-1, '▸', style)
	case !s.Done && !tl.IsCut(s):
		c.set(b, '▶', style)
	case s.Error:
		if b+1 < sc.cols && c.ch[b+1] == ' ' {
			c.set(b+1, '✗', cErr)
		} else {
			c.set(b, '✗', cErr)
		}
	}
}

// niceSteps are the axis' tick intervals.
var niceSteps = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// fmtAxis formats an offset from the axis' zero: 0, 250ms, 1.5s, 2m, 1h05m.
func fmtAxis(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", d.Seconds()), "0"), ".") + "s"
	case d < time.Hour:
		if d%time.Minute == 0 {
			return fmt.Sprintf("%dm", int(d.Minutes()))
		}
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// axis draws the time ruler: offsets from the axis' zero at even steps,
// and the replay's position (playX, -1 for none).
func axis(sc scale, origin time.Time, playX int) canvas {
	c := newCanvas(sc.cols)
	span := sc.to.Sub(sc.from)
	step := niceSteps[len(niceSteps)-1]
	for _, s := range niceSteps {
		if float64(s)/float64(span)*float64(sc.cols) >= 11 {
			step = s
			break
		}
	}
	first := sc.from.Sub(origin)
	if first < 0 {
		first = -((-first) / step * step)
	} else {
		first = (first + step - 1) / step * step
	}
	next := 0
	for t := first; origin.Add(t).Before(sc.to); t += step {
		x := sc.col(origin.Add(t))
		if x < next || x >= sc.cols {
			continue
		}
		label := "╵" + fmtAxis(t)
		if t < 0 {
			label = "╵-" + fmtAxis(-t)
		}
		lw := ansi.StringWidth(label)
		if x+lw > sc.cols {
			break
		}
		if playX >= x && playX < x+lw {
			continue // the position's marker goes there
		}
		c.text(x, label, cAxis)
		next = x + lw + 1
	}
	c.set(playX, '▼', cPlay)
	return c
}

// tickRow marks the columns in which notifications arrived: two binary
// searches a column, whatever the number of notifications.
func tickRow(tl *session.Timeline, sc scale) canvas {
	c := newCanvas(sc.cols)
	span := sc.to.Sub(sc.from)
	ticks := tl.Ticks()
	at := func(x int) int { // the first tick at or after column x
		t := sc.from.Add(time.Duration(float64(span) * float64(x) / float64(sc.cols)))
		return sort.Search(len(ticks), func(i int) bool { return !ticks[i].Before(t) })
	}
	lo := at(0)
	for x := 0; x < sc.cols; x++ {
		hi := at(x + 1)
		n := hi - lo
		lo = hi
		switch {
		case n >= 3:
			c.set(x, '●', cTick)
		case n > 0:
			c.set(x, '•', cTick)
		}
	}
	return c
}

// playColumn marks the replay's position on the empty cells of a row.
func playColumn(c canvas, x int) {
	if x >= 0 && x < len(c.ch) && c.ch[x] == ' ' {
		c.set(x, '┆', cPlay)
	}
}

// spanLabel is a request's row label: direction, method, what it acts on,
// id; the name is shortened first.
func spanLabel(s *session.Span, w int) string {
	arrow := "→ "
	if s.Dir == mcp.DirIn {
		arrow = "← "
	}
	if s.Parent != "" {
		arrow = "↳" + arrow // a server request under the call that caused it
	}
	head := arrow + termsafe.Line(s.Method)
	id := " #" + termsafe.Line(strings.Trim(s.ID, `"`))
	if s.Input != "" {
		id = " ‹" + termsafe.Line(s.Input) + "›" // a 2026-07-28 input request's key
	}
	if s.Name != "" {
		room := w - ansi.StringWidth(head) - ansi.StringWidth(id) - 1
		if room >= 4 {
			return head + " " + ansi.Truncate(termsafe.Line(s.Name), room, "…") + id
		}
	}
	return ansi.Truncate(head+id, w, "…")
}

// spanLatency is the latency column: how long it took, or has run so far.
func spanLatency(tl *session.Timeline, s *session.Span, now time.Time) (string, int8) {
	switch {
	case tl.IsCut(s) && s.Method == "subscriptions/listen":
		return "closed", cQuiet
	case tl.IsCut(s):
		return "cut off", cQuiet
	case !s.Done && s.Method == "subscriptions/listen":
		return "listening", cQuiet
	case !s.Done:
		return common.FmtTook(max(0, now.Sub(s.Start))) + "…", cOpen
	case s.Cancelled:
		return "⊘ " + common.FmtTook(s.Latency), cErr
	case s.Error:
		return "✗ " + common.FmtTook(s.Latency), cErr
	case s.Note != "":
		return "no answer", cQuiet
	}
	return common.FmtTook(s.Latency), cPlain
}

// CauseHow says in words how a server request's parent was found.
func CauseHow(how string) string {
	switch how {
	case session.CauseStream:
		return "on its response stream"
	case session.CauseInput:
		return "an input request of its answer"
	case session.CauseTask:
		return "about the task it created"
	case session.CauseInFlight:
		return "the call in flight (a guess: one stream for all)"
	}
	return how
}

// CauseLine says what span i came with: "during → tools/call echo #7,
// +120ms after it started (on its response stream)"; "" for a span with
// no parent.
func CauseLine(spans []session.Span, i int) string {
	s := &spans[i]
	if s.Parent == "" {
		return ""
	}
	what := "→ request #" + termsafe.Line(strings.Trim(s.Parent, `"`))
	if p := session.ParentOf(spans, i); p >= 0 {
		what = spanLabel(&spans[p], 200)
	}
	return fmt.Sprintf("during %s, +%s after it started (%s)", what, common.FmtTook(s.Offset()), CauseHow(s.How))
}

// facts describe the selected span on the view's last line.
func (p *Pane) facts(s *session.Span, end time.Time) string {
	w := p.cur
	parts := []string{spanLabel(s, 200), "at " + fmtAxis(max(0, s.Start.Sub(w.tl.Origin())))}
	if spans, c := w.spans(), w.list.Cursor(); c < len(spans) && &spans[c] == s {
		if l := CauseLine(spans, c); l != "" {
			parts = append(parts, l)
		} else if n := len(session.Children(spans, c)); n > 0 {
			parts = append(parts, fmt.Sprintf("%d server request(s) during it", n))
		}
	}
	lat, _ := spanLatency(w.tl, s, end)
	parts = append(parts, lat)
	if w.tl.IsCut(s) {
		parts = append(parts, "the connection ended before an answer")
	}
	if s.Progress > 0 {
		parts = append(parts, fmt.Sprintf("%d progress", s.Progress))
	}
	if w.tl.Peak() > 1 {
		parts = append(parts, fmt.Sprintf("lane %d", s.Lane+1))
	}
	if s.Err != "" {
		parts = append(parts, termsafe.Line(s.Err))
	} else if s.Note != "" {
		parts = append(parts, termsafe.Line(s.Note))
	}
	return strings.Join(parts, " · ")
}

// View implements [component.Component].
func (p *Pane) View(width, h int) string {
	return strings.Join(p.lines(width, h), "\n")
}

// lines draws the view in width×h cells.
func (p *Pane) lines(width, h int) []string {
	st, w := p.c.Styles, p.cur
	p.width, p.height = width, h
	spans := w.spans()
	if len(spans) == 0 {
		w.list.SetHeight(h)
		return []string{st.Muted.Render("no requests yet: every request shows here as a bar over time (W or 4)")}
	}
	pal := cellStyles(st, p.focused)
	labelW, cols, hasLat := geometry(width)
	end := p.End()
	from, to := p.Window()
	sc := newScale(from, to, cols)
	playX := -1
	if at, ok := p.Playhead(); ok {
		playX = sc.col(at)
	}
	var out []string
	// the axis, and the notifications
	what := "all " + common.FmtTook(to.Sub(from))
	if w.window > 0 {
		what = "zoom " + common.FmtTook(to.Sub(from))
	}
	out = append(out, st.Muted.Render(common.PadRight(ansi.Truncate(what, labelW, "…"), labelW))+" "+axis(sc, w.tl.Origin(), playX).render(&pal))
	head, showFacts := w.head(h)
	rows := w.setHeight(h)
	if head > 1 {
		tr := tickRow(w.tl, sc)
		playColumn(tr, playX)
		out = append(out, st.Muted.Render(common.PadRight("notifications", labelW))+" "+tr.render(&pal))
	}
	if w.lanes {
		out = append(out, p.laneRows(sc, spans, labelW, rows, end, playX, &pal)...)
	} else {
		for i := w.list.Offset(); i < len(spans) && i < w.list.Offset()+rows; i++ {
			s := &spans[i]
			c := newCanvas(cols)
			drawSpan(w.tl, c, sc, s, end, spanStyle(w.tl, s))
			playColumn(c, playX)
			label := common.PadRight(spanLabel(s, labelW), labelW)
			switch {
			case i == w.list.Cursor():
				label = pal[cSel].Render(label)
			case s.Error:
				label = st.Err.UnsetBold().Render(label)
			default:
				label = st.Text.Render(label)
			}
			line := label + " " + c.render(&pal)
			if hasLat {
				lat, ls := spanLatency(w.tl, s, end)
				line += " " + pal[ls].Render(common.PadLeft(ansi.Truncate(lat, latW, ""), latW))
			}
			out = append(out, line)
		}
	}
	if showFacts {
		for len(out) < h-1 {
			out = append(out, "")
		}
		if s := w.selected(); s != nil {
			out = append(out, st.Muted.Render(ansi.Truncate(p.facts(s, end), width, "…")))
		}
	}
	return out
}

// laneRows draws the lanes layout: one row per lane, every span of the
// lane on it, its name inside its bar when it fits.
func (p *Pane) laneRows(sc scale, spans []session.Span, labelW, rows int, end time.Time, playX int, pal *[numCellStyles]lipgloss.Style) []string {
	w := p.cur
	if s := w.selected(); s != nil {
		if s.Lane < w.laneOff {
			w.laneOff = s.Lane
		}
		if s.Lane >= w.laneOff+rows {
			w.laneOff = s.Lane - rows + 1
		}
	}
	w.laneOff = max(0, min(w.laneOff, w.tl.Peak()-rows))
	n := min(rows, w.tl.Peak()-w.laneOff)
	cs := make([]canvas, n)
	for i := range cs {
		cs[i] = newCanvas(sc.cols)
	}
	// Every span kept is looked at (lanes do not say what they hold), but
	// only those in the window are drawn; the others leave an arrow.
	for i := range spans {
		s := &spans[i]
		row := s.Lane - w.laneOff
		if row < 0 || row >= n {
			continue
		}
		e := spanEnd(w.tl, s, end)
		if e.Before(sc.from) || s.Start.After(sc.to) {
			x := 0
			if s.Start.After(sc.to) {
				x = sc.cols - 1
			}
			if cs[row].ch[x] == ' ' {
				arrow := '◂'
				if x > 0 {
					arrow = '▸'
				}
				cs[row].set(x, arrow, cQuiet)
			}
			continue
		}
		style := spanStyle(w.tl, s)
		if i == w.list.Cursor() {
			style = cSel
		}
		drawSpan(w.tl, cs[row], sc, s, end, style)
		a, b := max(0, sc.col(s.Start)), min(sc.col(e), sc.cols-1)
		if b-a-1 < 4 {
			continue
		}
		if name := termsafe.Line(common.FirstNonEmpty(s.Name, s.Method)); b-a-1 >= ansi.StringWidth(name)+1 {
			cs[row].text(a+1, name, style)
		}
	}
	out := make([]string, 0, n)
	for i, c := range cs {
		playColumn(c, playX)
		label := fmt.Sprintf("lane %d", w.laneOff+i+1)
		out = append(out, p.c.Styles.Muted.Render(common.PadRight(label, labelW))+" "+c.render(pal))
	}
	return out
}

// geometry splits the view's width: the label column, the bar area, and
// whether the latency column fits.
func geometry(width int) (labelW, cols int, lat bool) {
	labelW = max(12, min(40, width*3/10))
	cols = width - labelW - latW - 2
	if cols < 8 {
		return labelW, max(1, width-labelW-1), false
	}
	return labelW, cols, true
}

// head is how many rows come before the requests (the axis, and the
// notifications when there are any), and whether the selected request's
// facts take the last row, for a view h rows high.
func (w *view) head(h int) (head int, facts bool) {
	head = 1
	if len(w.tl.Ticks()) > 0 && h >= 6 {
		head++
	}
	return head, h >= 7
}

// setHeight sizes the list of requests for a view h rows high; it returns
// how many rows the requests get.
func (w *view) setHeight(h int) int {
	head, facts := w.head(h)
	rows := h - head
	if facts {
		rows--
	}
	w.list.SetHeight(max(1, rows))
	w.list.SetLen(len(w.spans()))
	return w.list.Height()
}
