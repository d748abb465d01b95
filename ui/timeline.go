package ui

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
)

// The timeline (a waterfall) is the bottom pane's fourth view: every
// JSON-RPC request as a bar from its start to its end on a shared time
// axis, with its latency; open requests grow, errors and cancellations
// take the error colour, and notifications from the server are ticks on a
// row of their own. It is built by session.Timeline from the same events as
// everything else, so a live session and a replay show it alike; in a
// replay the player's position is marked on the axis. Two layouts: one
// row per request (overlapping requests overlap on screen), or lanes (one
// row per lane: the lane count is the peak concurrency). Only what is
// visible is drawn; the spans kept are bounded.

const (
	// minWindow is the narrowest time window (zoomed all the way in).
	minWindow = time.Millisecond
	// latW is the width of the latency column.
	latW = 9
	// minFit is the narrowest window that fits the whole session, so the
	// first milliseconds of a session do not fill the width.
	minFit = 100 * time.Millisecond
)

// waterfall is the timeline view: one of the state's timelines (the
// spans, the axis, the ticks, the end of the connection: at most
// session.MaxSpans spans) and how it is looked at.
type waterfall struct {
	tl   *session.Timeline
	list scroller // the selected span (cursor) and the first row shown (offset)
	// window is the width of the time window (0 fits the whole session);
	// from is its start while the view does not follow the newest.
	window time.Duration
	from   time.Time
	lanes  bool
	// laneOff is the first lane shown in the lanes layout.
	laneOff int
	// dropped is the timeline's Dropped when the view last looked: the
	// selection moves back by the spans dropped since.
	dropped uint64
}

func newWaterfall(tl *session.Timeline) *waterfall {
	return &waterfall{tl: tl, list: scroller{follow: true}, dropped: tl.Dropped()}
}

func (w *waterfall) spans() []session.Span { return w.tl.Spans() }

// spanEnd is where a span's bar ends: its end, the end of its
// connection, or now.
func (w *waterfall) spanEnd(s *session.Span, now time.Time) time.Time {
	switch {
	case s.Done:
		return s.End
	case w.tl.IsCut(s):
		return w.tl.Cut()
	}
	return now
}

func (w *waterfall) selected() *session.Span {
	s := w.spans()
	if w.list.cursor < 0 || w.list.cursor >= len(s) {
		return nil
	}
	return &s[w.list.cursor]
}

// sync follows the timeline: the selection stays on its span when the
// oldest spans go, and follows the newest when it does.
func (w *waterfall) sync() {
	if d := w.tl.Dropped() - w.dropped; d > 0 && !w.list.follow {
		w.list.cursor = max(0, w.list.cursor-int(d))
		w.list.offset = max(0, w.list.offset-int(d))
	}
	w.dropped = w.tl.Dropped()
	w.list.grew(len(w.spans()))
}

// timelines holds the views of the state's timeline with every request
// and of the one without keepalive traffic (client and server pings). The
// log's keepalive toggle shows one or the other; both are kept up to
// date, so toggling loses nothing.
type timelines struct{ all, quiet *waterfall }

func newTimelines(s *session.State) timelines {
	return timelines{newWaterfall(&s.Timeline), newWaterfall(&s.Quiet)}
}

// sync follows both timelines.
func (t timelines) sync() {
	t.all.sync()
	t.quiet.sync()
}

// showTimeline makes m.wf the timeline that matches the log's keepalive
// toggle, with the same window, layout and, where it can, the same
// selected request.
func (m *Model) showTimeline() {
	next := m.wfs.all
	if m.log.hideKeepalive {
		next = m.wfs.quiet
	}
	old := m.wf
	if old == next {
		return
	}
	m.wf = next
	if old == nil {
		return
	}
	next.window, next.from, next.lanes, next.laneOff = old.window, old.from, old.lanes, old.laneOff
	next.list.rows, next.list.follow = old.list.rows, old.list.follow
	if sel := old.selected(); sel != nil && !old.list.follow {
		// the same request, or the first after it (a hidden ping). Spans
		// are in time order; sequence numbers restart with each session.
		spans := next.spans()
		i := sort.Search(len(spans), func(i int) bool { return !spans[i].Start.Before(sel.Start) })
		for j := i; j < len(spans) && spans[j].Start.Equal(sel.Start); j++ {
			if s := &spans[j]; s.StartSeq == sel.StartSeq && s.Dir == sel.Dir && s.ID == sel.ID {
				i = j
				break
			}
		}
		next.list.cursor = min(i, max(0, len(spans)-1))
		next.list.offset = max(0, next.list.cursor-(old.list.cursor-old.list.offset))
	}
	next.list.clamp(len(next.spans()))
}

