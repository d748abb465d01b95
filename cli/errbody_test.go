package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

// An HTTP error answer keeps its body (bounded, secrets removed) in the
// event, the recording and the HAR export. Before, a 400 with a 99-byte
// JSON body had content.size 0 in the HAR and only a summary recorded.
func TestHTTPErrorBodyKept(t *testing.T) {
	const token = "tok-5e3c7a9b1d"
	body := `{"error":"invalid_request","error_description":"missing scope mcp:tools for token ` + token + `"}`
	big := strings.Repeat("é", mcp.MaxErrorBody) // 2 bytes each: twice the bound
	// The demo server behind a proxy that answers tools/list with an error:
	// the session comes up (so --record keeps it), then the call fails.
	d := startDemo(t, demo.Options{})
	target, _ := url.Parse(d.URL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg []byte
		if r.Body != nil {
			msg, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(msg))
		}
		if !bytes.Contains(msg, []byte(`"tools/list"`)) {
			r.URL.Path = target.Path
			proxy.ServeHTTP(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/big") {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(big))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	dir := t.TempDir()
	rec := filepath.Join(dir, "s.jsonl")
	r := run(t, "", "tools", srv.URL+"/mcp", "--bearer", token, "--transport", "http", "--record", rec)
	if _, err := os.Stat(rec); err != nil {
		t.Fatalf("no recording (%v): %s", err, r.stderr)
	}
	if r.code != ExitUnreachable {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(rec)
	if bytes.Contains(data, []byte(token)) {
		t.Fatal("the token reached the recording")
	}
	scrubbed := strings.Replace(body, token, "[REDACTED]", 1)
	rd, err := store.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range rd.Events() {
		if err == nil && e.Kind == mcp.KindHTTP && e.Status == http.StatusBadRequest {
			got = append(got, e.Body)
		}
	}
	rd.Close()
	if len(got) == 0 || got[0] != scrubbed {
		t.Fatalf("status events carry %q, want %q", got, scrubbed)
	}
	har := filepath.Join(dir, "s.har")
	if r := run(t, "", "export", rec, "--format", "har", "-o", har); r.code != 0 {
		t.Fatalf("export: %d %s", r.code, r.stderr)
	}
	var h struct {
		Log struct {
			Entries []struct {
				Response struct {
					Status  int
					Content struct {
						Size    int
						Text    string
						Comment string
					}
				}
			}
		}
	}
	b, _ := os.ReadFile(har)
	json.Unmarshal(b, &h)
	found := false
	for _, e := range h.Log.Entries {
		if e.Response.Status != http.StatusBadRequest {
			continue
		}
		found = true
		if c := e.Response.Content; c.Size != len(scrubbed) || c.Text != scrubbed {
			t.Fatalf("HAR response %+v", e.Response)
		}
	}
	if !found {
		t.Fatalf("no 400 entry in the HAR:\n%s", b)
	}

	// A large body: the first MaxErrorBody bytes, cut on a character.
	rec2 := filepath.Join(dir, "big.jsonl")
	run(t, "", "tools", srv.URL+"/big", "--transport", "http", "--record", rec2)
	rd, err = store.Open(rec2)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for e, err := range rd.Events() {
		if err == nil && e.Kind == mcp.KindHTTP && e.Status == http.StatusBadGateway {
			if len(e.Body) != mcp.MaxErrorBody || e.Body != big[:mcp.MaxErrorBody] || e.Truncated != int64(len(big)) {
				t.Fatalf("big body: %d bytes, truncated %d", len(e.Body), e.Truncated)
			}
			return
		}
	}
	t.Fatal("no 502 event")
}
