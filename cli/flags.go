package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
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

func (s *sizeFlag) String() string { return strconv.Itoa(int(*s)) }
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

// options are the flags every command shares, plus the per-command ones.
type options struct {
	transport    string
	protocol     string
	bearer       string
	headers      listFlag
	secret       listFlag
	env          listFlag
	timeout      time.Duration
	keepalive    time.Duration
	idleTimeout  time.Duration
	insecure     bool
	verbose      bool
	json         bool
	help         bool
	maxMessage   sizeFlag
	args         string
	output       string
	theme        string
	configFile   string
	serverName   string
	keepaliveSet bool
	idleSet      bool

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
	speed        float64
}

func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("sonde", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.transport, "transport", "auto", "auto|http|sse|stdio")
	fs.StringVar(&o.protocol, "protocol", "", "protocol revision to offer")
	fs.StringVar(&o.bearer, "bearer", "", "bearer token")
	fs.Var(&o.headers, "H", "header 'Name: value' (repeatable)")
	fs.Var(&o.headers, "header", "header 'Name: value' (repeatable)")
	fs.Var(&o.secret, "secret-header", "header name whose value must never be logged (repeatable)")
	fs.Var(&o.env, "env", "KEY=VALUE for a stdio server (repeatable)")
	fs.DurationVar(&o.timeout, "timeout", mcp.DefaultTimeout, "per-request timeout")
	fs.DurationVar(&o.keepalive, "keepalive", mcp.DefaultKeepalive, "ping interval (0 = off)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", mcp.DefaultIdleTimeout, "re-open SSE streams silent this long (0 = off)")
	fs.BoolVar(&o.insecure, "insecure", false, "skip TLS verification")
	fs.BoolVar(&o.verbose, "v", false, "print the event log to stderr")
	fs.BoolVar(&o.verbose, "verbose", false, "print the event log to stderr")
	fs.BoolVar(&o.json, "json", false, "JSON output")
	fs.BoolVar(&o.help, "h", false, "help")
	fs.BoolVar(&o.help, "help", false, "help")
	o.maxMessage = mcp.DefaultMaxMessage
	fs.Var(&o.maxMessage, "max-message", "largest message accepted")
	fs.StringVar(&o.args, "args", "", "tool or prompt arguments as a JSON object")
	fs.StringVar(&o.output, "o", "", "write the content to FILE")
	fs.StringVar(&o.output, "output", "", "write the content to FILE")
	fs.StringVar(&o.theme, "theme", "", "UI theme")
	fs.StringVar(&o.configFile, "config", "", "mcpServers JSON file")
	fs.StringVar(&o.serverName, "server", "", "server name within --config")
	fs.StringVar(&o.elicitation, "elicitation", "", "answer elicitation: accept-defaults, decline or cancel")
	fs.StringVar(&o.sampling, "sampling", "", "answer sampling: reject or reply:TEXT")
	fs.Var(&o.roots, "root", "a root directory offered to the server (repeatable)")
	fs.StringVar(&o.logLevel, "log-level", "", "ask the server for log messages at this level and above")
	fs.StringVar(&o.record, "record", "", "record the session into FILE")
	fs.BoolVar(&o.noRecord, "no-record", false, "do not record the UI session")
	fs.IntVar(&o.keepSessions, "keep-sessions", store.DefaultKeepSessions, "recordings to keep (0 = all)")
	fs.IntVar(&o.keepMB, "keep-mb", store.DefaultKeepBytes>>20, "MB of recordings to keep (0 = all)")
	fs.BoolVar(&o.print, "print", false, "replay: print the log as text")
	fs.StringVar(&o.format, "format", "", "export format: har, md or json")
	fs.Float64Var(&o.speed, "speed", 1, "replay speed, 0.5 to 100 (0 = instant)")
	return fs
}

// parse splits args into flags (anywhere), positionals, and the stdio
// command after the first "--".
func parse(args []string) (*options, []string, []string, error) {
	o := &options{}
	fs := newFlagSet(o)
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
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "keepalive":
			o.keepaliveSet = true
		case "idle-timeout":
			o.idleSet = true
		}
	})
	return o, pos, command, nil
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
		Protocol:      o.protocol,
		Insecure:      o.insecure,
		Timeout:       o.timeout,
		MaxMessage:    int(o.maxMessage),
		SecretHeaders: o.secret,
		EraCache:      mcp.DefaultEraCache(),
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
				return cfg, usagef("bad header %q: write -H 'Name: value'", h)
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

// target takes the TARGET from the positionals (unless a stdio command was
// given after --) and returns the rest.
func target(pos, command []string) (url string, rest []string, err error) {
	if len(command) > 0 {
		if len(pos) > 0 && isURL(pos[0]) {
			return "", nil, usagef("give either a URL or a command after --, not both")
		}
		return "", pos, nil
	}
	if len(pos) == 0 {
		return "", nil, usagef("missing TARGET: an http(s) URL, or a stdio server after -- (sonde tools -- node server.js stdio)")
	}
	if !isURL(pos[0]) {
		return "", nil, usagef("TARGET %q is not an http(s) URL; give a stdio server after -- (sonde tools -- %s)", pos[0], pos[0])
	}
	return pos[0], pos[1:], nil
}
