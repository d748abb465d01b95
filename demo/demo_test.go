package demo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/internal/testenv"
)

// testRoot is the root the test client exposes.
const testRoot = "file:///tmp/sonde-demo-root"

// observer collects what the test client receives from the server.
type observer struct {
	progress  chan *mcp.ProgressNotificationParams
	logs      chan *mcp.LoggingMessageParams
	tools     chan struct{}
	prompts   chan struct{}
	resources chan struct{}
	updated   chan string
	elicitEnd chan string

	mu         sync.Mutex
	elicitURLs []string
}

func newObserver() *observer {
	return &observer{
		progress:  make(chan *mcp.ProgressNotificationParams, 1000),
		logs:      make(chan *mcp.LoggingMessageParams, 1000),
		tools:     make(chan struct{}, 100),
		prompts:   make(chan struct{}, 100),
		resources: make(chan struct{}, 100),
		updated:   make(chan string, 1000),
		elicitEnd: make(chan string, 100),
	}
}

// offer sends v on ch unless ch is full; client handlers must never block.
func offer[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// drain empties ch.
func drain[T any](ch chan T) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// await waits for a value on ch.
func await[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func (o *observer) client() *mcp.Client {
	c := mcp.NewClient(&mcp.Implementation{Name: "demo-test", Version: "0.0.1"}, &mcp.ClientOptions{
		Capabilities: &mcp.ClientCapabilities{
			RootsV2:     &mcp.RootCapabilities{ListChanged: true},
			Elicitation: &mcp.ElicitationCapabilities{Form: &mcp.FormElicitationCapabilities{}, URL: &mcp.URLElicitationCapabilities{}},
		},
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			q := ""
			if len(req.Params.Messages) > 0 {
				if tc, ok := req.Params.Messages[0].Content.(*mcp.TextContent); ok {
					q = tc.Text
				}
			}
			return &mcp.CreateMessageResult{
				Role:       "assistant",
				Model:      "test-model",
				StopReason: "endTurn",
				Content:    &mcp.TextContent{Text: "Paris, in answer to: " + q},
			}, nil
		},
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			if req.Params.Mode == "url" {
				o.mu.Lock()
				o.elicitURLs = append(o.elicitURLs, req.Params.URL)
				o.mu.Unlock()
				return &mcp.ElicitResult{Action: "accept"}, nil
			}
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{
				"displayName": "Grace",
				"email":       "grace@example.com",
			}}, nil
		},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			offer(o.progress, req.Params)
		},
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) {
			offer(o.logs, req.Params)
		},
		ToolListChangedHandler:     func(context.Context, *mcp.ToolListChangedRequest) { offer(o.tools, struct{}{}) },
		PromptListChangedHandler:   func(context.Context, *mcp.PromptListChangedRequest) { offer(o.prompts, struct{}{}) },
		ResourceListChangedHandler: func(context.Context, *mcp.ResourceListChangedRequest) { offer(o.resources, struct{}{}) },
		ResourceUpdatedHandler: func(_ context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
			offer(o.updated, req.Params.URI)
		},
		ElicitationCompleteHandler: func(_ context.Context, req *mcp.ElicitationCompleteNotificationRequest) {
			offer(o.elicitEnd, req.Params.ElicitationID)
		},
	})
	c.AddRoots(&mcp.Root{URI: testRoot, Name: "demo root"})
	return c
}

// testOptions are server options that keep the tests fast.
func testOptions() Options {
	return Options{TickInterval: 50 * time.Millisecond, LongRunDuration: 200 * time.Millisecond}
}

func start(t *testing.T, opts Options) *Running {
	t.Helper()
	r, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// transportCase describes how a test client connects.
type transportCase struct {
	name    string
	sse     bool   // legacy HTTP+SSE instead of Streamable HTTP
	version string // ClientSessionOptions.ProtocolVersion ("" = go-sdk default, 2026-07-28 with fallback)
	want    string // negotiated protocol version
}

var transportCases = []transportCase{
	{name: "streamable-2026", want: "2026-07-28"},
	{name: "streamable-2025-11-25", version: "2025-11-25", want: "2025-11-25"},
	{name: "streamable-2025-06-18", version: "2025-06-18", want: "2025-06-18"},
	{name: "sse", sse: true, want: "2025-11-25"}, // discover is answered with legacy versions only, then initialize
}

func (tc transportCase) modern() bool { return tc.want >= modernVersion }

func connect(t *testing.T, r *Running, tc transportCase, o *observer) *mcp.ClientSession {
	t.Helper()
	var tr mcp.Transport
	if tc.sse {
		tr = &mcp.SSEClientTransport{Endpoint: r.SSEURL}
	} else {
		tr = &mcp.StreamableClientTransport{Endpoint: r.URL}
	}
	cs, err := o.client().Connect(t.Context(), tr, &mcp.ClientSessionOptions{ProtocolVersion: tc.version})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	if got := cs.InitializeResult().ProtocolVersion; got != tc.want {
		t.Fatalf("negotiated protocol version %q, want %q", got, tc.want)
	}
	return cs
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	return callMeta(t, cs, name, args, nil)
}

func callMeta(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, meta mcp.Meta) *mcp.CallToolResult {
	t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args, Meta: meta})
	if err != nil {
		t.Fatalf("CallTool(%s): %v", name, err)
	}
	return res
}

