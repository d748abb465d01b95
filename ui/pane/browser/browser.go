// Package browser is the browser pane: the server's tools, resources,
// templates and prompts in four tabs, with a shared fuzzy filter. It draws
// the listings of a session.State (Sync); what a choice leads to (the work
// pane previews the selection, opens a form, reads a resource, shows a
// schema, lists again) is the root's: the pane asks with [Show], [Open],
// [Schema] and [Refresh].
package browser

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Show asks the root to preview the selection (Selected) in the work
// pane: it may have changed.
type Show struct{}

// Open asks the root to open the selection: a form for a tool, prompt or
// template, a read for a resource.
type Open struct{}

// Schema asks the root to show Item's full schema.
type Schema struct{ Item *Item }

// Refresh asks the root to list everything again.
type Refresh struct{}

// KeyMap is the browser's keys: the list's and the tabs' while choosing,
// the filter field's (the keys it does not type) while filtering.
type KeyMap struct {
	Nav      list.KeyMap
	Tabs     key.Binding // 1-4
	PrevTab  key.Binding
	NextTab  key.Binding
	Filter   key.Binding
	Open     key.Binding
	Refresh  key.Binding
	Schema   key.Binding
	ClearFil key.Binding

	FilterOpen  key.Binding // open the first match
	FilterClear key.Binding // empty the filter and leave it
	FilterLeave key.Binding // keep the filter, go to the list
}

// DefaultKeyMap returns the browser's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Nav:         list.DefaultKeyMap(),
		Tabs:        b([]string{"1", "2", "3", "4"}, "1-4", "tools/resources/templates/prompts"),
		PrevTab:     b([]string{"left", "h"}, "←/h", "previous list"),
		NextTab:     b([]string{"right", "l"}, "→/l", "next list"),
		Filter:      b([]string{"/"}, "/", "fuzzy filter"),
		Open:        b([]string{"enter"}, "enter", "open form / read"),
		Refresh:     b([]string{"r"}, "r", "refresh lists"),
		Schema:      b([]string{"i"}, "i", "full schema"),
		ClearFil:    b([]string{"esc"}, "esc", "clear filter"),
		FilterOpen:  b([]string{"enter"}, "enter", "open"),
		FilterClear: b([]string{"esc"}, "esc", "clear"),
		FilterLeave: b([]string{"tab", "down", "up"}, "↓", "to the list"),
	}
}

// Bindings is the browser's own keys (not the list's), in help order.
func (k KeyMap) Bindings() []key.Binding {
	return []key.Binding{k.Tabs, k.PrevTab, k.NextTab, k.Filter, k.Open, k.Schema, k.Refresh, k.ClearFil}
}

// Pane is the browser.
type Pane struct {
	c    *common.Common
	s    *session.State
	Keys KeyMap

	tab       Kind
	lists     [NumKinds][]*Item
	loaded    [NumKinds]bool
	loading   [NumKinds]bool
	errs      [NumKinds]string
	supported [NumKinds]bool
	// offered marks a list the stream announced (event: tools) shown in
	// place of one the server does not list; note says so
	offered [NumKinds]bool
	note    [NumKinds]string

	sel       [NumKinds]list.Model // the selection in each tab's filtered view
	filtering bool
	input     textinput.Model
	filter    string
	view      []match // filtered view of the current tab

	focused       bool
	width, height int
}

var _ component.Pane = (*Pane)(nil)

type match struct {
	it  *Item
	idx []int // matched rune indexes in DName
}

// New returns an empty browser over s's listings, every list supported
// until a connection says otherwise.
func New(c *common.Common, s *session.State) *Pane {
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "fuzzy filter"
	ti.CharLimit = 200
	p := &Pane{c: c, s: s, Keys: DefaultKeyMap(), input: ti, height: 1}
	for i := range p.supported {
		p.supported[i] = true
		p.sel[i] = list.New()
		p.sel[i].KeyMap = p.Keys.Nav
	}
	return p
}

// Reset forgets the lists (a replay went back), keeping the tab, the
// filter and the size.
func (p *Pane) Reset() {
	n := New(p.c, p.s)
	n.Keys = p.Keys
	n.tab, n.filter, n.filtering, n.input = p.tab, p.filter, p.filtering, p.input
	n.focused, n.width, n.height = p.focused, p.width, p.height
	*p = *n
	p.fit()
}

