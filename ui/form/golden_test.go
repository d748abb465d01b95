package form

import (
	"encoding/json"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// kitchenSink is a realistic tool input schema that uses every field kind.
const kitchenSink = `{
  "type": "object",
  "properties": {
    "query":    {"type": "string", "title": "Query", "description": "Full-text search terms. Quote phrases; prefix a word with - to exclude it.", "minLength": 2},
    "limit":    {"type": "integer", "minimum": 1, "maximum": 50, "default": 10, "description": "Maximum number of results."},
    "since":    {"type": "string", "format": "date", "description": "Only items changed on or after this day."},
    "notify":   {"type": "string", "format": "email"},
    "mode":     {"type": "string", "enum": ["fast", "balanced", "deep"], "enumNames": ["Fast", "Balanced", "Deep"], "default": "balanced"},
    "exact":    {"type": "boolean", "description": "Match terms exactly."},
    "langs":    {"type": "array", "items": {"enum": ["go", "rust", "python", "typescript"]}, "uniqueItems": true},
    "tags":     {"type": "array", "items": {"type": "string"}, "maxItems": 5},
    "owner":    {"type": ["string", "null"], "description": "User or organisation; null for any."},
    "sort":     {"oneOf": [
                   {"type": "object", "title": "By field", "properties": {"field": {"type": "string", "enum": ["stars", "updated"]}, "desc": {"type": "boolean"}}, "required": ["field"]},
                   {"type": "string", "title": "Preset", "enum": ["best-match", "newest"]}
                ]},
    "filters":  {"type": "array", "items": {"type": "object", "properties": {
                   "path": {"type": "string"}, "op": {"enum": ["eq", "ne", "gt", "lt"]}, "value": {}
                }, "required": ["path", "op"]}},
    "meta":     {"type": "object", "additionalProperties": true}
  },
  "required": ["query", "sort"]
}`

// goldenForm is the kitchen sink in a state with values, an open item,
// and errors, focused on the item's "op" field.
func goldenForm(t *testing.T, w, h int) *Form {
	t.Helper()
	f, err := New(json.RawMessage(kitchenSink), Options{Styles: DefaultStyles(true), Width: w, Height: h})
	if err != nil {
		t.Fatal(err)
	}
	typeText(f, "m")
	tabTo(t, f, "/since")
	typeText(f, "2026-13-01")
	tabTo(t, f, "/langs#1")
	press(f, "space", "down", "down", "space")
	tabTo(t, f, "/owner")
	press(f, "ctrl+l")
	tabTo(t, f, "/filters")
	press(f, "ctrl+n")
	typeText(f, "")
	press(f, "tab")
	typeText(f, "lang")
	press(f, "tab")
	return f
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}} {
		t.Run(tc.name, func(t *testing.T) {
			f := goldenForm(t, tc.w, tc.h)
			view := f.View()
			requireFits(t, view, tc.w, tc.h)
			golden.RequireEqual(t, []byte(view))
		})
	}
}

func TestGoldenPicker(t *testing.T) {
	f := goldenForm(t, 80, 24)
	press(f, "enter", "down")
	golden.RequireEqual(t, []byte(f.View()))
}

func TestGoldenRaw(t *testing.T) {
	f := goldenForm(t, 80, 24)
	press(f, "ctrl+o")
	golden.RequireEqual(t, []byte(f.View()))
}
