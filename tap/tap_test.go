package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
)

// absoluteEndpoint makes a legacy server announce its endpoint as an
// absolute URL, as some gateways do: a client following it would go
// around the tap unless the tap rewrites it.
type absoluteEndpoint struct {
	next   http.Handler
	origin string
}

func (a *absoluteEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		w = &endpointWriter{ResponseWriter: w, origin: a.origin}
	}
	a.next.ServeHTTP(w, r)
}

type endpointWriter struct {
	http.ResponseWriter
	origin string
	done   bool
}

func (e *endpointWriter) Write(p []byte) (int, error) {
	if !e.done && bytes.Contains(p, []byte("event: endpoint")) {
		e.done = true
		q := bytes.Replace(p, []byte("data: /"), []byte("data: "+e.origin+"/"), 1)
		_, err := e.ResponseWriter.Write(q)
		return len(p), err
	}
	return e.ResponseWriter.Write(p)
}

func (e *endpointWriter) Flush() { e.ResponseWriter.(http.Flusher).Flush() }

func TestAbsoluteEndpointPointsAtTheTap(t *testing.T) {
	srv := sdk.NewServer(&sdk.Implementation{Name: "abs", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "echo"}, func(ctx context.Context, r *sdk.CallToolRequest, in struct {
		Text string `json:"text"`
	}) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: in.Text}}}, nil, nil
	})
	h := &absoluteEndpoint{next: sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return srv }, nil)}
	up := httptest.NewServer(h)
	defer up.Close()
	h.origin = up.URL
	tapURL, c, _ := startTap(t, up.URL+"/sse")
	ctx := ctxT(t)
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "legacy-client", Version: "1"}, nil).Connect(ctx, &sdk.SSEClientTransport{Endpoint: tapURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "via the tap"}}); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	ep := c.waitFor(t, 1, "the endpoint event", func(e mcp.Event) bool { return e.SSEEvent == "endpoint" })
	tapOrigin := strings.TrimSuffix(tapURL, "/sse")
	if !strings.HasPrefix(ep.Text, tapOrigin+"/") {
		t.Fatalf("the client was sent to %q, not the tap %s", ep.Text, tapOrigin)
	}
	// Its POSTs came through the tap, in the same session.
	c.waitFor(t, 1, "the call through the tap", isMsg(mcp.DirOut, "tools/call"))
	c.waitFor(t, 1, "its answer on the stream", func(e mcp.Event) bool { return isMsg(mcp.DirIn, "tools/call")(e) && e.Stream == "GET" })
}

func TestEndpointRewriter(t *testing.T) {
	up := mustURL(t, "https://api.example.com/servers/2/sse")
	for in, want := range map[string]string{
		"event: endpoint\ndata: https://api.example.com/servers/2/message?session_id=x\n\n":       "event: endpoint\ndata: http://127.0.0.1:9/servers/2/message?session_id=x\n\n",
		"event: endpoint\r\ndata: https://API.example.com:443/m?s=1\r\n\r\n: ping\r\n\r\n":        "event: endpoint\r\ndata: http://127.0.0.1:9/m?s=1\r\n\r\n: ping\r\n\r\n",
		": hello\n\nevent: endpoint\ndata: /relative?sessionId=1\n\n":                             ": hello\n\nevent: endpoint\ndata: /relative?sessionId=1\n\n",
		"event: endpoint\ndata: https://elsewhere.example.com/m\n\n":                              "event: endpoint\ndata: https://elsewhere.example.com/m\n\n",
		"data: {}\n\nevent: endpoint\ndata: https://api.example.com/late\n\n":                     "data: {}\n\nevent: endpoint\ndata: https://api.example.com/late\n\n",
		"data: https://api.example.com/x\nevent: endpoint\nid: 3\n\nevent: message\ndata: {}\n\n": "data: http://127.0.0.1:9/x\nevent: endpoint\nid: 3\n\nevent: message\ndata: {}\n\n",
	} {
		for cut := 1; cut <= len(in); cut++ {
			e := &endpointRewriter{up: up, tap: "http://127.0.0.1:9"}
			got := string(e.process([]byte(in[:cut]))) + string(e.process([]byte(in[cut:]))) + string(e.flush())
			if got != want {
				t.Fatalf("cut at %d of %q:\n got %q\nwant %q", cut, in, got, want)
			}
		}
	}
}

