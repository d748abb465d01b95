package session

import (
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

// FuzzApply folds arbitrary bytes, as every kind of message, into a
// state: nothing panics, and the state stays usable.
func FuzzApply(f *testing.F) {
	for _, e := range synth(40) {
		f.Add(string(e.Raw), e.Method, e.ID)
	}
	f.Add(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":[1],"progress":"x"}}`, "notifications/progress", "")
	f.Add(`{"jsonrpc":"2.0","id":1,"result":{"tools":{"a":1},"nextCursor":7}}`, "", "1")
	f.Add(`{"jsonrpc":"2.0","id":2,"result":{"task":{"taskId":5}}}`, "", "2")
	f.Add(`{"jsonrpc":"2.0","id":3,"error":"boom"}`, "", "3")
	f.Fuzz(func(t *testing.T, raw, method, id string) {
		s := New()
		s.Apply(connected(`{"tools":{}}`, 0))
		for i, rpc := range []mcp.RPCType{mcp.RPCRequest, mcp.RPCNotification, mcp.RPCResponse, mcp.RPCErrorResponse} {
			for _, dir := range []mcp.Dir{mcp.DirOut, mcp.DirIn} {
				e := mcp.Event{Seq: uint64(i + 2), Time: t0, Dir: dir, Kind: mcp.KindMessage, RPC: rpc, Method: method, ID: id, Raw: []byte(raw)}
				for _, rm := range []string{"tools/call", "tools/list", "tasks/get", "tasks/result", "resources/subscribe", "subscriptions/listen"} {
					e.ReqMethod = rm
					s.Apply(e)
				}
			}
		}
		s.Summary()
	})
}
