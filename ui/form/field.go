package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/textinput"

	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/termsafe"
)

// field is the live state of one schema node in the form.
type field struct {
	node   *schema.Node
	kind   schema.Kind // node.Kind, or KindUnknown when a value did not fit
	parent *field
	key    string // property name, for children of an object
	index  int    // position, for items of an array
	isItem bool

	set  bool // has a value: typed, chosen, filled in
	null bool // explicitly null
	// auto marks a value the form chose by itself (a schema default, a
	// required const, the first variant of a required oneOf, a variant's
	// discriminator). It does not make an optional parent object present
	// on its own: only an edit does ([field.touch]).
	auto bool

	input    textinput.Model // string, number, integer, raw JSON
	hasInput bool
	localErr string // the text does not parse (number, raw JSON)
	misfit   bool   // a given value did not fit the schema; edited as JSON

	boolVal  bool
	choice   int      // enum option / variant, -1 for none
	checked  []bool   // multiselect
	children []*field // object properties, in schema order
	extras   []extra  // object members the schema does not list, kept verbatim
	items    []*field // array items
	variants []*field // one per variant, built when first chosen
	expanded bool     // recursive object/array opened by the user

	errs []string // validation messages for this field
}

type extra struct {
	key string
	val json.RawMessage
}

// builder creates fields; it carries what every new text input needs.
type builder struct {
	newInput func() textinput.Model
}

// build creates the field for node. With useDefaults, schema defaults are
// filled in (New without Options.Initial).
func (b *builder) build(n *schema.Node, parent *field, useDefaults bool) *field {
	f := &field{node: n, kind: n.Kind, parent: parent, choice: -1}
	b.init(f, useDefaults)
	return f
}

// init gives a new (or reset) field its widgets and, with useDefaults, its
// schema default. A default is the form's choice, not the user's: it is
// marked auto, all the way down, so a default inside an optional object
// (a billing address's country) does not make that object present and
// its required members missing.
func (b *builder) init(f *field, useDefaults bool) {
	n := f.node
	switch f.kind {
	case schema.KindString, schema.KindNumber, schema.KindInteger, schema.KindUnknown:
		f.initInput(b)
	case schema.KindEnum:
		if n.Required && len(n.Options) == 1 {
			f.choice, f.set, f.auto = 0, true, true // a const: nothing to choose
		}
	case schema.KindMultiSelect:
		f.checked = make([]bool, len(n.Options))
	case schema.KindObject:
		if !n.Recursive {
			f.expand(b, useDefaults)
		}
	case schema.KindVariant:
		vs := n.Variants()
		f.variants = make([]*field, len(vs))
		if n.Required && len(vs) > 0 {
			f.choose(b, 0, useDefaults)
			f.auto = true
		}
	}
	if useDefaults && n.Default != nil {
		f.fill(b, n.Default)
		f.walk(func(c *field) { c.auto = true })
	}
}

// reset returns the field to what a fresh form shows: nothing set, schema
// defaults shown as the form's own choice. On an optional object this
// leaves the object out of the value again.
func (f *field) reset(b *builder) {
	*f = field{node: f.node, kind: f.node.Kind, parent: f.parent, key: f.key, index: f.index, isItem: f.isItem, choice: -1}
	b.init(f, true)
}

// touch records that the user edited f: its value is theirs now, so an
// optional object holding it is present.
func (f *field) touch() { f.auto = false }

func (f *field) initInput(b *builder) {
	f.input = b.newInput()
	f.hasInput = true
	f.input.Placeholder = placeholder(f.node, f.kind)
}

// expand builds the children of an object.
func (f *field) expand(b *builder, useDefaults bool) {
	if f.children != nil || f.kind != schema.KindObject {
		return
	}
	f.expanded = true
	props := f.node.Properties()
	f.children = make([]*field, 0, len(props))
	for _, p := range props {
		c := b.build(p, f, useDefaults)
		c.key = p.Name
		f.children = append(f.children, c)
	}
}

// choose selects a variant, building its field on first use.
func (f *field) choose(b *builder, i int, useDefaults bool) {
	vs := f.node.Variants()
	if i < 0 || i >= len(vs) {
		return
	}
	if f.variants[i] == nil {
		v := b.build(vs[i], f, useDefaults)
		// Choosing a variant means its discriminator: fill in every
		// one-value property (a const), required or not, so the value
		// matches this alternative and not another.
		for _, c := range v.children {
			if c.kind == schema.KindEnum && len(c.node.Options) == 1 && !c.set {
				c.choice, c.set, c.auto = 0, true, true
			}
		}
		f.variants[i] = v
	}
	f.choice = i
	f.set = true
	f.auto = false
}

