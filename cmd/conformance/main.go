// Command conformance drives sonde's wire layer through the official MCP
// conformance suite's client scenarios. The suite runs it as
// `conformance URL` with MCP_CONFORMANCE_SCENARIO (and, in 0.2.0-alpha,
// MCP_CONFORMANCE_PROTOCOL_VERSION and MCP_CONFORMANCE_CONTEXT) in the
// environment; the mock server scores what it observes. The event log goes
// to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/cli"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: conformance SERVER_URL (with MCP_CONFORMANCE_SCENARIO set)")
		os.Exit(1)
	}
	url := os.Args[len(os.Args)-1]
	scenario := os.Getenv("MCP_CONFORMANCE_SCENARIO")
	ctx, cancel := context.WithTimeout(context.Background(), 28*time.Second)
	defer cancel()
	if err := run(ctx, url, scenario); err != nil {
		fmt.Fprintf(os.Stderr, "conformance %s: %v\n", scenario, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, scenario string) error {
	version := os.Getenv("MCP_CONFORMANCE_PROTOCOL_VERSION")
	if version == "" {
		version = mcp.LatestProtocol
	}
	pol := policy.Policy{Elicitation: policy.ElicitAcceptDefaults, Sampling: "reply:conformance"}
	cfg := mcp.Config{
		URL:          url,
		Protocol:     version,
		Timeout:      20 * time.Second,
		Keepalive:    -1,
		Handler:      pol.Handler(),
		Capabilities: pol.Capabilities(),
		ClientInfo:   mcp.Implementation{Name: "sonde-conformance", Version: mcp.Version},
		OnEvent:      func(e mcp.Event) { fmt.Fprintln(os.Stderr, cli.FormatEvent(e)) },
	}
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()

	switch scenario {
	case "initialize":
		_, err = s.Call(ctx, "tools/list", nil)
		return err
	case "tools_call":
		return callFirstTool(ctx, s, map[string]any{"a": 2, "b": 3})
	case "sse-retry", "elicitation-sep1034-client-defaults":
		return callFirstTool(ctx, s, map[string]any{})
	}
	return fmt.Errorf("unknown scenario %q", scenario)
}

// callFirstTool lists the tools and calls the first one.
func callFirstTool(ctx context.Context, s *mcp.Session, args map[string]any) error {
	raw, err := s.Call(ctx, "tools/list", nil)
	if err != nil {
		return err
	}
	var list struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return err
	}
	if len(list.Tools) == 0 {
		return errors.New("the server offers no tools")
	}
	res, err := s.Call(ctx, "tools/call", map[string]any{"name": list.Tools[0].Name, "arguments": args})
	if err != nil {
		return err
	}
	fmt.Println(strings.TrimSpace(string(res)))
	return nil
}
