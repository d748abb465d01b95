// Package timeline is the timeline view of the bottom pane (a waterfall):
// every JSON-RPC request as a bar from its start to its end on a shared
// time axis, with its latency; open requests grow, errors and
// cancellations take the error colour, and notifications from the server
// are ticks on a row of their own. It draws the state's timelines
// (session.Timeline), built from the same events as everything else, so a
// live session and a replay show it alike; in a replay the player's
// position is marked on the axis. Two layouts: one row per request
// (overlapping requests overlap on screen), or lanes (one row per lane:
// the lane count is the peak concurrency). Only what is visible is drawn;
// the spans kept are bounded.
package timeline

import (
	"fmt"
	"sort"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

const (
	// minWindow is the narrowest time window (zoomed all the way in).
	minWindow = time.Millisecond
	// latW is the width of the latency column.
	latW = 9
	// minFit is the narrowest window that fits the whole session, so the
	// first milliseconds of a session do not fill the width.
	minFit = 100 * time.Millisecond
)

// KeyMap is the timeline's keys.
type KeyMap struct {
	Nav       list.KeyMap
	ZoomIn    key.Binding
	ZoomOut   key.Binding
	Fit       key.Binding
	PanLeft   key.Binding
	PanRight  key.Binding
	Lanes     key.Binding
	Jump      key.Binding
	Result    key.Binding
	Keepalive key.Binding
	Follow    key.Binding
}

// DefaultKeyMap returns the timeline's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, d string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, d))
	}
	return KeyMap{
		Nav:       list.DefaultKeyMap(),
		ZoomIn:    b([]string{"+", "="}, "+", "zoom in (time)"),
		ZoomOut:   b([]string{"-", "_"}, "-", "zoom out"),
		Fit:       b([]string{"0"}, "0", "the whole session"),
		PanLeft:   b([]string{"left", "h"}, "←/h", "earlier"),
		PanRight:  b([]string{"right", "l"}, "→/l", "later"),
		Lanes:     b([]string{"p"}, "p", "lanes / a row per request"),
		Jump:      b([]string{"enter"}, "enter", "the request in the log, in detail"),
		Result:    b([]string{"v"}, "v", "its answer as a result"),
		Keepalive: b([]string{"K"}, "K", "show/hide keepalives"),
		Follow:    b([]string{"f"}, "f", "follow"),
	}
}

// The timeline's own actions: what the root does for it.
type (
	// Open asks for the span's request in the wire log, selected and
	// opened in detail.
	Open struct{ Span session.Span }
	// ShowResult asks for the answer to the span's request, shown as a
	// result in the work pane.
	ShowResult struct{ Span session.Span }
	// ToggleKeepalive asks to hide or show keepalive traffic in the log
	// and the timeline alike (the root then calls [Pane.SetQuiet]).
	ToggleKeepalive struct{}
)

// Replay is a replay's player as the timeline needs it: where it is and
// how long the recording is.
type Replay interface{ Status() store.PlayerStatus }

