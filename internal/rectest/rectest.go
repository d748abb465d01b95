// Package rectest makes recordings for tests: a real server on loopback
// (the demo, or one that changed since), a session against it recorded by
// sonde's own recorder.
package rectest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

// Demo serves the demo server (the official go-sdk) on loopback until the
// test ends, and returns its URL.
func Demo(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); cancel() })
	return r.URL
}

// Changed serves a go-sdk server that changed since the demo was
// recorded: the demo's echo tool only (the others removed), answering in
// capitals.
func Changed(t testing.TB) string {
	t.Helper()
	srv := sdk.NewServer(&sdk.Implementation{Name: "changed", Version: "2"}, nil)
	type args struct {
		Text string `json:"text"`
	}
	sdk.AddTool(srv, &sdk.Tool{Name: demo.ToolEcho}, func(_ context.Context, _ *sdk.CallToolRequest, a args) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: strings.ToUpper(a.Text)}}}, nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	r, err := demo.Serve(ctx, srv, demo.Options{})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); cancel() })
	return r.URL
}

// Record records a session against url into dir/name: the tools listed,
// echo called with "hello".
func Record(t testing.TB, url, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	rec, err := store.NewRecorder(store.RecorderOptions{Path: path, Header: store.Header{Target: url, Transport: mcp.TransportAuto}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mcp.Dial(ctx, mcp.Config{URL: url, OnEvent: rec.Record, Keepalive: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListAll(ctx, "tools/list", "tools"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call(ctx, "tools/call", map[string]any{"name": demo.ToolEcho, "arguments": map[string]any{"text": "hello"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// Events reads every event of the recording at path, failing the test on
// an unreadable one.
func Events(t testing.TB, path string) []mcp.Event {
	t.Helper()
	r, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var evs []mcp.Event
	for e, err := range r.Events() {
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	return evs
}
