package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMain lets the test binary act as a stdio MCP server when
// SONDE_TEST_STDIO is set (see stdioServer).
func TestMain(m *testing.M) {
	if mode := os.Getenv("SONDE_TEST_STDIO"); mode != "" {
		stdioServer(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// stdioServer is a fake stdio server. Modes: "gosdk" runs the official
// go-sdk server over stdio; "fake" answers with fakeAnswer, writes stderr
// lines and a garbage stdout line; "stubborn" also ignores stdin EOF and
// SIGTERM; "crash" exits after the first tools/call; "lateping" answers
// pings only when stdin closes.
func stdioServer(mode string) {
	if mode == "gosdk" {
		goSDKServer().Run(context.Background(), &sdk.StdioTransport{})
		return
	}
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	}
	if mode == "die" || mode == "killed" {
		// like `node missing.js`: a stack trace on stderr, exit at once
		for _, l := range []string{"node:internal/modules/cjs/loader:1210", "  throw err;", "  ^", "",
			"Error: Cannot find module '/srv/missing.js' (token " + os.Getenv("MY_API_TOKEN") + ")",
			"    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)",
			"    at Module._load (node:internal/modules/cjs/loader:1038:27)",
			"    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)",
			"    at node:internal/main/run_main_module:28:49 {", "  code: 'MODULE_NOT_FOUND',", "  requireStack: []", "}", "",
			"Node.js v20.20.2"} {
			fmt.Fprintln(os.Stderr, l)
		}
		if mode == "killed" {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		os.Exit(1)
	}
	if mode == "modern" || mode == "silent" || mode == "pings" {
		stdioEraServer(mode)
		return
	}
	fmt.Fprintln(os.Stderr, "fake server starting")
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var late []byte
	for sc.Scan() {
		line := sc.Bytes()
		m, _ := DecodeMessage(line)
		if m != nil && m.Method == "tools/call" {
			fmt.Fprintln(os.Stderr, "handling", string(m.Params))
			os.Stdout.WriteString("this is not JSON\n")
			if strings.Contains(string(m.Params), `"$`) {
				var p struct {
					Arguments struct{ Message string } `json:"arguments"`
				}
				_ = jsonUnmarshal(m.Params, &p)
				fmt.Fprintf(os.Stdout, `{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":%q}]}}`+"\n", m.ID, os.Getenv(p.Arguments.Message[1:]))
				continue
			}
		}
		if mode == "crash" && m != nil && m.Method == "tools/call" && strings.Contains(string(m.Params), `"crash"`) {
			fmt.Fprintln(os.Stderr, "fatal: simulated crash")
			os.Exit(3)
		}
		if a := fakeAnswer(line); a != nil {
			if mode == "lateping" && m.Method == "ping" {
				late = append(late, a...)
				late = append(late, '\n')
				continue
			}
			os.Stdout.Write(append(a, '\n'))
		}
	}
	os.Stdout.Write(late) // lateping: the pings are answered as stdin closes
	if mode == "stubborn" {
		time.Sleep(time.Hour) // sleep: a server that ignores its stdin closing and never exits on its own
	}
}

func stdioConfig(mode string) Config {
	return Config{Command: []string{os.Args[0], "-test.run=^$"}, Env: []string{"SONDE_TEST_STDIO=" + mode, "SONDE_TEST_VAR=from-env"}, Keepalive: -1}
}

func TestStdioGoSDK(t *testing.T) {
	s, log := dialT(t, stdioConfig("gosdk"))
	if s.Info().Transport != TransportStdio {
		t.Fatalf("transport %s", s.Info().Transport)
	}
	callSum(t, s)
	noErrors(t, log)
}

func TestStdioStderrGarbageAndEnv(t *testing.T) {
	cfg := stdioConfig("fake")
	cfg.EnvPlain = []string{"sonde_test_var"}
	s, log := dialT(t, cfg)
	raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": "$SONDE_TEST_VAR"}})
	if err != nil || !strings.Contains(string(raw), "from-env") {
		t.Fatalf("env not passed: %v %s", err, raw)
	}
	callEcho(t, s)
	if log.count(func(e Event) bool { return e.Kind == KindStderr && e.Text == "fake server starting" }) != 1 {
		t.Fatalf("stderr not logged")
	}
	if log.count(func(e Event) bool {
		return e.Kind == KindError && e.Text == "this is not JSON" && strings.HasPrefix(e.Err, "invalid JSON")
	}) != 2 {
		t.Fatalf("garbage lines not reported as errors")
	}
}

// Env values are secrets unless marked plain: the server gets them, but
// what it echoes of them is replaced before anyone sees it.
func TestStdioEnvValuesAreSecret(t *testing.T) {
	cfg := stdioConfig("fake")
	cfg.Env = append(cfg.Env, "MY_API_TOKEN=tok/9+x")
	s, log := dialT(t, cfg)
	for v, want := range map[string]string{"$SONDE_TEST_VAR": Redacted, "$MY_API_TOKEN": Redacted} {
		raw, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": v}})
		if err != nil || !strings.Contains(string(raw), want) || strings.Contains(string(raw), "from-env") || strings.Contains(string(raw), "tok") {
			t.Fatalf("%s: %v %s", v, err, raw)
		}
	}
	if log.count(func(e Event) bool {
		return strings.Contains(string(e.Raw), "tok/9") || strings.Contains(string(e.Raw), `tok\/9`)
	}) != 0 {
		t.Fatal("the log holds the token")
	}
	if got := cfg.EnvFacts(); got != "SONDE_TEST_STDIO=[REDACTED] SONDE_TEST_VAR=[REDACTED] MY_API_TOKEN=[REDACTED]" {
		t.Fatalf("facts %q", got)
	}
	cfg.EnvPlain = []string{"SONDE_TEST_STDIO"}
	if got := cfg.EnvFacts(); !strings.HasPrefix(got, "SONDE_TEST_STDIO=fake SONDE_TEST_VAR=[REDACTED]") {
		t.Fatalf("facts %q", got)
	}
}

// The rule for which env values are searched for in text: credential
// names from 4 bytes; other names only for values that look like secrets.
func TestEnvHunted(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        []string
	}{
		{"API_TOKEN", "abcd", []string{"abcd"}},
		{"GITHUBTOKEN", "ghp_0123", []string{"ghp_0123"}},
		{"DB_PASS", "hunter", []string{"hunter"}},
		{"API_TOKEN", "abc", nil},
		{"USE_AUTH", "true", nil},
		{"DEBUG", "1", nil},
		{"LOG_LEVEL", "debug", nil},
		{"NODE_ENV", "production", nil},
		{"ALLOWED_DIR", "/home/me/projects", nil},
		{"PORT", "30000000", nil},
		{"REGION", "us-east-1", []string{"us-east-1"}},
		{"OPAQUE", "x9f2-77ab-k", []string{"x9f2-77ab-k"}},
		{"DATABASE_URL", "postgres://u:pw%2Fx@db:5432/app?sslmode=off&api_key=k3y9", []string{"pw/x", "k3y9"}},
		{"BASE_URL", "https://api.example.com/v1", nil},
		{"KEYBOARD", "us-intl-alt", []string{"us-intl-alt"}},
	} {
		if got := envHunted(c.name, c.value); !slices.Equal(got, c.want) {
			t.Errorf("%s=%s: %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

// A server that dies at once: noticed at once (the probe would wait an
// hour), reported with its exit status and enough of its stderr to say why
// (secrets scrubbed), and nothing is sent to the dead process.
func TestStdioServerThatDiesAtOnce(t *testing.T) {
	for _, c := range []struct{ mode, status string }{{"die", "exited with status 1"}, {"killed", "was killed by signal SIGKILL"}} {
		t.Run(c.mode, func(t *testing.T) {
			cfg := stdioConfig(c.mode)
			cfg.Env = append(cfg.Env, "MY_API_TOKEN=tok-0a1b2c3d4e")
			cfg.ProbeTimeout = time.Hour
			log := &eventLog{}
			cfg.OnEvent = log.add
			_, err := Dial(ctxT(t), cfg)
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Dial: %v", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.status) || !strings.Contains(msg, "Cannot find module '/srv/missing.js'") ||
				strings.Contains(msg, "tok-0a1b") || !strings.Contains(msg, "[REDACTED]") {
				t.Fatalf("error: %s", msg)
			}
			var xe *ExitError
			if !errors.As(err, &xe) || len(xe.Stderr) < 10 || xe.Stderr[len(xe.Stderr)-1] != "Node.js v20.20.2" {
				t.Fatalf("exit error %#v", xe)
			}
			for _, l := range xe.Stderr {
				if strings.Contains(l, "tok-0a1b") {
					t.Fatalf("stderr tail holds the secret: %q", l)
				}
			}
			if n := log.count(func(e Event) bool { return e.Dir == DirOut && e.Method == "notifications/cancelled" }); n != 0 {
				t.Fatalf("%d cancellations sent to a dead process", n)
			}
		})
	}
}

func TestStdioShutdownEscalates(t *testing.T) {
	old := stdioGrace
	stdioGrace = 200 * time.Millisecond
	t.Cleanup(func() { stdioGrace = old })
	s, log := dialT(t, stdioConfig("stubborn"))
	callEcho(t, s)
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("Close did not return")
	}
	if log.count(func(e Event) bool { return strings.Contains(e.Text, "sending terminated") }) != 1 ||
		log.count(func(e Event) bool { return strings.Contains(e.Text, "sending killed") }) != 1 {
		t.Fatalf("no SIGTERM then SIGKILL")
	}
}

// A server process that dies is restarted and the session re-established;
// the call it died on fails with the exit status and its last stderr line.
func TestStdioCrashRestarts(t *testing.T) {
	s, _ := dialT(t, stdioConfig("crash"))
	_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "crash"})
	var le *LostError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "status 3") || !strings.Contains(err.Error(), "simulated crash") {
		t.Fatalf("got %v", err)
	}
	raw, err := s.Call(ctxT(t), "tools/list", nil)
	if err != nil || !strings.Contains(string(raw), "echo") {
		t.Fatalf("after restart: %v", err)
	}
	if s.Info().Reconnects < 1 {
		t.Fatalf("no restart counted")
	}
}

func TestStdioMissingCommand(t *testing.T) {
	_, err := Dial(ctxT(t), Config{Command: []string{"/nonexistent/server"}})
	var ce *ConnectError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("got %v", err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// stdioEraServer: "modern" answers server/discover (2026-07-28, no
// initialize); "silent" is a legacy server that never answers
// server/discover (nor anything before initialize); "pings" answers ping
// before initialize, as the legacy lifecycle allows, and nothing else.
func stdioEraServer(mode string) {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	initialized := false
	for sc.Scan() {
		m, _ := DecodeMessage(sc.Bytes())
		if m == nil || m.Type() != RPCRequest {
			continue
		}
		switch {
		case mode == "modern" && m.Method == "server/discover":
			fmt.Fprintf(os.Stdout, `{"jsonrpc":"2.0","id":%s,"result":{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"_meta":{"%s":{"name":"modern-stdio","version":"1"}}}}`+"\n", m.ID, MetaServerInfo)
		case mode == "modern":
			if !strings.Contains(string(m.Params), MetaProtocolVersion) {
				fmt.Fprintf(os.Stdout, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32602,"message":"missing _meta"}}`+"\n", m.ID)
				continue
			}
			a := fakeAnswer(sc.Bytes())
			os.Stdout.Write(append(a, '\n'))
		case mode == "pings" && m.Method == "ping" && !initialized:
			os.Stdout.Write(append(fakeAnswer(sc.Bytes()), '\n'))
		case m.Method == "initialize":
			initialized = true
			os.Stdout.Write(append(fakeAnswer(sc.Bytes()), '\n'))
		case initialized:
			os.Stdout.Write(append(fakeAnswer(sc.Bytes()), '\n'))
		}
	}
}

// Era detection on stdio: a modern server is found by server/discover; a
// legacy one that never answers it is given up on after the probe timeout.
func TestStdioEraDetection(t *testing.T) {
	cfg := stdioConfig("modern")
	s, _ := dialT(t, cfg)
	if s.Info().Era != "modern" || s.Info().Protocol != ModernProtocol || !strings.Contains(string(s.Info().Server), "modern-stdio") {
		t.Fatalf("info %+v", s.Info())
	}
	callEcho(t, s)

	cfg = stdioConfig("silent")
	cfg.ProbeTimeout = 300 * time.Millisecond
	start := time.Now()
	s, log := dialT(t, cfg)
	if s.Info().Era != "legacy" {
		t.Fatalf("era %s", s.Info().Era)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Fatalf("fell back before the probe timeout")
	}
	callEcho(t, s)
	if log.count(func(e Event) bool { return strings.Contains(e.Text, "no answer to server/discover within 300ms") }) == 0 {
		t.Fatalf("fallback not explained")
	}
}

// A legacy stdio server that ignores server/discover but answers ping
// (allowed before initialize) is recognised by the ping's answer, without
// waiting out the probe timeout (an hour here: before, the request timeout
// ended the probe after 10 s, and the log said no answer within 1h0m0s).
func TestStdioEraPingSignal(t *testing.T) {
	cfg := stdioConfig("pings")
	cfg.ProbeTimeout = time.Hour
	s, log := dialT(t, cfg)
	if s.Info().Era != "legacy" {
		t.Fatalf("era %s", s.Info().Era)
	}
	callEcho(t, s)
	if log.count(func(e Event) bool { return strings.Contains(e.Text, "answered ping but not server/discover") }) == 0 {
		t.Fatalf("fallback not explained")
	}
	// A modern server is still found by server/discover, its ping answered
	// with an error or not at all.
	cfg = stdioConfig("modern")
	cfg.ProbeTimeout = time.Hour
	s, _ = dialT(t, cfg)
	if s.Info().Era != "modern" {
		t.Fatalf("modern server detected as %s", s.Info().Era)
	}
}

// sonde's own keepalive ping, answered while the session closes, is
// recognised as the answer to the ping it was: not as a stray answer to an
// id sonde never sent, and the ping cut short by Close is no error.
func TestKeepaliveAnsweredWhileClosing(t *testing.T) {
	cfg := stdioConfig("lateping")
	cfg.Keepalive = 20 * time.Millisecond
	s, log := dialT(t, cfg)
	eventually(t, "a keepalive ping sent", func() bool {
		return log.count(func(e Event) bool { return e.Dir == DirOut && e.Method == "ping" }) > 0
	})
	s.Close()
	answers := 0
	for _, e := range log.all() {
		if e.Dir == DirIn && e.RPC == RPCResponse {
			if e.ReqMethod == "ping" && e.Err == "" {
				answers++
			} else if e.ReqMethod != "initialize" {
				t.Errorf("answer %s: req %q, err %q", e.ID, e.ReqMethod, e.Err)
			}
		}
		if e.Kind == KindError {
			t.Errorf("error at close: %s", e.Err)
		}
	}
	if answers == 0 {
		t.Fatal("the late ping answers were not logged")
	}
}

// Credential-named variables a stdio server inherits are secrets too; the
// rest of sonde's environment, and paths, are not.
func TestInheritedCredentialsAreSecrets(t *testing.T) {
	t.Setenv("SONDE_TEST_GITHUB_TOKEN", "ghp_inherited0123")
	t.Setenv("SONDE_TEST_AUTH_SOCK", "/tmp/agent.sock")
	t.Setenv("SONDE_TEST_COLOUR", "blue-green-7")
	got := (&Config{Command: []string{"server"}}).Secrets()
	if !slices.Contains(got, "ghp_inherited0123") || slices.Contains(got, "/tmp/agent.sock") || slices.Contains(got, "blue-green-7") {
		t.Fatalf("secrets %q", got)
	}
	cfg := Config{Command: []string{"server"}, EnvPlain: []string{"SONDE_TEST_GITHUB_TOKEN"}}
	if slices.Contains(cfg.Secrets(), "ghp_inherited0123") {
		t.Fatal("--env-plain does not apply to an inherited variable")
	}
	if slices.Contains((&Config{URL: "http://x/"}).Secrets(), "ghp_inherited0123") {
		t.Fatal("an HTTP server inherits nothing")
	}
}
