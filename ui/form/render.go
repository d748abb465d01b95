package form

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/schema"
)

const (
	pickerRows     = 8   // option list height
	wideWidth      = 100 // from here descriptions show beside every field
	maxDescLines   = 3
	maxErrLines    = 2
	maxRawErrLines = 3
)

// View renders the form into exactly its height in lines, none wider than
// its width. Only what fits is drawn; the focused field is kept in view.
func (m *Form) View() string {
	if m.raw {
		return m.rawView()
	}
	bh := m.bodyHeight()
	out := make([]string, 0, m.height)
	out = append(out, m.lines[:min(len(m.lines), bh)]...)
	for len(out) < bh {
		out = append(out, "")
	}
	out = append(out, m.footer())
	return strings.Join(out, "\n")
}

func (m *Form) bodyHeight() int { return max(1, m.height-1) }

// relayout renders the rows that are on screen. Scrolling is by row: top
// is the first row shown; it moves only as far as needed to show the
// whole focused row (with its help, errors and option list). Only rows
// near the screen are rendered, so huge forms stay fast.
func (m *Form) relayout() {
	if m.raw {
		m.layoutRaw()
		return
	}
	bh := m.bodyHeight()
	header := m.headerLines()
	if len(m.rows) == 0 {
		lines := append(header, m.styles.Hint.Render(fit("No fields: the value is "+emptyValueText(m.value)+".", m.width)))
		m.lines, m.top, m.hiddenAbove, m.hiddenBelow = lines[:min(len(lines), bh)], 0, false, len(lines) > bh
		return
	}
	m.focus = max(0, min(m.focus, len(m.rows)-1))
	labelW := m.labelWidth()
	cache := map[int][]string{}
	block := func(i int) []string {
		if b, ok := cache[i]; ok {
			return b
		}
		b := m.renderRow(m.rows[i], i == m.focus, labelW)
		cache[i] = b
		return b
	}
	above := func(i int) int { // lines shown above row i's own lines
		if i == 0 {
			return len(header)
		}
		return 0
	}
	m.top = max(0, min(m.top, m.focus))
	used := 0
	for i := m.top; i <= m.focus; i++ {
		used += above(i) + len(block(i))
	}
	if used > bh {
		// Bottom-align the focused row: take rows above it while they fit.
		top := m.focus
		used = len(block(top))
		for top > 0 && used+len(block(top-1))+above(top-1) <= bh {
			used += len(block(top-1)) + above(top-1)
			top--
		}
		m.top = top
	}
	showHeader := m.top == 0 && len(header)+len(block(m.focus)) <= bh || m.top == 0 && m.focus > 0
	var lines []string
	if m.top == 0 && showHeader {
		lines = append(lines, header...)
	}
	last := m.top - 1
	for i := m.top; i < len(m.rows) && len(lines) < bh; i++ {
		lines = append(lines, block(i)...)
		last = i
	}
	m.hiddenAbove = m.top > 0 || !showHeader && len(header) > 0
	m.hiddenBelow = last < len(m.rows)-1 || len(lines) > bh
	m.lines = lines[:min(len(lines), bh)]
}

// headerLines are shown above the first field: schema problems and errors
// that belong to no field.
func (m *Form) headerLines() []string {
	w := m.width
	st := m.styles
	var lines []string
	if m.schemaErr != nil {
		msg := "⚠ not validated: " + schema.SanitizeLine(m.schemaErr.Error())
		for i, l := range wrap(msg, w) {
			if i == 2 {
				break
			}
			lines = append(lines, st.Warning.Render(l))
		}
	}
	for i, e := range m.rootErrs {
		if i == maxErrLines+1 {
			lines = append(lines, st.Error.Render(fit(fmt.Sprintf("  … %d more", len(m.rootErrs)-i), w)))
			break
		}
		lines = append(lines, st.Error.Render(fit("✗ "+schema.SanitizeLine(e), w)))
	}
	return lines
}

func emptyValueText(v []byte) string {
	if len(v) == 0 {
		return "empty"
	}
	return string(v)
}

// labelWidth is the width of the label column: the widest label with its
// indentation, within limits.
func (m *Form) labelWidth() int {
	widest := 0
	for _, r := range m.rows {
		if r.opt >= 0 {
			continue
		}
		lw := 2*r.depth + lipgloss.Width(r.label) + 1
		widest = max(widest, lw)
	}
	limit := max(10, min(36, m.width/3))
	return max(8, min(widest, limit))
}

