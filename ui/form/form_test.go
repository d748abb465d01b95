package form

import (
	"encoding/json"
	"strings"
	"testing"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/schema"
)

const searchSchema = `{
  "type": "object",
  "properties": {
    "query":  {"type": "string", "minLength": 2, "description": "What to search for."},
    "limit":  {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
    "filter": {"type": "object", "properties": {
        "since": {"type": "string", "format": "date"},
        "lang":  {"type": ["string", "null"]}
    }},
    "mode":   {"type": "string", "enum": ["fast", "deep"], "enumNames": ["Fast", "Deep"]},
    "exact":  {"type": "boolean"}
  },
  "required": ["query"]
}`

func TestDefaultsPrefilledRequiredMarkedOptionalLeftOut(t *testing.T) {
	f := newForm(t, searchSchema)
	// limit has a default; everything else is untouched and left out.
	requireJSON(t, value(t, f), `{"limit":10}`)
	view := plainView(f)
	if l := lineWith(t, view, "query"); !strings.Contains(l, "query*") {
		t.Fatalf("required field not marked: %q", l)
	}
	if l := lineWith(t, view, "limit"); strings.Contains(l, "limit*") || !strings.Contains(l, "10") || !strings.Contains(l, "1–50") {
		t.Fatalf("limit row: %q", l)
	}
	// The focused field's description is shown as help below it.
	if l := lineAfter(t, view, "query*"); !strings.Contains(l, "What to search for.") {
		t.Fatalf("description: %q", l)
	}
	// The missing required field is an error at that field.
	if got := f.Errors(); len(got) != 1 || got[0].Path != "/query" || got[0].Message != "is required" {
		t.Fatalf("errors %v", got)
	}
	if f.Valid() {
		t.Fatal("must not be valid without query")
	}
	typeText(f, "mcp")
	requireJSON(t, value(t, f), `{"query":"mcp","limit":10}`)
	if !f.Valid() || len(f.Errors()) != 0 {
		t.Fatalf("errors %v", f.Errors())
	}
	// Emptying an optional text field leaves it out again.
	press(f, "backspace", "backspace", "backspace")
	requireJSON(t, value(t, f), `{"limit":10}`)
}

func TestFillNestedObject(t *testing.T) {
	f := newForm(t, searchSchema)
	typeText(f, "mcp")
	tabTo(t, f, "/filter/since")
	typeText(f, "2026-01-02")
	requireJSON(t, value(t, f), `{"query":"mcp","limit":10,"filter":{"since":"2026-01-02"}}`)
	press(f, "down")
	if focusedPath(f) != "/filter/lang" {
		t.Fatalf("focus %s", focusedPath(f))
	}
	typeText(f, "go")
	requireJSON(t, value(t, f), `{"query":"mcp","limit":10,"filter":{"since":"2026-01-02","lang":"go"}}`)
	// up goes back
	press(f, "up", "up")
	if focusedPath(f) != "/filter" {
		t.Fatalf("focus %s", focusedPath(f))
	}
	press(f, "shift+tab")
	if focusedPath(f) != "/limit" {
		t.Fatalf("focus %s", focusedPath(f))
	}
}

func TestPickEnum(t *testing.T) {
	f := newForm(t, searchSchema)
	tabTo(t, f, "/mode")
	if f.EditingText() {
		t.Fatal("an enum row is not a text field")
	}
	press(f, "enter")
	if !f.EditingText() {
		t.Fatal("an open option list takes typing (filter)")
	}
	view := plainView(f)
	if !strings.Contains(view, "› ○ Fast") || !strings.Contains(view, "○ Deep") {
		t.Fatalf("option list not shown:\n%s", view)
	}
	press(f, "down", "enter")
	requireJSON(t, value(t, f), `{"limit":10,"mode":"deep"}`)
	if l := lineWith(t, plainView(f), "mode"); !strings.Contains(l, "Deep") {
		t.Fatalf("mode row %q", l)
	}
	press(f, "right")
	requireJSON(t, value(t, f), `{"limit":10,"mode":"fast"}`)
	press(f, "left")
	requireJSON(t, value(t, f), `{"limit":10,"mode":"deep"}`)
	// Typing in the open list filters it.
	press(f, "enter")
	typeText(f, "fa")
	if v := plainView(f); strings.Contains(v, "Deep") && strings.Contains(v, "○ Deep") {
		t.Fatalf("filter did not hide Deep:\n%s", v)
	}
	press(f, "enter")
	requireJSON(t, value(t, f), `{"limit":10,"mode":"fast"}`)
	// esc closes without choosing.
	press(f, "enter", "down", "esc")
	requireJSON(t, value(t, f), `{"limit":10,"mode":"fast"}`)
	// delete clears the choice.
	press(f, "delete")
	requireJSON(t, value(t, f), `{"limit":10}`)
}

func TestBooleanToggleAndUnset(t *testing.T) {
	f := newForm(t, searchSchema)
	tabTo(t, f, "/exact")
	press(f, "space")
	requireJSON(t, value(t, f), `{"limit":10,"exact":true}`)
	press(f, "space")
	requireJSON(t, value(t, f), `{"limit":10,"exact":false}`)
	press(f, "right")
	requireJSON(t, value(t, f), `{"limit":10,"exact":true}`)
	press(f, "backspace")
	requireJSON(t, value(t, f), `{"limit":10}`)
}