// textOf concatenates the text blocks of a result.
func textOf(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func wantText(t *testing.T, res *mcp.CallToolResult, substr string) {
	t.Helper()
	if res.IsError {
		t.Fatalf("unexpected tool error: %s", textOf(res))
	}
	if got := textOf(res); !strings.Contains(got, substr) {
		t.Fatalf("result %q does not contain %q", got, substr)
	}
}

// TestDemo connects with the go-sdk client over every transport and era and
// exercises every tool, resource and prompt.
func TestDemo(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := start(t, testOptions())
			o := newObserver()
			cs := connect(t, r, tc, o)
			checks := []struct {
				name string
				f    func(*testing.T, *Running, *mcp.ClientSession, *observer, transportCase)
			}{
				{"server-info", checkServerInfo},
				{"list-tools", checkListTools},
				{"echo", checkEcho},
				{"booking", checkBooking},
				{"delete", checkDelete},
				{"image", checkImage},
				{"audio", checkAudio},
				{"weather", checkWeather},
				{"resource-links", checkResourceLinks},
				{"fail", checkFail},
				{"large-text", checkLargeText},
				{"progress", checkProgress},
				{"cancel", checkCancel},
				{"logs", checkLogs},
				{"sampling", checkSampling},
				{"elicit-form", checkElicitForm},
				{"elicit-url", checkElicitURL},
				{"roots", checkRoots},
				{"ping", checkPing},
				{"list-changed", checkListChanged},
				{"resources", checkResources},
				{"subscribe", checkSubscribe},
				{"prompts", checkPrompts},
				{"complete", checkComplete},
			}
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) { c.f(t, r, cs, o, tc) })
			}
		})
	}
}

func checkServerInfo(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, tc transportCase) {
	init := cs.InitializeResult()
	if !strings.Contains(init.Instructions, "sonde's built-in demo server") {
		t.Errorf("instructions = %q", init.Instructions)
	}
	caps := init.Capabilities
	if caps.Tools == nil || !caps.Tools.ListChanged || caps.Resources == nil || !caps.Resources.Subscribe ||
		caps.Prompts == nil || caps.Logging == nil || caps.Completions == nil {
		t.Errorf("capabilities = %+v", caps)
	}
	if tc.modern() {
		return // DiscoverResult carries no serverInfo; results carry it in _meta instead.
	}
	if si := init.ServerInfo; si == nil || si.Name != ServerName || si.Title != ServerTitle || si.Version != ServerVersion || len(si.Icons) == 0 {
		t.Errorf("serverInfo = %+v", init.ServerInfo)
	}
}

func checkListTools(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	tools := map[string]*mcp.Tool{}
	for tool, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		tools[tool.Name] = tool
	}
	for _, name := range ToolNames() {
		if tools[name] == nil {
			t.Errorf("tool %q missing", name)
		}
	}
	if len(tools) != len(ToolNames()) {
		t.Errorf("got %d tools, want %d", len(tools), len(ToolNames()))
	}
	schema, _ := json.Marshal(tools[ToolCreateBooking].InputSchema)
	for _, want := range []string{`"$defs"`, `"$ref":"#/$defs/address"`, `"oneOf"`, `"format":"email"`, `"format":"date"`, `"format":"uri"`, `["string","null"]`, `"uniqueItems":true`} {
		if !bytes.Contains(schema, []byte(want)) {
			t.Errorf("create_booking schema lacks %s", want)
		}
	}
	if a := tools[ToolDeleteRecords].Annotations; a == nil || a.DestructiveHint == nil || !*a.DestructiveHint || !a.IdempotentHint || a.Title == "" {
		t.Errorf("delete_records annotations = %+v", a)
	}
	if a := tools[ToolEcho].Annotations; a == nil || !a.ReadOnlyHint || a.OpenWorldHint == nil || *a.OpenWorldHint {
		t.Errorf("echo annotations = %+v", a)
	}
	if tools[ToolGetWeather].OutputSchema == nil {
		t.Error("get_weather has no outputSchema")
	}
}