func (m *Form) renderRow(r row, focused bool, labelW int) []string {
	st := m.styles
	w := m.width
	f := r.f
	cursor := "  "
	if focused && m.focused {
		cursor = st.Cursor.Render("▸ ")
	}
	indent := strings.Repeat("  ", r.depth)
	subIndent := 2 + 2*r.depth + 2

	if r.opt >= 0 {
		opt := f.node.Options[r.opt]
		box := "[ ]"
		style := st.Value
		if r.opt < len(f.checked) && f.checked[r.opt] {
			box, style = "[x]", st.Selected
		}
		label := opt.Label
		if focused {
			label = st.FocusedLabel.Render(label)
		} else {
			label = style.Render(label)
		}
		return []string{fit(cursor+indent+style.Render(box)+" "+label, w)}
	}

	// Label column.
	labelStyle := st.Label
	if focused {
		labelStyle = st.FocusedLabel
	}
	req := ""
	if f.node.Required && f.parent != nil && f.parent.kind == schema.KindObject {
		req = "*"
	}
	avail := max(1, labelW-2*r.depth-len(req))
	label := ansi.Truncate(r.label, avail, "…")
	cell := indent + labelStyle.Render(label) + st.Required.Render(req)
	pad := max(0, labelW-(2*r.depth+lipgloss.Width(label)+len(req)))
	cell += strings.Repeat(" ", pad)

	ww := max(4, w-2-labelW-1)
	wide := w >= wideWidth
	if wide {
		// Leave a column for descriptions on the right.
		ww = max(30, min(ww-24, ww*55/100))
	}
	hint := m.hint(f, focused)
	widget := m.widget(f, focused, ww, lipgloss.Width(hint))
	line := cursor + cell + " " + widget
	if hint != "" {
		sep := " " // text inputs are padded to their width already
		if !isTextKind(f.kind) || f.null {
			sep = "  "
		}
		if lipgloss.Width(line)+len(sep)+lipgloss.Width(hint) <= w {
			line += sep + st.Hint.Render(hint)
		}
	}
	if !focused && wide && f.node.Description != "" {
		line = padRight(line, 2+labelW+1+ww)
		if room := w - lipgloss.Width(line) - 2; room >= 12 {
			first, _, _ := strings.Cut(f.node.Description, "\n")
			line += "  " + st.Description.Render(ansi.Truncate(first, room, "…"))
		}
	}
	out := []string{fit(line, w)}

	pad2 := strings.Repeat(" ", subIndent)
	dw := max(10, w-subIndent)
	var errs []string
	for i, e := range f.errs {
		if i == maxErrLines {
			errs = append(errs, fit(pad2+st.Error.Render(fmt.Sprintf("  … %d more", len(f.errs)-i)), w))
			break
		}
		errs = append(errs, fit(pad2+st.Error.Render(ansi.Truncate("✗ "+schema.SanitizeLine(e), dw, "…")), w))
	}
	if focused {
		var lists []string
		if m.picker != nil && m.picker.f == f {
			for _, l := range m.pickerLines(dw) {
				lists = append(lists, fit(pad2+l, w))
			}
		}
		if m.focused {
			for _, l := range m.suggestLines(dw) {
				lists = append(lists, fit(pad2+l, w))
			}
		}
		// The help gives way first when the pane is short: the field's
		// errors and its option list must stay on screen.
		room := m.bodyHeight() - 1 - len(errs) - len(lists)
		help := m.helpLines(f, dw)
		if len(help) > max(0, room) {
			help = help[:max(0, room)]
			if n := len(help); n > 0 {
				help[n-1] = ansi.Truncate(help[n-1], dw-2, "") + st.Description.Render(" …")
			}
		}
		for _, l := range help {
			out = append(out, fit(pad2+l, w))
		}
		out = append(out, lists...)
	}
	return append(out, errs...)
}

