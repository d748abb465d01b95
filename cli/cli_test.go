package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/sonde-mcp/sonde/internal/hostile"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/sonde-mcp/sonde/demo"
)

// TestMain lets the test binary serve the go-sdk demo server over stdio.
func TestMain(m *testing.M) {
	// Tests must not read or write the user's era cache.
	os.Setenv("SONDE_ERA_CACHE", "off")
	// Nor its credentials: tests that sign in give their own file.
	os.Setenv("SONDE_CREDENTIALS", "off")
	if os.Getenv("SONDE_CLI_TEST_STDIO") == "1" {
		demo.NewServer(demo.Options{}).Run(context.Background(), &sdk.StdioTransport{})
		os.Exit(0)
	}
	if os.Getenv("SONDE_CLI_TEST_STDIO") == "leak" {
		leakStdioServer()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Run(ctx, args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return result{code, out.String(), errb.String()}
}

func startDemo(t *testing.T, opts demo.Options) *demo.Running {
	t.Helper()
	r, err := demo.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestListCommandsFollowEveryPage(t *testing.T) {
	d := startDemo(t, demo.Options{PageSize: 3})
	for _, c := range []struct{ cmd, key string }{{"tools", "tools"}, {"resources", "resources"}, {"templates", "resourceTemplates"}, {"prompts", "prompts"}} {
		r := run(t, "", c.cmd, d.URL, "--json")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.cmd, r.code, r.stderr)
		}
		var got map[string][]json.RawMessage
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%s: output is not JSON: %v\n%s", c.cmd, err, r.stdout)
		}
		if len(got) != 1 || got[c.key] == nil {
			t.Fatalf("%s: want exactly {%q:[...]}, got keys %v", c.cmd, c.key, got)
		}
		if c.cmd == "tools" && len(got[c.key]) != len(demo.ToolNames()) {
			t.Fatalf("tools: %d of %d across pages", len(got[c.key]), len(demo.ToolNames()))
		}
		if c.cmd == "prompts" && len(got[c.key]) != len(demo.PromptNames()) {
			t.Fatalf("prompts: %d of %d", len(got[c.key]), len(demo.PromptNames()))
		}
	}
	// The text form lists names with badges.
	r := run(t, "", "tools", d.URL)
	if !strings.Contains(r.stdout, "delete_records") || !strings.Contains(r.stdout, "[destructive") {
		t.Fatalf("text listing:\n%s", r.stdout)
	}
}

