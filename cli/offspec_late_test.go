package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// lateStream is an event-named server whose stream is slow to speak: it
// says its session only after the first POST has been refused, and
// announces its tools only after a listing has been refused, each a
// moment later (late is how long). sonde must wait for what it needs
// from the stream instead of failing (both were seen as flakes under
// load: "has no session id", and a tools listing that ended in exit 4).
func lateStream(t *testing.T, late time.Duration) string {
	t.Helper()
	events := make(chan string, 16)
	var once, toolsOnce sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case ev := <-events:
				io.WriteString(w, ev)
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				return
			}
		}
	})
	mux.HandleFunc("POST /call", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var call struct {
			SessionID string          `json:"session_id"`
			Tool      string          `json:"tool"`
			Method    string          `json:"method"`
			Args      json.RawMessage `json:"args"`
		}
		json.Unmarshal(body, &call)
		if call.Tool == "" {
			http.Error(w, `{"error":"expected {session_id, tool, args}"}`, http.StatusBadRequest)
			once.Do(func() {
				time.AfterFunc(late, func() { events <- "event: session\ndata: {\"session_id\":\"s-late-1\"}\n\n" })
			})
			if call.Method == "tools/list" {
				toolsOnce.Do(func() {
					time.AfterFunc(late, func() {
						events <- `event: tools` + "\ndata: " + `[{"name":"add","description":"Add","parameters":{"type":"object"}}]` + "\n\n"
					})
				})
			}
			return
		}
		if call.SessionID != "s-late-1" {
			http.Error(w, `{"error":"unknown session"}`, http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		events <- fmt.Sprintf("event: result\ndata: {\"tool\":%q,\"ok\":true}\n\n", call.Tool)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/events"
}

func TestLateStreamListing(t *testing.T) {
	u := lateStream(t, 300*time.Millisecond)
	r := run(t, "", "tools", u, "--endpoint", "/call", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"add"`) || !strings.Contains(r.stderr, "what the stream announced (event: tools)") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestLateStreamRaw(t *testing.T) {
	u := lateStream(t, 300*time.Millisecond)
	r := run(t, "", "raw", u, "--endpoint", "/call", "--raw-wait", "1s", `{"session_id":"{session}","tool":"add","args":{}}`)
	if r.code != 0 || !strings.Contains(r.stdout, `"ok":true`) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