func checkEcho(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolEcho, map[string]any{"text": "hi", "uppercase": true, "repeat": 3})
	if got := textOf(res); got != "HIHIHI" {
		t.Errorf("echo = %q", got)
	}
	// A schema violation is a tool error, not a protocol error.
	res = call(t, cs, ToolEcho, map[string]any{"repeat": 99})
	if !res.IsError {
		t.Errorf("echo with bad arguments did not fail: %s", textOf(res))
	}
}

func bookingArgs() map[string]any {
	return map[string]any{
		"guest": map[string]any{
			"name":  "Ada Lovelace",
			"email": "ada@example.com",
			"contact": map[string]any{
				"channel":    "sms",
				"phone":      "+44 20 7946 0000",
				"quietHours": map[string]any{"from": "21:00:00", "to": "08:00:00"},
			},
		},
		"checkIn":        "2026-12-24",
		"rooms":          []any{map[string]any{"kind": "suite", "adults": 2}, map[string]any{"kind": "single"}},
		"amenities":      []any{"spa", "parking"},
		"budget":         249.5,
		"notes":          nil,
		"payment":        map[string]any{"method": "invoice", "company": "Analytical Engines Ltd"},
		"billingAddress": map[string]any{"street": "12 St James's Square", "city": "London"},
	}
}

func checkBooking(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolCreateBooking, bookingArgs())
	wantText(t, res, "Booked 2 room(s) for 2 night(s) for Ada Lovelace")
	wantText(t, res, `"priority": "normal"`) // default applied
	if id, _ := res.Meta["demo/bookingId"].(string); !strings.HasPrefix(id, "BK-") {
		t.Errorf("_meta = %v", res.Meta)
	}
	bad := bookingArgs()
	bad["payment"] = map[string]any{"method": "card", "last4": "12"}
	if res := call(t, cs, ToolCreateBooking, bad); !res.IsError {
		t.Errorf("invalid oneOf branch accepted: %s", textOf(res))
	}
}

func checkDelete(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	wantText(t, call(t, cs, ToolDeleteRecords, map[string]any{"table": "orders", "ids": []int{1, 2, 3}}), "Dry run: would delete 3 row(s)")
	wantText(t, call(t, cs, ToolDeleteRecords, map[string]any{"table": "logs", "ids": []int{7}, "dryRun": false}), "Deleted 1 row(s)")
}

func checkImage(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolGetImage, map[string]any{"pattern": "checkerboard", "size": 32})
	for _, c := range res.Content {
		if img, ok := c.(*mcp.ImageContent); ok {
			if img.MIMEType != "image/png" {
				t.Errorf("mimeType = %q", img.MIMEType)
			}
			m, err := png.Decode(bytes.NewReader(img.Data))
			if err != nil {
				t.Fatalf("image does not decode as PNG: %v", err)
			}
			if b := m.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
				t.Errorf("image is %v, want 32×32", b)
			}
			return
		}
	}
	t.Fatal("no image content")
}

func checkAudio(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolGetAudio, map[string]any{"frequency": 880, "durationMs": 100})
	for _, c := range res.Content {
		if a, ok := c.(*mcp.AudioContent); ok {
			if a.MIMEType != "audio/wav" || len(a.Data) != 44+2*wavSampleRate/10 ||
				string(a.Data[:4]) != "RIFF" || string(a.Data[8:12]) != "WAVE" {
				t.Errorf("audio: %s, %d bytes, header %q", a.MIMEType, len(a.Data), a.Data[:12])
			}
			return
		}
	}
	t.Fatal("no audio content")
}

func checkWeather(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	var tool *mcp.Tool
	for tl, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tl.Name == ToolGetWeather {
			tool = tl
		}
	}
	// A non-ASCII city also exercises the base64 form of Mcp-Param-City in 2026-07-28.
	res := call(t, cs, ToolGetWeather, map[string]any{"city": "Zürich", "units": "imperial"})
	if res.IsError || res.StructuredContent == nil {
		t.Fatalf("no structured content: %s", textOf(res))
	}
	var schema jsonschema.Schema
	raw, _ := json.Marshal(tool.OutputSchema)
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	resolved, err := schema.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := resolved.Validate(res.StructuredContent); err != nil {
		t.Errorf("structuredContent does not match outputSchema: %v", err)
	}
	got, _ := json.Marshal(res.StructuredContent)
	want, _ := json.Marshal(weatherFor("Zürich", "imperial", 3))
	if !jsonEqual(got, want) {
		t.Errorf("structuredContent = %s, want %s", got, want)
	}
	if !jsonEqual([]byte(textOf(res)), want) {
		t.Errorf("text fallback = %s", textOf(res))
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func checkResourceLinks(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolResourceLinks, nil)
	var links, texts, blobs int
	for _, c := range res.Content {
		switch c := c.(type) {
		case *mcp.ResourceLink:
			links++
		case *mcp.EmbeddedResource:
			if c.Resource.Blob != nil {
				if !bytes.Equal(c.Resource.Blob, logoPNG()) {
					t.Error("embedded blob differs from the logo")
				}
				blobs++
			} else if c.Resource.Text != "" {
				texts++
			}
		}
	}
	if links != len(staticResources())+2 || texts != 1 || blobs != 1 {
		t.Errorf("links=%d texts=%d blobs=%d", links, texts, blobs)
	}
}

