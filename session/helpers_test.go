package session

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

var t0 = time.Date(2026, 11, 22, 3, 10, 1, 123456789, time.UTC)

func msg(dir mcp.Dir, rpc mcp.RPCType, method, id, reqMethod, raw string) mcp.Event {
	return mcp.Event{Dir: dir, Kind: mcp.KindMessage, RPC: rpc, Method: method, ID: id, ReqMethod: reqMethod, Raw: json.RawMessage(raw)}
}

// seq numbers events and spaces them a millisecond apart.
func seq(evs ...mcp.Event) []mcp.Event {
	for i := range evs {
		evs[i].Seq = uint64(i + 1)
		evs[i].Time = t0.Add(time.Duration(i) * time.Millisecond)
	}
	return evs
}

func req(id int, method, params string) mcp.Event {
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q`, id, method)
	if params != "" {
		raw += `,"params":` + params
	}
	return msg(mcp.DirOut, mcp.RPCRequest, method, fmt.Sprint(id), "", raw+"}")
}

func resp(id int, method, result string) mcp.Event {
	return msg(mcp.DirIn, mcp.RPCResponse, "", fmt.Sprint(id), method, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%s}`, id, result))
}

func note(method, params string) mcp.Event {
	return msg(mcp.DirIn, mcp.RPCNotification, method, "", "", fmt.Sprintf(`{"jsonrpc":"2.0","method":%q,"params":%s}`, method, params))
}

func connected(caps string, reconnects int) mcp.Event {
	return mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{Transport: mcp.TransportHTTP,
		Protocol: "2025-11-25", Era: "legacy", SessionID: "S1", Server: json.RawMessage(`{"name":"demo","version":"1.0"}`),
		Capabilities: json.RawMessage(caps), Reconnects: reconnects}}
}

// synth builds a plausible session of n events, one millisecond apart:
// connecting, connected, then cycles of a tools/call request, a progress
// notification, a keepalive comment and the answer; every 50th answer is
// an error, every 7th cycle also lists tools.
func synth(n int) []mcp.Event {
	evs := make([]mcp.Event, 0, n)
	add := func(e mcp.Event) {
		if len(evs) < n {
			e.Seq = uint64(len(evs) + 1)
			e.Time = t0.Add(time.Duration(len(evs)) * time.Millisecond)
			evs = append(evs, e)
		}
	}
	add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "http://127.0.0.1:9/mcp"})
	add(connected(`{"tools":{}}`, 0))
	for id := 1; len(evs) < n; id++ {
		if id%7 == 1 {
			add(req(id, "tools/list", ""))
			add(resp(id, "tools/list", fmt.Sprintf(`{"tools":[{"name":"echo","inputSchema":{"type":"object"}},{"name":"t%d","inputSchema":{"type":"object"}}]}`, id)))
			continue
		}
		add(req(id, "tools/call", fmt.Sprintf(`{"name":"echo","arguments":{"message":"hello %d"},"_meta":{"progressToken":%d}}`, id, id)))
		add(note("notifications/progress", fmt.Sprintf(`{"progressToken":%d,"progress":1}`, id)))
		add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindComment, Stream: "GET", Text: "ping"})
		if id%50 == 0 {
			add(msg(mcp.DirIn, mcp.RPCErrorResponse, "", fmt.Sprint(id), "tools/call", fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":-32602,"message":"bad"}}`, id)))
		} else {
			e := resp(id, "tools/call", fmt.Sprintf(`{"content":[{"type":"text","text":"hello %d"}]}`, id))
			e.Latency = 2 * time.Millisecond
			add(e)
		}
	}
	return evs
}

// applied applies evs and returns the state.
func (s *State) applied(evs []mcp.Event) *State {
	for _, e := range evs {
		s.Apply(e)
	}
	return s
}
