package session

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

func applyAll(s *State, evs []mcp.Event) Change {
	var c Change
	for _, e := range evs {
		c.Merge(s.Apply(e))
	}
	return c
}

// A typical session, folded: the connection, the listings (all pages),
// requests in flight with their progress, the server log, keepalives.
func TestStateFoldsASession(t *testing.T) {
	s := New()
	evs := seq(
		mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "http://127.0.0.1:9/mcp"},
		mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Text: "POST server/discover"},
		req(1, "initialize", `{"protocolVersion":"2025-11-25"}`),
		resp(1, "initialize", `{}`),
		connected(`{"tools":{"listChanged":true},"prompts":{},"logging":{}}`, 0),
		mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindComment, Stream: "GET", Text: "ping"},
		req(2, "tools/list", ""),
		resp(2, "tools/list", `{"tools":[{"name":"a","title":"A"}],"nextCursor":"c1"}`),
		req(3, "tools/list", `{"cursor":"c1"}`),
		resp(3, "tools/list", `{"tools":[{"name":"b","execution":{"taskSupport":"optional"}}]}`),
		req(4, "tools/call", `{"name":"slow","arguments":{},"_meta":{"progressToken":4}}`),
		note("notifications/progress", `{"progressToken":4,"progress":2,"total":4,"message":"half"}`),
		note("notifications/message", `{"level":"warning","logger":"w","data":"careful"}`),
		req(5, "ping", ""),
		mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: "5", ReqMethod: "ping", Latency: 3 * time.Millisecond, Raw: json.RawMessage(`{"jsonrpc":"2.0","id":5,"result":{}}`)},
		mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindStderr, Text: "debug line"},
	)
	c := applyAll(s, evs)
	if s.Conn.State != mcp.StateConnected || s.Conn.Server.Name != "demo" || s.Conn.Info.SessionID != "S1" || !c.Connected {
		t.Fatalf("conn %+v", s.Conn)
	}
	if got := s.Conn.Caps.Lists(); got != [NumLists]bool{true, false, false, true} {
		t.Fatalf("lists offered %v", got)
	}
	if s.Conn.KeepaliveIn != 1 || s.Conn.KeepaliveOut != 1 || s.Conn.PingRTT != 3*time.Millisecond || !s.Conn.LastIn.Equal(evs[len(evs)-1].Time) {
		t.Fatalf("keepalive facts %+v", s.Conn)
	}
	tools := s.Lists[Tools]
	if !tools.Loaded || len(tools.Items) != 2 || tools.Items[0].DisplayName() != "A" || tools.Items[1].TaskSupport != "optional" || !c.Lists[Tools] {
		t.Fatalf("tools %+v", tools)
	}
	r := s.Requests["4"]
	if len(s.Requests) != 1 || r == nil || r.Subject != "slow" || r.Token != "4" || !r.HasProgress || r.Progress != 2 || r.Total != 4 || r.ProgressMessage != "half" {
		t.Fatalf("requests %+v", s.Requests)
	}
	if s.Log.Len() != 2 || s.Log.At(0).Level != "warning" || s.Log.At(0).Lvl != 3 || s.Log.At(1).Level != "stderr" || s.Log.At(1).Text != "debug line" {
		t.Fatalf("server log %+v", s.Log.entries)
	}
	if len(s.Notes) != 1 || s.Notes[0].Text != "POST server/discover" {
		t.Fatalf("notes %+v", s.Notes)
	}
	if got := s.Timeline.Started(); got != 5 || s.Quiet.Started() != 4 || s.Timeline.Waiting() != 1 {
		t.Fatalf("timelines: %d and %d spans, %d waiting", got, s.Quiet.Started(), s.Timeline.Waiting())
	}

	// the end of the connection ends every request
	c = s.Apply(mcp.Event{Seq: 99, Time: t0.Add(time.Second), Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateClosed})
	if len(s.Requests) != 0 || !c.Requests || s.Timeline.Waiting() != 0 {
		t.Fatalf("after closed: %d requests, %d waiting", len(s.Requests), s.Timeline.Waiting())
	}
}