// view is one of the state's timelines (the spans, the axis, the ticks,
// the end of the connection: at most session.MaxSpans spans) and how it
// is looked at.
type view struct {
	tl   *session.Timeline
	list list.Model // the selected span (cursor) and the first row shown (offset)
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

func newView(tl *session.Timeline, nav list.KeyMap) *view {
	v := &view{tl: tl, list: list.NewFollowing(), dropped: tl.Dropped()}
	v.list.KeyMap = nav
	v.list.SetLen(len(tl.Spans()))
	return v
}

func (w *view) spans() []session.Span { return w.tl.Spans() }

func (w *view) selected() *session.Span {
	s := w.spans()
	if c := w.list.Cursor(); c < len(s) {
		return &s[c]
	}
	return nil
}

// sync follows the timeline: the selection stays on its span when the
// oldest spans go, and follows the newest when it does.
func (w *view) sync() {
	if d := w.tl.Dropped() - w.dropped; d > 0 && !w.list.Following() {
		w.list.Shift(int(d))
	}
	w.dropped = w.tl.Dropped()
	w.list.SetLen(len(w.spans()))
}

// Pane is the timeline view: the state's timeline with every request or
// the one without keepalive traffic (client and server pings), as the
// log's keepalive toggle says. Both are kept up to date, so toggling
// loses nothing.
type Pane struct {
	c     *common.Common
	Keys  KeyMap
	s     *session.State
	all   *view
	quiet *view
	cur   *view // all or quiet
	// replay is the player of a replay (nil: a live session); start is
	// the recording's start (zero: the timeline's origin).
	replay        Replay
	start         time.Time
	focused       bool
	width, height int
}

var _ component.Pane = (*Pane)(nil)

// New returns the timeline of s, following the newest request, with
// every request shown.
func New(c *common.Common, s *session.State) *Pane {
	p := &Pane{c: c, Keys: DefaultKeyMap(), s: s, height: 1}
	p.all, p.quiet = newView(&s.Timeline, p.Keys.Nav), newView(&s.Quiet, p.Keys.Nav)
	p.cur = p.all
	return p
}

// SetReplay marks the pane as a replay's: the player's position is drawn
// on the axis, counted from start (zero: the timeline's origin), and the
// whole session is the whole recording.
func (p *Pane) SetReplay(r Replay, start time.Time) { p.replay, p.start = r, start }

// Reset follows the state's timelines afresh (a replay went back),
// keeping the layout and the window's width.
func (p *Pane) Reset() {
	was := p.cur
	p.all, p.quiet = newView(&p.s.Timeline, p.Keys.Nav), newView(&p.s.Quiet, p.Keys.Nav)
	p.cur = p.all
	if was == nil || was.tl == &p.s.Quiet {
		p.cur = p.quiet
	}
	p.cur.window, p.cur.lanes = was.window, was.lanes
	p.cur.list.SetHeight(was.list.Height())
}

// Sync follows both timelines (the state changed).
func (p *Pane) Sync() {
	p.all.sync()
	p.quiet.sync()
}

// Waiting is the number of requests waiting for an answer.
func (p *Pane) Waiting() int { return p.cur.tl.Waiting() }

// Spans is the spans of the timeline shown.
func (p *Pane) Spans() []session.Span { return p.cur.spans() }

// Selected is the selected span, or nil.
func (p *Pane) Selected() *session.Span { return p.cur.selected() }

// SetQuiet shows the timeline without keepalive traffic (or with it),
// with the same window, layout and, where it can, the same selected
// request.
func (p *Pane) SetQuiet(quiet bool) {
	next := p.all
	if quiet {
		next = p.quiet
	}
	old := p.cur
	if old == next {
		return
	}
	p.cur = next
	next.window, next.from, next.lanes, next.laneOff = old.window, old.from, old.lanes, old.laneOff
	next.list.SetHeight(old.list.Height())
	next.list.SetLen(len(next.spans()))
	next.list.SetFollow(old.list.Following())
	if sel := old.selected(); sel != nil && !old.list.Following() {
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
		next.list.SetCursor(min(i, max(0, len(spans)-1)))
		next.list.SetFollow(false)
		next.list.SetOffset(max(0, next.list.Cursor()-(old.list.Cursor()-old.list.Offset())))
	}
}

// ---- time ----

// Playhead is the replay's position in event time (false: not a replay,
// or no time to count from yet).
func (p *Pane) Playhead() (time.Time, bool) {
	if p.replay == nil {
		return time.Time{}, false
	}
	origin := p.start
	if origin.IsZero() {
		origin = p.cur.tl.Origin()
	}
	if origin.IsZero() {
		return time.Time{}, false
	}
	return origin.Add(p.replay.Status().At), true
}

// End is the timeline's now: the replay's position, or the clock.
func (p *Pane) End() time.Time {
	if at, ok := p.Playhead(); ok {
		return at
	}
	if p.c.Now.Before(p.cur.tl.Last()) {
		return p.cur.tl.Last()
	}
	return p.c.Now
}

// fit is the window that shows the whole session: in a replay the whole
// recording, so the position moves across a fixed axis.
func (p *Pane) fit(end time.Time) (time.Time, time.Time) {
	w := p.cur
	lo, hi := w.tl.Origin(), end
	if lo.IsZero() || lo.After(end) {
		lo = end
	}
	if w.tl.Last().After(hi) {
		hi = w.tl.Last()
	}
	if p.replay != nil {
		if d := p.replay.Status().Duration; d > 0 && lo.Add(d).After(hi) {
			hi = lo.Add(d)
		}
	}
	if hi.Sub(lo) < minFit {
		hi = lo.Add(minFit)
	}
	return lo, hi
}

// Window is the time range the bars are drawn in.
func (p *Pane) Window() (time.Time, time.Time) {
	w := p.cur
	end := p.End()
	switch {
	case w.window <= 0:
		return p.fit(end)
	case w.list.Following():
		return end.Add(-w.window * 19 / 20), end.Add(w.window / 20)
	}
	return w.from, w.from.Add(w.window)
}

// zoom narrows (factor < 1) or widens the window, around the selected
// request when the view does not follow the newest; wide enough to hold
// the whole session, it fits it.
func (p *Pane) zoom(factor float64) component.Action {
	w := p.cur
	from, to := p.Window()
	cur := to.Sub(from)
	next := max(minWindow, time.Duration(float64(cur)*factor))
	lo, hi := p.fit(p.End())
	if next >= hi.Sub(lo)*99/100 {
		w.window = 0
		return component.Flash{Text: "timeline: the whole session"}
	}
	centre := from.Add(cur / 2)
	if s := w.selected(); s != nil && !w.list.Following() {
		centre = s.Start
	}
	w.window, w.from = next, p.clampFrom(centre.Add(-next/2), next)
	return component.Flash{Text: "timeline: " + common.FmtTook(next) + " wide"}
}

// pan moves the window by a quarter of its width; the view stops
// following the newest.
func (p *Pane) pan(dir int) {
	w := p.cur
	from, to := p.Window()
	cur := to.Sub(from)
	w.window = cur
	w.list.SetFollow(false)
	w.from = p.clampFrom(from.Add(time.Duration(dir)*cur/4), cur)
}

// clampFrom keeps a window of width wide from starting long before the
// session did.
func (p *Pane) clampFrom(from time.Time, wide time.Duration) time.Time {
	if earliest := p.cur.tl.Origin().Add(-wide / 20); !p.cur.tl.Origin().IsZero() && from.Before(earliest) {
		return earliest
	}
	return from
}

// showSelected moves a zoomed window to the selected request when it is
// out of sight.
func (p *Pane) showSelected() {
	w := p.cur
	s := w.selected()
	if s == nil || w.window <= 0 || w.list.Following() {
		return
	}
	from, to := p.Window()
	if spanEnd(w.tl, s, p.End()).Before(from) || s.Start.After(to) {
		w.from = s.Start.Add(-w.window / 10)
	}
}

// ---- keys and the mouse ----

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	w := p.cur
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := p.Keys
		switch {
		case w.list.HandleKey(msg):
			p.showSelected()
		case key.Matches(msg, k.ZoomIn):
			return p.zoom(0.5), nil
		case key.Matches(msg, k.ZoomOut):
			return p.zoom(2), nil
		case key.Matches(msg, k.Fit):
			w.window = 0
		case key.Matches(msg, k.PanLeft):
			p.pan(-1)
		case key.Matches(msg, k.PanRight):
			p.pan(1)
		case key.Matches(msg, k.Lanes):
			w.lanes = !w.lanes
			if w.lanes {
				return component.Flash{Text: fmt.Sprintf("timeline: lanes (%d: the most requests open at once)", w.tl.Peak())}, nil
			}
			return component.Flash{Text: "timeline: a row per request"}, nil
		case key.Matches(msg, k.Keepalive):
			return ToggleKeepalive{}, nil
		case key.Matches(msg, k.Follow):
			w.list.SetFollow(!w.list.Following())
			if w.list.Following() {
				return component.Flash{Text: "timeline: following the newest"}, nil
			}
			return component.Flash{Text: "timeline: follow off"}, nil
		case key.Matches(msg, k.Jump):
			return p.open(), nil
		case key.Matches(msg, k.Result):
			if s := w.selected(); s != nil {
				return ShowResult{Span: *s}, nil
			}
			return noneSelected, nil
		}
	case tea.MouseWheelMsg:
		w.list.Wheel(msg, 1)
		p.showSelected()
	case tea.MouseClickMsg:
		// a click selects; a click on the selected request of the
		// focused pane opens it
		before := w.selected()
		if p.click(msg.X, msg.Y) && before != nil && w.selected() == before && p.focused {
			return p.open(), nil
		}
	}
	return nil, nil
}

