package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	sse "github.com/tmaxmax/go-sse"
)

var sseSeeds = []string{
	"event: endpoint\r\ndata: /messages?session_id=ab\r\n\r\n",
	"\xEF\xBB\xBF: ping - 2025-01-01\r\n\r\nretry: 5000\r\n\r\n",
	"id: 41\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n",
	"event: keepalive\ndata: {}\nretry: 300\n\n: keepalive\n\n",
	"data: line1\n: inside\ndata: line2\n\nid: p1\nretry: 500\ndata:\n\n",
	"id: 42\rdata: bare cr\r\r",
	"data: [{\"jsonrpc\":\"2.0\",\"method\":\"x\"},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":1}]\n\n",
	"data: {\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}\n\ndata: not json\n\n",
	"retr",
	"r",
	":",
	"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"bad\"}}\n\n",
}

// The tap's one-pass parser dispatches what go-sse's sse.Read does on the
// same bytes, however they are chunked: the same events (type, last id,
// data), and an error exactly where go-sse has one. Comments are reported
// one per comment line, and the bytes are counted once.
func FuzzTapMatchesGoSSE(f *testing.F) {
	for _, s := range sseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type item struct {
			typ, id, data string
			err           bool
		}
		const limit = 1 << 16
		if len(data) > limit/2 {
			return // the size limits are counted differently near the limit
		}
		if bytes.Index(data, bom) > 0 {
			// go-sse drops a BOM that follows leading blank lines too; the
			// specification (and the tap) only one at the very start.
			return
		}
		var want []item
		for ev, err := range sse.Read(bytes.NewReader(data), &sse.ReadConfig{MaxEventSize: limit}) {
			if err != nil {
				want = append(want, item{err: true})
				break
			}
			want = append(want, item{ev.Type, ev.LastEventID, ev.Data, false})
		}
		for mode, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.HalfReader,
		} {
			tp := newTap(io.NopCloser(wrap(bytes.NewReader(data))), 0)
			comments := 0
			tp.onComment = func(string, int) { comments++ }
			var got []item
			err := tp.parse(limit, func(ev sseEvent) { got = append(got, item{ev.Type, ev.LastEventID, ev.Data, false}) })
			if err != nil {
				got = append(got, item{err: true})
			}
			if len(want) != len(got) {
				t.Fatalf("reader %d: go-sse %d events %+v, tap %d %+v", mode, len(want), want, len(got), got)
			}
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("reader %d, event %d: go-sse %+v, tap %+v", mode, i, want[i], got[i])
				}
			}
			if tp.total.Load() != int64(len(data)) {
				t.Fatalf("counted %d bytes of %d", tp.total.Load(), len(data))
			}
			if comments > bytes.Count(data, []byte(":")) {
				t.Fatalf("%d comments from %d colons", comments, bytes.Count(data, []byte(":")))
			}
		}
	})
}

// Whatever arrives on an SSE stream, decoding never panics, message events
// carry valid JSON, and sequence numbers increase.
func FuzzDecodeSSE(f *testing.F) {
	for _, s := range sseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var last uint64
		DecodeSSE(bytes.NewReader(data), 1<<16, func(e Event) {
			if e.Seq <= last {
				t.Fatalf("seq %d after %d", e.Seq, last)
			}
			last = e.Seq
			if e.Kind == KindMessage && !json.Valid(e.Raw) {
				t.Fatalf("message event with invalid JSON %q", e.Raw)
			}
			if e.Kind == KindMessage && e.RPC == RPCInvalid {
				t.Fatalf("message event classified invalid")
			}
		})
	})
}

// The stdio framing path: lines of anything.
func FuzzDecodeLines(f *testing.F) {
	f.Add([]byte("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"))
	f.Add([]byte("garbage\r\n\n[]\n[1,2]\n{\"jsonrpc\":\"1.0\"}\n"))
	f.Add([]byte("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":0.5}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		DecodeLines(bytes.NewReader(data), 1<<12, func(e Event) {
			if e.Kind == KindMessage && !json.Valid(e.Raw) {
				t.Fatalf("message event with invalid JSON %q", e.Raw)
			}
		})
	})
}

