package mcp

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// One member of the wrong type must not blank the rest of a view.
func TestViewsAreLenient(t *testing.T) {
	c := DecodeContent(json.RawMessage(`{"type":"text","text":"hi","size":"big","annotations":{"priority":1}}`))
	if c.Type != "text" || c.Text != "hi" || c.Size != nil || len(c.Annotations) == 0 {
		t.Fatalf("content %+v", c)
	}
	c = DecodeContent(json.RawMessage(`{"type":"resource","resource":{"uri":"x://a","text":"body","mimeType":7}}`))
	if c.Resource == nil || c.Resource.URI != "x://a" || c.Resource.Text == nil || *c.Resource.Text != "body" {
		t.Fatalf("resource %+v", c.Resource)
	}
	c = DecodeContent(json.RawMessage(`{"type":"hologram","depth":3}`))
	if c.Type != "hologram" || !strings.Contains(string(c.Raw), "depth") {
		t.Fatalf("unknown type %+v", c)
	}
	it := DecodeItem(json.RawMessage(`{"name":"t","title":5,"description":"d","annotations":{"readOnlyHint":true,"destructiveHint":true,"openWorldHint":true}}`))
	if it.Name != "t" || it.Description != "d" || it.DisplayName() != "t" || strings.Join(it.Annotations.Badges(), ",") != "read-only,open-world" {
		t.Fatalf("item %+v badges %v", it, it.Annotations.Badges())
	}
}

// FirstLine cuts at a character boundary: a cut inside a multi-byte
// character left invalid UTF-8 in `sonde tools` (found when a hostile
// fixture's description moved the cut into U+2066).
func TestFirstLineCutsWholeCharacters(t *testing.T) {
	s := "ab\u2066cd"
	for max := 1; max <= len(s); max++ {
		got := FirstLine(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("FirstLine(%q, %d) = %q: invalid UTF-8", s, max, got)
		}
	}
	if got := FirstLine(s, 3); got != "ab…" {
		t.Fatalf("got %q", got)
	}
}
