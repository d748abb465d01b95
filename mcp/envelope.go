package mcp

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
)

// envelope is what routing needs from a JSON-RPC message: its type, method
// and id. Reading only that keeps the ingest path fast; the full decode
// happens only where something uses the contents (an answer a call waits
// for, a server request, progress a call listens to).
type envelope struct {
	rpc    RPCType
	method string
	id     string // JSON text
}

// maxScanDepth bounds nesting the scanner follows; deeper input is checked
// by encoding/json instead (it has its own limit).
const maxScanDepth = 256

var errDeep = errors.New("too deep")

// scanEnvelope validates raw as JSON in one pass and classifies it as a
// JSON-RPC message. It is written by hand because the envelope is on the
// hottest path of the inspector (every SSE event and stdio line): it works
// on local variables, checks strings eight bytes at a time and never
// allocates for the usual method names. A differential fuzz test
// (FuzzScanEnvelope) holds it to encoding/json. Errors wrap ErrNotJSON when
// raw is not JSON at all.
func scanEnvelope(raw []byte) (envelope, error) {
	env, err := envelopeOf(raw)
	if errors.Is(err, errDeep) {
		if !json.Valid(raw) {
			return envelope{}, fmt.Errorf("%w: %s", ErrNotJSON, notJSONReason(raw))
		}
		return fallbackEnvelope(raw)
	}
	return env, err
}

// fallbackEnvelope classifies a valid but deeply nested message.
func fallbackEnvelope(raw []byte) (envelope, error) {
	m, err := DecodeMessage(raw)
	if err != nil {
		return envelope{}, err
	}
	return envelope{rpc: m.Type(), method: m.Method, id: m.IDKey()}, nil
}