var noneSelected = component.Flash{Text: "no request selected", Err: true}

// open asks for the selected request in the log, in detail.
func (p *Pane) open() component.Action {
	if s := p.cur.selected(); s != nil {
		return Open{Span: *s}
	}
	return noneSelected
}

// click selects the request at (x, y) of the view; it reports whether
// there was one.
func (p *Pane) click(x, y int) bool {
	w := p.cur
	spans := w.spans()
	head, _ := w.head(p.height)
	row := y - head
	if row < 0 || row >= w.list.Height() {
		return false
	}
	if !w.lanes {
		return w.list.Click(row)
	}
	labelW, cols, _ := geometry(p.width)
	from, to := p.Window()
	sc := newScale(from, to, cols)
	x -= labelW + 1
	lane, end := w.laneOff+row, p.End()
	best, dist := -1, 1<<30
	for i := range spans {
		s := &spans[i]
		if s.Lane != lane {
			continue
		}
		e := spanEnd(w.tl, s, end)
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
	w.list.SetCursor(best)
	return true
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(width, height int) {
	p.width, p.height = width, height
	p.cur.setHeight(height)
}

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Title implements [component.Pane].
func (p *Pane) Title() string {
	w := p.cur
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
	if w.list.Following() {
		t += " · follow"
	}
	return t
}

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding {
	k := p.Keys
	return []key.Binding{k.Jump, k.ZoomIn, k.ZoomOut, k.PanLeft, k.PanRight, k.Lanes, k.Fit, k.Keepalive, k.Follow}
}

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	k := p.Keys
	return [][]key.Binding{k.Nav.Bindings(), {k.Jump, k.Result, k.ZoomIn, k.ZoomOut, k.Fit, k.PanLeft, k.PanRight, k.Lanes, k.Keepalive, k.Follow}}
}

// SpanLabel is a request's row label: direction, method, what it acts
// on, id, in at most w cells; the name is shortened first.
func SpanLabel(s *session.Span, w int) string { return spanLabel(s, w) }

// Latency is the latency column of a span of tl: how long it took, or
// has run so far (until now).
func Latency(tl *session.Timeline, s *session.Span, now time.Time) string {
	l, _ := spanLatency(tl, s, now)
	return l
}