// JSON-RPC decoding is lenient but never wrong: what it accepts is a
// well-formed message of a known type.
func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":"x","result":null}`))
	f.Add([]byte(`{"jsonrpc":"2.0","error":{"code":1,"message":"m"}}`))
	f.Add([]byte(`[{"jsonrpc":"2.0","method":"a"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, err := DecodeFrame(data)
		if err != nil {
			return
		}
		for _, fr := range frames {
			m, err := DecodeMessage(fr)
			if err == nil && m.Type() == RPCInvalid {
				t.Fatalf("accepted an invalid message %q", fr)
			}
			if err == nil && m.JSONRPC != "2.0" {
				t.Fatalf("accepted jsonrpc %q", m.JSONRPC)
			}
		}
	})
}

// The hand-written envelope scanner agrees with encoding/json: it accepts
// exactly the valid JSON, and classifies messages as DecodeMessage does.
func FuzzScanEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":"x","result":null}`,
		`{"jsonrpc":"2.0","error":{"code":1,"message":"m"}}`,
		`{"jsonrpc":"2.0","method":"a\u00e9\n","params":[1,2.5e-3,-0,{"x":[true,false,null]}]}`,
		`{"jsonrpc":"2.0","id":null,"method":"n"}`,
		`{"jsonrpc":"2.0","id":1,"result":{},"result":{}}`,
		` [1] `, `"str"`, `{"a":01}`, `{"a":"\x01"}`, `{"a":1,}`, `{} x`, `{"jsonrpc":"2.0","id":1,"error":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := scanEnvelope(data)
		valid := json.Valid(data)
		if errors.Is(err, ErrNotJSON) == valid {
			t.Fatalf("scanner says notJSON=%v (%v), encoding/json says valid=%v for %q", errors.Is(err, ErrNotJSON), err, valid, data)
		}
		if !valid {
			return
		}
		m, derr := DecodeMessage(data)
		if (err == nil) != (derr == nil) {
			// encoding/json keeps the last duplicate key; the scanner's
			// answer may differ only for such inputs.
			if bytes.Count(data, []byte(`"`)) > 0 && hasDuplicateKeys(data) {
				return
			}
			// A member of the wrong type inside the error object (a
			// string code, or a "Code" that encoding/json matches to code)
			// is the full decode's finding: the envelope is an error answer
			// either way, and the call it answers fails with that reason.
			if err == nil && strings.Contains(derr.Error(), "cannot unmarshal") {
				return
			}
			t.Fatalf("scanner err %v, DecodeMessage err %v for %q", err, derr, data)
		}
		if err == nil && (env.rpc != m.Type() || env.method != m.Method || env.id != m.IDKey()) {
			if hasDuplicateKeys(data) {
				return
			}
			t.Fatalf("scanner %+v, DecodeMessage %v %q %q for %q", env, m.Type(), m.Method, m.IDKey(), data)
		}
	})
}

// hasDuplicateKeys reports top-level keys where the two decoders may
// legitimately differ: duplicates (first versus last wins) and case variants
// of the member names (encoding/json matches them case-insensitively; JSON-RPC
// is case-sensitive, and so is the scanner).
func hasDuplicateKeys(data []byte) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		k, _ := tok.(string)
		if seen[k] {
			return true
		}
		for _, name := range []string{"jsonrpc", "id", "method", "params", "result", "error"} {
			if k != name && strings.EqualFold(k, name) {
				return true
			}
		}
		seen[k] = true
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// The salvage scan reads any bytes without panicking, and on valid JSON it
// finds the id encoding/json finds (a message with duplicate or case-varied
// keys aside), and a method exactly when there is one.
func FuzzSalvageIDs(f *testing.F) {
	for _, s := range []string{
		"{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"a\x01b\"}",
		`{"result":{"x":[[[["]"]]]]},"id":"a"}`,
		`[{"id":1},{"id":2,"method":"x"},3,{"id"`,
		`{"jsonrpc":"2.0","id":2.0,"result":{}}`,
		`{"a":"\\","id":1}`, `{"id":7,"id":8}`, `[}`, `{"id":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		found := salvageIDs(data)
		if !json.Valid(data) || firstByte(data) != '{' || hasDuplicateKeys(data) {
			return
		}
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method json.RawMessage `json:"method"`
		}
		if json.Unmarshal(data, &m) != nil {
			return
		}
		if len(found) != 1 {
			t.Fatalf("%d objects salvaged from %q", len(found), data)
		}
		want := idKey(m.ID)
		if !isIDValue(want) {
			want = ""
		}
		if found[0].id != want {
			t.Fatalf("salvaged id %q, encoding/json %q, from %q", found[0].id, want, data)
		}
		if found[0].method != (m.Method != nil) {
			t.Fatalf("method %v, encoding/json %q, from %q", found[0].method, m.Method, data)
		}
	})
}

// FuzzMembers holds Members to encoding/json: when it answers, the input
// is a JSON object and its params, result and error are the members
// encoding/json finds.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{"jsonrpc":"2.0","id":1,"result":{"a":[1,2,{"b":"}"}]}}`, `{"method":"x","params":{"k":"v\"}"}}`,
		`{"error":{"code":-1},"error":null}`, `{"par\u0061ms":1}`, `{}`, ` { "params" : [ ] } `, `{"params":1,}`, `[1]`, `{"a":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, r, e, ok := Members(raw)
		if !ok {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("Members took %q, which encoding/json refuses: %v", raw, err)
		}
		for _, c := range []struct {
			name string
			got  []byte
		}{{"params", p}, {"result", r}, {"error", e}} {
			if want, has := m[c.name]; has != (c.got != nil) || !bytes.Equal(want, c.got) {
				t.Fatalf("%s of %q: %q, encoding/json %q", c.name, raw, c.got, want)
			}
		}
	})
}
