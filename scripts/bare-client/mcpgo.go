//go:build !gosdk

package main

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// call makes the call with mcp-go: Streamable HTTP to url, or a stdio
// server started from server.
func call(ctx context.Context, url string, server []string, tool string, arguments map[string]any) (texts []string, isError bool, err error) {
	var c *client.Client
	if url != "" {
		c, err = client.NewStreamableHttpClient(url)
		if err == nil {
			err = c.Start(ctx)
		}
	} else {
		c, err = client.NewStdioMCPClient(server[0], nil, server[1:]...)
	}
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bare-client", Version: "0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		return nil, false, fmt.Errorf("initialize: %w", err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = arguments
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return nil, false, fmt.Errorf("tools/call: %w", err)
	}
	for _, content := range res.Content {
		if t, ok := content.(mcp.TextContent); ok {
			texts = append(texts, t.Text)
		}
	}
	return texts, res.IsError, nil
}
