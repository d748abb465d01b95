package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/store"
)

func startOffSpec(t *testing.T) *demo.RunningOffSpec {
	t.Helper()
	r, err := demo.ServeOffSpec(context.Background(), "", demo.OffSpecOptions{Keepalive: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// The split-endpoint server through the headless commands: its tools
// (input_schema, not inputSchema) are listed, and a tool is called with
// KEY=VALUE converted by that schema.
func TestSplitEndpointCLI(t *testing.T) {
	o := startOffSpec(t)
	r := run(t, "", "tools", o.SplitURL, "--endpoint", demo.SplitEndpoint)
	if r.code != 0 || !strings.Contains(r.stdout, "echo — Echo the text back") || !strings.Contains(r.stdout, "add — Add two numbers") {
		t.Fatalf("tools: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "call", o.SplitURL, "--endpoint", demo.SplitEndpoint, "add", "a=2", "b=40")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"sum":42}` {
		t.Fatalf("call: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// The event-named server has no tools/list: the listing says so and shows
// the tools its stream announced (event: tools).
func TestEventNamedToolsCLI(t *testing.T) {
	o := startOffSpec(t)
	r := run(t, "", "tools", o.EventsURL, "--endpoint", demo.EventsEndpoint, "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var got struct{ Tools []map[string]any }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Tools) != 2 || got.Tools[0]["name"] != "add" {
		t.Fatalf("stdout %s: %v", r.stdout, err)
	}
	if !strings.Contains(r.stderr, "tools/list failed") || !strings.Contains(r.stderr, "what the stream announced (event: tools)") {
		t.Fatalf("stderr does not say where the tools come from:\n%s", r.stderr)
	}
}

// A lenient listing whose answer has another shape shows it as it came.
func TestLenientListingShowsOddAnswers(t *testing.T) {
	o := startOffSpec(t)
	r := run(t, "", "prompts", o.SplitURL, "--endpoint", demo.SplitEndpoint)
	// the split server has no prompts/list: its error is the answer
	if r.code != 1 || !strings.Contains(r.stderr, "method not found: prompts/list") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestOffSpecFlagsChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tools", "http://127.0.0.1:1/x", "--session-from", "x"}, "go with --endpoint"},
		{[]string{"tools", "http://127.0.0.1:1/x", "--endpoint", "/m", "--session-from", "(a)(b)"}, "exactly one capture group"},
		{[]string{"tools", "http://127.0.0.1:1/x", "--endpoint", "/m", "--session-from", "("}, "--session-from"},
		{[]string{"tools", "http://127.0.0.1:1/x", "--endpoint", "/m", "--session-header", "bad header"}, "not a header name"},
		{[]string{"tools", "http://127.0.0.1:1/x", "--endpoint", "/m", "--transport", "http"}, "not --transport http"},
		{[]string{"tools", "--endpoint", "/m", "--", "true"}, "not a stdio server"},
		{[]string{"tools", "http://127.0.0.1:1/x", "--endpoint", "ftp://h/{session}"}, "--endpoint"},
		{[]string{"tools", "http://127.0.0.1:1/x", "--keepalive-match", "nothing"}, "MEMBER=VALUE"},
	} {
		r := run(t, "", c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// sonde raw: a body of the event-named server's own shape, with
// {session}, prints the events that came back; METHOD PARAMS builds a
// JSON-RPC request whose answer is printed; --json says which.
func TestRawCLI(t *testing.T) {
	o := startOffSpec(t)
	r := run(t, "", "raw", o.EventsURL, "--endpoint", demo.EventsEndpoint, "--raw-wait", "3s",
		`{"session_id":"{session}","tool":"add","args":{"a":2,"b":3}}`)
	if r.code != 0 || !strings.Contains(r.stdout, `sse:result  {"result":5,"tool":"add"}`) || !strings.Contains(r.stdout, "HTTP 202") {
		t.Fatalf("raw body: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "raw", o.SplitURL, "--endpoint", demo.SplitEndpoint, "echo", `{"text":"hello"}`, "--json")
	var got struct {
		Sent, Answer json.RawMessage
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || !strings.Contains(string(got.Answer), `"result":{"text":"hello"}`) ||
		!strings.Contains(string(got.Sent), `"method":"echo"`) {
		t.Fatalf("raw METHOD PARAMS: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "raw", o.SplitURL, "--endpoint", demo.SplitEndpoint, "echo", "text=hi")
	if r.code != 1 || !strings.Contains(r.stderr, "PARAMS must be a JSON object") {
		t.Fatalf("bad params: exit %d %s", r.code, r.stderr)
	}
	r = run(t, "", "raw", o.SplitURL, "--endpoint", demo.SplitEndpoint, `{"jsonrpc":`)
	if r.code != 1 || !strings.Contains(r.stderr, "not JSON") {
		t.Fatalf("bad JSON: exit %d %s", r.code, r.stderr)
	}
	// the shell's raw, as a script would use it
	r = run(t, `raw {"session_id":"{session}","tool":"shout","args":{"text":"hi"}}`+"\n",
		"shell", o.EventsURL, "--endpoint", demo.EventsEndpoint, "--raw-wait", "3s", "--json")
	var line struct {
		Cmd    string
		OK     bool
		Result struct {
			Events []struct {
				SSEEvent string `json:"sse_event"`
				Raw      json.RawMessage
			}
		}
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &line) != nil || !line.OK || line.Cmd != "raw" {
		t.Fatalf("shell raw: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	found := false
	for _, e := range line.Result.Events {
		found = found || e.SSEEvent == "result" && string(e.Raw) == `{"result":"HI","tool":"shout"}`
	}
	if !found {
		t.Fatalf("shell raw: no result event in %s", r.stdout)
	}
}

// raw METHOD [PARAMS] against a 2026-07-28 server (the demo, modern era)
// builds a request the server answers: the session's _meta in its params
// (PARAMS kept), the modern headers on the POST; so does the shell's raw.
func TestRawModernCLI(t *testing.T) {
	d := startDemo(t, demo.Options{Era: demo.EraModern})
	r := run(t, "", "raw", d.URL, "tools/list", "--json")
	var got struct {
		Sent, Answer json.RawMessage
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || !strings.Contains(string(got.Answer), `"get_weather"`) ||
		!strings.Contains(string(got.Sent), `"io.modelcontextprotocol/protocolVersion":"2026-07-28"`) {
		t.Fatalf("raw tools/list: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "raw", d.URL, "tools/call", `{"name":"echo","arguments":{"text":"modern hi"}}`)
	if r.code != 0 || !strings.Contains(r.stdout, "modern hi") || strings.Contains(r.stdout, `"error"`) {
		t.Fatalf("raw tools/call: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "raw tools/list\n", "shell", d.URL, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"get_weather"`) {
		t.Fatalf("shell raw: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Both kinds of off-spec server are recorded like any other: the recording
// holds the call and its answer (the split server's JSON-RPC, the
// event-named server's `event: result`), and replay --print reads them back.
func TestOffSpecSessionsRecorded(t *testing.T) {
	o := startOffSpec(t)
	dir := t.TempDir()
	split := filepath.Join(dir, "split.jsonl")
	if r := run(t, "", "call", o.SplitURL, "--endpoint", demo.SplitEndpoint, "add", "a=2", "b=40", "--record", split); r.code != 0 {
		t.Fatalf("split call: exit %d\n%s", r.code, r.stderr)
	}
	named := filepath.Join(dir, "named.jsonl")
	if r := run(t, "", "raw", o.EventsURL, "--endpoint", demo.EventsEndpoint, "--raw-wait", "3s", "--record", named,
		`{"session_id":"{session}","tool":"add","args":{"a":2,"b":3}}`); r.code != 0 {
		t.Fatalf("event-named raw: exit %d\n%s", r.code, r.stderr)
	}
	for _, c := range []struct{ file, want string }{
		{split, `{\"sum\":42}`}, // the answer's text content
		{named, `{"result":5,"tool":"add"}`},
	} {
		rd, err := store.Open(c.file)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for e := range rd.Events() {
			found = found || strings.Contains(string(e.Raw), c.want)
		}
		rd.Close()
		if !found {
			t.Errorf("%s: no event with %s", filepath.Base(c.file), c.want)
		}
		r := run(t, "", "replay", c.file, "--print")
		if r.code != 0 || !strings.Contains(r.stdout, c.want) {
			t.Errorf("replay --print %s: exit %d\n%s\n%s", filepath.Base(c.file), r.code, r.stdout, r.stderr)
		}
	}
}
