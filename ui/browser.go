package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
)

// listKind is one of the four browser lists.
type listKind int

const (
	listTools listKind = iota
	listResources
	listTemplates
	listPrompts
	numLists
)

func (k listKind) Title() string {
	return [...]string{"Tools", "Resources", "Templates", "Prompts"}[k]
}

// Method is the list Method; key is the member of its result.
func (k listKind) Method() string {
	return [...]string{"tools/list", "resources/list", "resources/templates/list", "prompts/list"}[k]
}

func (k listKind) Key() string {
	return [...]string{"tools", "resources", "resourceTemplates", "prompts"}[k]
}

func listForMethod(m string) (listKind, bool) {
	for k := listKind(0); k < numLists; k++ {
		if k.Method() == m {
			return k, true
		}
	}
	return 0, false
}

// item is one tool, resource, template or prompt. Name (and URI) are kept
// exactly as the server sent them, because that is what must be sent back;
// every d* field is the terminal-safe display form.
type item struct {
	Kind  listKind
	Raw   json.RawMessage
	Name  string // exact
	URI   string // exact (resources), or the URI template
	DName string
	Title string
	Desc  string
	Mime  string
	Size  int64

	// tools
	InputSchema  json.RawMessage
	OutputSchema json.RawMessage
	Ann          mcp.ToolAnnotations
	TaskSupport  string // execution.taskSupport: forbidden, optional, required

	// prompts
	Args []mcp.PromptArgument
}

// itemsOf makes the browser's items of a listing in the state (decoded
// there, leniently: an item that does not decode is still listed with
// what could be read).
func itemsOf(k listKind, list []session.Item) []*item {
	items := make([]*item, 0, len(list))
	for _, v := range list {
		it := &item{Kind: k, Raw: v.Raw, Name: v.Name, URI: v.URI, Mime: termsafe.Line(v.MimeType),
			InputSchema: v.InputSchema, OutputSchema: v.OutputSchema, Args: v.Arguments, Ann: v.Annotations, TaskSupport: v.TaskSupport}
		if v.Size != nil {
			it.Size = *v.Size
		}
		if k == listTemplates {
			it.URI = v.URITemplate
		}
		it.DName = termsafe.Line(v.Name)
		if it.DName == "" {
			it.DName = termsafe.Line(it.URI)
		}
		if it.DName == "" {
			it.DName = "(unnamed)"
		}
		if d := v.DisplayName(); d != v.Name {
			it.Title = termsafe.Line(d)
		}
		it.Desc = termsafe.Text(v.Description)
		items = append(items, it)
	}
	return items
}

// nextCursor is a list result's nextCursor (the listing loop's own
// answer: only its cursor is read; the items reach the browser through
// the state).
func nextCursor(raw json.RawMessage) string {
	var page struct {
		Next string `json:"nextCursor"`
	}
	mcp.DecodeLenient(raw, &page)
	return page.Next
}

// Badges are the tool annotation Badges (mcp.ToolAnnotations.Badges:
// destructive and idempotent mean something only when not read-only).
func (it *item) Badges() []string {
	if it.Kind != listTools {
		return nil
	}
	return it.Ann.Badges()
}

// browser is the left pane: four lists with a shared fuzzy filter.
type browser struct {
	tab       listKind
	lists     [numLists][]*item
	loaded    [numLists]bool
	loading   [numLists]bool
	errs      [numLists]string
	supported [numLists]bool
	// offered marks a list the stream announced (event: tools) shown in
	// place of one the server does not list; note says so
	offered [numLists]bool
	note    [numLists]string

	cursor    [numLists]int
	offset    [numLists]int
	filtering bool
	input     textinput.Model
	filter    string
	view      []match // filtered view of the current tab

	width, height int
}

type match struct {
	it  *item
	idx []int // matched rune indexes in dname
}

func newBrowser() *browser {
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "fuzzy filter"
	ti.CharLimit = 200
	b := &browser{input: ti}
	for i := range b.supported {
		b.supported[i] = true
	}
	return b
}