// Only what the capabilities declare is offered; a renewed session lists
// again only those.
func TestCapabilitiesDecideTheListings(t *testing.T) {
	s := New()
	if s.Conn.Caps.Known || s.Conn.Caps.Lists() != [NumLists]bool{} {
		t.Fatalf("before a connection: %+v", s.Conn.Caps)
	}
	s.Apply(connected(`{"tools":{}}`, 0))
	if got := s.Conn.Caps.Lists(); got != [NumLists]bool{true, false, false, false} {
		t.Fatalf("tools-only server offers %v", got)
	}
	c := s.Apply(connected(`{"tools":{},"resources":{"subscribe":true}}`, 1))
	if c.Relist != [NumLists]bool{true, true, true, false} || string(s.Conn.Caps.Object("resources")["subscribe"]) != "true" {
		t.Fatalf("relist after a renewal %v", c.Relist)
	}
}

// How requests end: an answer (whatever the JSON type of its id), a
// cancellation sonde sent, an error event naming the id, a probe note.
func TestRequestsEnd(t *testing.T) {
	s := New()
	applyAll(s, seq(
		req(1, "tools/call", `{"name":"a"}`), req(2, "tools/call", `{"name":"b"}`), req(3, "tools/call", `{"name":"c"}`),
		req(4, "server/discover", ""), req(5, "resources/read", `{"uri":"x://y"}`),
		msg(mcp.DirIn, mcp.RPCResponse, "", `"1"`, "tools/call", `{"jsonrpc":"2.0","id":"1","result":{}}`),
		msg(mcp.DirOut, mcp.RPCNotification, "notifications/cancelled", "", "", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}`),
		mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindError, ID: "3", ReqMethod: "tools/call", Err: "lost"},
		mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "4", ReqMethod: "server/discover", Text: "probe: no answer"},
		// a note with an id but no method ends nothing
		mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "5", Text: "resuming"},
	))
	if len(s.Requests) != 1 || s.Requests["5"] == nil || s.Requests["5"].Subject != "x://y" {
		t.Fatalf("still waiting: %+v", s.Requests)
	}
}

// A page asked for with a cursor adds to the listing; a first page
// replaces it; an answer whose id changed type still counts as a later
// page; an answer whose request is not among the events (a replay's
// window cut it) is taken by its method.
func TestListingPages(t *testing.T) {
	s := New()
	applyAll(s, seq(
		req(1, "tools/list", ""),
		resp(1, "tools/list", `{"tools":[{"name":"a"}],"nextCursor":"c1"}`),
		req(2, "tools/list", `{"cursor":"c1"}`),
		msg(mcp.DirIn, mcp.RPCResponse, "", `"2"`, "tools/list", `{"jsonrpc":"2.0","id":"2","result":{"tools":[{"name":"b"}]}}`),
		resp(3, "resources/templates/list", `{"resourceTemplates":[{"uriTemplate":"x://{y}"}]}`),
	))
	names := func(l Listing) (out []string) {
		for _, it := range l.Items {
			out = append(out, it.Name+it.URITemplate)
		}
		return out
	}
	if got := names(s.Lists[Tools]); !slices.Equal(got, []string{"a", "b"}) || string(s.Lists[Tools].Items[0].Raw) != `{"name":"a"}` {
		t.Fatalf("tools %v", got)
	}
	if got := names(s.Lists[Templates]); !slices.Equal(got, []string{"x://{y}"}) {
		t.Fatalf("templates %v", got)
	}
	applyAll(s, seq(req(9, "tools/list", ""), resp(9, "tools/list", `{"tools":[{"name":"c"}]}`)))
	if got := names(s.Lists[Tools]); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("listed again: %v", got)
	}
}

// Notifications that ask the UI to act are reported in the change.
func TestChangeReportsWhatToDo(t *testing.T) {
	s := New()
	c := applyAll(s, seq(
		note("notifications/tools/list_changed", `{}`),
		note("notifications/resources/list_changed", `{}`),
		note("notifications/resources/updated", `{"uri":"file:///a"}`),
		note("notifications/resources/updated", `{"uri":"file:///a"}`),
		note("notifications/elicitation/complete", `{"elicitationId":"e1"}`),
	))
	if c.Relist != [NumLists]bool{true, true, true, false} || !slices.Equal(c.Updated, []string{"file:///a"}) ||
		!slices.Equal(c.ElicitationsComplete, []string{"e1"}) || s.Updates["file:///a"].Count != 2 {
		t.Fatalf("change %+v, updates %+v", c, s.Updates)
	}
}

// Subscriptions: resources/subscribe and unsubscribe answered (legacy
// eras), the acknowledged subscriptions/listen stream (2026-07-28), and
// none after a new connection.
func TestSubscriptions(t *testing.T) {
	s := New()
	applyAll(s, seq(
		req(1, "resources/subscribe", `{"uri":"file:///a"}`), resp(1, "resources/subscribe", `{}`),
		req(2, "resources/subscribe", `{"uri":"file:///b"}`), resp(2, "resources/subscribe", `{}`),
		req(3, "resources/unsubscribe", `{"uri":"file:///a"}`), resp(3, "resources/unsubscribe", `{}`),
		// refused: not subscribed
		req(4, "resources/subscribe", `{"uri":"file:///c"}`),
		msg(mcp.DirIn, mcp.RPCErrorResponse, "", "4", "resources/subscribe", `{"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"no"}}`),
	))
	if !reflect.DeepEqual(s.Subscribed, map[string]bool{"file:///b": true}) {
		t.Fatalf("legacy: %v", s.Subscribed)
	}
	applyAll(s, seq(
		mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting},
		req(7, "subscriptions/listen", `{"notifications":{"toolsListChanged":true,"resourceSubscriptions":["file:///x","file:///y"]}}`),
		note("notifications/subscriptions/acknowledged", `{"_meta":{"io.modelcontextprotocol/subscriptionId":7}}`),
	))
	if !reflect.DeepEqual(s.Subscribed, map[string]bool{"file:///x": true, "file:///y": true}) || len(s.Listens) != 1 || len(s.Requests) != 0 {
		t.Fatalf("modern: %v, listens %v", s.Subscribed, s.Listens)
	}
	// the stream replaced by one without subscriptions, then ended
	applyAll(s, seq(
		req(8, "subscriptions/listen", `{"notifications":{"toolsListChanged":true}}`),
		note("notifications/subscriptions/acknowledged", `{"_meta":{"io.modelcontextprotocol/subscriptionId":8}}`),
		mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "7", ReqMethod: "subscriptions/listen", Text: "closed"},
	))
	if len(s.Subscribed) != 0 || len(s.Listens) != 1 {
		t.Fatalf("after replacing: %v, listens %v", s.Subscribed, s.Listens)
	}
}

