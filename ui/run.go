// Package ui is sonde's terminal user interface: a Bubble Tea v2 program
// with one root model that shows the live event log, browsers for what the
// server offers, argument forms, results and in-flight requests. It runs
// attached to a live [mcp.Session], or from a plain channel of events with
// no session at all (replay: see [Options.Events]).
package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/themes"
)

// Options configure the terminal UI.
type Options struct {
	Config     mcp.Config      // connection: URL or Command plus flags; the UI sets OnEvent (and Handler)
	Theme      string          // --theme; "" = adaptive default
	Picker     bool            // no target given: open the server picker
	ConfigFile string          // --config FILE (mcpServers JSON)
	ServerName string          // --server NAME within ConfigFile
	Tee        func(mcp.Event) // if set, also receives every event (the recorder hooks in here)
	// Roots are the directories offered to the server (--root, repeatable):
	// paths (relative ones are made absolute, ~ is expanded) or URIs. They
	// answer roots/list and can be edited in the UI.
	Roots []string

	// Events, if set, is shown instead of a live session (replay): no
	// connection is made and actions that need the server are disabled.
	// The UI ends its stream display when the channel is closed.
	Events <-chan mcp.Event
	// Replay, with Events, gives the UI the replay's transport controls
	// (a *store.Player): play/pause, speed, step, jumps, seek.
	Replay ReplayControl
	// ReplayStart is when the replayed recording started (its header's
	// Start): the zero of the timeline's axis, where the replay's
	// position is drawn.
	ReplayStart time.Time
	// ReplayDir, without Events, opens the recordings picker on this
	// directory (`sonde replay` with no FILE): the chosen recording is
	// replayed at ReplaySpeed (store.PlayerOptions.Speed: 0 is 1x,
	// store.Instant plays at once) and closed when the UI ends.
	ReplayDir   string
	ReplaySpeed float64
	// OnConnect, if set, is called with the configuration of every server
	// the UI is about to dial (the one given, one chosen in the picker or
	// by --config/--server, a reconnection), just before it dials: the
	// recorder learns the secrets of servers it was not told about.
	OnConnect func(mcp.Config)
	// LogWindow is how many events the log keeps in memory (0 =
	// DefaultLogWindow).
	LogWindow int
	// Hostile makes RunDemo serve the escape-sequence fixture server
	// instead of the demo (hidden `sonde demo --hostile`, for tests).
	Hostile bool
	// ProgramOptions are passed to tea.NewProgram (tests: input, output,
	// window size).
	ProgramOptions []tea.ProgramOption
}

// Run runs the UI until the user quits.
func Run(ctx context.Context, opts Options) error {
	if opts.Theme != "" {
		if _, err := themes.Resolve(opts.Theme); err != nil {
			return err
		}
	}
	var m *Model
	switch {
	case opts.Events != nil:
		m = New(ctx, opts, opts.Events)
	case opts.ReplayDir != "":
		m = New(ctx, opts, nil)
		m.recs = newRecPicker(opts.ReplayDir)
	default:
		if opts.ConfigFile != "" && opts.ServerName != "" {
			data, err := os.ReadFile(opts.ConfigFile)
			if err != nil {
				return err
			}
			es, err := parseServerFile(data, opts.ConfigFile, opts.ConfigFile)
			if err != nil {
				return err
			}
			found := false
			for _, e := range es {
				if e.Name == opts.ServerName {
					base := opts.Config
					opts.Config = e.Config
					m = newLive(ctx, opts)
					m.opts.Config = base
					m.connectTo(e) // sets the config; Init dials
					m.dialing = false
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("no server %q in %s", opts.ServerName, opts.ConfigFile)
			}
		} else {
			m = newLive(ctx, opts)
			if opts.Picker || opts.ConfigFile != "" || (opts.Config.URL == "" && len(opts.Config.Command) == 0) {
				m.live = false
				entries, errs := discoverServers(opts.ConfigFile)
				m.picker = newPicker(entries, errs)
			}
		}
	}
	if m.feed != nil {
		m.savedArgs = loadLastArgs()
	}
	popts := append([]tea.ProgramOption{tea.WithContext(ctx)}, opts.ProgramOptions...)
	p := tea.NewProgram(m, popts...)
	_, err := p.Run()
	m.closeReplay()
	if m.feed != nil {
		m.feed.close()
	}
	if m.sess != nil {
		m.sess.Close()
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// RunDemo starts the embedded demo server on loopback and runs the UI
// attached to it.
func RunDemo(ctx context.Context, opts Options) error {
	var (
		r   *demo.Running
		err error
	)
	if opts.Hostile {
		r, err = demo.Serve(ctx, demo.NewHostileServer(), demo.Options{})
	} else {
		r, err = demo.Start(ctx, demo.Options{PingInterval: 0})
	}
	if err != nil {
		return fmt.Errorf("starting the demo server: %w", err)
	}
	defer r.Close()
	opts.Config.URL = r.URL
	opts.Config.Command = nil
	opts.Picker = false
	opts.ConfigFile, opts.ServerName = "", ""
	return Run(ctx, opts)
}
