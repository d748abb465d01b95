// Command bare-client is the floor scripts/bench-peers.sh measures sonde
// against: the least a Go program built on an MCP client library does for a
// one-shot tools/call (start, connect, initialize, call, print the text,
// exit), with none of sonde's work (detection, recording, redaction, the
// UI's packages). Built as it is, it uses mcp-go (mcpgo.go); built with
// -tags gosdk, the official go-sdk (gosdk.go). A benchmark fixture, not
// part of the sonde binary.
//
//	bare-client URL TOOL [KEY=VALUE ...]               Streamable HTTP
//	bare-client TOOL [KEY=VALUE ...] -- COMMAND ARGS   stdio
//
// A VALUE that parses as JSON is sent as that JSON, else as a string.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bare-client:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var server []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, server = args[:i], args[i+1:]
	}
	var url string
	if len(server) == 0 {
		if len(args) < 2 {
			return fmt.Errorf("usage: bare-client URL TOOL [KEY=VALUE ...] | bare-client TOOL [KEY=VALUE ...] -- COMMAND ARGS")
		}
		url, args = args[0], args[1:]
	}
	if len(args) < 1 {
		return fmt.Errorf("no tool named")
	}
	tool, kvs := args[0], args[1:]
	arguments := map[string]any{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("%q is not KEY=VALUE", kv)
		}
		var j any
		if json.Unmarshal([]byte(v), &j) == nil {
			arguments[k] = j
		} else {
			arguments[k] = v
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	texts, isError, err := call(ctx, url, server, tool, arguments)
	if err != nil {
		return err
	}
	for _, t := range texts {
		fmt.Println(t)
	}
	if isError {
		os.Exit(5)
	}
	return nil
}
