package store

import (
	"bytes"
	"encoding/json"

	"github.com/sonde-mcp/sonde/mcp"
)

// IsError reports whether an event shows something that went wrong: an
// error event, a JSON-RPC error answer, the error state, an event with an
// error attached (a duplicate answer, an id of the wrong type...), or a
// tool result with isError set. HTTP statuses alone are not errors (a 405
// on the optional GET stream is normal); when they matter mcp reports an
// error event as well.
func IsError(e *mcp.Event) bool {
	switch {
	case e.Kind == mcp.KindError, e.RPC == mcp.RPCErrorResponse, e.State == mcp.StateError, e.Err != "":
		return true
	case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCResponse && bytes.Contains(e.Raw, []byte(`"isError"`)):
		var m struct {
			Result struct {
				IsError bool `json:"isError"`
			} `json:"result"`
		}
		return json.Unmarshal(e.Raw, &m) == nil && m.Result.IsError
	}
	return false
}

// IsRequest reports whether e is a JSON-RPC request that is not keepalive
// traffic (pings are skipped by "jump to the next request").
func IsRequest(e *mcp.Event) bool {
	return e.Kind == mcp.KindMessage && e.RPC == mcp.RPCRequest && !e.IsKeepalive()
}

// Line-level hints, used to find candidates without decoding every line.
// Each candidate is confirmed by decoding it.
var (
	hintErr     = []byte(`"err`) // "err":, "kind":"error", "rpc":"error", "state":"error", "error": in raw
	hintIsError = []byte(`"isError"`)
	hintState   = []byte(`"kind":"state"`)
	hintList    = []byte(`/list"`) // tools/list, resources/list, resources/templates/list, prompts/list
	hintRequest = []byte(`"rpc":"request"`)
)

func errorHint(line []byte) bool {
	return bytes.Contains(line, hintErr) || bytes.Contains(line, hintIsError)
}

func stateHint(line []byte) bool {
	return bytes.Contains(line, hintState) || bytes.Contains(line, hintList)
}
