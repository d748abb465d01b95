package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// These tests pin down what go-sdk v1.8.0's server handlers put on the wire,
// as seen by a plain HTTP client. They document behaviour a client must
// tolerate.

type sseEvent struct {
	name, id, data, retry string
}

// readEvent reads one SSE event (LF line endings, as go-sdk writes them);
// comment lines are returned as events named ":".
func readEvent(r *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	var data []string
	seen := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\n")
		if line == "" {
			if seen {
				ev.data = strings.Join(data, "\n")
				return ev, nil
			}
			continue
		}
		seen = true
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			ev.name = ":"
			data = append(data, value)
		case "event":
			ev.name = value
		case "id":
			ev.id = value
		case "retry":
			ev.retry = value
		case "data":
			data = append(data, value)
		}
	}
}

func readEvents(t *testing.T, body io.Reader) []sseEvent {
	t.Helper()
	r := bufio.NewReader(body)
	var out []sseEvent
	for {
		ev, err := readEvent(r)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading SSE: %v", err)
		}
		out = append(out, ev)
	}
}

type wireClient struct {
	t       *testing.T
	url     string
	session string
	version string // MCP-Protocol-Version header
}

func (c *wireClient) do(method, body string, extra map[string]string) *http.Response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	if c.version != "" {
		req.Header.Set("Mcp-Protocol-Version", c.version)
	}
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wire","version":"0"}}}`

// legacySession performs the legacy handshake over Streamable HTTP.
func legacySession(t *testing.T, r *Running) *wireClient {
	c := &wireClient{t: t, url: r.URL}
	resp := c.do("POST", initBody, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("initialize: %s", resp.Status)
	}
	c.session = resp.Header.Get("Mcp-Session-Id")
	readAll(t, resp)
	c.version = "2025-11-25"
	if resp := c.do("POST", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil); resp.StatusCode != 202 {
		t.Fatalf("initialized: %s", resp.Status)
	}
	return c
}

func modernMeta() string {
	return `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"wire","version":"0"}}`
}

func TestWireStreamableLegacy(t *testing.T) {
	r := start(t, testOptions())
	c := &wireClient{t: t, url: r.URL}
	resp := c.do("POST", initBody, nil)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("initialize: %s %q", resp.Status, ct)
	}
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatal("no Mcp-Session-Id")
	}
	evs := readEvents(t, resp.Body)
	if len(evs) != 1 || evs[0].name != "message" || evs[0].id != "" || !strings.Contains(evs[0].data, `"protocolVersion":"2025-11-25"`) {
		t.Errorf("initialize events = %+v", evs)
	}

	// Unknown session: 404 (plain text).
	bad := &wireClient{t: t, url: r.URL, session: "nope", version: "2025-11-25"}
	if resp := bad.do("POST", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, nil); resp.StatusCode != 404 {
		t.Errorf("unknown session: %s", resp.Status)
	}
	// GET without a session: 400.
	if resp := (&wireClient{t: t, url: r.URL}).do("GET", "", nil); resp.StatusCode != 400 {
		t.Errorf("GET without session: %s", resp.Status)
	}

	c = legacySession(t, r)
	// Standalone GET stream: opens with a ": ok" comment.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", r.URL, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", c.session)
	get, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()
	br := bufio.NewReader(get.Body)
	if ev, err := readEvent(br); err != nil || ev.name != ":" || ev.data != "ok" {
		t.Errorf("first GET event = %+v, %v", ev, err)
	}
	// A second concurrent GET: 409.
	if resp := c.do("GET", "", map[string]string{"Accept": "text/event-stream"}); resp.StatusCode != 409 {
		t.Errorf("second GET: %s", resp.Status)
	}
	// The tools/list_changed notification arrives on the GET stream.
	if resp := c.do("POST", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"manage_extras","arguments":{}}}`, nil); resp.StatusCode != 200 {
		t.Fatalf("manage_extras: %s", resp.Status)
	} else {
		readAll(t, resp)
	}
	if ev, err := readEvent(br); err != nil || ev.name != "message" || !strings.Contains(ev.data, "notifications/tools/list_changed") {
		t.Errorf("GET event = %+v, %v", ev, err)
	}
	// Results carry the 2026 cache fields even on a legacy session.
	resp = c.do("POST", `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`, nil)
	if evs := readEvents(t, resp.Body); len(evs) != 1 || !strings.Contains(evs[0].data, `"ttlMs":0`) {
		t.Logf("tools/list on a legacy session: %.200s", evs)
	}
	// DELETE ends the session; afterwards it is unknown.
	if resp := c.do("DELETE", "", nil); resp.StatusCode != 204 {
		t.Errorf("DELETE: %s", resp.Status)
	}
	if resp := c.do("POST", `{"jsonrpc":"2.0","id":5,"method":"tools/list"}`, nil); resp.StatusCode != 404 {
		t.Errorf("POST after DELETE: %s", resp.Status)
	}
}

func TestWireResumable(t *testing.T) {
	opts := testOptions()
	opts.Resumable = true
	r := start(t, opts)
	c := legacySession(t, r)
	resp := c.do("POST", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"long_running","arguments":{"durationMs":50,"steps":2,"disconnectAtStep":1},"_meta":{"progressToken":"p"}}}`, nil)
	evs := readEvents(t, resp.Body)
	// prime (id, empty data), progress, then a "close" event with retry and
	// empty data before the server drops the connection.
	if len(evs) < 3 || evs[0].name != "prime" || evs[0].id == "" || evs[0].data != "" {
		t.Fatalf("events = %+v", evs)
	}
	last := evs[len(evs)-1]
	if last.name != "close" || last.retry != "500" || last.data != "" {
		t.Errorf("last event = %+v", last)
	}
	var lastID string
	for _, ev := range evs {
		if ev.id != "" {
			lastID = ev.id
		}
	}
	if !strings.Contains(lastID, "_") {
		t.Errorf("event id %q is not <stream>_<n>", lastID)
	}
	// Resume with GET + Last-Event-ID: the rest of the stream is replayed
	// or delivered, ending with the response.
	get := c.do("GET", "", map[string]string{"Accept": "text/event-stream", "Last-Event-ID": lastID})
	if get.StatusCode != 200 {
		t.Fatalf("resume GET: %s", get.Status)
	}
	evs = readEvents(t, get.Body)
	if len(evs) == 0 || !strings.Contains(evs[len(evs)-1].data, "Completed 2 steps") {
		t.Errorf("resumed events = %+v", evs)
	}
}

