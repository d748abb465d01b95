package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/themes"
)

// usageError is a mistake on the command line (exit 1, with a hint).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// sizeFlag parses sizes like 64MiB, 5MB, 1048576.
type sizeFlag int

func (s *sizeFlag) String() string {
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n := int(*s); n >= u.mult && n%u.mult == 0 {
			return strconv.Itoa(n/u.mult) + u.suffix
		}
	}
	return strconv.Itoa(int(*s))
}
func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

func parseSize(v string) (int, error) {
	l := strings.ToLower(strings.TrimSpace(v))
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10}, {"gb", 1e9}, {"mb", 1e6}, {"kb", 1e3}, {"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}, {"b", 1}} {
		if strings.HasSuffix(l, u.suffix) {
			l, mult = strings.TrimSpace(strings.TrimSuffix(l, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.Atoi(l)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q (try 64MiB)", v)
	}
	return n * mult, nil
}

// speedFlag is a replay or mock speed: a factor, or "instant" (0).
type speedFlag float64

func (s *speedFlag) String() string {
	if *s == 0 {
		return "instant"
	}
	return strconv.FormatFloat(float64(*s), 'g', -1, 64)
}

func (s *speedFlag) Set(v string) error {
	if strings.EqualFold(strings.TrimSpace(v), "instant") {
		*s = 0
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 {
		return fmt.Errorf("bad speed %q (1, 10, instant)", v)
	}
	*s = speedFlag(f)
	return nil
}

// options are the values of the flags (see flagTable).
type options struct {
	// cmdName is the command being run ("" for the UI), for usage errors
	// that suggest a command line.
	cmdName     string
	transport   string
	protocol    string
	bearer      string
	headers     listFlag
	secret      listFlag
	env         listFlag
	envPlain    listFlag
	timeout     time.Duration
	keepalive   time.Duration
	idleTimeout time.Duration
	insecure    bool
	crossOrigin bool
	verbose     bool
	json        bool
	help        bool
	version     bool
	maxMessage  sizeFlag
	args        string
	name, uri   string // TOOL/NAME and URI as flags (values beginning with -)
	output      string
	theme       string
	configFile  string
	serverName  string

	// Servers that do not follow the specification.
	keepaliveMatch listFlag
	endpoint       string
	sessionFrom    string
	sessionHeader  string
	lenient        bool
	rawWait        time.Duration
	// sonde doctor's observation window.
	observe time.Duration
	// Faults injected on purpose (package fault).
	faults listFlag
	// Tapping (cli/tap.go).
	upstream string
	headless bool
	wrap     string
	write    bool

	// Signing in (cli/auth.go).
	clientID          string
	clientSecret      string
	clientKey         string
	clientMetadataURL string
	scope             string
	grant             string
	assertion         string
	idToken           string
	idp               string
	idpClientID       string
	noDPoP            bool
	noBrowser         bool
	noInteractiveAuth bool

	// Headless answers to server requests, and logging.
	elicitation string
	sampling    string
	roots       listFlag
	logLevel    string
	// Recording and replay (cli/record.go).
	record       string
	noRecord     bool
	keepSessions int
	keepMB       int
	print        bool
	format       string
	speed        speedFlag
	// Recordings as fixtures (cli/fixture.go).
	listen   string
	stdio    bool
	match    string
	clean    bool
	ignore   listFlag
	markdown bool

	// set names the flags given on the command line (long names).
	set []string
}

// newOptions returns the defaults.
func newOptions() *options {
	return &options{
		transport:    "auto",
		timeout:      mcp.DefaultTimeout,
		keepalive:    mcp.DefaultKeepalive,
		idleTimeout:  mcp.DefaultIdleTimeout,
		maxMessage:   mcp.DefaultMaxMessage,
		keepSessions: store.DefaultKeepSessions,
		keepMB:       store.DefaultKeepBytes >> 20,
		speed:        1,
		rawWait:      mcp.DefaultRawWait,
		observe:      doctor.DefaultObserve,
		listen:       "127.0.0.1:0",
		match:        "strict",
	}
}

// flagDef is one flag. The table below is the only place a flag is
// defined: parsing, --help, the man page and the shell completions all
// read it, so none of them can miss a flag.
type flagDef struct {
	name    string   // long name (--name; Go's flag package also takes -name)
	short   string   // one-letter alias, or ""
	arg     string   // what its value is, for help ("" = a switch)
	help    string   // one line
	group   string   // heading it is listed under (flagGroups)
	on      cmdSet   // the commands that take it
	choices []string // the values it takes, for completions
	comp    string   // how to complete a free value: "file", "dir" or ""
	// ptr returns the field the flag sets: *string, *bool, *int, *float64,
	// *time.Duration or a flag.Value. Its value in newOptions is the
	// default --help shows.
	ptr func(o *options) any
}

// flagGroups are the headings of --help, in order.
var flagGroups = []struct{ name, title string }{
	{"conn", "Connection"},
	{"io", "Input and output"},
	{"auth", "Signing in (OAuth; see sonde auth)"},
	{"answers", "Server requests, answered without a human (headless commands)"},
	{"record", "Recording (see store/FORMAT.md)"},
	{"replay", "Replay and export"},
	{"fixture", "Recordings as fixtures: mock, rerun, diff"},
	{"tap", "Tapping another client's session (sonde tap)"},
	{"fault", "Faults injected on purpose (sonde URL, sonde tap, sonde doctor)"},
	{"ui", "Terminal UI"},
	{"general", "General"},
}

// flagTable lists every flag sonde has.
var flagTable = []flagDef{
	{name: "transport", arg: "KIND", help: "force a transport (default: detect)", group: "conn", on: authCmds | liveCmds | cmdDemo,
		choices: []string{"auto", "http", "sse", "stdio"}, ptr: func(o *options) any { return &o.transport }},
	{name: "protocol", arg: "REV", help: "pin a protocol revision (default: detect: server/discover for 2026-07-28, then initialize offering " + mcp.LatestProtocol + ")", group: "conn", on: authCmds | liveCmds | cmdDemo,
		choices: mcp.KnownProtocols, ptr: func(o *options) any { return &o.protocol }},
	{name: "bearer", arg: "TOKEN", help: "send Authorization: Bearer TOKEN (or set SONDE_BEARER)", group: "conn", on: liveCmds,
		ptr: func(o *options) any { return &o.bearer }},
	{name: "header", short: "H", arg: "'NAME: VALUE'", help: "extra header on every request, repeatable", group: "conn", on: liveCmds,
		ptr: func(o *options) any { return &o.headers }},
	{name: "secret-header", arg: "NAME", help: "never log this header's value, repeatable", group: "conn", on: liveCmds | cmdTap,
		ptr: func(o *options) any { return &o.secret }},
	{name: "env", arg: "KEY=VALUE", help: "environment for a stdio server, repeatable; the values are secrets (masked everywhere) unless named by --env-plain", group: "conn", on: liveCmds | cmdTap,
		ptr: func(o *options) any { return &o.env }},
	{name: "env-plain", arg: "NAME", help: "this --env or config env variable's value is not secret, repeatable", group: "conn", on: liveCmds,
		ptr: func(o *options) any { return &o.envPlain }},
	{name: "config", arg: "FILE", help: "a server file (mcpServers, or VS Code's servers); with --server, its server is the TARGET", group: "conn", on: liveCmds,
		comp: "file", ptr: func(o *options) any { return &o.configFile }},
	{name: "server", arg: "NAME", help: "the server NAME in --config FILE (tap: in --wrap FILE)", group: "conn", on: liveCmds | cmdTap,
		ptr: func(o *options) any { return &o.serverName }},
	{name: "timeout", arg: "DURATION", help: "per-request timeout", group: "conn", on: authCmds | liveCmds | cmdDemo,
		ptr: func(o *options) any { return &o.timeout }},
	{name: "keepalive", arg: "DURATION", help: "ping interval (0 = off; doctor: the client's, to weigh an idle cut against)", group: "conn", on: liveCmds | cmdDemo,
		ptr: func(o *options) any { return &o.keepalive }},
	{name: "idle-timeout", arg: "DURATION", help: "re-open an SSE stream silent this long (0 = off)", group: "conn", on: liveCmds&^cmdDoctor | cmdDemo,
		ptr: func(o *options) any { return &o.idleTimeout }},
	{name: "max-message", arg: "SIZE", help: "largest message accepted (64MiB, 5MB, 1048576)", group: "conn", on: liveCmds | cmdDemo | cmdMock | cmdTap,
		ptr: func(o *options) any { return &o.maxMessage }},
	{name: "insecure", help: "skip TLS verification", group: "conn", on: authCmds | liveCmds | cmdTap,
		ptr: func(o *options) any { return &o.insecure }},
	{name: "allow-cross-origin", help: "follow a legacy endpoint or a redirect to another origin (scheme, host, port) than TARGET's, sending it none of --bearer, -H or secret headers (default: refuse; never https to http)", group: "conn", on: authCmds | liveCmds,
		ptr: func(o *options) any { return &o.crossOrigin }},
	{name: "keepalive-match", arg: "RULE", help: "a data message that is a keepalive, repeatable: MEMBER=VALUE (type=hb matches {\"type\":\"hb\"}) or /REGEXP/ (besides the built-in {\"type\":\"keepalive\"}, heartbeat, ping)", group: "conn", on: connCmds | cmdTap | cmdDoctor,
		ptr: func(o *options) any { return &o.keepaliveMatch }},
	{name: "endpoint", arg: "TEMPLATE", help: "TARGET is an SSE stream that names no endpoint: POST to TEMPLATE (relative to TARGET, same origin rule), {session} filled from the stream's first events (implies --transport sse and --lenient)", group: "conn", on: connCmds | cmdDoctor,
		ptr: func(o *options) any { return &o.endpoint }},
	{name: "session-from", arg: "REGEX", help: "with --endpoint: the session id is REGEX's capture group in the stream's first events (default: 'Connected to session ID', session_id=ID, a JSON sessionId/session_id member)", group: "conn", on: connCmds | cmdDoctor,
		ptr: func(o *options) any { return &o.sessionFrom }},
	{name: "session-header", arg: "NAME", help: "with --endpoint: send the session id in this header on every POST too", group: "conn", on: connCmds | cmdDoctor,
		ptr: func(o *options) any { return &o.sessionHeader }},
	{name: "lenient", help: "take the server as it comes: an initialize answer that is no InitializeResult (or none) is a warning, answers without \"jsonrpc\" are matched by id, data that is no JSON-RPC is shown as it is", group: "conn", on: connCmds | cmdDoctor,
		ptr: func(o *options) any { return &o.lenient }},

	{name: "client-id", arg: "ID", help: "a client registered with the authorization server beforehand (default: a client ID metadata document or dynamic registration)", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.clientID }},
	{name: "client-secret", arg: "SECRET", help: "that client's secret (or set SONDE_CLIENT_SECRET)", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.clientSecret }},
	{name: "client-key", arg: "FILE", help: "that client's private key (PEM): authenticate with a signed JWT (private_key_jwt)", group: "auth", on: authCmds,
		comp: "file", ptr: func(o *options) any { return &o.clientKey }},
	{name: "client-metadata-url", arg: "URL", help: "sonde's client ID metadata document (an https URL), used where the authorization server takes them", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.clientMetadataURL }},
	{name: "scope", arg: "SCOPES", help: "ask for these scopes (space-separated) instead of what the server names", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.scope }},
	{name: "grant", arg: "GRANT", help: "how to sign in: authorization-code (a browser), client-credentials (--client-id with --client-secret or --client-key), jwt-bearer (--assertion), enterprise (--id-token, --idp)", group: "auth", on: authCmds,
		choices: []string{"authorization-code", "client-credentials", "jwt-bearer", "enterprise"}, ptr: func(o *options) any { return &o.grant }},
	{name: "assertion", arg: "FILE", help: "a workload identity token (JWT) for --grant jwt-bearer, read afresh at each sign-in", group: "auth", on: authCmds,
		comp: "file", ptr: func(o *options) any { return &o.assertion }},
	{name: "id-token", arg: "FILE", help: "your enterprise IdP's ID token, for --grant enterprise", group: "auth", on: authCmds,
		comp: "file", ptr: func(o *options) any { return &o.idToken }},
	{name: "idp", arg: "URL", help: "the enterprise IdP (its issuer: its metadata names the token endpoint), for --grant enterprise", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.idp }},
	{name: "idp-client-id", arg: "ID", help: "sonde's client at the enterprise IdP", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.idpClientID }},
	{name: "no-dpop", help: "never bind tokens with DPoP, even when the authorization server offers it", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.noDPoP }},
	{name: "no-browser", help: "open no browser: print the sign-in URL and read the URL the browser is sent back to from stdin (SSH, containers)", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.noBrowser }},
	{name: "no-interactive-auth", help: "never sign in with a browser: use kept credentials, else exit 3 with the reason (CI)", group: "auth", on: authCmds,
		ptr: func(o *options) any { return &o.noInteractiveAuth }},

	{name: "raw-wait", arg: "DURATION", help: "raw and the composer: how long to collect what arrives after a message that has no answer to wait for; a lenient listing that failed waits as long for the list the stream announces", group: "io", on: cmdRaw | cmdShell | cmdUI,
		ptr: func(o *options) any { return &o.rawWait }},
	{name: "args", arg: "JSON", help: "the tool's or prompt's arguments as one JSON object", group: "io", on: cmdCall | cmdPrompt,
		ptr: func(o *options) any { return &o.args }},
	{name: "name", arg: "NAME", help: "the tool or prompt, instead of TOOL/NAME (for a name beginning with -)", group: "io", on: cmdCall | cmdPrompt,
		ptr: func(o *options) any { return &o.name }},
	{name: "uri", arg: "URI", help: "the resource, instead of URI (for a URI beginning with -)", group: "io", on: cmdRead,
		ptr: func(o *options) any { return &o.uri }},
	{name: "json", help: "machine-readable output", group: "io", on: headless | cmdAuth | cmdSessions | cmdReplay | cmdVersion | cmdRerun | cmdDiff | cmdDoctor,
		ptr: func(o *options) any { return &o.json }},
	{name: "output", short: "o", arg: "FILE", help: "write the content (the first binary block, else the text) or the export to FILE", group: "io", on: cmdCall | cmdRead | cmdExport,
		comp: "file", ptr: func(o *options) any { return &o.output }},
	{name: "verbose", short: "v", help: "print the event log to stderr while working", group: "io", on: headless | cmdAuth | cmdRerun | cmdDiff | cmdDoctor,
		ptr: func(o *options) any { return &o.verbose }},
	{name: "log-level", arg: "LEVEL", help: "ask the server for log messages at LEVEL and above", group: "io", on: headless,
		choices: []string{"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}, ptr: func(o *options) any { return &o.logLevel }},

	{name: "elicitation", arg: "ANSWER", help: "answer elicitation requests: accept-defaults, accept:JSON (the object's members over the defaults), decline or cancel", group: "answers", on: headless,
		choices: []string{"accept-defaults", "accept:", "decline", "cancel"}, ptr: func(o *options) any { return &o.elicitation }},
	{name: "sampling", arg: "ANSWER", help: "answer sampling requests: reject, reply:TEXT or template:TEXT ({{message}} is the last user message's text, {{system}} the system prompt)", group: "answers", on: headless,
		choices: []string{"reject", "reply:", "template:"}, ptr: func(o *options) any { return &o.sampling }},
	{name: "root", arg: "PATH", help: "offer PATH to roots/list, repeatable (the UI too)", group: "answers", on: headless | cmdUI | cmdDemo,
		comp: "dir", ptr: func(o *options) any { return &o.roots }},

	{name: "record", arg: "FILE", help: "record the session into FILE (also for the headless commands and the mock's own sessions); FILE is created only once the session is up", group: "record", on: headless | cmdUI | cmdDemo | cmdMock | cmdRerun | cmdTap,
		comp: "file", ptr: func(o *options) any { return &o.record }},
	{name: "no-record", help: "do not record (the UI's session; sonde tap's sessions)", group: "record", on: cmdUI | cmdDemo | cmdTap,
		ptr: func(o *options) any { return &o.noRecord }},
	{name: "keep-sessions", arg: "N", help: "keep the newest N recordings (0 = all)", group: "record", on: cmdUI | cmdDemo | cmdTap,
		ptr: func(o *options) any { return &o.keepSessions }},
	{name: "keep-mb", arg: "N", help: "keep at most N MB of recordings (0 = all)", group: "record", on: cmdUI | cmdDemo | cmdTap,
		ptr: func(o *options) any { return &o.keepMB }},

	{name: "print", help: "replay: print the log as text, then the state at the end (# lines)", group: "replay", on: cmdReplay,
		ptr: func(o *options) any { return &o.print }},
	{name: "speed", arg: "X", help: "replay or mock speed: 1 as recorded, 10 ten times faster (0.5 to 100), instant (or 0)", group: "replay", on: cmdReplay | cmdMock,
		choices: []string{"1", "10", "instant"}, ptr: func(o *options) any { return &o.speed }},
	{name: "format", arg: "FORMAT", help: "export format (default: from -o's extension)", group: "replay", on: cmdExport,
		choices: []string{"har", "md", "json"}, ptr: func(o *options) any { return &o.format }},

	{name: "listen", arg: "ADDR", help: "mock, tap: serve HTTP on ADDR (port 0: a free one; the URL is printed on stdout)", group: "fixture", on: cmdMock | cmdTap,
		ptr: func(o *options) any { return &o.listen }},
	{name: "stdio", help: "mock: serve over stdin and stdout instead of HTTP", group: "fixture", on: cmdMock,
		ptr: func(o *options) any { return &o.stdio }},
	{name: "match", arg: "MODE", help: "how a request finds its recorded counterpart: strict (method and params), fuzzy (then the same tool, prompt or resource, then the method), method", group: "fixture", on: cmdMock,
		choices: []string{"strict", "fuzzy", "method"}, ptr: func(o *options) any { return &o.match }},
	{name: "ignore", arg: "JSONPATH", help: "rerun: leave this part of every answer out of the comparison ($.content[0].text, $..timestamp), repeatable", group: "fixture", on: cmdRerun,
		ptr: func(o *options) any { return &o.ignore }},
	{name: "markdown", help: "diff: write the report as Markdown (for a pull-request comment)", group: "fixture", on: cmdDiff,
		ptr: func(o *options) any { return &o.markdown }},
	{name: "clean", help: "mock: leave out the recorded SSE quirks (keepalive comments and events, priming events, retry)", group: "fixture", on: cmdMock,
		ptr: func(o *options) any { return &o.clean }},

	{name: "fault", arg: "SPEC", help: "inject a fault, repeatable: drop-stream after=30s, idle-cut after=60s, expire-session after=2m, delay method=M ms=500, status method=M code=503, duplicate method=M, reorder, inject-event every=5s [name=keepalive], inject-comment every=5s, corrupt method=M (any takes times=N); each is logged as a fault event", group: "fault", on: connCmds | cmdDemo | cmdTap | cmdDoctor,
		ptr: func(o *options) any { return &o.faults }},

	{name: "observe", arg: "DURATION", help: "doctor: how long to watch the connection (keepalives, idle cuts, the session)", group: "io", on: cmdDoctor,
		ptr: func(o *options) any { return &o.observe }},

	{name: "upstream", arg: "URL", help: "tap: the server the tapped client talks to (the tap serves its paths at --listen)", group: "tap", on: cmdTap,
		ptr: func(o *options) any { return &o.upstream }},
	{name: "headless", help: "no UI, even on a terminal: tap prints the log lines (on stdout; on stderr for a stdio tap, which never has the UI: its stdin and stdout are the client's), doctor its report as plain text", group: "io", on: cmdTap | cmdDoctor,
		ptr: func(o *options) any { return &o.headless }},
	{name: "wrap", arg: "FILE", help: "tap: print how server --server NAME of the client config FILE runs through sonde tap (JSONC too)", group: "tap", on: cmdTap,
		comp: "file", ptr: func(o *options) any { return &o.wrap }},
	{name: "write", help: "with --wrap: change FILE (a copy of it in FILE.bak)", group: "tap", on: cmdTap,
		ptr: func(o *options) any { return &o.write }},

	{name: "theme", arg: "NAME", help: "colour theme", group: "ui", on: cmdUI | cmdDemo | cmdReplay | cmdDoctor,
		choices: themes.Names(), ptr: func(o *options) any { return &o.theme }},

	{name: "help", short: "h", help: "show help (sonde COMMAND --help: that command's)", group: "general", on: allCmds,
		ptr: func(o *options) any { return &o.help }},
	{name: "version", help: "print the version, commit, build date and Go version", group: "general", on: allCmds,
		ptr: func(o *options) any { return &o.version }},
}

// bind defines f (and its alias) on fs, setting o's field.
func (f *flagDef) bind(fs *flag.FlagSet, o *options) {
	for _, n := range []string{f.name, f.short} {
		if n == "" {
			continue
		}
		switch p := f.ptr(o).(type) {
		case *string:
			fs.StringVar(p, n, *p, f.help)
		case *bool:
			fs.BoolVar(p, n, *p, f.help)
		case *int:
			fs.IntVar(p, n, *p, f.help)
		case *float64:
			fs.Float64Var(p, n, *p, f.help)
		case *time.Duration:
			fs.DurationVar(p, n, *p, f.help)
		case flag.Value:
			fs.Var(p, n, f.help)
		default:
			panic("flag " + f.name + ": unsupported type")
		}
	}
}

// defaultText is the default --help shows ("" = none worth showing).
func (f *flagDef) defaultText() string {
	switch p := f.ptr(newOptions()).(type) {
	case *string:
		return *p
	case *int:
		if *p != 0 {
			return strconv.Itoa(*p)
		}
	case *float64:
		if *p != 0 {
			return strconv.FormatFloat(*p, 'g', -1, 64)
		}
	case *time.Duration:
		if *p != 0 {
			return shortDuration(*p)
		}
	case *sizeFlag:
		return p.String()
	case *speedFlag:
		return p.String()
	}
	return ""
}

// shortDuration writes 60s as 1m, not 1m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// lookupFlag finds a flag by its long or short name.
func lookupFlag(name string) *flagDef {
	for i := range flagTable {
		if f := &flagTable[i]; f.name == name || (f.short != "" && f.short == name) {
			return f
		}
	}
	return nil
}

// parse splits args into flags (anywhere), positionals, and the stdio
// command after the first "--". Every flag is accepted here; which command
// takes which is checked once the command is known (checkFlags).
func parse(args []string) (*options, []string, []string, error) {
	o := newOptions()
	fs := flag.NewFlagSet("sonde", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for i := range flagTable {
		flagTable[i].bind(fs, o)
	}
	var command []string
	for i, a := range args {
		if a == "--" {
			command = append([]string{}, args[i+1:]...)
			args = args[:i]
			if len(command) == 0 {
				return nil, nil, nil, usagef("nothing after --: give the stdio server's command")
			}
			break
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				o.help = true
				break
			}
			return nil, nil, nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	fs.Visit(func(fl *flag.Flag) {
		if f := lookupFlag(fl.Name); f != nil && !slices.Contains(o.set, f.name) {
			o.set = append(o.set, f.name)
		}
	})
	return o, pos, command, nil
}

// checkFlags refuses a flag the command does not take, rather than
// ignoring it silently.
func (o *options) checkFlags(c *command) error {
	for _, name := range o.set {
		f := lookupFlag(name)
		if f.on&c.id == 0 {
			return usagef("--%s does not apply to %s (it is for: %s)", f.name, c.title(), strings.Join(f.on.names(), ", "))
		}
	}
	return nil
}

// isURL reports whether s is an http(s) target.
func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// config turns the flags and the target into a session configuration.
// Exactly one of url and command is set.
func (o *options) config(url string, command []string) (mcp.Config, error) {
	cfg := mcp.Config{
		URL:           url,
		Command:       command,
		Env:           o.env,
		EnvPlain:      o.envPlain,
		Protocol:      o.protocol,
		Insecure:      o.insecure,
		Timeout:       o.timeout,
		MaxMessage:    int(o.maxMessage),
		SecretHeaders: o.secret,
		EraCache:      config.EraCachePath(),
	}
	cfg.AllowCrossOrigin = o.crossOrigin
	if err := o.offSpec(&cfg); err != nil {
		return cfg, err
	}
	for _, r := range o.keepaliveMatch {
		kr, err := mcp.ParseKeepaliveRule(r)
		if err != nil {
			return cfg, usagef("--keepalive-match: %v", err)
		}
		cfg.KeepaliveMatch = append(cfg.KeepaliveMatch, kr)
	}
	if len(o.faults) > 0 {
		set, err := o.faultSet(len(command) > 0)
		if err != nil {
			return cfg, err
		}
		cfg.Faults = set
	}
	switch t := mcp.TransportKind(o.transport); t {
	case mcp.TransportAuto, "":
	case mcp.TransportHTTP, mcp.TransportSSE:
		if url == "" {
			return cfg, usagef("--transport %s needs an http(s) URL", t)
		}
		cfg.Transport = t
	case mcp.TransportStdio:
		if len(command) == 0 {
			return cfg, usagef("--transport stdio needs the server command after --")
		}
		cfg.Transport = t
	default:
		return cfg, usagef("unknown --transport %q (auto, http, sse or stdio)", o.transport)
	}
	// 0 on the command line means off; the library's zero means default.
	cfg.Keepalive = o.keepalive
	if o.keepalive == 0 {
		cfg.Keepalive = -1
	}
	cfg.IdleTimeout = o.idleTimeout
	if o.idleTimeout == 0 {
		cfg.IdleTimeout = -1
	}
	bearer := o.bearer
	if bearer == "" {
		bearer = os.Getenv("SONDE_BEARER")
	}
	cfg.Bearer = bearer
	if len(o.headers) > 0 {
		cfg.Header = http.Header{}
		for _, h := range o.headers {
			name, value, ok := strings.Cut(h, ":")
			name = strings.TrimSpace(name)
			if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
				return cfg, usagef("bad header %q: write -H 'Name: value'", headerHint(h))
			}
			cfg.Header.Add(name, strings.TrimSpace(value))
		}
	}
	if o.protocol != "" {
		known := false
		for _, p := range mcp.KnownProtocols {
			known = known || p == o.protocol
		}
		if !known {
			return cfg, usagef("unknown --protocol %q (known: %s)", o.protocol, strings.Join(mcp.KnownProtocols, ", "))
		}
	}
	return cfg, nil
}

// session works out the server a headless command connects to: --server
// NAME (from --config FILE, or from the known server files), or TARGET
// from the positionals, or the stdio command after --. It returns the
// positionals left for the command.
func (o *options) session(pos, command []string) (mcp.Config, []string, error) {
	if o.serverName == "" {
		if o.configFile != "" {
			return mcp.Config{}, nil, usagef("--config FILE needs --server NAME here (the server picker is the UI's: sonde --config FILE)")
		}
		url, rest, err := target(o.cmdName, pos, command)
		if err != nil {
			return mcp.Config{}, nil, err
		}
		cfg, err := o.config(url, command)
		return cfg, rest, err
	}
	if len(command) > 0 || len(pos) > 0 && isURL(pos[0]) {
		return mcp.Config{}, nil, usagef("give either --server NAME or a TARGET, not both")
	}
	e, err := config.Lookup(o.configFile, o.serverName)
	if err != nil {
		return mcp.Config{}, nil, err
	}
	flags, err := o.config(e.Config.URL, e.Config.Command)
	if err != nil {
		return mcp.Config{}, nil, err
	}
	cfg := e.With(flags)
	if err := e.Check(cfg); err != nil {
		return mcp.Config{}, nil, err
	}
	return cfg, pos, nil
}

// headerHint is what a usage error shows of a malformed -H argument: its
// first word, the rest as "…". A header without its colon is often a
// credential ("Authorization Bearer …"), and a usage error goes to the
// screen and to CI logs.
func headerHint(h string) string {
	if i := strings.IndexAny(h, " \t=:"); i >= 0 {
		return h[:i] + " …"
	}
	return h
}

// target takes the TARGET from the positionals (unless a stdio command was
// given after --) and returns the rest. name is the command's, for the
// command line a usage error suggests.
func target(name string, pos, command []string) (url string, rest []string, err error) {
	if len(command) > 0 {
		if len(pos) > 0 && isURL(pos[0]) {
			return "", nil, usagef("give either a URL or a command after --, not both")
		}
		return "", pos, nil
	}
	if len(pos) == 0 {
		return "", nil, usagef("missing TARGET: an http(s) URL, or a stdio server after -- (%s -- node server.js stdio)", strings.TrimSpace("sonde "+name))
	}
	if !isURL(pos[0]) {
		if u, ok := config.SuggestURL(pos[0]); ok {
			return "", nil, usagef("TARGET %q has no scheme: did you mean %s?", mcp.RedactURL(pos[0]), mcp.RedactURL(u))
		}
		t := mcp.RedactURL(pos[0])
		line := "sonde"
		if name != "" {
			line += " " + name
		}
		if len(pos) > 1 {
			line += " …"
		}
		return "", nil, usagef("TARGET %q is not an http(s) URL; give a stdio server after -- (%s -- %s)", t, line, t)
	}
	return pos[0], pos[1:], nil
}

// offSpec sets the configuration for a server that does not follow the
// specification: --endpoint, --session-from, --session-header, --lenient.
func (o *options) offSpec(cfg *mcp.Config) error {
	cfg.Lenient = o.lenient
	if o.endpoint == "" {
		if o.sessionFrom != "" || o.sessionHeader != "" {
			return usagef("--session-from and --session-header go with --endpoint TEMPLATE")
		}
		return nil
	}
	if cfg.URL == "" {
		return usagef("--endpoint is for an SSE stream's URL, not a stdio server")
	}
	if t := o.transport; t != "auto" && t != "" && t != "sse" {
		return usagef("--endpoint goes with the SSE transport, not --transport %s", t)
	}
	if err := mcp.CheckEndpointTemplate(o.endpoint); err != nil {
		return usagef("--endpoint: %v", err)
	}
	cfg.Endpoint = o.endpoint
	if o.sessionFrom != "" {
		re, err := regexp.Compile(o.sessionFrom)
		if err != nil {
			return usagef("--session-from: %v", err)
		}
		if re.NumSubexp() != 1 {
			return usagef("--session-from needs exactly one capture group, the session id: 'session=(\\w+)' (it has %d)", re.NumSubexp())
		}
		cfg.SessionFrom = re
	}
	if h := o.sessionHeader; h != "" {
		if !httpguts.ValidHeaderFieldName(h) {
			return usagef("--session-header %q is not a header name", h)
		}
		cfg.SessionHeader = h
	}
	return nil
}

// faultSet parses the --fault flags. Over stdio only the faults on
// messages act; the others are refused rather than silently ignored.
func (o *options) faultSet(stdio bool) (*fault.Set, error) {
	set := fault.NewSet()
	for _, v := range o.faults {
		sp, err := fault.Parse(v)
		if err != nil {
			return nil, usagef("--fault: %v", err)
		}
		if stdio && sp.Kind.HTTPOnly() {
			return nil, usagef("--fault %s needs HTTP: over stdio only delay, duplicate, reorder and corrupt act", sp.Kind)
		}
		set.Add(sp)
	}
	return set, nil
}
