package tap

import (
	"encoding/json"
	"strings"
	"testing"

	mcpgoclient "github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
)

// Third-party clients through the tap: they work as they do without it,
// and the tap shows their sessions as sonde shows its own.

func TestGoSDKClientThroughTap(t *testing.T) {
	for _, tc := range []struct {
		name string
		json bool
		sse  bool
	}{{"streamable-sse", false, false}, {"streamable-json", true, false}, {"legacy-sse", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDemo(t, demo.Options{JSONResponse: tc.json})
			upstream := d.URL
			var tr sdk.Transport
			if tc.sse {
				upstream = d.SSEURL
			}
			tapURL, c, _ := startTap(t, upstream)
			if tc.sse {
				tr = &sdk.SSEClientTransport{Endpoint: tapURL}
			} else {
				tr = &sdk.StreamableClientTransport{Endpoint: tapURL}
			}
			ctx := ctxT(t)
			cl := sdk.NewClient(&sdk.Implementation{Name: "go-sdk-client", Version: "7"}, nil)
			cs, err := cl.Connect(ctx, tr, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "through the tap"}})
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(res); !strings.Contains(string(b), "through the tap") {
				t.Fatalf("echo: %s", b)
			}
			cs.Close()

			conn := c.waitFor(t, 1, "the connected state", isConnected)
			if want := mcp.TransportHTTP; tc.sse {
				want = mcp.TransportSSE
				if conn.Info.Transport != want {
					t.Errorf("transport %s, want %s", conn.Info.Transport, want)
				}
			}
			if mcp.ServerName(conn.Info.Client) != "go-sdk-client 7" || mcp.ServerName(conn.Info.Server) == "" {
				t.Errorf("client %s, server %s", conn.Info.Client, conn.Info.Server)
			}
			c.waitFor(t, 1, "the call going out", isMsg(mcp.DirOut, "tools/call"))
			a := c.waitFor(t, 1, "its answer", func(e mcp.Event) bool {
				return isMsg(mcp.DirIn, "tools/call")(e) && e.RPC == mcp.RPCResponse
			})
			if !strings.Contains(string(a.Raw), "through the tap") || a.Latency <= 0 {
				t.Errorf("answer %s latency %v", a.Raw, a.Latency)
			}
			if tc.sse { // (the go-sdk client speaks the stateless 2026-07-28 over Streamable HTTP: no end)
				c.waitFor(t, 1, "the end of the session", func(e mcp.Event) bool { return e.Kind == mcp.KindState && e.State == mcp.StateClosed })
			}
			for _, e := range c.events(1) {
				if e.Kind == mcp.KindError || e.Err != "" {
					c.dump(t, 1)
					t.Fatalf("an error in a clean session: %s", mcp.FormatLine(e))
				}
			}
		})
	}
}

func TestMCPGoClientThroughTap(t *testing.T) {
	for _, sse := range []bool{false, true} {
		name := "streamable"
		if sse {
			name = "legacy-sse"
		}
		t.Run(name, func(t *testing.T) {
			d := startDemo(t, demo.Options{})
			upstream := d.URL
			if sse {
				upstream = d.SSEURL
			}
			tapURL, c, _ := startTap(t, upstream)
			var cl *mcpgoclient.Client
			var err error
			if sse {
				cl, err = mcpgoclient.NewSSEMCPClient(tapURL)
			} else {
				cl, err = mcpgoclient.NewStreamableHttpClient(tapURL)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			ctx := ctxT(t)
			if err := cl.Start(ctx); err != nil {
				t.Fatal(err)
			}
			init := mcpgo.InitializeRequest{}
			init.Params.ProtocolVersion = "2025-06-18"
			init.Params.ClientInfo = mcpgo.Implementation{Name: "mcp-go-client", Version: "1"}
			if _, err := cl.Initialize(ctx, init); err != nil {
				t.Fatal(err)
			}
			tools, err := cl.ListTools(ctx, mcpgo.ListToolsRequest{})
			if err != nil || len(tools.Tools) == 0 {
				t.Fatalf("tools: %v %v", tools, err)
			}
			req := mcpgo.CallToolRequest{}
			req.Params.Name, req.Params.Arguments = demo.ToolEcho, map[string]any{"text": "hello mcp-go"}
			res, err := cl.CallTool(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(res.Content); !strings.Contains(string(b), "hello mcp-go") {
				t.Fatalf("echo: %s", b)
			}
			c.waitFor(t, 1, "the connected state", isConnected)
			c.waitFor(t, 1, "tools/list answered", func(e mcp.Event) bool { return isMsg(mcp.DirIn, "tools/list")(e) && e.RPC == mcp.RPCResponse })
			c.waitFor(t, 1, "tools/call answered", func(e mcp.Event) bool { return isMsg(mcp.DirIn, "tools/call")(e) && e.RPC == mcp.RPCResponse })
		})
	}
}

// TestSeveralClients: two clients at once are two sessions.
func TestSeveralClients(t *testing.T) {
	d := startDemo(t, demo.Options{})
	tapURL, c, _ := startTap(t, d.URL)
	ctx := ctxT(t)
	var css []*sdk.ClientSession
	for i := range 2 {
		cl := sdk.NewClient(&sdk.Implementation{Name: "client-" + string(rune('a'+i)), Version: "1"}, nil)
		cs, err := cl.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: tapURL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		css = append(css, cs)
	}
	for i, cs := range css {
		if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "from " + string(rune('a'+i))}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.count(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	for n := 1; n <= 2; n++ {
		conn := c.waitFor(t, n, "connected", isConnected)
		name := mcp.ServerName(conn.Info.Client)
		a := c.waitFor(t, n, "the call's answer", func(e mcp.Event) bool { return isMsg(mcp.DirIn, "tools/call")(e) && e.RPC == mcp.RPCResponse })
		if want := "from " + strings.TrimSuffix(strings.TrimPrefix(name, "client-"), " 1"); !strings.Contains(string(a.Raw), want) {
			t.Errorf("session %d (%s) holds %s, want %q", n, name, a.Raw, want)
		}
	}
	for _, cs := range css {
		cs.Close()
	}
}