// ---- time ----

// playhead is the replay's position in event time.
func (m *Model) playhead() (time.Time, bool) {
	if m.opts.Replay == nil {
		return time.Time{}, false
	}
	origin := m.opts.ReplayStart
	if origin.IsZero() {
		origin = m.wf.tl.Origin()
	}
	if origin.IsZero() {
		return time.Time{}, false
	}
	return origin.Add(m.opts.Replay.Status().At), true
}

// tlEnd is the timeline's now: the replay's position, or the clock.
func (m *Model) tlEnd() time.Time {
	if at, ok := m.playhead(); ok {
		return at
	}
	if m.com.Now.Before(m.wf.tl.Last()) {
		return m.wf.tl.Last()
	}
	return m.com.Now
}

// tlFit is the window that shows the whole session: in a replay the whole
// recording, so the position moves across a fixed axis.
func (m *Model) tlFit(end time.Time) (time.Time, time.Time) {
	w := m.wf
	lo, hi := w.tl.Origin(), end
	if lo.IsZero() || lo.After(end) {
		lo = end
	}
	if w.tl.Last().After(hi) {
		hi = w.tl.Last()
	}
	if m.opts.Replay != nil {
		if d := m.opts.Replay.Status().Duration; d > 0 && lo.Add(d).After(hi) {
			hi = lo.Add(d)
		}
	}
	if hi.Sub(lo) < minFit {
		hi = lo.Add(minFit)
	}
	return lo, hi
}

// tlWindow is the time range the bars are drawn in.
func (m *Model) tlWindow() (time.Time, time.Time) {
	w := m.wf
	end := m.tlEnd()
	switch {
	case w.window <= 0:
		return m.tlFit(end)
	case w.list.follow:
		return end.Add(-w.window * 19 / 20), end.Add(w.window / 20)
	}
	return w.from, w.from.Add(w.window)
}

// tlZoom narrows (factor < 1) or widens the window, around the selected
// request when the view does not follow the newest; wide enough to hold
// the whole session, it fits it.
func (m *Model) tlZoom(factor float64) {
	w := m.wf
	from, to := m.tlWindow()
	cur := to.Sub(from)
	next := max(minWindow, time.Duration(float64(cur)*factor))
	lo, hi := m.tlFit(m.tlEnd())
	if next >= hi.Sub(lo)*99/100 {
		w.window = 0
		m.setFlash("timeline: the whole session", false)
		return
	}
	centre := from.Add(cur / 2)
	if s := w.selected(); s != nil && !w.list.follow {
		centre = s.Start
	}
	w.window, w.from = next, m.tlClampFrom(centre.Add(-next/2), next)
	m.setFlash("timeline: "+fmtTook(next)+" wide", false)
}

// tlPan moves the window by a quarter of its width; the view stops
// following the newest.
func (m *Model) tlPan(dir int) {
	w := m.wf
	from, to := m.tlWindow()
	cur := to.Sub(from)
	w.window = cur
	w.list.follow = false
	w.from = m.tlClampFrom(from.Add(time.Duration(dir)*cur/4), cur)
}

// tlClampFrom keeps a window of width wide from starting long before the
// session did.
func (m *Model) tlClampFrom(from time.Time, wide time.Duration) time.Time {
	if earliest := m.wf.tl.Origin().Add(-wide / 20); !m.wf.tl.Origin().IsZero() && from.Before(earliest) {
		return earliest
	}
	return from
}

// tlShowSelected moves a zoomed window to the selected request when it is
// out of sight.
func (m *Model) tlShowSelected() {
	w := m.wf
	s := w.selected()
	if s == nil || w.window <= 0 || w.list.follow {
		return
	}
	from, to := m.tlWindow()
	if w.spanEnd(s, m.tlEnd()).Before(from) || s.Start.After(to) {
		w.from = s.Start.Add(-w.window / 10)
	}
}

// ---- keys ----

// TimelineKeys drive the timeline view.
type TimelineKeys struct {
	ZoomIn   key.Binding
	ZoomOut  key.Binding
	Fit      key.Binding
	PanLeft  key.Binding
	PanRight key.Binding
	Lanes    key.Binding
	Jump     key.Binding
	Result   key.Binding
}

