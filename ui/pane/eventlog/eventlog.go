// Package eventlog is the event log pane: every event of the session, a
// bounded window onto the newest (the recording, when on, holds them
// all), through a filter the user types (see [Query]), with a cursor that
// follows the newest event until the user moves up. Only the visible rows
// are drawn, and an event's label and summary are worked out only when it
// is drawn or filtered, so memory and frame time do not grow with
// history.
package eventlog

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// DefaultWindow is how many events the log keeps in memory. The
// recording (when on) holds everything; the log is a window onto the most
// recent part, so memory and frame time do not grow with history.
const DefaultWindow = 50_000

// defaultBytes bounds the payload bytes the window holds: a few huge
// results evict older events early rather than exhausting memory.
const defaultBytes = 256 << 20

// Entry is one event in the log with its display strings, computed lazily
// (only visible or filtered entries ever pay for a summary).
type Entry struct {
	// Ev is the event.
	Ev        mcp.Event
	lbl, sum  string
	hasLbl    bool
	hasSum    bool
	keepalive bool
}

// Label is the event's kind column, terminal-safe.
func (en *Entry) Label() string {
	if !en.hasLbl {
		en.lbl = termsafe.Line(en.Ev.Label())
		en.hasLbl = true
	}
	return en.lbl
}

// Summary is the event's one-line summary.
func (en *Entry) Summary() string {
	if !en.hasSum {
		en.sum = en.Ev.Summary()
		en.hasSum = true
	}
	return en.sum
}

// size is what the entry counts against the window's byte budget: the
// event's memory, headers included (a server can send megabytes of them
// with every answer).
func (en *Entry) size() int { return int(en.Ev.MemSize()) }

// KeyMap is the event log's keys.
type KeyMap struct {
	Nav        list.KeyMap
	Filter     key.Binding
	Follow     key.Binding
	Keepalive  key.Binding
	Detail     key.Binding
	Copy       key.Binding
	Save       key.Binding
	ViewResult key.Binding
	Cancel     key.Binding
	ClearFil   key.Binding
	Pair       key.Binding
	Resend     key.Binding
	// the filter field's: they leave it (every other key types)
	FilterClear key.Binding
	FilterDone  key.Binding
}

// DefaultKeyMap returns the event log's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Nav:         list.DefaultKeyMap(),
		Filter:      b([]string{"/"}, "/", "filter (method: dir: kind: id:)"),
		Follow:      b([]string{"f"}, "f", "follow"),
		Keepalive:   b([]string{"K"}, "K", "show/hide keepalives"),
		Detail:      b([]string{"enter"}, "enter", "detail"),
		Copy:        b([]string{"c"}, "c", "copy as JSON/curl/sonde call"),
		Save:        b([]string{"s"}, "s", "save the event to a file"),
		ViewResult:  b([]string{"v"}, "v", "show as result"),
		Cancel:      b([]string{"x"}, "x", "cancel request"),
		ClearFil:    b([]string{"esc"}, "esc", "clear filter"),
		Pair:        b([]string{"%"}, "%", "jump between request and answer"),
		Resend:      b([]string{"e"}, "e", "edit and send again (composer)"),
		FilterClear: b([]string{"esc"}, "esc", "clear filter"),
		FilterDone:  b([]string{"enter", "tab", "down"}, "enter", "keep filter"),
	}
}

// The event log's own actions: what the root does for it.
type (
	// Detail asks for an event in detail.
	Detail struct{ Entry *Entry }
	// Copy asks how to copy an event (JSON, curl, a sonde call).
	Copy struct{ Entry *Entry }
	// Save asks to save an event to a file.
	Save struct{ Entry *Entry }
	// ShowResult asks for an answer (or the answer to a request) shown as
	// a result in the work pane.
	ShowResult struct{ Entry *Entry }
	// Resend asks for the selected message (nil: none) in the composer,
	// to edit and send again.
	Resend struct{ Entry *Entry }
	// Cancel asks to cancel the user's call whose JSON-RPC id is ID.
	Cancel struct{ ID string }
	// ToggleKeepalive asks to hide or show keepalive traffic in the log
	// and the timeline alike (the root then calls [Pane.ToggleKeepalive]).
	ToggleKeepalive struct{}
)

