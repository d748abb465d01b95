package ui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/internal/rectest"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/dialog/recdiff"
	"github.com/sonde-mcp/sonde/ui/dialog/rerun"
	"github.com/sonde-mcp/sonde/ui/pane/recordings"
)

// newFixturesModel is the recordings picker on dir, listed.
func newFixturesModel(t *testing.T, dir string, opts Options) *Model {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("SONDE_ERA_CACHE", "off")
	opts.ReplayDir = dir
	opts.Config.Keepalive = -1
	m := New(context.Background(), opts, nil)
	m.recs = recordings.New(m.look.com, dir)
	m.ticking = true
	m.update(tea.WindowSizeMsg{Width: 140, Height: 44})
	run(m, listRecordings(dir))
	if len(m.recs.Shown()) == 0 {
		t.Fatal("no recordings listed")
	}
	return m
}

// follow runs a component's command and feeds its message back, and so
// on, as the program would (run leaves out other packages' messages).
func follow(m *Model, cmd tea.Cmd) {
	for cmd != nil {
		msg := cmd()
		if msg == nil {
			return
		}
		cmd = upd(m, msg)
	}
}

// choose moves the picker's cursor to the recording named file.
func choose(t *testing.T, m *Model, file string) {
	t.Helper()
	for i, r := range m.recs.Shown() {
		if filepath.Base(r.Path) == file {
			m.recs.Select(i)
			return
		}
	}
	t.Fatalf("%s not listed", file)
}

// ctrl+o on a recording serves it as a mock (in this process, on
// loopback) and the UI attaches to it as to any server: the recorded
// server's tools are listed, and the session is recorded (the tee sees
// it) like any other.
func TestRecordingsPickerMocks(t *testing.T) {
	dir := t.TempDir()
	rectest.Record(t, rectest.Demo(t), dir, "demo.jsonl")
	var mu sync.Mutex
	var teed []mcp.Event
	m := newFixturesModel(t, dir, Options{Tee: func(e mcp.Event) { mu.Lock(); teed = append(teed, e); mu.Unlock() }})
	cmd := press(m, "ctrl+o")
	if cmd == nil || !strings.Contains(plain(m), "opening demo.jsonl") {
		t.Fatalf("ctrl+o does not start the mock:\n%s", plain(m))
	}
	msg, ok := cmd().(mockStartedMsg)
	if !ok || msg.err != nil {
		t.Fatalf("the mock: %+v", msg)
	}
	m.conn.manual = true // the test pumps the feed itself
	l := &live{cmds: newCmds(), t: t, m: m}
	t.Cleanup(func() {
		if m.conn.sess != nil {
			m.conn.sess.Close()
		}
		m.conn.feed.close()
		close(m.conn.feed.reqs) // ends the UI's wait for server requests (the session is gone)
		close(l.done)
		l.wg.Wait()
		m.opened.closeMock()
	})
	l.step(msg)
	m.conn.reqs = nil // the pump takes the server's requests from the feed
	if m.recs != nil || m.opened.mock == nil || !m.conn.live {
		t.Fatalf("not attached: picker %v, mock %v, live %v", m.recs != nil, m.opened.mock != nil, m.conn.live)
	}
	l.pump("connected to the mock and listed", func() bool { return m.conn.sess != nil && m.panes.br.Loaded(listTools) })
	if m.opts.Config.URL != m.opened.mock.l.URL() || !strings.HasPrefix(m.opts.Config.URL, "http://127.0.0.1:") {
		t.Fatalf("attached to %q, the mock is at %q", m.opts.Config.URL, m.opened.mock.l.URL())
	}
	s := plain(m)
	for _, want := range []string{demo.ToolEcho, "sonde-demo"} {
		if !strings.Contains(s, want) {
			t.Errorf("the screen lacks %q:\n%s", want, s)
		}
	}
	mu.Lock()
	n := len(teed)
	mu.Unlock()
	if n == 0 {
		t.Error("the mock's session was not recorded (the tee saw nothing)")
	}
	url := m.opened.mock.l.URL()
	m.opened.closeMock()
	if _, err := mcp.Dial(context.Background(), mcp.Config{URL: url, Keepalive: -1, Timeout: 2 * time.Second}); err == nil {
		t.Error("the mock still serves after the UI closed it")
	}
}

// Two recordings marked with tab, ctrl+d opens their diff; ctrl+r on one
// asks for a server (the recorded one offered) and enter runs the rerun,
// whose report fills in.
func TestRecordingsPickerDiffAndRerun(t *testing.T) {
	dir := t.TempDir()
	demoURL := rectest.Demo(t)
	rectest.Record(t, demoURL, dir, "before.jsonl")
	rectest.Record(t, rectest.Changed(t), dir, "after.jsonl")
	m := newFixturesModel(t, dir, Options{})
	upd(m, tea.KeyPressMsg{Code: tea.KeyF1})
	if s := plain(m); !strings.Contains(s, "Recordings") || !strings.Contains(s, "ctrl+o") || !strings.Contains(s, "ctrl+d") {
		t.Fatalf("the full help lacks the picker's keys:\n%s", s)
	}
	press(m, "esc")
	press(m, "ctrl+d")
	if m.dialogs.top() != nil || !strings.Contains(m.flash.text, "mark two recordings") {
		t.Fatalf("ctrl+d with nothing marked: flash %q", m.flash.text)
	}
	choose(t, m, "before.jsonl")
	press(m, "tab")
	choose(t, m, "after.jsonl")
	press(m, "tab")
	if !strings.Contains(plain(m), "● 2 marked") || m.recs.Filter() != "" {
		t.Fatalf("marks:\n%s", plain(m))
	}
	cmd := press(m, "ctrl+d")
	d, ok := m.dialogs.top().(*recdiff.Dialog)
	if !ok || cmd == nil {
		t.Fatalf("ctrl+d opened %T", m.dialogs.top())
	}
	follow(m, cmd)
	if d.Diff() == nil || d.Diff().Breaking == 0 || !strings.Contains(plain(m), "BREAKING") {
		t.Fatalf("the diff:\n%s", plain(m))
	}
	press(m, "esc")
	if m.dialogs.top() != nil {
		t.Fatal("esc closes the diff")
	}

	choose(t, m, "before.jsonl")
	press(m, "ctrl+r")
	if _, ok := m.dialogs.top().(*rerun.Target); !ok || !strings.Contains(plain(m), demoURL) {
		t.Fatalf("ctrl+r opened %T:\n%s", m.dialogs.top(), plain(m))
	}
	cmd = press(m, "enter")
	rep, ok := m.dialogs.top().(*rerun.Dialog)
	if !ok {
		t.Fatalf("enter opened %T", m.dialogs.top())
	}
	follow(m, cmd)
	if !rep.Done() || rep.Counts().Same < 2 || !strings.Contains(plain(m), "all the same") {
		t.Fatalf("the rerun: %+v\n%s", rep.Counts(), plain(m))
	}
	press(m, "esc")
	if m.dialogs.top() != nil {
		t.Fatal("esc closes the rerun")
	}
}
