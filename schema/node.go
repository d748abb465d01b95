package schema

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is what kind of form field a schema node becomes.
type Kind int

// The field kinds. KindUnknown is the fallback for anything a form cannot
// express; it is edited as raw JSON.
const (
	KindUnknown     Kind = iota // raw JSON
	KindString                  // text
	KindNumber                  // any JSON number
	KindInteger                 // whole number
	KindBoolean                 // true / false
	KindEnum                    // one of Options
	KindMultiSelect             // array whose items are Options
	KindArray                   // array of Items
	KindObject                  // Properties
	KindVariant                 // oneOf / anyOf / several types: one of Variants
	KindNull                    // only null
)

var kindNames = [...]string{"unknown", "string", "number", "integer", "boolean", "enum", "multiselect", "array", "object", "variant", "null"}

// String returns the lower-case name of the kind.
func (k Kind) String() string {
	if int(k) >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Option is one choice of an enum or multiselect.
type Option struct {
	// Value is the JSON value sent when the option is chosen.
	Value json.RawMessage
	// Label is what to show: the option's title (oneOf/anyOf const
	// branches, legacy enumNames) or the value itself. Sanitized.
	Label string
}

// Limits on the field tree built for forms.
const (
	// MaxNodes is how many nodes one walk builds before the rest of the
	// schema falls back to raw JSON fields.
	MaxNodes = 10_000
	// MaxFormDepth is how deep fields nest before falling back to raw JSON.
	MaxFormDepth = 32
)

// Node is one field of a form, derived from a (sub)schema. Titles,
// descriptions and labels are already [Sanitize]d; Name is the raw
// property name (it is data and goes into the JSON) and must be sanitized
// before it is drawn.
//
// Children (Properties, Items, Variants) are built lazily on first call,
// so recursive schemas never loop: a node reached again through a $ref it
// is already inside is marked Recursive, and a form should expand it only
// when the user asks.
type Node struct {
	Kind        Kind
	Name        string // property name in the parent object; "" otherwise
	Title       string
	Description string
	Required    bool // required by the parent object
	Nullable    bool // null is allowed as well as Kind
	ReadOnly    bool
	Deprecated  bool
	Default     json.RawMessage   // nil when the schema has no default
	Examples    []json.RawMessage // "examples" (or draft-04 style "example")
	Options     []Option          // KindEnum and KindMultiSelect
	Format      string            // "email", "uri", "date", "date-time", …
	Pattern     string

	MinLength, MaxLength *int
	Minimum, Maximum     *float64
	ExclusiveMinimum     *float64
	ExclusiveMaximum     *float64
	MultipleOf           *float64
	MinItems, MaxItems   *int
	UniqueItems          bool

	// AdditionalProperties reports, for objects, whether keys other than
	// Properties are allowed.
	AdditionalProperties bool
	// Recursive is set on a node reached through a $ref that is already
	// being expanded above it.
	Recursive bool
	// Ref is the $ref this node was resolved from, if any, as the server
	// wrote it (not sanitized).
	Ref string
	// Note explains a fallback to KindUnknown (or anything else odd),
	// for display.
	Note string

	b        *builder
	src      *object // resolved, merged schema; nil for boolean schemas
	ctx      walkCtx
	alts     []any // variant alternatives (unresolved)
	altOuter *object
	altTypes []string

	props        []*Node
	propsDone    bool
	item         *Node
	itemDone     bool
	variants     []*Node
	variantsDone bool
}

// Label is the text a form shows for the node: its title, else its
// property name (sanitized).
func (n *Node) Label() string {
	if n.Title != "" {
		return n.Title
	}
	return SanitizeLine(n.Name)
}

// SchemaJSON returns the resolved schema of this node as compact JSON
// (after $ref and allOf merging). Boolean schemas give true/false.
func (n *Node) SchemaJSON() json.RawMessage {
	if n.src == nil {
		return json.RawMessage("true")
	}
	return encode(n.src)
}

// Walk builds the field tree of a schema without compiling it, so a form
// can be shown even for a schema the validator rejects. It fails only on
// invalid JSON or a document over the size limits.
func Walk(raw json.RawMessage) (*Node, error) {
	v, err := parseSchemaDoc(raw)
	if err != nil {
		return nil, err
	}
	return newBuilder(indexDocument(v)).root(), nil
}

// Root builds the field tree of a compiled schema. Each call builds a
// fresh tree.
func (s *Schema) Root() *Node {
	return newBuilder(s.doc).root()
}

type builder struct {
	d      *docIndex
	budget int // nodes left
	steps  int // $ref/allOf resolution steps taken
}

// maxResolveSteps bounds $ref following and allOf merging over a whole
// walk: allOf members that share definitions can otherwise multiply.
const maxResolveSteps = 100_000

type walkCtx struct {
	depth int
	base  any       // innermost resource ($id) for "#/…" pointers
	refs  []*object // $ref targets being expanded on this path
}

func (c walkCtx) child() walkCtx {
	return walkCtx{depth: c.depth + 1, base: c.base, refs: c.refs}
}

func newBuilder(d *docIndex) *builder { return &builder{d: d, budget: MaxNodes} }

func (b *builder) root() *Node {
	return b.node(b.d.root, "", true, walkCtx{base: b.d.root})
}

func (b *builder) node(s any, name string, required bool, ctx walkCtx) *Node {
	n := &Node{Name: name, Required: required, b: b, ctx: ctx}
	if b.budget <= 0 {
		n.Note = "schema too large to show as a form"
		return n
	}
	b.budget--
	if ctx.depth > MaxFormDepth {
		n.Note = "nested too deeply to show as a form"
		return n
	}
	switch t := s.(type) {
	case bool:
		if !t {
			n.Note = "no value is allowed here"
		}
		return n
	case *object:
		o, nctx, rec, ref, note := b.resolve(t, ctx)
		n.src, n.ctx, n.Recursive, n.Ref, n.Note = o, nctx, rec, ref, note
		// Ref is data (it may hold anything); Note is for display.
		n.annotate(o)
		if b.steps > maxResolveSteps {
			return n
		}
		n.classify(o)
		return n
	default:
		n.Note = "not a schema"
		return n
	}
}

// resolve follows $ref chains and merges allOf, returning one schema
// object that needs neither.
func (b *builder) resolve(o *object, ctx walkCtx) (*object, walkCtx, bool, string, string) {
	recursive := false
	firstRef, note := "", ""
	for range 64 {
		b.steps++
		if b.steps > maxResolveSteps {
			return o, ctx, recursive, firstRef, "schema too complex to show as a form"
		}
		if id := o.str("$id"); id != "" && !strings.HasPrefix(id, "#") {
			ctx.base = o
		}
		if ref := refOf(o); ref != "" {
			if firstRef == "" {
				firstRef = ref
			}
			siblings := o.clone()
			siblings.del("$ref")
			siblings.del("$dynamicRef")
			siblings.del("$recursiveRef")
			target, err := b.d.resolve(ref, ctx.base)
			if err != nil {
				note = SanitizeLine(err.Error()) // quotes the server's $ref
				o = siblings
				continue
			}
			to, ok := target.(*object)
			if !ok {
				if bv, isBool := target.(bool); isBool && !bv {
					siblings.set("not", true)
				}
				o = siblings
				continue
			}
			if slices.Contains(ctx.refs, to) {
				recursive = true
			}
			ctx.refs = append(slices.Clip(ctx.refs), to)
			if id := to.str("$id"); id != "" && !strings.HasPrefix(id, "#") {
				ctx.base = to
			}
			o = merge(to, siblings, true)
			continue
		}
		if all := o.arr("allOf"); len(all) > 0 {
			merged := o.clone()
			merged.del("allOf")
			for _, sub := range all {
				so, ok := sub.(*object)
				if !ok {
					continue
				}
				if ref := refOf(so); ref != "" {
					if t, err := b.d.resolve(ref, ctx.base); err == nil {
						if to, ok := t.(*object); ok && slices.Contains(ctx.refs, to) {
							// allOf pointing back at an ancestor: merging it would
							// never end. The validator still checks it.
							recursive = true
							continue
						}
					}
				}
				r, _, rec, _, _ := b.resolve(so, ctx)
				recursive = recursive || rec
				merged = merge(merged, r, false)
			}
			o = merged
			continue
		}
		return o, ctx, recursive, firstRef, note
	}
	return o, ctx, recursive, firstRef, "reference chain too long"
}

// merge combines two schema objects. When overlayWins, overlay's
// keywords replace base's (a $ref's siblings over its target); otherwise
// base keeps its own (allOf members under their parent). properties merge
// per key, required is a union, type an intersection.
func merge(base, overlay *object, overlayWins bool) *object {
	out := base.clone()
	for _, k := range overlay.keys {
		ov := overlay.vals[k]
		bv, exists := out.get(k)
		if !exists {
			out.set(k, ov)
			continue
		}
		switch k {
		case "properties", "patternProperties", "$defs", "definitions":
			bo, ok1 := bv.(*object)
			oo, ok2 := ov.(*object)
			if !ok1 || !ok2 {
				continue
			}
			m := bo.clone()
			for _, pk := range oo.keys {
				if existing, ok := m.get(pk); ok && k == "properties" {
					m.set(pk, &object{keys: []string{"allOf"}, vals: map[string]any{"allOf": []any{existing, oo.vals[pk]}}})
				} else {
					m.set(pk, oo.vals[pk])
				}
			}
			out.set(k, m)
		case "required":
			seen := map[string]bool{}
			var req []any
			for _, x := range append(append([]any{}, asArray(bv)...), asArray(ov)...) {
				if s, ok := x.(string); ok && !seen[s] {
					seen[s] = true
					req = append(req, s)
				}
			}
			out.set(k, req)
		case "type":
			if t := intersectTypes(typesOfValue(bv), typesOfValue(ov)); len(t) > 0 {
				out.set(k, stringsToAny(t))
			}
		case "oneOf", "anyOf", "allOf":
			if overlayWins {
				out.set(k, ov)
			}
		default:
			if overlayWins {
				out.set(k, ov)
			}
		}
	}
	return out
}

func asArray(v any) []any {
	a, _ := v.([]any)
	return a
}

func stringsToAny(ss []string) any {
	if len(ss) == 1 {
		return ss[0]
	}
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}

func typesOfValue(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func intersectTypes(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			switch {
			case x == y:
				out = append(out, x)
			case x == "number" && y == "integer", x == "integer" && y == "number":
				out = append(out, "integer")
			}
		}
	}
	return slices.Compact(out)
}