// Pane is the log pane: a bounded window of entries, a filtered index
// into it, and a following list over that index.
type Pane struct {
	c    *common.Common
	Keys KeyMap

	entries  []*Entry
	base     uint64 // absolute index of entries[0]
	window   int
	maxBytes int
	bytes    int
	evicted  uint64
	behind   int // events the feed holds that the log has not drawn yet

	q             Query
	hideKeepalive bool
	matches       []uint64 // absolute indexes of entries that pass the filter, ascending

	// list is the cursor and scroll over matches (its rows are
	// indexes into matches); it follows the newest until moved up
	list list.Model

	filtering bool
	input     textinput.Model

	// marked picks the events that came back for the composer's last
	// message: drawn with ◆ after the time (nil: none).
	marked func(*mcp.Event) bool

	focused       bool
	width, height int
}

var _ component.Pane = (*Pane)(nil)

// New returns an empty log keeping the newest window events (0: the
// default).
func New(c *common.Common, window int) *Pane {
	if window <= 0 {
		window = DefaultWindow
	}
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "method:tools/call dir:in kind:keepalive id:7 text"
	ti.CharLimit = 400
	return &Pane{c: c, Keys: DefaultKeyMap(), window: window, maxBytes: defaultBytes, list: list.NewFollowing(), input: ti}
}

// Reset forgets every event seen so far (a replay went back), keeping the
// user's view settings (the filter, the keepalive toggle) and following
// the newest again.
func (p *Pane) Reset() {
	n := New(p.c, p.window)
	n.Keys, n.maxBytes = p.Keys, p.maxBytes
	n.q, n.hideKeepalive = p.q, p.hideKeepalive
	n.filtering, n.input = p.filtering, p.input
	n.focused, n.width, n.height = p.focused, p.width, p.height
	*p = *n
}

// DisableLive turns off the keys that need a live server (a replay has
// none): they neither act nor show in the help.
func (p *Pane) DisableLive() {
	p.Keys.Resend.SetEnabled(false)
	p.Keys.Cancel.SetEnabled(false)
}

// SetMark marks the events marked says (the composer's answer; nil:
// none).
func (p *Pane) SetMark(marked func(*mcp.Event) bool) { p.marked = marked }

// SetBehind says how many events the feed holds that the log has not
// drawn yet (the title says so).
func (p *Pane) SetBehind(n int) { p.behind = n }

// Skipped counts events that went by while the UI was behind: the state
// and the recording have them, the log never will.
func (p *Pane) Skipped(n int) { p.evicted += uint64(n) }

// Len is the number of entries held.
func (p *Pane) Len() int { return len(p.entries) }

// Shown is the number of entries passing the filter.
func (p *Pane) Shown() int { return len(p.matches) }

// Evicted is the number of events that left the window (or never
// reached it).
func (p *Pane) Evicted() uint64 { return p.evicted }

// Entries is the entries held, oldest first (to read, not to change).
func (p *Pane) Entries() []*Entry { return p.entries }

// Filter is the filter's text.
func (p *Pane) Filter() string { return p.q.text }

// Behind is what [Pane.SetBehind] said.
func (p *Pane) Behind() int { return p.behind }

// Size is the size the pane is drawn at.
func (p *Pane) Size() (w, h int) { return p.width, p.height }

// Following reports whether the cursor stays on the newest event.
func (p *Pane) Following() bool { return p.list.Following() }

// HideKeepalive reports whether keepalive traffic is hidden.
func (p *Pane) HideKeepalive() bool { return p.hideKeepalive }

// Filtering reports whether the filter field has the keys.
func (p *Pane) Filtering() bool { return p.filtering }

// StopFiltering leaves the filter field, keeping the filter as it is
// (coming back does not land keys in it).
func (p *Pane) StopFiltering() {
	if p.filtering {
		p.filtering = false
		p.input.Blur()
		p.clamp()
	}
}

func (p *Pane) at(abs uint64) *Entry {
	if abs < p.base || abs >= p.base+uint64(len(p.entries)) {
		return nil
	}
	return p.entries[abs-p.base]
}

// Selected returns the entry under the cursor, or nil.
func (p *Pane) Selected() *Entry {
	if c := p.list.Cursor(); c < len(p.matches) {
		return p.at(p.matches[c])
	}
	return nil
}

// Last is the newest entry, or nil.
func (p *Pane) Last() *Entry {
	if len(p.entries) == 0 {
		return nil
	}
	return p.entries[len(p.entries)-1]
}

// Find is the newest entry whose event is, or nil.
func (p *Pane) Find(is func(*mcp.Event) bool) *Entry {
	for i := len(p.entries) - 1; i >= 0; i-- {
		if is(&p.entries[i].Ev) {
			return p.entries[i]
		}
	}
	return nil
}

func (p *Pane) passes(en *Entry) bool {
	if p.hideKeepalive && en.keepalive {
		return false
	}
	return p.q.Match(en)
}

