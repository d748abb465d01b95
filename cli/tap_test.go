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

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/internal/rectest"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui"
)

// recorded reads a recording's events.
func recorded(t *testing.T, path string) []mcp.Event { return rectest.Events(t, path) }

// TestTapCommand: sonde tap in front of an HTTP server, with sonde's own
// client through it: the URL on stdout, the log lines, the recording.
func TestTapCommand(t *testing.T) {
	d := startDemo(t, demo.Options{})
	rec := filepath.Join(t.TempDir(), "tapped.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"tap", "--upstream", d.URL, "--headless", "--record", rec, "--fault", "inject-comment every=50ms times=2"},
			Env{Stdin: strings.NewReader(""), Stdout: outW, Stderr: &syncWriter{w: &errb}})
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	if !lines.Scan() {
		t.Fatal("no URL on stdout")
	}
	tapURL := lines.Text()
	if !strings.HasSuffix(tapURL, "/mcp") {
		t.Fatalf("tap URL %q", tapURL)
	}
	var log []string
	logged := make(chan struct{})
	go func() {
		for lines.Scan() {
			log = append(log, lines.Text())
		}
		close(logged)
	}()
	r := run(t, "", "call", tapURL, "echo", "text=tapped", "--protocol", "2025-11-25", "--keepalive", "0")
	if r.code != 0 || !strings.Contains(r.stdout, "tapped") {
		t.Fatalf("call through the tap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("tap exit %d: %s", code, errb.String())
	}
	<-logged
	all := strings.Join(log, "\n")
	for _, want := range []string{"[1] ", "→ POST   tools/call", "← POST   result", "tapped: client sonde"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in the log:\n%s", want, all)
		}
	}
	evs := recorded(t, rec)
	var connected, call, closed bool
	for _, e := range evs {
		connected = connected || e.Kind == mcp.KindState && e.State == mcp.StateConnected && e.Info != nil && e.Info.Tapped
		call = call || e.Kind == mcp.KindMessage && e.Dir == mcp.DirIn && e.ReqMethod == "tools/call"
		closed = closed || e.Kind == mcp.KindState && e.State == mcp.StateClosed
	}
	if !connected || !call || !closed {
		t.Fatalf("recording: connected %v, call %v, closed %v", connected, call, closed)
	}
	if !strings.Contains(errb.String(), "recorded in "+rec) {
		t.Errorf("stderr: %s", errb.String())
	}
}

// TestTapStdioCommand: sonde tap -- COMMAND stands in for a stdio server.
func TestTapStdioCommand(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(t.TempDir(), "stdio.jsonl")
	cr, tw := io.Pipe()
	tr, cw := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Run(context.Background(), []string{"tap", "--record", rec, "--env", "SONDE_CLI_TEST_STDIO=1", "--", exe, "-test.run=^$"},
			Env{Stdin: tr, Stdout: tw, Stderr: &syncWriter{w: &errb}})
		tw.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "desktop", Version: "1"}, nil).Connect(ctx, &sdk.IOTransport{Reader: cr, Writer: cw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "via stdio tap"}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res); !strings.Contains(string(b), "via stdio tap") {
		t.Fatalf("echo: %s", b)
	}
	cs.Close()
	if code := <-done; code != 0 {
		t.Fatalf("tap exit %d: %s", code, errb.String())
	}
	var client string
	for _, e := range recorded(t, rec) {
		if e.Kind == mcp.KindState && e.Info != nil && e.Info.Tapped {
			client = mcp.ServerName(e.Info.Client)
		}
	}
	if client != "desktop 1" {
		t.Fatalf("recorded client %q", client)
	}
}

func TestTapWrapCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mcp.json")
	orig := "{\n  // mine\n  \"mcpServers\": {\"fs\": {\"command\": \"node\", \"args\": [\"fs.js\"]}}\n}\n"
	if err := os.WriteFile(file, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "tap", "--wrap", file, "--server", "fs")
	if r.code != 0 || !strings.Contains(r.stdout, `"tap","--","node","fs.js"`) {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(file); string(b) != orig {
		t.Fatal("the file changed without --write")
	}
	r = run(t, "", "tap", "--wrap", file, "--server", "fs", "--write", "--fault", "delay ms=10")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(file + ".bak"); string(b) != orig {
		t.Fatalf("backup %q", b)
	}
	b, _ := os.ReadFile(file)
	servers, err := config.ParseFile(b, "", file)
	if err != nil || len(servers) != 1 {
		t.Fatal(err)
	}
	cmd := servers[0].Config.Command
	if got := strings.Join(cmd[1:], " "); got != "tap --fault delay ms=10 -- node fs.js" || !strings.Contains(string(b), "// mine") {
		t.Fatalf("command %q\n%s", cmd, b)
	}
	if r := run(t, "", "tap", "--wrap", file, "--server", "fs"); r.code != ExitError || !strings.Contains(r.stderr, "already") {
		t.Fatalf("wrapping twice: exit %d %s", r.code, r.stderr)
	}
}

func TestTapUsage(t *testing.T) {
	for args, want := range map[string]string{
		"tap":                                         "give --upstream URL",
		"tap --upstream ftp://x":                      "not an http(s) URL",
		"tap --upstream http://x -- cat":              "give --upstream URL",
		"tap --listen 127.0.0.1:0 -- cat":             "--listen is for an HTTP tap",
		"tap --wrap f.json":                           "needs --server NAME",
		"tap --write --upstream http://127.0.0.1:1/m": "--write goes with --wrap",
		"tap --fault inject-comment,every=1s -- cat":  "needs HTTP",
	} {
		r := run(t, "", strings.Fields(args)...)
		if r.code != ExitError || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", args, r.code, r.stderr, want)
		}
	}
}

// TestTapCommandUI: on a terminal sonde tap runs its UI; the session a
// client makes through the tap is recorded (the UI's feed hands every
// event to the recorder), and the notes that would have written over the
// screen come after it.
func TestTapCommandUI(t *testing.T) {
	d := startDemo(t, demo.Options{})
	rec := filepath.Join(t.TempDir(), "tapped.jsonl")
	oldTerm, oldRun := tapOnTerminal, runTapUI
	t.Cleanup(func() { tapOnTerminal, runTapUI = oldTerm, oldRun })
	tapOnTerminal = func(Env) bool { return true }
	var screen lockedBuffer
	programs := make(chan *tea.Program, 1)
	runTapUI = func(tp *ui.Tap) error {
		inR, _ := io.Pipe()
		p := tea.NewProgram(tp, tea.WithInput(inR), tea.WithOutput(&screen), tea.WithWindowSize(120, 40), tea.WithoutSignals())
		programs <- p
		_, err := p.Run()
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"tap", "--upstream", d.URL, "--record", rec}, Env{Stdin: strings.NewReader(""), Stdout: outW, Stderr: &syncWriter{w: &errb}})
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	if !lines.Scan() {
		t.Fatal("no URL on stdout")
	}
	tapURL := lines.Text()
	go io.Copy(io.Discard, outR)
	p := <-programs

	cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
	defer ccancel()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "ui-client", Version: "3"}, nil).Connect(cctx, &sdk.StreamableClientTransport{Endpoint: tapURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(cctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "in the UI"}}); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	if !testenv.Poll(20*time.Second, func() bool {
		screen.mu.Lock()
		defer screen.mu.Unlock()
		return strings.Contains(ansi.Strip(screen.b.String()), "ui-client 3")
	}) {
		t.Fatal("the session never showed on the screen")
	}
	p.Quit()
	if code := <-done; code != 0 {
		t.Fatalf("tap exit %d: %s", code, errb.String())
	}
	if strings.Contains(errb.String(), "no terminal") {
		t.Fatalf("the UI was not used: %s", errb.String())
	}
	if !strings.Contains(errb.String(), "session 1 recorded in "+rec) {
		t.Errorf("stderr after the UI: %s", errb.String())
	}
	var call bool
	for _, e := range recorded(t, rec) {
		call = call || e.Kind == mcp.KindMessage && e.Dir == mcp.DirIn && e.ReqMethod == "tools/call" && strings.Contains(string(e.Raw), "in the UI")
	}
	if !call {
		t.Fatal("the call is not in the recording")
	}
}
