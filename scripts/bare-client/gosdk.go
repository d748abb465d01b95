//go:build gosdk

package main

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// call makes the call with the official go-sdk: Streamable HTTP to url, or
// a stdio server started from server.
func call(ctx context.Context, url string, server []string, tool string, arguments map[string]any) (texts []string, isError bool, err error) {
	var t mcp.Transport
	if url != "" {
		t = &mcp.StreamableClientTransport{Endpoint: url}
	} else {
		t = &mcp.CommandTransport{Command: exec.Command(server[0], server[1:]...)}
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "bare-client", Version: "0"}, nil)
	s, err := c.Connect(ctx, t, nil)
	if err != nil {
		return nil, false, fmt.Errorf("connect: %w", err)
	}
	defer s.Close()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: arguments})
	if err != nil {
		return nil, false, fmt.Errorf("tools/call: %w", err)
	}
	for _, content := range res.Content {
		if t, ok := content.(*mcp.TextContent); ok {
			texts = append(texts, t.Text)
		}
	}
	return texts, res.IsError, nil
}
