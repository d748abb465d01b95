// Package policy answers server-to-client requests without a human:
// elicitation, sampling and roots, as the headless CLI and the conformance
// driver are told to (--elicitation, --sampling, --root). The terminal UI's
// "answer all like this" rules are the same policies, written the same way.
//
// The forms:
//
//	--sampling reject           error -1, the user rejected it
//	--sampling reply:TEXT       a reply with this text
//	--sampling template:TEXT    a reply built from TEXT, where {{message}}
//	                            is the text of the request's last user
//	                            message and {{system}} its system prompt
//	--elicitation decline | cancel
//	--elicitation accept-defaults   accept with the requested schema's
//	                            defaults
//	--elicitation accept:JSON   the same, with the members of the JSON
//	                            object over the defaults
//
// An accepting policy that cannot give a valid answer (a required field
// with no default and no value in accept:JSON, or content the requested
// schema rejects) declines instead, and says why through Policy.Note:
// making up a value ("" for a required name) would answer for the user.
package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/schema"
)

// Elicitation says how elicitation/create is answered.
type Elicitation string

// Elicitation policies. Besides these constants, "accept:JSON" accepts
// with the defaults overlaid by the members of a JSON object.
const (
	// ElicitAcceptDefaults accepts with every property that has a
	// default (declining when a required one has none).
	ElicitAcceptDefaults Elicitation = "accept-defaults"
	ElicitDecline        Elicitation = "decline"
	ElicitCancel         Elicitation = "cancel"
)

// Prefixes of the policies that carry a value.
const (
	// SamplingReply prefixes a fixed sampling reply ("reply:TEXT").
	SamplingReply = "reply:"
	// SamplingTemplate prefixes a sampling reply built from the request
	// ("template:TEXT", with {{message}} and {{system}}).
	SamplingTemplate = "template:"
	// ElicitAccept prefixes an elicitation accepted with fixed content
	// over the defaults ("accept:JSON").
	ElicitAccept = "accept:"
)

// Policy is a set of headless answers.
type Policy struct {
	// Elicitation is "" (no elicitation support), one of the constants,
	// or "accept:JSON".
	Elicitation Elicitation
	// Sampling is "" (no sampling support), "reject", "reply:TEXT" or
	// "template:TEXT".
	Sampling string
	// Roots are directories offered by roots/list (nil: no roots support).
	Roots []string
	// Note, if set, receives one line when the policy answers otherwise
	// than it was told to (an elicitation it had to decline, and why).
	Note func(string)
}

// Parse checks the flag values.
func Parse(elicitation, sampling string, roots []string) (Policy, error) {
	p := Policy{Elicitation: Elicitation(elicitation), Sampling: sampling}
	if err := CheckElicitation(elicitation); err != nil {
		return p, fmt.Errorf("--elicitation: %w", err)
	}
	if err := CheckSampling(sampling); err != nil {
		return p, fmt.Errorf("--sampling: %w", err)
	}
	for _, r := range roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			return p, fmt.Errorf("--root %q: %w", r, err)
		}
		p.Roots = append(p.Roots, abs)
	}
	return p, nil
}

// CheckSampling reports whether s is a sampling policy ("" is none).
func CheckSampling(s string) error {
	if s == "" || s == "reject" || strings.HasPrefix(s, SamplingReply) || strings.HasPrefix(s, SamplingTemplate) {
		return nil
	}
	return fmt.Errorf("unknown sampling policy %q (reject, reply:TEXT or template:TEXT)", s)
}

// CheckElicitation reports whether s is an elicitation policy ("" is
// none).
func CheckElicitation(s string) error {
	switch Elicitation(s) {
	case "", ElicitAcceptDefaults, ElicitDecline, ElicitCancel:
		return nil
	}
	if js, ok := strings.CutPrefix(s, ElicitAccept); ok {
		var o map[string]json.RawMessage
		if err := json.Unmarshal([]byte(js), &o); err != nil || o == nil {
			return fmt.Errorf("accept: needs a JSON object, as in accept:{\"name\":\"Ada\"}")
		}
		return nil
	}
	return fmt.Errorf("unknown elicitation policy %q (accept-defaults, accept:JSON, decline or cancel)", s)
}

// Capabilities are the client capabilities the policy can honour.
func (p Policy) Capabilities() json.RawMessage {
	caps := map[string]any{}
	if p.Elicitation != "" {
		caps["elicitation"] = map[string]any{"form": map[string]any{}, "url": map[string]any{}}
	}
	if p.Sampling != "" {
		caps["sampling"] = map[string]any{}
	}
	if p.Roots != nil {
		caps["roots"] = map[string]any{"listChanged": true}
	}
	b, _ := json.Marshal(caps)
	return b
}

// Handler answers server requests by the policy.
func (p Policy) Handler() mcp.RequestHandler {
	return func(ctx context.Context, req *mcp.ServerRequest) (any, error) {
		return p.Answer(req.Method, req.Params)
	}
}

// Answer answers one request (also used for 2026-07-28 input requests).
func (p Policy) Answer(method string, params json.RawMessage) (any, error) {
	switch method {
	case "elicitation/create":
		return p.elicit(params)
	case "sampling/createMessage":
		return p.sample(params)
	case "roots/list":
		if p.Roots == nil {
			break
		}
		return Roots(p.Roots), nil
	}
	return nil, &mcp.RPCError{Code: mcp.CodeMethodNotFound, Message: "sonde (headless) does not answer " + method}
}

// Roots builds a roots/list result.
func Roots(dirs []string) map[string]any {
	roots := []map[string]string{}
	for _, d := range dirs {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(d)}
		roots = append(roots, map[string]string{"uri": u.String(), "name": filepath.Base(d)})
	}
	return map[string]any{"roots": roots}
}