func (b *browser) setItems(k listKind, items []*item) {
	var keep string
	if k == b.tab {
		if it := b.selected(); it != nil {
			keep = it.Name + "\x00" + it.URI
		}
	}
	b.lists[k] = items
	b.loaded[k] = true
	b.errs[k] = ""
	b.offered[k], b.note[k] = false, ""
	if k == b.tab {
		b.refilter()
		if keep != "" {
			for i, m := range b.view {
				if m.it.Name+"\x00"+m.it.URI == keep {
					b.cursor[k] = i
				}
			}
		}
		b.clamp()
	}
}

func (b *browser) setTab(k listKind) {
	b.tab = (k + numLists) % numLists
	b.refilter()
}

// setFilter filters the list: typing selects the best match; clearing
// the filter stays on the item that was selected.
func (b *browser) setFilter(s string) {
	keep := b.selected()
	b.filter = s
	b.cursor[b.tab], b.offset[b.tab] = 0, 0
	b.refilter()
	if s == "" && keep != nil {
		for i, m := range b.view {
			if m.it == keep {
				b.cursor[b.tab] = i
			}
		}
		b.clamp()
	}
}

type itemSource []*item

func (s itemSource) String(i int) string { return s[i].DName }
func (s itemSource) Len() int            { return len(s) }

func (b *browser) refilter() {
	items := b.lists[b.tab]
	b.view = b.view[:0]
	if strings.TrimSpace(b.filter) == "" {
		for _, it := range items {
			b.view = append(b.view, match{it: it})
		}
	} else {
		for _, m := range fuzzy.FindFrom(b.filter, itemSource(items)) {
			b.view = append(b.view, match{it: items[m.Index], idx: m.MatchedIndexes})
		}
		// also match titles, after the name matches
		seen := map[*item]bool{}
		for _, m := range b.view {
			seen[m.it] = true
		}
		needle := strings.ToLower(b.filter)
		for _, it := range items {
			if !seen[it] && (strings.Contains(strings.ToLower(it.Title), needle) || strings.Contains(strings.ToLower(it.URI), needle)) {
				b.view = append(b.view, match{it: it})
			}
		}
	}
	b.clamp()
}

func (b *browser) selected() *item {
	c := b.cursor[b.tab]
	if c < 0 || c >= len(b.view) {
		return nil
	}
	return b.view[c].it
}

func (b *browser) rows() int {
	h := b.height - 1 // tab line
	if b.filtering || b.filter != "" {
		h--
	}
	if b.offered[b.tab] {
		h-- // the line that says where the list comes from
	}
	return max(1, h)
}

// linesPer is the height of one item row: name (+ description when wide enough).
func (b *browser) linesPer() int {
	if b.height >= 14 {
		return 2
	}
	return 1
}

func (b *browser) clamp() {
	k := b.tab
	n := len(b.view)
	if n == 0 {
		b.cursor[k], b.offset[k] = 0, 0
		return
	}
	b.cursor[k] = max(0, min(b.cursor[k], n-1))
	vis := max(1, b.rows()/b.linesPer())
	if b.cursor[k] < b.offset[k] {
		b.offset[k] = b.cursor[k]
	}
	if b.cursor[k] >= b.offset[k]+vis {
		b.offset[k] = b.cursor[k] - vis + 1
	}
}

func (b *browser) move(d int) {
	b.cursor[b.tab] += d
	b.clamp()
}

func (b *browser) page() int { return max(1, b.rows()/b.linesPer()) }

// clickRow selects the item at content row y.
func (b *browser) clickRow(y int) bool {
	y-- // tab line
	if b.filtering || b.filter != "" {
		y--
	}
	if y < 0 {
		return false
	}
	i := b.offset[b.tab] + y/b.linesPer()
	if i >= len(b.view) {
		return false
	}
	b.cursor[b.tab] = i
	b.clamp()
	return true
}

// clickTab switches to the tab under x on the tab line; it reports whether
// one was hit.
func (b *browser) clickTab(x int) bool {
	pos := 0
	for k := listKind(0); k < numLists; k++ {
		w := ansi.StringWidth(b.tabLabel(k)) + 1
		if x >= pos && x < pos+w {
			b.setTab(k)
			return true
		}
		pos += w
	}
	return false
}

