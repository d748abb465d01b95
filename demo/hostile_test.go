package demo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/sonde-mcp/sonde/internal/hostile"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// wantAllSequences fails unless s contains every hostile sequence verbatim.
func wantAllSequences(t *testing.T, what, s string) {
	t.Helper()
	for name, seq := range hostileSeqs {
		if !strings.Contains(s, seq) {
			t.Errorf("%s lacks %s", what, name)
		}
	}
}

// TestHostileServer checks that the hostile fixture's sequences survive the
// trip through go-sdk and JSON on every transport, i.e. that a client really
// receives them.
func TestHostileServer(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Serve(t.Context(), hostile.NewServer(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })

			var mu sync.Mutex
			var elicitMessage string
			o := newObserver()
			c := o.client()
			c = mcp.NewClient(&mcp.Implementation{Name: "hostile-test", Version: "0"}, &mcp.ClientOptions{
				ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					mu.Lock()
					elicitMessage = req.Params.Message
					mu.Unlock()
					return &mcp.ElicitResult{Action: "decline"}, nil
				},
				LoggingMessageHandler:       func(_ context.Context, req *mcp.LoggingMessageRequest) { offer(o.logs, req.Params) },
				ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) { offer(o.progress, req.Params) },
			})
			var tr mcp.Transport = &mcp.StreamableClientTransport{Endpoint: r.URL}
			if tc.sse {
				tr = &mcp.SSEClientTransport{Endpoint: r.SSEURL}
			}
			cs, err := c.Connect(t.Context(), tr, &mcp.ClientSessionOptions{ProtocolVersion: tc.version})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			ctx := t.Context()

			init := cs.InitializeResult()
			wantAllSequences(t, "instructions", init.Instructions)
			if !tc.modern() && !strings.Contains(init.ServerInfo.Name, hostileSeqs["osc0-title"]) {
				t.Errorf("serverInfo.name = %q", init.ServerInfo.Name)
			}

			var names []string
			for tool, err := range cs.Tools(ctx, nil) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, tool.Name)
				wantAllSequences(t, "tool description", tool.Description)
				schema, _ := json.Marshal(tool.InputSchema)
				var back any
				_ = json.Unmarshal(schema, &back)
				if !strings.Contains(tool.Title, hostileSeqs["osc2-title"]) || !strings.Contains(string(schema), `\u001b[2J`) {
					t.Errorf("tool %q: title %q, schema %s", tool.Name, tool.Title, schema)
				}
			}
			want := hostile.ToolNames()
			slices.Sort(names)
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("tools = %q, want %q", names, want)
			}

			var meta mcp.Meta
			if tc.modern() {
				meta = mcp.Meta{mcp.MetaKeyLogLevel: "debug", "progressToken": "h"}
			} else {
				if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
					t.Fatal(err)
				}
				meta = mcp.Meta{"progressToken": "h"}
			}
			for _, name := range append(hostile.NamedTools(), hostile.ToolResult) {
				if tc.modern() && hasASCIIControl(name) {
					// go-sdk v1.8.0's client puts such names into Mcp-Name
					// verbatim (no =?base64?…?= form) and net/http refuses to
					// send the request; see TestHostileModernBase64Name.
					continue
				}
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{}, Meta: meta})
				if err != nil {
					t.Errorf("call %q: %v", name, err)
					continue
				}
				wantAllSequences(t, "result of "+name, textOf(res))
				sc, _ := json.Marshal(res.StructuredContent)
				if !strings.Contains(string(sc), `\u001b[2J`) {
					t.Errorf("structuredContent = %s", sc)
				}
			}
			logMsg := await(t, o.logs, "hostile log message")
			wantAllSequences(t, "log message", logMsg.Data.(string))
			wantAllSequences(t, "progress message", await(t, o.progress, "hostile progress").Message)

			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: hostile.ToolError, Arguments: map[string]any{}})
			if err != nil || !res.IsError {
				t.Fatalf("hostile_error: %v %v", res, err)
			}
			wantAllSequences(t, "tool error", textOf(res))
			_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: hostile.ToolRPCError, Arguments: map[string]any{}})
			var rpcErr *jsonrpc.Error
			if !errors.As(err, &rpcErr) {
				t.Fatalf("hostile_rpc_error: %v", err)
			}
			wantAllSequences(t, "JSON-RPC error message", rpcErr.Message)
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: hostile.ToolElicit, Arguments: map[string]any{}}); err != nil {
				t.Fatalf("hostile_elicit: %v", err)
			}
			mu.Lock()
			wantAllSequences(t, "elicitation message", elicitMessage)
			mu.Unlock()

			for res, err := range cs.Resources(ctx, nil) {
				if err != nil {
					t.Fatal(err)
				}
				rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: res.URI})
				if err != nil {
					t.Fatalf("read %q: %v", res.URI, err)
				}
				wantAllSequences(t, "resource contents", rr.Contents[0].Text)
			}
			for rt, err := range cs.ResourceTemplates(ctx, nil) {
				if err != nil {
					t.Fatal(err)
				}
				wantAllSequences(t, "template description", rt.Description)
			}
			for p, err := range cs.Prompts(ctx, nil) {
				if err != nil {
					t.Fatal(err)
				}
				wantAllSequences(t, "prompt description", p.Description)
				if tc.modern() && hasASCIIControl(p.Name) {
					continue
				}
				gp, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: p.Name, Arguments: map[string]string{p.Arguments[0].Name: "v"}})
				if err != nil {
					t.Fatalf("get prompt %q: %v", p.Name, err)
				}
				wantAllSequences(t, "prompt message", gp.Messages[0].Content.(*mcp.TextContent).Text)
				comp, err := cs.Complete(ctx, &mcp.CompleteParams{
					Ref:      &mcp.CompleteReference{Type: "ref/prompt", Name: p.Name},
					Argument: mcp.CompleteParamsArgument{Name: p.Arguments[0].Name},
				})
				if err != nil {
					t.Fatal(err)
				}
				wantAllSequences(t, "completion values", strings.Join(comp.Completion.Values, ""))
			}
		})
	}
}

