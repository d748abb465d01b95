package config

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

func TestServerFiles(t *testing.T) {
	t.Setenv("SONDE_TEST_TOKEN", "tok")
	claude := `{"mcpServers":{
		"files":{"command":"npx","args":["-y","@modelcontextprotocol/server-filesystem","/tmp"],"env":{"A":"1"}},
		"remote":{"type":"http","url":"https://example.com/mcp","headers":{"Authorization":"Bearer ${SONDE_TEST_TOKEN}"}},
		"legacy":{"type":"sse","url":"http://localhost:4444/servers/2/sse"},
		"off":{"command":"x","disabled":true}}}`
	es, err := ParseFile([]byte(claude), "Claude Desktop", "/x/claude_desktop_config.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%s|%s|%s", e.Name, e.Config.Transport, e.Target()))
	}
	want := "files||npx -y @modelcontextprotocol/server-filesystem /tmp;legacy|sse|http://localhost:4444/servers/2/sse;remote|http|https://example.com/mcp"
	if strings.Join(got, ";") != want {
		t.Fatalf("got %v", got)
	}
	if es[2].Config.Header.Get("Authorization") != "Bearer tok" {
		t.Fatalf("header env expansion: %v", es[2].Config.Header)
	}
	vscode := `{"inputs":[],"servers":{"gh":{"type":"stdio","command":"gh-mcp","args":["--x"],"cwd":"sub"}}}`
	es, err = ParseFile([]byte(vscode), "VS Code", "/proj/.vscode/mcp.json")
	if err != nil || len(es) != 1 || es[0].Config.Dir != "/proj/.vscode/sub" {
		t.Fatalf("vscode: %v %+v", err, es)
	}
	if _, err := ParseFile([]byte(`{"x":1}`), "bad", "bad.json"); err == nil {
		t.Fatal("a file without servers should be an error")
	}
	// saving a typed server round-trips through the same format
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := Save("local", mcp.Config{URL: "http://127.0.0.1:9/mcp", Transport: mcp.TransportSSE}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "sonde", "servers.json"))
	es, err = ParseFile(data, "saved", "servers.json")
	if err != nil || len(es) != 1 || es[0].Config.URL != "http://127.0.0.1:9/mcp" || es[0].Config.Transport != mcp.TransportSSE {
		t.Fatalf("saved: %v %+v", err, es)
	}
	st, _ := os.Stat(filepath.Join(dir, "sonde", "servers.json"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
}

func TestParseTarget(t *testing.T) {
	c, err := ParseTarget(`node "my server.js" --flag 'a b'`)
	if err != nil || strings.Join(c.Command, "|") != "node|my server.js|--flag|a b" {
		t.Fatalf("%v %q", err, c.Command)
	}
	c, _ = ParseTarget("http://localhost:3000/mcp")
	if c.URL != "http://localhost:3000/mcp" {
		t.Fatal(c)
	}
	if _, err := ParseTarget(`node "unclosed`); err == nil {
		t.Fatal("unclosed quote")
	}
}

// A VS Code mcp.json as VS Code writes it: JSONC (comments, trailing
// commas), an inputs list, ${input:...} and ${workspaceFolder} variables,
// the servers key, and type stdio, http and sse.
const vscodeMCPJSON = `{
	// 💡 Inputs are prompted on first server start, then stored securely by VS Code.
	"inputs": [
		{
			"type": "promptString",
			"id": "github_token",
			"description": "GitHub Personal Access Token",
			"password": true,
		},
	],
	"servers": {
		/* a local stdio server */
		"fetch": {
			"type": "stdio",
			"command": "uvx",
			"args": ["mcp-server-fetch", "--root", "${workspaceFolder}"],
			"env": {"LOG": "debug", "TOKEN": "${input:github_token}"},
		},
		"github": {
			"type": "http",
			"url": "https://api.githubcopilot.com/mcp/",
			"headers": {"Authorization": "Bearer ${input:github_token}"},
		},
		"legacy": {"type": "sse", "url": "http://localhost:3001/sse"}, // trailing comment
	},
}
`

func TestVSCodeFile(t *testing.T) {
	es, err := ParseFile([]byte(vscodeMCPJSON), "VS Code", "/proj/.vscode/mcp.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%s|%s|%s|%v", e.Name, e.Config.Transport, e.Target(), e.Inputs))
	}
	want := []string{
		"fetch||uvx mcp-server-fetch --root ${workspaceFolder}|map[github_token:GitHub Personal Access Token]",
		"github|http|https://api.githubcopilot.com/mcp/|map[github_token:GitHub Personal Access Token]",
		"legacy|sse|http://localhost:3001/sse|map[]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The input can't be prompted for: Check says so, naming it, until a
	// flag replaces the value that holds it.
	gh := es[1]
	err = gh.Check(gh.With(mcp.Config{}))
	if err == nil || !strings.Contains(err.Error(), `github_token (GitHub Personal Access Token)`) {
		t.Fatalf("check: %v", err)
	}
	if err := gh.Check(gh.With(mcp.Config{Bearer: "tok"})); err != nil {
		t.Fatalf("--bearer replaces the Authorization header: %v", err)
	}
	if err := gh.Check(gh.With(mcp.Config{Header: http.Header{"Authorization": {"Bearer tok"}}})); err != nil {
		t.Fatalf("-H replaces the server's header: %v", err)
	}
	fetch := es[0]
	if err := fetch.Check(fetch.With(mcp.Config{Env: []string{"TOKEN=x"}})); err != nil {
		t.Fatalf("--env replaces the server's variable: %v", err)
	}
	if err := es[2].Check(es[2].With(mcp.Config{})); err != nil {
		t.Fatal(err)
	}
	// A syntax error points into the original file.
	_, err = ParseFile([]byte("{\n  // c\n  \"servers\": {\"a\": }\n}"), "VS Code", "x.json")
	if err == nil || !strings.Contains(err.Error(), "x.json") {
		t.Fatalf("bad file: %v", err)
	}
}

