package ui

import (
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/dialog/recdiff"
	"github.com/sonde-mcp/sonde/ui/dialog/rerun"
	"github.com/sonde-mcp/sonde/ui/pane/recordings"
)

// `sonde replay` with no FILE opens the recordings picker
// (ui/pane/recordings, Options.ReplayDir); this file is what the root does
// with its choices: enter opens the chosen one in the replay UI (store.Open
// and a store.Player, closed when the UI ends). Listing and opening happen
// in commands.

// NewReplayPlayer starts a player on a recording for the UI, at speed
// (store.PlayerOptions.Speed: 0 is 1x, store.Instant plays at once). Long
// idle stretches of the recording are cut to 5 s.
func NewReplayPlayer(r *store.Reader, speed float64) *store.Player {
	return store.NewPlayer(r, store.PlayerOptions{Speed: speed, MaxGap: 5 * time.Second})
}

// recListMsg carries the recordings found.
type recListMsg struct {
	list []store.Summary
	err  error
}

// replayOpenedMsg carries an opened recording and its player.
type replayOpenedMsg struct {
	path string
	r    *store.Reader
	p    *store.Player
	err  error
}

// listRecordings reads the recordings directory (in a command).
func listRecordings(dir string) tea.Cmd {
	return func() tea.Msg {
		list, err := store.List(dir)
		return recListMsg{list: list, err: err}
	}
}

// openReplay opens a recording and starts its player (in a command).
func openReplay(path string, speed float64) tea.Cmd {
	return func() tea.Msg {
		r, err := store.Open(path)
		if err != nil {
			return replayOpenedMsg{path: path, err: err}
		}
		return replayOpenedMsg{path: path, r: r, p: NewReplayPlayer(r, speed)}
	}
}

// updateRecs routes a message to the recordings picker and carries out
// what it asks.
func (m *Model) updateRecs(msg tea.Msg) tea.Cmd {
	a, cmd := m.recs.Update(msg)
	switch a := a.(type) {
	case recordings.Replay:
		return tea.Batch(cmd, openReplay(a.Path, m.opts.ReplaySpeed))
	case recordings.Mock:
		return tea.Batch(cmd, startMock(a.Path))
	case recordings.Rerun:
		// ask where to re-run it (a.Target: what it was recorded against)
		m.dialogs.open(rerun.NewTarget(m.look.com, a.Path, a.Target, m.opts.Config))
	case recordings.Diff:
		d := recdiff.New(m.look.com, a.A, a.B) // (read in its command)
		m.dialogs.open(d)
		return tea.Batch(cmd, d.Start())
	case recordings.Leave:
		return tea.Batch(cmd, m.quit())
	case recordings.Help:
		m.openHelp()
	default:
		return tea.Batch(cmd, m.act(nil, a))
	}
	return cmd
}

// replayOpened leaves the picker for the replay of the opened recording.
func (m *Model) replayOpened(msg replayOpenedMsg) tea.Cmd {
	if m.recs != nil {
		m.recs.Opened()
	}
	if msg.err != nil {
		m.flash.set("cannot open "+filepath.Base(msg.path)+": "+msg.err.Error(), true)
		return nil
	}
	if m.quitting || m.recs == nil {
		msg.p.Close()
		msg.r.Close()
		return nil
	}
	m.recs = nil
	m.opened.replayFile = &openedReplay{r: msg.r, p: msg.p}
	m.conn.events = msg.p.Events()
	m.opts.Events, m.opts.Replay, m.opts.ReplayStart = m.conn.events, msg.p, msg.r.Header().Start
	m.conn.feed = newFeed(m.s, m.opts.LogWindow, nil) // (the lock Update holds is the old one's: none)
	m.panes.startReplay(m.opts.Replay, m.opts.ReplayStart)
	m.keys.disableLive()
	m.look.com.Now = time.Time{}       // the replay's clock is its events' times
	setOrigin(m.s, m.opts.ReplayStart) // the recording's start (zero: none)
	m.layout()
	m.flash.set("replaying "+filepath.Base(msg.path)+" · space pauses · ? lists the keys", false)
	return tea.Batch(pump(m.conn.events, m.conn.feed), m.conn.listen(), m.tick())
}

// openedReplay is a recording the UI opened itself.
type openedReplay struct {
	r *store.Reader
	p *store.Player
}

// opened is what the recordings picker opened and the root model closes
// when the UI ends: the recording being replayed (replayFile), and the
// recording served as a mock with the session attached to it (mock).
type opened struct {
	replayFile *openedReplay
	mock       *openedMock
}

// closeReplay closes a recording the UI opened (the player first).
func (o *opened) closeReplay() {
	if r := o.replayFile; r != nil {
		o.replayFile = nil
		r.p.Close()
		r.r.Close()
	}
}

// closeMock stops the mock the UI serves, if any.
func (o *opened) closeMock() {
	if mk := o.mock; mk != nil {
		o.mock = nil
		mk.close()
	}
}