func checkFail(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolAlwaysFails, nil)
	if !res.IsError || !strings.Contains(textOf(res), "on purpose") {
		t.Errorf("always_fails = %+v", res)
	}
	_, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: ToolAlwaysFails, Arguments: map[string]any{"kind": "protocol", "message": "boom"}})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInternalError || rpcErr.Message != "boom" {
		t.Errorf("protocol failure: err = %v", err)
	}
}

func checkLargeText(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolLargeText, nil)
	got := textOf(res)
	if len(got) != 2048*1024 || !strings.HasPrefix(got, "0000001  The quick brown fox") {
		t.Errorf("large_text: %d bytes, starts %q", len(got), got[:min(len(got), 40)])
	}
}

func checkProgress(t *testing.T, _ *Running, cs *mcp.ClientSession, o *observer, _ transportCase) {
	drain(o.progress)
	res := callMeta(t, cs, ToolLongRunning, map[string]any{"durationMs": 100, "steps": 4}, mcp.Meta{"progressToken": "tok-1"})
	wantText(t, res, "Completed 4 steps")
	for i := 1; i <= 4; i++ {
		p := await(t, o.progress, "progress")
		if p.ProgressToken != "tok-1" || p.Progress != float64(i) || p.Total != 4 || p.Message != "step "+string(rune('0'+i))+" of 4" {
			t.Errorf("progress %d = %+v", i, p)
		}
	}
}

func checkCancel(t *testing.T, r *Running, cs *mcp.ClientSession, o *observer, _ transportCase) {
	drain(o.progress)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{
			Name:      ToolLongRunning,
			Arguments: map[string]any{"durationMs": 60000, "steps": 600},
			Meta:      mcp.Meta{"progressToken": 7},
		})
		done <- err
	}()
	await(t, o.progress, "first progress notification")
	cancel()
	if err := await(t, done, "cancelled call to return"); err == nil {
		t.Error("cancelled call returned no error")
	}
	if !testenv.Poll(5*time.Second, func() bool { return r.demo.longRunning.Load() == 0 }) {
		t.Fatal("long_running handler kept running after cancellation")
	}
}

func checkLogs(t *testing.T, _ *Running, cs *mcp.ClientSession, o *observer, tc transportCase) {
	var meta mcp.Meta
	if tc.modern() {
		meta = mcp.Meta{mcp.MetaKeyLogLevel: "warning"}
	} else if err := cs.SetLoggingLevel(t.Context(), &mcp.SetLoggingLevelParams{Level: "warning"}); err != nil {
		t.Fatal(err)
	}
	drain(o.logs)
	wantText(t, callMeta(t, cs, ToolEmitLogs, nil, meta), "Sent 8 log message(s)")
	want := []string{"warning", "error", "critical", "alert", "emergency"}
	var got []string
	for range want {
		got = append(got, string(await(t, o.logs, "log message").Level))
	}
	select {
	case extra := <-o.logs:
		t.Errorf("unexpected log message below the level: %+v", extra)
	case <-time.After(100 * time.Millisecond):
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("levels = %v, want %v", got, want)
	}

	// At debug level every tools/call is logged by the middleware.
	if tc.modern() {
		meta = mcp.Meta{mcp.MetaKeyLogLevel: "debug"}
	} else if err := cs.SetLoggingLevel(t.Context(), &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
		t.Fatal(err)
	}
	drain(o.logs)
	callMeta(t, cs, ToolEcho, map[string]any{"text": "x"}, meta)
	if m := await(t, o.logs, "debug log"); m.Logger != "demo.calls" || m.Level != "debug" {
		t.Errorf("debug log = %+v", m)
	}
}

func checkSampling(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolAskLLM, map[string]any{"question": "Capital of France?"})
	wantText(t, res, `model "test-model"`)
	wantText(t, res, "Paris, in answer to: Capital of France?")
}