// Supported says which listings a browser offers for s: what the
// server's capabilities declare, or all of them before any connection (a
// replay's start).
func Supported(s *session.State) [NumKinds]bool {
	if !s.Conn.Caps.Known {
		return [NumKinds]bool{true, true, true, true}
	}
	if i := s.Conn.Info; i != nil && i.Lenient && len(i.Capabilities) == 0 {
		// a lenient session whose server declared nothing (no handshake,
		// or an odd one): it is asked for its tools
		return [NumKinds]bool{Tools: true}
	}
	return s.Conn.Caps.Lists()
}

// SyncSupported follows the state's capabilities (a connection).
func (p *Pane) SyncSupported() { p.supported = Supported(p.s) }

// Sync shows the state's listing k (a page arrived) and returns its
// items; ok is false when there is nothing to show yet. When the server
// has no list method for it (not declared, or its list request failed)
// and its stream announced one (`event: tools`), that one is shown,
// marked as such. A replay (not live) shows an announced list until a
// listing arrives (no request of its own fails there to say it is
// needed).
func (p *Pane) Sync(k Kind, live bool) (items []*Item, ok bool) {
	l, offered := p.s.Lists[k], false
	if !l.Loaded && p.s.Offered[k].Loaded && (!live || !p.supported[k] || p.errs[k] != "") {
		l, offered = p.s.Offered[k], true
	}
	if !l.Loaded && !offered {
		return nil, false
	}
	err := p.errs[k]
	items = ItemsOf(k, l.Items)
	p.setItems(k, items)
	p.offered[k] = offered
	if offered {
		p.note[k] = "from the stream's event: " + k.Key() + " (the server has no " + k.Method() + ")"
		if !live {
			p.note[k] = "from the stream's event: " + k.Key()
		}
		if err != "" {
			p.note[k] = "from the stream's event: " + k.Key() + " (" + k.Method() + ": " + err + ")"
		}
	}
	p.fit()
	return items, true
}

// Loading reports whether list k is being fetched.
func (p *Pane) Loading(k Kind) bool { return p.loading[k] }

// SetLoading says list k is being fetched, or no longer.
func (p *Pane) SetLoading(k Kind, on bool) { p.loading[k] = on }

// Loaded reports whether list k arrived (or failed, or is not offered).
func (p *Pane) Loaded(k Kind) bool { return p.loaded[k] }

// Failed says listing k failed with err (terminal-safe).
func (p *Pane) Failed(k Kind, err string) {
	p.errs[k] = err
	p.loaded[k] = true
}

// Err is why listing k failed ("" if it did not).
func (p *Pane) Err(k Kind) string { return p.errs[k] }

// SetEmpty says list k has nothing (the server does not offer it).
func (p *Pane) SetEmpty(k Kind) {
	p.loaded[k] = true
	p.lists[k] = nil
}

// Items is list k as it was last shown.
func (p *Pane) Items(k Kind) []*Item { return p.lists[k] }

// Offered reports whether list k is one the stream announced.
func (p *Pane) Offered(k Kind) bool { return p.offered[k] }

// Note says where an announced list k comes from.
func (p *Pane) Note(k Kind) string { return p.note[k] }

// Find is the item of list k named name, or nil.
func (p *Pane) Find(k Kind, name string) *Item {
	for _, it := range p.lists[k] {
		if it.Name == name {
			return it
		}
	}
	return nil
}

// Tab is the list shown.
func (p *Pane) Tab() Kind { return p.tab }

// Filter is the filter applied.
func (p *Pane) Filter() string { return p.filter }

// Typing reports whether the filter field has the keys.
func (p *Pane) Typing() bool { return p.filtering }

// Blur leaves the filter field as it is (the pane lost the focus; coming
// back does not land keys in it).
func (p *Pane) Blur() {
	if p.filtering {
		p.filtering = false
		p.input.Blur()
		p.fit()
	}
}

// Shown is the items of the tab that pass the filter, in order.
func (p *Pane) Shown() []*Item {
	out := make([]*Item, len(p.view))
	for i, m := range p.view {
		out[i] = m.it
	}
	return out
}

// Select selects the i-th item shown.
func (p *Pane) Select(i int) { p.sel[p.tab].SetCursor(i) }

