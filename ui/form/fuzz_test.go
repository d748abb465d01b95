package form

import (
	"encoding/json"
	"testing"

	tea "charm.land/bubbletea/v2"

	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

// FuzzSchemaToForm feeds arbitrary schema documents to the form. It must
// never panic; an untouched form's value must be valid JSON without parse
// errors; the raw JSON round trip must preserve the value; and driving
// keys and rendering at odd sizes must not panic either.
//
// Seeds live in testdata/fuzz/FuzzSchemaToForm. Run with
//
//	go test ./ui/form -run '^$' -fuzz FuzzSchemaToForm -fuzztime 30s
func FuzzSchemaToForm(f *testing.F) {
	for _, s := range []string{searchSchema, multiSchema, arraySchema, variantSchema, kitchenSink} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, schemaJSON []byte) {
		form, err := New(json.RawMessage(schemaJSON), Options{Width: 80, Height: 24})
		if err != nil {
			return // not JSON, or over the limits: refused, fine
		}
		v, err := form.Value()
		if err != nil {
			t.Fatalf("untouched form has a parse error: %v", err)
		}
		if !json.Valid(v) {
			t.Fatalf("untouched form value is not JSON: %q", v)
		}
		_ = form.View()

		// Form → raw → form keeps the value.
		form.ToggleRaw()
		if !form.Raw() {
			t.Fatal("ToggleRaw did not open the editor")
		}
		form.ToggleRaw()
		if form.Raw() {
			t.Fatalf("own value refused by the raw editor: %v", form.Errors())
		}
		v2, err := form.Value()
		if err != nil || !jsonEq(string(v), string(v2)) {
			t.Fatalf("round trip changed the value:\n%s\n%s (%v)", v, v2, err)
		}

		// Poke at it.
		for _, k := range []string{"tab", "space", "enter", "right", "ctrl+n", "a", "tab", "ctrl+l", "down", "enter", "esc", "alt+up", "ctrl+x", "delete", "left", "1", "shift+tab", "space"} {
			form.Update(ct.Key(k))
		}
		form.Update(tea.PasteMsg{Content: "x\ny"})
		for _, sz := range [][2]int{{80, 24}, {20, 3}, {133, 7}} {
			form.SetSize(sz[0], sz[1])
			_ = form.View()
		}
		if v, _ := form.Value(); !json.Valid(v) {
			t.Fatalf("value after editing is not JSON: %q", v)
		}
		_ = form.Errors()
		_ = form.KeyMap()
	})
}