// TestSecretsMasked: the client's credentials are learned and masked
// wherever they show, even when the server echoes them.
func TestSecretsMasked(t *testing.T) {
	d := startDemo(t, demo.Options{Era: demo.EraLegacy})
	tapURL, c, p := startTap(t, d.URL)
	const token = "tok-7f3a9c1e55b2d4"
	hc := &http.Client{Transport: headerRT{"Authorization", "Bearer " + token}}
	ctx := ctxT(t)
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: tapURL, HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "my token is " + token}}); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	c.waitFor(t, 1, "the echo", func(e mcp.Event) bool { return isMsg(mcp.DirIn, "tools/call")(e) && e.RPC == mcp.RPCResponse })
	p.Close()
	sawAuth := false
	for _, e := range c.events(1) {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), token) || strings.Contains(string(b), "7f3a9c1e55b2d4") {
			t.Fatalf("the token in %s", b)
		}
		if v := e.Header.Get("Authorization"); v != "" {
			sawAuth = true
			if v != "Bearer [REDACTED]" {
				t.Fatalf("Authorization logged as %q", v)
			}
		}
	}
	if !sawAuth {
		t.Fatal("no request logged its Authorization header")
	}
}

type headerRT struct{ k, v string }

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.k, h.v)
	return http.DefaultTransport.RoundTrip(r)
}

// TestFaultThroughTap: a fault injected by the tap is an event of the
// tapped session, and the client sees its effect.
func TestFaultThroughTap(t *testing.T) {
	d := startDemo(t, demo.Options{})
	tapURL, c, _ := startTap(t, d.URL, "status method=tools/call code=503 times=1")
	ctx := ctxT(t)
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: tapURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	_, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "x"}})
	if err == nil || !strings.Contains(err.Error(), "Service Unavailable") {
		t.Fatalf("the client got %v, want the 503", err)
	}
	f := c.waitFor(t, 1, "the fault event", func(e mcp.Event) bool { return e.Kind == mcp.KindFault && e.Method == "status" })
	c.waitFor(t, 1, "the 503 the client got", func(e mcp.Event) bool { return e.Kind == mcp.KindHTTP && e.Status == 503 && e.Seq > f.Seq })
	if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "y"}}); err != nil {
		t.Fatalf("second call: %v", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestFaultToggledOffThroughTap: a fault turned off (as the UI's faults
// pane does) stops acting on the tapped traffic at once, and acts again
// once it is on: no fault event while it is off.
func TestFaultToggledOffThroughTap(t *testing.T) {
	d := startDemo(t, demo.Options{})
	tapURL, c, p := startTap(t, d.URL, "status method=tools/call code=503")
	f := p.o.Faults.Faults()[0]
	ctx := ctxT(t)
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: tapURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	call := func(text string) error {
		_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": text}})
		return err
	}
	faults := func() int {
		n := 0
		for _, e := range c.events(1) {
			if e.Kind == mcp.KindFault {
				n++
			}
		}
		return n
	}
	if err := call("on"); err == nil {
		t.Fatal("the fault is on and the call went through")
	}
	c.waitFor(t, 1, "the fault event", func(e mcp.Event) bool { return e.Kind == mcp.KindFault })
	f.SetEnabled(false)
	for _, text := range []string{"off 1", "off 2"} {
		if err := call(text); err != nil {
			t.Fatalf("with the fault off: %v", err)
		}
	}
	c.waitFor(t, 1, "the answers", func(e mcp.Event) bool { return e.RPC == mcp.RPCResponse && strings.Contains(string(e.Raw), "off 2") })
	if n := faults(); n != 1 || f.Hits() != 1 {
		t.Fatalf("%d fault events, %d hits while off; want 1", n, f.Hits())
	}
	f.SetEnabled(true)
	if err := call("on again"); err == nil {
		t.Fatal("on again, the call went through")
	}
	if f.Hits() != 2 {
		t.Fatalf("%d hits, want 2", f.Hits())
	}
}