const multiSchema = `{"type":"object","properties":{
  "colors":{"type":"array","items":{"type":"string","enum":["red","green","blue"]},"uniqueItems":true},
  "roles":{"type":"array","items":{"anyOf":[{"const":"r","title":"Reader"},{"const":"w","title":"Writer"}]}}
}}`

func TestMultiselect(t *testing.T) {
	f := newForm(t, multiSchema)
	requireJSON(t, value(t, f), `{}`)
	tabTo(t, f, "/colors#2")
	press(f, "space")
	press(f, "up", "up", "space")
	requireJSON(t, value(t, f), `{"colors":["red","blue"]}`)
	view := plainView(f)
	if !strings.Contains(view, "[x] red") || !strings.Contains(view, "[ ] green") || !strings.Contains(view, "[x] blue") || !strings.Contains(view, "2 of 3 selected") {
		t.Fatalf("view:\n%s", view)
	}
	press(f, "space")
	requireJSON(t, value(t, f), `{"colors":["blue"]}`)
	tabTo(t, f, "/roles#1")
	press(f, "enter")
	requireJSON(t, value(t, f), `{"colors":["blue"],"roles":["w"]}`)
	if !strings.Contains(plainView(f), "[x] Writer") {
		t.Fatal("titled options must show their titles")
	}
	press(f, "space")
	requireJSON(t, value(t, f), `{"colors":["blue"],"roles":[]}`)
	press(f, "delete")
	requireJSON(t, value(t, f), `{"colors":["blue"]}`)
}

const arraySchema = `{"type":"object","properties":{
  "tags":{"type":"array","items":{"type":"string"},"maxItems":3},
  "people":{"type":"array","items":{"type":"object","properties":{
      "name":{"type":"string"},"age":{"type":"integer","minimum":0}},"required":["name"]}}
}}`

func TestArrayAddRemoveReorder(t *testing.T) {
	f := newForm(t, arraySchema)
	if focusedPath(f) != "/tags" {
		t.Fatalf("focus %s", focusedPath(f))
	}
	press(f, "ctrl+n")
	if focusedPath(f) != "/tags/0" || !f.EditingText() {
		t.Fatalf("new item not focused: %s", focusedPath(f))
	}
	typeText(f, "a")
	press(f, "ctrl+n") // inserts after the focused item
	typeText(f, "b")
	press(f, "ctrl+n")
	typeText(f, "c")
	requireJSON(t, value(t, f), `{"tags":["a","b","c"]}`)
	press(f, "alt+up")
	requireJSON(t, value(t, f), `{"tags":["a","c","b"]}`)
	if focusedPath(f) != "/tags/1" {
		t.Fatalf("focus must follow the moved item, at %s", focusedPath(f))
	}
	press(f, "alt+up", "alt+up") // already first: stays
	requireJSON(t, value(t, f), `{"tags":["c","a","b"]}`)
	press(f, "alt+down")
	requireJSON(t, value(t, f), `{"tags":["a","c","b"]}`)
	press(f, "ctrl+n")
	typeText(f, "d")
	requireJSON(t, value(t, f), `{"tags":["a","c","d","b"]}`)
	if errs := f.Errors(); len(errs) != 1 || errs[0].Path != "/tags" || !strings.Contains(errs[0].Message, "at most 3") {
		t.Fatalf("errors %v", errs)
	}
	if l := lineAfter(t, plainView(f), "tags"); !strings.Contains(l, "✗ must have at most 3 items") {
		t.Fatalf("error not under the tags field: %q", l)
	}
	press(f, "ctrl+x")
	requireJSON(t, value(t, f), `{"tags":["a","c","b"]}`)
	if focusedPath(f) != "/tags/2" {
		t.Fatalf("focus after remove %s", focusedPath(f))
	}
	press(f, "ctrl+x", "ctrl+x", "ctrl+x")
	requireJSON(t, value(t, f), `{"tags":[]}`)
	if focusedPath(f) != "/tags" {
		t.Fatalf("focus after removing all %s", focusedPath(f))
	}
	// enter on the header adds too.
	press(f, "enter")
	requireJSON(t, value(t, f), `{"tags":[""]}`)
}

func TestArrayOfObjects(t *testing.T) {
	f := newForm(t, arraySchema)
	tabTo(t, f, "/people")
	press(f, "ctrl+n")
	if focusedPath(f) != "/people/0" {
		t.Fatalf("focus %s", focusedPath(f))
	}
	// The item is an object: its fields follow, required marked.
	view := plainView(f)
	if !strings.Contains(view, "name*") || !strings.Contains(view, "#1") {
		t.Fatalf("item fields:\n%s", view)
	}
	if errs := f.Errors(); len(errs) != 1 || errs[0].Path != "/people/0/name" {
		t.Fatalf("errors %v", errs)
	}
	press(f, "tab")
	typeText(f, "Ada")
	press(f, "tab")
	typeText(f, "36")
	press(f, "ctrl+n") // from inside item 0: adds item 1 after it
	if focusedPath(f) != "/people/1" {
		t.Fatalf("focus %s", focusedPath(f))
	}
	press(f, "tab")
	typeText(f, "Bob")
	requireJSON(t, value(t, f), `{"people":[{"name":"Ada","age":36},{"name":"Bob"}]}`)
	press(f, "alt+up") // from the name field of item 1: moves the item
	requireJSON(t, value(t, f), `{"people":[{"name":"Bob"},{"name":"Ada","age":36}]}`)
	if focusedPath(f) != "/people/0/name" {
		t.Fatalf("focus %s", focusedPath(f))
	}
	tabTo(t, f, "/people/1/age")
	press(f, "ctrl+a", "ctrl+k")
	typeText(f, "-1")
	if l := focusedLineAfter(t, plainView(f)); !strings.Contains(l, "✗ must be ≥ 0") {
		t.Fatalf("error not under age: %q", l)
	}
	press(f, "ctrl+x")
	requireJSON(t, value(t, f), `{"people":[{"name":"Bob"}]}`)
}

