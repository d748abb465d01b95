// Package rerun is the TUI's rerun of a recording against a server: a
// dialog that asks for the server ([Target]) and the report of the run
// ([Dialog]): the recorded requests re-sent one by one, each with how its
// live answer compares with the recorded one, and the chosen request's
// two answers side by side, the lines that differ marked.
package rerun

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/fixture"
	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Dialog is the report of a rerun, filled in as the run goes.
type Dialog struct {
	c      *common.Common
	Keys   KeyMap
	path   string
	cfg    mcp.Config
	run    *run
	items  []fixture.Item // the handshake first, then the requests as they were decided
	shown  []int          // the items listed: all, or those that differ
	counts fixture.Counts
	done   bool
	err    string
	only   bool // only the items that differ
	list   list.Model
	detail list.Model // the chosen item's lines (a pager)
	width  int        // the width the items were last drawn at
	cache  struct {
		item, width int
		lines       []string
	}
}

var _ component.Dialog = (*Dialog)(nil)

// New returns the report of a rerun of the recording at path against
// cfg's server; [Dialog.Start] starts it.
func New(c *common.Common, path string, cfg mcp.Config) *Dialog {
	d := &Dialog{c: c, Keys: DefaultKeyMap(), path: path, cfg: cfg, list: list.New(), detail: list.NewPager()}
	d.list.KeyMap = d.Keys.Nav
	d.cache.item = -1
	return d
}

// Start starts the run (again, after one ended): the command connects and
// re-sends the requests in the background.
func (d *Dialog) Start() tea.Cmd {
	d.stop()
	d.items, d.shown, d.counts, d.done, d.err = nil, nil, fixture.Counts{}, false, ""
	d.list.SetLen(0)
	d.cache.item = -1
	d.Keys.Again.SetEnabled(false)
	d.run = newRun()
	return d.run.start(d.path, d.cfg)
}

// stop stops the run under way, if any.
func (d *Dialog) stop() {
	if d.run != nil {
		d.run.cancel()
	}
}

// Done reports whether the run ended; Counts are its counts so far.
func (d *Dialog) Done() bool { return d.done }

// Counts are the run's counts so far.
func (d *Dialog) Counts() fixture.Counts { return d.counts }

// Update implements [component.Component].
func (d *Dialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case progressMsg:
		if msg.run != d.run {
			return nil, nil // a run stopped since
		}
		d.progress(msg.events)
		if d.done {
			return nil, nil
		}
		return nil, d.run.next()
	case tea.KeyPressMsg:
		return d.key(msg)
	case tea.MouseWheelMsg:
		d.syncDetail()
		d.detail.Wheel(msg, 3)
	}
	return nil, nil
}

func (d *Dialog) key(msg tea.KeyPressMsg) (component.Action, tea.Cmd) {
	k := d.Keys
	before := d.list.Cursor()
	switch {
	case d.list.HandleKey(msg):
		if d.list.Cursor() != before {
			d.detail.SetOffset(0)
		}
	case key.Matches(msg, k.ScrollDown):
		d.syncDetail()
		d.detail.Move(1)
	case key.Matches(msg, k.ScrollUp):
		d.syncDetail()
		d.detail.Move(-1)
	case key.Matches(msg, k.Differs):
		d.only = !d.only
		d.refilter()
	case key.Matches(msg, k.Again):
		return nil, d.Start()
	case key.Matches(msg, k.Close):
		d.stop()
		return component.Close{}, nil
	}
	return nil, nil
}

// progress takes a run's events in.
func (d *Dialog) progress(events []event) {
	for _, e := range events {
		switch {
		case e.handshake != nil:
			e.handshake.Method = "handshake"
			d.add(*e.handshake)
		case e.item != nil:
			d.add(*e.item)
		case e.done:
			d.done, d.counts = true, e.counts
			if e.err != nil {
				d.err = termsafe.Line(e.err.Error())
			}
		}
	}
	d.Keys.Again.SetEnabled(d.done)
}

func (d *Dialog) add(it fixture.Item) {
	d.items = append(d.items, it)
	if it.Method != "handshake" {
		count(&d.counts, it.Status)
	}
	if !d.only || differs(it.Status) {
		d.shown = append(d.shown, len(d.items)-1)
		d.list.SetLen(len(d.shown))
	}
}

func count(c *fixture.Counts, s fixture.Status) {
	switch s {
	case fixture.Same:
		c.Same++
	case fixture.Different:
		c.Changed++
	case fixture.Missing:
		c.Missing++
	case fixture.Extra:
		c.Extra++
	case fixture.Skipped:
		c.Skipped++
	}
}

func differs(s fixture.Status) bool {
	return s == fixture.Different || s == fixture.Missing || s == fixture.Extra
}

