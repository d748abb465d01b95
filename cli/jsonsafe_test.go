package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/sonde-mcp/sonde/internal/hostile"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/termsafe"
)

// Every --json output of a hostile server's strings (C1 controls such as
// U+009B, an 8-bit CSI, and bidi overrides such as U+202E, which JSON
// allows raw) carries them escaped: the same JSON, nothing a terminal acts
// on. Checked for the one-shot commands, the shell, sessions, replay and
// export.
func TestJSONOutputEscapesControls(t *testing.T) {
	h, err := demo.Serve(context.Background(), hostile.NewServer(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	rec := filepath.Join(t.TempDir(), "h.jsonl")
	runs := [][]string{
		{"tools", h.URL, "--json", "--record", rec},
		{"call", h.URL, hostile.ToolResult, "--json"},
		{"resources", h.URL, "--json"},
		{"prompts", h.URL, "--json"},
	}
	check := func(args []string, out string) {
		t.Helper()
		for _, r := range out {
			if termsafe.IsJSONUnsafe(r) && r != '\r' {
				t.Fatalf("%v: %U reached the output", args, r)
			}
		}
		if !utf8.ValidString(out) || strings.Contains(out, "\r") {
			t.Fatalf("%v: invalid UTF-8 or a carriage return in the output", args)
		}
		d := json.NewDecoder(strings.NewReader(out))
		for d.More() {
			var v any
			if err := d.Decode(&v); err != nil {
				t.Fatalf("%v: the output is no longer JSON: %v", args, err)
			}
		}
	}
	sawEscape := false
	for _, args := range runs {
		r := run(t, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		check(args, r.stdout)
		sawEscape = sawEscape || strings.Contains(r.stdout, `\u009b`) && strings.Contains(r.stdout, `\u202e`)
	}
	if !sawEscape {
		t.Fatal(`no \u009b and \u202e in the outputs: the hostile strings are not in them`)
	}
	for _, args := range [][]string{
		{"shell", h.URL, "--json"},
		{"replay", rec, "--json"},
		{"export", rec, "--format", "json"},
	} {
		stdin := ""
		if args[0] == "shell" {
			stdin = "tools\ncall " + hostile.ToolResult + "\n"
		}
		r := run(t, stdin, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		check(args, r.stdout)
		if !bytes.Contains([]byte(r.stdout), []byte(`\u202e`)) {
			t.Fatalf(`%v: no \u202e: the hostile strings are not in the output`, args)
		}
	}
}

// sonde sessions lists a file named like a recording that is none (empty
// here) as unreadable, with the reason, instead of passing over it.
func TestSessionsListsUnreadableFiles(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	dir := filepath.Join(data, "sonde", "sessions")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "empty.jsonl"), nil, 0o600)
	r := run(t, "", "sessions")
	if r.code != 0 || !strings.Contains(r.stdout, "(unreadable)") || !strings.Contains(r.stdout, "empty.jsonl: not a sonde recording (empty") {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "sessions", "--json")
	if !strings.Contains(r.stdout, `"unreadable":"not a sonde recording (empty`) {
		t.Fatalf("--json: %s", r.stdout)
	}
}
