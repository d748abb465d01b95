// Package form is the argument form: a Bubble Tea v2 widget that edits a
// JSON value described by a JSON Schema (a tool's inputSchema, an
// elicitation's requestedSchema, prompt arguments, URI template variables).
//
// The field tree comes from [schema.Node]; validation is the real
// validator from package schema, run on every change, with each error shown
// at the field it belongs to. A raw JSON editor (ctrl+o) round-trips with
// the form: members the form cannot express survive as raw JSON fields.
//
// Form is a pane in the house style: a plain struct with imperative
// methods, driven by the root model.
package form

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/ui/list"
)

// maxEditorLines keeps pretty-printed JSON under the textarea's line cap.
const maxEditorLines = 9000

// Options configure [New].
type Options struct {
	// Initial prefills the form, e.g. with the arguments used last time.
	// When it is set, schema defaults are not applied. Members the schema
	// does not describe are kept in the value.
	Initial json.RawMessage
	// Styles draw the form; see [DefaultStyles]. The zero value draws
	// without colour.
	Styles Styles
	// KeyMap overrides [DefaultKeyMap] when its Next binding has keys.
	KeyMap KeyMap
	// Width and Height are the initial size (default 80x24); see
	// [Form.SetSize].
	Width, Height int
}

// Form edits one JSON value against a schema.
type Form struct {
	node      *schema.Node
	compiled  *schema.Schema
	schemaErr error

	b      *builder
	root   *field
	keys   KeyMap
	styles Styles

	width, height int
	focused       bool

	rows        []row
	focus       int
	top         int      // first row on screen
	lines       []string // rendered body, at most bodyHeight lines
	hiddenAbove bool
	hiddenBelow bool
	picker      *picker
	sugg        *suggestions

	raw     bool
	editor  textarea.Model
	rawErr  string
	rawErrs []schema.Error

	errs     []schema.Error
	rootErrs []string
	value    json.RawMessage
}

// row is one focusable line of the form.
type row struct {
	f     *field
	opt   int // multiselect option index; -1 for the field itself
	depth int
	label string
}

// picker is an open option list (enum values or variants).
type picker struct {
	f *field
	// list is the cursor over the options the filter keeps
	list   list.Model
	filter string
}

// New builds a form for a JSON Schema.
//
// A schema the validator rejects (an unsupported $schema, an invalid
// pattern, a remote $ref, …) still gets a form, without validation;
// [Form.SchemaError] says why. New fails only when the schema is not JSON
// or is over the size limits, or when Options.Initial is not valid JSON.
func New(raw json.RawMessage, opts Options) (*Form, error) {
	compiled, cerr := schema.Compile(raw)
	var node *schema.Node
	if cerr == nil {
		node = compiled.Root()
	} else {
		n, err := schema.Walk(raw)
		if err != nil {
			return nil, err
		}
		node = n
	}
	m := &Form{
		node:      node,
		compiled:  compiled,
		schemaErr: cerr,
		styles:    opts.Styles,
		keys:      opts.KeyMap,
		width:     80,
		height:    24,
		focused:   true,
	}
	if len(m.keys.Next.Keys()) == 0 {
		m.keys = DefaultKeyMap()
	}
	if opts.Width > 0 {
		m.width = opts.Width
	}
	if opts.Height > 0 {
		m.height = opts.Height
	}
	m.b = &builder{newInput: m.newInput}
	m.editor = m.newEditor()
	if len(opts.Initial) > 0 {
		if !json.Valid(opts.Initial) {
			return nil, errors.New("form: Options.Initial is not valid JSON")
		}
		m.root = m.b.build(node, nil, false)
		m.root.fill(m.b, opts.Initial)
	} else {
		m.root = m.b.build(node, nil, true)
		m.prefillRoot()
	}
	m.changed()
	m.focusRow(0)
	return m, nil
}

func (m *Form) newInput() textinput.Model {
	ti := textinput.New()
	ti.Prompt = ""
	ti.SetStyles(m.styles.inputStyles())
	return ti
}

func (m *Form) newEditor() textarea.Model {
	ta := textarea.New()
	ta.ShowLineNumbers = true
	ta.Prompt = ""
	ta.MaxHeight = 999
	ta.MaxWidth = 0
	ta.CharLimit = 0
	ta.SetStyles(m.styles.rawStyles())
	ta.KeyMap.InsertNewline.SetKeys("enter")
	return ta
}

