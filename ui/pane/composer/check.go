package composer

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/form"
)

// Kinds of message Check tells apart.
const (
	KindRequest      = "request"      // JSON-RPC method and id: its answer is matched by id
	KindNotification = "notification" // JSON-RPC method, no id
	KindResponse     = "response"     // a JSON-RPC answer (to a server's request)
	KindOther        = "other"        // JSON of the server's own shape
)

// Check is the verdict on a message as written.
type Check struct {
	// Empty is set for nothing written yet.
	Empty bool
	// Valid reports one JSON value (the only thing that can be sent).
	Valid bool
	// Err says why not, with line and column.
	Err string
	// Kind is what the message is (Kind* constants); Method and ID (JSON
	// text) are a JSON-RPC message's.
	Kind, Method, ID string
	// Notes are what is odd but sendable: "jsonrpc" missing or not "2.0",
	// an id that is neither a string nor a number, {session} to be filled.
	Notes []string
}

// Describe says in a few words what the message is and what will happen.
func (c Check) Describe() string {
	switch c.Kind {
	case KindRequest:
		return "JSON-RPC request " + termsafe.Line(c.Method) + ", id " + termsafe.Line(c.ID) + ": its answer is matched by id"
	case KindNotification:
		return "JSON-RPC notification " + termsafe.Line(c.Method) + ": the events that follow are marked"
	case KindResponse:
		return "a JSON-RPC answer (id " + termsafe.Line(c.ID) + ")"
	}
	return "not JSON-RPC: sent as it is; the events that follow are marked"
}

// CheckMessage checks text as the composer does while it is typed.
func CheckMessage(text string) Check {
	t := strings.TrimSpace(text)
	if t == "" {
		return Check{Empty: true, Kind: KindOther}
	}
	if err := form.JSONError(t); err != nil {
		return Check{Err: err.Error(), Kind: KindOther}
	}
	c := Check{Valid: true, Kind: KindOther}
	if bytes.Contains([]byte(t), []byte(mcp.SessionPlaceholder)) {
		c.Notes = append(c.Notes, "{session} becomes the session id")
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(t), &m) != nil {
		if strings.HasPrefix(t, "[") {
			c.Notes = append(c.Notes, "an array: a batch (2025-03-26) or a body of the server's own")
		}
		return c
	}
	var method string
	hasMethod := json.Unmarshal(m["method"], &method) == nil && method != ""
	id, hasID := m["id"]
	if hasID && string(bytes.TrimSpace(id)) == "null" {
		hasID = false
	}
	_, hasResult := m["result"]
	_, hasError := m["error"]
	switch {
	case hasMethod && hasID:
		c.Kind, c.Method, c.ID = KindRequest, method, compact(id)
	case hasMethod:
		c.Kind, c.Method = KindNotification, method
	case hasID && (hasResult || hasError):
		c.Kind, c.ID = KindResponse, compact(id)
	default:
		return c
	}
	var version string
	if _, ok := m["jsonrpc"]; !ok {
		c.Notes = append(c.Notes, `no "jsonrpc": "2.0"`)
	} else if json.Unmarshal(m["jsonrpc"], &version) != nil || version != "2.0" {
		c.Notes = append(c.Notes, `"jsonrpc" is not "2.0"`)
	}
	if hasID {
		if b := bytes.TrimSpace(id); len(b) > 0 && b[0] != '"' && (b[0] < '0' || b[0] > '9') && b[0] != '-' {
			c.Notes = append(c.Notes, "the id is neither a string nor a number")
		}
	}
	if _, ok := m["params"]; ok && hasMethod {
		if p := bytes.TrimSpace(m["params"]); len(p) > 0 && p[0] != '{' && p[0] != '[' {
			c.Notes = append(c.Notes, "params is neither an object nor an array")
		}
	}
	return c
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
