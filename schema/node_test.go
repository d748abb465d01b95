package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func walk(t *testing.T, s string) *Node {
	t.Helper()
	n, err := Walk(json.RawMessage(s))
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return n
}

func prop(t *testing.T, n *Node, name string) *Node {
	t.Helper()
	for _, p := range n.Properties() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no property %q", name)
	return nil
}

func labels(opts []Option) string {
	var parts []string
	for _, o := range opts {
		parts = append(parts, string(o.Value)+"="+o.Label)
	}
	return strings.Join(parts, " ")
}

func TestWalkScalarsBoundsAndHints(t *testing.T) {
	n := walk(t, `{"type":"object","properties":{
	  "q": {"type":"string","title":"Query","description":"What to find","minLength":1,"maxLength":80,"pattern":"^\\w+$","default":"mcp","examples":["go"]},
	  "when": {"type":"string","format":"date-time"},
	  "n": {"type":"integer","minimum":1,"maximum":50,"default":10},
	  "x": {"type":"number","exclusiveMinimum":0,"multipleOf":0.5},
	  "on": {"type":"boolean","default":true,"deprecated":true}
	},"required":["q"]}`)
	if n.Kind != KindObject {
		t.Fatalf("root %v", n.Kind)
	}
	var names []string
	for _, p := range n.Properties() {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "q,when,n,x,on" {
		t.Fatalf("property order %s: must follow the document", got)
	}
	q := prop(t, n, "q")
	if q.Kind != KindString || !q.Required || q.Title != "Query" || q.Label() != "Query" || q.Description != "What to find" ||
		*q.MinLength != 1 || *q.MaxLength != 80 || q.Pattern != `^\w+$` || string(q.Default) != `"mcp"` || string(q.Examples[0]) != `"go"` {
		t.Fatalf("q: %+v", q)
	}
	if w := prop(t, n, "when"); w.Kind != KindString || w.Format != "date-time" || w.Required || w.Label() != "when" {
		t.Fatalf("when: %+v", w)
	}
	if FormatHint("date-time") == "" || FormatHint("nope") != "" {
		t.Fatal("FormatHint")
	}
	if c := prop(t, n, "n"); c.Kind != KindInteger || *c.Minimum != 1 || *c.Maximum != 50 || string(c.Default) != "10" {
		t.Fatalf("n: %+v", c)
	}
	if x := prop(t, n, "x"); x.Kind != KindNumber || *x.ExclusiveMinimum != 0 || *x.MultipleOf != 0.5 || x.Minimum != nil {
		t.Fatalf("x: %+v", x)
	}
	if b := prop(t, n, "on"); b.Kind != KindBoolean || string(b.Default) != "true" || !b.Deprecated {
		t.Fatalf("on: %+v", b)
	}
}

func TestWalkEnums(t *testing.T) {
	n := walk(t, `{"properties":{
	  "plain":   {"enum":["a","b",3]},
	  "legacy":  {"type":"string","enum":["lo","hi"],"enumNames":["Low","High"]},
	  "titled":  {"oneOf":[{"const":"s","title":"Small"},{"const":"l","title":"Large"}]},
	  "any":     {"anyOf":[{"const":1},{"const":2,"title":"Two"}]},
	  "konst":   {"const":"fixed"},
	  "nullish": {"enum":["x",null]}
	}}`)
	cases := map[string]string{
		"plain":   `"a"=a "b"=b 3=3`,
		"legacy":  `"lo"=Low "hi"=High`,
		"titled":  `"s"=Small "l"=Large`,
		"any":     `1=1 2=Two`,
		"konst":   `"fixed"=fixed`,
		"nullish": `"x"=x`,
	}
	for name, want := range cases {
		p := prop(t, n, name)
		if p.Kind != KindEnum || labels(p.Options) != want {
			t.Errorf("%s: %v %s, want enum %s", name, p.Kind, labels(p.Options), want)
		}
	}
	if !prop(t, n, "nullish").Nullable {
		t.Error("enum containing null must be nullable")
	}
}

func TestWalkHugeEnum(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"enum":[`)
	for i := 0; i < 20000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"v%d"`, i)
	}
	b.WriteString(`]}`)
	n := walk(t, b.String())
	if n.Kind != KindEnum || len(n.Options) != 20000 {
		t.Fatalf("%v %d", n.Kind, len(n.Options))
	}
}

func TestWalkMultiSelect(t *testing.T) {
	n := walk(t, `{"properties":{
	  "tags":  {"type":"array","items":{"type":"string","enum":["a","b","c"]},"uniqueItems":true,"minItems":1},
	  "roles": {"type":"array","items":{"anyOf":[{"const":"r","title":"Reader"},{"const":"w","title":"Writer"}]}},
	  "free":  {"type":"array","items":{"type":"string"}}
	}}`)
	tags := prop(t, n, "tags")
	if tags.Kind != KindMultiSelect || labels(tags.Options) != `"a"=a "b"=b "c"=c` || !tags.UniqueItems || *tags.MinItems != 1 {
		t.Fatalf("tags: %v %s", tags.Kind, labels(tags.Options))
	}
	if r := prop(t, n, "roles"); r.Kind != KindMultiSelect || labels(r.Options) != `"r"=Reader "w"=Writer` {
		t.Fatalf("roles: %v %s", r.Kind, labels(r.Options))
	}
	if f := prop(t, n, "free"); f.Kind != KindArray || f.Items().Kind != KindString {
		t.Fatalf("free: %v", f.Kind)
	}
}