// newItem appends or inserts an array item built from the item schema.
func (f *field) newItem(b *builder, at int) *field {
	it := b.build(f.node.Items(), f, true)
	it.isItem = true
	if it.kind == schema.KindObject && it.children == nil {
		// The user asked for this item: open it even if its schema is
		// recursive (its own recursive fields stay closed).
		it.expand(b, true)
	}
	if !it.set {
		switch it.kind {
		case schema.KindString:
			it.set = true // an added text item is "" until typed
		case schema.KindBoolean:
			it.set, it.boolVal = true, false
		case schema.KindEnum:
			if len(it.node.Options) == 1 {
				it.choice, it.set = 0, true
			}
		case schema.KindVariant:
			it.choose(b, 0, true)
		}
	}
	at = max(0, min(at, len(f.items)))
	f.items = append(f.items, nil)
	copy(f.items[at+1:], f.items[at:])
	f.items[at] = it
	f.reindex()
	f.set = true
	return it
}

func (f *field) reindex() {
	for i, it := range f.items {
		it.index = i
	}
}

// clear returns the field to "not set", recursively. A field that was
// turned into raw JSON by a misfitting value gets its own kind back.
func (f *field) clear(b *builder) {
	if f.misfit {
		f.misfit = false
		f.kind = f.node.Kind
		f.children, f.items, f.extras = nil, nil, nil
		switch f.kind {
		case schema.KindMultiSelect:
			f.checked = make([]bool, len(f.node.Options))
		case schema.KindObject:
			if !f.node.Recursive {
				f.expand(b, false)
			}
		case schema.KindVariant:
			f.variants = make([]*field, len(f.node.Variants()))
		}
		if f.hasInput {
			f.input.Placeholder = placeholder(f.node, f.kind)
		}
	}
	f.set, f.null, f.localErr, f.auto = false, false, "", false
	if f.hasInput {
		f.input.SetValue("")
	}
	f.boolVal = false
	switch f.kind {
	case schema.KindEnum:
		f.choice = -1
	case schema.KindMultiSelect:
		clear(f.checked)
	case schema.KindObject:
		for _, c := range f.children {
			c.clear(b)
		}
		f.extras = nil
	case schema.KindArray:
		f.items = nil
	case schema.KindVariant:
		f.choice = -1
		for _, v := range f.variants {
			if v != nil {
				v.clear(b)
			}
		}
	}
}

// fill sets the field from a JSON value. A value the field cannot show
// (a number where text is expected, a string with a newline, an unknown
// enum value, …) turns the field into a raw JSON field holding it, so it
// survives the round trip.
func (f *field) fill(b *builder, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return
	}
	if !f.tryFill(b, raw) {
		f.toRaw(b, raw)
	}
}

func (f *field) tryFill(b *builder, raw json.RawMessage) bool {
	f.auto = false
	if string(raw) == "null" {
		if f.node.Nullable || f.kind == schema.KindNull {
			f.null, f.set = f.kind != schema.KindNull, true
			return true
		}
		if f.kind == schema.KindUnknown {
			f.input.SetValue("null")
			f.set = true
			return true
		}
		return false
	}
	f.null = false
	switch f.kind {
	case schema.KindString:
		var s string
		if json.Unmarshal(raw, &s) != nil || !lineSafe(s) {
			return false
		}
		f.input.SetValue(s)
		f.set = true
		return true
	case schema.KindNumber, schema.KindInteger:
		if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
			return false
		}
		f.input.SetValue(string(raw))
		f.set = true
		return true
	case schema.KindBoolean:
		switch string(raw) {
		case "true", "false":
			f.boolVal, f.set = string(raw) == "true", true
			return true
		}
		return false
	case schema.KindEnum:
		i := optionIndex(f.node.Options, raw)
		if i < 0 {
			return false
		}
		f.choice, f.set = i, true
		return true
	case schema.KindMultiSelect:
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return false
		}
		checked := make([]bool, len(f.node.Options))
		for _, e := range elems {
			i := optionIndex(f.node.Options, e)
			if i < 0 || checked[i] {
				return false
			}
			checked[i] = true
		}
		f.checked, f.set = checked, true
		return true
	case schema.KindArray:
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return false
		}
		f.items = nil
		for _, e := range elems {
			it := f.newItem(b, len(f.items))
			it.clear(b)
			it.fill(b, e)
		}
		f.set = true
		return true
	case schema.KindObject:
		members, err := objectMembers(raw)
		if err != nil {
			return false
		}
		if len(members) == 0 && f.node.Recursive && f.children == nil {
			// A collapsed recursive object is sent as {} when it must be
			// present; opening it here would make its required recursive
			// property present too, one level deeper on every round trip
			// through the raw editor. It stays collapsed, and set.
			f.extras = nil
			f.set = true
			return true
		}
		f.expand(b, false)
		f.extras = nil
		for _, m := range members {
			if c := f.child(m.key); c != nil {
				c.fill(b, m.val)
			} else {
				f.extras = append(f.extras, m)
			}
		}
		f.set = true
		return true
	case schema.KindVariant:
		best, bestScore := -1, 0
		for i, v := range f.node.Variants() {
			if s := fitScore(v, raw); s > bestScore {
				best, bestScore = i, s
			}
		}
		if best < 0 {
			return false
		}
		if f.variants[best] == nil {
			f.variants[best] = b.build(f.node.Variants()[best], f, false)
		} else {
			f.variants[best].clear(b)
		}
		f.choice, f.set = best, true
		f.variants[best].fill(b, raw)
		return true
	case schema.KindNull:
		return false
	case schema.KindUnknown:
		f.input.SetValue(displayJSON(raw))
		f.set = true
		return true
	}
	return false
}

