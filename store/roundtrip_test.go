package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

// liveSession runs a session against the demo server (go-sdk) at url,
// recording it into path, and returns the live events and the tools the
// live tools/list returned.
func liveSession(t *testing.T, url, path string, cfg mcp.Config) ([]mcp.Event, []json.RawMessage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rec, err := NewRecorder(RecorderOptions{Path: path, Header: Header{Target: url, Transport: cfg.Transport},
		Secrets: cfg.Secrets(), SecretHeaders: cfg.SecretHeaders})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var live []mcp.Event
	cfg.URL = url
	cfg.Keepalive = -1
	cfg.Timeout = 10 * time.Second
	cfg.OnEvent = func(e mcp.Event) {
		mu.Lock()
		live = append(live, e)
		mu.Unlock()
		rec.Record(e)
	}
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.Call(ctx, "tools/list", nil)
	if err != nil {
		t.Fatal(err)
	}
	var lt struct {
		Tools []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(raw, &lt); err != nil || len(lt.Tools) == 0 {
		t.Fatalf("tools/list: %s %v", raw, err)
	}
	calls := []struct {
		name string
		args map[string]any
	}{
		{demo.ToolEcho, map[string]any{"text": "hi <b> & \u2028", "repeat": 2}},
		{demo.ToolAlwaysFails, map[string]any{}},
		{demo.ToolAlwaysFails, map[string]any{"kind": "protocol", "message": "boom"}},
	}
	for _, c := range calls {
		s.Call(ctx, "tools/call", map[string]any{"name": c.name, "arguments": c.args})
	}
	if _, err := s.Call(ctx, "tools/call", map[string]any{"name": demo.ToolLongRunning, "arguments": map[string]any{"durationMs": 60, "steps": 3}},
		mcp.WithProgressToken()); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"resources/list", "prompts/list", "resources/templates/list"} {
		if _, err := s.Call(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]mcp.Event(nil), live...), lt.Tools
}

func TestRoundTripLiveSession(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range []struct {
		name      string
		url       string
		transport mcp.TransportKind
	}{
		{"streamable", srv.URL, mcp.TransportAuto},
		{"legacy-sse", srv.SSEURL, mcp.TransportSSE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "live.jsonl")
			live, liveTools := liveSession(t, tc.url, path, mcp.Config{Transport: tc.transport})
			if len(live) < 30 {
				t.Fatalf("only %d live events", len(live))
			}

			// Played back instantly, the events equal the live ones, field
			// by field, raw bytes included.
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			p := NewPlayer(r, PlayerOptions{Speed: Instant})
			defer p.Close()
			replayed := recv(t, p, len(live))
			// Times: the recording keeps offsets on the monotonic clock, so
			// each event's offset from the first is exact; the wall clock
			// may have been slewed by a few ns meanwhile.
			for i := range live {
				lo, ro := live[i].Time.Sub(live[0].Time), replayed[i].Time.Sub(replayed[0].Time)
				if lo != ro || live[i].Time.Sub(replayed[i].Time).Abs() > time.Millisecond {
					t.Fatalf("event %d: offset %v live, %v replayed; time %v vs %v", i, lo, ro, live[i].Time, replayed[i].Time)
				}
				replayed[i].Time = live[i].Time
			}
			diffEvents(t, replayed, live)
			quiet(t, p)
			if r.Skipped() != 0 {
				t.Fatalf("skipped %d", r.Skipped())
			}

			// The browsers rebuilt from the recording show the live tools.
			st := session.New()
			for _, e := range replayed {
				st.Apply(e)
			}
			if got := rawItems(st, session.Tools); !equalRaw(got, liveTools) {
				t.Fatalf("rebuilt tools differ:\n got %s\nwant %s", got, liveTools)
			}
			if len(st.Lists[session.Prompts].Items) == 0 || len(st.Lists[session.Resources].Items) == 0 || st.Conn.Info == nil {
				t.Fatalf("state %+v", st.Conn)
			}

			// The header knows what was negotiated.
			h := r.Header()
			wantTransport := mcp.TransportHTTP
			if tc.transport == mcp.TransportSSE {
				wantTransport = mcp.TransportSSE
			}
			if h.Transport != wantTransport || h.Protocol == "" || h.Server == "" || h.Target != tc.url {
				t.Fatalf("header %+v", h)
			}

			// The spans of the replay equal those of the live session.
			ls, rs := session.Spans(live), session.Spans(replayed)
			if len(ls) != len(rs) || len(ls) < 8 {
				t.Fatalf("spans: %d live, %d replayed", len(ls), len(rs))
			}
			errs := 0
			for i := range ls {
				if ls[i].ID != rs[i].ID || ls[i].Method != rs[i].Method || !ls[i].End.Equal(rs[i].End) || ls[i].Error != rs[i].Error {
					t.Fatalf("span %d: live %+v replayed %+v", i, ls[i], rs[i])
				}
				if ls[i].Error {
					errs++
				}
			}
			if errs != 2 {
				t.Fatalf("%d error spans, want 2 (isError and a protocol error)", errs)
			}
		})
	}
}
