package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

// --record FILE is not created or truncated before the command line is
// checked and the session is up: a mistake on the command line, an
// unreachable server or one that refuses sonde leave FILE as it was (and
// say so). Once the session is up, FILE holds everything from the first
// event, the detection before the session included.
func TestRecordFileWaitsForTheSession(t *testing.T) {
	d := startDemo(t, demo.Options{})
	refuses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	t.Cleanup(refuses.Close)
	file := filepath.Join(t.TempDir(), "precious.txt")
	const precious = "do not truncate me\n"
	if err := os.WriteFile(file, []byte(precious), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args        []string
		code        int
		says, never string
	}{
		{[]string{"call", d.URL}, ExitError, "missing TOOL", "left as it was"},
		{[]string{"call", d.URL, "echo", "oops"}, ExitError, "not KEY=VALUE", "left as it was"},
		{[]string{"call", d.URL, "echo", "--args", "{bad"}, ExitError, "--args", "left as it was"},
		{[]string{"read", d.URL}, ExitError, "exactly one URI", "left as it was"},
		{[]string{"tools", d.URL, "extra"}, ExitError, "unexpected argument", "left as it was"},
		{[]string{"call", "http://127.0.0.1:1/mcp", "echo"}, ExitUnreachable, "left as it was", ""},
		{[]string{"call", refuses.URL, "echo"}, ExitAuth, "left as it was", ""},
	} {
		r := run(t, "", append(c.args, "--record", file)...)
		got, _ := os.ReadFile(file)
		if r.code != c.code || string(got) != precious || !strings.Contains(r.stderr, c.says) || c.never != "" && strings.Contains(r.stderr, c.never) {
			t.Fatalf("%v: exit %d, file %q, stderr %q", c.args, r.code, got, r.stderr)
		}
	}
	if r := run(t, "", "call", d.URL, "echo", "text=hi", "--record", file); r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rd, err := store.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var before []string // what came before the connected event
	for e, err := range rd.Events() {
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind == mcp.KindState && e.State == mcp.StateConnected {
			break
		}
		before = append(before, e.Label())
	}
	if len(before) < 3 || before[0] != "connecting" {
		t.Fatalf("the events before the session was up are not recorded: %v", before)
	}
}

// What waits for the session is bounded: a server that talks a lot before
// its handshake ends costs at most pendingLimit, and the gap is marked.
func TestRecordFilePendingIsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	r := &recording{path: path, opts: store.RecorderOptions{Path: path, Header: store.Header{Target: "x", Transport: mcp.TransportHTTP}}}
	now := time.Now()
	r.record(mcp.Event{Seq: 1, Time: now, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "x"})
	big := strings.Repeat("x", 1<<20)
	for i := 0; i < 40; i++ {
		r.record(mcp.Event{Seq: uint64(i + 2), Time: now, Dir: mcp.DirIn, Kind: mcp.KindSSE, Text: big})
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("FILE created before the session was up")
	}
	if r.pendingSize > pendingLimit || r.lost == 0 {
		t.Fatalf("pending %d bytes, %d lost", r.pendingSize, r.lost)
	}
	r.record(mcp.Event{Seq: 42, Time: now, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected})
	if err := r.close(Env{Stderr: os.Stderr}); err != nil {
		t.Fatal(err)
	}
	rd, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	marked := false
	for e, err := range rd.Events() {
		if err != nil {
			t.Fatal(err)
		}
		marked = marked || e.Kind == mcp.KindError && strings.Contains(e.Err, "were not recorded")
	}
	if !marked {
		t.Fatal("the lost events are not marked")
	}
}