// With keeps the server's identity and the flags' settings, and never
// writes into the server's own maps.
func TestWith(t *testing.T) {
	s := Server{Name: "x", Config: mcp.Config{URL: "http://127.0.0.1:1/mcp", Transport: mcp.TransportSSE, Header: http.Header{"X-A": {"1"}, "X-B": {"2"}}}}
	cfg := s.With(mcp.Config{URL: "ignored", Transport: mcp.TransportHTTP, Bearer: "b", Timeout: 5, EraCache: "/e", Header: http.Header{"X-B": {"3"}}})
	if cfg.URL != s.Config.URL || cfg.Transport != mcp.TransportSSE || cfg.Bearer != "b" || cfg.Timeout != 5 || cfg.EraCache != "/e" {
		t.Fatalf("%+v", cfg)
	}
	if cfg.Header.Get("X-A") != "1" || strings.Join(cfg.Header.Values("X-B"), ",") != "3" || s.Config.Header.Get("X-B") != "2" {
		t.Fatalf("headers %v, server's %v", cfg.Header, s.Config.Header)
	}
}

// servers.json is written without empty fields.
func TestSaveWritesNoEmptyFields(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := Save("local", mcp.Config{URL: "http://127.0.0.1:9/mcp"}); err != nil {
		t.Fatal(err)
	}
	if err := Save("cmd", mcp.Config{Command: []string{"node", "server.js"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "sonde", "servers.json"))
	want := `{
  "mcpServers": {
    "cmd": {
      "command": "node",
      "args": [
        "server.js"
      ]
    },
    "local": {
      "url": "http://127.0.0.1:9/mcp"
    }
  }
}
`
	if string(data) != want {
		t.Fatalf("servers.json:\n%s", data)
	}
}

func TestSuggestURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:3911/mcp": "http://127.0.0.1:3911/mcp",
		"localhost:3911/mcp": "http://localhost:3911/mcp",
		"localhost":          "http://localhost",
		"example.com:8080":   "http://example.com:8080",
		"[::1]:3911/mcp":     "http://[::1]:3911/mcp",
		"node":               "",
		"server.js":          "",
		"./server":           "",
		"C:/bin/server.exe":  "", // a port is digits
		"npx -y x":           "",
		"user@host:22":       "",
		"ftp://x":            "",
		"host:99999":         "",
	} {
		got, ok := SuggestURL(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	if _, err := ParseTarget("127.0.0.1:3911/mcp"); err == nil || !strings.Contains(err.Error(), "did you mean http://127.0.0.1:3911/mcp?") {
		t.Errorf("picker: %v", err)
	}
}

// servers.json keeps no secret: a typed URL's credential-like query values
// become ${input:NAME} (asked again when the server is chosen) and its
// password is dropped.
func TestSaveKeepsNoURLSecret(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := Save("remote", mcp.Config{URL: "https://ann:pa55w0rd@example.com/mcp?token=tok%2F123&page=2&api_key=k3y-9z"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "sonde", "servers.json"))
	for _, secret := range []string{"tok%2F123", "tok/123", "k3y-9z", "pa55w0rd"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("servers.json holds %q:\n%s", secret, data)
		}
	}
	if !strings.Contains(string(data), `"url": "https://ann@example.com/mcp?token=${input:token}&page=2&api_key=${input:api_key}"`) {
		t.Fatalf("servers.json:\n%s", data)
	}
	list, perr := ParseFile(data, "saved", "servers.json")
	if perr != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, perr)
	}
	s := list[0]
	err := s.Check(s.With(mcp.Config{}))
	if err == nil || !strings.Contains(err.Error(), "api_key, token") || !strings.Contains(err.Error(), "not stored") {
		t.Fatalf("Check: %v", err)
	}
}