const variantSchema = `{"type":"object","properties":{
  "shape":{"title":"Shape","oneOf":[
    {"type":"object","title":"Circle","properties":{"kind":{"const":"circle"},"r":{"type":"number","exclusiveMinimum":0}},"required":["kind","r"]},
    {"type":"object","title":"Square","properties":{"kind":{"const":"square"},"side":{"type":"number"}},"required":["kind","side"]},
    {"type":"string","title":"Named","enum":["unit-circle","unit-square"]}
  ]},
  "id":{"type":["string","integer"]}
},"required":["shape"]}`

func TestChooseVariant(t *testing.T) {
	f := newForm(t, variantSchema)
	// A required variant starts on its first alternative, discriminator
	// filled in.
	requireJSON(t, value(t, f), `{"shape":{"kind":"circle"}}`)
	if errs := f.Errors(); len(errs) != 1 || errs[0].Path != "/shape/r" || errs[0].Message != "is required" {
		t.Fatalf("errors %v", errs)
	}
	tabTo(t, f, "/shape/r")
	typeText(f, "2")
	requireJSON(t, value(t, f), `{"shape":{"kind":"circle","r":2}}`)
	tabTo(t, f, "/shape")
	press(f, "right")
	requireJSON(t, value(t, f), `{"shape":{"kind":"square"}}`)
	view := plainView(f)
	if !strings.Contains(view, "side*") || strings.Contains(view, "r*") {
		t.Fatalf("square fields:\n%s", view)
	}
	if !strings.Contains(lineWith(t, view, "Shape"), "‹ Square ›") {
		t.Fatalf("variant row: %q", lineWith(t, view, "Shape"))
	}
	// Switching back keeps what was typed for the circle.
	press(f, "left")
	requireJSON(t, value(t, f), `{"shape":{"kind":"circle","r":2}}`)
	// The option list chooses too; a scalar variant shows one value row.
	press(f, "enter", "down", "down", "enter")
	requireJSON(t, value(t, f), `{}`)
	if errs := f.Errors(); len(errs) != 1 || errs[0].Path != "/shape" || errs[0].Message != "is required" {
		t.Fatalf("errors %v", errs)
	}
}

func TestChooseScalarVariantAndTypeArrays(t *testing.T) {
	f := newForm(t, variantSchema)
	tabTo(t, f, "/shape")
	press(f, "enter", "down", "down", "enter")
	tabTo(t, f, "/shape")
	press(f, "tab") // the "value" row of the Named variant
	press(f, "right")
	requireJSON(t, value(t, f), `{"shape":"unit-circle"}`)
	// type: ["string","integer"] is a variant per type.
	tabTo(t, f, "/id")
	press(f, "right", "tab")
	typeText(f, "42")
	requireJSON(t, value(t, f), `{"shape":"unit-circle","id":"42"}`)
	press(f, "shift+tab", "right", "tab")
	typeText(f, "42")
	requireJSON(t, value(t, f), `{"shape":"unit-circle","id":42}`)
}

func TestSetNull(t *testing.T) {
	f := newForm(t, searchSchema)
	tabTo(t, f, "/filter/lang")
	typeText(f, "go")
	press(f, "ctrl+l")
	requireJSON(t, value(t, f), `{"limit":10,"filter":{"lang":null}}`)
	if l := lineWith(t, plainView(f), "lang"); !strings.Contains(l, "null") {
		t.Fatalf("lang row %q", l)
	}
	press(f, "ctrl+l")
	requireJSON(t, value(t, f), `{"limit":10,"filter":{"lang":"go"}}`)
	press(f, "ctrl+l")
	typeText(f, "x") // typing replaces null
	requireJSON(t, value(t, f), `{"limit":10,"filter":{"lang":"gox"}}`)
	// Not nullable: nothing happens.
	tabTo(t, f, "/filter/since")
	press(f, "ctrl+l")
	requireJSON(t, value(t, f), `{"limit":10,"filter":{"lang":"gox"}}`)
	if f.KeyMap().Null.Enabled() {
		t.Fatal("null binding must be disabled on a non-nullable field")
	}
}

