package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Some servers keep their streams busy with data messages rather than SSE
// comments or pings: `data: {"type":"keepalive"}` every 30 s, or `data:
// heartbeat`. They are not JSON-RPC, so without a rule each would be an
// "invalid JSON-RPC" error in the log. A message a rule matches is a
// keepalive instead (Event.Keepalive): counted in the header, hidden by the
// log's keepalive toggle, never an error.

// KeepaliveRule recognises one shape of keepalive data message. The zero
// value matches nothing.
type KeepaliveRule struct {
	member, value string         // a top-level JSON member and its value
	re            *regexp.Regexp // or a pattern the whole payload matches
	text          string         // the rule as the user wrote it
}

// String is the rule as it was written.
func (r KeepaliveRule) String() string { return r.text }

// ParseKeepaliveRule reads a rule: MEMBER=VALUE matches a JSON object whose
// top-level MEMBER is VALUE (a string, or the JSON text of a number or
// boolean: op=ping, type=hb, alive=true); /REGEXP/ matches a payload (JSON
// or text) that the regular expression finds a match in.
func ParseKeepaliveRule(s string) (KeepaliveRule, error) {
	if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
		re, err := regexp.Compile(s[1 : len(s)-1])
		if err != nil {
			return KeepaliveRule{}, fmt.Errorf("keepalive rule %q: %v", s, err)
		}
		return KeepaliveRule{re: re, text: s}, nil
	}
	member, value, ok := strings.Cut(s, "=")
	if !ok || member == "" {
		return KeepaliveRule{}, errors.New("keepalive rule " + fmt.Sprintf("%q", s) + ": write MEMBER=VALUE (type=heartbeat) or /REGEXP/")
	}
	return KeepaliveRule{member: member, value: value, text: s}, nil
}

// keepaliveWords are the names the built-in rule knows, for a `type`,
// `event`, `kind` or `op` member, or as the whole text of a payload.
var keepaliveWords = []string{"keepalive", "keep-alive", "keep_alive", "heartbeat", "ping", "pong"}

// maxKeepaliveSize bounds the payloads the rules look at: a keepalive is
// small, and a large message is never one.
const maxKeepaliveSize = 4 << 10

// isKeepaliveData reports whether data (an SSE event's data or a stdio
// line that is not JSON-RPC) is a keepalive message: the built-in shapes
// ({"type":"keepalive"}, {"event":"heartbeat"}, a bare `ping`), or one of
// the user's rules.
func isKeepaliveData(data []byte, rules []KeepaliveRule) bool {
	if len(data) > maxKeepaliveSize {
		return false
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return false
	}
	var obj map[string]json.RawMessage
	isObj := data[0] == '{' && json.Unmarshal(data, &obj) == nil
	if !isObj {
		for _, w := range keepaliveWords {
			if strings.EqualFold(string(data), w) {
				return true
			}
		}
	} else if _, rpc := obj["jsonrpc"]; !rpc {
		for _, k := range [...]string{"type", "event", "kind", "op"} {
			var v string
			if json.Unmarshal(obj[k], &v) == nil {
				for _, w := range keepaliveWords {
					if strings.EqualFold(v, w) {
						return true
					}
				}
			}
		}
	}
	for _, r := range rules {
		switch {
		case r.re != nil:
			if r.re.Match(data) {
				return true
			}
		case isObj && r.member != "":
			v, ok := obj[r.member]
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(v, &s) == nil {
				if s == r.value {
					return true
				}
			} else if string(bytes.TrimSpace(v)) == r.value {
				return true
			}
		}
	}
	return false
}
