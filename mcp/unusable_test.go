package mcp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// unusableAnswers are answers a hostile server sends to a tools/call with
// id ID: each is unusable, and each names the id it answers.
var unusableAnswers = []struct {
	name, body, reason string
}{
	{"control character", "{\"jsonrpc\":\"2.0\",\"id\":ID,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"a\x01b\"}]}}", "control character in string"},
	{"control character before the id", "{\"jsonrpc\":\"2.0\",\"result\":{\"text\":\"a\x01b\"},\"id\":ID}", "control character in string"},
	{"too deep", `{"jsonrpc":"2.0","id":ID,"result":{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}}`, "nested deeper than the JSON decoder's limit of 10000 levels"},
	{"too deep before the id", `{"jsonrpc":"2.0","result":{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `},"id":ID}`, "nested deeper"},
	{"neither result nor error", `{"jsonrpc":"2.0","id":ID}`, `neither "result" nor "error"`},
	{"no version", `{"id":ID}`, `"jsonrpc" is missing`},
	{"both result and error", `{"jsonrpc":"2.0","id":ID,"result":{},"error":{"code":1,"message":"x"}}`, `both "result" and "error"`},
	{"cut short", `{"jsonrpc":"2.0","id":ID,"result":{"content":[`, "unexpected end"},
	{"in a batch", "[{\"jsonrpc\":\"2.0\",\"id\":ID,\"result\":\"a\x01b\"}]", "invalid character"},
}

// unusableFake answers every tools/call with body (ID replaced by the
// request's id), as JSON, as an SSE event on the POST, or (legacy) on the
// GET stream.
func unusableServer(t *testing.T, shape, body string) string {
	answer := func(frame []byte) []byte {
		m, _ := DecodeMessage(frame)
		return []byte(strings.ReplaceAll(body, "ID", string(m.ID)))
	}
	if shape == "legacy" {
		f := &legacyFake{endpoint: "/m", query: "s", onFrame: func(frame []byte) [][]byte {
			if m, _ := DecodeMessage(frame); m != nil && m.Method == "tools/call" {
				return [][]byte{answer(frame)}
			}
			return nil
		}}
		return startLegacy(t, f).URL + "/sse"
	}
	f := &streamFake{json: shape == "json"}
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		f.writeAnswer(w, answer(frame))
		return true
	}
	return startStream(t, f).URL
}

// An answer that cannot be used fails its call at once with the parser's
// reason, on every transport shape, instead of leaving it to time out; the
// log pairs the error with the request, and the session goes on.
func TestUnusableAnswerFailsItsCall(t *testing.T) {
	for _, shape := range []string{"json", "sse", "legacy"} {
		for _, c := range unusableAnswers {
			t.Run(shape+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				s, log := dialT(t, Config{URL: unusableServer(t, shape, c.body), Keepalive: -1, Timeout: 30 * time.Second})
				_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{}})
				var te *TimeoutError
				if err == nil || errors.As(err, &te) {
					t.Fatalf("got %v, want the call failed at once", err)
				}
				if !strings.Contains(err.Error(), "unusable answer to tools/call") || !strings.Contains(err.Error(), c.reason) {
					t.Fatalf("error %q lacks the reason %q", err, c.reason)
				}
				if log.count(func(e Event) bool {
					return e.Kind == KindError && e.ReqMethod == "tools/call" && e.ID != "" && strings.Contains(e.Err, c.reason)
				}) != 1 {
					t.Fatalf("no error event paired with the request")
				}
				if _, err := s.Call(ctxT(t), "ping", nil); err != nil {
					t.Fatalf("the session broke: %v", err)
				}
			})
		}
	}
}

// A server request that is unusable fails none of sonde's requests, even
// when its id is one of theirs (the server's ids are its own).
func TestUnusableServerRequestFailsNothing(t *testing.T) {
	body := "{\"jsonrpc\":\"2.0\",\"id\":ID,\"method\":\"sampling/createMessage\",\"params\":{\"x\":\"\x01\"}}"
	f := &streamFake{}
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method != "tools/call" {
			return false
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: %s\n\ndata: %s\n\n", strings.ReplaceAll(body, "ID", string(m.ID)), fakeAnswer(frame))
		return true
	}
	s, _ := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1})
	callEcho(t, s)
}

// A number id written as a float (2.0 for 2) is the same JSON number: the
// answer reaches its call, with a warning, and pairs with its request.
func TestFloatIDMatches(t *testing.T) {
	for _, form := range []string{"%s.0", "%se0", "%s.00"} {
		f := &streamFake{}
		f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
			if m.Method != "tools/call" {
				return false
			}
			a := strings.Replace(string(fakeAnswer(frame)), `"id":`+string(m.ID), `"id":`+fmt.Sprintf(form, m.ID), 1)
			f.writeAnswer(w, []byte(a))
			return true
		}
		s, log := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1, Timeout: 30 * time.Second})
		callEcho(t, s)
		if log.count(func(e Event) bool {
			return e.RPC == RPCResponse && e.ReqMethod == "tools/call" && !strings.ContainsAny(e.ID, ".e") &&
				strings.Contains(e.Err, "written another way")
		}) != 1 {
			t.Fatalf("%s: the answer is not paired with a warning", form)
		}
	}
}

func TestSalvageIDs(t *testing.T) {
	cases := map[string]string{
		"{\"id\":7,\"result\":\"\x01\"}":          "7",
		"{\"result\":\"\x01\\\"}\",\"id\":\"a\"}": `"a"`,
		`{"id":7,"id":8}`:                         "",
		`{"id":7,"id":7}`:                         "7",
		`{"id":{"x":1}}`:                          "",
		`{"id":null}`:                             "",
		`{"id":7`:                                 "7",
		`{"id":`:                                  "",
		`{"a":[[[["]"]]]],"id":-3}`:               "-3",
		`{"a":"\\","id":1}`:                       "1",
		`{"i\u0064":5,"result":"\x01"}`:           "5",
		`[{"id":1},{"id":2,"method":"x"},3,{"id"`: "1",
		`nothing`:                                 "",
		`[}`:                                      "",
	}
	for in, want := range cases {
		got := ""
		for _, s := range salvageIDs([]byte(in)) {
			if !s.method && s.id != "" {
				got += s.id
			}
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
