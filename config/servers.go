package config

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// Server is a server sonde knows: saved by sonde, or imported from another
// client's configuration.
type Server struct {
	Name   string
	Source string // "saved", "Claude Desktop", ".mcp.json", "VS Code", or a file name
	Path   string // the file it came from
	Config mcp.Config
	// Inputs are the VS Code inputs (${input:ID}) the server's settings
	// use, by ID, with their descriptions: VS Code prompts for them, sonde
	// cannot, so they stay in the settings as written (see Check).
	Inputs map[string]string
}

// Target is how the server is shown: the URL or the command line.
func (s Server) Target() string { return s.Config.Target() }

// serverDef is one server in an mcpServers (Claude Desktop, .mcp.json) or
// servers (VS Code) map. Empty fields are left out when sonde writes one.
type serverDef struct {
	Type      string            `json:"type,omitempty"`
	Transport string            `json:"transport,omitempty"`
	URL       string            `json:"url,omitempty"`
	ServerURL string            `json:"serverUrl,omitempty"`
	Command   string            `json:"command,omitempty"`
	Args      []string          `json:"args,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	Cwd       string            `json:"cwd,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Disabled  bool              `json:"disabled,omitempty"`
}

// ParseFile reads the mcpServers shape ({"mcpServers": {name: def}}) and
// VS Code's ({"servers": {name: def}}). Disabled servers and servers with
// neither url nor command are left out.
func ParseFile(data []byte, source, path string) ([]Server, error) {
	var doc struct {
		Inputs []struct {
			ID          string `json:"id"`
			Description string `json:"description"`
		} `json:"inputs"`
		MCPServers map[string]serverDef `json:"mcpServers"`
		Servers    map[string]serverDef `json:"servers"`
		MCP        *struct {
			Servers map[string]serverDef `json:"servers"`
		} `json:"mcp"`
	}
	std, err := standardJSON(data)
	if err == nil {
		err = json.Unmarshal(std, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defs := map[string]serverDef{}
	for k, v := range doc.Servers {
		defs[k] = v
	}
	if doc.MCP != nil {
		for k, v := range doc.MCP.Servers {
			defs[k] = v
		}
	}
	for k, v := range doc.MCPServers {
		defs[k] = v
	}
	if len(defs) == 0 && doc.MCPServers == nil && doc.Servers == nil {
		return nil, fmt.Errorf("%s: no mcpServers or servers object", path)
	}
	names := make([]string, 0, len(defs))
	for k := range defs {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []Server
	for _, name := range names {
		d := defs[name]
		if d.Disabled {
			continue
		}
		cfg, err := d.config(filepath.Dir(path))
		if err != nil {
			continue
		}
		e := Server{Name: name, Source: source, Path: path, Config: cfg}
		for _, id := range inputRefs(cfg) {
			if e.Inputs == nil {
				e.Inputs = map[string]string{}
			}
			e.Inputs[id] = ""
			for _, in := range doc.Inputs {
				if in.ID == id {
					e.Inputs[id] = in.Description
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (d serverDef) config(baseDir string) (mcp.Config, error) {
	var cfg mcp.Config
	u := cmp.Or(d.URL, d.ServerURL)
	typ := strings.ToLower(cmp.Or(d.Type, d.Transport))
	switch {
	case u != "":
		cfg.URL = expandVars(u)
		switch typ {
		case "sse":
			cfg.Transport = mcp.TransportSSE
		case "http", "streamable-http", "streamablehttp", "streamable_http":
			cfg.Transport = mcp.TransportHTTP
		}
		if len(d.Headers) > 0 {
			cfg.Header = http.Header{}
			for k, v := range d.Headers {
				cfg.Header.Set(k, expandVars(v))
			}
		}
	case d.Command != "":
		cfg.Command = append([]string{expandVars(d.Command)}, mapStrings(d.Args, expandVars)...)
		for k, v := range d.Env {
			cfg.Env = append(cfg.Env, k+"="+expandVars(v))
		}
		sort.Strings(cfg.Env)
		if d.Cwd != "" {
			cfg.Dir = expandVars(d.Cwd)
			if !filepath.IsAbs(cfg.Dir) {
				cfg.Dir = filepath.Join(baseDir, cfg.Dir)
			}
		}
	default:
		return cfg, errors.New("neither url nor command")
	}
	return cfg, nil
}

func mapStrings(s []string, f func(string) string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// expandVars expands ${VAR} and ${env:VAR} (VS Code) from the environment;
// other ${...} forms (VS Code inputs) are left alone.
func expandVars(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return os.Expand(s, func(name string) string {
		n := strings.TrimPrefix(name, "env:")
		if strings.ContainsAny(n, ":{}") {
			return "${" + name + "}"
		}
		if v, ok := os.LookupEnv(n); ok {
			return v
		}
		return "${" + name + "}"
	})
}

// SavedPath is where sonde keeps the servers typed in the picker,
// ConfigDir()/servers.json, in the mcpServers shape so other tools can read
// it. "" when there is no configuration directory.
func SavedPath() string { return join(ConfigDir(), "servers.json") }

// knownServerFiles lists the configuration files sonde imports from, in
// order: its own, then Claude Desktop, Claude Code (.mcp.json), VS Code.
func knownServerFiles(cwd, home string) [][2]string {
	files := [][2]string{{"saved", SavedPath()}}
	if home != "" {
		switch runtime.GOOS {
		case "darwin":
			files = append(files, [2]string{"Claude Desktop", filepath.Join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json")})
			files = append(files, [2]string{"VS Code", filepath.Join(home, "Library", "Application Support", "Code", "User", "mcp.json")})
		case "windows":
			if a := os.Getenv("APPDATA"); a != "" {
				files = append(files, [2]string{"Claude Desktop", filepath.Join(a, "Claude", "claude_desktop_config.json")})
				files = append(files, [2]string{"VS Code", filepath.Join(a, "Code", "User", "mcp.json")})
			}
		default:
			cfg := xdgHome("XDG_CONFIG_HOME", ".config")
			files = append(files, [2]string{"Claude Desktop", filepath.Join(cfg, "Claude", "claude_desktop_config.json")})
			files = append(files, [2]string{"VS Code", filepath.Join(cfg, "Code", "User", "mcp.json")})
		}
	}
	if cwd != "" {
		files = append(files, [2]string{".mcp.json", filepath.Join(cwd, ".mcp.json")})
		files = append(files, [2]string{"VS Code", filepath.Join(cwd, ".vscode", "mcp.json")})
	}
	return files
}

// Discover reads every known file that exists, extra (a --config file)
// first. Errors are returned per file; a missing extra is one of them.
func Discover(extra string) ([]Server, []error) {
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	files := knownServerFiles(cwd, home)
	if extra != "" {
		files = append([][2]string{{filepath.Base(extra), extra}}, files...)
	}
	var out []Server
	var errs []error
	seen := map[string]bool{}
	for _, f := range files {
		if f[1] == "" || seen[f[1]] {
			continue
		}
		seen[f[1]] = true
		data, err := os.ReadFile(f[1])
		if err != nil {
			if !os.IsNotExist(err) || f[1] == extra {
				errs = append(errs, err)
			}
			continue
		}
		es, err := ParseFile(data, f[0], f[1])
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, es...)
	}
	return out, errs
}

// withoutSecrets is a URL as servers.json keeps it: the values of its
// credential-like query parameters ([mcp.IsSecretQuery]) replaced by
// ${input:NAME}, which [Server.Check] refuses to send and the UI's picker
// asks for again, and its password dropped. sonde has no credential store
// yet; a secret it does not keep cannot leak from the file.
func withoutSecrets(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	var rawQuery string
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, kv := range parts {
			k, _, _ := strings.Cut(kv, "=")
			if name, err := url.QueryUnescape(k); err == nil && mcp.IsSecretQuery(name) {
				parts[i] = k + "=${input:" + name + "}"
			}
		}
		// Kept out of u: URL.String would escape the placeholders.
		rawQuery, u.RawQuery, u.ForceQuery = strings.Join(parts, "&"), "", false
	}
	if rawQuery == "" {
		return u.String()
	}
	return u.String() + "?" + rawQuery
}

// Save adds or replaces a server in sonde's own servers file (0600). A
// URL is saved without its secrets (see withoutSecrets).
func Save(name string, cfg mcp.Config) error {
	p := SavedPath()
	if p == "" {
		return errors.New("no configuration directory")
	}
	doc := map[string]map[string]serverDef{"mcpServers": {}}
	if data, err := os.ReadFile(p); err == nil {
		if data, err = standardJSON(data); err == nil {
			err = json.Unmarshal(data, &doc)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if doc["mcpServers"] == nil {
			doc["mcpServers"] = map[string]serverDef{}
		}
	}
	d := serverDef{}
	if cfg.URL != "" {
		d.URL = withoutSecrets(cfg.URL)
		switch cfg.Transport {
		case mcp.TransportSSE:
			d.Type = "sse"
		case mcp.TransportHTTP:
			d.Type = "http"
		}
	} else if len(cfg.Command) > 0 {
		d.Command, d.Args = cfg.Command[0], cfg.Command[1:]
	}
	doc["mcpServers"][name] = d
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false) // a URL's & stays readable
	enc.SetIndent("", "  ")
	enc.Encode(doc)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, data.Bytes(), 0o600)
}

// ParseTarget turns what the user typed into a config: an http(s) URL, or
// a command line (words split like a shell would, with quotes).
func ParseTarget(s string) (mcp.Config, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return mcp.Config{}, errors.New("type a URL or a command")
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		if strings.ContainsAny(s, " \t") {
			return mcp.Config{}, errors.New("a URL has no spaces")
		}
		return mcp.Config{URL: s}, nil
	}
	if u, ok := SuggestURL(s); ok {
		return mcp.Config{}, fmt.Errorf("no scheme: did you mean %s?", u)
	}
	words, err := SplitWords(s)
	if err != nil {
		return mcp.Config{}, err
	}
	return mcp.Config{Command: words}, nil
}

// SplitWords splits a line into words as a shell would: on spaces and
// tabs, with '...' and "..." quoting and backslash escapes (none inside
// single quotes).
func SplitWords(s string) ([]string, error) {
	var out []string
	var b strings.Builder
	inWord := false
	quote := rune(0)
	esc := false
	for _, r := range s {
		switch {
		case esc:
			b.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			esc, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				b.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unclosed quote")
	}
	if inWord {
		out = append(out, b.String())
	}
	return out, nil
}

// NameFor makes a short name for a typed target.
func NameFor(cfg mcp.Config) string {
	if cfg.URL != "" {
		s := strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "https://"), "http://")
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		return strings.TrimSuffix(s, "/")
	}
	if len(cfg.Command) > 0 {
		return filepath.Base(cfg.Command[len(cfg.Command)-1])
	}
	return "server"
}

// With is the server's configuration under the connection flags of the
// command line (flags): the server keeps what identifies it (URL or
// command, working directory, transport if it names one) and adds its
// credentials, headers and environment to the flags'; everything else
// (timeouts, limits, protocol, TLS, client identity, era cache) comes from
// flags. The server's own maps are not modified.
func (s Server) With(flags mcp.Config) mcp.Config {
	cfg := flags
	cfg.URL, cfg.Command, cfg.Dir = s.Config.URL, s.Config.Command, s.Config.Dir
	cfg.Transport = cmp.Or(s.Config.Transport, flags.Transport)
	cfg.Bearer = cmp.Or(s.Config.Bearer, flags.Bearer)
	cfg.Env = append(slices.Clone(s.Config.Env), flags.Env...)
	cfg.Header = s.Config.Header.Clone()
	if len(flags.Header) > 0 {
		if cfg.Header == nil {
			cfg.Header = http.Header{}
		}
		for k, vs := range flags.Header {
			cfg.Header[k] = slices.Clone(vs) // -H NAME replaces the server's NAME
		}
	}
	return cfg
}

// Check says whether cfg (the server's configuration, after With) can be
// used: a VS Code input still in it would go to the server as the literal
// text ${input:ID}.
func (s Server) Check(cfg mcp.Config) error {
	ids := inputRefs(cfg)
	if len(ids) == 0 {
		return nil
	}
	var parts []string
	for _, id := range ids {
		if d := s.Inputs[id]; d != "" {
			id += " (" + d + ")"
		}
		parts = append(parts, id)
	}
	if s.Source == "saved" {
		return fmt.Errorf("the saved server %q needs %s, which sonde has not stored: pick it in the UI (which asks for it), or give its URL with the value as TARGET",
			s.Name, strings.Join(parts, ", "))
	}
	return fmt.Errorf("server %q uses VS Code input %s, which VS Code prompts for and sonde cannot: give the value with --bearer, -H 'Name: value' or --env KEY=VALUE, which replace the server's own",
		s.Name, strings.Join(parts, ", "))
}

// inputRefs lists the IDs of the ${input:ID} references left in cfg,
// where a later --env or -H of the same name has not replaced them.
func inputRefs(cfg mcp.Config) []string {
	var ids []string
	scan := func(v string) {
		for {
			i := strings.Index(v, "${input:")
			if i < 0 {
				return
			}
			v = v[i+len("${input:"):]
			j := strings.IndexByte(v, '}')
			if j < 0 {
				return
			}
			if id := v[:j]; !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
			v = v[j+1:]
		}
	}
	scan(cfg.URL)
	scan(cfg.Bearer)
	for _, w := range cfg.Command {
		scan(w)
	}
	env := map[string]string{} // the last KEY=VALUE wins, as in os/exec
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, v := range env {
		scan(v)
	}
	for k, vs := range cfg.Header {
		if cfg.Bearer != "" && http.CanonicalHeaderKey(k) == "Authorization" {
			continue // --bearer replaces it on the wire
		}
		for _, v := range vs {
			scan(v)
		}
	}
	slices.Sort(ids)
	return ids
}

// Lookup finds the server called name (the --server NAME of every
// command): in file (--config FILE), or without one in the known server
// files (Discover's order, the first match wins).
func Lookup(file, name string) (Server, error) {
	var es []Server
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return Server{}, err
		}
		if es, err = ParseFile(data, file, file); err != nil {
			return Server{}, err
		}
	} else {
		es, _ = Discover("")
	}
	var names []string
	for _, e := range es {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	where := file
	if where == "" {
		where = "the known server files (see sonde --help)"
	}
	if len(names) == 0 {
		return Server{}, fmt.Errorf("no server %q in %s: no servers found there", name, where)
	}
	if len(names) > 20 {
		names = append(names[:20], "…")
	}
	return Server{}, fmt.Errorf("no server %q in %s (it has: %s)", name, where, strings.Join(names, ", "))
}

// SuggestURL says whether s, given where a URL or a command was expected,
// looks like a URL without its scheme (127.0.0.1:3911/mcp, localhost:3000,
// host:port/path, [::1]:8080/mcp) and returns it with http:// in front.
// A command line never looks like that: a port is all digits, and a
// program name has no colon.
func SuggestURL(s string) (string, bool) {
	if s == "" || strings.ContainsAny(s, " \t") || strings.Contains(s, "://") {
		return "", false
	}
	u, err := url.Parse("http://" + s)
	if err != nil || u.Host == "" || u.User != nil {
		return "", false
	}
	host, port := u.Hostname(), u.Port()
	switch {
	case port != "":
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", false
		}
	case host != "localhost":
		return "", false
	}
	return "http://" + s, true
}