func checkElicitForm(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	res := call(t, cs, ToolElicitForm, nil)
	wantText(t, res, `"displayName": "Grace"`)
	wantText(t, res, `"theme": "system"`) // default applied by go-sdk on the receiving side
}

func checkElicitURL(t *testing.T, _ *Running, cs *mcp.ClientSession, o *observer, tc transportCase) {
	drain(o.elicitEnd)
	res := call(t, cs, ToolElicitURL, nil)
	wantText(t, res, "The user consented to open")
	o.mu.Lock()
	url := o.elicitURLs[len(o.elicitURLs)-1]
	o.mu.Unlock()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("landing page: %s", resp.Status)
	}
	if tc.modern() {
		res := call(t, cs, ToolElicitURL, map[string]any{"style": "error"})
		if !res.IsError {
			t.Error("style=error should be a tool error in 2026-07-28")
		}
		return
	}
	id := await(t, o.elicitEnd, "notifications/elicitation/complete")
	if !strings.HasSuffix(url, "/"+id) {
		t.Errorf("completed elicitation %q, url %q", id, url)
	}
	_, err = cs.CallTool(t.Context(), &mcp.CallToolParams{Name: ToolElicitURL, Arguments: map[string]any{"style": "error"}})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != mcp.CodeURLElicitationRequired {
		t.Errorf("style=error: err = %v", err)
	}
}

func checkRoots(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	wantText(t, call(t, cs, ToolListRoots, nil), testRoot+" (demo root)")
}

func checkPing(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, tc transportCase) {
	res := call(t, cs, ToolPingClient, nil)
	if tc.modern() {
		if !res.IsError {
			t.Errorf("ping_client in 2026-07-28 = %s", textOf(res))
		}
		return
	}
	wantText(t, res, "answered the ping")
}

func checkListChanged(t *testing.T, _ *Running, cs *mcp.ClientSession, o *observer, _ transportCase) {
	drain(o.tools)
	drain(o.prompts)
	drain(o.resources)
	wantText(t, call(t, cs, ToolManageExtras, map[string]any{"action": "add", "kinds": []string{"tool", "prompt", "resource"}}),
		"tool added, prompt added, resource added")
	await(t, o.tools, "tools/list_changed")
	await(t, o.prompts, "prompts/list_changed")
	await(t, o.resources, "resources/list_changed")
	wantText(t, call(t, cs, ToolSurprise, nil), "You found the run-time tool")
	pr, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: PromptSurprise})
	if err != nil || len(pr.Messages) != 1 {
		t.Errorf("surprise prompt: %v %v", pr, err)
	}
	rr, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: uriSurprise})
	if err != nil || !strings.Contains(rr.Contents[0].Text, "added at") {
		t.Errorf("surprise resource: %v %v", rr, err)
	}
	lt, err := cs.ListTools(t.Context(), nil)
	if err != nil || !slices.ContainsFunc(lt.Tools, func(tl *mcp.Tool) bool { return tl.Name == ToolSurprise }) {
		t.Errorf("surprise not listed: %v", err)
	}

	wantText(t, call(t, cs, ToolManageExtras, map[string]any{"kinds": []string{"tool", "prompt", "resource"}}),
		"tool removed, prompt removed, resource removed")
	await(t, o.tools, "tools/list_changed after removal")
	lt, err = cs.ListTools(t.Context(), nil)
	if err != nil || slices.ContainsFunc(lt.Tools, func(tl *mcp.Tool) bool { return tl.Name == ToolSurprise }) {
		t.Errorf("surprise still listed: %v", err)
	}
}

