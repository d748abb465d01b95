package ui

import tea "charm.land/bubbletea/v2"

// paneAt returns the pane under screen position (x, y).
func (m *Model) paneAt(x, y int) (pane, rect, bool) {
	rs := m.paneRects()
	if m.zoom {
		return m.focus, rs[m.focus], rs[m.focus].contains(x, y)
	}
	for p := pane(0); p < numPanes; p++ {
		if rs[p].contains(x, y) {
			return p, rs[p], true
		}
	}
	return 0, rect{}, false
}

// handleWheel scrolls the pane under the pointer (or the top dialog).
func (m *Model) handleWheel(msg tea.MouseWheelMsg) {
	ms := msg.Mouse()
	if ms.Button != tea.MouseWheelUp && ms.Button != tea.MouseWheelDown {
		return
	}
	if top := m.dialogs.top(); top != nil {
		m.updateDialog(top, msg)
		return
	}
	if m.recs != nil {
		m.updateRecs(msg)
		return
	}
	if m.picker != nil {
		m.updatePicker(msg)
		return
	}
	p, r, ok := m.paneAt(ms.X, ms.Y)
	if !ok {
		return
	}
	switch p {
	case paneBrowser:
		m.updateBrowser(tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
	case paneLog:
		switch m.logView {
		case viewServerLog:
			m.srvLog.Update(tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
		case viewTasks:
			m.updatePane(m.tasks, tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
		case viewFaults:
			m.updatePane(m.faults, tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
		case viewAuth:
			m.updatePane(m.auth, tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
		case viewTimeline:
			m.updatePane(m.timeline, tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
		default:
			m.updatePane(m.log, tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
		}
	case paneWork:
		m.work.Update(tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
	}
}

// handleClick focuses the pane under the pointer and selects what was
// clicked.
func (m *Model) handleClick(msg tea.MouseClickMsg) tea.Cmd {
	ms := msg.Mouse()
	if ms.Button != tea.MouseLeft || m.dialogs.top() != nil || m.picker != nil || m.recs != nil {
		return nil
	}
	if ms.Y == 0 { // the header: how the connection was detected
		m.dialogs.open(newConnDialog(m.look.com, m.opts.Config, m.s))
		return nil
	}
	p, r, ok := m.paneAt(ms.X, ms.Y)
	if !ok {
		return nil
	}
	prev := m.focus
	cmd := m.setFocus(p)
	x, y := ms.X-r.x-1, ms.Y-r.y-1
	switch p {
	case paneBrowser:
		m.br.SetFocused(p == prev) // a second click opens
		return tea.Batch(cmd, m.updateBrowser(tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
	case paneLog:
		switch m.logView {
		case viewServerLog:
			m.srvLog.SetFocused(p == prev)
			return tea.Batch(cmd, m.updatePane(m.srvLog, tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
		case viewTasks:
			m.tasks.SetFocused(p == prev)
			return tea.Batch(cmd, m.updatePane(m.tasks, tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
		case viewFaults:
			m.faults.SetFocused(p == prev)
			return tea.Batch(cmd, m.updatePane(m.faults, tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
		case viewAuth:
			m.auth.SetFocused(p == prev)
			return tea.Batch(cmd, m.updatePane(m.auth, tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
		case viewTimeline:
			m.timeline.SetFocused(p == prev)
			return tea.Batch(cmd, m.updatePane(m.timeline, tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
		}
		m.log.SetFocused(p == prev)
		return tea.Batch(cmd, m.updatePane(m.log, tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
	}
	return cmd
}