func TestWireSSE(t *testing.T) {
	r := start(t, testOptions())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", r.SSEURL, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	ev, err := readEvent(br)
	if err != nil || ev.name != "endpoint" || !strings.HasPrefix(ev.data, SSEPath+"?sessionid=") {
		t.Fatalf("first event = %+v, %v", ev, err)
	}
	endpoint, _ := url.Parse(r.SSEURL)
	endpoint, _ = endpoint.Parse(ev.data)
	post := func(u, body string) *http.Response {
		resp, err := http.Post(u, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(endpoint.String(), initBody); resp.StatusCode != 202 {
		t.Errorf("POST: %s", resp.Status)
	}
	if ev, err := readEvent(br); err != nil || ev.name != "message" || !strings.Contains(ev.data, `"serverInfo"`) {
		t.Errorf("reply event = %+v, %v", ev, err)
	}
	if resp := post(r.SSEURL+"?sessionid=nope", initBody); resp.StatusCode != 404 {
		t.Errorf("unknown session: %s", resp.Status)
	}
	if resp := post(r.SSEURL, initBody); resp.StatusCode != 400 {
		t.Errorf("no session: %s", resp.Status)
	}
}

func TestWireModern(t *testing.T) {
	r := start(t, testOptions())
	c := &wireClient{t: t, url: r.URL, version: "2026-07-28"}
	resp := c.do("POST", `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+modernMeta()+`}}`,
		map[string]string{"Mcp-Method": "server/discover"})
	if resp.StatusCode != 200 || resp.Header.Get("Mcp-Session-Id") != "" {
		t.Fatalf("discover: %s, session %q", resp.Status, resp.Header.Get("Mcp-Session-Id"))
	}
	evs := readEvents(t, resp.Body)
	if len(evs) != 1 {
		t.Fatalf("discover events = %+v", evs)
	}
	var disc struct {
		Result struct {
			ResultType        string   `json:"resultType"`
			SupportedVersions []string `json:"supportedVersions"`
			TTLMs             int      `json:"ttlMs"`
			Meta              map[string]json.RawMessage
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(evs[0].data), &disc); err != nil {
		t.Fatal(err)
	}
	if disc.Result.ResultType != "complete" || len(disc.Result.SupportedVersions) != 5 || disc.Result.TTLMs != 3600000 {
		t.Errorf("discover = %s", evs[0].data)
	}
	// GET and DELETE are 405 for 2026-era requests.
	if resp := c.do("GET", "", nil); resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %s Allow=%q", resp.Status, resp.Header.Get("Allow"))
	}
	// An unknown method: 404 with a JSON-RPC -32601 body.
	resp = c.do("POST", `{"jsonrpc":"2.0","id":2,"method":"nope/nope","params":{`+modernMeta()+`}}`, map[string]string{"Mcp-Method": "nope/nope"})
	if body := readAll(t, resp); resp.StatusCode != 404 || !strings.Contains(body, "-32601") {
		t.Errorf("unknown method: %s %s", resp.Status, body)
	}
	// A tools/call whose Mcp-Name header is missing: 400 -32020.
	resp = c.do("POST", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"},`+modernMeta()+`}}`,
		map[string]string{"Mcp-Method": "tools/call"})
	if body := readAll(t, resp); resp.StatusCode != 400 || !strings.Contains(body, "-32020") {
		t.Errorf("missing Mcp-Name: %s %s", resp.Status, body)
	}
	// A multi round-trip tool answers input_required with requestState.
	resp = c.do("POST", `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_roots","arguments":{},`+
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"roots":{}}}}}`,
		map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "list_roots"})
	evs = readEvents(t, resp.Body)
	if len(evs) != 1 || !strings.Contains(evs[0].data, `"resultType":"input_required"`) ||
		!strings.Contains(evs[0].data, `"roots/list"`) || !strings.Contains(evs[0].data, `"requestState"`) {
		t.Errorf("input_required = %+v", evs)
	}
	// Missing capability: -32021.
	resp = c.do("POST", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ask_llm","arguments":{},`+modernMeta()+`}}`,
		map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "ask_llm"})
	if body := readAll(t, resp); !strings.Contains(body, "-32021") || !strings.Contains(body, `"requiredCapabilities":{"sampling":{}}`) {
		t.Errorf("missing capability: %s %s", resp.Status, body)
	}
}

