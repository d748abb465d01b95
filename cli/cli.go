// Package cli is sonde's command line: the headless commands (tools,
// resources, templates, prompts, call, read, prompt, shell) and the entry
// points of the terminal UI.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
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
	ExitDiffers     = 6 // sonde rerun or sonde diff found a difference
	ExitInterrupted = 130
)

// Env is what a command runs with; tests substitute buffers.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StdinIsTerminal enables line editing in the shell.
	StdinIsTerminal bool
}

// cmdSet is a set of commands, one bit each (the commands a flag applies to).
type cmdSet uint32

const (
	cmdUI cmdSet = 1 << iota // no subcommand: sonde [TARGET]
	cmdDemo
	cmdTools
	cmdResources
	cmdTemplates
	cmdPrompts
	cmdCall
	cmdRead
	cmdPrompt
	cmdShell
	cmdRaw
	cmdSessions
	cmdReplay
	cmdExport
	cmdMock
	cmdRerun
	cmdDiff
	cmdTap
	cmdDoctor
	cmdVersion
	cmdCompletion
	cmdMan
	cmdAuth
	cmdHelp

	// headless are the commands that run one session without the UI.
	headless = cmdTools | cmdResources | cmdTemplates | cmdPrompts | cmdCall | cmdRead | cmdPrompt | cmdShell | cmdRaw
	// connCmds connect to a TARGET (or --config/--server).
	connCmds = headless | cmdUI
	// authCmds sign in to a server (the auth flags).
	authCmds = connCmds | cmdAuth
	// liveCmds may dial a live server, and take the connection flags.
	liveCmds = connCmds | cmdRerun | cmdDiff | cmdDoctor
	allCmds  = cmdHelp<<1 - 1
)

// names lists the commands in s for messages.
func (s cmdSet) names() []string {
	var out []string
	if s&headless == headless {
		out = append(out, "the headless commands")
		s &^= headless
	}
	for i := range commands {
		if c := &commands[i]; s&c.id != 0 {
			out = append(out, c.title())
		}
	}
	return out
}

// command is one command of the command line. The table (commands) is the
// one source of names, synopses and help for parsing, --help, the man page
// and the shell completions.
type command struct {
	name string // "" for the UI (no subcommand)
	id   cmdSet
	args string // synopsis after the name
	help string // one line
	// run is a headless command: one session to TARGET, set up by runCommand.
	run func(ctx context.Context, c *runCtx) error
	// main runs any other command.
	main func(ctx context.Context, o *options, pos, command []string, env Env) error
}

// title names the command in messages.
func (c *command) title() string {
	if c.name == "" {
		return "sonde [TARGET] (the UI)"
	}
	return "sonde " + c.name
}

var commands []command

