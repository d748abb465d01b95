// Command bench-fixtures writes a synthetic recording of N events for
// scripts/bench-fixtures.sh: a Streamable HTTP session whose every ten
// events are a tool call with its own arguments (so every request has a
// key of its own, the index's worst case), a priming event, two progress
// notifications and a log message on its POST stream, its answer, a ping
// and its answer, a keepalive comment and a resource update on the GET
// stream.
//
//	go run ./scripts/bench-fixtures -n 1000000 -o big.jsonl
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

func main() {
	n := flag.Int("n", 10000, "events")
	out := flag.String("o", "", "the recording to write")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "bench-fixtures: -o FILE")
		os.Exit(2)
	}
	if err := write(*out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench-fixtures:", err)
		os.Exit(1)
	}
}

func write(path string, n int) error {
	rec, err := store.NewRecorder(store.RecorderOptions{Path: path, MaxQueue: 1 << 40, SyncEvery: -1,
		Header: store.Header{Target: "http://127.0.0.1:9/mcp", Transport: mcp.TransportAuto}})
	if err != nil {
		return err
	}
	t0 := time.Date(2026, 11, 22, 3, 10, 1, 0, time.UTC)
	count := 0
	add := func(e mcp.Event) {
		if count < n {
			count++
			e.Seq = uint64(count)
			e.Time = t0.Add(time.Duration(count) * time.Millisecond)
			rec.Record(e)
		}
	}
	msg := func(dir mcp.Dir, stream string, rpc mcp.RPCType, method, id, raw string) mcp.Event {
		return mcp.Event{Dir: dir, Kind: mcp.KindMessage, Stream: stream, RPC: rpc, Method: method, ID: id, Raw: json.RawMessage(raw)}
	}
	add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "http://127.0.0.1:9/mcp"})
	add(msg(mcp.DirOut, "POST", mcp.RPCRequest, "initialize", "0", `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`))
	init := msg(mcp.DirIn, "POST", mcp.RPCResponse, "", "0", `{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{},"logging":{},"resources":{"subscribe":true}},"serverInfo":{"name":"bench","version":"1"}}}`)
	init.ReqMethod = "initialize"
	add(init)
	add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{Transport: mcp.TransportHTTP, Protocol: "2025-11-25", Era: "legacy",
		Server: json.RawMessage(`{"name":"bench","version":"1"}`), Capabilities: json.RawMessage(`{"tools":{},"logging":{},"resources":{"subscribe":true}}`)}})
	for i := 1; count < n; i++ {
		id := fmt.Sprint(i)
		add(msg(mcp.DirOut, "POST", mcp.RPCRequest, "tools/call", id, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"work","arguments":{"n":%d,"text":"call number %d"},"_meta":{"progressToken":%d}}}`, i, i, i, i)))
		add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindSSE, Stream: "POST", SSEID: "p" + id, Text: "(empty data)"})
		for step := 1; step <= 2; step++ {
			add(msg(mcp.DirIn, "POST", mcp.RPCNotification, "notifications/progress", "", fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":%d,"progress":%d,"total":2}}`, i, step)))
		}
		add(msg(mcp.DirIn, "POST", mcp.RPCNotification, "notifications/message", "", fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","logger":"work","data":"working on %d"}}`, i)))
		ans := msg(mcp.DirIn, "POST", mcp.RPCResponse, "", id, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"call number %d done"}]}}`, i, i))
		ans.ReqMethod, ans.SSEEvent = "tools/call", "message"
		add(ans)
		add(msg(mcp.DirOut, "POST", mcp.RPCRequest, "ping", "p"+id, fmt.Sprintf(`{"jsonrpc":"2.0","id":"p%d","method":"ping"}`, i)))
		pong := msg(mcp.DirIn, "POST", mcp.RPCResponse, "", "p"+id, fmt.Sprintf(`{"jsonrpc":"2.0","id":"p%d","result":{}}`, i))
		pong.ReqMethod = "ping"
		add(pong)
		add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindComment, Stream: "GET", Text: "keepalive"})
		add(msg(mcp.DirIn, "GET", mcp.RPCNotification, "notifications/resources/updated", "", `{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"bench://clock"}}`))
	}
	return rec.Close()
}
