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
	d := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return
	}
	if top := m.topDialog(); top != nil {
		if s, ok := top.(interface{ scroll(int) }); ok {
			s.scroll(d)
		}
		return
	}
	if m.recs != nil {
		m.recs.move(d / 3)
		return
	}
	if m.picker != nil {
		m.picker.cursor = max(0, min(len(m.picker.entries)-1, m.picker.cursor+d/3))
		return
	}
	p, _, ok := m.paneAt(ms.X, ms.Y)
	if !ok {
		return
	}
	switch p {
	case paneBrowser:
		m.br.move(d / 3)
		m.showSelected()
	case paneLog:
		switch m.logView {
		case viewServerLog:
			m.srvLog.list.move(d, len(m.srvLog.matches))
		case viewTasks:
			m.taskList.move(d/3, len(m.tasks))
		case viewTimeline:
			m.wf.list.move(d/3, len(m.wf.spans()))
			m.tlShowSelected()
		default:
			m.log.move(d)
		}
	case paneWork:
		if m.work.mode == workForm && m.work.form != nil {
			k := tea.KeyPressMsg{Code: tea.KeyDown}
			if d < 0 {
				k = tea.KeyPressMsg{Code: tea.KeyUp}
			}
			for i := 0; i < 3; i++ {
				m.work.form.Update(k)
			}
			return
		}
		m.work.offset += d
	}
}

// handleClick focuses the pane under the pointer and selects what was
// clicked.
func (m *Model) handleClick(msg tea.MouseClickMsg) tea.Cmd {
	ms := msg.Mouse()
	if ms.Button != tea.MouseLeft || m.topDialog() != nil || m.picker != nil || m.recs != nil {
		return nil
	}
	if ms.Y == 0 { // the header: how the connection was detected
		m.pushDialog(&connDialog{})
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
		before := m.br.selected()
		if y == 0 {
			m.br.clickTab(x)
		} else if m.br.clickRow(y) {
			if before != nil && m.br.selected() == before && p == prev {
				return tea.Batch(cmd, m.openSelected()) // a second click opens
			}
			m.showSelected()
		}
	case paneLog:
		switch m.logView {
		case viewServerLog:
			before := m.srvLog.selected()
			if m.srvLog.list.clickRow(y, len(m.srvLog.matches)) && before != nil && m.srvLog.selected() == before && p == prev {
				m.pushDialog(&logMessageDialog{e: *before})
			}
			return cmd
		case viewTasks:
			before := m.taskList.cursor
			if m.taskList.clickRow(y, len(m.tasks)) && before == m.taskList.cursor && p == prev {
				return tea.Batch(cmd, m.tasksKey(tea.KeyPressMsg{Code: tea.KeyEnter}))
			}
			return cmd
		case viewTimeline:
			before := m.wf.selected()
			if m.tlClick(x, y, m.log.width) && before != nil && m.wf.selected() == before && p == prev {
				return tea.Batch(cmd, m.tlJump(true)) // a second click opens
			}
			return cmd
		}
		before := m.log.selected()
		m.log.clickRow(y)
		if en := m.log.selected(); en != nil && en == before && p == prev {
			m.pushDialog(newDetailDialog(m, en))
		}
	}
	return cmd
}