func (d *Dialog) refilter() {
	cur := d.chosen()
	d.shown = d.shown[:0]
	at := 0
	for i, it := range d.items {
		if !d.only || differs(it.Status) {
			if i <= cur {
				at = len(d.shown)
			}
			d.shown = append(d.shown, i)
		}
	}
	d.list.SetLen(len(d.shown))
	d.list.SetCursor(at)
	d.detail.SetOffset(0)
}

// chosen is the index of the chosen item (-1: none).
func (d *Dialog) chosen() int {
	c := d.list.Cursor()
	if c < 0 || c >= len(d.shown) {
		return -1
	}
	return d.shown[c]
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Dialog) SetSize(int, int) {}

// View implements [component.Component].
func (d *Dialog) View(W, H int) string {
	st := d.c.Styles
	w, h := max(40, W-2), max(10, H-2)
	inner, body := w-2, h-3
	lines := []string{d.summary(inner)}
	listRows := max(3, min(len(d.shown), body/3))
	d.list.SetHeight(listRows)
	from, to := d.list.Visible()
	for i := from; i < to; i++ {
		lines = append(lines, d.itemLine(d.items[d.shown[i]], i == d.list.Cursor(), inner))
	}
	switch {
	case len(d.shown) == 0 && d.only && len(d.items) > 0:
		lines = append(lines, st.Muted.Render("  no answer differs"))
	case len(d.items) == 0 && d.err == "":
		lines = append(lines, st.Muted.Render(termsafe.Line("  connecting to "+d.cfg.Target()+"…")))
	case len(d.items) == 0:
		lines = append(lines, common.WrapLines(st.Err.Render(d.err), inner)...) // the whole reason
	}
	for len(lines) < listRows+1 {
		lines = append(lines, "")
	}
	lines = append(lines, st.Border.Render(strings.Repeat("─", inner)))
	detailRows := max(1, body-len(lines))
	d.width = inner
	detail := d.detailLines(inner)
	d.detail.SetHeight(detailRows)
	d.detail.SetLen(len(detail))
	from, to = d.detail.Visible()
	lines = append(lines, detail[from:to]...)
	title := termsafe.Line("Rerun " + filepath.Base(d.path) + " against " + d.cfg.Target())
	return common.DialogBox(st, title, lines, common.HelpLine(st, d.ShortHelp(), inner), w, h)
}

// summary is the first line: where the run is, its counts.
func (d *Dialog) summary(w int) string {
	st := d.c.Styles
	c := d.counts
	n := c.Same + c.Changed + c.Missing + c.Extra + c.Skipped
	s := fmt.Sprintf("%d requests: %d same, %d changed, %d missing, %d extra, %d skipped", n, c.Same, c.Changed, c.Missing, c.Extra, c.Skipped)
	var line string
	switch {
	case d.err != "":
		line = st.Err.Render("failed: "+d.err) + st.Muted.Render("  "+s)
	case !d.done:
		line = st.Warn.Render("running… ") + st.Muted.Render(s)
	case c.Changed+c.Missing+c.Extra > 0 || len(d.items) > 0 && d.items[0].Status == fixture.Different:
		line = st.Err.Render("differs: ") + st.Text.Render(s)
	default:
		line = st.OK.Render("all the same: ") + st.Text.Render(s)
	}
	if d.only {
		line += st.Muted.Render("  (only differences)")
	}
	return ansi.Truncate(line, w, "…")
}

// statusStyle is how a status is drawn.
func (d *Dialog) statusStyle(s fixture.Status) lipgloss.Style {
	st := d.c.Styles
	switch s {
	case fixture.Same:
		return st.OK
	case fixture.Different:
		return st.Warn
	case fixture.Missing, fixture.Extra:
		return st.Err.UnsetBold()
	}
	return st.Muted
}

// what names an item: "#8 tools/call get-sum".
func what(it fixture.Item) string {
	s := it.Method
	switch {
	case it.Server:
		s = "server request " + s
	case it.N >= 0 && it.Method != "handshake":
		s = fmt.Sprintf("#%d %s", it.N+1, s)
	}
	if it.Subject != "" {
		s += " " + it.Subject
	}
	return termsafe.Line(s)
}

func (d *Dialog) itemLine(it fixture.Item, selected bool, w int) string {
	st := d.c.Styles
	status := fmt.Sprintf("%-8s ", it.Status)
	text := what(it)
	if it.Note != "" && it.Status != fixture.Same {
		text += " · " + termsafe.Line(it.Note)
	}
	if selected {
		return st.Selected.Render(common.PadRight(ansi.Truncate("▸ "+status+text, w, "…"), w))
	}
	return ansi.Truncate("  "+d.statusStyle(it.Status).Render(status)+st.Text.Render(text), w, "…")
}

