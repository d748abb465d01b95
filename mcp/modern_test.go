package mcp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/sonde-mcp/sonde/internal/hostile"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
)

func startDemoEra(t *testing.T, era demo.Era) *demo.Running {
	t.Helper()
	r, err := demo.Start(context.Background(), demo.Options{Era: era})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// The go-sdk demo server serves both eras: sonde must pick the modern one
// when offered, the legacy one from a legacy-only server, and either when
// forced.
func TestEraDetectionAgainstGoSDK(t *testing.T) {
	cases := []struct {
		name      string
		era       demo.Era
		protocol  string
		wantEra   string
		wantProto string
	}{
		{"dual auto", demo.EraDual, "", "modern", ModernProtocol},
		{"modern only", demo.EraModern, "", "modern", ModernProtocol},
		{"legacy only", demo.EraLegacy, "", "legacy", LatestProtocol},
		{"dual forced legacy", demo.EraDual, "2025-06-18", "legacy", "2025-06-18"},
		{"dual forced modern", demo.EraDual, ModernProtocol, "modern", ModernProtocol},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := startDemoEra(t, c.era)
			s, log := dialT(t, Config{URL: d.URL, Protocol: c.protocol, Keepalive: -1})
			info := s.Info()
			if info.Era != c.wantEra || info.Protocol != c.wantProto || info.Transport != TransportHTTP {
				t.Fatalf("era %s protocol %s transport %s", info.Era, info.Protocol, info.Transport)
			}
			if !strings.Contains(string(info.Server), "sonde-demo") {
				t.Fatalf("server info %s", info.Server)
			}
			raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"text": "era"}})
			if err != nil || !strings.Contains(string(raw), "era") {
				t.Fatalf("call: %v %s", err, raw)
			}
			// The detection steps are in the log.
			if c.protocol == "" && log.count(func(e Event) bool { return strings.Contains(e.Text, "server/discover") && e.Kind == KindInfo }) == 0 {
				t.Fatalf("detection not logged")
			}
			if _, err := s.Ping(ctxT(t)); err != nil {
				t.Fatalf("ping: %v", err)
			}
		})
	}
}

// Modern requests carry the _meta keys and the standard headers; the
// x-mcp-header argument is mirrored into Mcp-Param-*.
func TestModernRequestsAreDressed(t *testing.T) {
	d := startDemoEra(t, demo.EraModern)
	s, log := dialT(t, Config{URL: d.URL, Keepalive: -1, ClientInfo: Implementation{Name: "t", Version: "1"}})
	if _, err := s.Call(ctxT(t), "tools/list", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "get_weather", "arguments": map[string]any{"city": "São Paulo"}}); err != nil {
		t.Fatal(err)
	}
	var call *Event
	for _, e := range log.all() {
		if e.Dir == DirOut && e.Method == "tools/call" {
			e := e
			call = &e
		}
	}
	if call == nil {
		t.Fatal("no tools/call event")
	}
	var msg struct {
		Params struct {
			Meta map[string]json.RawMessage `json:"_meta"`
		} `json:"params"`
	}
	json.Unmarshal(call.Raw, &msg)
	for _, k := range []string{MetaProtocolVersion, MetaClientCapabilities, MetaClientInfo} {
		if _, ok := msg.Params.Meta[k]; !ok {
			t.Fatalf("_meta lacks %s: %s", k, call.Raw)
		}
	}
	h := call.Header
	want := "=?base64?" + base64.StdEncoding.EncodeToString([]byte("São Paulo")) + "?="
	if h.Get("Mcp-Method") != "tools/call" || h.Get("Mcp-Name") != "get_weather" || h.Get("Mcp-Protocol-Version") != ModernProtocol || h.Get("Mcp-Param-City") != want {
		t.Fatalf("headers %v", h)
	}
}

// input_required results are answered through the handler and retried,
// for elicitation and sampling, against the go-sdk server.
func TestMultiRoundTripAgainstGoSDK(t *testing.T) {
	d := startDemoEra(t, demo.EraModern)
	var mu sync.Mutex
	var asked []string
	handler := func(ctx context.Context, req *ServerRequest) (any, error) {
		mu.Lock()
		asked = append(asked, req.Method)
		mu.Unlock()
		switch req.Method {
		case "elicitation/create":
			return map[string]any{"action": "decline"}, nil
		case "sampling/createMessage":
			return map[string]any{"role": "assistant", "content": map[string]any{"type": "text", "text": "Paris"}, "model": "m"}, nil
		}
		return nil, &RPCError{Code: CodeMethodNotFound, Message: "no"}
	}
	caps := json.RawMessage(`{"elicitation":{"form":{},"url":{}},"sampling":{}}`)
	s, _ := dialT(t, Config{URL: d.URL, Keepalive: -1, Handler: handler, Capabilities: caps})
	raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "ask_llm", "arguments": map[string]any{"question": "Capital of France?"}})
	if err != nil || !strings.Contains(string(raw), "Paris") {
		t.Fatalf("ask_llm: %v %s", err, raw)
	}
	if _, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "elicit_form", "arguments": map[string]any{}}); err != nil {
		t.Fatalf("elicit_form: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(asked, ",") != "sampling/createMessage,elicitation/create" {
		t.Fatalf("handler asked %v", asked)
	}
}