func TestNullableObjectViaAnyOf(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{"opts":{"anyOf":[{"type":"object","properties":{"v":{"type":"boolean"}}},{"type":"null"}]}}}`)
	tabTo(t, f, "/opts")
	press(f, "ctrl+l")
	requireJSON(t, value(t, f), `{"opts":null}`)
	if len(f.rows) != 1 {
		t.Fatalf("a null object hides its fields: %v", rowPaths(f))
	}
	press(f, "ctrl+l", "tab", "space")
	requireJSON(t, value(t, f), `{"opts":{"v":true}}`)
}

func TestNumbersLocalAndSchemaErrors(t *testing.T) {
	f := newForm(t, searchSchema)
	tabTo(t, f, "/limit")
	press(f, "backspace", "backspace")
	typeText(f, "12x")
	if _, err := f.Value(); err == nil || !strings.Contains(err.Error(), "/limit: not a whole number") {
		t.Fatalf("Value error %v", err)
	}
	if l := lineAfter(t, plainView(f), "limit"); !strings.Contains(l, "✗ not a whole number") {
		t.Fatalf("local error not at the field: %q", l)
	}
	press(f, "backspace")
	typeText(f, "0")
	if l := lineAfter(t, plainView(f), "limit"); !strings.Contains(l, "✗ must be ≤ 50") {
		t.Fatalf("schema error not at the field: %q", l)
	}
	if !strings.Contains(plainView(f), "✗ 2 errors") {
		t.Fatalf("summary count missing:\n%s", plainView(f))
	}
	press(f, "backspace", "backspace", "backspace")
	typeText(f, "2.5e1")
	requireJSON(t, value(t, f), `{"limit":25}`)
}

func TestErrorsMapToTheirFields(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{
	  "a":{"type":"string","format":"email"},
	  "b":{"type":"object","properties":{"c":{"type":"string","maxLength":1}},"additionalProperties":false}
	},"required":["a"],"additionalProperties":false}`, Options{Initial: json.RawMessage(`{"a":"nope","b":{"c":"xy","z":1},"extra":true}`)})
	got := map[string]string{}
	for _, e := range f.Errors() {
		got[e.Path] = e.Message
	}
	if len(got) != 4 || got["/a"] == "" || got["/b/c"] == "" || got["/b/z"] == "" || got["/extra"] == "" {
		t.Fatalf("errors %v", f.Errors())
	}
	view := plainView(f)
	if l := lineAfter(t, view, "a*"); !strings.Contains(l, "not a valid email") {
		t.Fatalf("a: %q", l)
	}
	if l := lineAfter(t, view, "  c "); !strings.Contains(l, "must be at most 1 characters") {
		t.Fatalf("c: %q", l)
	}
	// Members the form has no field for are reported at the nearest field
	// (b) or at the top (root).
	if !strings.Contains(view, "/z: is not an allowed property") || !strings.Contains(view, "✗ /extra: is not an allowed property") {
		t.Fatalf("view:\n%s", view)
	}
	// …and survive in the value.
	requireJSON(t, value(t, f), `{"a":"nope","b":{"c":"xy","z":1},"extra":true}`)
}

func TestInitialPrefillsAndSkipsDefaults(t *testing.T) {
	f := newForm(t, searchSchema, Options{Initial: json.RawMessage(`{"query":"x","mode":"deep","filter":{"lang":null},"exact":false}`)})
	requireJSON(t, value(t, f), `{"query":"x","mode":"deep","filter":{"lang":null},"exact":false}`)
	if _, err := New(json.RawMessage(searchSchema), Options{Initial: json.RawMessage(`{`)}); err == nil {
		t.Fatal("invalid Initial must fail")
	}
}

func TestValuesTheFormCannotExpressSurvive(t *testing.T) {
	initial := `{"query":"two\nlines","limit":"ten","mode":"turbo","exact":"yes","filter":[1]}`
	f := newForm(t, searchSchema, Options{Initial: json.RawMessage(initial)})
	requireJSON(t, value(t, f), initial)
	view := plainView(f)
	if l := lineWith(t, view, "query"); !strings.Contains(l, `"two\nlines"`) || !strings.Contains(l, "raw") {
		t.Fatalf("query row %q", l)
	}
	if l := lineWith(t, view, "mode"); !strings.Contains(l, `"turbo"`) {
		t.Fatalf("mode row %q", l)
	}
	// Emptying a raw stand-in brings back the real field.
	tabTo(t, f, "/mode")
	press(f, "ctrl+a", "ctrl+k")
	if f.focusedField().kind != schema.KindEnum {
		t.Fatalf("mode is %v after emptying", f.focusedField().kind)
	}
	press(f, "right")
	requireJSON(t, value(t, f), `{"query":"two\nlines","limit":"ten","mode":"fast","exact":"yes","filter":[1]}`)
}

