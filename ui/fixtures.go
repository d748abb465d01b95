package ui

import (
	"context"
	"encoding/json"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/fixture"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
)

// Recordings as fixtures, from the recordings picker: mock one (the mock
// serves it on loopback, in this process, and the UI attaches to it as to
// any server: shown, and recorded like any session), re-run one against a
// server (ui/dialog/rerun), diff two (ui/dialog/recdiff).

// openedMock is a recording the UI serves as a mock.
type openedMock struct {
	l *fixture.Listener
	r *store.Reader
}

func (o *openedMock) close() {
	o.l.Close()
	o.r.Close()
}

// mockStartedMsg carries a mock started on loopback (or why not).
type mockStartedMsg struct {
	path      string
	mock      *openedMock
	savedArgs map[string]map[string]json.RawMessage
	err       error
}

// startMock opens and indexes a recording and serves it as a mock on a
// free loopback port (in a command).
func startMock(path string) tea.Cmd {
	return func() tea.Msg {
		r, err := store.Open(path)
		if err != nil {
			return mockStartedMsg{path: path, err: err}
		}
		ix, err := fixture.NewIndex(context.Background(), r, 0)
		if err != nil {
			r.Close()
			return mockStartedMsg{path: path, err: err}
		}
		l, err := fixture.NewMock(ix, fixture.MockOptions{Source: path}).Listen("127.0.0.1:0")
		if err != nil {
			r.Close()
			return mockStartedMsg{path: path, err: err}
		}
		return mockStartedMsg{path: path, mock: &openedMock{l: l, r: r}, savedArgs: config.LoadLastArgs()}
	}
}

// mockStarted leaves the picker for a live session with the mock.
func (m *Model) mockStarted(msg mockStartedMsg) tea.Cmd {
	if m.recs != nil {
		m.recs.Opened()
	}
	if msg.err != nil {
		m.flash.set("cannot mock "+filepath.Base(msg.path)+": "+msg.err.Error(), true)
		return nil
	}
	if m.quitting || m.recs == nil {
		msg.mock.close()
		return nil
	}
	m.recs = nil
	m.opened.mock = msg.mock
	// what newLive makes: a feed that records (the tee) and carries the
	// server's requests
	m.conn.live = true
	m.conn.feed = newFeed(m.s, m.opts.LogWindow, m.opts.Tee)
	m.conn.reqs = m.conn.feed.reqs
	m.calls.savedArgs = msg.savedArgs
	name := "mock of " + filepath.Base(msg.path)
	cmd := m.connectTo(config.Server{Name: name, Source: "mock", Config: mcp.Config{URL: msg.mock.l.URL()}})
	m.flash.set("serving "+filepath.Base(msg.path)+" as a mock at "+msg.mock.l.URL()+"; connecting…", false)
	return tea.Batch(cmd, listenRequests(m.conn.reqs), m.conn.listen(), m.tick())
}