func checkResources(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	var uris []string
	for r, err := range cs.Resources(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, r.URI)
	}
	want := ResourceURIs()
	slices.Sort(uris)
	slices.Sort(want)
	if !slices.Equal(uris, want) {
		t.Errorf("resources = %v, want %v", uris, want)
	}
	read := func(uri string) *mcp.ResourceContents {
		t.Helper()
		res, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			t.Fatalf("read %s: %v", uri, err)
		}
		return res.Contents[0]
	}
	if c := read(uriReadme); c.MIMEType != "text/markdown" || !strings.HasPrefix(c.Text, "# Sonde demo server") {
		t.Errorf("readme = %s %q", c.MIMEType, c.Text[:20])
	}
	var settings map[string]any
	if c := read(uriSettings); json.Unmarshal([]byte(c.Text), &settings) != nil || settings["version"] != ServerVersion {
		t.Errorf("settings = %q", c.Text)
	}
	if c := read(uriLogo); c.MIMEType != "image/png" {
		t.Errorf("logo mimeType %q", c.MIMEType)
	} else if _, err := png.Decode(bytes.NewReader(c.Blob)); err != nil {
		t.Errorf("logo: %v", err)
	}
	if c := read(uriBlob); !bytes.Equal(c.Blob, makeBlob(1024)) {
		t.Errorf("blob = %d bytes", len(c.Blob))
	}
	if c := read(ClockURI); !strings.HasPrefix(c.Text, "tick ") {
		t.Errorf("clock = %q", c.Text)
	}

	var templates []string
	for rt, err := range cs.ResourceTemplates(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		templates = append(templates, rt.URITemplate)
	}
	slices.Sort(templates)
	if !slices.Equal(templates, []string{DocsTemplate, WeatherTemplate}) {
		t.Errorf("templates = %v", templates)
	}
	want1, _ := json.Marshal(weatherFor("São Paulo", "metric", 3))
	if c := read("demo://weather/S%C3%A3o%20Paulo"); !jsonEqual([]byte(c.Text), want1) {
		t.Errorf("weather resource = %s", c.Text)
	}
	if c := read("demo://docs/guides/getting-started"); !strings.HasPrefix(c.Text, "# Getting started") {
		t.Errorf("docs page = %q", c.Text)
	}
	if _, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "demo://docs/guides/nope"}); err == nil {
		t.Error("reading a missing page succeeded")
	}
}

func checkSubscribe(t *testing.T, _ *Running, cs *mcp.ClientSession, o *observer, tc transportCase) {
	drain(o.updated)
	if err := cs.Subscribe(t.Context(), &mcp.SubscribeParams{URI: ClockURI}); err != nil {
		t.Fatal(err)
	}
	if uri := await(t, o.updated, "notifications/resources/updated"); uri != ClockURI {
		t.Errorf("updated %q", uri)
	}
	if err := cs.Unsubscribe(t.Context(), &mcp.UnsubscribeParams{URI: ClockURI}); err != nil {
		t.Fatal(err)
	}
	if tc.modern() {
		// The go-sdk client fires subscriptions/listen and forgets it, so it
		// never sees the server's 400 / -32602 (see TestWireListenUnknownResource).
		return
	}
	if err := cs.Subscribe(t.Context(), &mcp.SubscribeParams{URI: "demo://nope"}); err == nil {
		t.Error("subscribing to an unknown resource succeeded")
	}
}

func checkPrompts(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	var names []string
	for p, err := range cs.Prompts(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
	}
	want := PromptNames()
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("prompts = %v, want %v", names, want)
	}
	get := func(name string, args map[string]string) *mcp.GetPromptResult {
		t.Helper()
		res, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		return res
	}
	if res := get(PromptSummarize, map[string]string{"text": "Long text.", "style": "tl;dr"}); !strings.Contains(res.Messages[0].Content.(*mcp.TextContent).Text, "Style: tl;dr. Language: English.") {
		t.Errorf("summarize = %+v", res.Messages[0].Content)
	}
	if _, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: PromptSummarize}); err == nil {
		t.Error("summarize without its required argument succeeded")
	}
	if res := get(PromptCodeReview, map[string]string{"language": "go", "code": "x := 1"}); len(res.Messages) != 3 {
		t.Errorf("code_review messages = %d", len(res.Messages))
	} else if _, ok := res.Messages[1].Content.(*mcp.EmbeddedResource); !ok {
		t.Errorf("code_review message 2 is %T", res.Messages[1].Content)
	}
	if res := get(PromptWelcome, nil); len(res.Messages) != 5 {
		t.Errorf("welcome messages = %d", len(res.Messages))
	} else if _, ok := res.Messages[2].Content.(*mcp.ImageContent); !ok {
		t.Errorf("welcome message 3 is %T", res.Messages[2].Content)
	}
	get(PromptPlanTrip, map[string]string{"country": "Japan", "city": "Kyoto"})
}