func defaultTimelineKeys() TimelineKeys {
	b := func(keys []string, k, d string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, d))
	}
	return TimelineKeys{
		ZoomIn:   b([]string{"+", "="}, "+", "zoom in (time)"),
		ZoomOut:  b([]string{"-", "_"}, "-", "zoom out"),
		Fit:      b([]string{"0"}, "0", "the whole session"),
		PanLeft:  b([]string{"left", "h"}, "←/h", "earlier"),
		PanRight: b([]string{"right", "l"}, "→/l", "later"),
		Lanes:    b([]string{"p"}, "p", "lanes / a row per request"),
		Jump:     b([]string{"enter"}, "enter", "the request in the log, in detail"),
		Result:   b([]string{"v"}, "v", "its answer as a result"),
	}
}

// timelineKey handles keys in the timeline view.
func (m *Model) timelineKey(msg tea.KeyPressMsg) tea.Cmd {
	w, k := m.wf, m.keys.Timeline
	n := len(w.spans())
	switch {
	case w.list.nav(msg, m.keys.Nav, n):
		m.tlShowSelected()
	case key.Matches(msg, k.ZoomIn):
		m.tlZoom(0.5)
	case key.Matches(msg, k.ZoomOut):
		m.tlZoom(2)
	case key.Matches(msg, k.Fit):
		w.window = 0
	case key.Matches(msg, k.PanLeft):
		m.tlPan(-1)
	case key.Matches(msg, k.PanRight):
		m.tlPan(1)
	case key.Matches(msg, k.Lanes):
		w.lanes = !w.lanes
		if w.lanes {
			m.setFlash(fmt.Sprintf("timeline: lanes (%d: the most requests open at once)", w.tl.Peak()), false)
		} else {
			m.setFlash("timeline: a row per request", false)
		}
	case key.Matches(msg, m.keys.Log.Keepalive):
		m.toggleKeepalive()
	case key.Matches(msg, m.keys.Log.Follow):
		w.list.follow = !w.list.follow
		w.list.clamp(n)
		if w.list.follow {
			m.setFlash("timeline: following the newest", false)
		} else {
			m.setFlash("timeline: follow off", false)
		}
	case key.Matches(msg, k.Jump):
		return m.tlJump(true)
	case key.Matches(msg, k.Result):
		if en := m.tlRequest(); en != nil {
			return m.showEventAsResult(en)
		}
	}
	return nil
}

// tlRequest finds the selected span's request in the log (nil, with a
// note, when it has left the log's window).
func (m *Model) tlRequest() *entry {
	s := m.wf.selected()
	if s == nil {
		m.setFlash("no request selected", true)
		return nil
	}
	for i := len(m.log.entries) - 1; i >= 0; i-- {
		e := &m.log.entries[i].ev
		if e.Seq == s.StartSeq && e.RPC == mcp.RPCRequest && e.ID == s.ID && e.Dir == s.Dir {
			return m.log.entries[i]
		}
	}
	m.setFlash("that request has left the log (it keeps the newest events)", true)
	return nil
}

// tlJump selects the selected span's request in the wire log and, with
// detail, opens it.
func (m *Model) tlJump(detail bool) tea.Cmd {
	en := m.tlRequest()
	if en == nil {
		return nil
	}
	cmd := m.setLogView(viewWire)
	if !m.selectInLog(en) {
		return cmd
	}
	if detail {
		m.pushDialog(newDetailDialog(m, en))
	}
	return cmd
}

// ---- drawing ----

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

