package policy

import (
	"encoding/json"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

func TestDefaults(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{
		"name":{"type":"string","default":"John Doe"},"age":{"type":"integer","default":30},
		"score":{"type":"number","default":95.5},"status":{"type":"string","enum":["active","inactive"],"default":"active"},
		"verified":{"type":"boolean","default":true},"color":{"type":"string","enum":["red","blue"]},
		"n":{"type":"integer"},"opt":{"type":"string"}},"required":["color","n"]}`)
	b, _ := json.Marshal(Defaults(schema))
	want := `{"age":30,"color":"red","n":0,"name":"John Doe","score":95.5,"status":"active","verified":true}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
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