// Tasks: a tools/call answered with a task handle, polls, progress, a
// status notification, the final result.
func TestTasks(t *testing.T) {
	s := New()
	applyAll(s, seq(
		req(40, "tools/call", `{"name":"slow_report","arguments":{},"task":{},"_meta":{"progressToken":40}}`),
		resp(40, "tools/call", `{"task":{"taskId":"t-1","status":"working","pollInterval":500}}`),
		req(41, "tasks/get", `{"taskId":"t-1"}`),
		resp(41, "tasks/get", `{"taskId":"t-1","status":"working","statusMessage":"halfway"}`),
		note("notifications/progress", `{"progressToken":40,"progress":3,"total":4,"message":"step 3 of 4"}`),
		note("notifications/tasks/status", `{"taskId":"t-1","status":"completed"}`),
		req(42, "tasks/result", `{"taskId":"t-1"}`),
		resp(42, "tasks/result", `{"content":[{"type":"text","text":"done"}]}`),
	))
	tk := s.Task("t-1")
	if tk == nil || tk.Method != "tools/call" || tk.Subject != "slow_report" || tk.Polls != 1 || tk.Poll != 500*time.Millisecond ||
		!tk.HasProgress || tk.Progress != 3 || tk.Status != "completed" || !tk.Done || string(tk.Result) != `{"content":[{"type":"text","text":"done"}]}` ||
		!tk.Seen.Equal(t0) || tk.Ended.IsZero() {
		t.Fatalf("task %+v", tk)
	}
}

