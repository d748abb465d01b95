package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Split-endpoint servers. Some servers that speak JSON-RPC over SSE do not
// announce where to POST with an `endpoint` event: a popular pattern opens
// the stream at /notifications, says `data: Connected to session ID`, and
// takes POSTs at /mcp?session_id=ID. Config.Endpoint is then a template of
// the POST URL, with {session} filled from the stream: the id is picked out
// of the stream's first events (Config.SessionFrom, or the common shapes
// sessionIDIn knows), and may also go in a header (Config.SessionHeader).

// SessionPlaceholder is what an endpoint template's session id stands for.
const SessionPlaceholder = "{session}"

// maxSessionEvents bounds the events the stream may send before the one
// that gives the session id: past it, connecting fails with a hint rather
// than waiting for the timeout.
const maxSessionEvents = 16

// maxSessionID bounds a session id taken from a stream (it goes back on
// every request).
const maxSessionID = 256

// maxSessionScan bounds the text of one event searched for a session id.
const maxSessionScan = 8 << 10

// The session-id patterns are compiled on first use (only a split
// server's stream needs them), not at package initialisation, which every
// sonde process pays.
var (
	// "session_id=ID", "sessionId: ID", "session-id = "ID""
	sessionAssignRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\bsession[_-]?id"?\s*[=:]\s*"?([A-Za-z0-9][A-Za-z0-9._~+/=:-]*)`)
	})
	// "Connected to session ID", "session ID: ID", "session is ID"
	sessionProseRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\bsession(?:\s+id)?(?:\s*[:=]\s*|\s+is\s+|\s+)([A-Za-z0-9][A-Za-z0-9._~-]{7,})`)
	})
)

// sessionMembers are the JSON members that name a session id.
var sessionMembers = []string{"sessionId", "session_id", "sessionID", "sessionid", "session"}

// SessionIDIn picks a session id out of one SSE event's data: with re (one
// capture group), its first match's group; without, the common shapes: a
// JSON object's sessionId or session_id member (at the top level or in an
// object one level down), `session_id=ID` or `sessionId: ID` anywhere in
// the text, or prose such as `Connected to session ID` (an id of 8
// characters or more with a digit in it, so that "session established" is
// no id). The id must be usable in a header and (escaped) in a URL: 1 to
// 256 printable ASCII characters without spaces, and not "." or "..".
func SessionIDIn(data string, re *regexp.Regexp) (string, bool) {
	if len(data) > maxSessionScan {
		data = data[:maxSessionScan]
	}
	if re != nil {
		m := re.FindStringSubmatch(data)
		if len(m) < 2 || !usableSessionID(m[1]) {
			return "", false
		}
		return m[1], true
	}
	if id, ok := sessionMember([]byte(data), 2); ok {
		if !usableSessionID(id) {
			return "", false
		}
		return id, true
	}
	if m := sessionAssignRE().FindStringSubmatch(data); m != nil && usableSessionID(m[1]) {
		return m[1], true
	}
	for _, m := range sessionProseRE().FindAllStringSubmatch(data, 4) {
		if strings.ContainsAny(m[1], "0123456789") && usableSessionID(m[1]) {
			return m[1], true
		}
	}
	return "", false
}

// sessionMember finds a session member in a JSON object, looking depth
// levels deep.
func sessionMember(data []byte, depth int) (string, bool) {
	data = bytes.TrimSpace(data)
	if depth == 0 || len(data) == 0 || data[0] != '{' {
		return "", false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return "", false
	}
	for _, k := range sessionMembers {
		v, ok := obj[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s, s != ""
		}
		var n json.Number
		if json.Unmarshal(v, &n) == nil {
			return n.String(), true
		}
		if id, ok := sessionMember(v, 1); ok { // "session": {"id": ...}
			return id, true
		}
		var inner struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(v, &inner) == nil && json.Unmarshal(inner.ID, &s) == nil && s != "" {
			return s, true
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same answer every time
	for _, k := range keys {
		if id, ok := sessionMember(obj[k], depth-1); ok {
			return id, true
		}
	}
	return "", false
}

// usableSessionID reports whether id can be put in a header as it is and
// in a URL escaped: 1 to 256 printable ASCII characters, no spaces, and
// not "." or ".." (which an escaped path still takes as a dot segment).
func usableSessionID(id string) bool {
	if id == "" || len(id) > maxSessionID || id == "." || id == ".." {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// ExpandEndpoint fills an endpoint template's {session} with id (escaped
// for the part of the URL it stands in: path or query) and resolves the
// result against base, the SSE stream's URL. A template without
// {session} is used as it is. The id can never move the URL to another
// origin, add a query parameter or a path segment: that is checked against
// the template expanded with a plain id.
func ExpandEndpoint(template string, base *url.URL, id string) (*url.URL, error) {
	if strings.Contains(template, SessionPlaceholder) && !usableSessionID(id) {
		return nil, fmt.Errorf("unusable session id %q", truncateID(id))
	}
	u, err := expandWith(template, base, id)
	if err != nil {
		return nil, err
	}
	plain, err := expandWith(template, base, "0")
	if err != nil {
		return nil, err
	}
	if Origin(u) != Origin(plain) || strings.Count(u.EscapedPath(), "/") != strings.Count(plain.EscapedPath(), "/") || !sameKeys(u.Query(), plain.Query()) {
		return nil, fmt.Errorf("the session id %q changes the shape of the endpoint %s", truncateID(id), RedactURL(plain.String()))
	}
	return u, nil
}

func expandWith(template string, base *url.URL, id string) (*url.URL, error) {
	query := strings.IndexAny(template, "?#")
	var b strings.Builder
	for rest, at := template, 0; ; {
		i := strings.Index(rest, SessionPlaceholder)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		if query >= 0 && at+i > query {
			b.WriteString(url.QueryEscape(id))
		} else {
			b.WriteString(url.PathEscape(id))
		}
		rest, at = rest[i+len(SessionPlaceholder):], at+i+len(SessionPlaceholder)
	}
	ref, err := url.Parse(b.String())
	if err != nil {
		return nil, fmt.Errorf("bad --endpoint %q: %v", RedactURL(template), err)
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad --endpoint %q: not an http(s) URL", RedactURL(template))
	}
	return u, nil
}

func sameKeys(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if len(b[k]) != len(v) {
			return false
		}
	}
	return true
}

func truncateID(id string) string {
	if len(id) > 40 {
		return id[:40] + "…"
	}
	return id
}

// CheckEndpointTemplate says whether an endpoint template can be used: it
// parses as a URL (relative or absolute http(s)) once {session} is filled.
func CheckEndpointTemplate(template string) error {
	if template == "" {
		return errors.New("empty endpoint template")
	}
	base, _ := url.Parse("http://localhost/")
	_, err := expandWith(template, base, "0")
	return err
}

// needsSession reports whether the POSTs need the stream's session id: the
// template names it, or it goes in a header.
func (c *Config) needsSession() bool {
	return strings.Contains(c.Endpoint, SessionPlaceholder) || c.SessionHeader != ""
}

// lenient reports whether the session takes a server as it comes: an
// initialize answer that is no InitializeResult, answers without
// "jsonrpc", data that is no JSON-RPC at all (Config.Lenient, implied by
// Config.Endpoint).
func (c *Config) lenient() bool { return c.Lenient || c.Endpoint != "" }
