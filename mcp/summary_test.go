package mcp

import (
	"strings"
	"testing"
)

// TestSummaryOfServerRequestsAndAnswers: the log line of a server's
// sampling and elicitation requests, and of the client's answers, says
// what was asked and what was answered (an elicitation result's "content"
// is an object, not a tool result's block list).
func TestSummaryOfServerRequestsAndAnswers(t *testing.T) {
	for _, c := range []struct {
		name string
		e    Event
		want []string
	}{
		{"elicitation request", Event{Kind: KindMessage, RPC: RPCRequest, Method: "elicitation/create", ID: "1",
			Raw: []byte(`{"jsonrpc":"2.0","id":1,"method":"elicitation/create","params":{"message":"Please provide inputs","requestedSchema":{"type":"object"}}}`)},
			[]string{"#1", `"Please provide inputs"`}},
		{"url elicitation request", Event{Kind: KindMessage, RPC: RPCRequest, Method: "elicitation/create", ID: "2",
			Raw: []byte(`{"jsonrpc":"2.0","id":2,"method":"elicitation/create","params":{"mode":"url","message":"Sign in","url":"https://example.test/a","elicitationId":"e1"}}`)},
			[]string{"#2", "https://example.test/a", `"Sign in"`}},
		{"sampling request", Event{Kind: KindMessage, RPC: RPCRequest, Method: "sampling/createMessage", ID: "3",
			Raw: []byte(`{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"What is 2+2?"}}],"maxTokens":100}}`)},
			[]string{"#3", "1 messages", `"What is 2+2?"`, "maxTokens 100"}},
		{"elicitation answer", Event{Kind: KindMessage, RPC: RPCResponse, Dir: DirOut, ReqMethod: "elicitation/create", ID: "1",
			Raw: []byte(`{"jsonrpc":"2.0","id":1,"result":{"action":"accept","content":{"name":"Ada"}}}`)},
			[]string{"#1 elicitation/create", `accept {"name":"Ada"}`}},
		{"elicitation decline", Event{Kind: KindMessage, RPC: RPCResponse, Dir: DirOut, ID: "1",
			Raw: []byte(`{"jsonrpc":"2.0","id":1,"result":{"action":"decline"}}`)},
			[]string{"#1 decline"}},
		{"sampling answer", Event{Kind: KindMessage, RPC: RPCResponse, Dir: DirOut, ReqMethod: "sampling/createMessage", ID: "3",
			Raw: []byte(`{"jsonrpc":"2.0","id":3,"result":{"role":"assistant","content":{"type":"text","text":"4"},"model":"human","stopReason":"endTurn"}}`)},
			[]string{"#3 sampling/createMessage", `assistant "4"`, "model human"}},
		{"odd types keep the rest", Event{Kind: KindMessage, RPC: RPCRequest, Method: "sampling/createMessage", ID: "5",
			Raw: []byte(`{"jsonrpc":"2.0","id":5,"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"hi"}}],"maxTokens":1000.0,"url":7}}`)},
			[]string{"#5", "1 messages", `"hi"`}},
		{"odd maxTokens is left out", Event{Kind: KindMessage, RPC: RPCRequest, Method: "sampling/createMessage", ID: "6",
			Raw: []byte(`{"jsonrpc":"2.0","id":6,"method":"sampling/createMessage","params":{"messages":[],"maxTokens":"lots"}}`)},
			[]string{"#6"}},
		{"tool result still", Event{Kind: KindMessage, RPC: RPCResponse, ReqMethod: "tools/call", ID: "4",
			Raw: []byte(`{"jsonrpc":"2.0","id":4,"result":{"content":[{"type":"text","text":"hi"},{"type":"image","data":"","mimeType":"image/png"}]}}`)},
			[]string{"#4 tools/call", `"hi" [image]`}},
	} {
		got := c.e.Summary()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: summary %q lacks %q", c.name, got, w)
			}
		}
	}
}

// TestOutgoingAnswerNamesTheRequest: the event of the client's answer to
// a server request carries the request's method, like incoming answers do.
func TestOutgoingAnswerNamesTheRequest(t *testing.T) {
	m := &outMsg{raw: []byte(`{"jsonrpc":"2.0","id":0,"result":{"roots":[]}}`), rpc: RPCResponse, answers: "roots/list", id: "0"}
	e := m.event()
	if e.Method != "" || e.ReqMethod != "roots/list" {
		t.Fatalf("answer event: Method %q ReqMethod %q; want the method as ReqMethod only", e.Method, e.ReqMethod)
	}
	if s := e.Summary(); !strings.Contains(s, "roots/list 0 roots") {
		t.Fatalf("summary %q", s)
	}
	r := &outMsg{raw: []byte(`{"jsonrpc":"2.0","id":5,"method":"ping"}`), rpc: RPCRequest, method: "ping", id: "5"}
	if e := r.event(); e.Method != "ping" || e.ReqMethod != "" {
		t.Fatalf("request event: Method %q ReqMethod %q", e.Method, e.ReqMethod)
	}
}

// A member of the wrong type is left out, not shown as a zero.
func TestSummaryLeavesOutOddMembers(t *testing.T) {
	e := Event{Kind: KindMessage, RPC: RPCRequest, Method: "sampling/createMessage", ID: "5",
		Raw: []byte(`{"jsonrpc":"2.0","id":5,"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"hi"}}],"maxTokens":1000.5}}`)}
	if s := e.Summary(); strings.Contains(s, "maxTokens 0") || !strings.Contains(s, `"hi"`) {
		t.Fatalf("summary %q", s)
	}
}