func (f *field) toRaw(b *builder, raw json.RawMessage) {
	f.kind = schema.KindUnknown
	f.misfit = true
	f.children, f.items, f.extras, f.checked = nil, nil, nil, nil
	f.choice = -1
	f.null = false
	if !f.hasInput {
		f.initInput(b)
	}
	f.input.Placeholder = "JSON"
	f.input.SetValue(displayJSON(raw))
	f.set = true
}

func (f *field) child(key string) *field {
	for _, c := range f.children {
		if c.key == key {
			return c
		}
	}
	return nil
}

// selected is the field of the chosen variant, or nil.
func (f *field) selected() *field {
	if f.kind != schema.KindVariant || f.choice < 0 || f.choice >= len(f.variants) {
		return nil
	}
	return f.variants[f.choice]
}

// value is the field's JSON, and whether it is present at all. force makes
// containers present even when empty (required objects and arrays inside a
// present parent, and the root).
func (f *field) value(force bool) (json.RawMessage, bool) {
	if f.null {
		return json.RawMessage("null"), true
	}
	switch f.kind {
	case schema.KindString:
		if !f.set {
			return f.absent()
		}
		return marshalString(f.input.Value()), true
	case schema.KindNumber, schema.KindInteger:
		text := strings.TrimSpace(f.input.Value())
		if !f.set || text == "" {
			return f.absent()
		}
		if lit, ok := numberLiteral(text); ok {
			return json.RawMessage(lit), true
		}
		return marshalString(f.input.Value()), true
	case schema.KindBoolean:
		if !f.set {
			return f.absent()
		}
		return json.RawMessage(strconv.FormatBool(f.boolVal)), true
	case schema.KindEnum:
		if f.choice < 0 || f.choice >= len(f.node.Options) {
			return f.absent()
		}
		return f.node.Options[f.choice].Value, true
	case schema.KindMultiSelect:
		if !f.set && !force {
			return f.absent()
		}
		var b bytes.Buffer
		b.WriteByte('[')
		n := 0
		for i, c := range f.checked {
			if c {
				if n > 0 {
					b.WriteByte(',')
				}
				b.Write(f.node.Options[i].Value)
				n++
			}
		}
		b.WriteByte(']')
		return b.Bytes(), true
	case schema.KindArray:
		if !f.set && !force && len(f.items) == 0 {
			return f.absent()
		}
		var b bytes.Buffer
		b.WriteByte('[')
		for i, it := range f.items {
			if i > 0 {
				b.WriteByte(',')
			}
			v, _ := it.value(true)
			b.Write(v)
		}
		b.WriteByte(']')
		return b.Bytes(), true
	case schema.KindObject:
		return f.objectValue(force)
	case schema.KindVariant:
		if sel := f.selected(); sel != nil {
			// A variant the user picked is present even if empty.
			return sel.value(force || !f.auto)
		}
		return f.absent()
	case schema.KindNull:
		if f.set || force || f.node.Required {
			return json.RawMessage("null"), true
		}
		return nil, false
	case schema.KindUnknown:
		text := strings.TrimSpace(f.input.Value())
		if text == "" {
			return f.absent()
		}
		if json.Valid([]byte(text)) {
			return compactJSON(text), true
		}
		return marshalString(f.input.Value()), true
	}
	return nil, false
}

// absent is the value of a field that has none: nothing, except for an
// array item, which must hold something (null, which the validator flags).
func (f *field) absent() (json.RawMessage, bool) {
	if f.isItem {
		return json.RawMessage("null"), true
	}
	return nil, false
}