// helpLines is the help under the focused field: the description, what the
// pattern is, and why a field is raw JSON.
func (m *Form) helpLines(f *field, w int) []string {
	st := m.styles
	var out []string
	if d := f.node.Description; d != "" {
		dl := wrap(d, w)
		if len(dl) > maxDescLines {
			dl = dl[:maxDescLines]
			dl[maxDescLines-1] = ansi.Truncate(dl[maxDescLines-1]+" …", w, "…")
		}
		for _, l := range dl {
			out = append(out, st.Description.Render(l))
		}
	}
	if f.kind == schema.KindString && f.node.Pattern != "" {
		out = append(out, st.Hint.Render(ansi.Truncate("pattern "+schema.SanitizeLine(f.node.Pattern), w, "…")))
	}
	switch {
	case f.misfit:
		out = append(out, st.Warning.Render(ansi.Truncate("⚠ the value does not fit the schema; edit it as JSON (empty it to start over)", w, "…")))
	case f.kind == schema.KindUnknown && f.node.Note != "":
		out = append(out, st.Hint.Render(ansi.Truncate(f.node.Note+": type JSON", w, "…")))
	case f.kind == schema.KindUnknown:
		out = append(out, st.Hint.Render(ansi.Truncate("type JSON", w, "…")))
	}
	return out
}

func (m *Form) pickerLines(w int) []string {
	st := m.styles
	p := m.picker
	labels := m.pickerLabels(p.f)
	matches := m.pickerMatches()
	var out []string
	if p.filter != "" {
		out = append(out, st.Hint.Render(ansi.Truncate("filter: ", w, ""))+st.Value.Render(ansi.Truncate(p.filter, max(1, w-8), "…")))
	}
	if len(matches) == 0 {
		return append(out, st.Hint.Render("no match"))
	}
	first, to := p.list.Visible()
	for i := first; i < to; i++ {
		idx := matches[i]
		mark := "○ "
		style := st.Value
		if idx == p.f.choice {
			mark, style = "● ", st.Selected
		}
		line := "  " + style.Render(mark+ansi.Truncate(labels[idx], max(1, w-4), "…"))
		if i == p.list.Cursor() {
			line = st.PickerCursor.Render("› ") + st.PickerCursor.Render(mark+ansi.Truncate(labels[idx], max(1, w-4), "…"))
		}
		out = append(out, line)
	}
	if len(matches) > pickerRows {
		out = append(out, st.Hint.Render(fmt.Sprintf("%d/%d · type to filter", p.list.Cursor()+1, len(matches))))
	}
	return out
}

// widget renders the value part of a field row in at most w cells,
// leaving room for a hint of hintW cells when it can.
func (m *Form) widget(f *field, focused bool, w, hintW int) string {
	st := m.styles
	if f.null {
		return st.Null.Render("null")
	}
	switch f.kind {
	case schema.KindString, schema.KindNumber, schema.KindInteger, schema.KindUnknown:
		iw := w
		if hintW > 0 && hintW+1 <= w/3 {
			iw = w - hintW - 1
		}
		iw = max(3, iw)
		if focused && m.focused && f.input.Focused() {
			f.input.SetWidth(iw - 1)
			return padRight(ansi.Truncate(f.input.View(), iw, ""), iw)
		}
		v := f.input.Value()
		if v == "" {
			if f.set && f.kind == schema.KindString {
				return padRight(st.Placeholder.Render(`""`), iw)
			}
			return padRight(st.Placeholder.Render(ansi.Truncate(f.input.Placeholder, iw, "…")), iw)
		}
		return padRight(st.Value.Render(ansi.Truncate(v, iw, "…")), iw)
	case schema.KindBoolean:
		switch {
		case !f.set:
			return st.Placeholder.Render("[ ] not set")
		case f.boolVal:
			return st.Selected.Render("[x] true")
		default:
			return st.Value.Render("[ ] false")
		}
	case schema.KindEnum:
		return m.choiceWidget(f, focused, w, enumLabel(f))
	case schema.KindVariant:
		label := ""
		if f.choice >= 0 && f.choice < len(f.node.Variants()) {
			label = f.node.Variants()[f.choice].Title
		}
		return m.choiceWidget(f, focused, w, label)
	case schema.KindMultiSelect:
		n := 0
		for _, c := range f.checked {
			if c {
				n++
			}
		}
		if !f.set && n == 0 {
			return st.Placeholder.Render("not set")
		}
		return st.Hint.Render(fmt.Sprintf("%d of %d selected", n, len(f.checked)))
	case schema.KindArray:
		switch {
		case !f.set && len(f.items) == 0:
			return st.Placeholder.Render("not set")
		case len(f.items) == 0:
			return st.Hint.Render("empty")
		case len(f.items) == 1:
			return st.Hint.Render("1 item")
		default:
			return st.Hint.Render(strconv.Itoa(len(f.items)) + " items")
		}
	case schema.KindObject:
		if m.collapsed(f) {
			return st.Hint.Render("▸ recursive, space to open")
		}
		if _, ok := f.value(false); !ok {
			return st.Placeholder.Render("not set")
		}
		return ""
	case schema.KindNull:
		if f.set || f.node.Required {
			return st.Null.Render("null")
		}
		return st.Placeholder.Render("not set")
	}
	return ""
}