func checkComplete(t *testing.T, _ *Running, cs *mcp.ClientSession, _ *observer, _ transportCase) {
	complete := func(ref *mcp.CompleteReference, arg, value string, ctxArgs map[string]string) mcp.CompletionResultDetails {
		t.Helper()
		p := &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: arg, Value: value}}
		if ctxArgs != nil {
			p.Context = &mcp.CompleteContext{Arguments: ctxArgs}
		}
		res, err := cs.Complete(t.Context(), p)
		if err != nil {
			t.Fatalf("complete %s: %v", arg, err)
		}
		return res.Completion
	}
	prompt := func(name string) *mcp.CompleteReference {
		return &mcp.CompleteReference{Type: "ref/prompt", Name: name}
	}
	resource := func(uri string) *mcp.CompleteReference { return &mcp.CompleteReference{Type: "ref/resource", URI: uri} }

	if got := complete(prompt(PromptSummarize), "style", "b", nil).Values; !slices.Equal(got, []string{"brief", "bullet-points"}) {
		t.Errorf("style = %v", got)
	}
	if got := complete(prompt(PromptPlanTrip), "city", "", map[string]string{"country": "portugal"}).Values; !slices.Equal(got, []string{"Braga", "Lisbon", "Porto"}) {
		t.Errorf("city = %v", got)
	}
	if got := complete(prompt(PromptPlanTrip), "days", "", nil); len(got.Values) != 100 || got.Total != 365 || !got.HasMore {
		t.Errorf("days: %d values, total %d, hasMore %v", len(got.Values), got.Total, got.HasMore)
	}
	if got := complete(resource(WeatherTemplate), "city", "sa", nil).Values; !slices.Equal(got, []string{"San Francisco", "Santiago", "São Paulo"}) {
		t.Errorf("weather city = %v", got)
	}
	if got := complete(resource(DocsTemplate), "page", "", map[string]string{"section": "faq"}).Values; !slices.Equal(got, []string{"general", "troubleshooting"}) {
		t.Errorf("docs page = %v", got)
	}
}

// TestPaging checks that a small PageSize makes the list methods paginate.
func TestPaging(t *testing.T) {
	opts := testOptions()
	opts.PageSize = 5
	r := start(t, opts)
	cs := connect(t, r, transportCases[1], newObserver())
	first, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Tools) != 5 || first.NextCursor == "" {
		t.Fatalf("first page: %d tools, cursor %q", len(first.Tools), first.NextCursor)
	}
	n := 0
	for _, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(ToolNames()) {
		t.Errorf("iterated %d tools, want %d", n, len(ToolNames()))
	}
}

// TestEras checks what each Era option serves.
func TestEras(t *testing.T) {
	t.Run("legacy", func(t *testing.T) {
		opts := testOptions()
		opts.Era = EraLegacy
		r := start(t, opts)
		// The go-sdk client asks server/discover first, gets only legacy
		// versions, and falls back to initialize.
		cs := connect(t, r, transportCase{want: "2025-11-25"}, newObserver())
		wantText(t, call(t, cs, ToolEcho, map[string]any{"text": "ok"}), "ok")
	})
	t.Run("modern", func(t *testing.T) {
		opts := testOptions()
		opts.Era = EraModern
		r := start(t, opts)
		if r.SSEURL != "" {
			t.Errorf("SSEURL = %q, want none", r.SSEURL)
		}
		cs := connect(t, r, transportCase{want: "2026-07-28"}, newObserver())
		wantText(t, call(t, cs, ToolAskLLM, nil), "Paris")
		// A legacy client is served statelessly: simple calls work,
		// server-to-client requests do not.
		legacy := connect(t, r, transportCase{version: "2025-11-25", want: "2025-11-25"}, newObserver())
		wantText(t, call(t, legacy, ToolEcho, map[string]any{"text": "ok"}), "ok")
		res, err := legacy.CallTool(t.Context(), &mcp.CallToolParams{Name: ToolAskLLM, Arguments: map[string]any{}})
		if err == nil && !res.IsError {
			t.Errorf("sampling over a stateless legacy session succeeded: %s", textOf(res))
		}
	})
}

// TestJSONResponse checks the demo with application/json responses. go-sdk
// then sends progress, logs and server-to-client requests on the standalone
// GET stream, which the go-sdk client opens in the legacy era; 2026-07-28 has
// no such stream, so progress is lost there.
func TestJSONResponse(t *testing.T) {
	opts := testOptions()
	opts.JSONResponse = true
	r := start(t, opts)
	for _, tc := range transportCases[:2] {
		t.Run(tc.name, func(t *testing.T) {
			o := newObserver()
			cs := connect(t, r, tc, o)
			if tc.modern() {
				wantText(t, callMeta(t, cs, ToolLongRunning, map[string]any{"durationMs": 20, "steps": 2}, mcp.Meta{"progressToken": "j"}), "Completed 2 steps")
				select {
				case p := <-o.progress:
					t.Errorf("progress arrived in 2026-07-28 JSON mode: %+v", p)
				case <-time.After(100 * time.Millisecond):
				}
			} else {
				checkProgress(t, r, cs, o, tc)
			}
			checkSampling(t, r, cs, o, tc)
			checkElicitForm(t, r, cs, o, tc)
			checkLargeText(t, r, cs, o, tc)
		})
	}
}

