// Command sonde is a terminal inspector for MCP servers: it attaches to any
// MCP server (stdio, legacy HTTP+SSE, Streamable HTTP), shows everything on
// the wire, and lets you call what the server offers, interactively or from
// scripts.
package main

import (
	"os"

	"github.com/sonde-mcp/sonde/cli"
	"github.com/sonde-mcp/sonde/internal/tmuxenv"
)

func main() {
	tmuxenv.Restore() // hidden from package initialisation only
	os.Exit(cli.Main(os.Args[1:]))
}