func TestRawRoundTrip(t *testing.T) {
	f := newForm(t, searchSchema)
	typeText(f, "mcp")
	press(f, "ctrl+o")
	if !f.Raw() || !f.EditingText() {
		t.Fatal("ctrl+o must open the raw editor")
	}
	want := "{\n  \"query\": \"mcp\",\n  \"limit\": 10\n}"
	if got := f.editor.Value(); got != want {
		t.Fatalf("editor:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(plainView(f), `"query": "mcp"`) {
		t.Fatalf("raw view:\n%s", plainView(f))
	}
	// Edit the JSON: add a member the schema does not list, and a value.
	press(f, "right")
	typeText(f, `"extra":{"keep":[1,2]},`)
	press(f, "down", "end", "left", "left")
	typeText(f, "!!")
	requireJSON(t, value(t, f), `{"extra":{"keep":[1,2]},"query":"mcp!!","limit":10}`)
	press(f, "ctrl+o")
	if f.Raw() {
		t.Fatalf("still raw: %v", f.Errors())
	}
	requireJSON(t, value(t, f), `{"query":"mcp!!","limit":10,"extra":{"keep":[1,2]}}`)
	if l := lineWith(t, plainView(f), "query"); !strings.Contains(l, "mcp!!") {
		t.Fatalf("form did not take the edit: %q", l)
	}
	// …and back: the extra member is still there.
	press(f, "ctrl+o")
	if !strings.Contains(f.editor.Value(), `"extra": {`) {
		t.Fatalf("extra lost:\n%s", f.editor.Value())
	}
}

func TestRawInvalidJSONKeepsRawMode(t *testing.T) {
	f := newForm(t, searchSchema)
	press(f, "ctrl+o", "right")
	typeText(f, "x")
	if f.Valid() {
		t.Fatal("invalid JSON is not valid")
	}
	press(f, "ctrl+o")
	if !f.Raw() {
		t.Fatal("invalid JSON must keep the raw editor open")
	}
	view := plainView(f)
	if !strings.Contains(view, "✗ invalid JSON at line 1, column 2") {
		t.Fatalf("parse error not shown:\n%s", view)
	}
	if _, err := f.Value(); err == nil {
		t.Fatal("Value must fail on invalid JSON")
	}
	press(f, "backspace", "ctrl+o")
	if f.Raw() {
		t.Fatal("valid again: back to the form")
	}
	requireJSON(t, value(t, f), `{"limit":10}`)
}

func TestRawModeValidatesLive(t *testing.T) {
	f := newForm(t, searchSchema)
	press(f, "ctrl+o", "down", "end", "backspace", "backspace")
	typeText(f, "99")
	errs := f.Errors()
	if len(errs) != 2 || errs[0].Path != "/limit" || errs[1].Path != "/query" {
		t.Fatalf("errors %v", errs)
	}
	if !strings.Contains(plainView(f), "✗ /limit: must be ≤ 50") {
		t.Fatalf("view:\n%s", plainView(f))
	}
}

func TestScrollKeepsFocusVisible(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := range 40 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"field` + strings.Repeat("x", i%3) + string(rune('A'+i%26)) + strings.Repeat("_", i/26) + `":{"type":"string","description":"Help for this field."}`)
	}
	b.WriteString(`}}`)
	f := newForm(t, b.String())
	f.SetSize(60, 10)
	for range 39 {
		press(f, "tab")
		view := f.View()
		requireFits(t, view, 60, 10)
		if !strings.Contains(ansi.Strip(view), "▸ ") || !strings.Contains(ansi.Strip(view), "Help for this field.") {
			t.Fatalf("focused field or its help not visible:\n%s", ansi.Strip(view))
		}
	}
	if !strings.Contains(plainView(f), "field 40/40") {
		t.Fatalf("footer:\n%s", plainView(f))
	}
	press(f, "pgup")
	if f.focus >= 39 {
		t.Fatal("pgup must move up")
	}
}

func TestViewFitsAtAllSizes(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {40, 10}, {20, 3}, {200, 60}} {
		f := newForm(t, variantSchema)
		f.SetSize(sz[0], sz[1])
		press(f, "tab", "enter")
		requireFits(t, f.View(), sz[0], sz[1])
		press(f, "esc", "ctrl+o")
		requireFits(t, f.View(), sz[0], sz[1])
	}
}

func TestRecursiveSchemaForm(t *testing.T) {
	f := newForm(t, `{"$defs":{"node":{"type":"object","properties":{
	    "name":{"type":"string"},
	    "children":{"type":"array","items":{"$ref":"#/$defs/node"}},
	    "parent":{"$ref":"#/$defs/node"}}}},
	  "$ref":"#/$defs/node"}`)
	if got := strings.Join(rowPaths(f), " "); got != "/name /children /parent" {
		t.Fatalf("rows %s", got)
	}
	if l := lineWith(t, plainView(f), "parent"); !strings.Contains(l, "recursive") {
		t.Fatalf("parent row %q", l)
	}
	tabTo(t, f, "/parent")
	press(f, "space")
	if got := strings.Join(rowPaths(f), " "); got != "/name /children /parent /parent/name /parent/children /parent/parent" {
		t.Fatalf("rows after opening %s", got)
	}
	press(f, "tab")
	typeText(f, "p")
	tabTo(t, f, "/children")
	press(f, "ctrl+n", "tab")
	typeText(f, "kid")
	requireJSON(t, value(t, f), `{"children":[{"name":"kid"}],"parent":{"name":"p"}}`)
}

func TestEditingTextAndContextualKeyMap(t *testing.T) {
	f := newForm(t, arraySchema)
	if f.EditingText() {
		t.Fatal("array header is not a text field")
	}
	km := f.KeyMap()
	if !km.AddItem.Enabled() || km.RemoveItem.Enabled() || km.Toggle.Enabled() {
		t.Fatal("on an array header: add yes, remove no")
	}
	press(f, "ctrl+n")
	if !f.EditingText() {
		t.Fatal("a string item is a text field")
	}
	km = f.KeyMap()
	if !km.RemoveItem.Enabled() || !km.MoveUp.Enabled() || km.Unset.Enabled() {
		t.Fatal("on an item: remove and move yes; unset goes to the text")
	}
	var _ help.KeyMap = km
	if len(km.ShortHelp()) == 0 || len(km.FullHelp()) != 4 {
		t.Fatal("help")
	}
	h := help.New()
	if s := h.View(DefaultKeyMap()); !strings.Contains(ansi.Strip(s), "ctrl+o raw JSON") {
		t.Fatalf("short help %q", ansi.Strip(s))
	}
	press(f, "ctrl+o")
	if km := f.KeyMap(); km.AddItem.Enabled() || !km.ToggleRaw.Enabled() {
		t.Fatal("raw mode: only the toggle")
	}
}

func TestUntrustedTextIsSanitized(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{
	  "a\u001b[2J":{"type":"string","title":"T\u001b]0;pwned\u0007itle","description":"D\u001b[31mesc\u009b1m\u202eX"},
	  "m":{"enum":["v\u001b[5m"],"enumNames":["L\u001bP1$r\u001b\\abel"]}
	},"additionalProperties":false}`, Options{Initial: json.RawMessage(`{"m":"v\u001b[5m","x":"\u009b2J","\u001b]0;pwned\u0007":1}`)})
	view := f.View()
	for _, bad := range []string{"\x07", "\x1b]", "\x1b[2J", "\x1bP", "\u009b", "\u202e", "pwned"} {
		if strings.Contains(view, bad) {
			t.Fatalf("view contains %q:\n%q", bad, view)
		}
	}
	plain := ansi.Strip(view)
	if !strings.Contains(plain, "Title") || !strings.Contains(plain, "DescX") || !strings.Contains(plain, "Label") {
		t.Fatalf("view:\n%s", plain)
	}
	// The values are data and are kept exactly.
	requireJSON(t, value(t, f), `{"m":"v\u001b[5m","x":"\u009b2J","\u001b]0;pwned\u0007":1}`)
	if !strings.Contains(plain, "is not an allowed property") {
		t.Fatalf("the bad key's error is not shown:\n%s", plain)
	}
	press(f, "ctrl+o")
	for _, bad := range []string{"\u009b", "\x1b[5m", "\x07", "\x1b]"} {
		if strings.Contains(f.View(), bad) {
			t.Fatalf("raw editor shows %q unescaped", bad)
		}
	}
}

