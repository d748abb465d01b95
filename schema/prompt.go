package schema

import (
	"encoding/json"
	"strings"
)

// PromptArg is one argument of an MCP prompt (prompts/list). Prompt
// arguments are always strings.
type PromptArg struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// SchemaForPromptArgs builds an object schema with one string property per
// prompt argument, so prompts reuse the argument form. Arguments without a
// name are skipped; a repeated name keeps its first definition.
func SchemaForPromptArgs(args []PromptArg) json.RawMessage {
	props := newObject()
	var required []any
	for _, a := range args {
		if a.Name == "" {
			continue
		}
		if _, dup := props.get(a.Name); dup {
			continue
		}
		p := newObject()
		p.set("type", "string")
		if a.Title != "" {
			p.set("title", a.Title)
		}
		if a.Description != "" {
			p.set("description", a.Description)
		}
		props.set(a.Name, p)
		if a.Required {
			required = append(required, a.Name)
		}
	}
	return objectSchema(props, required)
}

// SchemaForTemplate builds an object schema for an RFC 6570 URI template
// (resources/templates/list): every variable becomes a required string
// property, in order of first appearance. The expression it came from is
// given as the description, e.g. "{?q,lang}".
func SchemaForTemplate(uriTemplate string) json.RawMessage {
	props := newObject()
	var required []any
	for _, v := range TemplateVariables(uriTemplate) {
		p := newObject()
		p.set("type", "string")
		p.set("description", "in "+v.Expression)
		props.set(v.Name, p)
		required = append(required, v.Name)
	}
	return objectSchema(props, required)
}

// TemplateVariable is one variable of an RFC 6570 URI template.
type TemplateVariable struct {
	Name       string // "path"
	Expression string // the whole expression it appears in, "{+path}"
	Operator   string // "", "+", "#", ".", "/", ";", "?" or "&"
	Explode    bool   // "*" modifier
	Prefix     int    // ":n" modifier, 0 if none
}

// TemplateVariables lists the variables of an RFC 6570 URI template, each
// name once, in order of first appearance. Malformed expressions (an
// unclosed brace) end the scan.
func TemplateVariables(uriTemplate string) []TemplateVariable {
	var out []TemplateVariable
	seen := map[string]bool{}
	rest := uriTemplate
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			return out
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return out
		}
		expr := rest[open : open+end+1]
		body := expr[1 : len(expr)-1]
		rest = rest[open+end+1:]
		op := ""
		if body != "" && strings.ContainsRune("+#./;?&=,!@|", rune(body[0])) {
			op, body = body[:1], body[1:]
		}
		for _, spec := range strings.Split(body, ",") {
			spec = strings.TrimSpace(spec)
			v := TemplateVariable{Expression: expr, Operator: op}
			if strings.HasSuffix(spec, "*") {
				v.Explode, spec = true, strings.TrimSuffix(spec, "*")
			}
			if name, prefix, ok := strings.Cut(spec, ":"); ok {
				spec = name
				n := 0
				for _, r := range prefix {
					if r < '0' || r > '9' {
						n = 0
						break
					}
					n = n*10 + int(r-'0')
					if n > 10000 {
						break
					}
				}
				v.Prefix = n
			}
			if spec == "" || seen[spec] {
				continue
			}
			seen[spec] = true
			v.Name = spec
			out = append(out, v)
		}
	}
}

func objectSchema(props *object, required []any) json.RawMessage {
	s := newObject()
	s.set("type", "object")
	s.set("properties", props)
	if len(required) > 0 {
		s.set("required", required)
	}
	return encode(s)
}