// TestResumable checks that a 2025-11-25 client resumes a stream the server
// closes in the middle of long_running.
func TestResumable(t *testing.T) {
	opts := testOptions()
	opts.Resumable = true
	r := start(t, opts)
	o := newObserver()
	cs := connect(t, r, transportCases[1], o)
	res := callMeta(t, cs, ToolLongRunning, map[string]any{"durationMs": 300, "steps": 6, "disconnectAtStep": 2}, mcp.Meta{"progressToken": "r"})
	wantText(t, res, "Completed 6 steps")
	for i := 1; i <= 6; i++ {
		if p := await(t, o.progress, "progress"); p.Progress != float64(i) {
			t.Errorf("progress %d = %v", i, p.Progress)
		}
	}
}

// TestPing checks Options.PingInterval: the server pings legacy sessions.
func TestPing(t *testing.T) {
	opts := testOptions()
	opts.PingInterval = 30 * time.Millisecond
	r := start(t, opts)
	pinged := make(chan struct{}, 100)
	c := newObserver().client()
	c.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "ping" {
				offer(pinged, struct{}{})
			}
			return next(ctx, method, req)
		}
	})
	cs, err := c.Connect(t.Context(), &mcp.SSEClientTransport{Endpoint: r.SSEURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	await(t, pinged, "a ping from the server")
}

// TestStartOptions checks address handling and Close.
func TestStartOptions(t *testing.T) {
	if _, err := Start(t.Context(), Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Error("Start accepted a non-loopback address")
	}
	if _, err := Start(t.Context(), Options{Addr: "192.0.2.1:0"}); err == nil {
		t.Error("Start accepted a non-loopback address")
	}
	r, err := Start(t.Context(), Options{Addr: ":0"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.URL, "http://127.0.0.1:") || !strings.HasSuffix(r.URL, StreamablePath) {
		t.Errorf("URL = %q", r.URL)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(r.URL); err == nil {
		t.Error("server still answers after Close")
	}

	// Cancelling the context stops the server too.
	ctx, cancel := context.WithCancel(t.Context())
	r, err = Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, r, transportCases[1], newObserver())
	go func() {
		// the server stops once the call is in its handler
		testenv.Poll(10*time.Second, func() bool { return r.demo.longRunning.Load() != 0 })
		cancel()
	}()
	// A call in flight when the server stops must not hang.
	_, _ = cs.CallTool(t.Context(), &mcp.CallToolParams{Name: ToolLongRunning, Arguments: map[string]any{"durationMs": 60000}})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMedia checks the generated media on their own.
func TestMedia(t *testing.T) {
	for _, p := range imagePatterns {
		m, err := png.Decode(bytes.NewReader(makePNG(p, 16)))
		if err != nil || m.Bounds().Dx() != 16 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := png.Decode(bytes.NewReader(iconPNG())); err != nil {
		t.Error(err)
	}
	src := demoIcons()[0].Source
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil || !bytes.Equal(b, iconPNG()) {
		t.Errorf("icon data URI: %v", err)
	}
	if w := makeWAV(440, 1000); len(w) != 44+2*wavSampleRate {
		t.Errorf("wav length %d", len(w))
	}
}

// TestRequestState checks the HMAC-protected requestState.
func TestRequestState(t *testing.T) {
	d := newDemo(Options{}, "")
	s := d.sealState("a", "payload")
	if p, err := d.openState("a", s); err != nil || p != "payload" {
		t.Errorf("open = %q, %v", p, err)
	}
	if _, err := d.openState("b", s); err == nil {
		t.Error("state accepted for another tool")
	}
	if _, err := d.openState("a", "x"+s); err == nil {
		t.Error("tampered state accepted")
	}
	other := newDemo(Options{}, "")
	if _, err := other.openState("a", s); err == nil {
		t.Error("state from another server accepted")
	}
}

// No request takes the server down: "arguments": null (which panics deep
// in go-sdk's default handling) is read as no arguments.
func TestNullArgumentsDoNotCrash(t *testing.T) {
	r, err := Start(context.Background(), Options{Era: EraLegacy})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	post := func(sid, body string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", r.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if sid != "" {
			req.Header.Set("Mcp-Session-Id", sid)
			req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	resp, _ := post("", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`)
	sid := resp.Header.Get("Mcp-Session-Id")
	post(sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	_, body := post(sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":null}}`)
	if !strings.Contains(body, `"id":2`) {
		t.Fatalf("no answer: %s", body)
	}
	_, body = post(sid, `{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	if !strings.Contains(body, `"id":3`) {
		t.Fatalf("server gone after the null call: %s", body)
	}
}
