package fault

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
)

// TestMain lets the test binary act as a go-sdk stdio server when
// SONDE_FAULT_STDIO is set.
func TestMain(m *testing.M) {
	if os.Getenv("SONDE_FAULT_STDIO") != "" {
		server().Run(context.Background(), &sdk.StdioTransport{})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type echoArgs struct {
	Message string `json:"message"`
}

// server is the official go-sdk server the faults are tried against.
func server() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "fault-peer", Version: "1.0.0"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "says it back"}, func(ctx context.Context, r *sdk.CallToolRequest, in echoArgs) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: in.Message}}}, nil, nil
	})
	return s
}

// streamable serves the go-sdk server over Streamable HTTP (answers as SSE
// streams, or JSON bodies with json).
func streamable(t *testing.T, json bool) string {
	srv := server()
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, &sdk.StreamableHTTPOptions{JSONResponse: json})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// legacy serves the go-sdk server over legacy HTTP+SSE.
func legacy(t *testing.T) string {
	srv := server()
	ts := httptest.NewServer(sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	t.Cleanup(ts.Close)
	return ts.URL
}

// eventLog collects a session's events.
type eventLog struct{ mcp.EventLog }

// first returns the first event pred accepts, or nil.
func (l *eventLog) first(pred func(mcp.Event) bool) *mcp.Event {
	for _, e := range l.All() {
		if pred(e) {
			return &e
		}
	}
	return nil
}

func (l *eventLog) count(pred func(mcp.Event) bool) int {
	n := 0
	for _, e := range l.All() {
		if pred(e) {
			n++
		}
	}
	return n
}

// waitFor polls until pred has accepted n events, failing after 15 s.
func (l *eventLog) waitFor(t *testing.T, what string, n int, pred func(mcp.Event) bool) {
	t.Helper()
	if !testenv.Poll(15*time.Second, func() bool { return l.count(pred) >= n }) {
		l.dump(t)
		t.Fatalf("timed out waiting for %d× %s", n, what)
	}
}

func (l *eventLog) dump(t *testing.T) {
	t.Helper()
	for _, e := range l.All() {
		t.Log(mcp.FormatLine(e))
	}
}

// dial connects sonde to cfg's server with the faults given.
func dial(t *testing.T, cfg mcp.Config, specs ...string) (*mcp.Session, *eventLog, *Set) {
	t.Helper()
	set := NewSet()
	for _, s := range specs {
		sp, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		set.Add(sp)
	}
	t.Cleanup(set.Close)
	log := &eventLog{}
	cfg.OnEvent = log.Add
	cfg.Faults = set
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Keepalive == 0 {
		cfg.Keepalive = -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		log.dump(t)
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	// The handshake may leave a request on its way (over stdio, the era
	// probe's ping behind server/discover, answered after Dial returned):
	// wait for its answer, so a test's faults meet only the test's own
	// traffic (TestReorder's held answer was once let go by that ping's).
	log.waitFor(t, "the connected state", 1, func(e mcp.Event) bool { return e.Kind == mcp.KindState && e.State == mcp.StateConnected })
	for _, e := range log.All() {
		if e.Kind == mcp.KindState && e.State == mcp.StateConnected {
			break
		}
		if e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest {
			id := e.ID
			log.waitFor(t, "the answer to the handshake's "+e.Method, 1, func(a mcp.Event) bool {
				return a.Dir == mcp.DirIn && a.ID == id && (a.RPC == mcp.RPCResponse || a.RPC == mcp.RPCErrorResponse)
			})
		}
	}
	return s, log, set
}

// call calls echo with message.
func call(s *mcp.Session, message string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := s.Call(ctx, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": message}})
	return string(raw), err
}

// isFault matches fault events of kind k.
func isFault(k Kind) func(mcp.Event) bool {
	return func(e mcp.Event) bool { return e.Kind == mcp.KindFault && e.Method == string(k) }
}

// answerTo matches answers to method.
func answerTo(method string) func(mcp.Event) bool {
	return func(e mcp.Event) bool {
		return e.Dir == mcp.DirIn && e.Kind == mcp.KindMessage && e.ReqMethod == method &&
			(e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
