package mcp

import (
	"encoding/json"
	"strings"
	"testing"
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
