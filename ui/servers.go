package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// serverEntry is a server the picker offers: saved by sonde, or imported
// from another client's configuration.
type serverEntry struct {
	Name   string
	Source string // "saved", "Claude Desktop", ".mcp.json", "VS Code", or a file name
	Path   string // the file it came from
	Config mcp.Config
}

// Target is how the entry is shown: the URL or the command line.
func (s serverEntry) Target() string { return s.Config.Target() }

// serverDef is one server in an mcpServers (Claude Desktop, .mcp.json) or
// servers (VS Code) map.
type serverDef struct {
	Type      string            `json:"type"`
	Transport string            `json:"transport"`
	URL       string            `json:"url"`
	ServerURL string            `json:"serverUrl"`
	Command   string            `json:"command"`
	Args      []string          `json:"args"`
	Env       map[string]string `json:"env"`
	Cwd       string            `json:"cwd"`
	Headers   map[string]string `json:"headers"`
	Disabled  bool              `json:"disabled"`
}

// parseServerFile reads the mcpServers shape ({"mcpServers": {name: def}})
// and VS Code's ({"servers": {name: def}}).
func parseServerFile(data []byte, source, path string) ([]serverEntry, error) {
	var doc struct {
		MCPServers map[string]serverDef `json:"mcpServers"`
		Servers    map[string]serverDef `json:"servers"`
		MCP        *struct {
			Servers map[string]serverDef `json:"servers"`
		} `json:"mcp"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
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
	var out []serverEntry
	for _, name := range names {
		d := defs[name]
		if d.Disabled {
			continue
		}
		cfg, err := d.config(filepath.Dir(path))
		if err != nil {
			continue
		}
		out = append(out, serverEntry{Name: name, Source: source, Path: path, Config: cfg})
	}
	return out, nil
}

func (d serverDef) config(baseDir string) (mcp.Config, error) {
	var cfg mcp.Config
	u := firstNonEmpty(d.URL, d.ServerURL)
	typ := strings.ToLower(firstNonEmpty(d.Type, d.Transport))
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

// configDir is sonde's configuration directory.
func configDir() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "sonde")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".config", "sonde")
	}
	return ""
}

// savedServersPath is where sonde keeps the servers typed in the picker,
// in the same mcpServers shape so other tools can read it.
func savedServersPath() string {
	d := configDir()
	if d == "" {
		return ""
	}
	return filepath.Join(d, "servers.json")
}

// knownServerFiles lists the configuration files sonde imports from, in
// order: its own, then Claude Desktop, Claude Code (.mcp.json), VS Code.
func knownServerFiles(cwd, home string) [][2]string {
	files := [][2]string{{"saved", savedServersPath()}}
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
			cfg := os.Getenv("XDG_CONFIG_HOME")
			if cfg == "" {
				cfg = filepath.Join(home, ".config")
			}
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

// discoverServers reads every known file that exists (IO: call it from a
// command or before the program starts). Errors are returned per file.
func discoverServers(extra string) ([]serverEntry, []error) {
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	files := knownServerFiles(cwd, home)
	if extra != "" {
		files = append([][2]string{{filepath.Base(extra), extra}}, files...)
	}
	var out []serverEntry
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
		es, err := parseServerFile(data, f[0], f[1])
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, es...)
	}
	return out, errs
}

// saveServer adds or replaces a server in sonde's own servers file.
func saveServer(name string, cfg mcp.Config) error {
	p := savedServersPath()
	if p == "" {
		return errors.New("no configuration directory")
	}
	doc := map[string]map[string]serverDef{"mcpServers": {}}
	if data, err := os.ReadFile(p); err == nil {
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if doc["mcpServers"] == nil {
			doc["mcpServers"] = map[string]serverDef{}
		}
	}
	d := serverDef{}
	if cfg.URL != "" {
		d.URL = cfg.URL
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
	data, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, append(data, '\n'), 0o600)
}

// parseTarget turns what the user typed into a config: an http(s) URL, or
// a command line (words split like a shell would, with quotes).
func parseTarget(s string) (mcp.Config, error) {
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
	words, err := splitWords(s)
	if err != nil {
		return mcp.Config{}, err
	}
	return mcp.Config{Command: words}, nil
}

func splitWords(s string) ([]string, error) {
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

// nameFor makes a short name for a typed target.
func nameFor(cfg mcp.Config) string {
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
