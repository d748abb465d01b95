package cli

import (
	"context"

	"github.com/sonde-mcp/sonde/ui"
)

func init() {
	runUI = openUI
	uiCommands["demo"] = func(ctx context.Context, o *options, pos, command []string, env Env) error {
		if len(pos) > 0 || len(command) > 0 {
			return usagef("demo takes no target: it starts its own server")
		}
		opts, err := uiOptions(o, "", nil)
		if err != nil {
			return err
		}
		return recordUI(ctx, o, env, opts, ui.RunDemo)
	}
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
		opts.Picker = o.configFile == "" || o.serverName == ""
		return recordUI(ctx, o, env, opts, runTUI)
	}
	url, rest, err := target(pos, command)
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
	opts := ui.Options{Theme: o.theme, ConfigFile: o.configFile, ServerName: o.serverName}
	opts.Roots = o.roots // the UI resolves paths and accepts file:// URIs
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