func TestPromptArgumentsAndTemplateForms(t *testing.T) {
	f := newForm(t, string(schema.SchemaForPromptArgs([]schema.PromptArg{
		{Name: "code", Description: "Code to review", Required: true},
		{Name: "style"},
	})))
	if !strings.Contains(plainView(f), "code*") {
		t.Fatal("required prompt argument not marked")
	}
	typeText(f, "x := 1")
	requireJSON(t, value(t, f), `{"code":"x := 1"}`)

	g := newForm(t, string(schema.SchemaForTemplate("repo://{owner}/{name}/issues{?state}")))
	if got := strings.Join(rowPaths(g), " "); got != "/owner /name /state" {
		t.Fatalf("rows %s", got)
	}
	typeText(g, "charm")
	press(g, "tab")
	typeText(g, "sonde")
	if g.Valid() {
		t.Fatal("state is required")
	}
	press(g, "tab")
	typeText(g, "open")
	if !g.Valid() {
		t.Fatalf("errors %v", g.Errors())
	}
	requireJSON(t, value(t, g), `{"owner":"charm","name":"sonde","state":"open"}`)
}

func TestSchemaTheValidatorRejectsStillGetsAForm(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{"a":{"type":"string"},"b":{"$ref":"https://example.com/b.json"}}}`)
	if f.SchemaError() == nil {
		t.Fatal("want a schema error")
	}
	view := plainView(f)
	if !strings.Contains(view, "⚠ not validated") || !strings.Contains(view, "refused") {
		t.Fatalf("view:\n%s", view)
	}
	typeText(f, "x")
	press(f, "tab")
	typeText(f, `{"free":true}`)
	requireJSON(t, value(t, f), `{"a":"x","b":{"free":true}}`)
	if _, err := New(json.RawMessage(`{"type":`), Options{}); err == nil {
		t.Fatal("a schema that is not JSON must fail")
	}
}

func TestNonObjectRootAndNoArguments(t *testing.T) {
	f := newForm(t, `{"type":"array","items":{"type":"integer"}}`)
	press(f, "ctrl+n")
	typeText(f, "7")
	requireJSON(t, value(t, f), `[7]`)
	g := newForm(t, `{"type":"object"}`)
	if !strings.Contains(plainView(g), "No fields") {
		t.Fatalf("view:\n%s", plainView(g))
	}
	requireJSON(t, value(t, g), `{}`)
	press(g, "tab", "space", "enter", "ctrl+n", "ctrl+x", "alt+up", "ctrl+l", "delete")
	requireJSON(t, value(t, g), `{}`)
}

func TestBlurHidesCursorAndNonKeyMessages(t *testing.T) {
	f := newForm(t, searchSchema)
	if !strings.Contains(plainView(f), "▸") {
		t.Fatal("focused form shows the cursor")
	}
	f.Blur()
	if strings.Contains(plainView(f), "▸") {
		t.Fatal("blurred form must not")
	}
	f.Focus()
	f.Update(tea.WindowSizeMsg{Width: 10, Height: 10})
	f.Update(tea.PasteMsg{Content: "pasted"})
	requireJSON(t, value(t, f), `{"query":"pasted","limit":10}`)
	f.SetStyles(DefaultStyles(false))
	if !strings.Contains(plainView(f), "pasted") {
		t.Fatal("SetStyles lost state")
	}
}

func TestVariantDiscriminatorFilledEvenWhenOptional(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{"op":{"oneOf":[
	  {"type":"object","properties":{"type":{"const":"add"},"n":{"type":"number"}}},
	  {"type":"object","properties":{"type":{"const":"reset"}}}]}}}`)
	requireJSON(t, value(t, f), `{}`)
	press(f, "right")
	requireJSON(t, value(t, f), `{"op":{"type":"add"}}`)
	press(f, "right")
	requireJSON(t, value(t, f), `{"op":{"type":"reset"}}`)
	if !f.Valid() {
		t.Fatalf("errors %v", f.Errors())
	}
	// Raw round trip picks the variant by its discriminator.
	press(f, "ctrl+o", "ctrl+o")
	if l := lineWith(t, plainView(f), "op"); !strings.Contains(l, "reset") {
		t.Fatalf("op row %q", l)
	}
}