// Append adds a batch of events, evicting the oldest beyond the window.
func (p *Pane) Append(evs []mcp.Event) {
	for i := range evs {
		en := &Entry{Ev: evs[i]}
		en.keepalive = en.Ev.IsKeepalive()
		abs := p.base + uint64(len(p.entries))
		p.entries = append(p.entries, en)
		p.bytes += en.size()
		if p.passes(en) {
			p.matches = append(p.matches, abs)
		}
	}
	p.list.SetLen(len(p.matches))
	p.evict()
	p.clamp()
}

func (p *Pane) evict() {
	n := 0
	for len(p.entries)-n > p.window || (p.bytes > p.maxBytes && len(p.entries)-n > 1) {
		p.bytes -= p.entries[n].size()
		p.entries[n] = nil
		n++
	}
	if n == 0 {
		return
	}
	p.entries = p.entries[n:]
	p.base += uint64(n)
	p.evicted += uint64(n)
	// Compact when the slack in front grows large, so the backing array
	// does not keep growing.
	if cap(p.entries) > 2*p.window+1024 {
		p.entries = append(make([]*Entry, 0, p.window+p.window/4), p.entries...)
	}
	k := sort.Search(len(p.matches), func(i int) bool { return p.matches[i] >= p.base })
	if k > 0 {
		p.matches = p.matches[k:]
		if cap(p.matches) > 2*p.window+1024 {
			p.matches = append(make([]uint64, 0, len(p.matches)+p.window/4), p.matches...)
		}
		p.list.Shift(k)
	}
}

// refilter rebuilds the filtered index, keeping the selected event
// selected when it still passes.
func (p *Pane) refilter() {
	var keep uint64
	had := false
	if c := p.list.Cursor(); c < len(p.matches) {
		keep, had = p.matches[c], true
	}
	p.matches = p.matches[:0]
	for i, en := range p.entries {
		if p.passes(en) {
			p.matches = append(p.matches, p.base+uint64(i))
		}
	}
	p.list.SetLen(len(p.matches))
	p.clamp()
	if p.list.Following() {
		return
	}
	at := len(p.matches) - 1
	if had {
		at = sort.Search(len(p.matches), func(i int) bool { return p.matches[i] >= keep })
	}
	// the selection stays put (not following) even when it lands on the
	// newest row
	p.list.SetCursor(at)
	p.list.SetFollow(false)
}

// SetFilter filters the log with s (see [Query]).
func (p *Pane) SetFilter(s string) {
	p.q = ParseQuery(s)
	p.refilter()
}

// ToggleKeepalive hides or shows keepalive traffic.
func (p *Pane) ToggleKeepalive() {
	p.hideKeepalive = !p.hideKeepalive
	p.refilter()
}

// rows is the number of event lines that fit.
func (p *Pane) rows() int {
	h := p.height
	if p.filtering || !p.q.empty() {
		h-- // filter line
	}
	return max(1, h)
}

// clamp gives the list the rows that fit (the filter line takes one).
func (p *Pane) clamp() { p.list.SetHeight(p.rows()) }

// Move moves the cursor by d rows; leaving the bottom turns follow off,
// reaching it turns follow on.
func (p *Pane) Move(d int) { p.list.Move(d) }

// clickRow selects the row at y (0 = first event line).
func (p *Pane) clickRow(y int) {
	if p.filtering || !p.q.empty() {
		y--
	}
	p.list.Click(y)
}

// abs is en's absolute index (past the end when it has left).
func (p *Pane) abs(en *Entry) uint64 {
	for i := len(p.entries) - 1; i >= 0; i-- {
		if p.entries[i] == en {
			return p.base + uint64(i)
		}
	}
	return p.base + uint64(len(p.entries))
}

// Select moves the cursor to en; it reports false when the filter hides
// it.
func (p *Pane) Select(en *Entry) bool {
	abs := p.abs(en)
	i := sort.Search(len(p.matches), func(i int) bool { return p.matches[i] >= abs })
	if i < len(p.matches) && p.matches[i] == abs {
		p.list.SetCursor(i)
		p.list.SetFollow(false)
		return true
	}
	return false
}

// HiddenNote is what to say when [Pane.Select] finds the event hidden.
const HiddenNote = "it is hidden by the log's filter (esc in the log clears it)"

// RequestBefore finds the request an answer (or progress) refers to, by
// id, searching backwards from en.
func (p *Pane) RequestBefore(id string, en *Entry) *Entry {
	if id == "" {
		return nil
	}
	before := p.abs(en)
	for i := min(int(before-p.base), len(p.entries)) - 1; i >= 0; i-- {
		c := p.entries[i]
		if c.Ev.ID == id && c.Ev.RPC == mcp.RPCRequest && c.Ev.Dir == mcp.DirOut {
			return c
		}
	}
	return nil
}

