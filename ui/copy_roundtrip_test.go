package ui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/cli"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui"
)

// echoServer is a Streamable HTTP server (JSON answers) that records the
// params of every tools/call, prompts/get and resources/read it gets.
type echoServer struct {
	mu   sync.Mutex
	got  []json.RawMessage
	kind []string
}

func (s *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &m)
	if m.ID == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var result any
	switch m.Method {
	case "initialize":
		result = map[string]any{"protocolVersion": "2025-06-18", "serverInfo": map[string]any{"name": "echo", "version": "1"},
			"capabilities": map[string]any{"tools": map[string]any{}, "prompts": map[string]any{}, "resources": map[string]any{}}}
	case "tools/call", "prompts/get", "resources/read":
		s.mu.Lock()
		s.got = append(s.got, m.Params)
		s.kind = append(s.kind, m.Method)
		s.mu.Unlock()
		switch m.Method {
		case "tools/call":
			result = map[string]any{"content": []any{map[string]any{"type": "text", "text": "ok"}}}
		case "prompts/get":
			result = map[string]any{"messages": []any{}}
		default:
			result = map[string]any{"contents": []any{}}
		}
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": m.ID, "error": map[string]any{"code": -32601, "message": "no"}})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result})
}

func (s *echoServer) last() (string, json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.got) == 0 {
		return "", nil
	}
	return s.kind[len(s.kind)-1], s.got[len(s.got)-1]
}

// shellWords splits a command line as bash does, without running it.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	rest, ok := strings.CutPrefix(line, "sonde ")
	if !ok {
		t.Fatalf("not a sonde command: %q", line)
	}
	out, err := exec.Command("bash", "-c", `printf '%s\0' `+rest).Output()
	if err != nil {
		t.Fatalf("bash cannot split %q: %v", line, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// "Copy as sonde command" for hostile names: the command, split by the
// shell and run by sonde's own command line, sends the same request (the
// same name, URI and arguments), and a name that looks like a flag is
// never one (a tool called --record=FILE creates no FILE).
func TestCopyAsSondeCommandRoundTrip(t *testing.T) {
	testenv.Need(t, "bash") // splits the command as a user's shell would
	t.Setenv("SONDE_ERA_CACHE", "off")
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	srv := &echoServer{}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	names := []string{
		"--record=" + victim, "--record", "-v", "--", "-", "--help", "--args={}", "-H=X: y", "--no-record",
		"plain", "a b", "it's", `$(touch ` + victim + `)`, "`touch " + victim + "`", "x\ny\x1b[2J", "name=value", "", "é\u202e",
	}
	type req struct {
		method string
		params map[string]any
	}
	var reqs []req
	for _, n := range names {
		reqs = append(reqs,
			req{"tools/call", map[string]any{"name": n, "arguments": map[string]any{n: n, "--record": victim}}},
			req{"tools/call", map[string]any{"name": n}},
			req{"resources/read", map[string]any{"uri": n}},
			req{"prompts/get", map[string]any{"name": n, "arguments": map[string]any{"k": n}}},
			req{"prompts/get", map[string]any{"name": n, "arguments": map[string]any{n: "v", "--record": victim, "a.b": "c", "k:": "[]"}}},
		)
	}
	for _, r := range reqs {
		raw, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": r.method, "params": r.params})
		e := &mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: r.method, ID: "1", Raw: raw}
		line, err := ui.SondeCommand(e, mcp.Config{URL: ts.URL})
		if err != nil {
			t.Fatal(err)
		}
		args := shellWords(t, line)
		var out, errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		code := cli.Run(ctx, args, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
		cancel()
		if code != cli.ExitOK {
			t.Errorf("%s: exit %d: %s", line, code, errb.String())
			continue
		}
		method, got := srv.last()
		var params map[string]any
		json.Unmarshal(got, &params)
		delete(params, "_meta") // sonde asks for progress
		if args, ok := params["arguments"].(map[string]any); ok && len(args) == 0 {
			delete(params, "arguments")
		}
		if method != r.method || !reflect.DeepEqual(params, r.params) {
			t.Errorf("%s\nsent   %s %v\nwanted %s %v", line, method, params, r.method, r.params)
		}
		if _, err := os.Stat(victim); err == nil {
			t.Fatalf("%s created %s", line, victim)
		}
	}
}
