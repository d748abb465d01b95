// Package cli is sonde's command line: the headless commands (tools,
// resources, templates, prompts, call, read, prompt, shell) and the entry
// points of the terminal UI.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
	"github.com/sonde-mcp/sonde/termsafe"
)

// Exit codes; other tools script against them.
const (
	ExitOK          = 0
	ExitError       = 1 // usage or unexpected error
	ExitAuth        = 3 // authentication required or denied
	ExitUnreachable = 4 // unreachable, timed out, or connection lost
	ExitToolError   = 5 // the tool returned isError
	ExitInterrupted = 130
)

// Env is what a command runs with; tests substitute buffers.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StdinIsTerminal enables line editing in the shell.
	StdinIsTerminal bool
}

// command is one headless subcommand.
type command struct {
	name, args, help string
	run              func(ctx context.Context, c *runCtx) error
}

var commands []command

func init() {
	commands = []command{
		{"tools", "TARGET [--json]", "list the server's tools (all pages)", runList("tools/list", "tools")},
		{"resources", "TARGET [--json]", "list resources", runList("resources/list", "resources")},
		{"templates", "TARGET [--json]", "list resource templates", runList("resources/templates/list", "resourceTemplates")},
		{"prompts", "TARGET [--json]", "list prompts", runList("prompts/list", "prompts")},
		{"call", "TARGET TOOL [KEY=VALUE ...] [--args JSON] [--json]", "call a tool", runCall},
		{"read", "TARGET URI [--json] [-o FILE]", "read a resource", runRead},
		{"prompt", "TARGET NAME [KEY=VALUE ...] [--args JSON] [--json]", "get a prompt", runPrompt},
		{"shell", "TARGET [--json]", "one session, commands from stdin", runShell},
	}
}

// Main runs sonde with os.Args[1:] and returns the exit code.
func Main(args []string) int {
	env := Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StdinIsTerminal: isTerminal(os.Stdin)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, env)
}

// Run runs one sonde command line.
func Run(ctx context.Context, args []string, env Env) int {
	o, pos, command, err := parse(args)
	if err != nil {
		return fail(env, err)
	}
	name := ""
	if len(pos) > 0 {
		name = pos[0]
	}
	if o.help || name == "help" {
		usage(env.Stdout)
		return ExitOK
	}
	if name == "version" {
		fmt.Fprintln(env.Stdout, "sonde", mcp.Version)
		return ExitOK
	}
	for _, c := range commands {
		if c.name == name {
			return runCommand(ctx, c, o, pos[1:], command, env)
		}
	}
	if ui, ok := uiCommands[name]; ok {
		return fail(env, ui(ctx, o, pos[1:], command, env))
	}
	// No subcommand: a TARGET (or nothing) opens the terminal UI.
	return fail(env, runUI(ctx, o, pos, command, env))
}

// uiCommands holds subcommands served by the terminal UI and the recorder
// (demo, replay, ...), registered by files that need the heavier packages.
var uiCommands = map[string]func(ctx context.Context, o *options, pos, command []string, env Env) error{}

// runUI opens the terminal UI on a target, or the server picker.
var runUI = func(ctx context.Context, o *options, pos, command []string, env Env) error {
	return usagef("unknown command %q; run sonde --help", strings.Join(pos, " "))
}

// runCtx carries what a command needs.
type runCtx struct {
	o       *options
	env     Env
	pos     []string // positionals after TARGET
	session *mcp.Session
	out     io.Writer
}

func runCommand(ctx context.Context, c command, o *options, pos, command []string, env Env) int {
	url, rest, err := target(pos, command)
	if err != nil {
		return fail(env, err)
	}
	cfg, err := o.config(url, command)
	if err != nil {
		return fail(env, err)
	}
	// Headless: server requests are answered by the policy flags, and
	// capabilities are declared only for what they can answer.
	pol, err := policy.Parse(o.elicitation, o.sampling, o.roots)
	if err != nil {
		return fail(env, usagef("%v", err))
	}
	cfg.Handler = pol.Handler()
	cfg.Capabilities = pol.Capabilities()
	cfg.Tasks = true
	var printer *eventPrinter
	if o.verbose {
		printer = &eventPrinter{w: env.Stderr}
		cfg.OnEvent = printer.print
	}
	rec, err := startRecording(o, &cfg, env, false) // --record FILE
	if err != nil {
		return fail(env, err)
	}
	defer rec.close(env) // idempotent; also on a panic
	cfg.OnEvent = rec.tee(cfg.OnEvent)
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		return rec.finish(env, fail(env, &connectFailure{err}))
	}
	rc := &runCtx{o: o, env: env, pos: rest, session: s, out: env.Stdout}
	if o.logLevel != "" {
		err = s.SetLogLevel(ctx, o.logLevel)
	}
	if err == nil {
		err = c.run(ctx, rc)
	}
	s.Close()
	return rec.finish(env, fail(env, err))
}

