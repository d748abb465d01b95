package ui

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/tap"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

// tapRun drives a Tap as Bubble Tea would: commands run in goroutines
// and what they return goes to Update on the test's goroutine. Tests read
// only View.
type tapRun struct {
	cmds
	t  *testing.T
	tp *Tap
}

func (r *tapRun) step(msg tea.Msg) {
	_, cmd := r.tp.Update(msg)
	r.async(cmd)
}

func (r *tapRun) screen() string { return ansi.Strip(r.tp.View().Content) }

// until delivers messages until the screen has every one of want.
func (r *tapRun) until(what string, want ...string) string {
	r.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s := r.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		select {
		case msg := <-r.msgs:
			r.step(msg)
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			r.t.Fatalf("timed out waiting for %s (%q); screen:\n%s", what, want, s)
		}
	}
}

// startTapUI runs a tap in front of the demo server with its UI; clients
// connect to the returned URL.
func startTapUI(t *testing.T) (*tapRun, string) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	d, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tp := NewTap(ctx, Options{}, "(the test's tap)")
	p, err := tap.New(tap.Options{Upstream: d.URL, OnSession: func(info tap.SessionInfo) tap.Sink {
		push, end := tp.Session(info.N, info.Client, nil)
		return tap.Sink{OnEvent: push, OnEnd: end}
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	r := &tapRun{cmds: newCmds(), t: t, tp: tp}
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		p.Close()
		cancel()
		close(r.done)
		r.wg.Wait()
		d.Close()
	})
	r.async(tp.Init())
	r.step(tea.WindowSizeMsg{Width: 140, Height: 40})
	u, _ := url.Parse(d.URL)
	return r, srv.URL + u.RequestURI()
}

func connectSDK(t *testing.T, at, name string) *sdk.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	cs, err := sdk.NewClient(&sdk.Implementation{Name: name, Version: "1"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: at}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestTapUIShowsTappedSessions: the go-sdk client's sessions through the
// tap show in the UI as sonde's own do (the server, its tools in the
// browser, both directions in the log), marked tapped with the client's
// name; a second client is a second session, and ctrl+n shows it.
func TestTapUIShowsTappedSessions(t *testing.T) {
	r, at := startTapUI(t)
	if s := r.screen(); !strings.Contains(s, "waiting for a client") || !strings.Contains(s, "(the test's tap)") {
		t.Fatalf("before any client:\n%s", s)
	}
	cs := connectSDK(t, at, "first-client")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "seen by the tap"}}); err != nil {
		t.Fatal(err)
	}
	s := r.until("the first session", "tapped 1/1", "⇄ tapped client first-client 1", "sonde-demo", "● connected",
		"→ tools/call", "#3 tools/call", "seen by the tap", "1 first-client 1")
	if strings.Contains(s, "(replay)") {
		t.Fatalf("a tapped session is not a replay:\n%s", s)
	}

	cs2 := connectSDK(t, at, "second-client")
	if _, err := cs2.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	r.until("the second session in the bar", "tapped 1/2", "2 second-client 1", "ctrl+n/ctrl+p switch")
	r.step(ct.Key("ctrl+n"))
	r.until("the second session shown", "tapped 2/2", "client second-client 1")
	r.step(ct.Key("ctrl+p"))
	r.until("back to the first", "tapped 1/2", "client first-client 1")
	bar := strings.SplitN(r.screen(), "\n", 2)[0]
	r.step(tea.MouseClickMsg{X: ansi.StringWidth(bar[:strings.Index(bar, "2 second-client")]), Y: 0, Button: tea.MouseLeft})
	r.until("a click on the second label shows it", "tapped 2/2", "client second-client 1")
	r.step(ct.Key("ctrl+n"))
	r.until("ctrl+n wraps around", "tapped 1/2", "client first-client 1")
	r.step(ct.Key("?"))
	found := false
	for range 20 { // the full help scrolls
		if s := r.screen(); strings.Contains(s, "Tapped sessions") && strings.Contains(s, "next tapped session") {
			found = true
			break
		}
		r.step(ct.Key("pgdown"))
	}
	if !found {
		t.Fatalf("the bar's keys are not in the full help:\n%s", r.screen())
	}
	r.step(ct.Key("esc"))

	// the screen cannot act for the client
	r.step(ct.Key("R"))
	if s := r.screen(); strings.Contains(s, "◌ connecting") {
		t.Fatalf("R reconnected a tapped session:\n%s", s)
	}
	r.step(ct.Key("r"))
	r.until("the note that sonde only watches", "sonde only watches")
}
