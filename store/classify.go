package store

import (
	"bytes"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

// IsError reports whether an event shows something that went wrong
// ([session.IsError]: the rule the UI and the exports share).
func IsError(e *mcp.Event) bool { return session.IsError(e) }

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