func (f *field) objectValue(force bool) (json.RawMessage, bool) {
	type member struct {
		key string
		val json.RawMessage
	}
	present := force || !f.auto && (f.set || len(f.extras) > 0) || f.isItem
	for _, c := range f.children {
		if present {
			break
		}
		present = c.hasUserValue()
	}
	if !present {
		return nil, false
	}
	// Now that the object is present, its required containers are too.
	var members []member
	for _, c := range f.children {
		if v, ok := c.value(c.node.Required); ok {
			members = append(members, member{c.key, v})
		}
	}
	for _, e := range f.extras {
		members = append(members, member{e.key, e.val})
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.val)
	}
	b.WriteByte('}')
	return b.Bytes(), true
}

// hasUserValue reports whether the field holds something other than what
// the form filled in by itself; it decides whether an optional object is
// present.
func (f *field) hasUserValue() bool {
	switch f.kind {
	case schema.KindObject:
		if !f.auto && (f.null || f.set || len(f.extras) > 0) {
			return true
		}
		for _, c := range f.children {
			if c.hasUserValue() {
				return true
			}
		}
		return false
	case schema.KindVariant:
		if f.null && !f.auto {
			return true
		}
		sel := f.selected()
		if sel == nil {
			return false
		}
		return !f.auto || sel.hasUserValue()
	case schema.KindArray:
		if f.auto {
			// a default list: only an edited item counts
			for _, it := range f.items {
				if it.hasUserValue() {
					return true
				}
			}
			return false
		}
	}
	if f.auto {
		return false
	}
	if f.null {
		return true
	}
	_, ok := f.value(false)
	return ok
}

// path is the field's JSON pointer in the value.
func (f *field) path() string {
	if f.parent == nil {
		return ""
	}
	p := f.parent.path()
	switch f.parent.kind {
	case schema.KindObject:
		return p + "/" + escapeToken(f.key)
	case schema.KindArray:
		return p + "/" + strconv.Itoa(f.index)
	}
	return p
}

// lookup finds the field an instance path belongs to: the deepest field
// on the path.
func (f *field) lookup(tokens []string) *field {
	cur := f
	for _, tok := range tokens {
		next := cur.step(tok)
		if next == nil {
			return cur
		}
		cur = next
	}
	return cur
}

func (f *field) step(tok string) *field {
	if f.null {
		return nil
	}
	switch f.kind {
	case schema.KindObject:
		return f.child(tok)
	case schema.KindArray:
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i >= len(f.items) {
			return nil
		}
		return f.items[i]
	case schema.KindVariant:
		if sel := f.selected(); sel != nil {
			return sel.step(tok)
		}
	}
	return nil
}

// walk visits f and every live descendant (chosen variants only).
func (f *field) walk(fn func(*field)) {
	fn(f)
	for _, c := range f.children {
		c.walk(fn)
	}
	for _, it := range f.items {
		it.walk(fn)
	}
	if sel := f.selected(); sel != nil {
		sel.walk(fn)
	}
}

// checkLocal updates localErr from the text of a text field.
func (f *field) checkLocal() {
	f.localErr = ""
	if !f.hasInput || f.null {
		return
	}
	text := strings.TrimSpace(f.input.Value())
	if text == "" {
		return
	}
	switch f.kind {
	case schema.KindNumber:
		if _, ok := numberLiteral(text); !ok {
			f.localErr = "not a number"
		}
	case schema.KindInteger:
		if _, ok := numberLiteral(text); !ok {
			f.localErr = "not a whole number"
		}
	case schema.KindUnknown:
		if err := json.Unmarshal([]byte(text), new(json.RawMessage)); err != nil {
			f.localErr = "invalid JSON: " + strings.TrimPrefix(err.Error(), "invalid character ")
		}
	}
}