func (m *Model) cellStyles(focused bool) [numCellStyles]lipgloss.Style {
	st := m.st
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

// spanStyle is the bar colour of a span.
func (w *waterfall) spanStyle(s *session.Span) int8 {
	switch {
	case s.Error:
		return cErr
	case s.Method == "subscriptions/listen" || w.tl.IsCut(s):
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
func (w *waterfall) drawSpan(c canvas, sc scale, s *session.Span, now time.Time, style int8) {
	a, b := sc.col(s.Start), sc.col(w.spanEnd(s, now))
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
	case !s.Done && !w.tl.IsCut(s):
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
// and the replay's position.
func (m *Model) axis(sc scale, origin time.Time) canvas {
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
	playX := -1
	if at, ok := m.playhead(); ok {
		playX = sc.col(at)
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
func (w *waterfall) tickRow(sc scale) canvas {
	c := newCanvas(sc.cols)
	span := sc.to.Sub(sc.from)
	at := func(x int) int { // the first tick at or after column x
		t := sc.from.Add(time.Duration(float64(span) * float64(x) / float64(sc.cols)))
		return sort.Search(len(w.tl.Ticks()), func(i int) bool { return !w.tl.Ticks()[i].Before(t) })
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
func (w *waterfall) spanLatency(s *session.Span, now time.Time) (string, int8) {
	switch {
	case w.tl.IsCut(s) && s.Method == "subscriptions/listen":
		return "closed", cQuiet
	case w.tl.IsCut(s):
		return "cut off", cQuiet
	case !s.Done && s.Method == "subscriptions/listen":
		return "listening", cQuiet
	case !s.Done:
		return fmtTook(max(0, now.Sub(s.Start))) + "…", cOpen
	case s.Cancelled:
		return "⊘ " + fmtTook(s.Latency), cErr
	case s.Error:
		return "✗ " + fmtTook(s.Latency), cErr
	case s.Note != "":
		return "no answer", cQuiet
	}
	return fmtTook(s.Latency), cPlain
}

// spanFacts describe the selected span on the view's last line.
func (m *Model) spanFacts(s *session.Span, end time.Time) string {
	parts := []string{spanLabel(s, 200), "at " + fmtAxis(max(0, s.Start.Sub(m.wf.tl.Origin())))}
	if spans := m.wf.spans(); m.wf.list.cursor < len(spans) && &spans[m.wf.list.cursor] == s {
		if c := spanCauseLine(spans, m.wf.list.cursor); c != "" {
			parts = append(parts, c)
		} else if n := len(session.Children(spans, m.wf.list.cursor)); n > 0 {
			parts = append(parts, fmt.Sprintf("%d server request(s) during it", n))
		}
	}
	lat, _ := m.wf.spanLatency(s, end)
	parts = append(parts, lat)
	if m.wf.tl.IsCut(s) {
		parts = append(parts, "the connection ended before an answer")
	}
	if s.Progress > 0 {
		parts = append(parts, fmt.Sprintf("%d progress", s.Progress))
	}
	if m.wf.tl.Peak() > 1 {
		parts = append(parts, fmt.Sprintf("lane %d", s.Lane+1))
	}
	if s.Err != "" {
		parts = append(parts, termsafe.Line(s.Err))
	} else if s.Note != "" {
		parts = append(parts, termsafe.Line(s.Note))
	}
	return strings.Join(parts, " · ")
}

func (m *Model) timelineTitle() string {
	w := m.wf
	t := fmt.Sprintf("Timeline %d", len(w.spans()))
	if n := w.tl.Waiting(); n > 0 {
		t += fmt.Sprintf(" · %d open", n)
	}
	if w.tl.Peak() > 1 {
		t += fmt.Sprintf(" · peak %d", w.tl.Peak())
	}
	if w.lanes {
		t += " · lanes"
	}
	if w.list.follow {
		t += " · follow"
	}
	return t
}

// renderTimeline draws the view in w×h cells.
func (m *Model) renderTimeline(width, h int, focused bool) []string {
	st, w := m.st, m.wf
	spans := w.spans()
	if len(spans) == 0 {
		w.list.rows = h
		return []string{st.Muted.Render("no requests yet: every request shows here as a bar over time (W or 4)")}
	}
	pal := m.cellStyles(focused)
	labelW, cols, hasLat := tlGeometry(width)
	end := m.tlEnd()
	from, to := m.tlWindow()
	sc := newScale(from, to, cols)
	playX := -1
	if at, ok := m.playhead(); ok {
		playX = sc.col(at)
	}
	var out []string
	// the axis, and the notifications
	what := "all " + fmtTook(to.Sub(from))
	if w.window > 0 {
		what = "zoom " + fmtTook(to.Sub(from))
	}
	out = append(out, st.Muted.Render(padRight(ansi.Truncate(what, labelW, "…"), labelW))+" "+m.axis(sc, w.tl.Origin()).render(&pal))
	head, _ := w.tlHead(h)
	rows := w.setHeight(h)
	if head > 1 {
		tr := w.tickRow(sc)
		playColumn(tr, playX)
		out = append(out, st.Muted.Render(padRight("notifications", labelW))+" "+tr.render(&pal))
	}
	if w.lanes {
		out = append(out, m.laneRows(sc, spans, labelW, rows, end, playX, &pal)...)
	} else {
		for i := w.list.offset; i < len(spans) && i < w.list.offset+rows; i++ {
			s := &spans[i]
			c := newCanvas(cols)
			w.drawSpan(c, sc, s, end, w.spanStyle(s))
			playColumn(c, playX)
			label := padRight(spanLabel(s, labelW), labelW)
			switch {
			case i == w.list.cursor:
				label = pal[cSel].Render(label)
			case s.Error:
				label = st.Err.UnsetBold().Render(label)
			default:
				label = st.Text.Render(label)
			}
			line := label + " " + c.render(&pal)
			if hasLat {
				lat, ls := w.spanLatency(s, end)
				line += " " + pal[ls].Render(padLeft(ansi.Truncate(lat, latW, ""), latW))
			}
			out = append(out, line)
		}
	}
	if _, showFacts := w.tlHead(h); showFacts {
		for len(out) < h-1 {
			out = append(out, "")
		}
		if s := w.selected(); s != nil {
			out = append(out, st.Muted.Render(ansi.Truncate(m.spanFacts(s, end), width, "…")))
		}
	}
	return out
}

// laneRows draws the lanes layout: one row per lane, every span of the
// lane on it, its name inside its bar when it fits.
func (m *Model) laneRows(sc scale, spans []session.Span, labelW, rows int, end time.Time, playX int, pal *[numCellStyles]lipgloss.Style) []string {
	w := m.wf
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
		e := w.spanEnd(s, end)
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
		style := w.spanStyle(s)
		if i == w.list.cursor {
			style = cSel
		}
		w.drawSpan(cs[row], sc, s, end, style)
		a, b := max(0, sc.col(s.Start)), min(sc.col(e), sc.cols-1)
		if b-a-1 < 4 {
			continue
		}
		if name := termsafe.Line(firstNonEmpty(s.Name, s.Method)); b-a-1 >= ansi.StringWidth(name)+1 {
			cs[row].text(a+1, name, style)
		}
	}
	out := make([]string, 0, n)
	for i, c := range cs {
		playColumn(c, playX)
		label := fmt.Sprintf("lane %d", w.laneOff+i+1)
		out = append(out, m.st.Muted.Render(padRight(label, labelW))+" "+c.render(pal))
	}
	return out
}

// tlGeometry splits the view's width: the label column, the bar area,
// and whether the latency column fits.
func tlGeometry(width int) (labelW, cols int, lat bool) {
	labelW = max(12, min(40, width*3/10))
	cols = width - labelW - latW - 2
	if cols < 8 {
		return labelW, max(1, width-labelW-1), false
	}
	return labelW, cols, true
}

// tlHead is how many rows come before the requests (the axis, and the
// notifications when there are any), and whether the selected request's
// facts take the last row, for a view h rows high.
func (w *waterfall) tlHead(h int) (head int, facts bool) {
	head = 1
	if len(w.tl.Ticks()) > 0 && h >= 6 {
		head++
	}
	return head, h >= 7
}

// setHeight sizes the list of requests for a view h rows high; it returns
// how many rows the requests get.
func (w *waterfall) setHeight(h int) int {
	head, facts := w.tlHead(h)
	rows := h - head
	if facts {
		rows--
	}
	w.list.rows = max(1, rows)
	w.list.clamp(len(w.spans()))
	return w.list.rows
}

// tlClick selects the request at (x, y) of the view; it reports whether
// there was one.
func (m *Model) tlClick(x, y, width int) bool {
	w := m.wf
	spans := w.spans()
	head, _ := w.tlHead(m.log.height)
	row := y - head
	if row < 0 || row >= w.list.rows {
		return false
	}
	if !w.lanes {
		return w.list.clickRow(row, len(spans))
	}
	labelW, cols, _ := tlGeometry(width)
	from, to := m.tlWindow()
	sc := newScale(from, to, cols)
	x -= labelW + 1
	lane, end := w.laneOff+row, m.tlEnd()
	best, dist := -1, 1<<30
	for i := range spans {
		s := &spans[i]
		if s.Lane != lane {
			continue
		}
		e := w.spanEnd(s, end)
		a, b := sc.col(s.Start), max(sc.col(s.Start), sc.col(e))
		d := 0
		if x < a {
			d = a - x
		} else if x > b {
			d = x - b
		}
		if d < dist {
			best, dist = i, d
		}
	}
	if best < 0 || dist > 2 {
		return false
	}
	w.list.cursor, w.list.follow = best, best == len(spans)-1
	w.list.clamp(len(spans))
	return true
}

func padLeft(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", w-n) + s
}

// startReplayView shows the timeline in a replay: the bottom pane opens on
// it, its axis starting at the recording's start.
func (m *Model) startReplayView() {
	m.logView = viewTimeline
	m.keys.disableLive()
	m.tasks.DisableLive()
	m.auth.DisableLive()
	m.com.Now = time.Time{} // the replay's clock is its events' times
	if !m.opts.ReplayStart.IsZero() {
		m.setOrigin(m.opts.ReplayStart)
	}
}