func TestCallConvertsArgumentsBySchema(t *testing.T) {
	d := startDemo(t, demo.Options{})
	// Flags after positionals; repeat=3 must go out as an integer and
	// uppercase=true as a boolean, or the server rejects the call.
	r := run(t, "", "call", d.URL, "echo", "text=hi", "repeat=3", "uppercase=true", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res struct {
		Content []struct{ Text string } `json:"content"`
		IsError bool                    `json:"isError"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.IsError || len(res.Content) == 0 {
		t.Fatalf("result %s (%v)", r.stdout, err)
	}
	if !strings.Contains(res.Content[0].Text, "HI") || strings.Count(res.Content[0].Text, "HI") != 3 {
		t.Fatalf("echo text %q", res.Content[0].Text)
	}
	// --args and KEY:=JSON.
	r = run(t, "", "--args", `{"text":"from args"}`, "call", d.URL, "echo", "repeat:=2")
	if r.code != 0 || strings.Count(r.stdout, "from args") != 2 {
		t.Fatalf("exit %d out %q err %q", r.code, r.stdout, r.stderr)
	}
}

func TestCallExitCodes(t *testing.T) {
	d := startDemo(t, demo.Options{})
	r := run(t, "", "call", d.URL, "always_fails")
	if r.code != ExitToolError || !strings.Contains(r.stderr, "isError") {
		t.Fatalf("isError: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, "", "call", d.URL, "no_such_tool")
	if r.code != ExitError || r.stderr == "" {
		t.Fatalf("unknown tool: exit %d, stderr %q", r.code, r.stderr)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	r = run(t, "", "tools", "http://"+addr+"/mcp")
	if r.code != ExitUnreachable || !strings.Contains(r.stderr, "connection refused") {
		t.Fatalf("unreachable: exit %d, stderr %q", r.code, r.stderr)
	}
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="http://x/.well-known/oauth-protected-resource"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer auth.Close()
	r = run(t, "", "tools", auth.URL, "--bearer", "nope")
	if r.code != ExitAuth || !strings.Contains(r.stderr, "resource_metadata") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("auth: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"tools"}, {"tools", "not-a-url"}, {"call", d.URL}, {"tools", d.URL, "-H", "no colon"}, {"tools", d.URL, "--transport", "carrier-pigeon"}} {
		r = run(t, "", args...)
		if r.code != ExitError || !strings.Contains(r.stderr, "sonde --help") {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestReadAndPrompt(t *testing.T) {
	d := startDemo(t, demo.Options{})
	uris := demo.ResourceURIs()
	r := run(t, "", "read", d.URL, uris[0])
	if r.code != 0 || r.stdout == "" {
		t.Fatalf("read: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "read", d.URL, uris[0], "--json")
	if r.code != 0 || !strings.HasPrefix(r.stdout, `{"contents":`) && !strings.Contains(r.stdout, `"contents"`) {
		t.Fatalf("read --json: %q", r.stdout)
	}
	r = run(t, "", "prompt", d.URL, "summarize", "text=The quick brown fox")
	if r.code != 0 || !strings.Contains(r.stdout, "quick brown fox") || !strings.Contains(r.stdout, "user:") {
		t.Fatalf("prompt: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestShellJSON(t *testing.T) {
	d := startDemo(t, demo.Options{})
	script := strings.Join([]string{
		"tools",
		"# a comment",
		`call echo {"text":"shell"}`,
		"call no_such_tool {}",
		"ping",
		"sleep 10ms",
		`read ` + demo.ResourceURIs()[0],
		`prompt summarize {"text":"x"}`,
		"bogus",
		"quit",
		"tools",
	}, "\n")
	r := run(t, script, "shell", d.URL, "--json")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := []struct {
		cmd string
		ok  bool
	}{{"tools", true}, {"call", true}, {"call", false}, {"ping", true}, {"sleep", true}, {"read", true}, {"prompt", true}, {"bogus", false}}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d (quit must stop):\n%s", len(lines), len(want), r.stdout)
	}
	for i, l := range lines {
		var sl struct {
			Cmd    string          `json:"cmd"`
			OK     bool            `json:"ok"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(l), &sl); err != nil {
			t.Fatalf("line %d not JSON: %q", i, l)
		}
		if sl.Cmd != want[i].cmd || sl.OK != want[i].ok {
			t.Fatalf("line %d: %s", i, l)
		}
		if sl.OK && sl.Result == nil || !sl.OK && (sl.Error == nil || sl.Error.Message == "") {
			t.Fatalf("line %d lacks result or error: %s", i, l)
		}
		if sl.Error != nil && strings.Contains(sl.Error.Message, "  ") {
			t.Fatalf("line %d: the error message has runs of spaces: %q", i, sl.Error.Message)
		}
	}
	if !strings.Contains(lines[0], `"result":{"tools":[`) || !strings.Contains(lines[1], `"content"`) {
		t.Fatalf("shapes: %s / %s", lines[0], lines[1])
	}
}

func TestStdioTargetAfterDoubleDash(t *testing.T) {
	self, _ := os.Executable()
	t.Setenv("SONDE_CLI_TEST_STDIO", "1")
	r := run(t, "", "call", "echo", "text=over stdio", "--", self, "-test.run=^$")
	if r.code != 0 || !strings.Contains(r.stdout, "over stdio") {
		t.Fatalf("exit %d out %q err %q", r.code, r.stdout, r.stderr)
	}
}

// Output from a hostile server is neutralised: no escape sequence from the
// server reaches the terminal, in text or in errors.
func TestHostileOutputNeutralised(t *testing.T) {
	h, err := demo.Serve(context.Background(), hostile.NewServer(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	for _, args := range [][]string{{"tools", h.URL}, {"call", h.URL, hostile.ToolResult}, {"call", h.URL, hostile.ToolError}, {"call", h.URL, hostile.ToolRPCError}, {"resources", h.URL}, {"prompts", h.URL}} {
		r := run(t, "", args...)
		for _, s := range []string{r.stdout, r.stderr} {
			if strings.ContainsAny(s, "\x1b\x07\x9b\x9d\u202e\r") {
				t.Fatalf("%v: control characters reached the output: %q", args, s)
			}
		}
	}
}

func TestVerbosePrintsTheLog(t *testing.T) {
	d := startDemo(t, demo.Options{})
	r := run(t, "", "call", d.URL, "echo", "text=x", "-v")
	for _, want := range []string{"→ POST   server/discover", "connected", "tools/call", "result"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("-v log lacks %q:\n%s", want, r.stderr)
		}
	}
}

// -o saves what a result carries: an image's bytes, a blob resource.
func TestOutputFile(t *testing.T) {
	d := startDemo(t, demo.Options{})
	out := t.TempDir() + "/img.png"
	r := run(t, "", "call", d.URL, "get_image", "-o", out)
	b, err := os.ReadFile(out)
	if r.code != 0 || err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("exit %d, %v, %d bytes: %q", r.code, err, len(b), r.stderr)
	}
	// the text output names the image's type, dimensions and size
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || !strings.Contains(r.stdout, fmt.Sprintf("[image image/png %d×%d png, ", cfg.Width, cfg.Height)) {
		t.Fatalf("image line: %v %q", err, r.stdout)
	}
	for _, uri := range demo.ResourceURIs() {
		if !strings.Contains(uri, "png") && !strings.Contains(uri, "blob") && !strings.Contains(uri, "bin") {
			continue
		}
		out := t.TempDir() + "/blob"
		r := run(t, "", "read", d.URL, uri, "-o", out)
		if fi, err := os.Stat(out); r.code != 0 || err != nil || fi.Size() == 0 {
			t.Fatalf("read %s -o: exit %d %v %q", uri, r.code, err, r.stderr)
		}
		return
	}
	t.Fatalf("no binary resource in the demo: %v", demo.ResourceURIs())
}

// A server that declares tools only (the official go-sdk with one tool) is
// never asked for prompts, resources or templates: sonde prompts says so
// in one line (it used to send prompts/list and fail with -32601).
func TestListingsFollowTheCapabilities(t *testing.T) {
	s := sdk.NewServer(&sdk.Implementation{Name: "tools-only", Version: "1"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "echo"}, func(ctx context.Context, r *sdk.CallToolRequest, in struct {
		Text string `json:"text"`
	}) (*sdk.CallToolResult, any, error) {
		return nil, nil, nil
	})
	var mu sync.Mutex
	var asked []string
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var m struct{ Method string }
			json.Unmarshal(body, &m)
			mu.Lock()
			asked = append(asked, m.Method)
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, c := range []struct{ cmd, method, want string }{
		{"prompts", "prompts/list", "(no prompts: the server does not declare the prompts capability)\n"},
		{"resources", "resources/list", "(no resources: the server does not declare the resources capability)\n"},
		{"templates", "resources/templates/list", "(no resource templates: the server does not declare the resources capability)\n"},
	} {
		res := run(t, "", c.cmd, srv.URL)
		if res.code != 0 || res.stdout != c.want {
			t.Errorf("%s: exit %d, %q %q", c.cmd, res.code, res.stdout, res.stderr)
		}
		res = run(t, "", c.cmd, srv.URL, "--json")
		if res.code != 0 || !strings.Contains(res.stdout, `[]`) || !strings.Contains(res.stderr, "does not declare") {
			t.Errorf("%s --json: exit %d, %q %q", c.cmd, res.code, res.stdout, res.stderr)
		}
		mu.Lock()
		if slices.Contains(asked, c.method) {
			t.Errorf("%s was sent to a server without the capability", c.method)
		}
		mu.Unlock()
	}
	if res := run(t, "", "tools", srv.URL); res.code != 0 || !strings.Contains(res.stdout, "echo") {
		t.Fatalf("tools: exit %d, %q %q", res.code, res.stdout, res.stderr)
	}
}

// A call whose arguments are all KEY:=JSON (or --args) needs no schema to
// convert them: it goes without the tools/list round trip (one fewer on a
// one-shot call); a KEY=VALUE pair still looks the tool's schema up.
func TestCallJSONPairsSkipToolsList(t *testing.T) {
	d := startDemo(t, demo.Options{})
	dir := t.TempDir()
	calls := 0
	lists := func(args ...string) int {
		t.Helper()
		calls++
		rec := filepath.Join(dir, fmt.Sprintf("call%d.jsonl", calls))
		r := run(t, "", append([]string{"call", d.URL, "echo", "--json", "--record", rec}, args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "hi") {
			t.Fatalf("call %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		data, err := os.ReadFile(rec)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Count(data, []byte(`"method":"tools/list"`))
	}
	if n := lists(`text:="hi"`, "repeat:=2"); n != 0 {
		t.Errorf("KEY:=JSON pairs only: %d tools/list in the recording, want none", n)
	}
	if n := lists("text=hi", "repeat:=2"); n == 0 {
		t.Errorf("a KEY=VALUE pair: no tools/list in the recording (its schema converts the value)")
	}
}