func (n *Node) annotate(o *object) {
	n.Title = SanitizeLine(o.str("title"))
	n.Description = strings.TrimSpace(Sanitize(o.str("description")))
	if d, ok := o.get("default"); ok {
		n.Default = encode(d)
	}
	for _, x := range o.arr("examples") {
		n.Examples = append(n.Examples, encode(x))
	}
	if x, ok := o.get("example"); ok && len(n.Examples) == 0 {
		n.Examples = append(n.Examples, encode(x))
	}
	n.ReadOnly, _ = mustGet(o, "readOnly").(bool)
	n.Deprecated, _ = mustGet(o, "deprecated").(bool)
	n.Format = SanitizeLine(o.str("format"))
	n.Pattern = Sanitize(o.str("pattern"))
	n.MinLength, n.MaxLength = intKw(o, "minLength"), intKw(o, "maxLength")
	n.MinItems, n.MaxItems = intKw(o, "minItems"), intKw(o, "maxItems")
	n.UniqueItems, _ = mustGet(o, "uniqueItems").(bool)
	n.Minimum, n.Maximum = numKw(o, "minimum"), numKw(o, "maximum")
	n.MultipleOf = numKw(o, "multipleOf")
	// draft-04: exclusiveMinimum/Maximum are booleans modifying min/max.
	switch x := mustGet(o, "exclusiveMinimum").(type) {
	case bool:
		if x && n.Minimum != nil {
			n.ExclusiveMinimum, n.Minimum = n.Minimum, nil
		}
	case json.Number:
		n.ExclusiveMinimum = numKw(o, "exclusiveMinimum")
	}
	switch x := mustGet(o, "exclusiveMaximum").(type) {
	case bool:
		if x && n.Maximum != nil {
			n.ExclusiveMaximum, n.Maximum = n.Maximum, nil
		}
	case json.Number:
		n.ExclusiveMaximum = numKw(o, "exclusiveMaximum")
	}
	if nb, _ := mustGet(o, "nullable").(bool); nb {
		n.Nullable = true // OpenAPI 3.0 style
	}
}

