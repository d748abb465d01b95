// Package ui is sonde's terminal user interface: a Bubble Tea v2 program
// with one root model that shows the live event log, browsers for what the
// server offers, argument forms, results and in-flight requests. It runs
// attached to a live [mcp.Session], or from a plain channel of events with
// no session at all (replay).
package ui

import (
	"context"
	"errors"

	"github.com/sonde-mcp/sonde/mcp"
)

// Options configure the terminal UI.
type Options struct {
	Config     mcp.Config      // connection: URL or Command plus flags; the UI sets OnEvent (and Handler)
	Theme      string          // --theme; "" = adaptive default
	Picker     bool            // no target given: open the server picker
	ConfigFile string          // --config FILE (mcpServers JSON)
	ServerName string          // --server NAME within ConfigFile
	Tee        func(mcp.Event) // if set, also receives every event (the recorder hooks in here)
}

// Run runs the UI until the user quits.
func Run(ctx context.Context, opts Options) error {
	return errors.New("ui: not implemented yet")
}

// RunDemo starts the embedded demo server on loopback and runs the UI
// attached to it.
func RunDemo(ctx context.Context, opts Options) error {
	return errors.New("ui: not implemented yet")
}
