package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui"
)

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// A headless command with --record, a bearer token and a secret header:
// the file is private and no secret reaches it, even when the server
// echoes the token back.
func TestRecordKeepsSecretsOut(t *testing.T) {
	const token = "s3cr3t-bearer-7f2a91"
	const apiKey = "k3y-0a1b2c3d4e"
	srv := startDemo(t, demo.Options{})
	dir := filepath.Join(t.TempDir(), "rec")
	file := filepath.Join(dir, "call.jsonl")
	res := run(t, "", "call", srv.URL, "echo", "text="+token+" "+apiKey, "--bearer", token,
		"-H", "X-Api-Key: "+apiKey, "--secret-header", "X-Api-Key", "--record", file)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{token, apiKey} {
		if bytes.Contains(data, []byte(s)) {
			t.Fatalf("%q reached the recording", s)
		}
	}
	if !bytes.Contains(data, []byte(`"Authorization":["Bearer [REDACTED]"]`)) || !bytes.Contains(data, []byte(`"X-Api-Key":["[REDACTED]"]`)) {
		t.Fatalf("the credential headers should be recorded redacted:\n%s", data)
	}
	if m := perm(t, file); m != 0o600 {
		t.Fatalf("file mode %o", m)
	}
	if m := perm(t, dir); m != 0o700 {
		t.Fatalf("directory mode %o", m)
	}
	r, err := store.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Trailer() == nil || r.Len() < 10 || r.Header().SecretHeaders[0] != "X-Api-Key" {
		t.Fatalf("recording: trailer %v, %d events, header %+v", r.Trailer(), r.Len(), r.Header())
	}
}

func TestHeadlessCommandsRecordOnlyWhenAsked(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	srv := startDemo(t, demo.Options{})
	if res := run(t, "", "tools", srv.URL); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	dir, _ := config.SessionsDir()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a headless command recorded without --record: %v", err)
	}
	if res := run(t, "", "tools", srv.URL, "--record", "x.jsonl", "--no-record"); res.code != 1 {
		t.Fatalf("--record with --no-record: exit %d", res.code)
	}
}

