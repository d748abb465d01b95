package mcp

import (
	"context"
	"encoding/json"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpgoserver "github.com/mark3labs/mcp-go/server"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// eventLog is the package's EventLog with the short names the tests use
// and a count.
type eventLog struct{ EventLog }

func (l *eventLog) add(e Event) { l.Add(e) }

func (l *eventLog) all() []Event { return l.All() }

func (l *eventLog) count(pred func(Event) bool) int {
	n := 0
	for _, e := range l.all() {
		if pred(e) {
			n++
		}
	}
	return n
}

func dialT(t *testing.T, cfg Config) (*Session, *eventLog) {
	t.Helper()
	log := &eventLog{}
	cfg.OnEvent = log.add
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := Dial(ctx, cfg)
	if err != nil {
		for _, e := range log.all() {
			t.Logf("%s %s %s %s %s %s", e.Dir, e.Kind, e.Method, e.Text, e.Err, e.Raw)
		}
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, log
}

type sumArgs struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

func goSDKServer() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "go-sdk-peer", Version: "1.2.3"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "sum", Description: "a+b"}, func(ctx context.Context, r *sdk.CallToolRequest, in sumArgs) (*sdk.CallToolResult, any, error) {
		return nil, map[string]float64{"sum": in.A + in.B}, nil
	})
	return s
}

func callSum(t *testing.T, s *Session) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := s.Call(ctx, "tools/list", nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	if !strings.Contains(string(raw), `"sum"`) {
		t.Fatalf("tools/list result lacks sum: %s", raw)
	}
	raw, err = s.Call(ctx, "tools/call", map[string]any{"name": "sum", "arguments": map[string]any{"a": 2, "b": 3}})
	if err != nil {
		t.Fatalf("tools/call: %v", err)
	}
	var res struct {
		Structured map[string]float64 `json:"structuredContent"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.Structured["sum"] != 5 {
		t.Fatalf("tools/call result %s (err %v)", raw, err)
	}
}

func TestGoSDKStreamable(t *testing.T) {
	srv := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return goSDKServer() }, nil))
	t.Cleanup(srv.Close)
	for _, tk := range []TransportKind{TransportAuto, TransportHTTP} {
		t.Run(string(tk), func(t *testing.T) {
			s, _ := dialT(t, Config{URL: srv.URL, Transport: tk})
			if got := s.Info().Transport; got != TransportHTTP {
				t.Fatalf("transport %s, want http", got)
			}
			if s.Info().SessionID == "" {
				t.Fatalf("no session id")
			}
			callSum(t, s)
		})
	}
}

func TestGoSDKLegacySSE(t *testing.T) {
	srv := httptest.NewServer(sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return goSDKServer() }, nil))
	t.Cleanup(srv.Close)
	for _, tk := range []TransportKind{TransportAuto, TransportSSE} {
		t.Run(string(tk), func(t *testing.T) {
			s, log := dialT(t, Config{URL: srv.URL, Transport: tk})
			if got := s.Info().Transport; got != TransportSSE {
				t.Fatalf("transport %s, want sse", got)
			}
			callSum(t, s)
			if n := log.count(func(e Event) bool { return e.Kind == KindSSE && e.SSEEvent == "endpoint" }); n != 1 {
				t.Fatalf("%d endpoint events", n)
			}
		})
	}
}

func mcpGoServer() *mcpgoserver.MCPServer {
	s := mcpgoserver.NewMCPServer("mcp-go-peer", "0.0.1")
	s.AddTool(mcpgo.NewTool("echo", mcpgo.WithString("message", mcpgo.Required())),
		func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
			return mcpgo.NewToolResultText(req.GetString("message", "")), nil
		})
	return s
}

func callEcho(t *testing.T, s *Session) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := s.Call(ctx, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": "hi there"}})
	if err != nil {
		t.Fatalf("tools/call: %v", err)
	}
	if !strings.Contains(string(raw), "hi there") {
		t.Fatalf("echo result %s", raw)
	}
}

func TestMCPGoSSEWithKeepalive(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	sse := mcpgoserver.NewSSEServer(mcpGoServer(), mcpgoserver.WithBaseURL(srv.URL),
		mcpgoserver.WithKeepAlive(true), mcpgoserver.WithKeepAliveInterval(100*time.Millisecond))
	srv.Config.Handler = sse
	s, log := dialT(t, Config{URL: srv.URL + "/sse"})
	if got := s.Info().Transport; got != TransportSSE {
		t.Fatalf("transport %s, want sse", got)
	}
	// the call goes after a keepalive came (one every 100 ms)
	testenv.Poll(5*time.Second, func() bool { return log.count(func(e Event) bool { return e.IsKeepalive() && e.Dir == DirIn }) > 0 })
	callEcho(t, s)
	// mcp-go's keepalive is a ping request (or event) on the stream; sonde
	// must answer or log it and go on.
	if n := log.count(func(e Event) bool { return e.IsKeepalive() && e.Dir == DirIn }); n == 0 {
		for _, e := range log.all() {
			t.Logf("%s %s %s %q %s", e.Dir, e.Kind, e.SSEEvent, e.Text, e.Raw)
		}
		t.Fatalf("no keepalive seen")
	}
}

// mcp-go's heartbeat is a ping on the standalone GET stream of a legacy
// (initialize) session; the 2026 era has no such stream, so the session is
// pinned to 2025-11-25. The call goes after a heartbeat came and works.
func TestMCPGoStreamableWithHeartbeat(t *testing.T) {
	srv := httptest.NewServer(mcpgoserver.NewStreamableHTTPServer(mcpGoServer(), mcpgoserver.WithHeartbeatInterval(100*time.Millisecond)))
	t.Cleanup(srv.Close)
	s, log := dialT(t, Config{URL: srv.URL + "/mcp", Protocol: LatestProtocol})
	if got := s.Info().Transport; got != TransportHTTP {
		t.Fatalf("transport %s, want http", got)
	}
	heartbeat := func(e Event) bool { return e.IsKeepalive() && e.Dir == DirIn }
	if !testenv.Poll(5*time.Second, func() bool { return log.count(heartbeat) > 0 }) {
		for _, e := range log.all() {
			t.Logf("%s %s %s %s %q %s %s", e.Dir, e.Kind, e.Stream, e.SSEEvent, e.Text, e.Raw, e.Err)
		}
		t.Fatalf("no heartbeat seen")
	}
	callEcho(t, s)
}