func enumLabel(f *field) string {
	if f.choice >= 0 && f.choice < len(f.node.Options) {
		return f.node.Options[f.choice].Label
	}
	return ""
}

func (m *Form) choiceWidget(f *field, focused bool, w int, label string) string {
	st := m.styles
	if label == "" {
		if focused {
			return st.Placeholder.Render("‹ choose… ›")
		}
		return st.Placeholder.Render("not set")
	}
	if focused {
		return st.Cursor.Render("‹ ") + st.Selected.Render(ansi.Truncate(label, max(1, w-4), "…")) + st.Cursor.Render(" ›")
	}
	return st.Value.Render(ansi.Truncate(label, w, "…"))
}

// hint is the short, muted text after a widget: format, bounds, counts.
func (m *Form) hint(f *field, focused bool) string {
	n := f.node
	var parts []string
	if f.kind != n.Kind && !f.misfit {
		return ""
	}
	switch f.kind {
	case schema.KindString:
		if n.Format != "" && f.input.Value() != "" {
			parts = append(parts, n.Format)
		}
		if b := rangeText(intf(n.MinLength), intf(n.MaxLength), nil, nil, "chars"); b != "" {
			parts = append(parts, b)
		}
	case schema.KindNumber, schema.KindInteger:
		if b := rangeText(n.Minimum, n.Maximum, n.ExclusiveMinimum, n.ExclusiveMaximum, ""); b != "" {
			parts = append(parts, b)
		}
		if n.MultipleOf != nil {
			parts = append(parts, "×"+fmtNum(*n.MultipleOf))
		}
	case schema.KindEnum, schema.KindVariant:
		total := len(n.Options)
		if f.kind == schema.KindVariant {
			total = len(f.variants)
		}
		if focused && f.choice >= 0 {
			parts = append(parts, fmt.Sprintf("%d/%d", f.choice+1, total))
		}
	case schema.KindArray, schema.KindMultiSelect:
		switch {
		case n.MinItems != nil && n.MaxItems != nil:
			parts = append(parts, rangeText(intf(n.MinItems), intf(n.MaxItems), nil, nil, "items"))
		case n.MinItems != nil:
			parts = append(parts, "min "+strconv.Itoa(*n.MinItems))
		case n.MaxItems != nil:
			parts = append(parts, "max "+strconv.Itoa(*n.MaxItems))
		}
		if focused && f.kind == schema.KindArray {
			parts = append(parts, m.keys.AddItem.Help().Key+" add")
		}
	case schema.KindUnknown:
		if f.misfit {
			parts = append(parts, "⚠ raw")
		}
	}
	if n.Nullable && focused && !f.null {
		parts = append(parts, m.keys.Null.Help().Key+" null")
	}
	if n.Deprecated {
		parts = append(parts, "deprecated")
	}
	if n.ReadOnly {
		parts = append(parts, "read-only")
	}
	if it := f; it.isItem && focused {
		parts = append(parts, m.keys.MoveUp.Help().Key+"/"+strings.TrimPrefix(m.keys.MoveDown.Help().Key, "alt+")+" move · "+m.keys.RemoveItem.Help().Key+" remove")
	}
	return strings.Join(parts, " · ")
}

func intf(p *int) *float64 {
	if p == nil {
		return nil
	}
	f := float64(*p)
	return &f
}

