package ui

import (
	"sort"

	"charm.land/lipgloss/v2"

	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// DefaultLogWindow is how many events the log keeps in memory. The
// recording (when on) holds everything; the log is a window onto the most
// recent part, so memory and frame time do not grow with history.
const DefaultLogWindow = 50_000

// defaultLogBytes bounds the payload bytes the window holds: a few huge
// results evict older events early rather than exhausting memory.
const defaultLogBytes = 256 << 20

// entry is one event in the log with its display strings, computed lazily
// (only visible or filtered entries ever pay for a summary).
type entry struct {
	ev        mcp.Event
	lbl, sum  string
	hasLbl    bool
	hasSum    bool
	keepalive bool
}

func (en *entry) label() string {
	if !en.hasLbl {
		en.lbl = termsafe.Line(en.ev.Label())
		en.hasLbl = true
	}
	return en.lbl
}

func (en *entry) summary() string {
	if !en.hasSum {
		en.sum = en.ev.Summary()
		en.hasSum = true
	}
	return en.sum
}

// size is what the entry counts against the window's byte budget: the
// event's memory, headers included (a server can send megabytes of them
// with every answer).
func (en *entry) size() int { return int(en.ev.MemSize()) }

// eventLog is the log pane: a bounded window of entries, a filtered index
// into it, a cursor and a scroll offset. Only the visible rows are rendered.
type eventLog struct {
	entries  []*entry
	base     uint64 // absolute index of entries[0]
	window   int
	maxBytes int
	bytes    int
	evicted  uint64

	q             query
	hideKeepalive bool
	matches       []uint64 // absolute indexes of entries that pass the filter, ascending

	cursor int // index into matches
	offset int // first visible row (index into matches)
	follow bool

	filtering bool
	input     textinput.Model

	// mark picks the events that came back for the composer's last
	// message: drawn with ◆ after the time.
	mark *rawMark

	width, height int
}

func newEventLog(window int) *eventLog {
	if window <= 0 {
		window = DefaultLogWindow
	}
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "method:tools/call dir:in kind:keepalive id:7 text"
	ti.CharLimit = 400
	return &eventLog{window: window, maxBytes: defaultLogBytes, follow: true, input: ti}
}

// len is the number of entries held.
func (l *eventLog) len() int { return len(l.entries) }

// visible is the number of entries passing the filter.
func (l *eventLog) visible() int { return len(l.matches) }

func (l *eventLog) at(abs uint64) *entry {
	if abs < l.base || abs >= l.base+uint64(len(l.entries)) {
		return nil
	}
	return l.entries[abs-l.base]
}

// selected returns the entry under the cursor, or nil.
func (l *eventLog) selected() *entry {
	if l.cursor < 0 || l.cursor >= len(l.matches) {
		return nil
	}
	return l.at(l.matches[l.cursor])
}

func (l *eventLog) passes(en *entry) bool {
	if l.hideKeepalive && en.keepalive {
		return false
	}
	return l.q.match(en)
}

// append adds a batch of events, evicting the oldest beyond the window.
func (l *eventLog) append(evs []mcp.Event) {
	for i := range evs {
		en := &entry{ev: evs[i]}
		en.keepalive = en.ev.IsKeepalive()
		abs := l.base + uint64(len(l.entries))
		l.entries = append(l.entries, en)
		l.bytes += en.size()
		if l.passes(en) {
			l.matches = append(l.matches, abs)
		}
	}
	l.evict()
	if l.follow {
		l.cursor = len(l.matches) - 1
	}
	l.clamp()
}

func (l *eventLog) evict() {
	n := 0
	for len(l.entries)-n > l.window || (l.bytes > l.maxBytes && len(l.entries)-n > 1) {
		l.bytes -= l.entries[n].size()
		l.entries[n] = nil
		n++
	}
	if n == 0 {
		return
	}
	l.entries = l.entries[n:]
	l.base += uint64(n)
	l.evicted += uint64(n)
	// Compact when the slack in front grows large, so the backing array
	// does not keep growing.
	if cap(l.entries) > 2*l.window+1024 {
		l.entries = append(make([]*entry, 0, l.window+l.window/4), l.entries...)
	}
	k := sort.Search(len(l.matches), func(i int) bool { return l.matches[i] >= l.base })
	if k > 0 {
		l.matches = l.matches[k:]
		if cap(l.matches) > 2*l.window+1024 {
			l.matches = append(make([]uint64, 0, len(l.matches)+l.window/4), l.matches...)
		}
		l.cursor -= k
		l.offset -= k
	}
}

// refilter rebuilds the filtered index, keeping the selected event
// selected when it still passes.
func (l *eventLog) refilter() {
	var keep uint64
	had := false
	if l.cursor >= 0 && l.cursor < len(l.matches) {
		keep, had = l.matches[l.cursor], true
	}
	l.matches = l.matches[:0]
	for i, en := range l.entries {
		if l.passes(en) {
			l.matches = append(l.matches, l.base+uint64(i))
		}
	}
	if l.follow || !had {
		l.cursor = len(l.matches) - 1
	} else {
		l.cursor = sort.Search(len(l.matches), func(i int) bool { return l.matches[i] >= keep })
	}
	l.clamp()
}

func (l *eventLog) setQuery(s string) {
	l.q = parseQuery(s)
	l.refilter()
}

func (l *eventLog) toggleKeepalive() {
	l.hideKeepalive = !l.hideKeepalive
	l.refilter()
}

// rows is the number of event lines that fit.
func (l *eventLog) rows() int {
	h := l.height
	if l.filtering || !l.q.empty() {
		h-- // filter line
	}
	return max(1, h)
}

func (l *eventLog) clamp() {
	n := len(l.matches)
	if n == 0 {
		l.cursor, l.offset = 0, 0
		return
	}
	l.cursor = max(0, min(l.cursor, n-1))
	rows := l.rows()
	if l.follow {
		l.offset = max(0, n-rows)
		return
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+rows {
		l.offset = l.cursor - rows + 1
	}
	l.offset = max(0, min(l.offset, max(0, n-rows)))
}

// move moves the cursor by d rows; leaving the bottom turns follow off,
// reaching it turns follow on.
func (l *eventLog) move(d int) {
	if len(l.matches) == 0 {
		return
	}
	l.cursor += d
	l.follow = l.cursor >= len(l.matches)-1
	l.clamp()
}

func (l *eventLog) top() {
	l.cursor, l.follow = 0, false
	l.clamp()
}

func (l *eventLog) bottom() {
	l.follow = true
	l.cursor = len(l.matches) - 1
	l.clamp()
}

func (l *eventLog) setFollow(on bool) {
	l.follow = on
	if on {
		l.bottom()
	}
}

// clickRow selects the row at y (0 = first event line).
func (l *eventLog) clickRow(y int) {
	if l.filtering || !l.q.empty() {
		y--
	}
	i := l.offset + y
	if y < 0 || i >= len(l.matches) {
		return
	}
	l.cursor = i
	l.follow = i == len(l.matches)-1
	l.clamp()
}

// findRequest finds the request an answer (or progress) refers to, by id,
// searching backwards from before.
func (l *eventLog) findRequest(id string, before uint64) *entry {
	if id == "" {
		return nil
	}
	for i := min(int(before-l.base), len(l.entries)) - 1; i >= 0; i-- {
		en := l.entries[i]
		if en.ev.ID == id && en.ev.RPC == mcp.RPCRequest && en.ev.Dir == mcp.DirOut {
			return en
		}
	}
	return nil
}

// render draws the pane's content lines (without a border).
func (l *eventLog) render(st *Styles, focused bool) []string {
	out := make([]string, 0, l.height)
	w := l.width
	if l.filtering || !l.q.empty() {
		if l.filtering {
			l.input.SetWidth(max(10, w-4))
			out = append(out, ansi.Truncate(l.input.View(), w, "…"))
		} else {
			line := st.Accent2.Render("filter: ") + st.Text.Render(termsafe.Line(l.q.text))
			if note := l.q.unknownNote(); note != "" {
				line += "  " + st.Warn.Render("⚠ "+termsafe.Line(note))
			} else {
				line += st.Muted.Render("  (/ edit, esc clear)")
			}
			out = append(out, ansi.Truncate(line, w, "…"))
		}
	}
	rows := l.rows()
	if len(l.matches) == 0 {
		msg := "no events yet"
		if len(l.entries) > 0 {
			msg = "no events match the filter"
		}
		out = append(out, st.Muted.Render(msg))
	}
	for i := l.offset; i < len(l.matches) && len(out) < l.height && i < l.offset+rows; i++ {
		en := l.at(l.matches[i])
		if en == nil {
			continue
		}
		out = append(out, l.line(en, st, w, i == l.cursor, focused))
	}
	return out
}

// line renders one event line: time, direction, kind, id, summary.
func (l *eventLog) line(en *entry, st *Styles, w int, sel, focused bool) string {
	e := &en.ev
	ts := e.Time.Format("15:04:05")
	if w >= 100 {
		ts = e.Time.Format("15:04:05.000")
	}
	arrow, as := "·", st.Meta
	switch e.Dir {
	case mcp.DirOut:
		arrow, as = "→", st.Out
	case mcp.DirIn:
		arrow, as = "←", st.In
	}
	if e.Kind == mcp.KindFault {
		// a fault sonde injected on purpose: marked, so what follows it
		// is read as its effect, not the server's doing
		arrow, as = "!", st.Warn
	}
	lblW := max(14, min(28, w/5))
	lbl := padRight(ansi.Truncate(en.label(), lblW, "…"), lblW)
	ls := st.Text
	switch {
	case en.keepalive:
		ls = st.Keepalive
	case e.Kind == mcp.KindError || e.RPC == mcp.RPCErrorResponse || isErrorResult(e) || e.Kind == mcp.KindHTTP && e.Status >= 400:
		ls = st.Err
	case e.Kind == mcp.KindState:
		ls = stateStyle(st, e.State)
	case e.Kind == mcp.KindFault:
		ls = st.Warn
	case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCNotification:
		ls = st.Accent2
	case e.Kind != mcp.KindMessage:
		ls = st.Muted
	}
	sum := en.summary()
	if e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse {
		// the summary starts with "#id"; the id is already in its column... keep as is
	}
	prefixW := len(ts) + 1 + 1 + 1 + lblW + 1
	sumW := max(0, w-prefixW)
	sum = ansi.Truncate(sum, sumW, "…")
	sep, marked := " ", l.mark.marked(e)
	if marked {
		sep = "◆"
	}
	if sel {
		plain := ts + sep + arrow + " " + lbl + " " + sum
		plain = padRight(ansi.Truncate(plain, w, "…"), w)
		if focused {
			return st.Selected.Render(plain)
		}
		return st.SelectedBlur.Render(plain)
	}
	sumStyle := st.Text
	switch {
	case en.keepalive:
		sumStyle = st.Keepalive
	case e.Kind == mcp.KindFault:
		sumStyle = st.Warn
	case e.Kind == mcp.KindHTTP && e.Status < 400, e.Kind == mcp.KindInfo:
		sumStyle = st.Muted // transport chatter stays readable but quiet
	case e.Kind == mcp.KindError || e.RPC == mcp.RPCErrorResponse:
		sumStyle = st.Err.UnsetBold()
	}
	if marked {
		sep = st.Accent.Render(sep)
	}
	return st.Muted.Render(ts) + sep + as.Render(arrow) + " " + ls.Render(lbl) + " " + sumStyle.Render(sum)
}

func stateStyle(st *Styles, s mcp.State) (out lipglossStyle) {
	switch s {
	case mcp.StateConnected:
		return st.OK
	case mcp.StateConnecting, mcp.StateReconnecting:
		return st.Warn
	case mcp.StateError, mcp.StateClosed:
		return st.Err
	}
	return st.Muted
}

type lipglossStyle = lipgloss.Style