// prefillRoot gives a root the form can only edit as raw JSON (a
// free-form object, "true", "{}") an empty object, or an empty array for
// a tuple, so an untouched form still has a value.
func (m *Form) prefillRoot() {
	if m.root.kind != schema.KindUnknown || m.root.set {
		return
	}
	if m.node.Note == "tuple" {
		m.root.fill(m.b, json.RawMessage("[]"))
		return
	}
	m.root.fill(m.b, json.RawMessage("{}"))
}

// rootValue is the whole value; a root with nothing in it is null.
func (m *Form) rootValue() json.RawMessage {
	if v, ok := m.root.value(true); ok {
		return v
	}
	return json.RawMessage("null")
}

// SetStyles replaces the styles (e.g. after a background colour change).
func (m *Form) SetStyles(s Styles) {
	m.styles = s
	is := s.inputStyles()
	m.root.walk(func(f *field) {
		if f.hasInput {
			f.input.SetStyles(is)
		}
	})
	m.editor.SetStyles(s.rawStyles())
	m.relayout()
}

// SetSize sets the size the form renders into.
func (m *Form) SetSize(w, h int) {
	m.width, m.height = max(w, 20), max(h, 3)
	m.relayout()
}

// Focus gives the form keyboard focus (the default).
func (m *Form) Focus() tea.Cmd {
	m.focused = true
	m.relayout()
	return m.focusInput()
}

// Blur removes keyboard focus: no cursor is drawn.
func (m *Form) Blur() {
	m.focused = false
	if f := m.focusedField(); f != nil && f.hasInput {
		f.input.Blur()
	}
	m.editor.Blur()
	m.relayout()
}

// SchemaError reports why the schema could not be compiled (the form then
// works without validation), or nil.
func (m *Form) SchemaError() error { return m.schemaErr }

// Raw reports whether the raw JSON editor is showing.
func (m *Form) Raw() bool { return m.raw }

// EditingText reports whether keys go to a text field (a text input, the
// raw JSON editor or an option list's filter), so the caller should route
// printable keys to the form before its own single-letter shortcuts.
func (m *Form) EditingText() bool {
	if m.raw || m.picker != nil {
		return true
	}
	r, ok := m.currentRow()
	return ok && r.opt < 0 && r.f.hasInput && isTextKind(r.f.kind)
}

func isTextKind(k schema.Kind) bool {
	switch k {
	case schema.KindString, schema.KindNumber, schema.KindInteger, schema.KindUnknown:
		return true
	}
	return false
}

// Value returns the JSON value the form describes. The error is non-nil
// when some text does not parse (a number field holding "12x", a raw JSON
// field or the raw editor holding invalid JSON); the value is then the
// best effort, with such text as JSON strings (nil in raw mode).
func (m *Form) Value() (json.RawMessage, error) {
	if m.raw {
		text := strings.TrimSpace(m.editor.Value())
		if err := jsonError(text); err != nil {
			return nil, err
		}
		return compactJSON(text), nil
	}
	var local []string
	m.root.walk(func(f *field) {
		if f.localErr != "" {
			local = append(local, pathOrRoot(f.path())+": "+f.localErr)
		}
	})
	v := append(json.RawMessage(nil), m.value...)
	if len(local) > 0 {
		return v, fmt.Errorf("form: %s", strings.Join(local, "; "))
	}
	return v, nil
}

// Errors returns the current errors: validation errors and text that does
// not parse, sorted by path.
func (m *Form) Errors() []schema.Error {
	if m.raw {
		if m.rawErr != "" {
			return []schema.Error{{Message: m.rawErr}}
		}
		return append([]schema.Error(nil), m.rawErrs...)
	}
	return append([]schema.Error(nil), m.errs...)
}

// Valid reports whether the value parses and passes validation. Without a
// compiled schema (see [Form.SchemaError]) only parsing is checked.
func (m *Form) Valid() bool {
	if m.raw {
		return m.rawErr == "" && len(m.rawErrs) == 0
	}
	return len(m.errs) == 0
}

