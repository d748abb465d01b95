package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Test fixtures stay out of the product binary: the hostile server (every
// escape sequence a terminal obeys) is for tests and scripts/e2e-hostile only.
func TestFixturesNotLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list listed %d packages: %q", len(deps), deps)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "github.com/sonde-mcp/sonde/internal/") && strings.HasSuffix(p, "test") || p == "github.com/sonde-mcp/sonde/internal/hostile" {
			t.Errorf("sonde links the test fixture %s", p)
		}
	}
}

// goListImports runs `go list -deps` on pkgs and returns every package in
// their dependency graph with the packages it imports.
func goListImports(t *testing.T, pkgs ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}"}, pkgs...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) > 0 {
			graph[f[0]] = f[1:]
		}
	}
	if len(graph) < 10 {
		t.Fatalf("go list listed %d packages", len(graph))
	}
	return graph
}

// headless are the packages a headless command (sonde call, record,
// replay --print, doctor, mock, tap) runs on: ARCHITECTURE.md's "Never
// imports Charm" rows.
var headless = []string{"./mcp", "./session", "./store", "./fixture", "./schema", "./policy", "./media",
	"./termsafe", "./redact", "./config", "./doctor", "./oauth", "./fault", "./tap"}

// The headless packages link no terminal UI, no clipboard and no
// encoding/gob: the UI's packages and the go-sdk server (the demo's) stay
// out of them, so that their cost at start-up (package initialisation:
// gob's type registry, the clipboard's PATH look-ups) is paid only by what
// links the UI.
func TestHeadlessDeps(t *testing.T) {
	graph := goListImports(t, headless...)
	for p := range graph {
		for _, bad := range []string{"charm.land/", "github.com/charmbracelet/", "github.com/atotto/clipboard",
			"encoding/gob", "github.com/modelcontextprotocol/go-sdk/mcp", "github.com/sonde-mcp/sonde/ui"} {
			if strings.HasPrefix(p, bad) {
				t.Errorf("a headless package links %s (go list -deps %s)", p, strings.Join(headless, " "))
			}
		}
	}
}

// Two packages in sonde have a cost at init that sonde cannot defer
// without forking a library: encoding/gob builds its type registry (about
// 1.8 M instructions, 7% of sonde's package initialisation), imported by
// the go-sdk's server, which only the demo server uses; and
// github.com/atotto/clipboard looks xclip, xsel, termux-clipboard-set and
// clip.exe up on $PATH (some 50 failed stat calls), imported by bubbles'
// text input and text area for their paste key. This test fails when
// another path brings either in: a new importer should think twice.
func TestInitCostlyImporters(t *testing.T) {
	graph := goListImports(t, ".")
	allowed := map[string][]string{
		"encoding/gob":                               {"github.com/modelcontextprotocol/go-sdk/mcp"},
		"github.com/atotto/clipboard":                {"charm.land/bubbles/v2/textarea", "charm.land/bubbles/v2/textinput"},
		"github.com/modelcontextprotocol/go-sdk/mcp": {"github.com/sonde-mcp/sonde/demo"},
	}
	for dep, want := range allowed {
		var got []string
		for p, imports := range graph {
			if slices.Contains(imports, dep) {
				got = append(got, p)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s is imported by %q, want only %q", dep, got, want)
		}
	}
}