// connectFailure marks an error from establishing the session.
type connectFailure struct{ err error }

func (c *connectFailure) Error() string { return c.err.Error() }
func (c *connectFailure) Unwrap() error { return c.err }

// toolError is a tool result with isError set.
type toolError struct{}

func (toolError) Error() string { return "the tool reported an error (isError)" }

// exitCode classifies an error by the contract above.
func exitCode(err error) int {
	var (
		ae *mcp.AuthError
		ce *mcp.ConnectError
		le *mcp.LostError
		te *mcp.TimeoutError
		ue *usageError
		cf *connectFailure
		he *mcp.HTTPError
		re *mcp.RPCError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitError
	case errors.As(err, &ae):
		return ExitAuth
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &toolError{}):
		return ExitToolError
	case errors.As(err, &re) && !errors.As(err, &cf):
		return ExitError // the server answered: with an error
	case errors.As(err, &ce), errors.As(err, &le), errors.As(err, &te), errors.As(err, &cf), errors.As(err, &he), errors.Is(err, mcp.ErrClosed):
		return ExitUnreachable
	}
	return ExitError
}

// fail prints err as one clear line and returns its exit code.
func fail(env Env, err error) int {
	code := exitCode(err)
	switch {
	case err == nil:
	case code == ExitInterrupted:
		fmt.Fprintln(env.Stderr, "sonde: interrupted")
	default:
		fmt.Fprintln(env.Stderr, "sonde: "+termsafe.Line(err.Error()))
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(env.Stderr, "run 'sonde --help' for usage")
		}
	}
	return code
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `sonde %s: a terminal inspector for MCP servers

Usage:
  sonde TARGET                 open the terminal UI attached to TARGET
  sonde                        open the server picker
  sonde demo                   run the embedded demo server and open the UI on it
`, mcp.Version)
	for _, c := range commands {
		fmt.Fprintf(w, "  sonde %-8s %s\n      %s\n", c.name, c.args, c.help)
	}
	fmt.Fprint(w, `
TARGET is an http(s) URL (Streamable HTTP or legacy HTTP+SSE, detected), or a
stdio server given by ending the line with -- and its command:
  sonde call http://127.0.0.1:3102/mcp get-sum a=2 b=3
  sonde call echo message=hi -- node server.js stdio

Arguments: KEY=VALUE is converted by the tool's input schema (numbers,
booleans, JSON for objects and arrays); KEY:=JSON always parses JSON;
a.b=VALUE builds nested objects; --args JSON gives them all at once.

Flags (before or after the positional arguments):
  --transport auto|http|sse|stdio   force a transport (default: detect)
  --protocol REV          protocol revision to offer (default `+mcp.LatestProtocol+`)
  --bearer TOKEN          send Authorization: Bearer TOKEN (or set SONDE_BEARER)
  -H 'Name: value'        extra header on every request, repeatable
  --secret-header NAME    never log this header's value, repeatable
  --env KEY=VALUE         environment for a stdio server, repeatable
  --timeout 60s           per-request timeout
  --keepalive 20s         ping interval (0 = off)
  --idle-timeout 45s      re-open an SSE stream silent this long (0 = off)
  --max-message 64MiB     largest message accepted
  --insecure              skip TLS verification
  --json                  machine-readable output
  -v                      print the event log to stderr while working
  --log-level LEVEL       ask for server log messages at LEVEL and above

Server requests, answered without a human (headless commands):
  --elicitation accept-defaults|decline|cancel
  --sampling reject|reply:TEXT
  --root PATH             offer PATH to roots/list, repeatable

Exit codes: 0 ok, 1 usage or unexpected error, 3 auth required or denied,
4 unreachable or connection lost, 5 the tool returned isError.
`)
	fmt.Fprint(w, recordUsage)
}

// eventPrinter writes the event log to stderr for -v.
type eventPrinter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *eventPrinter) print(e mcp.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, FormatEvent(e))
}

// FormatEvent renders an event as one plain log line (see [mcp.FormatLine]).
func FormatEvent(e mcp.Event) string { return mcp.FormatLine(e) }