// KeyMap returns the key bindings with only those that apply to the
// focused field enabled, for a help view.
func (m *Form) KeyMap() KeyMap {
	k := m.keys
	if m.raw {
		for _, b := range []*key.Binding{&k.Next, &k.Prev, &k.PageDown, &k.PageUp, &k.Toggle, &k.Choose, &k.PrevOption, &k.NextOption, &k.AddItem, &k.RemoveItem, &k.MoveUp, &k.MoveDown, &k.Null, &k.Unset, &k.Close} {
			b.SetEnabled(false)
		}
		return k
	}
	r, ok := m.currentRow()
	var f *field
	if ok {
		f = r.f
	}
	text := ok && r.opt < 0 && f.hasInput && isTextKind(f.kind)
	kind := schema.KindUnknown
	if f != nil {
		kind = f.kind
	}
	k.Close.SetEnabled(m.picker != nil || len(m.Suggestions()) > 0)
	k.Toggle.SetEnabled(ok && !text && (kind == schema.KindBoolean || r.opt >= 0 || m.collapsed(f)))
	k.Choose.SetEnabled(ok && (kind == schema.KindEnum || kind == schema.KindVariant || kind == schema.KindArray || m.picker != nil))
	k.PrevOption.SetEnabled(ok && !text && (kind == schema.KindEnum || kind == schema.KindVariant || kind == schema.KindBoolean))
	k.NextOption.SetEnabled(k.PrevOption.Enabled())
	k.AddItem.SetEnabled(ok && (kind == schema.KindArray && r.opt < 0 || itemOf(f) != nil))
	k.RemoveItem.SetEnabled(ok && itemOf(f) != nil)
	k.MoveUp.SetEnabled(k.RemoveItem.Enabled())
	k.MoveDown.SetEnabled(k.RemoveItem.Enabled())
	k.Null.SetEnabled(f != nil && f.node.Nullable)
	k.Unset.SetEnabled(ok && !text)
	return k
}

// ToggleRaw switches between the form and the raw JSON editor. Leaving
// the editor with invalid JSON is refused: the editor stays, showing the
// parse error.
func (m *Form) ToggleRaw() tea.Cmd {
	if !m.raw {
		m.picker = nil
		v := m.rootValue()
		text := prettyJSON(v)
		if strings.Count(text, "\n") >= maxEditorLines {
			// The textarea keeps at most 10000 lines and silently drops
			// the rest; one long line loses nothing.
			text = string(compactJSON(string(v)))
		}
		m.editor.SetValue(SafeJSON(text))
		m.editor.MoveToBegin()
		m.raw = true
		m.rawErr = ""
		m.validateRaw()
		if f := m.focusedField(); f != nil && f.hasInput {
			f.input.Blur()
		}
		m.relayout()
		if m.focused {
			return m.editor.Focus()
		}
		return nil
	}
	text := strings.TrimSpace(m.editor.Value())
	if text == "" {
		text = "null"
		if m.node.Kind == schema.KindObject {
			text = "{}"
		}
	}
	if err := jsonError(text); err != nil {
		m.rawErr = err.Error()
		m.relayout()
		return nil
	}
	_ = m.SetValue(json.RawMessage(text))
	return m.focusInput()
}

// SetValue replaces the form's content with a JSON value (e.g. the
// arguments of an earlier call), as if it had been typed in the raw
// editor. It leaves raw mode. Invalid JSON is an error and changes
// nothing.
func (m *Form) SetValue(v json.RawMessage) error {
	if err := jsonError(string(v)); err != nil {
		return err
	}
	prev := m.focusPath()
	m.root = m.b.build(m.node, nil, false)
	m.root.fill(m.b, v)
	m.raw, m.rawErr, m.rawErrs, m.picker = false, "", nil, nil
	m.editor.Blur()
	m.changed()
	m.restoreFocus(prev)
	m.focusInput()
	return nil
}

// Update handles a message: keys (when the caller routes them here),
// paste, and the text inputs' own messages.
func (m *Form) Update(msg tea.Msg) tea.Cmd {
	if m.raw {
		return m.updateRaw(msg)
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		if m.picker != nil {
			m.setPickerFilter(m.picker.filter + strings.ReplaceAll(msg.Content, "\n", " "))
			m.relayout()
			return nil
		}
		return m.updateInput(msg)
	default:
		if f := m.focusedField(); f != nil && f.hasInput {
			var cmd tea.Cmd
			f.input, cmd = f.input.Update(msg)
			return cmd
		}
	}
	return nil
}

