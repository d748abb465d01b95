// Package ui is sonde's terminal user interface: a Bubble Tea v2 program
// with one root model that shows the live event log, browsers for what the
// server offers, argument forms, results and in-flight requests. It runs
// attached to a live [mcp.Session], or from a plain channel of events with
// no session at all (replay: see [Options.Events]).
package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/pane/recordings"
)

// Options configure the terminal UI.
type Options struct {
	Config     mcp.Config // connection: URL or Command plus flags; the UI sets OnEvent (and Handler)
	Theme      string     // --theme; "" = adaptive default
	Picker     bool       // no target given: open the server picker
	ConfigFile string     // --config FILE (mcpServers JSON)
	ServerName string     // --server NAME: in ConfigFile, or in the known server files
	// RawWait is how long the composer collects what arrives after a
	// message that has no answer to wait for (0: mcp.DefaultRawWait).
	RawWait time.Duration
	Tee     func(mcp.Event) // if set, also receives every event (the recorder hooks in here)
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
	// OAuthFor, if set, builds the sign-in for a server about to be dialled
	// (nil: none); it runs in the dialling command, so it may read files.
	// Each server gets its own: a token never goes to another server.
	// ask is the UI's: a sign-in that needs the person at a browser opens
	// the sign-in dialog.
	OAuthFor func(cfg mcp.Config, ask oauth.Asker) mcp.OAuthHandler
	// LogWindow is how many events the log keeps in memory (0 =
	// DefaultLogWindow).
	LogWindow int
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
	defer raiseGCForStart()()
	var m *Model
	switch {
	case opts.Events != nil:
		m = New(ctx, opts, opts.Events)
	case opts.ReplayDir != "":
		m = New(ctx, opts, nil)
		m.recs = recordings.New(m.look.com, opts.ReplayDir)
	default:
		if opts.ServerName != "" {
			e, err := config.Lookup(opts.ConfigFile, opts.ServerName)
			if err != nil {
				return err
			}
			base := opts.Config
			opts.Config = e.Config
			m = newLive(ctx, opts)
			m.opts.Config = base
			m.connectTo(e) // sets the config; Init dials
			m.conn.dialing = false
		} else {
			m = newLive(ctx, opts)
			if opts.Picker || opts.ConfigFile != "" || (opts.Config.URL == "" && len(opts.Config.Command) == 0) {
				m.conn.live = false
				entries, errs := config.Discover(opts.ConfigFile)
				m.picker = newPicker(m.look.com, m.opts.Config, entries, errs)
			}
		}
	}
	if m.conn.reqs != nil { // a model for sessions (not a replay)
		m.calls.savedArgs = config.LoadLastArgs()
		m.raw.hist = config.LoadComposerHistory()
	}
	if m.conn.live && m.picker == nil {
		// Dial while Bubble Tea sets the terminal up (in tmux that runs
		// `tmux info` for the colour profile): the first frame with the
		// server's lists comes that much sooner.
		if dial := m.conn.dial(&m.opts); dial != nil {
			res := make(chan tea.Msg, 1)
			go func() { res <- dial() }()
			m.conn.early = func() tea.Msg { return <-res }
		}
	}
	popts := append([]tea.ProgramOption{tea.WithContext(ctx)}, opts.ProgramOptions...)
	p := tea.NewProgram(m, popts...)
	_, err := p.Run()
	m.opened.closeReplay()
	if m.conn.feed != nil {
		m.conn.feed.close()
	}
	if m.conn.sess != nil {
		m.conn.sess.Close()
	}
	m.opened.closeMock() // after the session that is its client
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}