// rangeText renders bounds compactly: "1–50", "≥ 0", "< 10", "3–20 chars".
func rangeText(lo, hi, xlo, xhi *float64, unit string) string {
	suffix := ""
	if unit != "" {
		suffix = " " + unit
	}
	switch {
	case lo != nil && hi != nil:
		if *lo == *hi {
			return fmtNum(*lo) + suffix
		}
		return fmtNum(*lo) + "–" + fmtNum(*hi) + suffix
	case lo != nil && xhi != nil:
		return fmtNum(*lo) + "–<" + fmtNum(*xhi) + suffix
	case xlo != nil && hi != nil:
		return ">" + fmtNum(*xlo) + "–" + fmtNum(*hi) + suffix
	case xlo != nil && xhi != nil:
		return ">" + fmtNum(*xlo) + " <" + fmtNum(*xhi) + suffix
	case lo != nil:
		return "≥ " + fmtNum(*lo) + suffix
	case hi != nil:
		return "≤ " + fmtNum(*hi) + suffix
	case xlo != nil:
		return "> " + fmtNum(*xlo) + suffix
	case xhi != nil:
		return "< " + fmtNum(*xhi) + suffix
	}
	return ""
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func (m *Form) footer() string {
	st := m.styles
	w := m.width
	var left string
	switch {
	case m.schemaErr != nil && len(m.errs) == 0:
		left = st.Warning.Render("⚠ not validated")
	case len(m.errs) == 0:
		left = st.Valid.Render("✓ valid")
	case len(m.errs) == 1:
		left = st.Error.Render("✗ 1 error")
	default:
		left = st.Error.Render(fmt.Sprintf("✗ %d errors", len(m.errs)))
	}
	if m.raw {
		if m.rawErr != "" || len(m.rawErrs) > 0 {
			n := len(m.rawErrs)
			if m.rawErr != "" {
				n = 1
			}
			left = st.Error.Render(fmt.Sprintf("✗ %d error%s", n, plural(n)))
		} else if m.schemaErr != nil {
			left = st.Warning.Render("⚠ not validated")
		} else {
			left = st.Valid.Render("✓ valid")
		}
		left += st.Footer.Render(" · raw JSON")
	} else if len(m.rows) > 0 && (m.hiddenAbove || m.hiddenBelow) {
		var arrows string
		if m.hiddenAbove {
			arrows += "↑"
		}
		if m.hiddenBelow {
			arrows += "↓"
		}
		left += st.Footer.Render(fmt.Sprintf(" · field %d/%d %s", m.focus+1, len(m.rows), arrows))
	}
	toggle := m.keys.ToggleRaw.Help()
	what := "raw JSON"
	if m.raw {
		what = "form"
	}
	right := st.Footer.Render(toggle.Key + " " + what)
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return fit(left, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// --- raw mode -----------------------------------------------------------

func (m *Form) rawErrLines() []string {
	st := m.styles
	w := m.width
	var out []string
	if m.rawErr != "" {
		out = append(out, st.Error.Render(fit("✗ "+schema.SanitizeLine(m.rawErr), w)))
		return out
	}
	for i, e := range m.rawErrs {
		if i == maxRawErrLines-1 && len(m.rawErrs) > maxRawErrLines {
			out = append(out, st.Error.Render(fit(fmt.Sprintf("  … %d more", len(m.rawErrs)-i), w)))
			break
		}
		out = append(out, st.Error.Render(fit("✗ "+schema.SanitizeLine(e.String()), w)))
	}
	return out
}

func (m *Form) layoutRaw() {
	h := m.height - 1 - len(m.rawErrLines())
	// The textarea sizes its line-number gutter from MaxHeight's digits:
	// keep it wide enough for every line so the text does not shift.
	maxH := 999
	for maxH < m.editor.LineCount() || maxH < h {
		maxH = maxH*10 + 9
	}
	m.editor.MaxHeight = maxH
	m.editor.SetWidth(m.width)
	m.editor.SetHeight(max(1, h))
}

func (m *Form) rawView() string {
	errs := m.rawErrLines()
	h := max(1, m.height-1-len(errs))
	lines := strings.Split(m.editor.View(), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = fit(l, m.width)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	lines = append(lines, errs...)
	lines = append(lines, m.footer())
	if len(lines) > m.height {
		lines = lines[len(lines)-m.height:]
	}
	return strings.Join(lines, "\n")
}

// --- text helpers -----------------------------------------------------------

// fit cuts a (styled) line to w cells.
func fit(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

func padRight(s string, w int) string {
	if d := w - ansi.StringWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// wrap word-wraps plain text to w cells.
func wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		wrapped := ansi.Hardwrap(ansi.Wordwrap(para, w, ""), w, true)
		out = append(out, strings.Split(wrapped, "\n")...)
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	return out
}