func TestWalkArraysOfObjectsAndNesting(t *testing.T) {
	n := walk(t, `{"properties":{
	  "people": {"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name"]}},
	  "filter": {"type":"object","properties":{"range":{"type":"object","properties":{"from":{"type":"string","format":"date"}}}}},
	  "pair":   {"type":"array","prefixItems":[{"type":"string"},{"type":"number"}]},
	  "map":    {"type":"object","additionalProperties":{"type":"string"}},
	  "any":    {}
	}}`)
	people := prop(t, n, "people")
	it := people.Items()
	if people.Kind != KindArray || it.Kind != KindObject || !prop(t, it, "name").Required || prop(t, it, "age").Required {
		t.Fatalf("people: %v / %v", people.Kind, it.Kind)
	}
	from := prop(t, prop(t, prop(t, n, "filter"), "range"), "from")
	if from.Kind != KindString || from.Format != "date" {
		t.Fatalf("from: %+v", from)
	}
	for _, name := range []string{"pair", "map", "any"} {
		if p := prop(t, n, name); p.Kind != KindUnknown || p.Note == "" {
			t.Errorf("%s: %v %q, want raw JSON with a note", name, p.Kind, p.Note)
		}
	}
}

func TestWalkVariants(t *testing.T) {
	n := walk(t, `{"properties":{
	  "shape": {"title":"Shape","type":"object","properties":{"id":{"type":"string"}},"oneOf":[
	      {"properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
	      {"title":"A square","properties":{"kind":{"const":"square"},"side":{"type":"number"}}},
	      {"properties":{"w":{"type":"number"},"h":{"type":"number"}}}]},
	  "id":    {"type":["string","integer"]},
	  "mixed": {"anyOf":[{"type":"string","format":"uri"},{"type":"array","items":{"type":"string"}}]}
	}}`)
	shape := prop(t, n, "shape")
	if shape.Kind != KindVariant || shape.Title != "Shape" {
		t.Fatalf("shape: %v %q", shape.Kind, shape.Title)
	}
	vs := shape.Variants()
	var titles []string
	for _, v := range vs {
		titles = append(titles, v.Title)
	}
	if got := strings.Join(titles, "|"); got != "circle|A square|{id, w, h}" {
		t.Fatalf("variant labels %q", got)
	}
	// Each variant carries the shared properties of the enclosing schema.
	if vs[0].Kind != KindObject || prop(t, vs[0], "id").Kind != KindString || !prop(t, vs[0], "r").Required {
		t.Fatal("circle variant must merge the outer properties")
	}
	if k := prop(t, vs[0], "kind"); k.Kind != KindEnum || len(k.Options) != 1 {
		t.Fatalf("discriminator: %v", k.Kind)
	}
	id := prop(t, n, "id")
	if id.Kind != KindVariant || len(id.Variants()) != 2 || id.Variants()[0].Kind != KindString || id.Variants()[1].Kind != KindInteger {
		t.Fatalf("type array: %v", id.Kind)
	}
	mixed := prop(t, n, "mixed").Variants()
	if mixed[0].Title != "string (uri)" || mixed[1].Title != "array" {
		t.Fatalf("labels %q %q", mixed[0].Title, mixed[1].Title)
	}
}

func TestWalkNullable(t *testing.T) {
	n := walk(t, `{"properties":{
	  "a": {"type":["string","null"],"maxLength":3},
	  "b": {"anyOf":[{"type":"integer","minimum":0},{"type":"null"}],"description":"B"},
	  "c": {"type":"string","nullable":true},
	  "d": {"oneOf":[{"$ref":"#/$defs/o"},{"type":"null"}]},
	  "e": {"type":"null"},
	  "f": {"type":"string"}
	},"$defs":{"o":{"type":"object","properties":{"k":{"type":"boolean"}}}}}`)
	want := map[string]Kind{"a": KindString, "b": KindInteger, "c": KindString, "d": KindObject, "e": KindNull, "f": KindString}
	for name, k := range want {
		p := prop(t, n, name)
		nullable := name != "e" && name != "f"
		if p.Kind != k || p.Nullable != nullable {
			t.Errorf("%s: %v nullable=%v, want %v nullable=%v", name, p.Kind, p.Nullable, k, nullable)
		}
	}
	if b := prop(t, n, "b"); b.Description != "B" || b.Minimum == nil || *b.Minimum != 0 {
		t.Fatalf("b must keep the outer description and the branch bounds: %+v", b)
	}
	if prop(t, n, "a").MaxLength == nil {
		t.Fatal("a: maxLength lost")
	}
	if d := prop(t, n, "d"); prop(t, d, "k").Kind != KindBoolean {
		t.Fatal("d: $ref branch not resolved")
	}
}

