package ui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
)

// syncBuffer is an output the test can read while the program writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunLifecycle runs the whole program (Run → Bubble Tea) headless
// against the demo server: it connects, lists, and quits on q, with the
// recorder tee seeing every event.
func TestRunLifecycle(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inR, inW := io.Pipe()
	out := &syncBuffer{}
	var mu sync.Mutex
	var teed int
	opts := Options{
		Tee:            func(e mcp.Event) { mu.Lock(); teed++; mu.Unlock() },
		ProgramOptions: []tea.ProgramOption{tea.WithInput(inR), tea.WithOutput(out), tea.WithWindowSize(100, 30), tea.WithoutSignals()},
	}
	srv, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	opts.Config.URL = srv.URL
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	if !testenv.Poll(20*time.Second, func() bool { return strings.Contains(out.String(), "create_booking") }) {
		t.Fatalf("the demo never showed its tools; output:\n%q", out.String())
	}
	// the listings after tools/list (and their events) may still be on their way
	testenv.Poll(10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return teed >= 10 })
	inW.Write([]byte("q"))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("q did not quit")
	}
	mu.Lock()
	defer mu.Unlock()
	if teed < 10 {
		t.Fatalf("the tee saw %d events", teed)
	}
}

// OnConnect sees the configuration of every server the UI dials, just
// before it dials: one chosen in the picker, with the connection flags
// of the command line merged in.
func TestOnConnectSeesWhatIsDialled(t *testing.T) {
	var got []mcp.Config
	opts := Options{Config: mcp.Config{Bearer: "flag-token", Timeout: time.Second}, OnConnect: func(c mcp.Config) { got = append(got, c) }}
	m := newLive(context.Background(), opts)
	defer m.conn.feed.close()
	m.conn.live = false
	m.picker = newPicker(m.look.com, m.opts.Config, []config.Server{{Name: "picked", Config: mcp.Config{URL: "http://127.0.0.1:1/mcp", Header: map[string][]string{"X-Api-Key": {"entry-key"}}}}}, nil)
	cmd := press(m, "enter")
	if len(got) != 0 {
		t.Fatal("OnConnect ran in Update: it belongs in the dialling command")
	}
	run(m, cmd)
	if len(got) != 1 || got[0].URL != "http://127.0.0.1:1/mcp" || got[0].Bearer != "flag-token" || got[0].Header.Get("X-Api-Key") != "entry-key" {
		t.Fatalf("OnConnect saw %+v", got)
	}
	run(m, press(m, "R"))
	if len(got) != 2 {
		t.Fatalf("a reconnection dials again: %d calls", len(got))
	}
}
