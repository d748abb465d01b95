package store

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// fullEvent sets every field of mcp.Event, so that a field added to the
// type later and lost by the line format makes TestLineKeepsEveryField fail.
func fullEvent() mcp.Event {
	return mcp.Event{
		Seq: 42, Time: t0.Add(1500 * time.Millisecond), Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "POST", Via: `"6"`,
		RPC: mcp.RPCResponse, Method: "m", ID: `"7"`, ReqMethod: "tools/call", Latency: 1234567,
		Raw:      json.RawMessage(`{"jsonrpc": "2.0", "id": "7", "result": {"a": "<b>&"}}`),
		SSEEvent: "message", SSEID: "s1", SSERetry: 500,
		HTTPMethod: "POST", URL: "http://h/mcp", Status: 200, ContentType: "text/event-stream",
		Header: http.Header{"Mcp-Session-Id": {"x"}}, Bytes: 99,
		State: mcp.StateConnected, Attempt: 3,
		Info: &mcp.ConnInfo{Transport: mcp.TransportHTTP, Protocol: "2025-11-25", Era: "legacy", SessionID: "sid",
			Endpoint: "http://h/e", Server: json.RawMessage(`{"name":"s"}`), Capabilities: json.RawMessage(`{"tools":{}}`),
			Instructions: "use it", Reconnects: 2, Reason: "why"},
		Text: "text ✓", Body: "{\"error\":\"bad\"}", Truncated: 5, Err: "oops",
		Keepalive: true,
	}
}

func TestLineKeepsEveryField(t *testing.T) {
	e := fullEvent()
	v := reflect.ValueOf(e)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("fullEvent leaves mcp.Event.%s unset: add it", v.Type().Field(i).Name)
		}
	}
	le := newLineEncoder()
	line, err := le.encode(&e, 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(line, []byte(`{"t_ns":1500000000,"seq":42,`)) || !bytes.HasSuffix(line, []byte("}\n")) {
		t.Fatalf("line shape: %s", line)
	}
	if bytes.Count(line, []byte("\n")) != 1 || !json.Valid(line) {
		t.Fatalf("not one JSON line: %s", line)
	}
	if bytes.Contains(line, []byte(`"time"`)) {
		t.Fatalf("absolute time written: %s", line)
	}
	got, off, err := decodeEvent(bytes.TrimSpace(line), t0)
	if err != nil {
		t.Fatal(err)
	}
	if off != 1500*time.Millisecond || !sameEvent(got, e) {
		g, _ := json.Marshal(got)
		t.Fatalf("round trip:\n got %s\nwant %+v", g, e)
	}
	if !bytes.Equal(got.Raw, e.Raw) {
		t.Fatalf("raw bytes changed: %s", got.Raw)
	}
}

func TestRawForms(t *testing.T) {
	cases := []struct {
		name, raw, field string
	}{
		{"verbatim with spaces", `{ "a" : [1, 2] }`, `"raw":{ "a" : [1, 2] }`},
		{"pretty printed", "{\n  \"a\": 1\n}", `"raw_text":`},
		{"crlf", "{\r\n\"a\":1}", `"raw_text":`},
		{"invalid json", `{"a":`, `"raw_text":`},
		{"invalid utf8", "{\"a\":\"\xff\"}", `"raw_b64":`},
	}
	le := newLineEncoder()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mcp.Event{Time: t0, Dir: mcp.DirIn, Kind: mcp.KindMessage, Raw: json.RawMessage(c.raw)}
			line, err := le.encode(&e, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(line), c.field) || !json.Valid(line) || bytes.Count(line, []byte("\n")) != 1 {
				t.Fatalf("line %q lacks %s", line, c.field)
			}
			got, _, err := decodeEvent(bytes.TrimSpace(line), t0)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Raw) != c.raw {
				t.Fatalf("raw %q, want %q", got.Raw, c.raw)
			}
		})
	}
}

func TestLineTime(t *testing.T) {
	for line, want := range map[string]time.Duration{`{"t_ns":0,"seq":1}`: 0, `{"t_ns":123456789,"x":1}`: 123456789, `{"t_ns":-5}`: -5} {
		got, ok := lineTime([]byte(line))
		if !ok || got != want {
			t.Errorf("%s: %v %v", line, got, ok)
		}
	}
	if _, ok := lineTime([]byte(`{"end":{}}`)); ok {
		t.Error("trailer taken for an event")
	}
}

func TestHeaderVersionCheck(t *testing.T) {
	if _, err := decodeHeader([]byte(`{"format":"sonde-recording","version":2}`)); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("future version: %v", err)
	}
	if _, err := decodeHeader([]byte(`{"tools":[]}`)); err != ErrNotRecording {
		t.Fatalf("not a recording: %v", err)
	}
}

// The fast encoder writes exactly what encoding/json writes for the same
// event, byte for byte.
func TestFastEncoderMatchesEncodingJSON(t *testing.T) {
	if !fastOK {
		t.Fatal("mcp.Event changed shape: update fastFields and appendLine in encode.go (lines are still correct, only slower)")
	}
	tricky := "quote\" back\\ nl\n cr\r tab\t bs\b ff\f nul\x00 esc\x1b del\x7f <b>&amp; \u2028\u2029 é 日本 \xff\xfe bad"
	evs := append(synth(200), fullEvent())
	e := fullEvent()
	e.Text, e.Body, e.Err, e.Method, e.URL = tricky, tricky, tricky, tricky, tricky
	e.Header = http.Header{"X": {tricky}}
	e.Info.Instructions = tricky
	evs = append(evs, e)
	for _, raw := range []string{`{"a": 1}`, "{\n\"a\":1}", `{"a":`, "{\"a\":\"\xff\"}", `{"s":"` + "\u2028" + `"}`} {
		e := fullEvent()
		e.Raw = json.RawMessage(raw)
		evs = append(evs, e)
	}
	le := newLineEncoder()
	for i, e := range evs {
		for _, trusted := range []bool{false, true} {
			if trusted && !json.Valid(e.Raw) {
				continue
			}
			slow, err := le.encode(&e, 1234)
			if err != nil {
				t.Fatal(err)
			}
			slow = bytes.Clone(slow)
			fast, err := le.appendLine(nil, &e, 1234, trusted)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fast, slow) {
				t.Fatalf("event %d (trusted %v):\nfast %s\nslow %s", i, trusted, fast, slow)
			}
		}
	}
}

// appendString agrees with encoding/json on every byte value, at every
// position of the 8-byte fast path.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	check := func(s string) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		want := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 17; pos++ {
			s := []byte(strings.Repeat("a", 17))
			s[pos] = byte(c)
			check(string(s))
		}
	}
	alphabet := []string{"a", "Z", " ", "\"", "\\", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "日", "\xff", "\xe2\x80", "😀"}
	for i := 0; i < 20000; i++ {
		var sb strings.Builder
		for n := rng.IntN(40); n > 0; n-- {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		check(sb.String())
	}
}
