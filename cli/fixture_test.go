package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
)

// recordDemo records a sonde shell session against the demo server.
func recordDemo(t *testing.T, script string) string {
	t.Helper()
	d := startDemo(t, demo.Options{Era: demo.EraLegacy})
	path := filepath.Join(t.TempDir(), "demo.jsonl")
	if r := run(t, script, "shell", d.URL, "--record", path); r.code != 0 {
		t.Fatalf("recording: exit %d: %s", r.code, r.stderr)
	}
	return path
}

// sonde mock FILE serves the recording over HTTP at a free port whose URL
// is the one line on stdout; sonde call against it gets the recorded
// answer, and an unrecorded call an error naming the closest recorded
// one. The mock logs both sessions on stderr and records its own session
// with --record.
func TestMockCommand(t *testing.T) {
	path := recordDemo(t, "call echo text=hello\n")
	own := filepath.Join(t.TempDir(), "mock.jsonl")
	outR, outW := io.Pipe()
	var errb lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"mock", path, "--speed", "instant", "--record", own}, Env{Stdin: strings.NewReader(""), Stdout: outW, Stderr: &errb})
		outW.Close()
	}()
	url, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, outR)
	url = strings.TrimSpace(url)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/mcp") {
		t.Fatalf("URL line %q", url)
	}
	if r := run(t, "", "call", url, "echo", "text=hello"); r.code != 0 || !strings.Contains(r.stdout, "hello") {
		t.Errorf("call: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r := run(t, "", "call", url, "echo", "text=bye")
	if r.code != ExitError || !strings.Contains(r.stderr, "closest recorded: tools/call") || !strings.Contains(r.stderr, `"text":"hello"`) {
		t.Errorf("unrecorded call: exit %d: %s", r.code, r.stderr)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("mock exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the mock did not stop")
	}
	log := errb.String()
	for _, want := range []string{"sonde: mock of", "tools/call", "no recorded answer"} {
		if !strings.Contains(log, want) {
			t.Errorf("mock log lacks %q:\n%s", want, log)
		}
	}
	b, err := os.ReadFile(own)
	if err != nil || !strings.Contains(string(b), `"method":"tools/call"`) {
		t.Errorf("the mock's own recording: %v\n%.300s", err, b)
	}
}

// sonde mock --stdio answers a client on stdin and stdout; lines that are
// not JSON-RPC get an error answer and the session goes on.
func TestMockCommandStdio(t *testing.T) {
	path := recordDemo(t, "tools\n")
	in := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
not json
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":"x","method":"tools/list"}
`
	r := run(t, in, "mock", path, "--stdio", "--speed", "instant")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines on stdout:\n%s", len(lines), r.stdout)
	}
	joined := r.stdout
	for _, want := range []string{`"id":1,`, `"code":-32700`, `"id":"x"`, `"tools":[`} {
		if !strings.Contains(joined, want) {
			t.Errorf("stdout lacks %s:\n%s", want, joined)
		}
	}
	if r := run(t, "", "mock", path, "--stdio", "--listen", "127.0.0.1:0"); r.code != ExitError || !strings.Contains(r.stderr, "contradict") {
		t.Errorf("--stdio with --listen: exit %d: %s", r.code, r.stderr)
	}
}

// A file that is not a recording, and a recording without a client's
// request, are refused with one clear line.
func TestMockRefusesWhatItCannotServe(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.jsonl")
	os.WriteFile(junk, []byte("hello\n"), 0o600)
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, []byte(`{"format":"sonde-recording","version":1,"start":"2026-11-22T03:10:01Z","target":"x","transport":"auto"}`+"\n"+
		`{"t_ns":0,"seq":1,"dir":"meta","kind":"state","state":"connecting"}`+"\n"), 0o600)
	for file, want := range map[string]string{junk: "not a sonde recording", empty: "no request of a client"} {
		r := run(t, "", "mock", file, "--stdio")
		if r.code != ExitError || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: exit %d: %q", filepath.Base(file), r.code, r.stderr)
		}
	}
}

// sonde rerun FILE TARGET: against the recorded server it exits 0 and
// says same for each request; against another build it exits 6, and
// --json says what changed where.
func TestRerunCommand(t *testing.T) {
	d := startDemo(t, demo.Options{Era: demo.EraLegacy})
	path := filepath.Join(t.TempDir(), "demo.jsonl")
	if r := run(t, "tools\ncall echo text=hello\n", "shell", d.URL, "--record", path); r.code != 0 {
		t.Fatalf("recording: exit %d: %s", r.code, r.stderr)
	}
	r := run(t, "", "rerun", path, d.URL)
	if r.code != 0 || !strings.Contains(r.stdout, "same     #") || !strings.Contains(r.stdout, "0 changed, 0 missing, 0 extra") {
		t.Errorf("against the same server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	other := startDemo(t, demo.Options{Era: demo.EraLegacy, PageSize: 3}) // the tool list comes in pages now
	r = run(t, "", "rerun", path, other.URL, "--json")
	if r.code != ExitDiffers || !strings.Contains(r.stderr, "differ from the recording") {
		t.Fatalf("against another build: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Counts   struct{ Same, Changed int }
		Requests []struct {
			Method, Status string
			Changes        []struct{ Path, Kind string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	found := false
	for _, it := range rep.Requests {
		if it.Method == "tools/list" && it.Status == "changed" {
			for _, c := range it.Changes {
				found = found || c.Path == "$.nextCursor" && c.Kind == "added"
			}
		}
	}
	if !found || rep.Counts.Changed == 0 {
		t.Errorf("the report lacks the tool list's new nextCursor:\n%s", r.stdout)
	}
	for _, bad := range [][]string{{"rerun", path}, {"rerun", path, d.URL, "--ignore", "content"}, {"rerun", path, d.URL, "--listen", "x"}} {
		if r := run(t, "", bad...); r.code != ExitError {
			t.Errorf("%v: exit %d: %s", bad, r.code, r.stderr)
		}
	}
}

// sonde diff A B: a recording and the live server it was made against
// are the same (exit 0), however the server pages its lists; another
// server differs (exit 6), as text, --json and --markdown.
func TestDiffCommand(t *testing.T) {
	d := startDemo(t, demo.Options{Era: demo.EraLegacy})
	path := filepath.Join(t.TempDir(), "demo.jsonl")
	if r := run(t, "tools\nprompts\nresources\ntemplates\n", "shell", d.URL, "--record", path); r.code != 0 {
		t.Fatalf("recording: exit %d: %s", r.code, r.stderr)
	}
	paged := startDemo(t, demo.Options{Era: demo.EraLegacy, PageSize: 2})
	if r := run(t, "", "diff", path, paged.URL); r.code != 0 || !strings.Contains(r.stdout, "the same") {
		t.Errorf("against the recorded server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	other := startDemo(t, demo.Options{Era: demo.EraModern})
	r := run(t, "", "diff", path, other.URL, "--json")
	if r.code != ExitDiffers {
		t.Fatalf("against another era: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Findings []struct {
			Area, Field, Kind string
			Breaking          bool
		}
		Breaking int
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	era := false
	for _, f := range rep.Findings {
		era = era || f.Area == "protocol" && f.Field == "era" && f.Breaking
	}
	if !era || rep.Breaking == 0 {
		t.Errorf("the era change is not breaking:\n%s", r.stdout)
	}
	r = run(t, "", "diff", path, other.URL, "--markdown")
	if r.code != ExitDiffers || !strings.HasPrefix(r.stdout, "### sonde diff") || !strings.Contains(r.stdout, "**breaking**") {
		t.Errorf("--markdown: exit %d\n%s", r.code, r.stdout)
	}
	for _, bad := range [][]string{{"diff", path}, {"diff", path, path, "--json", "--markdown"}, {"diff", path, "127.0.0.1:9/mcp"}} {
		if r := run(t, "", bad...); r.code != ExitError {
			t.Errorf("%v: exit %d: %s", bad, r.code, r.stderr)
		}
	}
}

// B may be a stdio server given after --: the recording of the demo over
// HTTP against the same demo server over stdio is the same.
func TestDiffAgainstStdioServer(t *testing.T) {
	d := startDemo(t, demo.Options{})
	path := filepath.Join(t.TempDir(), "demo.jsonl")
	if r := run(t, "tools\nprompts\nresources\ntemplates\n", "shell", d.URL, "--record", path); r.code != 0 {
		t.Fatalf("recording: exit %d: %s", r.code, r.stderr)
	}
	self, _ := os.Executable()
	t.Setenv("SONDE_CLI_TEST_STDIO", "1")
	r := run(t, "", "diff", path, "--json", "--", self, "-test.run=^$")
	var rep struct {
		B        string
		Findings []json.RawMessage
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 || len(rep.Findings) != 0 {
		t.Fatalf("exit %d: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if !strings.Contains(rep.B, self) {
		t.Errorf("B is named %q, want the command", rep.B)
	}
	// a stdio server that offers something else differs (exit 6)
	t.Setenv("SONDE_CLI_TEST_STDIO", "leak")
	if r := run(t, "", "diff", path, "--", self, "-test.run=^$"); r.code != ExitDiffers {
		t.Errorf("against another stdio server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
