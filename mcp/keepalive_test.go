package mcp

import (
	"io"
	"strings"
	"testing"
)

// decodeSSEWith runs an SSE stream through the decode path of a session
// configured with cfg (DecodeSSE with a config).
func decodeSSEWith(t *testing.T, cfg Config, in string) []Event {
	t.Helper()
	var out []Event
	cfg.OnEvent = func(e Event) { out = append(out, e) }
	s := newSession(cfg)
	defer s.cancel()
	res := readSSEStream(&tlink{s: s}, newTap(io.NopCloser(strings.NewReader(in)), 0), "GET", "", cfg.maxMessage(), func(string) {})
	if res.err != nil {
		t.Fatalf("decoding: %v", res.err)
	}
	return out
}

// Keepalive data messages (not JSON-RPC, not comments) are keepalives,
// never "invalid JSON-RPC" errors: the built-in shapes, and the user's
// rules (MEMBER=VALUE, /REGEXP/). Before, each was an error event.
func TestKeepaliveDataMessages(t *testing.T) {
	var rules []KeepaliveRule
	for _, r := range []string{"op=hb", "/^alive /"} {
		kr, err := ParseKeepaliveRule(r)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, kr)
	}
	in := `data: {"type":"keepalive"}` + "\n\n" +
		`data: {"event": "heartbeat", "ts": 17}` + "\n\n" +
		"data: ping\n\n" +
		`data: {"op":"hb","n":1}` + "\n\n" +
		"data: alive since 12:00\n\n" +
		`event: status` + "\n" + `data: {"kind":"pong"}` + "\n\n" +
		`data: {"op":"other"}` + "\n\n" +
		`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}` + "\n\n"
	events := decodeSSEWith(t, Config{KeepaliveMatch: rules}, in)
	if len(events) != 8 {
		t.Fatalf("%d events, want 8", len(events))
	}
	for i, e := range events[:6] {
		if !e.IsKeepalive() || e.Kind != KindSSE || e.Err != "" {
			t.Errorf("event %d (%s %q %s): kind %s keepalive %v err %q; want a keepalive", i, e.SSEEvent, e.Text, e.Raw, e.Kind, e.IsKeepalive(), e.Err)
		}
	}
	if events[0].Label() != "keepalive" || events[5].Label() != "sse:status" {
		t.Errorf("labels %q %q", events[0].Label(), events[5].Label())
	}
	if string(events[0].Raw) != `{"type":"keepalive"}` || events[2].Text != "ping" {
		t.Errorf("payloads kept: %s %q", events[0].Raw, events[2].Text)
	}
	if e := events[6]; e.IsKeepalive() || e.Kind != KindError {
		t.Errorf("a non-keepalive object that is not JSON-RPC: kind %s keepalive %v", e.Kind, e.IsKeepalive())
	}
	if e := events[7]; e.IsKeepalive() || e.Kind != KindMessage {
		t.Errorf("a JSON-RPC notification: kind %s keepalive %v", e.Kind, e.IsKeepalive())
	}
}

func TestParseKeepaliveRule(t *testing.T) {
	for _, bad := range []string{"", "=x", "nothing", "/(/"} {
		if _, err := ParseKeepaliveRule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, c := range []struct {
		rule, data string
		want       bool
	}{
		{"alive=true", `{"alive":true}`, true},
		{"alive=true", `{"alive":"true"}`, true},
		{"alive=true", `{"alive":false}`, false},
		{"n=1", `{"n": 1 }`, true},
		{"type=hb", `["type","hb"]`, false},
		{"/hb/", `{"type":"hb"}`, true},
	} {
		r, err := ParseKeepaliveRule(c.rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := isKeepaliveData([]byte(c.data), []KeepaliveRule{r}); got != c.want {
			t.Errorf("%s on %s: %v, want %v", c.rule, c.data, got, c.want)
		}
	}
}

// Named events: JSON data is shown as JSON (Raw) whatever the name; a
// JSON-RPC message in a named event is routed like any other; text stays
// text. None of it is an error. Before, every named event's data was text.
func TestNamedEventsDecoded(t *testing.T) {
	in := "event: tools\n" + `data: [{"name":"add","description":"adds"}]` + "\n\n" +
		"event: result\n" + `data: {"session_id":"s1","result":3}` + "\n\n" +
		"event: error\n" + `data: {"error":"no such tool"}` + "\n\n" +
		"event: result\n" + `data: {"jsonrpc":"2.0","id":4,"result":{}}` + "\n\n" +
		"event: status\ndata: ready to serve\n\n" +
		"event: tools\ndata: [not json\n\n"
	events := decodeSSEWith(t, Config{}, in)
	if len(events) != 6 {
		t.Fatalf("%d events", len(events))
	}
	for i, e := range events[:3] {
		if e.Kind != KindSSE || len(e.Raw) == 0 || e.Text != "" || e.Err != "" {
			t.Errorf("event %d %s: kind %s raw %s text %q err %q; want JSON in Raw", i, e.SSEEvent, e.Kind, e.Raw, e.Text, e.Err)
		}
	}
	if got := events[0].Summary(); got != `[{"name":"add","description":"adds"}]` {
		t.Errorf("summary %q", got)
	}
	if e := events[3]; e.Kind != KindMessage || e.RPC != RPCResponse || e.SSEEvent != "result" || e.ID != "4" {
		t.Errorf("JSON-RPC in event: result: kind %s rpc %s event %q id %q", e.Kind, e.RPC, e.SSEEvent, e.ID)
	}
	for i, e := range events[4:] {
		if e.Kind != KindSSE || len(e.Raw) != 0 || e.Text == "" || e.Err != "" {
			t.Errorf("text event %d: kind %s raw %s text %q err %q", i, e.Kind, e.Raw, e.Text, e.Err)
		}
	}
}

func TestCompactStart(t *testing.T) {
	if got := compactStart([]byte("{\n  \"a b\": [1, 2],\n  \"c\": \"x\\\" y\"\n}"), 100); got != `{"a b":[1,2],"c":"x\" y"}` {
		t.Errorf("%q", got)
	}
	if got := compactStart([]byte(`{"aaaaaaaaaa":1}`), 5); got != `{"aaa…` {
		t.Errorf("%q", got)
	}
}