// modernFake is a scripted 2026-07-28 server for exact-bytes cases.
type modernFake struct {
	mu       sync.Mutex
	requests []*Message
	headers  []http.Header
	handle   func(n int, m *Message) (status int, body string)
}

func (f *modernFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(405)
		return
	}
	body, _ := io.ReadAll(r.Body)
	m, err := DecodeMessage(body)
	if err != nil {
		w.WriteHeader(400)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, m)
	f.headers = append(f.headers, r.Header.Clone())
	n := len(f.requests)
	f.mu.Unlock()
	status, out := f.handle(n, m)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, strings.ReplaceAll(out, "ID", m.IDKey()))
}

const discoverOK = `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"serverInfo":{"name":"fake","version":"1"}}}`

// The first request is rejected with -32022 (as the conformance mock does
// whatever it says); sonde retries it once with a supported version.
func TestUnsupportedVersionRetried(t *testing.T) {
	f := &modernFake{handle: func(n int, m *Message) (int, string) {
		if n == 1 {
			return 400, `{"jsonrpc":"2.0","id":ID,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28"],"requested":"2026-07-28"}}}`
		}
		if m.Method == "server/discover" {
			return 200, discoverOK
		}
		return 200, `{"jsonrpc":"2.0","id":ID,"result":{"tools":[]}}`
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s, _ := dialT(t, Config{URL: srv.URL, Keepalive: -1})
	if s.Info().Era != "modern" {
		t.Fatalf("era %s", s.Info().Era)
	}
	if _, err := s.Call(ctxT(t), "tools/list", nil); err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != 3 || f.requests[0].IDKey() == f.requests[1].IDKey() {
		t.Fatalf("requests %d", len(f.requests))
	}
}

// MRTR exactly: requestState echoed byte for byte on the retry only, a
// new id, and a state-less input_required retried without requestState.
func TestInputRequiredEchoesState(t *testing.T) {
	const state = `"{\"nonce\":\"abc\", \"originalId\":  7}"`
	f := &modernFake{handle: func(n int, m *Message) (int, string) {
		if m.Method == "server/discover" {
			return 200, discoverOK
		}
		var p struct {
			Name           string          `json:"name"`
			InputResponses json.RawMessage `json:"inputResponses"`
		}
		json.Unmarshal(m.Params, &p)
		if len(p.InputResponses) == 0 {
			st := `,"requestState":` + state
			if p.Name == "nostate" {
				st = ""
			}
			return 200, `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"input_required","inputRequests":{"confirm":{"method":"elicitation/create","params":{"message":"ok?","requestedSchema":{"type":"object","properties":{"confirmed":{"type":"boolean"}}}}}}` + st + `}}`
		}
		return 200, `{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"done"}]}}`
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	handler := func(ctx context.Context, req *ServerRequest) (any, error) {
		return map[string]any{"action": "accept", "content": map[string]any{"confirmed": true}}, nil
	}
	s, _ := dialT(t, Config{URL: srv.URL, Keepalive: -1, Handler: handler})
	for _, name := range []string{"state", "nostate"} {
		f.mu.Lock()
		f.requests = nil
		f.mu.Unlock()
		raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": name})
		if err != nil || !strings.Contains(string(raw), "done") {
			t.Fatalf("%s: %v %s", name, err, raw)
		}
		first, retry := f.requests[0], f.requests[1]
		if first.IDKey() == retry.IDKey() {
			t.Fatalf("%s: retry reused id %s", name, first.IDKey())
		}
		var p struct {
			RequestState   json.RawMessage `json:"requestState"`
			InputResponses map[string]struct {
				Action string `json:"action"`
			} `json:"inputResponses"`
		}
		json.Unmarshal(retry.Params, &p)
		if p.InputResponses["confirm"].Action != "accept" {
			t.Fatalf("%s: inputResponses %s", name, retry.Params)
		}
		if name == "state" && string(p.RequestState) != state {
			t.Fatalf("requestState not echoed exactly: %s", p.RequestState)
		}
		if name == "nostate" && p.RequestState != nil {
			t.Fatalf("requestState sent though the server gave none")
		}
	}
}

// An unknown resultType makes the result invalid.
func TestUnknownResultTypeIsAnError(t *testing.T) {
	f := &modernFake{handle: func(n int, m *Message) (int, string) {
		if m.Method == "server/discover" {
			return 200, discoverOK
		}
		return 200, `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"hologram"}}`
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s, _ := dialT(t, Config{URL: srv.URL, Keepalive: -1})
	_, err := s.Call(ctxT(t), "tools/list", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown resultType "hologram"`) {
		t.Fatalf("got %v", err)
	}
}

// The conformance suite's invalid x-mcp-header tools are dropped from the
// tools/list view; the valid one stays and its header is sent.
func TestInvalidHeaderToolsDropped(t *testing.T) {
	tools := `[
 {"name":"valid_tool","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}},
 {"name":"invalid_empty_header","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":""}}}},
 {"name":"invalid_object_header","inputSchema":{"type":"object","properties":{"a":{"type":"object","x-mcp-header":"A"}}}},
 {"name":"invalid_number_header","inputSchema":{"type":"object","properties":{"a":{"type":"number","x-mcp-header":"A"}}}},
 {"name":"invalid_duplicate_diff_case","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"MyField"},"b":{"type":"string","x-mcp-header":"myfield"}}}},
 {"name":"invalid_space_in_name","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"My Field"}}}},
 {"name":"invalid_non_ascii_name","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"Région"}}}},
 {"name":"invalid_control_char_name","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"Region\t1"}}}},
 {"name":"invalid_in_items","inputSchema":{"type":"object","properties":{"a":{"type":"array","items":{"type":"string","x-mcp-header":"A"}}}}}
]`
	f := &modernFake{handle: func(n int, m *Message) (int, string) {
		switch m.Method {
		case "server/discover":
			return 200, discoverOK
		case "tools/list":
			return 200, `{"jsonrpc":"2.0","id":ID,"result":{"tools":` + tools + `}}`
		}
		return 200, `{"jsonrpc":"2.0","id":ID,"result":{"content":[]}}`
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s, log := dialT(t, Config{URL: srv.URL, Keepalive: -1})
	items, err := s.ListAll(ctxT(t), "tools/list", "tools")
	if err != nil || len(items) != 1 || !strings.Contains(string(items[0]), "valid_tool") {
		t.Fatalf("view %d tools (%v)", len(items), err)
	}
	if n := log.count(func(e Event) bool { return strings.HasPrefix(e.Err, "dropping tool") }); n != 8 {
		t.Fatalf("%d drop warnings", n)
	}
	if _, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "valid_tool", "arguments": map[string]any{"region": "us-west1"}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	h := f.headers[len(f.headers)-1]
	f.mu.Unlock()
	if h.Get("Mcp-Param-Region") != "us-west1" {
		t.Fatalf("Mcp-Param-Region %q", h.Get("Mcp-Param-Region"))
	}
}

func TestHeaderValueEncoding(t *testing.T) {
	b64 := func(s string) string { return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?=" }
	for in, want := range map[string]string{
		"us-west1": "us-west1", "us west 1": "us west 1", "": "", "SELECT * FROM users": "SELECT * FROM users",
		"Hello, 世界": b64("Hello, 世界"), " padded ": b64(" padded "), "line1\nline2": b64("line1\nline2"),
		"\tindented": b64("\tindented"), "=?base64?abc?=": b64("=?base64?abc?="),
	} {
		if got := headerValue(in); got != want {
			t.Errorf("headerValue(%q) = %q, want %q", in, got, want)
		}
	}
	h := http.Header{}
	d := json.NewDecoder(strings.NewReader(`{"region":"us","priority":42,"verbose":null,"debug":true,"nested":{"zone":"b"}}`))
	d.UseNumber()
	var args map[string]any
	d.Decode(&args)
	paramHeaders(h, []headerParam{{"Region", []string{"region"}}, {"Priority", []string{"priority"}}, {"Verbose", []string{"verbose"}},
		{"Debug", []string{"debug"}}, {"Zone", []string{"nested", "zone"}}, {"Absent", []string{"absent"}}}, args)
	want := http.Header{"Mcp-Param-Region": {"us"}, "Mcp-Param-Priority": {"42"}, "Mcp-Param-Debug": {"true"}, "Mcp-Param-Zone": {"b"}}
	if fmt.Sprint(h) != fmt.Sprint(want) {
		t.Fatalf("headers %v, want %v", h, want)
	}
}

type (
	httpResponseWriter = http.ResponseWriter
	httpRequest        = http.Request
)

func httptestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A burst of server requests during a call (demo's hostile_flood): the
// handler gets them all at once in both eras (2026-07-28 input requests
// were answered one after the other, so a person saw one at a time), and
// each says which of sonde's requests it came with: the round whose
// input_required result carried it, or the call whose POST stream it
// arrived on (Event.Via, in the log too).
func TestServerRequestsComeWithTheirCall(t *testing.T) {
	const n = 6
	for _, proto := range []string{"", "2025-11-25"} {
		t.Run("protocol "+proto, func(t *testing.T) {
			h, err := demo.Serve(context.Background(), hostile.NewServer(), demo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Close() })
			var mu sync.Mutex
			arrived := 0
			all := make(chan struct{})
			vias := map[string]int{}
			refuse := false
			handler := func(ctx context.Context, req *ServerRequest) (any, error) {
				mu.Lock()
				if refuse {
					mu.Unlock()
					return nil, &RPCError{Code: -1, Message: "refused"}
				}
				arrived++
				vias[req.Via]++
				if arrived == n {
					close(all)
				}
				mu.Unlock()
				select { // every request waits until all have arrived
				case <-all:
				case <-time.After(5 * time.Second):
					return nil, fmt.Errorf("only %d of %d requests arrived together", arrived, n)
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				if req.Method == "elicitation/create" {
					return map[string]any{"action": "decline"}, nil
				}
				return map[string]any{"role": "assistant", "model": "m", "content": map[string]any{"type": "text", "text": "ok"}}, nil
			}
			s, log := dialT(t, Config{URL: h.URL, Protocol: proto, Keepalive: -1, Handler: handler,
				Capabilities: json.RawMessage(`{"sampling":{},"elicitation":{}}`)})
			raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": hostile.ToolFlood, "arguments": map[string]any{"count": n}})
			if err != nil || !strings.Contains(string(raw), "answered") {
				t.Fatalf("%v %s", err, raw)
			}
			callID := "" // the first round's id
			for _, e := range log.all() {
				if e.Dir == DirOut && e.RPC == RPCRequest && e.Method == "tools/call" {
					callID = e.ID
					break
				}
			}
			if proto == "" {
				// one refused input request ends the call, and the log says why
				mu.Lock()
				refuse = true
				mu.Unlock()
				_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": hostile.ToolFlood, "arguments": map[string]any{"count": 1}})
				if err == nil || log.count(func(e Event) bool {
					return e.Kind == KindError && e.Via != "" && strings.Contains(e.Err, "needs input")
				}) != 1 {
					t.Fatalf("a refused input request: %v", err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if arrived != n || vias[callID] != n {
				t.Fatalf("%d arrived, came with %v (the call is %s)", arrived, vias, callID)
			}
			if proto != "" {
				got := log.count(func(e Event) bool { return e.Dir == DirIn && e.RPC == RPCRequest && e.Via == callID })
				if got != n {
					t.Fatalf("%d server requests in the log say they came on the call's stream", got)
				}
			}
		})
	}
}

// A raw request in a 2026-07-28 session goes as written, with the modern
// HTTP headers sonde's own requests carry (without them the go-sdk server
// took it for a 2025-03-26 request and refused it, -32022); with
// RequestMeta in its params it is answered like sonde's own.
func TestSendRawModern(t *testing.T) {
	d := startDemoEra(t, demo.EraModern)
	s, log := dialT(t, Config{URL: d.URL, Keepalive: -1})
	meta := s.RequestMeta()
	var m map[string]json.RawMessage
	if json.Unmarshal(meta, &m) != nil || string(m[MetaProtocolVersion]) != `"`+ModernProtocol+`"` || m[MetaClientCapabilities] == nil {
		t.Fatalf("RequestMeta %s", meta)
	}
	msg := `{"jsonrpc":"2.0","id":"r1","method":"tools/list","params":{"_meta":` + string(meta) + `}}`
	res, err := s.SendRaw(ctxT(t), []byte(msg), 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Answer == nil || res.Answer.RPC != RPCResponse || !strings.Contains(string(res.Answer.Raw), `"get_weather"`) {
		t.Fatalf("answer %+v", res.Answer)
	}
	var sent *Event
	for _, e := range log.all() {
		if e.Dir == DirOut && e.ID == `"r1"` {
			e := e
			sent = &e
		}
	}
	if sent == nil || string(sent.Raw) != msg {
		t.Fatalf("not sent as written: %+v", sent)
	}
	if h := sent.Header; h.Get("Mcp-Protocol-Version") != ModernProtocol || h.Get("Mcp-Method") != "tools/list" {
		t.Fatalf("headers %v", h)
	}
}