// tabLabel is a tab's label at the current width: full names when they
// all fit, then short ones, then initials.
func (b *browser) tabLabel(k listKind) string {
	return b.tabLabelAt(k, b.tabStyle())
}

func (b *browser) tabLabelAt(k listKind, style int) string {
	name := [...][numLists]string{
		{"Tools", "Resources", "Templates", "Prompts"},
		{"Tools", "Res", "Tpl", "Prompts"},
		{"T", "R", "Tp", "P"},
	}[style][k]
	switch {
	case b.offered[k]:
		return fmt.Sprintf("%s %d*", name, len(b.lists[k]))
	case !b.supported[k]:
		return name + " –"
	case b.errs[k] != "":
		return name + " !"
	}
	if b.loaded[k] {
		if style == 2 {
			return fmt.Sprintf("%s%d", name, len(b.lists[k]))
		}
		return fmt.Sprintf("%s %d", name, len(b.lists[k]))
	}
	return name
}

func (b *browser) tabStyle() int {
	for style := 0; style < 2; style++ {
		w := 0
		for k := listKind(0); k < numLists; k++ {
			w += ansi.StringWidth(b.tabLabelAt(k, style)) + 1
		}
		if w-1 <= b.width {
			return style
		}
	}
	return 2
}

func (b *browser) render(st *Styles, focused bool) []string {
	w := b.width
	var tabs []string
	for k := listKind(0); k < numLists; k++ {
		l := b.tabLabel(k)
		if k == b.tab {
			tabs = append(tabs, st.TabActive.Render(l))
		} else {
			tabs = append(tabs, st.Tab.Render(l))
		}
	}
	out := []string{ansi.Truncate(strings.Join(tabs, " "), w, "…")}
	if b.filtering {
		b.input.SetWidth(max(8, w-4))
		out = append(out, ansi.Truncate(b.input.View(), w, ""))
	} else if b.filter != "" {
		out = append(out, ansi.Truncate(st.Accent2.Render("filter: ")+termsafe.Line(b.filter)+st.Muted.Render(" (esc clears)"), w, "…"))
	}
	k := b.tab
	if b.offered[k] {
		out = append(out, ansi.Truncate(st.Warn.Render("* "+b.note[k]), w, "…"))
	}
	switch {
	case b.offered[k]:
	case !b.supported[k]:
		return append(out, st.Muted.Render("the server does not offer "+strings.ToLower(k.Title())))
	case b.errs[k] != "":
		return append(out, wrapLines(st.Err.Render(b.errs[k]), w)...)
	case b.loading[k] && !b.loaded[k]:
		return append(out, st.Muted.Render("loading…"))
	case !b.loaded[k]:
		return append(out, st.Muted.Render("not loaded"))
	case len(b.view) == 0 && b.filter != "":
		return append(out, st.Muted.Render("nothing matches"))
	case len(b.view) == 0:
		return append(out, st.Muted.Render("none"))
	}
	lp := b.linesPer()
	for i := b.offset[k]; i < len(b.view) && len(out)+lp <= b.height; i++ {
		m := b.view[i]
		sel := i == b.cursor[k]
		out = append(out, b.itemLines(m, st, sel, focused, lp)...)
	}
	return out
}

func (b *browser) itemLines(m match, st *Styles, sel, focused bool, lp int) []string {
	w := b.width
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
		if focused {
			st2 = st.Selected
		}
		line = st2.Render(padRight(plain, 2+min(nameW, ansi.StringWidth(name)))) + badges
	} else {
		line = marker + highlightMatches(ansi.Truncate(name, nameW, "…"), m.idx, st) + badges
	}
	out := []string{line}
	if lp > 1 {
		sub := it.Title
		if sub == "" || sub == it.DName {
			sub = mcp.FirstLine(it.Desc, 0)
		}
		if it.Kind == listResources || it.Kind == listTemplates {
			// URIs differ at the end (files in one folder): cut the middle
			out = append(out, "  "+st.Muted.Render(truncateMiddle(termsafe.Line(it.URI), max(0, w-2))))
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

func highlightMatches(s string, idx []int, st *Styles) string {
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
