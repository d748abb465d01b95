package ui

import tea "charm.land/bubbletea/v2"

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
	p, r, ok := m.screen.paneAt(m.layout(), ms.X, ms.Y)
	if !ok {
		return
	}
	switch p {
	case paneBrowser:
		m.updateBrowser(tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
	case paneLog:
		wheel := tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button}
		if m.panes.logView == viewServerLog {
			m.panes.srvLog.Update(wheel) // (it asks nothing of a wheel)
		} else {
			m.updatePane(m.panes.bottom(), wheel)
		}
	case paneWork:
		m.panes.work.Update(tea.MouseWheelMsg{X: ms.X - r.x - 1, Y: ms.Y - r.y - 1, Button: ms.Button})
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
	p, r, ok := m.screen.paneAt(m.layout(), ms.X, ms.Y)
	if !ok {
		return nil
	}
	prev := m.screen.focus
	cmd := m.setFocus(p)
	x, y := ms.X-r.x-1, ms.Y-r.y-1
	switch p {
	case paneBrowser:
		m.panes.br.SetFocused(p == prev) // a second click opens
		return tea.Batch(cmd, m.updateBrowser(tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
	case paneLog:
		b := m.panes.bottom()
		b.SetFocused(p == prev) // a second click opens
		return tea.Batch(cmd, m.updatePane(b, tea.MouseClickMsg{X: x, Y: y, Button: ms.Button}))
	}
	return cmd
}