func init() {
	commands = []command{
		{name: "", id: cmdUI, args: "[TARGET]", help: "open the terminal UI attached to TARGET; without one, the server picker", main: openUI},
		{name: "demo", id: cmdDemo, help: "run the embedded demo server and open the UI on it", main: runDemo},
		{name: "tools", id: cmdTools, args: "TARGET", help: "list the server's tools (all pages)", run: runList("tools/list", "tools")},
		{name: "resources", id: cmdResources, args: "TARGET", help: "list resources", run: runList("resources/list", "resources")},
		{name: "templates", id: cmdTemplates, args: "TARGET", help: "list resource templates", run: runList("resources/templates/list", "resourceTemplates")},
		{name: "prompts", id: cmdPrompts, args: "TARGET", help: "list prompts", run: runList("prompts/list", "prompts")},
		{name: "call", id: cmdCall, args: "TARGET TOOL [KEY=VALUE ...]", help: "call a tool", run: runCall},
		{name: "read", id: cmdRead, args: "TARGET URI", help: "read a resource", run: runRead},
		{name: "prompt", id: cmdPrompt, args: "TARGET NAME [KEY=VALUE ...]", help: "get a prompt", run: runPrompt},
		{name: "shell", id: cmdShell, args: "TARGET", help: "one session, commands from stdin (type help)", run: runShell},
		{name: "raw", id: cmdRaw, args: "TARGET JSON | TARGET METHOD [PARAMS]", help: "send one message as it is (JSON-RPC or not; {session} is the session id) and print its answer, or what arrives within --raw-wait", run: runRaw},
		{name: "sessions", id: cmdSessions, help: "list recorded sessions, newest first", main: runSessions},
		{name: "replay", id: cmdReplay, args: "[FILE]", help: "replay a recording (FILE: a path or a name from sonde sessions; none: choose one)", main: runReplay},
		{name: "export", id: cmdExport, args: "FILE", help: "export a recording as HAR, Markdown or JSON", main: runExport},
		{name: "mock", id: cmdMock, args: "FILE", help: "serve a recording as an MCP server (Streamable HTTP and legacy HTTP+SSE at the recorded paths, or --stdio)", main: runMock},
		{name: "rerun", id: cmdRerun, args: "FILE TARGET", help: "send a recording's requests to a live server again and compare the answers (exit 6 when they differ)", main: runRerun},
		{name: "diff", id: cmdDiff, args: "A B", help: "compare what two servers offer: recordings, URLs, or a stdio server after -- (exit 6 when they differ)", main: runDiff},
		{name: "tap", id: cmdTap, args: "--upstream URL [--listen ADDR] | -- COMMAND [ARGS...] | --wrap FILE --server NAME", help: "show and record another client's session: a transparent proxy in front of an HTTP server, or standing in for a stdio server", main: runTap},
		{name: "doctor", id: cmdDoctor, args: "TARGET", help: "check the connection to a server and explain it: network, TLS, each detection probe, auth, then a window of observation (keepalives, idle cuts, the session) and a diagnosis in plain words (exit 1 when a check failed)", main: runDoctor},
		{name: "version", id: cmdVersion, help: "print the version, commit, build date and Go version", main: runVersion},
		{name: "completion", id: cmdCompletion, args: "bash|zsh|fish", help: "print a shell completion script", main: runCompletion},
		{name: "man", id: cmdMan, help: "print the manual page (man -l <(sonde man))", main: runMan},
		{name: "auth", id: cmdAuth, args: "login TARGET | status [TARGET] | logout TARGET", help: "sign in to a server (OAuth), show what sonde keeps, sign out", main: runAuth},
		{name: "help", id: cmdHelp, args: "[COMMAND]", help: "show help, or one command's", main: runHelp},
	}
}

// findCommand returns the command pos[0] names, or the UI.
func findCommand(pos []string) *command {
	if len(pos) > 0 {
		for i := range commands {
			if c := &commands[i]; c.name != "" && c.name == pos[0] {
				return c
			}
		}
	}
	return &commands[0]
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
	c := findCommand(pos)
	if c.id != cmdUI {
		pos = pos[1:]
	}
	o.cmdName = c.name
	switch {
	case o.help:
		if c.id == cmdUI || c.id == cmdHelp {
			usage(env.Stdout)
		} else {
			commandUsage(env.Stdout, c)
		}
		return ExitOK
	case o.version:
		return fail(env, runVersion(ctx, o, nil, nil, env))
	}
	if err := o.checkFlags(c); err != nil {
		return fail(env, err)
	}
	if c.run != nil {
		return runCommand(ctx, *c, o, pos, command, env)
	}
	return fail(env, c.main(ctx, o, pos, command, env))
}

// runCtx carries what a command needs.
type runCtx struct {
	o          *options
	env        Env
	pos        []string // positionals after TARGET
	session    *mcp.Session
	out        io.Writer
	recoveries *recoveryReporter
	// announced are the lists a lenient session's stream announced.
	announced *streamLists
}