func (m *Form) updateRaw(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.ToggleRaw) {
		return m.ToggleRaw()
	}
	before := m.editor.Value()
	var cmd tea.Cmd
	m.editor, cmd = m.editor.Update(msg)
	if m.editor.Value() != before {
		m.rawErr = ""
		m.validateRaw()
	}
	m.relayout()
	return cmd
}

// validateRaw validates the raw editor's text as it is typed.
func (m *Form) validateRaw() {
	m.rawErrs = nil
	text := strings.TrimSpace(m.editor.Value())
	if text == "" {
		return
	}
	if err := jsonError(text); err != nil {
		m.rawErrs = []schema.Error{{Message: err.Error()}}
		return
	}
	if m.compiled != nil {
		m.rawErrs = m.compiled.Validate(json.RawMessage(text))
	}
}

func (m *Form) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.picker != nil {
		return m.handlePickerKey(msg)
	}
	k := m.keys
	if key.Matches(msg, k.ToggleRaw) {
		return m.ToggleRaw()
	}
	if cmd, ok := m.suggestKey(msg); ok {
		return cmd
	}
	r, ok := m.currentRow()
	if !ok {
		return nil
	}
	f := r.f
	text := r.opt < 0 && f.hasInput && isTextKind(f.kind)

	switch {
	case key.Matches(msg, k.Next):
		return m.focusRow(m.focus + 1)
	case key.Matches(msg, k.Prev):
		return m.focusRow(m.focus - 1)
	case key.Matches(msg, k.PageDown):
		return m.focusRow(m.focus + max(1, m.bodyHeight()/2))
	case key.Matches(msg, k.PageUp):
		return m.focusRow(m.focus - max(1, m.bodyHeight()/2))
	case key.Matches(msg, k.AddItem):
		return m.addItem(f, r)
	case key.Matches(msg, k.RemoveItem):
		return m.removeItem(f)
	case key.Matches(msg, k.MoveUp):
		return m.moveItem(f, -1)
	case key.Matches(msg, k.MoveDown):
		return m.moveItem(f, +1)
	case key.Matches(msg, k.Null):
		if f.node.Nullable {
			f.null = !f.null
			if f.null {
				f.set = true
			}
			f.touch()
			f.checkLocal()
			m.changed()
		}
		return nil
	}

	if text {
		if key.Matches(msg, k.Choose) {
			return m.focusRow(m.focus + 1)
		}
		return m.updateInput(msg)
	}

	switch {
	case key.Matches(msg, k.Unset):
		m.unset(f, r)
	case key.Matches(msg, k.Toggle):
		m.toggle(f, r)
	case key.Matches(msg, k.Choose):
		switch {
		case r.opt >= 0 || f.kind == schema.KindBoolean || m.collapsed(f) || f.kind == schema.KindNull:
			m.toggle(f, r)
		case f.kind == schema.KindEnum || f.kind == schema.KindVariant:
			m.openPicker(f)
		case f.kind == schema.KindArray:
			return m.addItem(f, r)
		}
	case key.Matches(msg, k.PrevOption):
		m.cycle(f, -1)
	case key.Matches(msg, k.NextOption):
		m.cycle(f, +1)
	}
	return nil
}

func (m *Form) updateInput(msg tea.Msg) tea.Cmd {
	r, ok := m.currentRow()
	if !ok || r.opt >= 0 || !r.f.hasInput || !isTextKind(r.f.kind) {
		return nil
	}
	f := r.f
	before := f.input.Value()
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	if after := f.input.Value(); after != before {
		if f.misfit && after == "" {
			// Emptied a value that did not fit: back to the real field.
			f.clear(m.b)
			m.changed()
			return m.focusInput()
		}
		f.null = false
		f.set = after != "" || f.isItem
		f.touch()
		f.checkLocal()
		m.changed()
	} else {
		m.relayout()
	}
	return cmd
}

func (m *Form) toggle(f *field, r row) {
	switch {
	case f.null:
		return
	case r.opt >= 0:
		if r.opt < len(f.checked) {
			f.checked[r.opt] = !f.checked[r.opt]
			f.set = true
		}
	case f.kind == schema.KindBoolean:
		if f.set {
			f.boolVal = !f.boolVal
		} else {
			f.boolVal = true
		}
		f.set = true
	case f.kind == schema.KindNull:
		f.set = !f.set
	case f.kind == schema.KindEnum || f.kind == schema.KindVariant:
		m.openPicker(f)
		return
	case m.collapsed(f):
		f.expand(m.b, false)
	default:
		return
	}
	f.touch()
	m.changed()
}