// AnswerAfter finds the answer to request id after the request entry.
func (p *Pane) AnswerAfter(id string, req *Entry) *Entry {
	start := int(p.abs(req) - p.base)
	for i := start + 1; i < len(p.entries); i++ {
		en := p.entries[i]
		if en.Ev.ID == id && en.Ev.Dir == mcp.DirIn && (en.Ev.RPC == mcp.RPCResponse || en.Ev.RPC == mcp.RPCErrorResponse) {
			return en
		}
	}
	return nil
}

// Pair moves the cursor from a request to its answer or back; when it
// cannot, it says why (a flash).
func (p *Pane) Pair() component.Action {
	en := p.Selected()
	if en == nil || en.Ev.ID == "" {
		return component.Flash{Text: "not a request or an answer", Err: true}
	}
	var other *Entry
	switch {
	case en.Ev.RPC == mcp.RPCRequest:
		for i := int(p.abs(en)-p.base) + 1; i < len(p.entries); i++ {
			c := p.entries[i]
			if c.Ev.ID == en.Ev.ID && c.Ev.Dir != en.Ev.Dir && (c.Ev.RPC == mcp.RPCResponse || c.Ev.RPC == mcp.RPCErrorResponse) {
				other = c
				break
			}
		}
	case en.Ev.RPC == mcp.RPCResponse || en.Ev.RPC == mcp.RPCErrorResponse:
		for i := int(p.abs(en)-p.base) - 1; i >= 0; i-- {
			c := p.entries[i]
			if c.Ev.ID == en.Ev.ID && c.Ev.Dir != en.Ev.Dir && c.Ev.RPC == mcp.RPCRequest {
				other = c
				break
			}
		}
	}
	if other == nil {
		return component.Flash{Text: "its pair is not in the log", Err: true}
	}
	if !p.Select(other) {
		return component.Flash{Text: HiddenNote, Err: true}
	}
	return nil
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	if p.filtering {
		switch msg := msg.(type) {
		case tea.KeyPressMsg:
			return p.filterKey(msg)
		case tea.MouseWheelMsg, tea.MouseClickMsg:
		default: // a paste, the cursor's blink
			var c tea.Cmd
			p.input, c = p.input.Update(msg)
			if _, ok := msg.(tea.PasteMsg); ok {
				p.SetFilter(p.input.Value())
			}
			return nil, c
		}
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.key(msg)
	case tea.MouseWheelMsg:
		p.list.Wheel(msg, 3)
	case tea.MouseClickMsg:
		// a click selects; a click on the selected row of the focused
		// pane opens it
		before := p.Selected()
		p.clickRow(msg.Y)
		if en := p.Selected(); en != nil && en == before && p.focused {
			return Detail{Entry: en}, nil
		}
	}
	return nil, nil
}

// filterKey handles a key while the filter field has the keys: it gets
// everything but the keys that leave it.
func (p *Pane) filterKey(msg tea.KeyPressMsg) (component.Action, tea.Cmd) {
	switch k := p.Keys; {
	case key.Matches(msg, k.FilterClear):
		p.filtering = false
		p.input.Blur()
		p.input.SetValue("")
		p.SetFilter("")
		return nil, nil
	case key.Matches(msg, k.FilterDone):
		p.filtering = false
		p.input.Blur()
		p.clamp()
		if note := p.q.unknownNote(); note != "" {
			return component.Flash{Text: note, Err: true}, nil
		}
		return nil, nil
	}
	var c tea.Cmd
	p.input, c = p.input.Update(msg)
	p.SetFilter(p.input.Value())
	return nil, c
}