func runCommand(ctx context.Context, c command, o *options, pos, command []string, env Env) int {
	cfg, rest, err := o.session(pos, command)
	if err != nil {
		return fail(env, err)
	}
	// Headless: server requests are answered by the policy flags, and
	// capabilities are declared only for what they can answer.
	pol, err := policy.Parse(o.elicitation, o.sampling, o.roots)
	if err != nil {
		return fail(env, usagef("%v", err))
	}
	stderr := &syncWriter{w: env.Stderr} // the handler, -v and the command share it
	pol.Note = func(line string) { fmt.Fprintln(stderr, "sonde: "+termsafe.Line(line)) }
	cfg.Handler = pol.Handler()
	cfg.Capabilities = pol.Capabilities()
	cfg.Tasks = true
	if err := o.attachAuth(&cfg, env); err != nil {
		return fail(env, err)
	}
	var printer *eventPrinter
	if o.verbose {
		printer = &eventPrinter{w: stderr}
		cfg.OnEvent = printer.print
	}
	rep := &recoveryReporter{stderr: stderr, verbose: o.verbose, next: cfg.OnEvent}
	cfg.OnEvent = rep.see
	rc := &runCtx{o: o, env: env, pos: rest, out: env.Stdout, recoveries: rep}
	if cfg.Lenient || cfg.Endpoint != "" {
		rc.announced = &streamLists{next: cfg.OnEvent}
		cfg.OnEvent = rc.announced.see
	}
	if o.json {
		// Server strings may hold C1 and bidi controls, which JSON allows
		// raw: every --json output writes them escaped.
		rc.out = termsafe.NewJSONWriter(env.Stdout)
	}
	if err := checkArgs(c.id, rc); err != nil {
		return fail(env, err)
	}
	rec, err := startRecording(o, &cfg, env, false) // --record FILE
	if err != nil {
		return fail(env, err)
	}
	defer rec.close(env) // idempotent; also on a panic
	cfg.OnEvent = rec.tee(cfg.OnEvent)
	cfg.OnSecrets = rec.learn
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		code := fail(env, &connectFailure{err})
		if !o.verbose { // -v printed them as they came
			printStderrTail(env, err)
		}
		return rec.finish(env, code)
	}
	if err := rec.openError(); err != nil { // the session is up, FILE could not be created
		s.Close()
		return rec.finish(env, fail(env, err))
	}
	rc.session = s
	if o.logLevel != "" {
		err = s.SetLogLevel(ctx, o.logLevel)
	}
	if err == nil {
		err = c.run(ctx, rc)
	}
	s.Close()
	code := fail(env, err)
	if !o.verbose {
		printStderrTail(env, err)
	}
	return rec.finish(env, code)
}

// printStderrTail prints the last stderr lines of a stdio server whose
// exit err reports (secrets already replaced), below the error's line.
func printStderrTail(env Env, err error) {
	var xe *mcp.ExitError
	if !errors.As(err, &xe) || len(xe.Stderr) == 0 {
		return
	}
	fmt.Fprintf(env.Stderr, "sonde: the server's last %d stderr lines:\n", len(xe.Stderr))
	for _, l := range xe.Stderr {
		fmt.Fprintln(env.Stderr, "  │ "+termsafe.Line(l))
	}
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
	var tx *tapExit
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &tx): // sonde tap exits as its stdio server did
		if tx.e.Code > 0 && tx.e.Code < 126 {
			return tx.e.Code
		}
		return ExitError
	case errors.As(err, &ue):
		return ExitError
	case errors.As(err, &ae):
		return ExitAuth
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &toolError{}):
		return ExitToolError
	case errors.As(err, &differsError{}):
		return ExitDiffers
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
	case errors.As(err, &doctorFailed{}): // the report said it all
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

// syncWriter serialises writes from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// recoveryReporter tells about each recovery of the session (a server
// restart, a connection lost and made again): one line on stderr, unless -v
// already prints the event log, and in sonde shell --json an event line
// among the command lines.
type recoveryReporter struct {
	stderr  io.Writer
	verbose bool
	next    func(mcp.Event)

	mu   sync.Mutex
	json io.Writer // set by the shell with --json
}

// shellEvent is an event line of the shell's --json output.
type shellEvent struct {
	Event      string  `json:"event"`
	AfterMS    float64 `json:"after_ms"`
	Cause      string  `json:"cause"`
	Reconnects int     `json:"reconnects"`
}

// textLines makes the reporter write its line to w instead of stderr (the
// interactive shell's terminal, in raw mode).
func (r *recoveryReporter) textLines(w io.Writer) {
	r.mu.Lock()
	r.stderr = w
	r.mu.Unlock()
}

// eventLines makes the reporter write event lines to w (serialised with
// the shell's own lines by the caller).
func (r *recoveryReporter) eventLines(w io.Writer) {
	r.mu.Lock()
	r.json = w
	r.mu.Unlock()
}

func (r *recoveryReporter) see(e mcp.Event) {
	if down, cause, ok := e.Recovery(); ok {
		r.mu.Lock()
		if !r.verbose {
			fmt.Fprintln(r.stderr, "sonde: "+termsafe.Line(mcp.RecoveryText(down, cause)))
		}
		if r.json != nil {
			ev := shellEvent{Event: "reconnected", AfterMS: float64(down.Microseconds()) / 1000, Cause: cause}
			if e.Info != nil {
				ev.Reconnects = e.Info.Reconnects
			}
			b, _ := json.Marshal(ev)
			fmt.Fprintf(r.json, "%s\n", b)
		}
		r.mu.Unlock()
	}
	if r.next != nil {
		r.next(e)
	}
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