func (m *Form) unset(f *field, r row) {
	switch f.kind {
	case schema.KindBoolean, schema.KindEnum, schema.KindMultiSelect, schema.KindNull:
		f.clear(m.b)
	case schema.KindObject:
		// on an object's header: back to unset (an optional object is
		// left out; its fields show their defaults again)
		f.reset(m.b)
	case schema.KindVariant:
		f.choice, f.set, f.null = -1, false, false
	default:
		if f.null {
			f.null = false
		} else {
			return
		}
	}
	m.changed()
}

// cycle moves an enum or variant to the previous/next option; on a
// boolean, left is false and right is true.
func (m *Form) cycle(f *field, d int) {
	if f.null {
		return
	}
	switch f.kind {
	case schema.KindBoolean:
		f.boolVal, f.set = d > 0, true
		f.touch()
	case schema.KindEnum:
		n := len(f.node.Options)
		if n == 0 {
			return
		}
		f.choice = nextIndex(f.choice, d, n)
		f.set, f.auto = true, false
	case schema.KindVariant:
		n := len(f.variants)
		if n == 0 {
			return
		}
		f.choose(m.b, nextIndex(f.choice, d, n), false)
	default:
		return
	}
	m.changed()
}

func nextIndex(cur, d, n int) int {
	if cur < 0 {
		if d > 0 {
			return 0
		}
		return n - 1
	}
	return ((cur+d)%n + n) % n
}

// itemOf is the array item f is, or is inside of (nil if none).
func itemOf(f *field) *field {
	for c := f; c != nil; c = c.parent {
		if c.isItem && c.parent != nil && c.parent.kind == schema.KindArray {
			return c
		}
	}
	return nil
}

func (m *Form) addItem(f *field, r row) tea.Cmd {
	var arr *field
	at := 0
	if f.kind == schema.KindArray && r.opt < 0 && !f.null {
		arr, at = f, len(f.items)
	} else if it := itemOf(f); it != nil {
		arr, at = it.parent, it.index+1
	}
	if arr == nil || arr.node.Items() == nil {
		return nil
	}
	it := arr.newItem(m.b, at)
	arr.touch()
	m.changed()
	return m.focusField(it, -1)
}

func (m *Form) removeItem(f *field) tea.Cmd {
	it := itemOf(f)
	if it == nil {
		return nil
	}
	arr := it.parent
	i := it.index
	arr.items = append(arr.items[:i], arr.items[i+1:]...)
	arr.reindex()
	arr.set = true
	arr.touch()
	m.changed()
	switch {
	case i < len(arr.items):
		return m.focusField(arr.items[i], -1)
	case len(arr.items) > 0:
		return m.focusField(arr.items[len(arr.items)-1], -1)
	default:
		return m.focusField(arr, -1)
	}
}

func (m *Form) moveItem(f *field, d int) tea.Cmd {
	it := itemOf(f)
	if it == nil {
		return nil
	}
	arr := it.parent
	i, j := it.index, it.index+d
	if j < 0 || j >= len(arr.items) {
		return nil
	}
	arr.items[i], arr.items[j] = arr.items[j], arr.items[i]
	arr.reindex()
	arr.touch()
	r, _ := m.currentRow()
	m.changed()
	return m.focusField(r.f, r.opt)
}

// collapsed reports a recursive object the user has not opened yet.
func (m *Form) collapsed(f *field) bool {
	return f != nil && f.kind == schema.KindObject && f.children == nil && !f.null && f.node.Recursive
}

// --- option list --------------------------------------------------------

func (m *Form) openPicker(f *field) {
	if f.null {
		return
	}
	p := &picker{f: f, list: list.NewCentered()}
	p.list.SetHeight(pickerRows)
	m.picker = p
	m.setPickerFilter("")
	if f.choice >= 0 && f.choice < p.list.Len() {
		p.list.SetCursor(f.choice)
	}
	m.relayout()
}

// setPickerFilter filters the open option list with s, the cursor on the
// first option it keeps.
func (m *Form) setPickerFilter(s string) {
	p := m.picker
	p.filter = s
	p.list.SetLen(len(m.pickerMatches()))
	p.list.SetCursor(0)
}

