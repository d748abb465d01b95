package form

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

const tripSchema = `{"type":"object","properties":{
 "country":{"type":"string"},"city":{"type":"string"},"days":{"type":"integer"},"fast":{"type":"boolean"}},
 "required":["country"]}`

func TestFocusedText(t *testing.T) {
	f := newForm(t, tripSchema)
	if p, text, ok := f.FocusedText(); !ok || p != "/country" || text != "" {
		t.Fatalf("first field: %q %q %v", p, text, ok)
	}
	typeText(f, "Fr")
	press(f, "tab", "tab")
	if p, text, ok := f.FocusedText(); !ok || p != "/days" || text != "" {
		t.Fatalf("integer field: %q %q %v", p, text, ok)
	}
	press(f, "tab")
	if _, _, ok := f.FocusedText(); ok {
		t.Fatal("a boolean is not a text field")
	}
	press(f, "ctrl+o")
	if _, _, ok := f.FocusedText(); ok {
		t.Fatal("the raw editor is not a field")
	}
}

func TestSuggestionsTakeNarrowClose(t *testing.T) {
	f := newForm(t, tripSchema, Options{Width: 60, Height: 20})
	f.SetSuggestions("/country", []string{"France", "Germany", "Finland", "France"}, 12, true)
	if got := f.Suggestions(); strings.Join(got, ",") != "France,Germany,Finland" {
		t.Fatalf("suggestions %v", got)
	}
	// for an empty field the list is passive: tab still goes on
	view := ansi.Strip(f.View())
	if strings.Contains(view, "› France") || !strings.Contains(view, "  France") || !strings.Contains(view, "1/3 of 12 · ↓ chooses · tab goes on") {
		t.Fatalf("passive list:\n%s", view)
	}
	press(f, "tab")
	if p, text, _ := f.FocusedText(); p != "/city" || text != "" {
		t.Fatalf("tab on a passive list: %s %q", p, text)
	}
	press(f, "shift+tab")
	if p, _, _ := f.FocusedText(); p != "/country" {
		t.Fatalf("back at %s", p)
	}
	// ↓ engages it
	press(f, "down")
	view = ansi.Strip(f.View())
	if !strings.Contains(view, "› France") || !strings.Contains(view, "1/3 of 12 · tab takes") {
		t.Fatalf("engaged list:\n%s", view)
	}
	press(f, "up")
	// typing narrows (case-insensitively, anywhere in the value)
	typeText(f, "an")
	if got := f.Suggestions(); strings.Join(got, ",") != "France,Germany,Finland" {
		t.Fatalf("after 'an': %v", got)
	}
	press(f, "backspace", "backspace")
	typeText(f, "f")
	if got := f.Suggestions(); strings.Join(got, ",") != "France,Finland" {
		t.Fatalf("after 'f': %v", got)
	}
	// down moves in the list, not to the next field; tab takes
	press(f, "down", "tab")
	if p, text, _ := f.FocusedText(); p != "/country" || text != "Finland" {
		t.Fatalf("took %q at %s", text, p)
	}
	if v, _ := f.Value(); string(v) != `{"country":"Finland"}` {
		t.Fatalf("value %s", v)
	}
	if f.Suggestions() != nil {
		t.Fatal("the list stayed after taking a value")
	}
	press(f, "tab") // now tab moves on
	if p, _, _ := f.FocusedText(); p != "/city" {
		t.Fatalf("tab after taking went to %s", p)
	}
	// suggestions belong to their field
	f.SetSuggestions("/country", []string{"Spain"}, 0, false)
	if f.Suggestions() != nil {
		t.Fatal("another field's suggestions show")
	}
	// esc closes (and the caller sees Close enabled so esc reaches the form)
	f.SetSuggestions("/city", []string{"Paris", "Lyon"}, 0, false)
	if !f.KeyMap().Close.Enabled() {
		t.Fatal("Close is not enabled while suggestions show")
	}
	press(f, "esc")
	if f.Suggestions() != nil || f.KeyMap().Close.Enabled() {
		t.Fatal("esc did not close the list")
	}
	// enter takes too (once engaged); a sole value equal to the text hides the list
	f.SetSuggestions("/city", []string{"Paris", "Lyon"}, 0, false)
	press(f, "down", "enter")
	if _, text, _ := f.FocusedText(); text != "Paris" {
		t.Fatalf("enter took %q", text)
	}
	f.SetSuggestions("/city", []string{"Paris"}, 0, false)
	if f.Suggestions() != nil {
		t.Fatal("a list with only the current text shows")
	}
	// no values clear it
	f.SetSuggestions("/city", []string{"Paris", "Pau"}, 0, false)
	f.SetSuggestions("/city", nil, 0, false)
	if f.Suggestions() != nil {
		t.Fatal("nil values did not clear")
	}
}

func TestSuggestionsAreSanitised(t *testing.T) {
	f := newForm(t, tripSchema)
	f.SetSuggestions("/country", []string{"Evil\x1b]0;title\aland", "Ok"}, 0, false)
	for _, s := range f.Suggestions() {
		if strings.ContainsAny(s, "\x1b\a") {
			t.Fatalf("unsanitised suggestion %q", s)
		}
	}
	if strings.Contains(f.View(), "\x1b]0;") {
		t.Fatal("an OSC reached the view")
	}
}

func TestGoldenSuggestions(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			f := newForm(t, tripSchema, Options{Styles: DefaultStyles(true), Width: sz[0], Height: sz[1]})
			typeText(f, "a")
			f.SetSuggestions("/country", []string{"France", "Germany", "Italy", "Japan", "Portugal", "Spain", "Canada", "Panama"}, 40, true)
			press(f, "down")
			golden.RequireEqual(t, f.View())
		})
	}
}

// A long option list and a long suggestion list scroll to keep the cursor
// in their middle: the choices either side of it stay in sight.
func TestLongListsKeepTheCursorInTheMiddle(t *testing.T) {
	var opts, vals []string
	for i := range 20 {
		opts = append(opts, fmt.Sprintf("%q", fmt.Sprintf("opt%02d", i)))
		vals = append(vals, fmt.Sprintf("val%02d", i))
	}
	f := newForm(t, `{"type":"object","properties":{"e":{"enum":[`+strings.Join(opts, ",")+`]}}}`, Options{Width: 60, Height: 30})
	press(f, "enter")
	for range 10 {
		press(f, "down")
	}
	v := plainView(f)
	if !strings.Contains(v, "opt06") || strings.Contains(v, "opt05") || !strings.Contains(v, "› ○ opt10") || !strings.Contains(v, "opt13") || strings.Contains(v, "opt14") {
		t.Fatalf("option list at 10:\n%s", v)
	}
	press(f, "pgdown", "pgdown")
	if v := plainView(f); !strings.Contains(v, "› ○ opt19") || !strings.Contains(v, "opt12") || strings.Contains(v, "opt11") {
		t.Fatalf("option list at the end:\n%s", v)
	}

	g := newForm(t, tripSchema, Options{Width: 60, Height: 30})
	g.SetSuggestions("/country", vals, 0, false)
	for range 8 {
		press(g, "down")
	}
	v = plainView(g)
	if !strings.Contains(v, "val04") || strings.Contains(v, "val03") || !strings.Contains(v, "› val07") || !strings.Contains(v, "val09") || strings.Contains(v, "val10") {
		t.Fatalf("suggestions at 7:\n%s", v)
	}
}