func (p *Pane) setItems(k Kind, items []*Item) {
	var keep string
	if k == p.tab {
		if it := p.Selected(); it != nil {
			keep = it.Name + "\x00" + it.URI
		}
	}
	p.lists[k] = items
	p.loaded[k] = true
	p.errs[k] = ""
	p.offered[k], p.note[k] = false, ""
	if k == p.tab {
		p.refilter()
		if keep != "" {
			for i, m := range p.view {
				if m.it.Name+"\x00"+m.it.URI == keep {
					p.sel[k].SetCursor(i)
				}
			}
		}
	}
}

// SetTab shows list k (wrapping around).
func (p *Pane) SetTab(k Kind) {
	p.tab = (k + NumKinds) % NumKinds
	p.refilter()
}

// SetFilter filters the list: typing selects the best match; clearing
// the filter stays on the item that was selected.
func (p *Pane) SetFilter(s string) {
	keep := p.Selected()
	p.filter = s
	p.sel[p.tab].SetCursor(0)
	p.refilter()
	if s == "" && keep != nil {
		for i, m := range p.view {
			if m.it == keep {
				p.sel[p.tab].SetCursor(i)
			}
		}
	}
}

type itemSource []*Item

func (s itemSource) String(i int) string { return s[i].DName }
func (s itemSource) Len() int            { return len(s) }

func (p *Pane) refilter() {
	items := p.lists[p.tab]
	p.view = p.view[:0]
	if strings.TrimSpace(p.filter) == "" {
		for _, it := range items {
			p.view = append(p.view, match{it: it})
		}
	} else {
		for _, m := range fuzzy.FindFrom(p.filter, itemSource(items)) {
			p.view = append(p.view, match{it: items[m.Index], idx: m.MatchedIndexes})
		}
		// also match titles, after the name matches
		seen := map[*Item]bool{}
		for _, m := range p.view {
			seen[m.it] = true
		}
		needle := strings.ToLower(p.filter)
		for _, it := range items {
			if !seen[it] && (strings.Contains(strings.ToLower(it.Title), needle) || strings.Contains(strings.ToLower(it.URI), needle)) {
				p.view = append(p.view, match{it: it})
			}
		}
	}
	p.fit()
}

// fit sizes the tab's selection to the rows the view leaves it.
func (p *Pane) fit() {
	s := &p.sel[p.tab]
	s.SetHeight(max(1, p.rows()/p.linesPer()))
	s.SetLen(len(p.view))
}

// Selected is the item under the cursor, or nil.
func (p *Pane) Selected() *Item {
	c := p.sel[p.tab].Cursor()
	if c < 0 || c >= len(p.view) {
		return nil
	}
	return p.view[c].it
}

// head is the lines above the items: the tabs, the filter, the note of
// an announced list.
func (p *Pane) head() int {
	h := 1
	if p.filtering || p.filter != "" {
		h++
	}
	if p.offered[p.tab] {
		h++
	}
	return h
}

func (p *Pane) rows() int { return max(1, p.height-p.head()) }

// linesPer is the height of one item row: name (+ description when tall
// enough).
func (p *Pane) linesPer() int {
	if p.height >= 14 {
		return 2
	}
	return 1
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	if p.filtering {
		return p.updateFilter(msg)
	}
	s := &p.sel[p.tab]
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := p.Keys
		switch {
		case s.HandleKey(msg):
		case key.Matches(msg, k.Tabs):
			p.SetTab(Kind(msg.String()[0] - '1'))
		case key.Matches(msg, k.PrevTab):
			p.SetTab(p.tab - 1)
		case key.Matches(msg, k.NextTab):
			p.SetTab(p.tab + 1)
		case key.Matches(msg, k.Filter):
			p.filtering = true
			p.input.SetValue(p.filter)
			p.input.CursorEnd()
			p.fit()
			return nil, p.input.Focus()
		case key.Matches(msg, k.ClearFil):
			p.SetFilter("")
		case key.Matches(msg, k.Open):
			return Open{}, nil
		case key.Matches(msg, k.Refresh):
			return Refresh{}, nil
		case key.Matches(msg, k.Schema):
			if it := p.Selected(); it != nil {
				return Schema{Item: it}, nil
			}
			return nil, nil
		default:
			return nil, nil
		}
		return Show{}, nil
	case tea.MouseWheelMsg:
		if b := msg.Mouse().Button; b != tea.MouseWheelUp && b != tea.MouseWheelDown {
			return nil, nil
		}
		s.Wheel(msg, 1)
		return Show{}, nil
	case tea.MouseClickMsg:
		return p.click(msg.X, msg.Y), nil
	}
	return nil, nil
}