// Ctrl-C in the middle of a call still leaves a cleanly closed recording.
func TestRecordClosedOnInterrupt(t *testing.T) {
	srv := startDemo(t, demo.Options{})
	file := filepath.Join(t.TempDir(), "int.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"call", srv.URL, "long_running", "durationMs=20000", "steps=20", "--record", file},
			Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	}()
	// Interrupt once the call is under way (its request is on disk).
	if !testenv.Poll(20*time.Second, func() bool { b, _ := os.ReadFile(file); return bytes.Contains(b, []byte(`"long_running"`)) }) {
		t.Fatal("the call never started")
	}
	cancel()
	if code := <-done; code != ExitInterrupted {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	r, err := store.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Trailer() == nil || r.Skipped() != 0 {
		t.Fatalf("not closed cleanly: trailer %v, skipped %d", r.Trailer(), r.Skipped())
	}
	last, _ := r.At(r.Len() - 1)
	if last.State != mcp.StateClosed {
		t.Fatalf("the last event is %s %s, want the closed state", last.Kind, last.State)
	}
}

// The UI records into $XDG_DATA_HOME/sonde/sessions by default, one file
// per session named by time and server; --no-record and --record FILE
// change that. The UI itself is replaced by a stand-in that emits events
// to the Tee it is given.
func TestUIRecordsByDefault(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	fakeUI := func(ctx context.Context, opts ui.Options) error {
		if opts.Tee == nil {
			return nil
		}
		opts.Tee(mcp.Event{Seq: 1, Time: time.Now(), Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: opts.Config.Target()})
		opts.Tee(mcp.Event{Seq: 2, Time: time.Now(), Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected})
		opts.Tee(mcp.Event{Seq: 3, Time: time.Now(), Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: "ping", ID: "1",
			Raw: json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)})
		return nil
	}
	uiRun := func(args ...string) (string, error) {
		o, pos, _, err := parse(args)
		if err != nil {
			t.Fatal(err)
		}
		opts, err := uiOptions(o, pos[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		var errb bytes.Buffer
		err = recordUI(context.Background(), o, Env{Stderr: &errb}, opts, fakeUI)
		return errb.String(), err
	}
	if msg, err := uiRun("http://127.0.0.1:3102/mcp?token=abc123456789"); err != nil || msg != "" {
		t.Fatalf("%v %s", err, msg)
	}
	sessions := filepath.Join(data, "sonde", "sessions")
	list, err := store.List(sessions)
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions: %+v %v", list, err)
	}
	s := list[0]
	if !strings.HasSuffix(s.Path, "-127.0.0.1-3102-mcp.jsonl") || s.Events != 3 || !s.Complete || strings.Contains(s.Target, "abc123456789") {
		t.Fatalf("recorded %+v", s)
	}
	if perm(t, sessions) != 0o700 || perm(t, s.Path) != 0o600 {
		t.Fatalf("modes %o %o", perm(t, sessions), perm(t, s.Path))
	}

	uiRun("http://127.0.0.1:3102/mcp", "--no-record")
	if list, _ := store.List(sessions); len(list) != 1 {
		t.Fatalf("--no-record recorded: %d sessions", len(list))
	}
	file := filepath.Join(t.TempDir(), "chosen.jsonl")
	uiRun("http://127.0.0.1:3102/mcp", "--record", file)
	if list, _ := store.List(sessions); len(list) != 1 {
		t.Fatal("--record FILE also recorded into the sessions directory")
	}
	if r, err := store.Open(file); err != nil || r.Len() != 3 {
		t.Fatalf("--record FILE: %v", err)
	}

	// Retention: --keep-sessions 2 leaves the two newest.
	for i := 0; i < 3; i++ {
		uiRun("http://127.0.0.1:3102/mcp", "--keep-sessions", "2")
	}
	if list, _ := store.List(sessions); len(list) != 2 {
		t.Fatalf("--keep-sessions 2 left %d sessions", len(list))
	}
}

func TestReplaySessionsExport(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	srv := startDemo(t, demo.Options{})
	dir, _ := config.SessionsDir()
	file := filepath.Join(dir, "one.jsonl")
	if res := run(t, "", "call", srv.URL, "echo", "text=hello", "--record", file); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	r, err := store.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	n := r.Len()
	first, _ := r.At(0)
	r.Close()

	// --print: one FormatEvent line per event, then the state at the end
	// (# lines, what the UI shows); FILE may be a bare name from the
	// sessions directory.
	res := run(t, "", "replay", "one", "--print")
	lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
	events, state := lines, []string(nil)
	for i, l := range lines {
		if strings.HasPrefix(l, "# ") {
			events, state = lines[:i], lines[i:]
			break
		}
	}
	if res.code != 0 || len(events) != n || lines[0] != FormatEvent(first) || !strings.Contains(res.stdout, "tools/call") {
		t.Fatalf("exit %d, %d lines of %d: %s %s", res.code, len(events), n, res.stdout, res.stderr)
	}
	if s := strings.Join(state, "\n"); !strings.Contains(s, "# server: sonde-demo 1.0.0") || !strings.Contains(s, "# state: closed") ||
		!strings.Contains(s, "# requests: ") {
		t.Fatalf("the state at the end:\n%s", s)
	}
	// --json: the events.
	res = run(t, "", "replay", file, "--json")
	lines = strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
	var e mcp.Event
	if res.code != 0 || len(lines) != n || json.Unmarshal([]byte(lines[0]), &e) != nil || e.State != mcp.StateConnecting {
		t.Fatalf("--json: exit %d, %d lines: %s", res.code, len(lines), lines[0])
	}

	// sessions
	res = run(t, "", "sessions")
	if res.code != 0 || !strings.Contains(res.stdout, "DATE") || !strings.Contains(res.stdout, "sonde-demo 1.0.0") || !strings.Contains(res.stdout, "one.jsonl") {
		t.Fatalf("sessions: %d %s %s", res.code, res.stdout, res.stderr)
	}
	res = run(t, "", "sessions", "--json")
	var js struct {
		Sessions []store.Summary `json:"sessions"`
	}
	if json.Unmarshal([]byte(res.stdout), &js) != nil || len(js.Sessions) != 1 || js.Sessions[0].Events != n {
		t.Fatalf("sessions --json: %s", res.stdout)
	}

	// export (over a file readable by all: it becomes private)
	out := filepath.Join(t.TempDir(), "s.har")
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := run(t, "", "export", file, "-o", out); res.code != 0 { // format from the extension
		t.Fatalf("export: %d %s", res.code, res.stderr)
	}
	har, _ := os.ReadFile(out)
	if !bytes.Contains(har, []byte(`"version": "1.2"`)) || perm(t, out) != 0o600 {
		t.Fatalf("har: %.200s", har)
	}
	res = run(t, "", "export", file, "--format", "md")
	if res.code != 0 || !strings.Contains(res.stdout, "→ `tools/call`") || !strings.Contains(res.stdout, "hello") {
		t.Fatalf("md: %d %.300s", res.code, res.stdout)
	}
	if res := run(t, "", "export", file); res.code != 1 {
		t.Fatalf("export without a format: exit %d", res.code)
	}
	if res := run(t, "", "replay", "nope", "--print"); res.code != 1 || !strings.Contains(res.stderr, "sonde sessions") {
		t.Fatalf("unknown recording: %d %s", res.code, res.stderr)
	}

	// A recording cut mid-line still replays, and says what it skipped.
	b, _ := os.ReadFile(file)
	b = b[:bytes.LastIndexByte(b[:len(b)-1], '\n')+1]   // drop the trailer
	last := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1 // the last event line
	b = b[:last+(len(b)-last)/2]                        // cut it in the middle
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	os.WriteFile(cut, b, 0o600)
	res = run(t, "", "replay", cut, "--print")
	if got := strings.Count(res.stdout, "\n") - strings.Count(res.stdout, "\n# "); res.code != 0 || got != n-1 || !strings.Contains(res.stderr, "skipped 1 unreadable line") {
		t.Fatalf("cut: exit %d, %d lines of %d: %s", res.code, got, n, res.stderr)
	}
}

// replay FILE without --print hands the UI a player of FILE.
func TestReplayOpensThePlayer(t *testing.T) {
	srv := startDemo(t, demo.Options{})
	file := filepath.Join(t.TempDir(), "r.jsonl")
	if res := run(t, "", "tools", srv.URL, "--record", file); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var got []mcp.Event
	var status store.PlayerStatus
	orig := replayUI
	defer func() { replayUI = orig }()
	replayUI = func(ctx context.Context, o *options, p *store.Player, r *store.Reader) error {
		for len(got) < r.Len() {
			select {
			case e := <-p.Events():
				got = append(got, e)
			case <-time.After(10 * time.Second):
				t.Fatalf("%d of %d events", len(got), r.Len())
			}
		}
		if !testenv.Poll(10*time.Second, func() bool { status = p.Status(); return status.AtEnd }) {
			t.Fatalf("the player never reached the end: %+v", status)
		}
		return nil
	}
	if res := run(t, "", "replay", file, "--speed", "0"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	r, _ := store.Open(file)
	defer r.Close()
	if len(got) != r.Len() || got[0].State != mcp.StateConnecting || status.Speed != store.Instant || status.Pos != r.Len() {
		t.Fatalf("%d events, status %+v", len(got), status)
	}
}

// Ctrl-C stops a replay or an export that is still writing.
func TestReplayAndExportStopOnInterrupt(t *testing.T) {
	evs := 0
	file := filepath.Join(t.TempDir(), "i.jsonl")
	rec, err := store.NewRecorder(store.RecorderOptions{Path: file})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5000; i++ {
		rec.Record(mcp.Event{Seq: uint64(i), Time: time.Now(), Dir: mcp.DirIn, Kind: mcp.KindComment, Text: "ping"})
		evs++
	}
	rec.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{{"replay", file, "--print"}, {"replay", file, "--json"}, {"export", file, "--format", "md"}} {
		var out, errb bytes.Buffer
		code := Run(ctx, args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
		if code != ExitInterrupted || out.Len() != 0 {
			t.Fatalf("%v: exit %d, %d bytes written of %d events", args, code, out.Len(), evs)
		}
	}
}