func TestWalkAllOfMerged(t *testing.T) {
	n := walk(t, `{"allOf":[
	    {"$ref":"#/$defs/base"},
	    {"type":"object","properties":{"extra":{"type":"boolean"},"id":{"minLength":3}},"required":["extra"]}
	  ],
	  "$defs":{"base":{"type":"object","title":"Base","properties":{"id":{"type":"string"}},"required":["id"]}}}`)
	if n.Kind != KindObject || n.Title != "Base" {
		t.Fatalf("root %v %q", n.Kind, n.Title)
	}
	id := prop(t, n, "id")
	if id.Kind != KindString || !id.Required || id.MinLength == nil || *id.MinLength != 3 {
		t.Fatalf("id must merge both definitions: %+v", id)
	}
	if !prop(t, n, "extra").Required {
		t.Fatal("required must be the union")
	}
}

func TestWalkWeirdSchemasNeverPanic(t *testing.T) {
	for _, s := range []string{
		`true`, `false`, `{}`, `[]`, `1`, `"x"`, `null`,
		`{"type":"object"}`, `{"type":[]}`, `{"type":["null"]}`, `{"type":"wat"}`, `{"type":7}`,
		`{"properties":{"a":true,"b":false,"c":1}}`, `{"items":false}`, `{"enum":[]}`, `{"enum":"x"}`,
		`{"oneOf":[]}`, `{"oneOf":[true,false]}`, `{"anyOf":[{"type":"null"}]}`, `{"allOf":[true,{"type":"string"}]}`,
		`{"$ref":"#/nope"}`, `{"$ref":"#"}`, `{"$ref":7}`, `{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`,
		`{"properties":{"x":{"$ref":"#"}}}`, `{"type":"array","items":{"$ref":"#"}}`, `{"oneOf":[{"$ref":"#"},{"$ref":"#"}]}`,
		`{"minimum":"x","maxLength":-1,"minItems":1e400}`, `{"title":7,"description":[1],"default":{"a":[1]}}`,
	} {
		n, err := Walk(json.RawMessage(s))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		// Exhaust the tree a few levels deep.
		var visit func(*Node, int)
		visit = func(n *Node, d int) {
			if d > 6 {
				return
			}
			_ = n.Label()
			_ = n.SchemaJSON()
			for _, p := range n.Properties() {
				visit(p, d+1)
			}
			if it := n.Items(); it != nil {
				visit(it, d+1)
			}
			for _, v := range n.Variants() {
				visit(v, d+1)
			}
		}
		visit(n, 0)
	}
	if n := walk(t, `false`); n.Kind != KindUnknown || !strings.Contains(n.Note, "no value") {
		t.Fatalf("false schema: %v %q", n.Kind, n.Note)
	}
	if n := walk(t, `{"type":"object"}`); n.Kind != KindObject || len(n.Properties()) != 0 {
		t.Fatalf("empty root object must be an object with no fields: %v", n.Kind)
	}
}

func TestWalkNodeBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := 0; i < MaxNodes+50; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"p%d":{"type":"string"}`, i)
	}
	b.WriteString(`}}`)
	n := walk(t, b.String())
	props := n.Properties()
	last := props[len(props)-1]
	if last.Kind != KindUnknown || !strings.Contains(last.Note, "too large") {
		t.Fatalf("last: %v %q", last.Kind, last.Note)
	}
}

func TestWalkSanitizesSchemaText(t *testing.T) {
	n := walk(t, `{"type":"object","properties":{"a":{"type":"string","title":"Ti\u001b[2Jtle\u0007","description":"line1\nline2\u001b]0;pwned\u0007\u202e","enum":["x\u001b[31m"],"enumNames":["\u009b31mRed"]}}}`)
	a := prop(t, n, "a")
	if a.Title != "Title" || a.Description != "line1\nline2" || a.Options[0].Label != "Red" {
		t.Fatalf("title %q desc %q label %q", a.Title, a.Description, a.Options[0].Label)
	}
	// The value itself is data and is left alone.
	if string(a.Options[0].Value) != `"x\u001b[31m"` {
		t.Fatalf("value %s", a.Options[0].Value)
	}
}

func TestRootOfCompiledSchema(t *testing.T) {
	s := mustCompile(t, `{"type":"object","properties":{"a":{"type":"string"}}}`)
	if r := s.Root(); r.Kind != KindObject || prop(t, r, "a").Kind != KindString {
		t.Fatal("Root")
	}
	if string(s.Raw()) != `{"type":"object","properties":{"a":{"type":"string"}}}` {
		t.Fatal("Raw")
	}
}