// syncDetail gives the pager the length of the chosen item's lines (the
// chosen item may have changed since the last frame).
func (d *Dialog) syncDetail() {
	if d.width > 0 {
		d.detail.SetLen(len(d.detailLines(d.width)))
	}
}

// detailLines is the chosen item drawn for width w (kept until another
// item or width is drawn).
func (d *Dialog) detailLines(w int) []string {
	i := d.chosen()
	if i < 0 {
		return nil
	}
	if d.cache.item == i && d.cache.width == w && d.cache.lines != nil {
		return d.cache.lines
	}
	d.cache.item, d.cache.width, d.cache.lines = i, w, d.drawItem(d.items[i], w)
	return d.cache.lines
}

// drawItem draws an item: what it is, its changes, then the recorded and
// the live answers side by side.
func (d *Dialog) drawItem(it fixture.Item, w int) []string {
	st := d.c.Styles
	head := d.statusStyle(it.Status).Render(string(it.Status)) + " " + st.Accent.Render(what(it))
	if it.Latency > 0 {
		head += st.Muted.Render(fmt.Sprintf("  (%d ms)", it.Latency.Milliseconds()))
	}
	out := []string{ansi.Truncate(head, w, "…")}
	if it.Note != "" {
		out = append(out, common.WrapLines(st.Muted.Render(termsafe.Line(it.Note)), w)...)
	}
	for _, c := range it.Changes {
		out = append(out, ansi.Truncate(changeLine(st, c), w, "…"))
	}
	if it.More > 0 {
		out = append(out, st.Muted.Render(fmt.Sprintf("… %d more changes", it.More)))
	}
	switch {
	case it.Status == fixture.Same:
		return append(out, "", st.Muted.Render("the live answer is the recorded one (under the rules: ids, times, session ids left out)"))
	case it.Recorded == nil && it.Live == nil:
		return out
	}
	out = append(out, "")
	colW := (w - 3) / 2
	out = append(out, st.Accent2.Render(common.PadRight("recorded", colW))+" │ "+st.Accent2.Render("live"))
	for _, r := range sideBySide(jsonLines(it.Recorded), jsonLines(it.Live)) {
		l, rt := cell(r.left, colW), cell(r.right, colW)
		switch r.kind {
		case rowChanged:
			l, rt = st.Warn.Render(l), st.Warn.Render(rt)
		case rowLeft:
			l = st.Err.UnsetBold().Render(l)
		case rowRight:
			rt = st.OK.Render(rt)
		default:
			l, rt = st.Text.Render(l), st.Text.Render(rt)
		}
		mark := " │ "
		if r.kind != rowSame {
			mark = st.Warn.Render(" ┃ ")
		}
		out = append(out, l+mark+rt)
	}
	return out
}

// cell is a line cut or padded to w cells.
func cell(s string, w int) string {
	return common.PadRight(ansi.Truncate(s, w, "…"), w)
}

// answerLimit bounds how much of an answer is indented and drawn.
const answerLimit = 256 << 10

// jsonLines is an answer indented, terminal-safe, one line each ("" for
// none).
func jsonLines(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	s, cut := prettyjson.Indent(raw, answerLimit)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = termsafe.Line(l)
	}
	if cut {
		lines = append(lines, "…")
	}
	return lines
}

// changeLine is one change: "~ $.content[0].text: "5" → "6"".
func changeLine(st *common.Styles, c fixture.Change) string {
	path := termsafe.Line(c.Path)
	old, new := termsafe.Line(clip(string(c.Old))), termsafe.Line(clip(string(c.New)))
	switch c.Kind {
	case fixture.Added:
		return st.OK.Render("+ " + path + ": " + new)
	case fixture.Removed:
		return st.Err.UnsetBold().Render("- " + path + ": " + old)
	}
	return st.Warn.Render("~ " + path + ": " + old + " → " + new)
}

func clip(s string) string {
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

// ShortHelp implements [help.KeyMap].
func (d *Dialog) ShortHelp() []key.Binding {
	choose := key.NewBinding(key.WithKeys(d.Keys.Nav.Up.Keys()...), key.WithHelp("↓↑", "choose"))
	return []key.Binding{choose, d.Keys.ScrollDown, d.Keys.Differs, d.Keys.Again, d.Keys.Close}
}

// FullHelp implements [help.KeyMap].
func (d *Dialog) FullHelp() [][]key.Binding {
	k := d.Keys
	return [][]key.Binding{k.Nav.Bindings(), {k.ScrollDown, k.ScrollUp, k.Differs, k.Again, k.Close}}
}
