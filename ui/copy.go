package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/dialog/detail"
	"github.com/sonde-mcp/sonde/ui/form"
)

// copyFormat is a clipboard format for an event.
type copyFormat int

const (
	copyJSON  copyFormat = iota // the JSON-RPC message, pretty
	copyCurl                    // a curl command that sends the request again
	copySonde                   // a sonde CLI command that does the same
)

func (f copyFormat) String() string {
	return [...]string{"JSON", "curl command", "sonde command"}[f]
}

// copyText renders the entry in format f. For an answer, curl and sonde
// use the request it answers.
func (m *Model) copyText(en *entry, f copyFormat) (string, error) {
	e := &en.Ev
	if f == copyJSON {
		if len(e.Raw) > 0 {
			return form.SafeJSON(prettyJSON(e.Raw)), nil
		}
		return form.SafeJSON(prettyValue(detail.Facts(e))), nil
	}
	req := en
	if !(e.Dir == mcp.DirOut && (e.RPC == mcp.RPCRequest || e.RPC == mcp.RPCNotification)) {
		if e.ID == "" || e.Dir != mcp.DirIn {
			return "", errors.New("select a request sonde sent (or its answer) to copy it as a command")
		}
		req = m.panes.log.RequestBefore(e.ID, en)
		if req == nil {
			return "", errors.New("the request for this answer is no longer in the log")
		}
	}
	if f == copyCurl {
		return curlCommand(&req.Ev, m.opts.Config)
	}
	return sondeCommand(&req.Ev, m.opts.Config)
}

