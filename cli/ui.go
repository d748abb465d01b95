package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/ui"
)

// runDemo starts the embedded demo server on loopback and opens the UI on
// it; the server stops when the UI ends.
func runDemo(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(pos) > 0 || len(command) > 0 {
		return usagef("demo takes no target: it starts its own server")
	}
	opts, err := uiOptions(o, "", nil)
	if err != nil {
		return err
	}
	return recordUI(ctx, o, env, opts, func(ctx context.Context, opts ui.Options) error {
		r, err := demo.Start(ctx, demo.Options{PingInterval: 0})
		if err != nil {
			return fmt.Errorf("starting the demo server: %w", err)
		}
		defer r.Close()
		opts.Config.URL = r.URL
		opts.Config.Command = nil
		opts.Picker = false
		opts.ConfigFile, opts.ServerName = "", ""
		return runTUI(ctx, opts)
	})
}

// runTUI runs the terminal UI; a variable so tests can give it a terminal
// of their own.
var runTUI = ui.Run

// openUI opens the terminal UI on a target, or the picker without one.
func openUI(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(pos) == 0 && len(command) == 0 {
		opts, err := uiOptions(o, "", nil)
		if err != nil {
			return err
		}
		opts.Picker = o.serverName == ""
		return recordUI(ctx, o, env, opts, runTUI)
	}
	url, rest, err := target("", pos, command)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unknown command or extra argument %q; run sonde --help", rest[0])
	}
	opts, err := uiOptions(o, url, command)
	if err != nil {
		return err
	}
	return recordUI(ctx, o, env, opts, runTUI)
}

func uiOptions(o *options, url string, command []string) (ui.Options, error) {
	opts := ui.Options{Theme: o.theme, ConfigFile: o.configFile, ServerName: o.serverName, RawWait: o.rawWait}
	opts.Roots = o.roots // the UI resolves paths and accepts file:// URIs
	opts.OAuthFor = func(cfg mcp.Config, ask oauth.Asker) mcp.OAuthHandler {
		if ownAuthorization(&cfg) {
			return nil
		}
		// The screen is the UI's: a sign-in that needs the person opens
		// its sign-in dialog (ask), which shows the URL, opens the
		// browser and takes a pasted answer (--no-browser).
		ao, err := o.authOptions(&cfg, Env{}, io.Discard)
		if err != nil {
			return nil
		}
		if lb, ok := ao.Browser.(*oauth.Loopback); ok && ask != nil {
			lb.Asker = ask
		}
		h, err := oauth.New(ao)
		if err != nil {
			return nil
		}
		return h
	}
	if url == "" && len(command) == 0 {
		// No target: the picker (or --config/--server) supplies one; keep
		// the connection flags for it.
		cfg, err := o.config("http://placeholder.invalid", nil)
		if err != nil {
			return opts, err
		}
		cfg.URL = ""
		opts.Config = cfg
		return opts, nil
	}
	cfg, err := o.config(url, command)
	if err != nil {
		return opts, err
	}
	opts.Config = cfg
	return opts, nil
}
