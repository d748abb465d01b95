package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

// A server request nests under the call that caused it: the detail of the
// call lists it with its offset, its own detail and the timeline name the
// call, and its dialog says which call it came during.
func TestServerRequestsUnderTheirCall(t *testing.T) {
	m := newTestModel(t, 140, 45, "")
	f := demoSession()
	f.req(20, "tools/call", `{"name":"echo","arguments":{"text":"x"}}`)
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "POST", Via: "20", RPC: mcp.RPCRequest, Method: "sampling/createMessage", ID: `"s1"`,
		Raw: json.RawMessage(`{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}}`)})
	f.add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCResponse, ID: `"s1"`, ReqMethod: "sampling/createMessage",
		Raw: json.RawMessage(`{"jsonrpc":"2.0","id":"s1","result":{"role":"assistant","content":{"type":"text","text":"hi"},"model":"m"}}`)})
	f.resp(20, "tools/call", `{"content":[{"type":"text","text":"x"}]}`)
	m.update(eventsMsg(f.evs[len(f.evs)-4:]))

	press(m, "alt+3") // the log; it follows: the call's answer is selected
	m.update(keyMsg("enter"))
	s := plain(m)
	for _, want := range []string{"1 server request(s) during it:", "+7.0ms", "↳← sampling/createMessage #s1"} {
		if !strings.Contains(s, want) {
			t.Errorf("the call's detail lacks %q:\n%s", want, s)
		}
	}
	press(m, "left") // the answer to the server's request
	if s := plain(m); !strings.Contains(s, "during → tools/call echo #20, +7.0ms after it started (on its response stream)") {
		t.Errorf("the server request's detail does not name its call:\n%s", s)
	}
	press(m, "esc", "W")
	if s := plain(m); !strings.Contains(s, "↳← sampling/createMessage") || !strings.Contains(s, "during → tools/call echo #20, +7.0ms") {
		t.Errorf("the timeline does not nest it:\n%s", s)
	}
	// a new request on the same stream: its dialog names the call
	ask(t, m, "sampling/createMessage", `{"messages":[],"maxTokens":5}`, `"s1"`)
	if s := plain(m); !strings.Contains(s, "during → tools/call echo #20") {
		t.Errorf("the dialog does not name the call:\n%s", s)
	}
}
