package store

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

var t0 = time.Date(2026, 11, 22, 3, 10, 1, 123456789, time.UTC)

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
	add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{
		Transport: mcp.TransportHTTP, Protocol: "2025-11-25", Era: "legacy", SessionID: "abc",
		Server: json.RawMessage(`{"name":"synth","version":"1.0"}`)}})
	for id := 1; len(evs) < n; id++ {
		if id%7 == 1 {
			add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCRequest, Method: "tools/list", ID: fmt.Sprint(id),
				Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/list"}`, id))})
			add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCResponse, ID: fmt.Sprint(id), ReqMethod: "tools/list",
				Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}},{"name":"t%d","inputSchema":{"type":"object"}}]}}`, id, id))})
			continue
		}
		add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCRequest, Method: "tools/call", ID: fmt.Sprint(id),
			HTTPMethod: "POST", URL: "http://127.0.0.1:9/mcp", Header: http.Header{"Content-Type": {"application/json"}},
			Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello %d"}}}`, id, id))})
		add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCNotification, Method: "notifications/progress",
			Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":%d,"progress":1}}`, id))})
		add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindComment, Stream: "GET", Text: "ping"})
		if id%50 == 0 {
			add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCErrorResponse, ID: fmt.Sprint(id), ReqMethod: "tools/call",
				Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":-32602,"message":"bad"}}`, id))})
		} else {
			add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCResponse, ID: fmt.Sprint(id), ReqMethod: "tools/call", Latency: 2 * time.Millisecond,
				Raw: json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"hello %d"}]}}`, id, id))})
		}
	}
	return evs
}

// writeRecording records evs into a file in dir and returns its path.
func writeRecording(t testing.TB, dir string, evs []mcp.Event) string {
	t.Helper()
	path := filepath.Join(dir, "rec"+Extension)
	rec, err := NewRecorder(RecorderOptions{Path: path, Header: Header{Target: "http://127.0.0.1:9/mcp", Transport: mcp.TransportAuto}, MaxQueue: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		rec.Record(e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.Dropped != 0 {
		t.Fatalf("dropped %d events", st.Dropped)
	}
	return path
}

// readAll reads every event of a recording.
func readAll(t testing.TB, path string) ([]mcp.Event, *Reader) {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var out []mcp.Event
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		out = append(out, e)
	}
	return out, r
}

// sameEvent compares everything but the monotonic clock reading.
func sameEvent(a, b mcp.Event) bool {
	if !a.Time.Equal(b.Time) {
		return false
	}
	a.Time, b.Time = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func diffEvents(t *testing.T, got, want []mcp.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameEvent(got[i], want[i]) {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(want[i])
			t.Fatalf("event %d differs:\n got %s\nwant %s", i, g, w)
		}
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func equalRaw(a, b []json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			return false
		}
	}
	return true
}

// rawItems are a listing's items as the server sent them.
func rawItems(s *session.State, k session.ListKind) []json.RawMessage {
	var out []json.RawMessage
	for _, it := range s.Lists[k].Items {
		out = append(out, it.Raw)
	}
	return out
}

func msg(dir mcp.Dir, rpc mcp.RPCType, method, id, reqMethod, raw string) mcp.Event {
	return mcp.Event{Dir: dir, Kind: mcp.KindMessage, RPC: rpc, Method: method, ID: id, ReqMethod: reqMethod, Raw: json.RawMessage(raw)}
}
