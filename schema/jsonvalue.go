package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits that keep a hostile schema (or instance) from hanging the UI or
// blowing memory. Servers are untrusted; see protocol.md §5 ("Bound schema
// complexity").
const (
	// MaxSchemaBytes is the largest schema document we accept.
	MaxSchemaBytes = 4 << 20
	// MaxDepth is the deepest JSON nesting we accept in a schema or an
	// instance (objects and arrays both count).
	MaxDepth = 128
	// MaxValues is the largest number of JSON values (every object, array,
	// string, number, boolean and null counts) in one schema document.
	MaxValues = 200_000
	// MaxInstanceBytes is the largest instance Validate accepts.
	MaxInstanceBytes = 16 << 20
	// MaxEvaluations bounds the estimated number of (subschema, value)
	// evaluations one validation may perform. Nested anyOf/oneOf/allOf
	// that reach the same value through several branches multiply; a
	// schema that would need more is refused instead of hanging.
	MaxEvaluations = 2_000_000
)

// object is a JSON object that remembers the order of its keys, so forms
// show properties in the order the server wrote them.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) get(k string) (any, bool) {
	if o == nil {
		return nil, false
	}
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

func (o *object) clone() *object {
	c := &object{keys: append([]string(nil), o.keys...), vals: make(map[string]any, len(o.vals))}
	for k, v := range o.vals {
		c.vals[k] = v
	}
	return c
}

func (o *object) str(k string) string {
	v, _ := o.get(k)
	s, _ := v.(string)
	return s
}

func (o *object) obj(k string) *object {
	v, _ := o.get(k)
	ob, _ := v.(*object)
	return ob
}

func (o *object) arr(k string) []any {
	v, _ := o.get(k)
	a, _ := v.([]any)
	return a
}

// errTooComplex is wrapped by every limit violation.
var errTooComplex = errors.New("too complex")

// decodeOrdered decodes one JSON document into nil, bool, json.Number,
// string, []any and *object, enforcing [MaxDepth] and maxValues.
func decodeOrdered(data []byte, maxValues int) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	count := 0
	v, err := decodeValue(dec, 0, &count, maxValues)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: trailing data after the value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int, count *int, maxValues int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("invalid JSON: empty document")
		}
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	*count++
	if maxValues > 0 && *count > maxValues {
		return nil, fmt.Errorf("%w: more than %d JSON values", errTooComplex, maxValues)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return nil, fmt.Errorf("%w: nested deeper than %d levels", errTooComplex, MaxDepth)
		}
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("invalid JSON: %w", err)
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec, depth+1, count, maxValues)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("invalid JSON: %w", err)
			}
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1, count, maxValues)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("invalid JSON: %w", err)
			}
			return a, nil
		}
		return nil, fmt.Errorf("invalid JSON: unexpected %v", t)
	default:
		return t, nil
	}
}

// plain converts an ordered value into the map-based shape the validator
// library expects.
func plain(v any) any {
	switch t := v.(type) {
	case *object:
		m := make(map[string]any, len(t.keys))
		for _, k := range t.keys {
			m[k] = plain(t.vals[k])
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = plain(x)
		}
		return a
	default:
		return v
	}
}

// encode writes an ordered value as compact JSON, keeping key order.
func encode(v any) json.RawMessage {
	var b bytes.Buffer
	encodeTo(&b, v)
	return b.Bytes()
}

func encodeTo(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case json.Number:
		b.WriteString(t.String())
	case string:
		s, _ := json.Marshal(t)
		b.Write(s)
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeTo(b, x)
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			s, _ := json.Marshal(k)
			b.Write(s)
			b.WriteByte(':')
			encodeTo(b, t.vals[k])
		}
		b.WriteByte('}')
	default:
		s, err := json.Marshal(t)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(s)
	}
}

// jsonEqual compares two decoded values structurally; numbers compare by
// value, objects ignore key order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, e1 := strconv.ParseFloat(x.String(), 64)
		fy, e2 := strconv.ParseFloat(y.String(), 64)
		return e1 == nil && e2 == nil && fx == fy
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *object:
		y, ok := b.(*object)
		if !ok || len(x.vals) != len(y.vals) {
			return false
		}
		for k, xv := range x.vals {
			yv, ok := y.vals[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// typeName is the JSON type of a decoded value, as JSON Schema names it.
func typeName(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if isIntegerLiteral(t.String()) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case *object:
		return "object"
	}
	return "unknown"
}

func isIntegerLiteral(s string) bool {
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f == float64(int64(f))
}

// escapeToken escapes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	s = strings.ReplaceAll(s, "~", "~0")
	return strings.ReplaceAll(s, "/", "~1")
}

// unescapeToken reverses [escapeToken].
func unescapeToken(s string) string {
	s = strings.ReplaceAll(s, "~1", "/")
	return strings.ReplaceAll(s, "~0", "~")
}

// SplitPointer splits a JSON pointer such as "/filter/since" into its
// unescaped reference tokens. The empty pointer (the whole document) gives
// no tokens.
func SplitPointer(p string) []string {
	if p == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = unescapeToken(s)
	}
	return parts
}

// JoinPointer builds a JSON pointer from unescaped reference tokens.
func JoinPointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return b.String()
}
