package mcp

import (
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Typed views of what servers send, decoded leniently: a field of the
// wrong type or a content type nobody knows leaves the rest readable (the
// go-sdk types reject a whole result for one unknown content type). Keep
// the raw bytes as the source of truth; decode a view when you need one.

// Item is one entry of tools/list, resources/list, resources/templates/list
// or prompts/list.
type Item struct {
	Name         string           `json:"name"`
	Title        string           `json:"title"`
	Description  string           `json:"description"`
	URI          string           `json:"uri"`
	URITemplate  string           `json:"uriTemplate"`
	MimeType     string           `json:"mimeType"`
	Size         *int64           `json:"size"`
	InputSchema  json.RawMessage  `json:"inputSchema"`
	OutputSchema json.RawMessage  `json:"outputSchema"`
	Annotations  ToolAnnotations  `json:"annotations"`
	Arguments    []PromptArgument `json:"arguments"`
	Meta         json.RawMessage  `json:"_meta"`
}

// ToolAnnotations are a tool's hints (untrusted unless the server is).
type ToolAnnotations struct {
	Title           string `json:"title"`
	ReadOnlyHint    *bool  `json:"readOnlyHint"`
	DestructiveHint *bool  `json:"destructiveHint"`
	IdempotentHint  *bool  `json:"idempotentHint"`
	OpenWorldHint   *bool  `json:"openWorldHint"`
}

// PromptArgument is one argument of a prompt.
type PromptArgument struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
}

// DecodeItem decodes a list entry leniently (each member on its own). A
// tool without an inputSchema takes its input_schema or parameters object,
// as servers that do not follow the specification name it.
func DecodeItem(raw json.RawMessage) Item {
	var it Item
	decodeLenient(raw, &it)
	if len(it.InputSchema) == 0 {
		// servers that do not follow the specification: input_schema
		// (snake_case), parameters (the function-calling shape)
		var alt struct {
			Snake  json.RawMessage `json:"input_schema"`
			Params json.RawMessage `json:"parameters"`
		}
		json.Unmarshal(raw, &alt)
		for _, v := range [...]json.RawMessage{alt.Snake, alt.Params} {
			if firstByte(v) == '{' {
				it.InputSchema = v
				break
			}
		}
	}
	return it
}

// DecodeLenient decodes raw into the struct dst (a pointer); if that
// fails, it decodes member by member, so one member of the wrong type
// leaves the others readable (nested structs are decoded the same way).
func DecodeLenient(raw json.RawMessage, dst any) { decodeLenient(raw, dst) }

func decodeLenient(raw json.RawMessage, dst any) {
	if json.Unmarshal(raw, dst) == nil {
		return
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return
	}
	// encoding/json keeps going after a type error but may leave a
	// half-set member behind (a pointer to a zero): start again, member by
	// member.
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	v.Set(reflect.Zero(t))
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m, ok := members[name]
		if !ok || name == "" || name == "-" {
			continue
		}
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Struct:
			decodeLenient(m, f.Addr().Interface())
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			p := reflect.New(f.Type().Elem())
			decodeLenient(m, p.Interface())
			f.Set(p)
		default:
			p := reflect.New(f.Type())
			if json.Unmarshal(m, p.Interface()) == nil {
				f.Set(p.Elem())
			}
		}
	}
}

// DisplayName is what to call the item: title, then the annotations'
// title, then the name (the specification's order for tools).
func (it Item) DisplayName() string {
	switch {
	case it.Title != "":
		return it.Title
	case it.Annotations.Title != "":
		return it.Annotations.Title
	}
	return it.Name
}

// Badges names the tool's declared hints: "read-only", "destructive",
// "idempotent", "open-world". Only hints the server set to true are named;
// destructive and idempotent mean something only when not read-only.
func (a ToolAnnotations) Badges() []string {
	is := func(b *bool) bool { return b != nil && *b }
	var out []string
	if is(a.ReadOnlyHint) {
		out = append(out, "read-only")
	} else {
		if is(a.DestructiveHint) {
			out = append(out, "destructive")
		}
		if is(a.IdempotentHint) {
			out = append(out, "idempotent")
		}
	}
	if is(a.OpenWorldHint) {
		out = append(out, "open-world")
	}
	return out
}

// Content is one content block of a tool result, prompt message or
// sampling message. Type may be anything; unknown types keep Raw.
type Content struct {
	Type        string            `json:"type"`
	Text        string            `json:"text"`
	Data        string            `json:"data"`
	MimeType    string            `json:"mimeType"`
	URI         string            `json:"uri"`
	Name        string            `json:"name"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Size        *int64            `json:"size"`
	Resource    *ResourceContents `json:"resource"`
	Annotations json.RawMessage   `json:"annotations"`
	Raw         json.RawMessage   `json:"-"`
}

// ResourceContents is an embedded resource or one resources/read content:
// Text for text resources, Blob (base64) for binary ones.
type ResourceContents struct {
	URI      string  `json:"uri"`
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text"`
	Blob     string  `json:"blob"`
}

// DecodeContent decodes a content block leniently.
func DecodeContent(raw json.RawMessage) Content {
	var c Content
	decodeLenient(raw, &c)
	c.Raw = raw
	return c
}

// ToolResult is a CallToolResult.
type ToolResult struct {
	Content           []json.RawMessage `json:"content"`
	StructuredContent json.RawMessage   `json:"structuredContent"`
	IsError           bool              `json:"isError"`
}

// DecodeToolResult decodes a CallToolResult leniently: content blocks stay
// raw for DecodeContent.
func DecodeToolResult(raw json.RawMessage) (ToolResult, error) {
	var r ToolResult
	err := json.Unmarshal(raw, &r)
	return r, err
}

// FirstLine is the first line of a description, for one-line listings.
func FirstLine(s string, max int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if max > 0 && len(s) > max {
		// cut at a character boundary: half a character is invalid UTF-8
		for max > 0 && !utf8.RuneStart(s[max]) {
			max--
		}
		s = s[:max] + "…"
	}
	return s
}