// updateFilter handles a message while the filter field has the keys: it
// gets everything but the keys that leave it.
func (p *Pane) updateFilter(msg tea.Msg) (component.Action, tea.Cmd) {
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch k := p.Keys; {
		case key.Matches(msg, k.FilterClear):
			p.Blur()
			p.input.SetValue("")
			p.SetFilter("")
			return nil, nil
		case key.Matches(msg, k.FilterOpen):
			p.Blur()
			return Open{}, nil
		case key.Matches(msg, k.FilterLeave):
			p.Blur()
			if key.Matches(msg, k.Nav.Up) {
				p.sel[p.tab].Move(-1)
			} else if key.Matches(msg, k.Nav.Down) {
				p.sel[p.tab].Move(1)
			}
			return Show{}, nil
		}
	}
	var c tea.Cmd
	p.input, c = p.input.Update(msg)
	switch msg.(type) {
	case tea.KeyPressMsg:
		p.SetFilter(p.input.Value())
		return Show{}, c
	case tea.PasteMsg:
		p.SetFilter(p.input.Value())
	}
	return nil, c // a paste filters without a preview; a cursor blink
}

// click selects what is under content position (x, y): a tab on the tab
// line, an item below; a click on the selected item of the focused pane
// opens it.
func (p *Pane) click(x, y int) component.Action {
	if y == 0 {
		p.clickTab(x)
		return nil
	}
	y -= p.head()
	before := p.Selected()
	if y < 0 || !p.sel[p.tab].Click(y/p.linesPer()) {
		return nil
	}
	if before != nil && p.Selected() == before && p.focused {
		return Open{}
	}
	return Show{}
}

// clickTab switches to the tab under x on the tab line.
func (p *Pane) clickTab(x int) {
	pos := 0
	for k := Kind(0); k < NumKinds; k++ {
		w := ansi.StringWidth(p.tabLabel(k)) + 1
		if x >= pos && x < pos+w {
			p.SetTab(k)
			return
		}
		pos += w
	}
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.fit()
}

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Title implements [component.Pane].
func (p *Pane) Title() string { return "Browse" }

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding {
	k := p.Keys
	if p.filtering {
		return []key.Binding{k.FilterOpen, k.FilterClear, k.FilterLeave}
	}
	return []key.Binding{k.Open, k.Filter, k.Tabs, k.Schema, k.Refresh}
}

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	k := p.Keys
	if p.filtering {
		return [][]key.Binding{{k.FilterOpen, k.FilterClear, k.FilterLeave}}
	}
	return [][]key.Binding{k.Nav.Bindings(), k.Bindings()}
}

// tabLabel is a tab's label at the current width: full names when they
// all fit, then short ones, then initials.
func (p *Pane) tabLabel(k Kind) string {
	return p.tabLabelAt(k, p.tabStyle())
}

func (p *Pane) tabLabelAt(k Kind, style int) string {
	name := [...][NumKinds]string{
		{"Tools", "Resources", "Templates", "Prompts"},
		{"Tools", "Res", "Tpl", "Prompts"},
		{"T", "R", "Tp", "P"},
	}[style][k]
	switch {
	case p.offered[k]:
		return fmt.Sprintf("%s %d*", name, len(p.lists[k]))
	case !p.supported[k]:
		return name + " –"
	case p.errs[k] != "":
		return name + " !"
	}
	if p.loaded[k] {
		if style == 2 {
			return fmt.Sprintf("%s%d", name, len(p.lists[k]))
		}
		return fmt.Sprintf("%s %d", name, len(p.lists[k]))
	}
	return name
}

func (p *Pane) tabStyle() int {
	for style := 0; style < 2; style++ {
		w := 0
		for k := Kind(0); k < NumKinds; k++ {
			w += ansi.StringWidth(p.tabLabelAt(k, style)) + 1
		}
		if w-1 <= p.width {
			return style
		}
	}
	return 2
}