// A rewind (a replay that moved) forgets everything first.
func TestRewind(t *testing.T) {
	s := New()
	applyAll(s, synth(300))
	c := s.Apply(mcp.Event{Kind: KindRewind, Dir: mcp.DirMeta, Time: t0})
	if !c.Reset || s.Conn.Info != nil || s.Lists[Tools].Loaded || s.Timeline.Started() != 0 || len(s.Requests) != 0 {
		t.Fatalf("after a rewind: %+v", s.Conn)
	}
}

// The server log stays bounded, and numbers its entries so a reader keeps
// its place when the oldest go; adding to a full log is cheap.
func TestServerLogBounded(t *testing.T) {
	s := New()
	e := note("notifications/message", `{"level":"info","data":"x"}`)
	for i := range 3 * MaxServerLog {
		e.Seq = uint64(i)
		s.Apply(e)
	}
	if s.Log.Len() < MaxServerLog || s.Log.Len() > MaxServerLog+MaxServerLog/4 || s.Log.Next() != 3*MaxServerLog {
		t.Fatalf("log holds %d, next %d", s.Log.Len(), s.Log.Next())
	}
	if first := s.Log.At(s.Log.First()); first.Seq != s.Log.First() || s.Log.At(s.Log.First()-1) != nil {
		t.Fatalf("first held %d", s.Log.First())
	}
}

// A member of the wrong type leaves the others of a message readable.
func TestDecodeIsLenient(t *testing.T) {
	e := note("notifications/progress", `{"progressToken":"t","progress":"fifty","total":4,"message":"m"}`)
	m := Decode(&e)
	if m.Token != `"t"` || m.Total != 4 || m.ProgressMessage != "m" {
		t.Fatalf("decoded %+v", m)
	}
}

// BenchmarkApply measures folding a realistic session into a State.
func BenchmarkApply(b *testing.B) {
	evs := synth(10_000)
	b.ReportAllocs()
	for b.Loop() {
		s := New()
		for _, e := range evs {
			s.Apply(e)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// A recovery counts once however many attempts it takes; the connected
// state that ends it says how many recoveries there were.
func TestReconnectsCountRecoveries(t *testing.T) {
	s := New()
	evs := []mcp.Event{connected(`{"tools":{}}`, 0)}
	for a := 1; a <= 3; a++ {
		evs = append(evs, mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateReconnecting, Attempt: a})
	}
	applyAll(s, seq(evs...))
	if s.Conn.State != mcp.StateReconnecting || s.Conn.Attempt != 3 || s.Conn.Reconnects != 1 {
		t.Fatalf("while reconnecting: %+v", s.Conn)
	}
	applyAll(s, seq(connected(`{"tools":{}}`, 1)))
	if s.Conn.State != mcp.StateConnected || s.Conn.Reconnects != 1 {
		t.Fatalf("after the recovery: %+v", s.Conn)
	}
}

// A stream's `event: tools` list is kept as offered, apart from the
// listings; other named events and lists of something else are not.
func TestOfferedList(t *testing.T) {
	s := New()
	ev := func(name, data string) mcp.Event {
		return mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindSSE, SSEEvent: name, Raw: json.RawMessage(data)}
	}
	c := s.Apply(ev("tools", `[{"name":"add","parameters":{"type":"object","properties":{"a":{"type":"number"}}}},{"name":"shout"}]`))
	if !c.Lists[Tools] || len(s.Offered[Tools].Items) != 2 || s.Lists[Tools].Loaded {
		t.Fatalf("offered %+v, lists %+v", s.Offered[Tools], s.Lists[Tools])
	}
	if it := s.Offered[Tools].Items[0]; it.Name != "add" || !strings.Contains(string(it.InputSchema), `"a"`) {
		t.Fatalf("item %+v: the parameters object is its input schema", it.Item)
	}
	s.Apply(ev("prompts", `{"prompts":[{"name":"p"}]}`))
	s.Apply(ev("resources", `[1,2,3]`))
	s.Apply(ev("result", `[{"name":"x"}]`))
	if len(s.Offered[Prompts].Items) != 1 || s.Offered[Resources].Loaded || s.Offered[Templates].Loaded {
		t.Fatalf("offered %+v", s.Offered)
	}
}