func (p *Pane) key(msg tea.KeyPressMsg) (component.Action, tea.Cmd) {
	k, n := p.Keys, p.Keys.Nav
	p.list.KeyMap = n
	switch {
	case key.Matches(msg, n.Top):
		// the top stops following, and the bottom follows, even in an
		// empty log
		p.list.SetFollow(false)
		p.list.Top()
	case key.Matches(msg, n.Bottom):
		p.list.SetFollow(true)
	case p.list.HandleKey(msg):
	case key.Matches(msg, k.Filter):
		p.filtering = true
		p.input.SetValue(p.q.text)
		p.input.CursorEnd()
		p.clamp()
		return nil, p.input.Focus()
	case key.Matches(msg, k.ClearFil):
		p.input.SetValue("")
		p.SetFilter("")
	case key.Matches(msg, k.Follow):
		p.list.SetFollow(!p.list.Following())
		if p.list.Following() {
			return component.Flash{Text: "follow on"}, nil
		}
		return component.Flash{Text: "follow off"}, nil
	case key.Matches(msg, k.Keepalive):
		return ToggleKeepalive{}, nil
	case key.Matches(msg, k.Resend):
		return Resend{Entry: p.Selected()}, nil
	case key.Matches(msg, k.Pair):
		return p.Pair(), nil
	}
	en := p.Selected()
	if en == nil {
		return nil, nil
	}
	switch {
	case key.Matches(msg, k.Detail):
		return Detail{Entry: en}, nil
	case key.Matches(msg, k.Copy):
		return Copy{Entry: en}, nil
	case key.Matches(msg, k.Save):
		return Save{Entry: en}, nil
	case key.Matches(msg, k.ViewResult):
		return ShowResult{Entry: en}, nil
	case key.Matches(msg, k.Cancel):
		return Cancel{ID: en.Ev.ID}, nil
	}
	return nil, nil
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.clamp()
}

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Title implements [component.Pane].
func (p *Pane) Title() string {
	t := fmt.Sprintf("Log %d", p.Shown())
	if p.Shown() != p.Len() {
		t = fmt.Sprintf("Log %d/%d", p.Shown(), p.Len())
	}
	if p.evicted > 0 {
		t += fmt.Sprintf(" (+%d older)", p.evicted)
	}
	if p.behind > 0 {
		// the session ran ahead of the screen: the state is current, the
		// log catches up
		t += fmt.Sprintf(" · %d not drawn yet", p.behind)
	}
	if p.list.Following() {
		t += " · follow"
	}
	if p.hideKeepalive {
		t += " · keepalives hidden"
	}
	return t
}

// ShortHelp implements [help.KeyMap]: while the filter is typed, how to
// leave it and what it understands.
func (p *Pane) ShortHelp() []key.Binding {
	if p.filtering {
		return []key.Binding{kb("enter", "apply"), kb("esc", "clear"), kb("method: dir: kind: id: -neg", "terms")}
	}
	k := p.Keys
	return []key.Binding{k.Detail, k.Filter, k.Follow, k.Keepalive, k.Copy, k.Save, k.ViewResult}
}

func kb(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	k := p.Keys
	return [][]key.Binding{k.Nav.Bindings(), {k.Filter, k.Follow, k.Keepalive, k.Detail, k.Pair, k.Copy, k.Save, k.ViewResult, k.Resend, k.Cancel, k.ClearFil}}
}

// View implements [component.Component].
func (p *Pane) View(w, h int) string {
	if w != p.width || h != p.height {
		p.SetSize(w, h)
	}
	st := p.c.Styles
	out := make([]string, 0, p.height)
	if p.filtering || !p.q.empty() {
		if p.filtering {
			p.input.SetWidth(max(10, w-4))
			out = append(out, ansi.Truncate(p.input.View(), w, "…"))
		} else {
			line := st.Accent2.Render("filter: ") + st.Text.Render(termsafe.Line(p.q.text))
			if note := p.q.unknownNote(); note != "" {
				line += "  " + st.Warn.Render("⚠ "+termsafe.Line(note))
			} else {
				line += st.Muted.Render("  (/ edit, esc clear)")
			}
			out = append(out, ansi.Truncate(line, w, "…"))
		}
	}
	if len(p.matches) == 0 {
		msg := "no events yet"
		if len(p.entries) > 0 {
			msg = "no events match the filter"
		}
		out = append(out, st.Muted.Render(msg))
	}
	from, to := p.list.Visible()
	for i := from; i < to && len(out) < p.height; i++ {
		en := p.at(p.matches[i])
		if en == nil {
			continue
		}
		out = append(out, p.line(en, st, w, i == p.list.Cursor()))
	}
	return strings.Join(out, "\n")
}

// line renders one event line: time, direction, kind, id, summary.
func (p *Pane) line(en *Entry, st *common.Styles, w int, sel bool) string {
	e := &en.Ev
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
	lbl := common.PadRight(ansi.Truncate(en.Label(), lblW, "…"), lblW)
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
	sum := en.Summary()
	prefixW := len(ts) + 1 + 1 + 1 + lblW + 1
	sumW := max(0, w-prefixW)
	sum = ansi.Truncate(sum, sumW, "…")
	sep, marked := " ", p.marked != nil && p.marked(e)
	if marked {
		sep = "◆"
	}
	if sel {
		plain := ts + sep + arrow + " " + lbl + " " + sum
		plain = common.PadRight(ansi.Truncate(plain, w, "…"), w)
		if p.focused {
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

func stateStyle(st *common.Styles, s mcp.State) lipgloss.Style {
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
