package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
)

// recordDemo records one session against the demo server over url.
func recordDemo(t *testing.T, url string, transport mcp.TransportKind) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	u := srv.URL
	switch url {
	case "sse":
		u = srv.SSEURL
	case "redirect":
		u = srv.RedirectURL
	}
	path := filepath.Join(t.TempDir(), "demo.jsonl")
	liveSession(t, u, path, mcp.Config{Transport: transport})
	return path
}

func openT(t *testing.T, path string) *Reader {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestExportHAR(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport mcp.TransportKind
	}{{"http", mcp.TransportHTTP}, {"sse", mcp.TransportSSE}} {
		t.Run(tc.name, func(t *testing.T) {
			r := openT(t, recordDemo(t, tc.name, tc.transport))
			var b bytes.Buffer
			if err := ExportHAR(&b, r); err != nil {
				t.Fatal(err)
			}
			var har struct {
				Log struct {
					Version string `json:"version"`
					Creator struct {
						Name string `json:"name"`
					} `json:"creator"`
					Entries []map[string]json.RawMessage `json:"entries"`
				} `json:"log"`
			}
			if err := json.Unmarshal(b.Bytes(), &har); err != nil {
				t.Fatal(err)
			}
			if har.Log.Version != "1.2" || har.Log.Creator.Name != "sonde" || len(har.Log.Entries) < 8 {
				t.Fatalf("log %s", b.String()[:min(b.Len(), 2000)])
			}
			var posts, gets, callsWithAnswer int
			for i, e := range har.Log.Entries {
				for _, k := range []string{"startedDateTime", "time", "request", "response", "cache", "timings"} {
					if _, ok := e[k]; !ok {
						t.Fatalf("entry %d lacks %s", i, k)
					}
				}
				var req struct {
					Method, URL, HTTPVersion string
					Headers                  []struct{ Name, Value string }
					QueryString              []any
					Cookies                  []any
					PostData                 *struct{ MimeType, Text string }
				}
				var resp struct {
					Status      int
					HTTPVersion string
					Headers     []any
					Cookies     []any
					Content     *struct {
						Size     *int
						MimeType string
						Text     string
					}
					RedirectURL *string
				}
				var tim struct{ Send, Wait, Receive *float64 }
				json.Unmarshal(e["request"], &req)
				json.Unmarshal(e["response"], &resp)
				json.Unmarshal(e["timings"], &tim)
				if req.Method == "" || req.URL == "" || req.HTTPVersion == "" || req.Headers == nil || req.QueryString == nil || req.Cookies == nil {
					t.Fatalf("entry %d request %s", i, e["request"])
				}
				if resp.Content == nil || resp.Content.Size == nil || resp.Content.MimeType == "" || resp.RedirectURL == nil || resp.Headers == nil || resp.Cookies == nil {
					t.Fatalf("entry %d response %s", i, e["response"])
				}
				if tim.Send == nil || tim.Wait == nil || tim.Receive == nil || *tim.Wait < 0 || *tim.Receive < 0 {
					t.Fatalf("entry %d timings %s", i, e["timings"])
				}
				switch req.Method {
				case "POST":
					posts++
					if req.PostData == nil || !json.Valid([]byte(req.PostData.Text)) {
						t.Fatalf("entry %d post data %+v", i, req.PostData)
					}
					if strings.Contains(req.PostData.Text, `"tools/call"`) && strings.Contains(resp.Content.Text, `"result"`) {
						callsWithAnswer++
					}
				case "GET":
					gets++
				}
			}
			if posts < 8 {
				t.Fatalf("%d POST entries", posts)
			}
			switch tc.transport {
			case mcp.TransportHTTP:
				// Streamable HTTP: the answer is in the POST's response.
				if callsWithAnswer < 3 {
					t.Fatalf("%d tools/call entries carry their answer", callsWithAnswer)
				}
			case mcp.TransportSSE:
				// Legacy: the answers are in the GET stream's entry.
				if gets == 0 || !strings.Contains(b.String(), `event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":`) {
					t.Fatalf("the SSE stream entry lacks the answers (%d GET entries)", gets)
				}
			}
		})
	}
}

// A session through a redirect: the 307 is its own entry with its
// redirectURL, and the next hop carries the request body and the answer.
func TestExportHARRedirect(t *testing.T) {
	r := openT(t, recordDemo(t, "redirect", mcp.TransportHTTP))
	var b bytes.Buffer
	if err := ExportHAR(&b, r); err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Request struct {
					Method, URL string
					PostData    *struct{ Text string }
				}
				Response struct {
					Status      int
					RedirectURL string
					Content     struct{ Text string }
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &har); err != nil {
		t.Fatal(err)
	}
	var redirects, answered int
	for _, e := range har.Log.Entries {
		switch {
		case e.Response.Status == 307:
			redirects++
			if !strings.HasSuffix(e.Response.RedirectURL, demo.StreamablePath) || !strings.HasSuffix(e.Request.URL, demo.RedirectPath) {
				t.Errorf("redirect entry %s → %q", e.Request.URL, e.Response.RedirectURL)
			}
		case e.Request.Method == "POST" && strings.Contains(e.Response.Content.Text, `"result"`):
			answered++
			if e.Request.PostData == nil || !strings.Contains(e.Request.PostData.Text, `"method"`) || strings.HasSuffix(e.Request.URL, demo.RedirectPath) {
				t.Errorf("answered entry %s lacks its request body", e.Request.URL)
			}
		}
	}
	if redirects < 2 || answered < 2 {
		t.Fatalf("%d redirects, %d answered POSTs:\n%s", redirects, answered, b.String()[:min(b.Len(), 3000)])
	}
}

func TestExportHARRefusesStdio(t *testing.T) {
	evs := synth(5)
	evs[1].Info.Transport = mcp.TransportStdio
	r := openT(t, writeRecording(t, t.TempDir(), evs))
	if err := ExportHAR(new(bytes.Buffer), r); !errors.Is(err, ErrNotHTTP) {
		t.Fatalf("HAR of a stdio recording: %v", err)
	}
}

func TestExportMarkdown(t *testing.T) {
	r := openT(t, recordDemo(t, "http", mcp.TransportAuto))
	var b bytes.Buffer
	if err := ExportMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# sonde session: `sonde-demo", "| Transport | `http` |", "## Transcript",
		"→ `tools/list` `#", "→ `tools/call` `#", " `echo`", `"text": "hi`, "result `#", "(`tools/call`, ",
		"**isError**", "**error**", "boom", "notifications/progress", "```json",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.ContainsRune(md, 0x1b) {
		t.Error("control sequences in the transcript")
	}
	if testing.Verbose() {
		os.WriteFile(filepath.Join(t.TempDir(), "t.md"), b.Bytes(), 0o600)
	}
}

func TestExportJSON(t *testing.T) {
	evs := synth(300)
	r := openT(t, writeRecording(t, t.TempDir(), evs))
	var b bytes.Buffer
	if err := ExportJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Header  Header      `json:"header"`
		Events  []mcp.Event `json:"events"`
		Skipped *int        `json:"skipped"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Header.Format != FormatName || doc.Skipped == nil || *doc.Skipped != 0 {
		t.Fatalf("doc %+v", doc.Header)
	}
	diffEvents(t, doc.Events, evs)

	r.Seek(0)
	b.Reset()
	if err := WriteEvents(&b, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != len(evs) {
		t.Fatalf("%d lines", len(lines))
	}
	var e mcp.Event
	if json.Unmarshal([]byte(lines[7]), &e) != nil || !sameEvent(e, evs[7]) {
		t.Fatalf("line 7: %s", lines[7])
	}
}
