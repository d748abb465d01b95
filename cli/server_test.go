package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
)

// Headless commands take --config FILE --server NAME (and --server alone,
// from the known server files), with the entry's headers kept.
func TestHeadlessConfigAndServer(t *testing.T) {
	d := startDemo(t, demo.Options{})
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	file := filepath.Join(dir, "mcp.json")
	os.WriteFile(file, []byte(`{
  // VS Code's file is JSONC
  "servers": {"demo": {"type": "http", "url": "`+d.URL+`", "headers": {"X-Test": "1"}},},
}`), 0o600)
	r := run(t, "", "call", "--config", file, "--server", "demo", "echo", "text=hi", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, "hi") {
		t.Fatalf("--config/--server: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "tools", "--config", file, "--server", "nope")
	if r.code != ExitError || !strings.Contains(r.stderr, `no server "nope"`) || !strings.Contains(r.stderr, "it has: demo") {
		t.Fatalf("unknown server: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, "", "tools", "--config", file)
	if r.code != ExitError || !strings.Contains(r.stderr, "--config FILE needs --server NAME") {
		t.Fatalf("--config alone: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, "", "tools", d.URL, "--server", "demo")
	if r.code != ExitError || !strings.Contains(r.stderr, "not both") {
		t.Fatalf("TARGET and --server: exit %d: %s", r.code, r.stderr)
	}
	// Without --config: sonde's own servers.json is among the known files.
	os.MkdirAll(filepath.Join(dir, ".config", "sonde"), 0o700)
	os.WriteFile(filepath.Join(dir, ".config", "sonde", "servers.json"), []byte(`{"mcpServers":{"saved":{"url":"`+d.URL+`"}}}`), 0o600)
	r = run(t, "", "tools", "--server", "saved")
	if r.code != 0 || !strings.Contains(r.stdout, "echo") {
		t.Fatalf("--server from servers.json: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

// A TARGET without a scheme that looks like host:port is suggested as a
// URL, not as a stdio command.
func TestSchemelessTarget(t *testing.T) {
	for _, target := range []string{"127.0.0.1:3911/mcp", "localhost:3911/mcp", "localhost/mcp", "[::1]:3911/mcp"} {
		r := run(t, "", "tools", target)
		if r.code != ExitError || !strings.Contains(r.stderr, "did you mean http://"+target+"?") || strings.Contains(r.stderr, "-- "+target) {
			t.Errorf("%s: exit %d: %s", target, r.code, r.stderr)
		}
	}
	// the command line suggested is the command's own
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tools", "server.js"}, "(sonde tools -- server.js)"},
		{[]string{"call", "server.js", "echo", "text=hi"}, "(sonde call … -- server.js)"},
		{[]string{"server.js"}, "(sonde -- server.js)"},
		{[]string{"call"}, "(sonde call -- node server.js stdio)"},
	} {
		r := run(t, "", c.args...)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: %s", c.args, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"tools", "--version"}} {
		r := run(t, "", args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "sonde ") || !strings.Contains(r.stdout, "\ngo         go1.") {
			t.Errorf("%v: exit %d: %q %s", args, r.code, r.stdout, r.stderr)
		}
	}
	r := run(t, "", "version", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"go":"go1.`) {
		t.Errorf("version --json: %s", r.stdout)
	}
}