func TestAutoFilledValuesDoNotMakeOptionalObjectsPresent(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{
	  "opt":{"type":"object","properties":{"kind":{"const":"x"},"note":{"type":"string"},
	         "pick":{"oneOf":[{"type":"string"},{"type":"integer"}]}},"required":["kind","pick"]},
	  "list":{"type":"array","items":{"oneOf":[{"type":"object","properties":{"t":{"const":"a"}}},{"type":"string"}]}}
	}}`)
	requireJSON(t, value(t, f), `{}`)
	tabTo(t, f, "/opt/note")
	typeText(f, "n")
	requireJSON(t, value(t, f), `{"opt":{"kind":"x","note":"n"}}`)
	press(f, "backspace")
	requireJSON(t, value(t, f), `{}`)
	// Choosing a variant is the user's doing: the object is present.
	tabTo(t, f, "/opt/pick")
	press(f, "right")
	requireJSON(t, value(t, f), `{"opt":{"kind":"x"}}`)
	// A new item of a oneOf starts on its first alternative.
	tabTo(t, f, "/list")
	press(f, "ctrl+n")
	requireJSON(t, value(t, f), `{"opt":{"kind":"x"},"list":[{"t":"a"}]}`)
}

func TestSetValue(t *testing.T) {
	f := newForm(t, searchSchema)
	tabTo(t, f, "/mode")
	if err := f.SetValue(json.RawMessage(`{"query":"again","mode":"fast","extra":1}`)); err != nil {
		t.Fatal(err)
	}
	requireJSON(t, value(t, f), `{"query":"again","mode":"fast","extra":1}`)
	if focusedPath(f) != "/mode" {
		t.Fatalf("focus moved to %s", focusedPath(f))
	}
	if err := f.SetValue(json.RawMessage(`{`)); err == nil {
		t.Fatal("invalid JSON must fail")
	}
	requireJSON(t, value(t, f), `{"query":"again","mode":"fast","extra":1}`)
}

func TestRawEditorKeepsHugeValuesWhole(t *testing.T) {
	items := make([]string, 10100) // more lines than the textarea keeps
	for i := range items {
		items[i] = `"x"`
	}
	initial := `{"tags":[` + strings.Join(items, ",") + `]}`
	f := newForm(t, arraySchema, Options{Initial: json.RawMessage(initial)})
	press(f, "ctrl+o")
	requireJSON(t, value(t, f), initial)
	press(f, "ctrl+o")
	if f.Raw() {
		t.Fatalf("could not leave the raw editor: %v", f.Errors())
	}
	requireJSON(t, value(t, f), initial)
}

// The text widgets drop U+FFFD (bubbles' sanitizer treats it as a decoding
// error), so a value holding it must reach them escaped: found by
// FuzzSchemaToForm with a schema whose const was invalid UTF-8.
func TestReplacementCharacterSurvivesRawRoundTrip(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{"s":{"type":"string"},"c":{"const":"\ufffd"}}}`)
	want := `{"s":"a\ufffdb","c":"\ufffd"}`
	if err := f.SetValue(json.RawMessage(want)); err != nil {
		t.Fatal(err)
	}
	requireJSON(t, value(t, f), want)
	press(f, "ctrl+o")
	press(f, "ctrl+o")
	if f.Raw() {
		t.Fatalf("raw editor refused its own text: %v", f.Errors())
	}
	requireJSON(t, value(t, f), want)
}