// TestHostileSequencesCopy checks that callers cannot change the fixture.
func TestHostileSequencesCopy(t *testing.T) {
	m := hostile.Sequences()
	m["bell"] = "changed"
	if hostileSeqs["bell"] != "\a" || len(hostile.Sequences()) < 20 {
		t.Error("Sequences exposes the fixture's map")
	}
}

func hasASCIIControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// TestHostileModernBase64Name calls the hostile tools whose names hold
// control characters the 2026-07-28 way, with a base64-encoded Mcp-Name.
// go-sdk alone rejects that (-32020); Serve's decodeMcpName shim fixes it.
func TestHostileModernBase64Name(t *testing.T) {
	r, err := Serve(t.Context(), hostile.NewServer(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	bare := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return r.Server },
		&mcp.StreamableHTTPOptions{Stateless: true}))
	defer bare.Close()
	for _, srv := range []struct {
		url  string
		want int
	}{{r.URL, 200}, {bare.URL, 400}} {
		callBase64Names(t, srv.url, srv.want)
	}
}

func callBase64Names(t *testing.T, url string, want int) {
	c := &wireClient{t: t, url: url, version: "2026-07-28"}
	for _, name := range hostile.NamedTools() {
		body, _ := json.Marshal(map[string]any{
			"jsonrpc": "2.0", "id": 1, "method": "tools/call",
			"params": map[string]any{"name": name, "arguments": map[string]any{}, "_meta": map[string]any{
				"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
				"io.modelcontextprotocol/clientCapabilities": map[string]any{},
			}},
		})
		resp := c.do("POST", string(body), map[string]string{
			"Mcp-Method": "tools/call",
			"Mcp-Name":   "=?base64?" + base64.StdEncoding.EncodeToString([]byte(name)) + "?=",
		})
		out := readAll(t, resp)
		if resp.StatusCode != want || want == 200 && !strings.Contains(out, "result [alt-screen:") {
			t.Errorf("%s %q: %s %.200s", url, name, resp.Status, out)
		}
	}
}

// TestHostileFlood: hostile_flood sends count requests at once, answered
// one by one (a refused one fails only itself) in the legacy eras and as
// one input_required result in 2026-07-28.
func TestHostileFlood(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Serve(t.Context(), hostile.NewServer(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			var mu sync.Mutex
			asked := 0
			enter := func() { mu.Lock(); asked++; mu.Unlock() }
			c := mcp.NewClient(&mcp.Implementation{Name: "flood-test", Version: "0"}, &mcp.ClientOptions{
				CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					enter()
					if strings.Contains(req.Params.Messages[0].Content.(*mcp.TextContent).Text, "request 3:") {
						return nil, errors.New("refused")
					}
					return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "ok"}}, nil
				},
				ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					enter()
					return &mcp.ElicitResult{Action: "decline"}, nil
				},
			})
			var tr mcp.Transport = &mcp.StreamableClientTransport{Endpoint: r.URL}
			if tc.sse {
				tr = &mcp.SSEClientTransport{Endpoint: r.SSEURL}
			}
			cs, err := c.Connect(t.Context(), tr, &mcp.ClientSessionOptions{ProtocolVersion: tc.version})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: hostile.ToolFlood, Arguments: map[string]any{"count": 8}})
			if tc.modern() {
				// go-sdk's client fulfils input requests and fails the call
				// on the first error.
				if err == nil || !strings.Contains(err.Error(), "refused") {
					t.Fatalf("2026: %v %+v", err, res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			text := res.Content[0].(*mcp.TextContent).Text
			mu.Lock()
			defer mu.Unlock()
			if !strings.HasPrefix(text, "7 of 8 requests answered; 1 failed: ") || !strings.Contains(text, "refused") || asked != 8 {
				t.Fatalf("%s (asked %d)", text, asked)
			}
		})
	}
}

// hostileSeqs are the sequences the hostile server embeds.
var hostileSeqs = hostile.Sequences()
