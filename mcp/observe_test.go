package mcp

import (
	"strings"
	"sync"
	"testing"
)

// TestObserverPairsBothWays: a watched client's requests and the server's
// answers (on an SSE stream, twice, to an unseen id), and a server
// request answered by the client, come out as sonde's own would.
func TestObserverPairsBothWays(t *testing.T) {
	var mu sync.Mutex
	var got []Event
	em := NewEmitter(EmitterOptions{Secrets: []string{"tok-secret-1234"}, OnEvent: func(e Event) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}})
	ob := NewObserver(ObserverOptions{Emitter: em, Transport: TransportHTTP})
	ob.FromClient(&Event{Stream: "POST", Raw: []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"agent","version":"9"}}}`)})
	ob.FromServer(&Event{Stream: "POST", Raw: []byte(`{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"srv","version":"1"}}}`)})
	ob.FromClient(&Event{Stream: "POST", Raw: []byte(`[{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","arguments":{"k":"tok-secret-1234"}}},{"jsonrpc":"2.0","method":"notifications/progress"}]`)})
	stream := ": ping\n\nevent: keepalive\ndata: {}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"sampling/createMessage\",\"params\":{}}\n\n" +
		"id: 7\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\n\n" +
		"data: {not json\n\n"
	if err := ob.ServerStream(strings.NewReader(stream), "POST", "2", nil); err != nil {
		t.Fatal(err)
	}
	ob.FromClient(&Event{Stream: "POST", Raw: []byte(`{"jsonrpc":"2.0","id":"s1","result":{}}`)})
	em.Close()

	var lines []string
	for _, e := range got {
		lines = append(lines, FormatLine(e))
		if strings.Contains(string(e.Raw), "tok-secret-1234") {
			t.Fatalf("a secret in %s", FormatLine(e))
		}
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"→ POST   initialize",
		"← POST   result                 #1 initialize",
		"connected              http 2025-06-18 · srv 1 · tapped: client agent 9",
		"→ POST   tools/call             #2",
		"→ POST   notifications/progress",
		"← POST   comment                : ping",
		"← POST   sse:keepalive",
		"← POST   sampling/createMessage",
		"← POST   result                 #2 tools/call",
		"duplicate answer",
		"did not see the client send",
		"invalid JSON from the server",
		"→ POST   result                 #s1 sampling/createMessage",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
	var seq uint64
	for _, e := range got {
		if e.Seq != seq+1 {
			t.Fatalf("seq %d after %d", e.Seq, seq)
		}
		seq = e.Seq
		if e.Kind == KindState && (e.Info == nil || !e.Info.Tapped) {
			t.Fatalf("the connected state is not marked tapped: %+v", e.Info)
		}
	}
}