func mustGet(o *object, k string) any {
	v, _ := o.get(k)
	return v
}

func intKw(o *object, k string) *int {
	num, ok := mustGet(o, k).(json.Number)
	if !ok {
		return nil
	}
	f, err := num.Float64()
	if err != nil || f < 0 || f > 1<<31 {
		return nil
	}
	i := int(f)
	return &i
}

func numKw(o *object, k string) *float64 {
	num, ok := mustGet(o, k).(json.Number)
	if !ok {
		return nil
	}
	f, err := num.Float64()
	if err != nil {
		return nil
	}
	return &f
}

// isNullSchema reports a schema that only admits null.
func isNullSchema(v any) bool {
	o, ok := v.(*object)
	if !ok {
		return false
	}
	if t := typesOfValue(mustGet(o, "type")); len(t) == 1 && t[0] == "null" {
		return true
	}
	if c, ok := o.get("const"); ok && c == nil {
		return true
	}
	if e := o.arr("enum"); len(e) == 1 && e[0] == nil {
		return true
	}
	return false
}

// constOf reports the single value a schema admits (const, or a one-value
// enum).
func constOf(o *object) (any, bool) {
	if c, ok := o.get("const"); ok {
		return c, true
	}
	if e := o.arr("enum"); len(e) == 1 {
		return e[0], true
	}
	return nil, false
}

