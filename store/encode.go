package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sonde-mcp/sonde/mcp"
)

// The recorder runs next to the session on a small machine, so lines are
// written by a hand-made encoder that allocates nothing per event
// (encoding/json costs several times the decoding of the event itself). It
// produces the same JSON as encoding/json would for [eventLine], in the
// same field order. It knows mcp.Event's fields as they are today: init
// compares them with the type by reflection, and if the type changed (a
// field added by the wire core, a tag renamed) every line is written by
// encoding/json instead, so nothing is ever lost, only speed.

// fastFields is mcp.Event's layout the fast encoder was written for:
// JSON name and Go kind of each field, in order.
var fastFields = []struct {
	name string
	kind reflect.Kind
}{
	{"seq", reflect.Uint64}, {"time", reflect.Struct}, {"dir", reflect.String}, {"kind", reflect.String},
	{"stream,omitempty", reflect.String}, {"via,omitempty", reflect.String}, {"rpc,omitempty", reflect.String}, {"method,omitempty", reflect.String},
	{"id,omitempty", reflect.String}, {"req_method,omitempty", reflect.String}, {"latency_ns,omitempty", reflect.Int64},
	{"raw,omitempty", reflect.Slice}, {"sse_event,omitempty", reflect.String}, {"sse_id,omitempty", reflect.String},
	{"sse_retry_ms,omitempty", reflect.Int}, {"http_method,omitempty", reflect.String}, {"url,omitempty", reflect.String},
	{"status,omitempty", reflect.Int}, {"content_type,omitempty", reflect.String}, {"header,omitempty", reflect.Map},
	{"bytes,omitempty", reflect.Int64}, {"state,omitempty", reflect.String}, {"attempt,omitempty", reflect.Int},
	{"info,omitempty", reflect.Pointer}, {"text,omitempty", reflect.String}, {"body,omitempty", reflect.String}, {"truncated,omitempty", reflect.Int64},
	{"err,omitempty", reflect.String}, {"keepalive,omitempty", reflect.Bool},
}

// fastOK reports whether mcp.Event still has the layout above.
var fastOK = func() bool {
	t := reflect.TypeFor[mcp.Event]()
	if t.NumField() != len(fastFields) {
		return false
	}
	for i, f := range fastFields {
		sf := t.Field(i)
		if sf.Tag.Get("json") != f.name || sf.Type.Kind() != f.kind {
			return false
		}
	}
	return true
}()

// appendLine appends the line of e (with its newline) to dst. rawTrusted
// says e.Raw is known to be valid JSON (decoded by mcp and not changed
// since), so only its line breaks and UTF-8 need checking.
func (le *lineEncoder) appendLine(dst []byte, e *mcp.Event, t time.Duration, rawTrusted bool) ([]byte, error) {
	if !fastOK {
		line, err := le.encode(e, t)
		return append(dst, line...), err
	}
	dst = append(dst, `{"t_ns":`...)
	dst = strconv.AppendInt(dst, int64(t), 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, e.Seq, 10)
	dst = appendField(dst, "dir", string(e.Dir), false)
	dst = appendField(dst, "kind", string(e.Kind), false)
	dst = appendField(dst, "stream", e.Stream, true)
	dst = appendField(dst, "via", e.Via, true)
	dst = appendField(dst, "rpc", string(e.RPC), true)
	dst = appendField(dst, "method", e.Method, true)
	dst = appendField(dst, "id", e.ID, true)
	dst = appendField(dst, "req_method", e.ReqMethod, true)
	dst = appendInt(dst, "latency_ns", int64(e.Latency))
	dst = appendField(dst, "sse_event", e.SSEEvent, true)
	dst = appendField(dst, "sse_id", e.SSEID, true)
	dst = appendInt(dst, "sse_retry_ms", int64(e.SSERetry))
	dst = appendField(dst, "http_method", e.HTTPMethod, true)
	dst = appendField(dst, "url", e.URL, true)
	dst = appendInt(dst, "status", int64(e.Status))
	dst = appendField(dst, "content_type", e.ContentType, true)
	if len(e.Header) > 0 {
		b, err := le.marshal(e.Header)
		if err != nil {
			return dst, err
		}
		dst = append(append(dst, `,"header":`...), b...)
	}
	dst = appendInt(dst, "bytes", e.Bytes)
	dst = appendField(dst, "state", string(e.State), true)
	dst = appendInt(dst, "attempt", int64(e.Attempt))
	if e.Info != nil {
		b, err := le.marshal(e.Info)
		if err != nil {
			return dst, err
		}
		dst = append(append(dst, `,"info":`...), b...)
	}
	dst = appendField(dst, "text", e.Text, true)
	dst = appendField(dst, "body", e.Body, true)
	dst = appendInt(dst, "truncated", e.Truncated)
	dst = appendField(dst, "err", e.Err, true)
	if e.Keepalive {
		dst = append(dst, `,"keepalive":true`...)
	}
	if len(e.Raw) > 0 {
		switch {
		case oneLine(e.Raw) && (rawTrusted || json.Valid(e.Raw)):
			dst = append(append(dst, `,"raw":`...), e.Raw...)
		case utf8.Valid(e.Raw):
			dst = append(dst, `,"raw_text":`...)
			dst = appendString(dst, string(e.Raw))
		default:
			b, _ := json.Marshal([]byte(e.Raw)) // base64
			dst = append(append(dst, `,"raw_b64":`...), b...)
		}
	}
	return append(dst, "}\n"...), nil
}

// oneLine reports valid UTF-8 without line breaks. JSON-RPC messages are
// nearly always plain ASCII without control characters, which one pass
// over eight bytes at a time proves.
func oneLine(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if (x-0x2020202020202020)&^x&0x8080808080808080 != 0 || x&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c >= 0x80 {
			return bytes.IndexByte(b, '\n') < 0 && bytes.IndexByte(b, '\r') < 0 && utf8.Valid(b)
		}
	}
	return true
}

// marshal encodes a rare, nested value (headers, connection info) the
// way encoding/json does, without HTML escaping.
func (le *lineEncoder) marshal(v any) ([]byte, error) {
	le.buf.Reset()
	if err := le.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(le.buf.Bytes(), []byte("\n")), nil
}

func appendField(dst []byte, name, v string, omitEmpty bool) []byte {
	if v == "" && omitEmpty {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendString(dst, v)
}

func appendInt(dst []byte, name string, v int64) []byte {
	if v == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, v, 10)
}

const hexDigits = "0123456789abcdef"

// special reports whether any of the eight bytes in x needs attention in
// a JSON string: below 0x20, '"', '\\' or 0x80 and above (SWAR: a byte
// b is below n when (b - n) borrows into its high bit).
func special(x uint64) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	zeroIn := func(v uint64) uint64 { return (v - ones) & ^v & high }
	return (x-0x20*ones)&^x&high != 0 || // below 0x20 (x's own high bits are caught below)
		zeroIn(x^('"'*ones)) != 0 ||
		zeroIn(x^('\\'*ones)) != 0 ||
		x&high != 0
}

// appendString appends s as a JSON string the way encoding/json does
// without HTML escaping: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped
// (so that JavaScript readers of the line are safe too).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	// Skip eight plain bytes at a time (no control character, quote,
	// backslash or non-ASCII byte): most strings are all plain.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if special(x) {
			break
		}
	}
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
