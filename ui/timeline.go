package ui

import "time"

// startReplayView shows the timeline in a replay: the bottom pane opens on
// it, its axis starting at the recording's start.
func (m *Model) startReplayView() {
	m.panes.logView = viewTimeline
	m.keys.disableLive()
	m.panes.disableLive()
	m.panes.timeline.SetReplay(m.opts.Replay, m.opts.ReplayStart)
	m.look.com.Now = time.Time{} // the replay's clock is its events' times
	if !m.opts.ReplayStart.IsZero() {
		setOrigin(m.s, m.opts.ReplayStart)
	}
}
