package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// salvaged is what can still be told about one message that is unusable
// (not JSON, nested deeper than the decoder follows, or not a valid
// JSON-RPC message): its top-level id, and whether it has a method (then
// it is no answer, whatever its id: the server's requests have ids of
// their own).
type salvaged struct {
	id     string // JSON text of the id; "" when none could be read
	method bool
}

// salvageIDs reads the top-level ids of an unusable frame (one object, or a
// batch array of objects), so that the requests it answers fail at once
// with the parser's reason instead of waiting for their timeout.
//
// It is written by hand because no decoder reads on past the first error:
// encoding/json stops at a raw control character in a string or at depth
// 10,000 however early the id came, and the id may come after the broken
// part. The scan is tolerant: a string ends at the next unescaped quote
// whatever it holds, nested values are skipped by counting brackets outside
// strings (no depth limit, no stack), and anything it cannot follow ends the
// scan. Only an id that is itself a valid JSON string or number counts; an
// object with two different ids gives none.
func salvageIDs(raw []byte) []salvaged {
	i := skipWS(raw, 0)
	if i >= len(raw) {
		return nil
	}
	if raw[i] == '{' {
		s, _ := salvageObject(raw, i)
		return []salvaged{s}
	}
	if raw[i] != '[' {
		return nil
	}
	var out []salvaged
	for i++; ; {
		i = skipWS(raw, i)
		if i >= len(raw) || raw[i] == ']' {
			return out
		}
		if raw[i] == ',' {
			i++
			continue
		}
		if raw[i] != '{' {
			j := skipLoose(raw, i)
			if j <= i {
				return out
			}
			i = j
			continue
		}
		s, end := salvageObject(raw, i)
		out = append(out, s)
		if end < 0 {
			return out
		}
		i = end
	}
}

// salvageObject reads the object at raw[i] ('{') and returns what it found
// and the index after it (-1 when the scan could not reach its end).
func salvageObject(raw []byte, i int) (salvaged, int) {
	var s salvaged
	ids := 0
	for i++; ; {
		i = skipWS(raw, i)
		if i >= len(raw) {
			return s.settle(ids), -1
		}
		switch raw[i] {
		case '}':
			return s.settle(ids), i + 1
		case ',':
			i++
			continue
		case '"':
		default:
			return s.settle(ids), -1
		}
		ke := skipLooseString(raw, i)
		if ke < 0 {
			return s.settle(ids), -1
		}
		key := raw[i+1 : ke-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			json.Unmarshal(raw[i:ke], &k) // "i\u0064" is "id" too
			key = []byte(k)
		}
		i = skipWS(raw, ke)
		if i >= len(raw) || raw[i] != ':' {
			return s.settle(ids), -1
		}
		vs := skipWS(raw, i+1)
		ve := skipLoose(raw, vs)
		if ve < 0 {
			ve = len(raw)
		}
		switch string(key) {
		case "id":
			v := string(bytes.TrimSpace(raw[vs:ve]))
			switch {
			case v == "null":
			case ids > 0 && v != s.id:
				ids = -1 // two different ids: none can be trusted
			case ids >= 0 && isIDValue(v):
				s.id = v
				ids++
			}
		case "method":
			s.method = true
		}
		if ve == len(raw) {
			return s.settle(ids), -1
		}
		i = ve
	}
}

func (s salvaged) settle(ids int) salvaged {
	if ids < 0 {
		s.id = ""
	}
	return s
}

// isIDValue reports a JSON string or number (the id types JSON-RPC allows).
func isIDValue(v string) bool {
	if v == "" || !(v[0] == '"' || v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return false
	}
	return json.Valid([]byte(v))
}

// skipLooseString returns the index after the string at b[i] ('"'), or -1
// when it does not end.
func skipLooseString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipLoose returns the index after the value at b[i] (a string, a
// container followed to its closing bracket, or a scalar up to the next
// separator), or -1 when it does not end.
func skipLoose(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipLooseString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j := skipLooseString(b, i)
				if j < 0 {
					return -1
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// numberKey returns an id written as a non-integer JSON number (2.0, 2e0)
// as the integer it equals, the form sonde's own ids take: JSON-RPC ids are
// JSON values, and a server that decodes numbers as floats writes 2 back
// as 2.0.
func numberKey(id string) (string, bool) {
	if id == "" || id[0] == '"' || !strings.ContainsAny(id, ".eE") {
		return "", false
	}
	f, err := strconv.ParseFloat(id, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return "", false
	}
	return strconv.FormatInt(int64(f), 10), true
}

// notJSONReason says why raw is not usable JSON, in encoding/json's terms
// where the envelope scanner gave up (it leaves depth to encoding/json).
func notJSONReason(raw []byte) string {
	var v json.RawMessage
	err := json.Unmarshal(raw, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) && bytes.Contains([]byte(se.Error()), []byte("exceeded max depth")) {
		return fmt.Sprintf("nested deeper than the JSON decoder's limit of 10000 levels (at offset %d)", se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "invalid JSON"
}
