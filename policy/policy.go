// Package policy answers server-to-client requests without a human:
// elicitation, sampling and roots, as the headless CLI and the conformance
// driver are told to (--elicitation, --sampling, --root).
package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// Elicitation says how elicitation/create is answered.
type Elicitation string

// Elicitation policies.
const (
	// ElicitAcceptDefaults accepts, filling every property that has a
	// default, and required ones without a default with a value of their type.
	ElicitAcceptDefaults Elicitation = "accept-defaults"
	ElicitDecline        Elicitation = "decline"
	ElicitCancel         Elicitation = "cancel"
)

// Policy is a set of headless answers.
type Policy struct {
	// Elicitation is "" (no elicitation support), or one of the constants.
	Elicitation Elicitation
	// Sampling is "" (no sampling support), "reject", or "reply:TEXT".
	Sampling string
	// Roots are directories offered by roots/list (nil: no roots support).
	Roots []string
}

// Parse checks the flag values.
func Parse(elicitation, sampling string, roots []string) (Policy, error) {
	p := Policy{Elicitation: Elicitation(elicitation), Sampling: sampling}
	switch p.Elicitation {
	case "", ElicitAcceptDefaults, ElicitDecline, ElicitCancel:
	default:
		return p, fmt.Errorf("unknown --elicitation %q (accept-defaults, decline or cancel)", elicitation)
	}
	if sampling != "" && sampling != "reject" && !strings.HasPrefix(sampling, "reply:") {
		return p, fmt.Errorf("unknown --sampling %q (reject or reply:TEXT)", sampling)
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
		return p.sample()
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

func (p Policy) sample() (any, error) {
	text, ok := strings.CutPrefix(p.Sampling, "reply:")
	if !ok {
		if p.Sampling == "" {
			return nil, &mcp.RPCError{Code: mcp.CodeMethodNotFound, Message: "sonde (headless) does not answer sampling/createMessage"}
		}
		return nil, &mcp.RPCError{Code: -1, Message: "the user rejected the sampling request"}
	}
	return map[string]any{"role": "assistant", "content": map[string]any{"type": "text", "text": text},
		"model": "sonde-headless", "stopReason": "endTurn"}, nil
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
	return map[string]any{"action": "accept", "content": Defaults(req.RequestedSchema)}, nil
}

// Defaults builds form content from a requestedSchema: every property's
// default, and for required properties without one a value of their type
// (the first enum value, "", 0, false, an empty list).
func Defaults(schema json.RawMessage) map[string]any {
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
			Type    string            `json:"type"`
			Default json.RawMessage   `json:"default"`
			Enum    []json.RawMessage `json:"enum"`
			OneOf   []struct {
				Const json.RawMessage `json:"const"`
			} `json:"oneOf"`
		}
		json.Unmarshal(s.Properties[name], &prop)
		switch {
		case len(prop.Default) > 0:
			out[name] = prop.Default
		case !required[name]:
		case len(prop.Enum) > 0:
			out[name] = prop.Enum[0]
		case len(prop.OneOf) > 0 && len(prop.OneOf[0].Const) > 0:
			out[name] = prop.OneOf[0].Const
		case prop.Type == "integer" || prop.Type == "number":
			out[name] = 0
		case prop.Type == "boolean":
			out[name] = false
		case prop.Type == "array":
			out[name] = []any{}
		default:
			out[name] = ""
		}
	}
	return out
}
