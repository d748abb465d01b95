package ui

import "time"

// startReplay shows the timeline in a replay: the bottom pane opens on
// it, its axis starting at the recording's start, and the live-only parts
// of the panes are off.
func (p *paneSet) startReplay(r ReplayControl, start time.Time) {
	p.logView = viewTimeline
	p.disableLive()
	p.timeline.SetReplay(r, start)
}
