package session

import (
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

func transport(k mcp.TransportKind) mcp.Event {
	return mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{Transport: k}}
}

func srvReq(id, method, params, via, stream string) mcp.Event {
	e := msg(mcp.DirIn, mcp.RPCRequest, method, id, "", `{"jsonrpc":"2.0","id":`+id+`,"method":"`+method+`","params":`+params+`}`)
	e.Via, e.Stream = via, stream
	return e
}

// parentOf names span i's parent as "method id +offset how", "" for none.
func parentOf(spans []Span, i int) string {
	p := ParentOf(spans, i)
	if p < 0 {
		return ""
	}
	return spans[p].Method + " " + spans[p].ID + " +" + spans[i].Offset().String() + " " + spans[i].How
}

// Server requests nest under the call that caused them, by what each era
// says: the POST stream they came on, the input_required result that asked
// (2026-07-28), the task they name, or on a shared stream the newest call
// in flight.
func TestServerRequestsNestUnderTheirCall(t *testing.T) {
	t.Run("streamable: the POST stream", func(t *testing.T) {
		spans := Spans(seq(
			transport(mcp.TransportHTTP),
			req(1, "tools/call", `{"name":"a"}`),
			req(2, "tools/call", `{"name":"b"}`),
			srvReq("10", "sampling/createMessage", `{}`, "1", "POST"),
			srvReq("11", "elicitation/create", `{}`, "2", "POST"),
			srvReq("12", "roots/list", `{}`, "", "GET"), // the GET stream: unrelated
		))
		for i, want := range []string{"", "", "tools/call 1 +2ms stream", "tools/call 2 +2ms stream", ""} {
			if got := parentOf(spans, i); got != want {
				t.Errorf("span %d (%s %s): parent %q, want %q", i, spans[i].Method, spans[i].ID, got, want)
			}
		}
		if c := Children(spans, 0); len(c) != 1 || spans[c[0]].ID != "10" {
			t.Errorf("children of 1: %v", c)
		}
	})
	t.Run("2026-07-28: input requests", func(t *testing.T) {
		spans := Spans(seq(
			transport(mcp.TransportHTTP),
			req(1, "tools/call", `{"name":"a"}`),
			resp(1, "tools/call", `{"resultType":"input_required","inputRequests":{"q":{"method":"sampling/createMessage","params":{}},"f":{"method":"elicitation/create","params":{}}},"requestState":"s"}`),
			req(2, "tools/call", `{"name":"a","inputResponses":{"q":{},"f":{}},"requestState":"s"}`),
			resp(2, "tools/call", `{"content":[]}`),
		))
		// spans: 1, input f, input q, 2
		if len(spans) != 4 || spans[1].Input != "f" || spans[2].Input != "q" {
			t.Fatalf("spans %+v", spans)
		}
		for _, i := range []int{1, 2} {
			s := spans[i]
			if got := parentOf(spans, i); got != "tools/call 1 +1ms input" || !s.Done || s.End != t0.Add(3*time.Millisecond) || s.Dir != mcp.DirIn {
				t.Errorf("input %q: parent %q, done %v at %v", s.Input, got, s.Done, s.End)
			}
		}
		if spans[1].Method != "elicitation/create" || spans[2].Method != "sampling/createMessage" {
			t.Errorf("methods %s %s", spans[1].Method, spans[2].Method)
		}
	})
	t.Run("2026-07-28: a round that goes no further", func(t *testing.T) {
		tl := Timeline{}
		for _, e := range seq(
			transport(mcp.TransportHTTP),
			req(1, "tools/call", `{"name":"a"}`),
			resp(1, "tools/call", `{"resultType":"input_required","inputRequests":{"q":{"method":"sampling/createMessage","params":{}}}}`),
			mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindError, Via: "1", ReqMethod: "tools/call", Err: `tools/call needs input "q": refused`},
		) {
			tl.Add(e)
		}
		spans := tl.Spans()
		if s := spans[1]; !s.Done || !s.Error || s.Err != `tools/call needs input "q": refused` || tl.Waiting() != 0 {
			t.Fatalf("the input request: %+v, %d waiting", s, tl.Waiting())
		}
	})
	t.Run("tasks: the task's creator", func(t *testing.T) {
		spans := Spans(seq(
			transport(mcp.TransportHTTP),
			req(1, "tools/call", `{"name":"a","task":{}}`),
			resp(1, "tools/call", `{"task":{"taskId":"T1","status":"working"}}`),
			req(2, "tasks/result", `{"taskId":"T1"}`),
			srvReq("10", "elicitation/create", `{"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"T1"}}}`, "", "GET"),
		))
		if got := parentOf(spans, 2); got != "tools/call 1 +3ms task" {
			t.Errorf("parent %q", got)
		}
	})
	t.Run("stdio: the newest call in flight", func(t *testing.T) {
		spans := Spans(seq(
			transport(mcp.TransportStdio),
			req(1, "tools/call", `{"name":"a"}`),
			req(2, "tools/list", ``), // cannot ask
			srvReq("10", "sampling/createMessage", `{}`, "", "stdout"),
			req(3, "prompts/get", `{"name":"p"}`),
			srvReq("11", "sampling/createMessage", `{}`, "", "stdout"),
			resp(1, "tools/call", `{"content":[]}`),
			resp(3, "prompts/get", `{"messages":[]}`),
			srvReq("12", "roots/list", `{}`, "", "stdout"), // nothing in flight
		))
		for i, want := range map[int]string{2: "tools/call 1 +2ms in flight", 4: "prompts/get 3 +1ms in flight", 5: ""} {
			if got := parentOf(spans, i); got != want {
				t.Errorf("span %d (%s): parent %q, want %q", i, spans[i].ID, got, want)
			}
		}
	})
}