// View implements [component.Component].
func (p *Pane) View(w, h int) string {
	if w != p.width || h != p.height {
		p.SetSize(w, h)
	}
	return strings.Join(p.lines(), "\n")
}

func (p *Pane) lines() []string {
	st := p.c.Styles
	w := p.width
	var tabs []string
	for k := Kind(0); k < NumKinds; k++ {
		l := p.tabLabel(k)
		if k == p.tab {
			tabs = append(tabs, st.TabActive.Render(l))
		} else {
			tabs = append(tabs, st.Tab.Render(l))
		}
	}
	out := []string{ansi.Truncate(strings.Join(tabs, " "), w, "…")}
	if p.filtering {
		p.input.SetWidth(max(8, w-4))
		out = append(out, ansi.Truncate(p.input.View(), w, ""))
	} else if p.filter != "" {
		out = append(out, ansi.Truncate(st.Accent2.Render("filter: ")+termsafe.Line(p.filter)+st.Muted.Render(" (esc clears)"), w, "…"))
	}
	k := p.tab
	if p.offered[k] {
		out = append(out, ansi.Truncate(st.Warn.Render("* "+p.note[k]), w, "…"))
	}
	switch {
	case p.offered[k]:
	case !p.supported[k]:
		return append(out, st.Muted.Render("the server does not offer "+strings.ToLower(k.Title())))
	case p.errs[k] != "":
		return append(out, common.WrapLines(st.Err.Render(p.errs[k]), w)...)
	case p.loading[k] && !p.loaded[k]:
		return append(out, st.Muted.Render("loading…"))
	case !p.loaded[k]:
		return append(out, st.Muted.Render("not loaded"))
	case len(p.view) == 0 && p.filter != "":
		return append(out, st.Muted.Render("nothing matches"))
	case len(p.view) == 0:
		return append(out, st.Muted.Render("none"))
	}
	lp := p.linesPer()
	from, to := p.sel[k].Visible()
	for i := from; i < to && len(out)+lp <= p.height; i++ {
		out = append(out, p.itemLines(p.view[i], i == p.sel[k].Cursor(), lp)...)
	}
	return out
}

func (p *Pane) itemLines(m match, sel bool, lp int) []string {
	st := p.c.Styles
	w := p.width
	it := m.it
	marker := "  "
	if sel {
		marker = "▸ "
	}
	name := it.DName
	var badges string
	for _, bd := range it.Badges() {
		s := st.Badge
		if bd == "destructive" {
			s = st.BadgeWarn
		}
		badges += " " + s.Render(badgeShort(bd, w))
	}
	nameW := max(4, w-2-ansi.StringWidth(badges))
	var line string
	if sel {
		plain := marker + ansi.Truncate(name, nameW, "…")
		st2 := st.SelectedBlur
		if p.focused {
			st2 = st.Selected
		}
		line = st2.Render(common.PadRight(plain, 2+min(nameW, ansi.StringWidth(name)))) + badges
	} else {
		line = marker + highlightMatches(ansi.Truncate(name, nameW, "…"), m.idx, st) + badges
	}
	out := []string{line}
	if lp > 1 {
		sub := it.Title
		if sub == "" || sub == it.DName {
			sub = mcp.FirstLine(it.Desc, 0)
		}
		if it.Kind == Resources || it.Kind == Templates {
			// URIs differ at the end (files in one folder): cut the middle
			out = append(out, "  "+st.Muted.Render(common.TruncateMiddle(termsafe.Line(it.URI), max(0, w-2))))
			return out
		}
		out = append(out, "  "+st.Muted.Render(ansi.Truncate(sub, max(0, w-2), "…")))
	}
	return out
}

func badgeShort(b string, w int) string {
	if w >= 50 {
		return b
	}
	switch b {
	case "read-only":
		return "RO"
	case "destructive":
		return "DEL"
	case "idempotent":
		return "IDEM"
	case "open-world":
		return "OW"
	}
	return b
}

func highlightMatches(s string, idx []int, st *common.Styles) string {
	if len(idx) == 0 {
		return st.Text.Render(s)
	}
	set := map[int]bool{}
	for _, i := range idx {
		set[i] = true
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if set[i] {
			b.WriteString(st.Match.Render(string(r)))
		} else {
			b.WriteString(st.Text.Render(string(r)))
		}
		i++
	}
	return b.String()
}
