package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"red \x1b[31mtext\x1b[0m", "red text"},
		{"title \x1b]0;owned\x07 bar", "title  bar"},
		{"osc8 \x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\", "osc8 link"},
		{"dcs \x1bP1$r\x1b\\ x", "dcs  x"},
		{"bell\x07 bs\x08 nul\x00 del\x7f", "bell bs nul del"},
		// An 8-bit CSI introduces a sequence: its parameters go with it.
		{"c1 \u009b2J \u0085next", "c1  next"},
		{"raw c1 \x9b2J", "raw c1 \ufffd2J"},
		{"bidi \u202eevil\u202c \u2066x\u2069", "bidi evil x"},
		{"keep\nnewlines\r\nand\ttabs", "keep\nnewlines\nand tabs"},
		{"emoji 👩‍💻 and 日本語", "emoji 👩‍💻 and 日本語"},
	}
	for _, c := range cases {
		if got := Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := SanitizeLine(" a\n\tb \x1b[1m c "); got != "a b c" {
		t.Errorf("SanitizeLine = %q", got)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"a\x1b[31mb", "\x9b\x1b]0;x\x07", "\u202e\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		for _, r := range out {
			if r == '\x1b' || (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("Sanitize(%q) = %q keeps %U", s, out, r)
			}
		}
		if strings.Contains(SanitizeLine(s), "\n") {
			t.Fatal("SanitizeLine kept a newline")
		}
	})
}

func TestSchemaForPromptArgs(t *testing.T) {
	raw := SchemaForPromptArgs([]PromptArg{
		{Name: "code", Description: "The code to review", Required: true},
		{Name: "style", Title: "Style"},
		{Name: ""},
		{Name: "code", Description: "duplicate"},
	})
	want := `{"type":"object","properties":{"code":{"type":"string","description":"The code to review"},"style":{"type":"string","title":"Style"}},"required":["code"]}`
	if string(raw) != want {
		t.Fatalf("got  %s\nwant %s", raw, want)
	}
	s := mustCompile(t, string(raw))
	requireErrors(t, s.Validate(json.RawMessage(`{"style":1}`)), "/code: is required", "/style: must be a string (got number)")
	n := s.Root()
	if c := prop(t, n, "code"); !c.Required || c.Kind != KindString {
		t.Fatal("code")
	}
	if empty := SchemaForPromptArgs(nil); string(empty) != `{"type":"object","properties":{}}` {
		t.Fatalf("empty: %s", empty)
	}
}

func TestSchemaForTemplate(t *testing.T) {
	raw := SchemaForTemplate("file:///{+path}/logs{?since,level}{#frag}/{path}/{id:3}{/seg*}")
	s := mustCompile(t, string(raw))
	n := s.Root()
	var names []string
	for _, p := range n.Properties() {
		if p.Kind != KindString || !p.Required {
			t.Fatalf("%s: %v required=%v", p.Name, p.Kind, p.Required)
		}
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "path,since,level,frag,id,seg" {
		t.Fatalf("variables %s", got)
	}
	if d := prop(t, n, "since").Description; d != "in {?since,level}" {
		t.Fatalf("description %q", d)
	}
	requireErrors(t, s.Validate(json.RawMessage(`{"path":"a","since":"x","level":"y","frag":"f","id":"1"}`)), "/seg: is required")

	vars := TemplateVariables("{id:3}{/seg*}")
	if vars[0].Prefix != 3 || vars[1].Operator != "/" || !vars[1].Explode {
		t.Fatalf("modifiers: %+v", vars)
	}
	if got := TemplateVariables("no vars {unclosed"); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
}
