package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

func TestDefaults(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{
		"name":{"type":"string","default":"John Doe"},"age":{"type":"integer","default":30},
		"score":{"type":"number","default":95.5},"status":{"type":"string","enum":["active","inactive"],"default":"active"},
		"verified":{"type":"boolean","default":true},"color":{"type":"string","enum":["red","blue"]},
		"n":{"type":"integer"},"opt":{"type":"string"}},"required":["color","n"]}`)
	content, missing := Defaults(schema)
	b, _ := json.Marshal(content)
	want := `{"age":30,"name":"John Doe","score":95.5,"status":"active","verified":true}`
	if string(b) != want || strings.Join(missing, ",") != "color,n" {
		t.Fatalf("got %s %v\nwant %s [color n]", b, missing, want)
	}
}

// accept-defaults never makes a value up: a required field without a
// default, or content the requested schema rejects, is declined, and the
// Note says why. (Before: {"name": ""} was sent for a required name.)
func TestAcceptDeclinesWhatItCannotSatisfy(t *testing.T) {
	var notes []string
	answer := func(policy, params string) string {
		t.Helper()
		p, err := Parse(policy, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Note = func(s string) { notes = append(notes, s) }
		got, err := p.Answer("elicitation/create", json.RawMessage(params))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(got)
		return string(b)
	}
	name := `{"message":"Who are you?","requestedSchema":{"type":"object","properties":{"name":{"type":"string"},"n":{"type":"integer","default":3}},"required":["name"]}}`
	if got := answer("accept-defaults", name); got != `{"action":"decline"}` {
		t.Fatalf("required without default: %s", got)
	}
	if len(notes) != 1 || notes[0] != `declined the elicitation "Who are you?": required field "name" has no default (give it with --elicitation accept:JSON)` {
		t.Fatalf("notes %q", notes)
	}
	if got := answer(`accept:{"name":"Ada"}`, name); got != `{"action":"accept","content":{"n":3,"name":"Ada"}}` {
		t.Fatalf("accept:JSON fills it: %s", got)
	}
	// The answer is validated: a default the schema itself rejects, or a
	// value of the wrong type from accept:JSON.
	notes = nil
	bad := `{"message":"m","requestedSchema":{"type":"object","properties":{"email":{"type":"string","format":"email","default":"nope"}}}}`
	if got := answer("accept-defaults", bad); got != `{"action":"decline"}` || len(notes) != 1 || !strings.Contains(notes[0], "/email") {
		t.Fatalf("invalid default: %s %q", got, notes)
	}
	notes = nil
	if got := answer(`accept:{"name":7}`, name); got != `{"action":"decline"}` || len(notes) != 1 || !strings.Contains(notes[0], "would not satisfy the requested schema: /name") {
		t.Fatalf("wrong type: %s %q", got, notes)
	}
	notes = nil
	two := `{"message":"m","requestedSchema":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"boolean"}},"required":["a","b"]}}`
	if answer("accept-defaults", two); len(notes) != 1 || !strings.Contains(notes[0], `required fields "a", "b" have no default (give them`) {
		t.Fatalf("two missing: %q", notes)
	}
	// Everything has a default: accepted as before.
	if got := answer("accept-defaults", `{"message":"m","requestedSchema":{"type":"object","properties":{"x":{"type":"string","default":"y"}},"required":["x"]}}`); got != `{"action":"accept","content":{"x":"y"}}` {
		t.Fatalf("defaults: %s", got)
	}
}

func TestAnswers(t *testing.T) {
	p, err := Parse("decline", "reply:Paris", []string{"/tmp"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := p.Answer("elicitation/create", json.RawMessage(`{"message":"x","requestedSchema":{}}`))
	if b, _ := json.Marshal(got); string(b) != `{"action":"decline"}` {
		t.Fatalf("decline: %s", b)
	}
	got, _ = p.Answer("sampling/createMessage", nil)
	if b, _ := json.Marshal(got); string(b) != `{"content":{"text":"Paris","type":"text"},"model":"sonde-headless","role":"assistant","stopReason":"endTurn"}` {
		t.Fatalf("sampling: %s", b)
	}
	got, _ = p.Answer("roots/list", nil)
	if b, _ := json.Marshal(got); string(b) != `{"roots":[{"name":"tmp","uri":"file:///tmp"}]}` {
		t.Fatalf("roots: %s", b)
	}
	p, _ = Parse("", "reject", nil)
	_, err = p.Answer("sampling/createMessage", nil)
	if re, ok := err.(*mcp.RPCError); !ok || re.Code != -1 {
		t.Fatalf("reject: %v", err)
	}
	if _, err := p.Answer("roots/list", nil); err == nil {
		t.Fatalf("roots without --root must be refused")
	}
	if _, err := Parse("maybe", "", nil); err == nil {
		t.Fatalf("bad policy accepted")
	}
	if string(p.Capabilities()) != `{"sampling":{}}` {
		t.Fatalf("caps %s", p.Capabilities())
	}
}

// The template and accept:JSON forms: the same policies the UI's "answer
// all like this" rules use.
func TestTemplateAndFixedContent(t *testing.T) {
	p, err := Parse(`accept:{"email":"ada@example.com","n":7}`, "template:You asked: {{message}} ({{system}})", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := p.Answer("sampling/createMessage", json.RawMessage(`{"systemPrompt":"be brief","messages":[
		{"role":"user","content":{"type":"text","text":"first"}},
		{"role":"assistant","content":{"type":"text","text":"ok"}},
		{"role":"user","content":[{"type":"image","data":"","mimeType":"image/png"},{"type":"text","text":"What is the capital of France?"}]}]}`))
	if b, _ := json.Marshal(got); string(b) != `{"content":{"text":"You asked: What is the capital of France? (be brief)","type":"text"},"model":"sonde-headless","role":"assistant","stopReason":"endTurn"}` {
		t.Fatalf("template: %s", b)
	}
	got, _ = p.Answer("elicitation/create", json.RawMessage(`{"message":"x","requestedSchema":{"type":"object","properties":{
		"name":{"type":"string","default":"Ada"},"email":{"type":"string"},"n":{"type":"integer"}},"required":["email"]}}`))
	if b, _ := json.Marshal(got); string(b) != `{"action":"accept","content":{"email":"ada@example.com","n":7,"name":"Ada"}}` {
		t.Fatalf("accept:JSON: %s", b)
	}
	for _, bad := range [][2]string{{"accept:[1]", ""}, {"accept:", ""}, {"", "template"}, {"", "replay:x"}} {
		if _, err := Parse(bad[0], bad[1], nil); err == nil {
			t.Errorf("Parse(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
