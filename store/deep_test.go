package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
)

// deepSchemaEvents is a session whose tools/list answer holds a tool with
// an 18 KB input schema of 9,000 nested arrays.
func deepSchemaEvents() []mcp.Event {
	evs := synth(2)
	deep := strings.Repeat("[", 9000) + strings.Repeat("]", 9000)
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"deep","inputSchema":{"type":"object","default":%s}}]}}`, deep)
	evs = append(evs,
		mcp.Event{Seq: 3, Time: t0.Add(3), Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: "tools/list", ID: "1",
			Raw: json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)},
		mcp.Event{Seq: 4, Time: t0.Add(4), Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: "1", ReqMethod: "tools/list",
			Raw: json.RawMessage(raw)})
	return evs
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// Exporting a deeply nested schema as markdown costs what the 4 KiB block
// shows, not the 160 MB that indenting all of it took (7.7 s and 718 MB).
func TestExportMarkdownDeepSchema(t *testing.T) {
	r := openT(t, writeRecording(t, t.TempDir(), deepSchemaEvents()))
	var b bytes.Buffer
	n := allocated(func() {
		if err := ExportMarkdown(&b, r); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("allocated %d MB", n>>20)
	if n > 16<<20 {
		t.Fatalf("the export allocated %d MB", n>>20)
	}
	if !strings.Contains(b.String(), "cut at 4096 bytes") {
		t.Fatalf("the cut is not noted:\n%s", b.String())
	}
}

// A server that sends 8 MB of headers with every answer: the recording
// keeps what the events keep (64 KiB of headers each), so a few calls make
// a file of kilobytes, not of hundreds of megabytes.
func TestRecordingCapsHugeHeaders(t *testing.T) {
	junk := strings.Repeat("j", 8<<20)
	server := demo.NewServer(demo.Options{})
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return server }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Junk", junk)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "junk.jsonl")
	liveSession(t, srv.URL, path, mcp.Config{Transport: mcp.TransportHTTP})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 4<<20 {
		t.Fatalf("the recording has %d MB", fi.Size()>>20)
	}
	var noted bool
	evs, _ := readAll(t, path)
	for _, e := range evs {
		noted = noted || strings.HasPrefix(e.Text, "headers truncated: 8.0 MiB, kept ")
	}
	if !noted {
		t.Fatal("no event says its headers were truncated")
	}
}

// longLineRecording writes a recording whose tool result is one line of
// size bytes; cut drops its trailer (a recorder that was killed).
func longLineRecording(t *testing.T, size int, cut bool) string {
	evs := synth(2)
	big := `{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"` + strings.Repeat("x", size) + `"}],"isError":true}}`
	evs = append(evs,
		mcp.Event{Seq: 3, Time: t0.Add(3), Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: "tools/call", ID: "2",
			Raw: json.RawMessage(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"big"}}`)},
		mcp.Event{Seq: 4, Time: t0.Add(4), Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: "2", ReqMethod: "tools/call",
			Raw: json.RawMessage(big)},
		mcp.Event{Seq: 5, Time: t0.Add(5), Dir: mcp.DirIn, Kind: mcp.KindComment, Text: "after"})
	path := writeRecording(t, t.TempDir(), evs)
	if cut {
		b, _ := os.ReadFile(path)
		s := strings.TrimRight(string(b), "\n")
		os.WriteFile(path, []byte(s[:strings.LastIndexByte(s, '\n')+1]), 0o600)
	}
	return path
}

// A recording holding one 32 MiB line is listed, and exported as
// markdown, without holding that line: listing reads the header, the
// first lines and the trailer (or, for a file cut short, streams through
// the lines); the export reads each payload only as far as it shows it.
// Before, a 150 MB line cost `sessions` 5 s and 700 MB, `export md` 1.2 GB.
func TestLongLineListedAndExportedWithoutHoldingIt(t *testing.T) {
	const size = 32 << 20
	for _, cut := range []bool{false, true} {
		path := longLineRecording(t, size, cut)
		var s Summary
		var err error
		n := allocated(func() { s, err = Summarize(path) })
		t.Logf("cut=%v: Summarize allocated %d MB", cut, n>>20)
		if err != nil || s.Events != 5 || s.Complete == cut {
			t.Fatalf("cut=%v: %+v %v", cut, s, err)
		}
		if n > 8<<20 {
			t.Fatalf("cut=%v: listing allocated %d MB", cut, n>>20)
		}
		r := openT(t, path)
		var b bytes.Buffer
		n = allocated(func() { err = ExportMarkdown(&b, r) })
		t.Logf("cut=%v: ExportMarkdown allocated %d MB", cut, n>>20)
		if err != nil {
			t.Fatal(err)
		}
		if n > 16<<20 {
			t.Fatalf("cut=%v: the export allocated %d MB", cut, n>>20)
		}
		md := b.String()
		if !strings.Contains(md, `"text": "xxxx`) || !strings.Contains(md, "cut at 4096 bytes; the message has ") || !strings.Contains(md, "1 keepalive event") {
			t.Fatalf("cut=%v: the export lacks the long answer's start, its cut note or what follows:\n%s", cut, md)
		}
	}
}
