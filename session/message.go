package session

import (
	"bytes"
	"encoding/json"

	"github.com/sonde-mcp/sonde/mcp"
)

// Message is a JSON-RPC message as [State.Apply] decoded it: the envelope,
// and the members of its params that the state and its readers need. It
// is decoded once per event, leniently (a member of the wrong type leaves
// the others readable). Server text in it is raw: make it terminal-safe
// before drawing it.
type Message struct {
	// Params, Result and ErrorRaw are the envelope's members as sent;
	// Error is ErrorRaw decoded.
	Params   json.RawMessage
	Result   json.RawMessage
	ErrorRaw json.RawMessage
	Error    *mcp.RPCError
	// IsError reports a result with isError set (a tool that failed).
	IsError bool

	// Name and URI say what a request acts on: the tool or prompt, the
	// resource.
	Name, URI string
	// HasCursor reports a list request for a later page.
	HasCursor bool
	// TaskID is the task a tasks/* request is about.
	TaskID string
	// Token is the progress token (of a request's _meta, or of a
	// notifications/progress) as JSON text.
	Token string
	// RequestID and Reason are a notifications/cancelled's.
	RequestID, Reason string
	// Progress, Total and ProgressMessage are a notifications/progress's.
	Progress, Total float64
	ProgressMessage string
	// Level, Logger and Data are a notifications/message's.
	Level, Logger string
	Data          json.RawMessage
	// ElicitationID is a notifications/elicitation/complete's.
	ElicitationID string
	// ListenURIs are the resources a subscriptions/listen request
	// subscribes to; SubscriptionID is the listen request a
	// notifications/subscriptions/acknowledged names (2026-07-28).
	ListenURIs     []string
	SubscriptionID string
	// RelatedTask is the task a message says it is about
	// (_meta["io.modelcontextprotocol/related-task"].taskId).
	RelatedTask string
	// InputResponses are the keys a request answers (a 2026-07-28 retry,
	// or a tasks/update).
	InputResponses []string
}

// Subject is the tool or prompt name, or the resource URI, a request is
// about ("" when none).
func (m *Message) Subject() string {
	if m.Name != "" {
		return m.Name
	}
	return m.URI
}

// params are the members of params any reader of the state needs.
type params struct {
	Name      string          `json:"name"`
	URI       string          `json:"uri"`
	Cursor    *string         `json:"cursor"`
	TaskID    string          `json:"taskId"`
	RequestID json.RawMessage `json:"requestId"`
	Reason    string          `json:"reason"`
	Token     json.RawMessage `json:"progressToken"`
	Progress  float64         `json:"progress"`
	Total     float64         `json:"total"`
	Message   string          `json:"message"`
	Level     string          `json:"level"`
	Logger    string          `json:"logger"`
	Data      json.RawMessage `json:"data"`
	ElicitID  string          `json:"elicitationId"`
	Meta      struct {
		Token          json.RawMessage `json:"progressToken"`
		SubscriptionID json.RawMessage `json:"io.modelcontextprotocol/subscriptionId"`
		RelatedTask    struct {
			TaskID string `json:"taskId"`
		} `json:"io.modelcontextprotocol/related-task"`
	} `json:"_meta"`
	InputResponses map[string]json.RawMessage `json:"inputResponses"`
	Notifications  struct {
		ResourceSubscriptions []string `json:"resourceSubscriptions"`
	} `json:"notifications"`
}

var isErrorHint = []byte(`"isError"`)

// Decode decodes a message event's JSON-RPC message (nil for other
// events).
func Decode(e *mcp.Event) *Message {
	m := new(Message)
	if !m.decode(e) {
		return nil
	}
	return m
}

// decode fills m from e's message; it reports false for other events.
func (m *Message) decode(e *mcp.Event) bool {
	*m = Message{}
	if e.Kind != mcp.KindMessage || len(e.Raw) == 0 {
		return false
	}
	var env struct {
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	// The members as they are in the bytes (mcp checked the JSON on the
	// way in): only params is decoded, below.
	var ok bool
	env.Params, env.Result, env.Error, ok = mcp.Members(e.Raw)
	if !ok {
		mcp.DecodeLenient(e.Raw, &env)
	}
	m.Params, m.Result, m.ErrorRaw = env.Params, env.Result, env.Error
	if len(env.Error) > 0 && env.Error[0] == '{' {
		m.Error = &mcp.RPCError{}
		mcp.DecodeLenient(env.Error, m.Error)
	}
	if len(env.Params) > 0 && env.Params[0] == '{' {
		var p params
		mcp.DecodeLenient(env.Params, &p)
		m.Name, m.URI, m.HasCursor, m.TaskID = p.Name, p.URI, p.Cursor != nil, p.TaskID
		m.RequestID, m.Reason = idText(p.RequestID), p.Reason
		m.Token = idText(p.Token)
		if m.Token == "" {
			m.Token = idText(p.Meta.Token)
		}
		m.Progress, m.Total, m.ProgressMessage = p.Progress, p.Total, p.Message
		m.Level, m.Logger, m.Data, m.ElicitationID = p.Level, p.Logger, p.Data, p.ElicitID
		m.ListenURIs, m.SubscriptionID = p.Notifications.ResourceSubscriptions, idText(p.Meta.SubscriptionID)
		m.RelatedTask = p.Meta.RelatedTask.TaskID
		for k := range p.InputResponses {
			m.InputResponses = append(m.InputResponses, k)
		}
	}
	if bytes.Contains(env.Result, isErrorHint) {
		var r struct {
			IsError bool `json:"isError"`
		}
		mcp.DecodeLenient(env.Result, &r)
		m.IsError = r.IsError
	}
	return true
}

// idText is a JSON id or token as compact text ("" for none or null).
func idText(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if s == "null" {
		return ""
	}
	return s
}

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
	case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCResponse && bytes.Contains(e.Raw, isErrorHint):
		var m struct {
			Result struct {
				IsError bool `json:"isError"`
			} `json:"result"`
		}
		return json.Unmarshal(e.Raw, &m) == nil && m.Result.IsError
	}
	return false
}

// isError is IsError with the message already decoded.
func isError(e *mcp.Event, m *Message) bool {
	switch {
	case e.Kind == mcp.KindError, e.RPC == mcp.RPCErrorResponse, e.State == mcp.StateError, e.Err != "":
		return true
	}
	return m != nil && e.RPC == mcp.RPCResponse && m.IsError
}