func (m *Form) pickerLabels(f *field) []string {
	if f.kind == schema.KindVariant {
		vs := f.node.Variants()
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.Title
		}
		return out
	}
	out := make([]string, len(f.node.Options))
	for i, o := range f.node.Options {
		out[i] = o.Label
	}
	return out
}

// pickerMatches lists the option indices matching the filter.
func (m *Form) pickerMatches() []int {
	p := m.picker
	labels := m.pickerLabels(p.f)
	needle := strings.ToLower(p.filter)
	var out []int
	for i, l := range labels {
		if needle == "" || strings.Contains(strings.ToLower(l), needle) {
			out = append(out, i)
		}
	}
	return out
}

func (m *Form) handlePickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.picker
	k := m.keys
	matches := m.pickerMatches()
	switch {
	case key.Matches(msg, k.Close):
		m.picker = nil
	case key.Matches(msg, k.ToggleRaw):
		m.picker = nil
		return m.ToggleRaw()
	case key.Matches(msg, k.Choose):
		if c := p.list.Cursor(); c < len(matches) {
			i := matches[c]
			if p.f.kind == schema.KindVariant {
				p.f.choose(m.b, i, false)
			} else {
				p.f.choice, p.f.set, p.f.auto = i, true, false
			}
			m.picker = nil
			m.changed()
			return nil
		}
	case key.Matches(msg, k.Prev):
		p.list.Move(-1)
	case key.Matches(msg, k.Next):
		p.list.Move(1)
	case key.Matches(msg, k.PageUp):
		p.list.Move(-pickerRows)
	case key.Matches(msg, k.PageDown):
		p.list.Move(pickerRows)
	case key.Matches(msg, k.FilterBack):
		if p.filter != "" {
			rs := []rune(p.filter)
			m.setPickerFilter(string(rs[:len(rs)-1]))
		}
	default:
		if msg.Text != "" && msg.Mod&^(tea.ModShift) == 0 {
			m.setPickerFilter(p.filter + msg.Text)
		}
	}
	m.relayout()
	return nil
}

// --- focus ----------------------------------------------------------------

func (m *Form) currentRow() (row, bool) {
	if m.focus < 0 || m.focus >= len(m.rows) {
		return row{}, false
	}
	return m.rows[m.focus], true
}

func (m *Form) focusedField() *field {
	if r, ok := m.currentRow(); ok {
		return r.f
	}
	return nil
}

func (m *Form) focusRow(i int) tea.Cmd {
	if len(m.rows) == 0 {
		m.focus = 0
		m.relayout()
		return nil
	}
	if f := m.focusedField(); f != nil && f.hasInput {
		f.input.Blur()
	}
	m.picker = nil
	m.focus = max(0, min(i, len(m.rows)-1))
	m.relayout()
	return m.focusInput()
}

func (m *Form) focusInput() tea.Cmd {
	r, ok := m.currentRow()
	if !ok || !m.focused || m.raw || r.opt >= 0 || !r.f.hasInput || !isTextKind(r.f.kind) {
		return nil
	}
	if r.f.input.Focused() {
		return nil
	}
	cmd := r.f.input.Focus()
	r.f.input.CursorEnd()
	return cmd
}

func (m *Form) focusField(f *field, opt int) tea.Cmd {
	for i, r := range m.rows {
		if r.f == f && r.opt == opt {
			return m.focusRow(i)
		}
	}
	return m.focusRow(m.focus)
}

// focusPath remembers the focused field by its path, across a rebuild of
// the field tree (raw → form).
func (m *Form) focusPath() string {
	if r, ok := m.currentRow(); ok {
		return r.f.path() + "#" + strconv.Itoa(r.opt)
	}
	return ""
}

func (m *Form) restoreFocus(p string) {
	for i, r := range m.rows {
		if r.f.path()+"#"+strconv.Itoa(r.opt) == p {
			m.focus = i
			m.relayout()
			return
		}
	}
	m.focus = max(0, min(m.focus, len(m.rows)-1))
	m.relayout()
}

// --- after every change ----------------------------------------------------

