package composer

import (
	"encoding/json"
	"strings"
)

// IDPlaceholder is where a template's id goes: the composer fills in a
// fresh string id ("c1", "c2", ...) of its own, which none of sonde's
// numeric ids can be.
const IDPlaceholder = "$ID"

// Template is a message to start from.
type Template struct {
	Name string
	Body string // JSON; IDPlaceholder where the id goes
}

// DefaultTemplates are the standard methods, and the body of an
// event-named server's call.
func DefaultTemplates() []Template {
	req := func(method, params string) Template {
		body := `{"jsonrpc": "2.0", "id": $ID, "method": "` + method + `"`
		if params != "" {
			body += `, "params": ` + params
		}
		return Template{Name: method, Body: body + "}"}
	}
	return []Template{
		req("ping", ""),
		req("tools/list", ""),
		req("tools/call", `{"name": "", "arguments": {}}`),
		req("resources/list", ""),
		req("resources/read", `{"uri": ""}`),
		req("resources/templates/list", ""),
		req("prompts/list", ""),
		req("prompts/get", `{"name": "", "arguments": {}}`),
		req("completion/complete", `{"ref": {"type": "ref/prompt", "name": ""}, "argument": {"name": "", "value": ""}}`),
		req("logging/setLevel", `{"level": "info"}`),
		req("initialize", `{"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "sonde", "version": "composer"}}`),
		{Name: "notifications/initialized", Body: `{"jsonrpc": "2.0", "method": "notifications/initialized"}`},
		{Name: "a call of an event-named server ({session_id, tool, args})", Body: `{"session_id": "{session}", "tool": "", "args": {}}`},
	}
}

// ToolTemplates are the templates to call one tool: tools/call, and the
// {session_id, tool, args} body of an event-named server. args holds the
// required arguments of its schema with empty values.
func ToolTemplates(name string, inputSchema json.RawMessage) []Template {
	args := skeleton(inputSchema)
	n, _ := json.Marshal(name)
	return []Template{
		{Name: "tools/call " + name, Body: `{"jsonrpc": "2.0", "id": $ID, "method": "tools/call", "params": {"name": ` + string(n) + `, "arguments": ` + args + `}}`},
		{Name: "call " + name + " as an event-named server takes it", Body: `{"session_id": "{session}", "tool": ` + string(n) + `, "args": ` + args + `}`},
	}
}

// skeleton is an object with a schema's required properties, each with
// an empty value of its type.
func skeleton(schema json.RawMessage) string {
	var s struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if json.Unmarshal(schema, &s) != nil || len(s.Required) == 0 {
		return "{}"
	}
	parts := make([]string, 0, len(s.Required))
	for _, k := range s.Required {
		name, _ := json.Marshal(k)
		t, _ := s.Properties[k].Type.(string)
		v := `""`
		switch t {
		case "number", "integer":
			v = "0"
		case "boolean":
			v = "false"
		case "object":
			v = "{}"
		case "array":
			v = "[]"
		case "null":
			v = "null"
		}
		parts = append(parts, string(name)+": "+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// withMeta puts meta (a JSON object) into the params of a JSON-RPC request
// template as its _meta, first, keeping the template's layout; a template
// that is no request comes back as it is.
func withMeta(body string, meta json.RawMessage) string {
	if len(meta) == 0 || !strings.HasPrefix(body, `{"jsonrpc"`) || !strings.Contains(body, IDPlaceholder) {
		return body
	}
	m := `"_meta": ` + string(meta)
	const params = `"params": {`
	if i := strings.Index(body, params); i >= 0 {
		j := i + len(params)
		if !strings.HasPrefix(body[j:], "}") {
			m += ", "
		}
		return body[:j] + m + body[j:]
	}
	return strings.TrimSuffix(body, "}") + `, "params": {` + m + "}}"
}
