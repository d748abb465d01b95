package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	fastjson "github.com/segmentio/encoding/json"
)

// Message is a leniently decoded JSON-RPC 2.0 message. Params, Result and
// Error data stay raw; unknown members are ignored.
type Message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
}

// Type classifies m: a request has a method and an id, a notification a
// method and no id, a response an id and a result, an error an error object.
func (m *Message) Type() RPCType {
	hasID := len(m.ID) > 0 && !bytes.Equal(m.ID, []byte("null"))
	switch {
	case m.Method != "" && m.Result == nil && m.Error == nil:
		if hasID {
			return RPCRequest
		}
		return RPCNotification
	case m.Method == "" && m.Error != nil && m.Result == nil:
		return RPCErrorResponse
	case m.Method == "" && m.Result != nil && m.Error == nil && hasID:
		return RPCResponse
	}
	return RPCInvalid
}

// IDKey returns the id as compact JSON text, the key sonde correlates by.
// String and number ids stay distinct: `"7"` is not `7`.
func (m *Message) IDKey() string { return idKey(m.ID) }

func idKey(id json.RawMessage) string {
	id = bytes.TrimSpace(id)
	if len(id) == 0 || bytes.Equal(id, []byte("null")) {
		return ""
	}
	return string(id)
}

// ErrNotJSON reports a frame that is not JSON at all.
var ErrNotJSON = errors.New("not JSON")

// DecodeMessage decodes one JSON-RPC message. A batch (JSON array) is an
// error here; use [DecodeFrame] for wire frames that may hold batches.
func DecodeMessage(raw []byte) (*Message, error) {
	var m Message
	// segmentio/encoding (already used by the go-sdk) decodes the envelope
	// several times faster than encoding/json, which matters on the ingest
	// path; it validates the whole input the same way.
	if err := fastjson.Unmarshal(raw, &m); err != nil {
		if !fastjson.Valid(raw) {
			return nil, fmt.Errorf("%w: %v", ErrNotJSON, err)
		}
		return nil, fmt.Errorf("not a JSON-RPC message: %v", err)
	}
	if m.JSONRPC != "2.0" {
		return &m, fmt.Errorf("invalid JSON-RPC: jsonrpc is %q, want \"2.0\"", m.JSONRPC)
	}
	if m.Type() == RPCInvalid {
		return &m, invalidRPC(m.Method != "", len(m.ID) > 0 && string(m.ID) != "null", m.Result != nil, m.Error != nil, true)
	}
	return &m, nil
}

// DecodeFrame splits one wire frame (a stdio line or an SSE data field) into
// its JSON-RPC messages: one, or several for a batch array (2025-03-26).
func DecodeFrame(raw []byte) ([]json.RawMessage, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrNotJSON)
	}
	if t[0] != '[' {
		return []json.RawMessage{t}, nil
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(t, &batch); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	if len(batch) == 0 {
		return nil, errors.New("invalid JSON-RPC: empty batch")
	}
	return batch, nil
}

// RPCError is a JSON-RPC error object, returned by [Session.Call] when the
// server answers with an error.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	s := "server error " + strconv.Itoa(e.Code) + ": " + e.Message
	if name := rpcCodeName(e.Code); name != "" {
		s = "server error " + strconv.Itoa(e.Code) + " (" + name + "): " + e.Message
	}
	return s
}

// Well-known JSON-RPC and MCP error codes.
const (
	CodeParseError           = -32700
	CodeInvalidRequest       = -32600
	CodeMethodNotFound       = -32601
	CodeInvalidParams        = -32602
	CodeInternalError        = -32603
	CodeResourceNotFound     = -32002
	CodeURLElicitation       = -32042
	CodeHeaderMismatch       = -32020
	CodeMissingCapability    = -32021
	CodeUnsupportedVersion   = -32022
	CodeConnectionClosedTSDK = -32000
)

func rpcCodeName(code int) string {
	switch code {
	case CodeParseError:
		return "parse error"
	case CodeInvalidRequest:
		return "invalid request"
	case CodeMethodNotFound:
		return "method not found"
	case CodeInvalidParams:
		return "invalid params"
	case CodeInternalError:
		return "internal error"
	case CodeResourceNotFound:
		return "resource not found"
	case CodeURLElicitation:
		return "URL elicitation required"
	case CodeHeaderMismatch:
		return "header mismatch"
	case CodeMissingCapability:
		return "missing required client capability"
	case CodeUnsupportedVersion:
		return "unsupported protocol version"
	}
	return ""
}

// encodeRequest builds a request or notification (id == nil) frame.
func encodeRequest(id json.RawMessage, method string, params json.RawMessage) []byte {
	var b bytes.Buffer
	b.Grow(64 + len(params))
	b.WriteString(`{"jsonrpc":"2.0",`)
	if id != nil {
		b.WriteString(`"id":`)
		b.Write(id)
		b.WriteByte(',')
	}
	b.WriteString(`"method":`)
	mb, _ := json.Marshal(method)
	b.Write(mb)
	if len(params) > 0 {
		b.WriteString(`,"params":`)
		b.Write(params)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// encodeResponse builds a response frame with either result or rpcErr.
func encodeResponse(id json.RawMessage, result json.RawMessage, rpcErr *RPCError) []byte {
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0","id":`)
	if len(id) == 0 {
		b.WriteString("null")
	} else {
		b.Write(id)
	}
	if rpcErr != nil {
		eb, _ := json.Marshal(rpcErr)
		b.WriteString(`,"error":`)
		b.Write(eb)
	} else {
		if len(result) == 0 {
			result = json.RawMessage(`{}`)
		}
		b.WriteString(`,"result":`)
		b.Write(result)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// marshalParams turns params given to Call into raw JSON. nil stays nil.
func marshalParams(params any) (json.RawMessage, error) {
	switch p := params.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if len(p) == 0 {
			return nil, nil
		}
		if !json.Valid(p) {
			return nil, errors.New("params are not valid JSON")
		}
		return p, nil
	case []byte:
		return marshalParams(json.RawMessage(p))
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encoding params: %w", err)
	}
	return b, nil
}

// Classify reads what routing needs of one JSON-RPC message in one pass,
// without decoding it: its type, method and id (as JSON text, see
// [Message.IDKey]). The error wraps ErrNotJSON when raw is not JSON.
func Classify(raw []byte) (rpc RPCType, method, id string, err error) {
	env, err := scanEnvelope(raw)
	return env.rpc, env.method, env.id, err
}