// shellQuote quotes s for a POSIX shell. Text with control characters
// (a hostile tool name) is written with ANSI-C quoting ($'...', bash, zsh,
// ksh and POSIX.1-2024 sh), so the command stays exact and pasting it
// never sends a control character to the terminal or the shell.
func shellQuote(s string) string {
	// U+FFFD is unsafe only for the text widgets; in a shell it is a
	// printable character like any other
	unsafe := func(r rune) bool { return form.IsUnsafeRune(r) && r != utf8.RuneError }
	if strings.IndexFunc(s, unsafe) >= 0 || strings.ContainsAny(s, "\n\t") {
		var b strings.Builder
		b.WriteString("$'")
		for _, r := range s {
			switch {
			case r == '\'' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, "\\x%02x", r)
			case unsafe(r):
				fmt.Fprintf(&b, "\\u%04x", r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('\'')
		return b.String()
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// curlCommand rebuilds the HTTP request that carried e. Secret header
// values were never kept; they become environment variable references
// (double-quoted so the shell expands them).
func curlCommand(e *mcp.Event, cfg mcp.Config) (string, error) {
	if e.Stream != "POST" || e.URL == "" {
		if len(cfg.Command) > 0 {
			return "", errors.New("a stdio server has no HTTP request to copy; use the sonde command")
		}
		return "", errors.New("this message did not travel in an HTTP POST")
	}
	var b strings.Builder
	b.WriteString("curl -sS -N -X POST " + shellQuote(e.URL))
	names := make([]string, 0, len(e.Header))
	for k := range e.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "User-Agent", "Accept-Encoding", "Last-Event-Id":
			continue
		}
		for _, v := range e.Header[k] {
			if strings.Contains(v, mcp.Redacted) {
				env := envName(k)
				v = strings.ReplaceAll(v, mcp.Redacted, "${"+env+"}")
				b.WriteString(" \\\n  -H \"" + k + ": " + strings.ReplaceAll(v, `"`, `\"`) + "\"")
				continue
			}
			b.WriteString(" \\\n  -H " + shellQuote(k+": "+v))
		}
	}
	b.WriteString(" \\\n  --data-raw " + shellQuote(form.SafeJSON(string(e.Raw))))
	return b.String(), nil
}

func envName(header string) string {
	if strings.EqualFold(header, "Authorization") {
		return "MCP_TOKEN"
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(header) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// sondeCommand turns a request into the headless CLI command that makes
// it: `sonde call TARGET TOOL --args JSON`, `sonde read TARGET URI`,
// `sonde prompt TARGET NAME KEY=VALUE...`, `sonde tools TARGET`; other
// methods become a `sonde shell` one-liner where the shell has them.
// Names, URIs and keys come from the server: none may be read as a flag
// when the command is pasted (a tool named "--record=FILE" would truncate
// FILE), so one beginning with - goes in --name=/--uri=, whose value is
// never a flag, and prompt arguments whose keys KEY=VALUE cannot carry
// exactly go in --args.
func sondeCommand(e *mcp.Event, cfg mcp.Config) (string, error) {
	var req struct {
		Params struct {
			Name      string          `json:"name"`
			URI       string          `json:"uri"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"params"`
	}
	json.Unmarshal(e.Raw, &req)
	p := req.Params
	var args []string
	switch e.Method {
	case "tools/call":
		args = []string{"call", "TARGET", positional("--name", p.Name)}
		if a := compactArgs(p.Arguments); a != "" {
			args = append(args, "--args", form.SafeJSON(a))
		}
	case "resources/read":
		args = []string{"read", "TARGET", positional("--uri", p.URI)}
	case "prompts/get":
		args = []string{"prompt", "TARGET", positional("--name", p.Name)}
		var kv map[string]string
		json.Unmarshal(p.Arguments, &kv)
		keys := make([]string, 0, len(kv))
		plain := true
		for k := range kv {
			keys = append(keys, k)
			plain = plain && plainKey(k)
		}
		sort.Strings(keys)
		if !plain {
			args = append(args, "--args", form.SafeJSON(compactArgs(p.Arguments)))
			break
		}
		for _, k := range keys {
			args = append(args, k+"="+kv[k])
		}
	case "tools/list":
		args = []string{"tools", "TARGET"}
	case "resources/list":
		args = []string{"resources", "TARGET"}
	case "resources/templates/list":
		args = []string{"templates", "TARGET"}
	case "prompts/list":
		args = []string{"prompts", "TARGET"}
	case "ping":
		return joinCommand(cfg, []string{"shell", "TARGET"}, "echo ping | "), nil
	default:
		return "", fmt.Errorf("sonde's CLI has no command for %s; copy it as curl or JSON", e.Method)
	}
	return joinCommand(cfg, args, ""), nil
}

// positional writes a server-provided TOOL, NAME or URI: as is, unless
// the flag parser would take it for a flag (it begins with -); then as
// flag=value.
func positional(flag, v string) string {
	if strings.HasPrefix(v, "-") {
		return flag + "=" + v
	}
	return v
}

// plainKey reports whether a prompt argument named k survives KEY=VALUE:
// not a flag, no "=" or ":=" to split on, no "." building nested objects.
func plainKey(k string) bool {
	if k == "" || k[0] == '-' {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func compactArgs(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return ""
	}
	return compactJSONString(raw)
}

// joinCommand renders `sonde ARGS` with TARGET replaced by the URL, or
// removed and the stdio command appended after `--`.
func joinCommand(cfg mcp.Config, args []string, prefix string) string {
	out := []string{"sonde"}
	for _, a := range args {
		if a == "TARGET" {
			if cfg.URL != "" {
				out = append(out, shellQuote(mcp.RedactURL(cfg.URL)))
			}
			continue
		}
		out = append(out, shellQuote(a))
	}
	if cfg.Transport != "" && cfg.Transport != mcp.TransportAuto && len(cfg.Command) == 0 {
		out = append(out, "--transport", string(cfg.Transport))
	}
	if cfg.Bearer != "" {
		out = append(out, `--bearer "${MCP_TOKEN}"`)
	}
	names := make([]string, 0, len(cfg.Header))
	for k := range cfg.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range cfg.Header[k] {
			if mcp.IsSecretHeader(k, cfg.SecretHeaders) {
				out = append(out, "-H", `"`+k+": ${"+envName(k)+`}"`)
			} else {
				out = append(out, "-H", shellQuote(k+": "+v))
			}
		}
	}
	if len(cfg.Command) > 0 {
		out = append(out, "--")
		for _, a := range cfg.Command {
			out = append(out, shellQuote(a))
		}
	}
	return prefix + strings.Join(out, " ")
}