// changed rebuilds rows, revalidates and re-renders after a value or
// structure change.
func (m *Form) changed() {
	var keepF *field
	keepOpt := -1
	if r, ok := m.currentRow(); ok {
		keepF, keepOpt = r.f, r.opt
	}
	m.rebuildRows()
	if keepF != nil {
		found := false
		for i, r := range m.rows {
			if r.f == keepF && r.opt == keepOpt {
				m.focus, found = i, true
				break
			}
		}
		if !found {
			m.focus = max(0, min(m.focus, len(m.rows)-1))
		}
	}
	m.revalidate()
	m.relayout()
}

func (m *Form) rebuildRows() {
	m.rows = m.rows[:0]
	if m.root.kind == schema.KindObject && !m.root.null {
		m.addChildren(m.root, 0)
		return
	}
	label := m.root.node.Label()
	if label == "" {
		label = "value"
	}
	m.addField(m.root, 0, label)
}

func (m *Form) addField(f *field, depth int, label string) {
	m.rows = append(m.rows, row{f: f, opt: -1, depth: depth, label: label})
	m.addChildren(f, depth+1)
}

func (m *Form) addChildren(f *field, depth int) {
	if f.null {
		return
	}
	switch f.kind {
	case schema.KindObject:
		for _, c := range f.children {
			m.addField(c, depth, c.node.Label())
		}
	case schema.KindArray:
		for i, it := range f.items {
			m.addField(it, depth, "#"+strconv.Itoa(i+1))
		}
	case schema.KindMultiSelect:
		for i := range f.node.Options {
			m.rows = append(m.rows, row{f: f, opt: i, depth: depth})
		}
	case schema.KindVariant:
		sel := f.selected()
		if sel == nil {
			return
		}
		if sel.kind == schema.KindObject && !sel.null && sel.children != nil {
			m.addChildren(sel, depth)
			return
		}
		m.addField(sel, depth, "value")
	}
}

func (m *Form) revalidate() {
	v := m.rootValue()
	m.value = v
	hasRow := map[*field]bool{}
	for _, r := range m.rows {
		hasRow[r.f] = true
	}
	var errs []schema.Error
	local := map[string]bool{}
	m.root.walk(func(f *field) {
		f.errs = nil
		if f.localErr != "" {
			errs = append(errs, schema.Error{Path: f.path(), Message: f.localErr})
			local[f.path()] = true
		}
	})
	if m.compiled != nil {
		for _, e := range m.compiled.Validate(v) {
			if !local[e.Path] {
				errs = append(errs, e)
			}
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return comparePaths(errs[i].Path, errs[j].Path) < 0 })
	m.errs = errs
	m.rootErrs = nil
	for _, e := range errs {
		f := m.root.lookup(schema.SplitPointer(e.Path))
		for f != nil && !hasRow[f] {
			f = f.parent
		}
		msg := e.Message
		if f == nil {
			m.rootErrs = append(m.rootErrs, pathOrRoot(e.Path)+": "+msg)
			continue
		}
		if fp := f.path(); fp != e.Path {
			msg = strings.TrimPrefix(e.Path, fp) + ": " + msg
		}
		f.errs = append(f.errs, msg)
	}
}

func pathOrRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// comparePaths orders JSON pointers token by token, array indices
// numerically.
func comparePaths(a, b string) int {
	ta, tb := schema.SplitPointer(a), schema.SplitPointer(b)
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if ta[i] == tb[i] {
			continue
		}
		ia, ea := strconv.Atoi(ta[i])
		ib, eb := strconv.Atoi(tb[i])
		if ea == nil && eb == nil {
			return ia - ib
		}
		return strings.Compare(ta[i], tb[i])
	}
	return len(ta) - len(tb)
}

// JSONError explains why text is not one JSON value, with line and
// column; nil when it is one (the raw editors share it).
func JSONError(text string) error { return jsonError(text) }

// jsonError explains why text is not one JSON value, with line and column.
func jsonError(text string) error {
	var v json.RawMessage
	err := json.Unmarshal([]byte(text), &v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, including the offending one.
		line, col := lineCol(text, int(se.Offset)-1)
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func lineCol(text string, off int) (int, int) {
	off = max(0, min(off, len(text)))
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	col := off - strings.LastIndexByte(before, '\n')
	return line, col
}

// prettyJSON indents v for the raw editor, deeper levels flattened
// (prettyjson); invalid JSON comes back as it was.
func prettyJSON(v json.RawMessage) string {
	s, _ := prettyjson.Indent(v, 0)
	return s
}
