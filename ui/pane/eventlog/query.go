package eventlog

import (
	"path"
	"slices"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// Query is a parsed log filter. The language is a list of terms separated
// by spaces; terms with different keys must all match, terms with the same
// key match if any does; a leading '-' negates a term:
//
//	method:tools/call   Method or, on an answer, the method it answers (globs: tools/*)
//	dir:in|out|meta     direction (also < and >)
//	kind:keepalive      event kind: message request notification response error
//	                    sse comment http state stderr info keepalive
//	id:7                JSON-RPC id (quotes ignored)
//	stream:GET          wire stream (GET POST stdout stderr ...)
//	status:404          HTTP status
//	free text           case-insensitive substring of the kind column and summary
//	"quoted text"       a phrase with spaces
type Query struct {
	text  string
	terms []term
	// unknown are key: prefixes that are not keys (nonsense:foo); such a
	// term is free text, and the log says so
	unknown []string
}

type term struct {
	key    string // "" = free text
	value  string // lower-cased
	negate bool
}

var queryKeys = map[string]bool{"method": true, "dir": true, "kind": true, "id": true, "stream": true, "status": true, "is": true}

// queryKeyNames lists the keys for messages, in the order the help gives.
const queryKeyNames = "method: dir: kind: id: stream: status: is:"

// ParseQuery parses a filter. It never fails: anything that is not a known
// key:value term is free text; a word before a colon that is not a key is
// noted in unknown (not a URL's scheme://).
func ParseQuery(s string) Query {
	q := Query{text: s}
	for _, tok := range splitQuery(s) {
		t := term{}
		if strings.HasPrefix(tok, "-") && len(tok) > 1 {
			t.negate = true
			tok = tok[1:]
		}
		if k, v, ok := strings.Cut(tok, ":"); ok && queryKeys[strings.ToLower(k)] && v != "" {
			t.key, t.value = strings.ToLower(k), strings.ToLower(v)
			if t.key == "is" { // is:error is kind:error
				t.key = "kind"
			}
		} else {
			if ok && v != "" && isKeyWord(k) && !strings.HasPrefix(v, "//") && !slices.Contains(q.unknown, strings.ToLower(k)) {
				q.unknown = append(q.unknown, strings.ToLower(k))
			}
			t.value = strings.ToLower(strings.Trim(tok, `"`))
		}
		if t.value == "" {
			continue
		}
		q.terms = append(q.terms, t)
	}
	return q
}

// isKeyWord reports a word that reads as a filter key: letters only.
func isKeyWord(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// unknownNote says which keys were not understood, or "".
func (q Query) unknownNote() string {
	if len(q.unknown) == 0 {
		return ""
	}
	return "unknown key " + strings.Join(q.unknown, ": ") + ": (matched as text; keys: " + queryKeyNames + ")"
}

// splitQuery splits on spaces, keeping "quoted phrases" together.
func splitQuery(s string) []string {
	var out []string
	var b strings.Builder
	inQ := false
	for _, r := range s {
		switch {
		case r == '"':
			inQ = !inQ
		case r == ' ' && !inQ:
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

func (q Query) empty() bool { return len(q.terms) == 0 }

// Match reports whether the entry passes the filter.
func (q Query) Match(en *Entry) bool {
	if len(q.terms) == 0 {
		return true
	}
	// Group by key: AND across keys, OR within a key (negations AND).
	groups := map[string]int{} // key → 0 none seen, 1 seen unmatched, 2 matched
	for _, t := range q.terms {
		ok := t.matches(en)
		if t.negate {
			if ok {
				return false
			}
			continue
		}
		g := t.key
		if g == "" {
			// every free-text word must match on its own
			if !ok {
				return false
			}
			continue
		}
		if ok {
			groups[g] = 2
		} else if groups[g] == 0 {
			groups[g] = 1
		}
	}
	for _, v := range groups {
		if v == 1 {
			return false
		}
	}
	return true
}

func (t term) matches(en *Entry) bool {
	e := &en.Ev
	switch t.key {
	case "method":
		return globMatch(t.value, strings.ToLower(e.Method)) || globMatch(t.value, strings.ToLower(e.ReqMethod))
	case "dir":
		switch t.value {
		case "in", "<", "recv", "server":
			return e.Dir == mcp.DirIn
		case "out", ">", "sent", "client":
			return e.Dir == mcp.DirOut
		case "meta":
			return e.Dir == mcp.DirMeta
		}
		return false
	case "kind":
		return kindMatches(t.value, e)
	case "id":
		id := strings.ToLower(strings.Trim(e.ID, `"`))
		return id != "" && (id == strings.Trim(t.value, `"`))
	case "stream":
		return strings.EqualFold(e.Stream, t.value)
	case "status":
		return e.Status != 0 && globMatch(t.value, itoa(e.Status))
	}
	// free text
	if strings.Contains(strings.ToLower(en.Label()), t.value) {
		return true
	}
	return strings.Contains(strings.ToLower(en.Summary()), t.value)
}

func kindMatches(v string, e *mcp.Event) bool {
	switch v {
	case "keepalive", "ka":
		return e.IsKeepalive()
	case "error", "err", "errors":
		return e.Kind == mcp.KindError || e.RPC == mcp.RPCErrorResponse || e.Err != "" || isErrorResult(e)
	case "request", "req":
		return e.RPC == mcp.RPCRequest
	case "notification", "notify", "note":
		return e.RPC == mcp.RPCNotification
	case "response", "result", "answer":
		return e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse
	case "message", "msg", "rpc":
		return e.Kind == mcp.KindMessage
	case "sse":
		return e.Kind == mcp.KindSSE || e.Kind == mcp.KindComment || e.SSEEvent != ""
	}
	return strings.EqualFold(string(e.Kind), v)
}

// isErrorResult reports a tools/call result with isError: true, cheaply.
func isErrorResult(e *mcp.Event) bool {
	return e.RPC == mcp.RPCResponse && e.ReqMethod == "tools/call" && strings.Contains(string(e.Raw), `"isError":true`)
}

func globMatch(pattern, s string) bool {
	if s == "" {
		return false
	}
	if !strings.ContainsAny(pattern, "*?[") {
		return pattern == s
	}
	ok, err := path.Match(pattern, s)
	if err != nil {
		return false
	}
	if ok {
		return true
	}
	// "tools/*" should also match deeper names like notifications/tools/list_changed? no: keep path semantics,
	// but let a trailing * match across slashes ("notifications/*").
	if strings.HasSuffix(pattern, "*") && !strings.ContainsAny(pattern[:len(pattern)-1], "*?[") {
		return strings.HasPrefix(s, pattern[:len(pattern)-1])
	}
	return false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Unknown is the key: prefixes of the filter that are not keys (matched
// as text).
func (q Query) Unknown() []string { return q.unknown }
