package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

func equalRaw(a, b []json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func msg(dir mcp.Dir, rpc mcp.RPCType, method, id, reqMethod, raw string) mcp.Event {
	return mcp.Event{Dir: dir, Kind: mcp.KindMessage, RPC: rpc, Method: method, ID: id, ReqMethod: reqMethod, Raw: json.RawMessage(raw)}
}

func TestCatalogPages(t *testing.T) {
	var c Catalog
	evs := []mcp.Event{
		msg(mcp.DirOut, mcp.RPCRequest, "tools/list", "1", "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`),
		msg(mcp.DirIn, mcp.RPCResponse, "", "1", "tools/list", `{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"}],"nextCursor":"c1"}}`),
		msg(mcp.DirOut, mcp.RPCRequest, "tools/list", "2", "", `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"c1"}}`),
		msg(mcp.DirIn, mcp.RPCResponse, "", "2", "tools/list", `{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"b"}]}}`),
		msg(mcp.DirOut, mcp.RPCRequest, "prompts/list", "3", "", `{"jsonrpc":"2.0","id":3,"method":"prompts/list"}`),
		// An answer whose id changed type still matches.
		msg(mcp.DirIn, mcp.RPCResponse, "", `"3"`, "prompts/list", `{"jsonrpc":"2.0","id":"3","result":{"prompts":[{"name":"p"}]}}`),
		msg(mcp.DirOut, mcp.RPCRequest, "resources/templates/list", "4", "", `{"jsonrpc":"2.0","id":4,"method":"resources/templates/list"}`),
		msg(mcp.DirIn, mcp.RPCResponse, "", "4", "resources/templates/list", `{"jsonrpc":"2.0","id":4,"result":{"resourceTemplates":[{"uriTemplate":"x://{y}"}]}}`),
		{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{Protocol: "2025-06-18"}},
	}
	for _, e := range evs {
		c.Add(e)
	}
	if string(c.Tools[0]) != `{"name":"a"}` || string(c.Tools[1]) != `{"name":"b"}` || len(c.Tools) != 2 {
		t.Fatalf("tools %s", c.Tools)
	}
	if len(c.Prompts) != 1 || len(c.Templates) != 1 || len(c.Resources) != 0 || c.Info.Protocol != "2025-06-18" {
		t.Fatalf("catalog %+v", c)
	}
	// A new first page replaces the list.
	c.Add(msg(mcp.DirOut, mcp.RPCRequest, "tools/list", "9", "", `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`))
	c.Add(msg(mcp.DirIn, mcp.RPCResponse, "", "9", "tools/list", `{"jsonrpc":"2.0","id":9,"result":{"tools":[{"name":"c"}]}}`))
	if len(c.Tools) != 1 || string(c.Tools[0]) != `{"name":"c"}` {
		t.Fatalf("relisted tools %s", c.Tools)
	}
}
