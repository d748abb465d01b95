package session

import (
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

func at(ms int, e mcp.Event) mcp.Event {
	e.Time = t0.Add(time.Duration(ms) * time.Millisecond)
	e.Seq = uint64(ms)
	return e
}

func TestSpans(t *testing.T) {
	evs := []mcp.Event{
		at(0, msg(mcp.DirOut, mcp.RPCRequest, "tools/call", "1", "", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","_meta":{"progressToken":1}}}`)),
		at(1, msg(mcp.DirOut, mcp.RPCRequest, "resources/read", "2", "", `{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"file:///a"}}`)),
		at(2, msg(mcp.DirIn, mcp.RPCNotification, "notifications/progress", "", "", `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}`)),
		at(3, msg(mcp.DirIn, mcp.RPCRequest, "sampling/createMessage", `"s1"`, "", `{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{}}`)),
		at(5, msg(mcp.DirIn, mcp.RPCResponse, "", "2", "resources/read", `{"jsonrpc":"2.0","id":2,"result":{"contents":[]}}`)),
		at(6, msg(mcp.DirOut, mcp.RPCResponse, "", `"s1"`, "", `{"jsonrpc":"2.0","id":"s1","result":{}}`)),
		// 3 starts after 2 ended: it takes 2's lane.
		at(7, msg(mcp.DirOut, mcp.RPCRequest, "tools/call", "3", "", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"bad"}}`)),
		at(8, msg(mcp.DirIn, mcp.RPCResponse, "", "3", "tools/call", `{"jsonrpc":"2.0","id":3,"result":{"content":[],"isError":true}}`)),
		at(9, msg(mcp.DirOut, mcp.RPCRequest, "prompts/get", "4", "", `{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"p"}}`)),
		at(10, msg(mcp.DirIn, mcp.RPCErrorResponse, "", "4", "prompts/get", `{"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"no such prompt"}}`)),
		at(11, msg(mcp.DirOut, mcp.RPCRequest, "tools/call", "5", "", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x"}}`)),
		at(12, msg(mcp.DirOut, mcp.RPCNotification, "notifications/cancelled", "", "", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"timed out"}}`)),
		at(13, msg(mcp.DirOut, mcp.RPCRequest, "tools/call", "6", "", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"y"}}`)),
		at(14, mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindError, ID: "6", ReqMethod: "tools/call", Err: "tools/call (id 6): connection lost"}),
		at(15, msg(mcp.DirOut, mcp.RPCRequest, "tools/list", "7", "", `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`)),
		// A note with an id but no request method does not end a span.
		at(16, mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "7", Text: "response stream ended; resuming"}),
		at(17, msg(mcp.DirOut, mcp.RPCRequest, "server/discover", "8", "", `{"jsonrpc":"2.0","id":8,"method":"server/discover"}`)),
		at(18, mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "8", ReqMethod: "server/discover", Text: "probe: no answer"}),
		// The answer for 1, with the id turned into a string by the server.
		at(20, mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: `"1"`, ReqMethod: "tools/call", Latency: 19 * time.Millisecond, Raw: []byte(`{"jsonrpc":"2.0","id":"1","result":{"content":[]}}`)}),
	}
	var tl Timeline
	for _, e := range evs {
		tl.Add(e)
	}
	spans := tl.Spans()
	type want struct {
		method, name string
		dir          mcp.Dir
		start, end   int // ms; end -1 = open
		lane         int
		err          bool
		progress     int
	}
	wants := []want{
		{"tools/call", "slow", mcp.DirOut, 0, 20, 0, false, 1},
		{"resources/read", "file:///a", mcp.DirOut, 1, 5, 1, false, 0},
		{"sampling/createMessage", "", mcp.DirIn, 3, 6, 2, false, 0},
		{"tools/call", "bad", mcp.DirOut, 7, 8, 1, true, 0},
		{"prompts/get", "p", mcp.DirOut, 9, 10, 1, true, 0},
		{"tools/call", "x", mcp.DirOut, 11, 12, 1, true, 0},
		{"tools/call", "y", mcp.DirOut, 13, 14, 1, true, 0},
		{"tools/list", "", mcp.DirOut, 15, -1, 1, false, 0},
		{"server/discover", "", mcp.DirOut, 17, 18, 2, false, 0},
	}
	if len(spans) != len(wants) {
		t.Fatalf("%d spans: %+v", len(spans), spans)
	}
	for i, w := range wants {
		s := spans[i]
		end := -1
		if s.Done {
			end = int(s.End.Sub(t0) / time.Millisecond)
		}
		if s.Method != w.method || s.Name != w.name || s.Dir != w.dir || int(s.Start.Sub(t0)/time.Millisecond) != w.start ||
			end != w.end || s.Lane != w.lane || s.Error != w.err || s.Progress != w.progress {
			t.Errorf("span %d = %+v, want %+v", i, s, w)
		}
	}
	if spans[0].Latency != 19*time.Millisecond {
		t.Errorf("the answer's own latency wins: %v", spans[0].Latency)
	}
	if !spans[5].Cancelled || spans[5].Err != "cancelled: timed out" || !strings.Contains(spans[4].Err, "no such prompt") ||
		spans[3].Err == "" || spans[6].Err != "tools/call (id 6): connection lost" {
		t.Errorf("errors: %+v / %+v", spans[5], spans[4])
	}
	if spans[8].Note != "probe: no answer" || spans[8].Err != "" {
		t.Errorf("probe span %+v", spans[8])
	}
	if tl.Open() != 1 {
		t.Errorf("open %d", tl.Open())
	}
	if n := MaxConcurrent(spans, t0.Add(time.Second)); n != 3 {
		t.Errorf("peak concurrency %d, want 3", n)
	}
	// Between 8.5 and 9.5 ms: "slow" (0-20) and prompts/get (9-10).
	if got := Between(spans, t0.Add(8500*time.Microsecond), t0.Add(9500*time.Microsecond)); len(got) != 2 || got[0].Name != "slow" || got[1].Name != "p" {
		t.Errorf("between 8.5 and 9.5 ms: %+v", got)
	}
}

func TestTimelineLimit(t *testing.T) {
	tl := Timeline{Limit: 100}
	evs := synth(5000)
	for _, e := range evs {
		tl.Add(e)
	}
	all := Spans(evs)
	spans := tl.Spans()
	if len(spans) > 100+64 || len(spans) < 100 {
		t.Fatalf("%d spans kept with Limit 100", len(spans))
	}
	// The newest spans are those of the full timeline.
	tail := all[len(all)-len(spans):]
	for i := range spans {
		if spans[i].ID != tail[i].ID || spans[i].End != tail[i].End {
			t.Fatalf("span %d: %+v vs %+v", i, spans[i], tail[i])
		}
	}
}