func optionLabel(v any) string {
	if s, ok := v.(string); ok {
		return SanitizeLine(s)
	}
	return SanitizeLine(string(encode(v)))
}

func (n *Node) classify(o *object) {
	types := typesOfValue(mustGet(o, "type"))
	if i := slices.Index(types, "null"); i >= 0 && len(types) > 1 {
		n.Nullable = true
		types = slices.Delete(slices.Clone(types), i, i+1)
	}

	if c, ok := o.get("const"); ok {
		if c == nil {
			n.Kind = KindNull
			return
		}
		n.Kind = KindEnum
		n.Options = []Option{{Value: encode(c), Label: optionLabel(c)}}
		return
	}
	if e, ok := o.get("enum"); ok {
		vals, _ := e.([]any)
		names := o.arr("enumNames")
		if len(names) == 0 {
			names = o.arr("x-enumNames")
		}
		for i, v := range vals {
			if v == nil {
				n.Nullable = true
				continue
			}
			label := optionLabel(v)
			if len(names) == len(vals) {
				if s, ok := names[i].(string); ok && SanitizeLine(s) != "" {
					label = SanitizeLine(s)
				}
			}
			n.Options = append(n.Options, Option{Value: encode(v), Label: label})
		}
		switch {
		case len(n.Options) > 0:
			n.Kind = KindEnum
		case n.Nullable:
			n.Kind, n.Nullable = KindNull, false
		default:
			n.Note = "enum allows no value"
		}
		return
	}

	for _, kw := range []string{"oneOf", "anyOf"} {
		alts := o.arr(kw)
		if len(alts) == 0 {
			continue
		}
		var keep []any
		var resolved []*object
		for _, a := range alts {
			ao, ok := a.(*object)
			if !ok {
				if bv, isBool := a.(bool); isBool && bv {
					keep = append(keep, a)
					resolved = append(resolved, newObject())
				}
				continue
			}
			r, _, _, _, _ := n.b.resolve(ao, n.ctx)
			if isNullSchema(r) {
				n.Nullable = true
				continue
			}
			keep = append(keep, a)
			resolved = append(resolved, r)
		}
		outer := o.clone()
		outer.del(kw)
		if len(keep) == 0 {
			n.Kind = KindNull
			n.Nullable = false
			return
		}
		allConst := true
		for _, r := range resolved {
			if _, ok := constOf(r); !ok {
				allConst = false
				break
			}
		}
		if allConst {
			n.Kind = KindEnum
			for _, r := range resolved {
				c, _ := constOf(r)
				if c == nil {
					n.Nullable = true
					continue
				}
				label := SanitizeLine(r.str("title"))
				if label == "" {
					label = optionLabel(c)
				}
				n.Options = append(n.Options, Option{Value: encode(c), Label: label})
			}
			return
		}
		if len(keep) == 1 {
			// T | null: the form shows T with a null toggle.
			merged := merge(outer, resolved[0], false)
			n.src = merged
			n.annotate(merged)
			n.classify(merged)
			return
		}
		n.Kind = KindVariant
		n.alts = keep
		n.altOuter = outer
		return
	}

	if len(types) > 1 {
		n.Kind = KindVariant
		n.altTypes = types
		n.altOuter = o
		return
	}
	t := ""
	if len(types) == 1 {
		t = types[0]
	} else {
		t = inferType(o)
	}
	switch t {
	case "string":
		n.Kind = KindString
	case "number":
		n.Kind = KindNumber
	case "integer":
		n.Kind = KindInteger
	case "boolean":
		n.Kind = KindBoolean
	case "null":
		n.Kind = KindNull
	case "object":
		n.classifyObject(o)
	case "array":
		n.classifyArray(o)
	case "":
		if n.Note == "" {
			n.Note = "any JSON value"
		}
	default:
		n.Note = fmt.Sprintf("unknown type %q", SanitizeLine(t))
	}
}