func notJSON(what string, at int) error {
	return fmt.Errorf("%w: %s at offset %d", ErrNotJSON, what, at)
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipWS returns the index of the first byte at or after i that is not
// JSON whitespace. Between tokens there is usually none: one comparison
// (every whitespace byte is <= ' ') settles that.
func skipWS(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isWS(b[i]) {
		i++
	}
	return i
}

func envelopeOf(b []byte) (envelope, error) {
	var (
		env                                   envelope
		versionOK, hasVersion                 bool
		hasID, hasResult, hasErr, errIsObject bool
	)
	n := len(b)
	i := 0
	i = skipWS(b, i)
	if i >= n || b[i] != '{' {
		if i < n {
			// Not an object: still tell "not JSON" from "not JSON-RPC".
			j, err := skipValue(b, i)
			if err == nil {
				j = skipWS(b, j)
				if j == n {
					return env, errors.New("invalid JSON-RPC: not an object")
				}
				return env, notJSON("data after the value", j)
			}
			if errors.Is(err, errDeep) {
				return env, err
			}
			return env, notJSON(err.Error(), j)
		}
		return env, notJSON("expected an object", i)
	}
	i++
	i = skipWS(b, i)
	if i < n && b[i] == '}' {
		i++
	} else {
		for {
			i = skipWS(b, i)
			// The key. Member names that matter have no escapes; a key with
			// escapes is decoded to compare it.
			if i >= n || b[i] != '"' {
				return env, notJSON("expected a key", i)
			}
			ks := i + 1
			j := plainRun(b, ks)
			var key []byte
			if j < n && b[j] == '"' {
				key = b[ks:j]
				i = j + 1
			} else {
				e, err := skipStr(b, i)
				if err != nil {
					return env, notJSON(err.Error(), e)
				}
				var k string
				if json.Unmarshal(b[i:e], &k) != nil {
					return env, notJSON("bad key", i)
				}
				key, i = []byte(k), e
			}
			i = skipWS(b, i)
			if i >= n || b[i] != ':' {
				return env, notJSON("expected ':'", i)
			}
			i++
			i = skipWS(b, i)
			start := i
			e, err := skipValue(b, i)
			if err != nil {
				if errors.Is(err, errDeep) {
					return env, err
				}
				return env, notJSON(err.Error(), e)
			}
			i = e
			switch string(key) {
			case "jsonrpc":
				hasVersion = true
				versionOK = string(b[start:i]) == `"2.0"`
			case "method":
				if b[start] == '"' {
					env.method = stringValue(b[start:i])
				}
			case "id":
				if string(b[start:i]) != "null" {
					hasID = true
					env.id = string(b[start:i])
				}
			case "result":
				hasResult = true
			case "error":
				hasErr = true
				errIsObject = b[start] == '{'
			}
			i = skipWS(b, i)
			if i >= n {
				return env, notJSON("unexpected end", i)
			}
			if b[i] == ',' {
				i++
				continue
			}
			if b[i] == '}' {
				i++
				break
			}
			return env, notJSON("expected ',' or '}'", i)
		}
	}
	i = skipWS(b, i)
	if i != n {
		return env, notJSON("data after the message", i)
	}
	if !hasVersion {
		return env, errors.New(`invalid JSON-RPC: "jsonrpc" is missing`)
	}
	if !versionOK {
		return env, errors.New(`invalid JSON-RPC: "jsonrpc" is not "2.0"`)
	}
	switch {
	case env.method != "" && !hasResult && !hasErr:
		env.rpc = RPCNotification
		if hasID {
			env.rpc = RPCRequest
		}
	case env.method == "" && hasErr && errIsObject && !hasResult:
		env.rpc = RPCErrorResponse
	case env.method == "" && hasResult && !hasErr && hasID:
		env.rpc = RPCResponse
	default:
		return env, invalidRPC(env.method != "", hasID, hasResult, hasErr, errIsObject)
	}
	return env, nil
}

// invalidRPC says what makes a well-formed object no JSON-RPC message.
func invalidRPC(method, id, result, isErr, errIsObject bool) error {
	why := "neither a request, a notification nor a response"
	switch {
	case method:
		why = `"method" together with "result" or "error"`
	case result && isErr:
		why = `both "result" and "error"`
	case !result && !isErr:
		why = `neither "result" nor "error" (nor "method")`
	case isErr && !errIsObject:
		why = `"error" is not an object`
	case result && !id:
		why = `"result" without an id`
	}
	return errors.New("invalid JSON-RPC: " + why)
}

// stringValue returns the value of a validated JSON string literal,
// interning the usual method names.
func stringValue(lit []byte) string {
	body := lit[1 : len(lit)-1]
	if plainRun(body, 0) == len(body) && isASCII(body) {
		return intern(body)
	}
	var v string
	json.Unmarshal(lit, &v)
	return v
}

func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&highs != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// special marks the bytes a string scan must stop at: the quote, the
// backslash and control characters.
var special = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun returns the index of the first byte at or after i that a string
// scan must stop at (quote, backslash, control), checking eight bytes at a
// time: most of a message's bytes are string contents.
func plainRun(b []byte, i int) int {
	for i+8 <= len(b) {
		if m := stops(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for i < len(b) && !special[b[i]] {
		i++
	}
	return i
}

// stops flags the high bit of every byte of x (eight bytes of a string's
// body, little-endian) that ends a plain run: a control byte, '"' or '\\'.
// The lowest flagged byte is exact (a borrow only runs upward from a byte
// that is itself flagged). Small enough to be inlined where it is used.
func stops(x uint64) uint64 {
	q := x ^ (lows * '"')
	bs := x ^ (lows * '\\')
	return (((x - lows*0x20) & ^x) | ((q - lows) & ^q) | ((bs - lows) & ^bs)) & highs
}

// intern returns the method names and member values seen on almost every
// message, and the usual SSE event types, without allocating (a switch on
// string(b) does not allocate).
func intern(b []byte) string {
	switch string(b) {
	case "2.0":
		return "2.0"
	case "initialize":
		return "initialize"
	case "ping":
		return "ping"
	case "tools/list":
		return "tools/list"
	case "tools/call":
		return "tools/call"
	case "resources/list":
		return "resources/list"
	case "resources/read":
		return "resources/read"
	case "resources/templates/list":
		return "resources/templates/list"
	case "resources/subscribe":
		return "resources/subscribe"
	case "resources/unsubscribe":
		return "resources/unsubscribe"
	case "prompts/list":
		return "prompts/list"
	case "prompts/get":
		return "prompts/get"
	case "completion/complete":
		return "completion/complete"
	case "logging/setLevel":
		return "logging/setLevel"
	case "sampling/createMessage":
		return "sampling/createMessage"
	case "roots/list":
		return "roots/list"
	case "elicitation/create":
		return "elicitation/create"
	case "server/discover":
		return "server/discover"
	case "subscriptions/listen":
		return "subscriptions/listen"
	case "tasks/get":
		return "tasks/get"
	case "tasks/result":
		return "tasks/result"
	case "tasks/list":
		return "tasks/list"
	case "tasks/cancel":
		return "tasks/cancel"
	case "tasks/update":
		return "tasks/update"
	case "notifications/initialized":
		return "notifications/initialized"
	case "notifications/cancelled":
		return "notifications/cancelled"
	case "notifications/progress":
		return "notifications/progress"
	case "notifications/message":
		return "notifications/message"
	case "notifications/resources/updated":
		return "notifications/resources/updated"
	case "notifications/resources/list_changed":
		return "notifications/resources/list_changed"
	case "notifications/tools/list_changed":
		return "notifications/tools/list_changed"
	case "notifications/prompts/list_changed":
		return "notifications/prompts/list_changed"
	case "notifications/roots/list_changed":
		return "notifications/roots/list_changed"
	case "notifications/elicitation/complete":
		return "notifications/elicitation/complete"
	case "notifications/tasks/status":
		return "notifications/tasks/status"
	case "notifications/tasks":
		return "notifications/tasks"
	case "notifications/subscriptions/acknowledged":
		return "notifications/subscriptions/acknowledged"
	case "message": // SSE event types (the tap's event lines)
		return "message"
	case "endpoint":
		return "endpoint"
	}
	return string(b)
}

// skipValue validates the JSON value starting at b[i] and returns the index
// after it. It is one function over local variables with an explicit stack
// (a bit per level: object or array), because the ingest path runs it for
// every message and method calls per token cost more than the work.
func skipValue(b []byte, i int) (int, error) {
	var stack [maxScanDepth / 64]uint64 // 1 = object, 0 = array
	depth := 0
	obj := false // the innermost container is an object
	push := func(isObj bool) bool {
		if depth >= maxScanDepth {
			return false
		}
		if isObj {
			stack[depth/64] |= 1 << (depth % 64)
		} else {
			stack[depth/64] &^= 1 << (depth % 64)
		}
		depth++
		obj = isObj
		return true
	}
	pop := func() {
		depth--
		obj = depth > 0 && stack[(depth-1)/64]&(1<<((depth-1)%64)) != 0
	}
	n := len(b)
	// Each turn of the loop reads one value at i, then closes containers
	// and consumes separators until another value is due.
	for {
		i = skipWS(b, i)
		if i >= n {
			return i, errors.New("unexpected end")
		}
		switch c := b[i]; {
		case c == '"':
			j, err := skipStr(b, i)
			if err != nil {
				return j, err
			}
			i = j
		case c == '{':
			if !push(true) {
				return i, errDeep
			}
			i++
			i = skipWS(b, i)
			if i < n && b[i] == '}' {
				pop()
				i++
				break
			}
			// the first key
			if i >= n || b[i] != '"' {
				return i, errors.New("expected a key")
			}
			j, err := skipStr(b, i)
			if err != nil {
				return j, err
			}
			i = j
			i = skipWS(b, i)
			if i >= n || b[i] != ':' {
				return i, errors.New("expected ':'")
			}
			i++
			continue
		case c == '[':
			if !push(false) {
				return i, errDeep
			}
			i++
			i = skipWS(b, i)
			if i < n && b[i] == ']' {
				pop()
				i++
				break
			}
			continue
		case c == '-' || c >= '0' && c <= '9':
			j, ok := skipNumber(b, i)
			if !ok {
				return j, errors.New("bad number")
			}
			i = j
		case c == 't':
			if n-i < 4 || string(b[i:i+4]) != "true" {
				return i, errors.New("bad literal")
			}
			i += 4
		case c == 'f':
			if n-i < 5 || string(b[i:i+5]) != "false" {
				return i, errors.New("bad literal")
			}
			i += 5
		case c == 'n':
			if n-i < 4 || string(b[i:i+4]) != "null" {
				return i, errors.New("bad literal")
			}
			i += 4
		default:
			return i, errors.New("unexpected character")
		}
		// After a value: close containers, or find the next element.
		for {
			if depth == 0 {
				return i, nil
			}
			i = skipWS(b, i)
			if i >= n {
				return i, errors.New("unexpected end")
			}
			c := b[i]
			if c == ',' {
				i++
				if obj {
					i = skipWS(b, i)
					if i >= n || b[i] != '"' {
						return i, errors.New("expected a key")
					}
					j, err := skipStr(b, i)
					if err != nil {
						return j, err
					}
					i = j
					i = skipWS(b, i)
					if i >= n || b[i] != ':' {
						return i, errors.New("expected ':'")
					}
					i++
				}
				break
			}
			if obj && c == '}' || !obj && c == ']' {
				pop()
				i++
				continue
			}
			if obj {
				return i, errors.New("expected ',' or '}'")
			}
			return i, errors.New("expected ',' or ']'")
		}
	}
}

// skipStr validates the string at b[i] (the opening quote) and returns the
// index after its closing quote.
func skipStr(b []byte, i int) (int, error) {
	i++
	for {
		// plainRun, written out: most strings end in the first eight or
		// sixteen bytes, and a call per string costs as much as that.
		for i+8 <= len(b) {
			if m := stops(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				goto stop
			}
			i += 8
		}
		for i < len(b) && !special[b[i]] {
			i++
		}
	stop:
		if i >= len(b) {
			return i, errors.New("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			i++
			if i >= len(b) {
				return i, errors.New("unterminated escape")
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return i, errors.New("bad \\u escape")
				}
				i += 5
			default:
				return i, errors.New("bad escape")
			}
		default:
			return i, errors.New("control character in string")
		}
	}
}

// skipNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func skipNumber(b []byte, i int) (int, bool) {
	n := len(b)
	if i < n && b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case i < n && b[i] >= '1' && b[i] <= '9':
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return i, false
	}
	if i < n && b[i] == '.' {
		i++
		start := i
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return i, false
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return i, false
		}
	}
	return i, true
}
