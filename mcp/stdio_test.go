package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
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
// SIGTERM; "crash" exits after the first tools/call.
func stdioServer(mode string) {
	if mode == "gosdk" {
		goSDKServer().Run(context.Background(), &sdk.StdioTransport{})
		return
	}
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	}
	if mode == "modern" || mode == "silent" {
		stdioEraServer(mode)
		return
	}
	fmt.Fprintln(os.Stderr, "fake server starting")
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
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
			os.Stdout.Write(append(a, '\n'))
		}
	}
	if mode == "stubborn" {
		time.Sleep(time.Hour)
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
	s, log := dialT(t, stdioConfig("fake"))
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
// server/discover (nor anything before initialize).
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