// bookingLike has the shape of the demo's create_booking where defaults
// live inside optional objects (issue 9, item 18).
const bookingLike = `{
  "type": "object",
  "$defs": {"address": {"type": "object", "properties": {
      "street": {"type": "string", "minLength": 1},
      "city": {"type": "string", "minLength": 1},
      "country": {"type": "string", "enum": ["DE", "GB"], "default": "GB"}},
    "required": ["street", "city"]}},
  "properties": {
    "guest": {"type": "object", "properties": {
      "name": {"type": "string"},
      "contact": {"type": "object", "properties": {
        "channel": {"enum": ["email", "sms"], "default": "email"},
        "quietHours": {"type": "object", "properties": {"from": {"type": "string", "default": "22:00"}}},
        "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]}}}},
      "required": ["name"]},
    "nights": {"type": "integer", "default": 2},
    "billingAddress": {"$ref": "#/$defs/address"}
  },
  "required": ["guest"]
}`

func TestDefaultsInsideOptionalObjectsLeaveThemUnset(t *testing.T) {
	f := newForm(t, bookingLike)
	// Only the required name is missing: the defaults inside the optional
	// contact and billing address do not make those objects present.
	requireJSON(t, value(t, f), `{"guest":{},"nights":2}`)
	if got := f.Errors(); len(got) != 1 || got[0].Path != "/guest/name" {
		t.Fatalf("a fresh form has errors %v", got)
	}
	view := plainView(f)
	if l := lineWith(t, view, "billingAddress"); !strings.Contains(l, "not set") {
		t.Fatalf("an unset optional object's header: %q", l)
	}
	if l := lineWith(t, view, "country"); !strings.Contains(l, "GB") {
		t.Fatalf("the default is still shown: %q", l)
	}
	// Editing one of its fields makes it present, with its required members.
	tabTo(t, f, "/billingAddress/country")
	press(f, "left")
	requireJSON(t, value(t, f), `{"guest":{},"nights":2,"billingAddress":{"country":"DE"}}`)
	if got := f.Errors(); len(got) != 3 {
		t.Fatalf("errors %v", got)
	}
	// del on its header unsets it again; the default comes back.
	tabTo(t, f, "/billingAddress")
	if !f.KeyMap().Unset.Enabled() {
		t.Fatal("del is not offered on an object's header")
	}
	press(f, "delete")
	requireJSON(t, value(t, f), `{"guest":{},"nights":2}`)
	if l := lineWith(t, plainView(f), "country"); !strings.Contains(l, "GB") {
		t.Fatalf("the default after del: %q", l)
	}
	// A typed default-holding field, a toggled list: the contact is present.
	tabTo(t, f, "/guest/contact/quietHours/from")
	typeText(f, "!")
	requireJSON(t, value(t, f), `{"guest":{"contact":{"channel":"email","quietHours":{"from":"22:00!"},"tags":["a"]}},"nights":2}`)
	press(f, "backspace")
	requireJSON(t, value(t, f), `{"guest":{"contact":{"channel":"email","quietHours":{"from":"22:00"},"tags":["a"]}},"nights":2}`)
	tabTo(t, f, "/guest/contact")
	press(f, "delete")
	requireJSON(t, value(t, f), `{"guest":{},"nights":2}`)
	tabTo(t, f, "/guest/contact/tags")
	press(f, "ctrl+n")
	requireJSON(t, value(t, f), `{"guest":{"contact":{"channel":"email","tags":["a",""]}},"nights":2}`)
}

func TestFocusedFieldShowsItsErrorWhenShort(t *testing.T) {
	f := newForm(t, `{"type":"object","properties":{"when":{"type":"string","format":"date",
	  "description":"The day the thing happens, in the guest's own time zone; leave it empty for today. More words to make it wrap onto a third line."}}}`)
	typeText(f, "x")
	for _, h := range []int{3, 4, 5, 8} {
		f.SetSize(60, h)
		view := plainView(f)
		requireFits(t, f.View(), 60, h)
		if !strings.Contains(view, "not a valid date") {
			t.Fatalf("height %d: the error is hidden by the description:\n%s", h, view)
		}
		if h >= 8 && !strings.Contains(view, "third line") {
			t.Fatalf("height %d: the whole description fits but is cut:\n%s", h, view)
		}
	}
}

// A required recursive property is shown collapsed and sent as {}; the raw
// editor's round trip must keep it so. It used to open one more level on
// every round trip ({"a":{"a":{}}} → {"a":{"a":{"a":{}}}} → …), and the
// call sent the grown value. Found by FuzzSchemaToForm (seed
// required_self_ref).
func TestRawRoundTripKeepsRecursiveValues(t *testing.T) {
	for _, sch := range []string{
		`{"properties":{"a":{"$ref":"#"}},"required":["a"]}`,
		`{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"},"v":{"type":"integer"}},"required":["next"]}},"type":"object","properties":{"head":{"$ref":"#/$defs/n"}},"required":["head"]}`,
	} {
		f := newForm(t, sch)
		want := string(value(t, f))
		for i := range 3 {
			press(f, "ctrl+o")
			press(f, "ctrl+o")
			if f.Raw() {
				t.Fatalf("the raw editor refused its own value: %v", f.Errors())
			}
			if got := string(value(t, f)); !jsonEq(got, want) {
				t.Fatalf("%s: round trip %d changed the value:\n got %s\nwant %s", sch, i+1, got, want)
			}
		}
	}
}