func TestWireLegacyEraRejectsModern(t *testing.T) {
	opts := testOptions()
	opts.Era = EraLegacy
	r := start(t, opts)
	c := &wireClient{t: t, url: r.URL, version: "2026-07-28"}
	resp := c.do("POST", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{`+modernMeta()+`}}`, map[string]string{"Mcp-Method": "tools/list"})
	body := readAll(t, resp)
	if resp.StatusCode != 400 || !strings.Contains(body, "-32022") || strings.Contains(body, `"2026-07-28","2025`) {
		t.Errorf("tools/list: %s %s", resp.Status, body)
	}
	// server/discover is answered, listing legacy versions only.
	resp = c.do("POST", `{"jsonrpc":"2.0","id":2,"method":"server/discover","params":{`+modernMeta()+`}}`, map[string]string{"Mcp-Method": "server/discover"})
	body = readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, `"supportedVersions":["2025-11-25","2025-06-18","2025-03-26","2024-11-05"]`) {
		t.Errorf("discover: %s %s", resp.Status, body)
	}
}

func TestWireJSONResponse(t *testing.T) {
	opts := testOptions()
	opts.JSONResponse = true
	r := start(t, opts)
	call := `"method":"tools/call","params":{"name":"long_running","arguments":{"durationMs":10,"steps":2},"_meta":{"progressToken":"p"`

	// Legacy: the response is one JSON object; the progress notifications go
	// to the standalone GET stream.
	c := legacySession(t, r)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", r.URL, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", c.session)
	get, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()
	br := bufio.NewReader(get.Body)
	readEvent(br) // ": ok"
	resp := c.do("POST", `{"jsonrpc":"2.0","id":2,`+call+`}}}`, nil)
	body := readAll(t, resp)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" || !strings.HasPrefix(body, `{"jsonrpc":"2.0","id":2,"result"`) {
		t.Errorf("legacy JSON response: %q %.300s", ct, body)
	}
	if ev, err := readEvent(br); err != nil || !strings.Contains(ev.data, "notifications/progress") {
		t.Errorf("GET stream event = %+v, %v", ev, err)
	}

	// 2026-07-28: one JSON object, and the progress notifications are lost.
	m := &wireClient{t: t, url: r.URL, version: "2026-07-28"}
	resp = m.do("POST", `{"jsonrpc":"2.0","id":3,`+call+`,`+strings.TrimPrefix(modernMeta(), `"_meta":{`)+`}}}`,
		map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "long_running"})
	body = readAll(t, resp)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" || !strings.HasPrefix(body, `{"jsonrpc":"2.0","id":3,"result"`) ||
		strings.Contains(body, "notifications/progress") {
		t.Errorf("2026 JSON response: %q %.300s", ct, body)
	}
}

func TestWireListenUnknownResource(t *testing.T) {
	r := start(t, testOptions())
	c := &wireClient{t: t, url: r.URL, version: "2026-07-28"}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", r.URL, strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":["demo://nope"]},`+modernMeta()+`}}`))
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Mcp-Protocol-Version", c.version)
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), `"code":-32602,"message":"Resource not found"`) {
		t.Errorf("listen on an unknown resource: %s %q %s", resp.Status, resp.Header.Get("Content-Type"), b)
	}
}

func TestWireCrossOrigin(t *testing.T) {
	r := start(t, testOptions())
	c := &wireClient{t: t, url: r.URL}
	resp := c.do("POST", initBody, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: %s", resp.Status)
	}
	// Non-browser clients send neither header and are served.
	if resp := c.do("POST", initBody, nil); resp.StatusCode != 200 {
		t.Errorf("plain POST: %s", resp.Status)
	}
	// A request whose Host is not loopback is refused by go-sdk's DNS
	// rebinding protection.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", r.URL, strings.NewReader(initBody))
	req.Host = "evil.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %s", resp.Status)
	}
}