// fitScore says how well a JSON value fits a variant: 0 for not at all;
// higher is better. A matching discriminator (a const property) wins.
func fitScore(n *schema.Node, raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	if string(raw) == "null" {
		if n.Nullable || n.Kind == schema.KindNull {
			return 5
		}
		return 0
	}
	switch n.Kind {
	case schema.KindUnknown:
		return 1
	case schema.KindEnum:
		if optionIndex(n.Options, raw) >= 0 {
			return 50
		}
		return 0
	case schema.KindString:
		if raw[0] == '"' {
			return 10
		}
	case schema.KindNumber:
		if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
			return 10
		}
	case schema.KindInteger:
		if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
			if _, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return 11
			}
			return 5
		}
	case schema.KindBoolean:
		if raw[0] == 't' || raw[0] == 'f' {
			return 10
		}
	case schema.KindArray, schema.KindMultiSelect:
		if raw[0] == '[' {
			return 10
		}
	case schema.KindVariant:
		best := 0
		for _, v := range n.Variants() {
			best = max(best, fitScore(v, raw))
		}
		return best
	case schema.KindObject:
		if raw[0] != '{' {
			return 0
		}
		members, err := objectMembers(raw)
		if err != nil {
			return 0
		}
		score := 10
		for _, p := range n.Properties() {
			if p.Kind != schema.KindEnum || len(p.Options) != 1 {
				continue
			}
			for _, m := range members {
				if m.key == p.Name {
					if optionIndex(p.Options, m.val) < 0 {
						return 0 // wrong discriminator
					}
					score += 100
				}
			}
		}
		for _, m := range members {
			known := false
			for _, p := range n.Properties() {
				if p.Name == m.key {
					known = true
					break
				}
			}
			switch {
			case known:
				score += 2
			case !n.AdditionalProperties:
				score -= 5
			}
		}
		for _, p := range n.Properties() {
			if !p.Required {
				continue
			}
			found := false
			for _, m := range members {
				if m.key == p.Name {
					found = true
				}
			}
			if !found {
				score -= 3
			}
		}
		return max(score, 1)
	}
	return 0
}

// optionIndex finds the option whose value equals raw.
func optionIndex(opts []schema.Option, raw json.RawMessage) int {
	want, err := decodeAny(raw)
	if err != nil {
		return -1
	}
	for i, o := range opts {
		if bytes.Equal(bytes.TrimSpace(o.Value), bytes.TrimSpace(raw)) {
			return i
		}
		got, err := decodeAny(o.Value)
		if err == nil && equalJSON(got, want) {
			return i
		}
	}
	return -1
}

func decodeAny(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, e1 := x.Float64()
		fy, e2 := y.Float64()
		return x == y || (e1 == nil && e2 == nil && fx == fy)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalJSON(xv, yv) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// objectMembers decodes a JSON object keeping member order.
func objectMembers(raw json.RawMessage) ([]extra, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not an object")
	}
	var out []extra
	seen := map[string]int{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if i, dup := seen[k]; dup {
			out[i].val = v
			continue
		}
		seen[k] = len(out)
		out = append(out, extra{k, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return out, nil
}

// numberLiteral normalises typed number text to a JSON number literal.
func numberLiteral(s string) (string, bool) {
	if json.Valid([]byte(s)) {
		if s[0] == '-' || (s[0] >= '0' && s[0] <= '9') {
			return s, true
		}
		return "", false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e308 || f < -1e308 {
		return "", false
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}

// lineSafe reports whether a single-line text input shows s faithfully:
// no line breaks, tabs or other control characters, no bidi controls.
func lineSafe(s string) bool {
	for _, r := range s {
		// line breaks and tabs are not graphic; 0x200D (ZWJ) joins emoji
		if IsUnsafeRune(r) || !unicode.IsGraphic(r) && r != 0x200D {
			return false
		}
	}
	return true
}

func marshalString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func compactJSON(s string) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return json.RawMessage(s)
	}
	return b.Bytes()
}

// displayJSON is compact JSON with every character a terminal could act on
// escaped, for showing in a text field.
func displayJSON(raw json.RawMessage) string {
	return SafeJSON(string(compactJSON(string(raw))))
}

// SafeJSON is JSON text with every character a terminal or a shell would
// act on, or that could disguise the text, escaped ([termsafe.JSON]): the
// same JSON. The form shows JSON through it; the UI copies JSON through it.
func SafeJSON(s string) string { return termsafe.JSONString(s) }

// IsUnsafeRune reports a character SafeJSON escapes.
func IsUnsafeRune(r rune) bool { return termsafe.IsJSONUnsafe(r) }

func escapeToken(s string) string {
	s = strings.ReplaceAll(s, "~", "~0")
	return strings.ReplaceAll(s, "/", "~1")
}

// placeholder is the hint shown in an empty text field.
func placeholder(n *schema.Node, k schema.Kind) string {
	switch k {
	case schema.KindString:
		if h := schema.FormatHint(n.Format); h != "" {
			return h
		}
		if n.Format != "" {
			return n.Format
		}
		if len(n.Examples) > 0 {
			var s string
			if json.Unmarshal(n.Examples[0], &s) == nil && s != "" {
				return "e.g. " + schema.SanitizeLine(s)
			}
		}
		return ""
	case schema.KindNumber:
		return "number"
	case schema.KindInteger:
		return "integer"
	case schema.KindUnknown:
		return "JSON"
	}
	return ""
}