func inferType(o *object) string {
	has := func(kws ...string) bool {
		for _, k := range kws {
			if _, ok := o.get(k); ok {
				return true
			}
		}
		return false
	}
	switch {
	case has("properties", "required", "additionalProperties", "patternProperties", "minProperties", "maxProperties", "propertyNames"):
		return "object"
	case has("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"):
		return "array"
	case has("minLength", "maxLength", "pattern", "format"):
		return "string"
	case has("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
		return "number"
	}
	return ""
}

func (n *Node) classifyObject(o *object) {
	n.AdditionalProperties = true
	for _, kw := range []string{"additionalProperties", "unevaluatedProperties"} {
		if v, ok := o.get(kw); ok {
			if b, isBool := v.(bool); isBool && !b {
				n.AdditionalProperties = false
			}
		}
	}
	props := o.obj("properties")
	if props != nil && len(props.keys) > 0 {
		n.Kind = KindObject
		return
	}
	_, hasAP := o.get("additionalProperties")
	_, hasPP := o.get("patternProperties")
	if n.ctx.depth == 0 && !hasPP && (!hasAP || !n.AdditionalProperties) {
		// A tool that takes no arguments: an object with no fields.
		n.Kind = KindObject
		return
	}
	n.Note = "free-form object"
}

func (n *Node) classifyArray(o *object) {
	if _, ok := o.get("prefixItems"); ok {
		n.Note = "tuple"
		return
	}
	if _, ok := mustGet(o, "items").([]any); ok {
		n.Note = "tuple"
		return
	}
	n.Kind = KindArray
	if n.Recursive {
		return
	}
	it := n.Items()
	if it != nil && it.Kind == KindEnum && !it.Nullable {
		n.Kind = KindMultiSelect
		n.Options = it.Options
	}
}

// Properties returns the fields of an object node, in the order the
// schema lists them. Built on first call.
func (n *Node) Properties() []*Node {
	if n.Kind != KindObject || n.propsDone {
		return n.props
	}
	n.propsDone = true
	props := n.src.obj("properties")
	if props == nil {
		return nil
	}
	req := map[string]bool{}
	for _, r := range n.src.arr("required") {
		if s, ok := r.(string); ok {
			req[s] = true
		}
	}
	ctx := n.ctx.child()
	for _, k := range props.keys {
		n.props = append(n.props, n.b.node(props.vals[k], k, req[k], ctx))
	}
	return n.props
}

// Items returns the schema of the items of an array or multiselect node.
// Built on first call (for recursive schemas: when the user adds an item).
func (n *Node) Items() *Node {
	if (n.Kind != KindArray && n.Kind != KindMultiSelect) || n.itemDone {
		return n.item
	}
	n.itemDone = true
	it, ok := n.src.get("items")
	if !ok {
		it = true
	}
	n.item = n.b.node(it, "", false, n.ctx.child())
	return n.item
}

// Variants returns the alternatives of a variant node (oneOf/anyOf
// branches other than null, or one per type of a "type" array). Each
// variant carries the keywords of the enclosing schema, and a Title: its
// own, or one derived from a discriminator ("kind": "circle"), its type
// or its position. Built on first call.
func (n *Node) Variants() []*Node {
	if n.Kind != KindVariant || n.variantsDone {
		return n.variants
	}
	n.variantsDone = true
	outer := n.altOuter.clone()
	for _, k := range []string{"title", "description", "default", "examples", "$id", "$anchor", "$defs", "definitions"} {
		outer.del(k)
	}
	ctx := n.ctx.child()
	if n.altTypes != nil {
		for _, t := range n.altTypes {
			alt := outer.clone()
			alt.set("type", t)
			v := n.b.node(alt, n.Name, n.Required, ctx)
			v.Nullable = false
			if v.Title == "" {
				v.Title = t
			}
			n.variants = append(n.variants, v)
		}
		return n.variants
	}
	for i, a := range n.alts {
		var alt any = a
		if ao, ok := a.(*object); ok {
			r, _, _, _, _ := n.b.resolve(ao, n.ctx)
			alt = merge(outer, r, true)
		} else {
			alt = outer
		}
		v := n.b.node(alt, n.Name, n.Required, ctx)
		if v.Title == "" {
			v.Title = variantLabel(v, i)
		}
		n.variants = append(n.variants, v)
	}
	return n.variants
}

func variantLabel(v *Node, i int) string {
	if v.src != nil {
		if props := v.src.obj("properties"); props != nil {
			for _, k := range props.keys {
				po, ok := props.vals[k].(*object)
				if !ok {
					continue
				}
				if c, ok := constOf(po); ok {
					if s, ok := c.(string); ok && s != "" {
						return SanitizeLine(s)
					}
				}
			}
			if v.Kind == KindObject {
				keys := props.keys
				more := ""
				if len(keys) > 3 {
					keys, more = keys[:3], ", …"
				}
				return SanitizeLine("{" + strings.Join(keys, ", ") + more + "}")
			}
		}
	}
	switch v.Kind {
	case KindUnknown:
		return fmt.Sprintf("option %d", i+1)
	case KindEnum:
		if len(v.Options) == 1 {
			return v.Options[0].Label
		}
	}
	if v.Format != "" {
		return v.Kind.String() + " (" + v.Format + ")"
	}
	return v.Kind.String()
}