func (p Policy) sample(params json.RawMessage) (any, error) {
	text, ok := strings.CutPrefix(p.Sampling, SamplingReply)
	if tmpl, isTmpl := strings.CutPrefix(p.Sampling, SamplingTemplate); isTmpl {
		text, ok = fillTemplate(tmpl, params), true
	}
	if !ok {
		if p.Sampling == "" {
			return nil, &mcp.RPCError{Code: mcp.CodeMethodNotFound, Message: "sonde (headless) does not answer sampling/createMessage"}
		}
		return nil, &mcp.RPCError{Code: -1, Message: "the user rejected the sampling request"}
	}
	return map[string]any{"role": "assistant", "content": map[string]any{"type": "text", "text": text},
		"model": "sonde-headless", "stopReason": "endTurn"}, nil
}

// fillTemplate replaces {{message}} with the text of the request's last
// user message (its first text block) and {{system}} with its system
// prompt.
func fillTemplate(tmpl string, params json.RawMessage) string {
	var req struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		SystemPrompt string `json:"systemPrompt"`
	}
	json.Unmarshal(params, &req)
	message := ""
	for i := len(req.Messages) - 1; i >= 0 && message == ""; i-- {
		if req.Messages[i].Role != "user" {
			continue
		}
		blocks := []json.RawMessage{req.Messages[i].Content}
		if c := strings.TrimSpace(string(req.Messages[i].Content)); strings.HasPrefix(c, "[") {
			blocks = nil
			json.Unmarshal(req.Messages[i].Content, &blocks)
		}
		for _, b := range blocks {
			if c := mcp.DecodeContent(b); c.Type == "text" && c.Text != "" {
				message = c.Text
				break
			}
		}
	}
	return strings.NewReplacer("{{message}}", message, "{{system}}", req.SystemPrompt).Replace(tmpl)
}

func (p Policy) elicit(params json.RawMessage) (any, error) {
	switch p.Elicitation {
	case "":
		return nil, &mcp.RPCError{Code: mcp.CodeMethodNotFound, Message: "sonde (headless) does not answer elicitation/create"}
	case ElicitDecline:
		return map[string]any{"action": "decline"}, nil
	case ElicitCancel:
		return map[string]any{"action": "cancel"}, nil
	}
	var req struct {
		Mode            string          `json:"mode"`
		RequestedSchema json.RawMessage `json:"requestedSchema"`
	}
	if err := json.Unmarshal(params, &req); err != nil {
		return nil, errors.New("unreadable elicitation request")
	}
	if req.Mode == "url" {
		// Headless: consent to the URL without opening it.
		return map[string]any{"action": "accept"}, nil
	}
	content, missing := Defaults(req.RequestedSchema)
	if js, ok := strings.CutPrefix(string(p.Elicitation), ElicitAccept); ok {
		var over map[string]json.RawMessage
		if err := json.Unmarshal([]byte(js), &over); err != nil {
			return nil, fmt.Errorf("the accept: policy is not a JSON object: %w", err)
		}
		for k, v := range over {
			content[k] = v
			missing = slices.DeleteFunc(missing, func(m string) bool { return m == k })
		}
	}
	if len(missing) > 0 {
		return p.decline(params, fmt.Sprintf("required %s no default (give %s with --elicitation accept:JSON)",
			plural(missing, "field %s has", "fields %s have"), plural(missing, "it", "them")))
	}
	if why := invalid(req.RequestedSchema, content); why != "" {
		return p.decline(params, why)
	}
	return map[string]any{"action": "accept", "content": content}, nil
}

// decline answers an elicitation the policy cannot accept, and says why.
func (p Policy) decline(params json.RawMessage, why string) (any, error) {
	if p.Note != nil {
		var req struct {
			Message string `json:"message"`
		}
		json.Unmarshal(params, &req)
		p.Note(fmt.Sprintf("declined the elicitation %q: %s", mcp.FirstLine(req.Message, 80), why))
	}
	return map[string]any{"action": "decline"}, nil
}

// invalid says why content does not satisfy the requested schema ("" when
// it does).
func invalid(requested json.RawMessage, content map[string]any) string {
	if len(requested) == 0 {
		return ""
	}
	s, err := schema.Compile(requested)
	if err != nil {
		return "the requested schema is unusable: " + err.Error()
	}
	b, err := json.Marshal(content)
	if err != nil {
		return err.Error()
	}
	errs := s.Validate(b)
	if len(errs) == 0 {
		return ""
	}
	var parts []string
	for _, e := range errs[:min(3, len(errs))] {
		parts = append(parts, schema.Sanitize(e.String()))
	}
	return "the answer would not satisfy the requested schema: " + strings.Join(parts, "; ")
}

// plural quotes names into one or other form.
func plural(names []string, one, many string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(names) == 1 {
		return strings.Replace(one, "%s", q[0], 1)
	}
	return strings.Replace(many, "%s", strings.Join(q, ", "), 1)
}

// Defaults builds form content from a requestedSchema: every property's
// default. missing lists the required properties without one (sorted).
func Defaults(schema json.RawMessage) (content map[string]any, missing []string) {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	json.Unmarshal(schema, &s)
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	out := map[string]any{}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		var prop struct {
			Default json.RawMessage `json:"default"`
		}
		json.Unmarshal(s.Properties[name], &prop)
		switch {
		case len(prop.Default) > 0:
			out[name] = prop.Default
		case required[name]:
			missing = append(missing, name)
		}
	}
	return out, missing
}
