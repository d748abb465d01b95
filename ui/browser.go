package ui

import (
	tea "charm.land/bubbletea/v2"

	"encoding/json"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
)

// The browser is ui/pane/browser; these are the root's short names for
// its items and lists, which the work pane and the calls use too.
type (
	item     = browser.Item
	listKind = browser.Kind
)

const (
	listTools     = browser.Tools
	listResources = browser.Resources
	listTemplates = browser.Templates
	listPrompts   = browser.Prompts
	numLists      = browser.NumKinds
)

// nextCursor is a list result's nextCursor (the listing loop's own
// answer: only its cursor is read; the items reach the browser through
// the state).
func nextCursor(raw json.RawMessage) string {
	var page struct {
		Next string `json:"nextCursor"`
	}
	mcp.DecodeLenient(raw, &page)
	return page.Next
}

// updateBrowser routes a message to the browser and carries out what it
// asks.
func (m *Model) updateBrowser(msg tea.Msg) tea.Cmd {
	a, cmd := m.panes.br.Update(msg)
	switch a := a.(type) {
	case browser.Show:
		m.panes.preview(m.screen.focus == paneWork)
	case browser.Open:
		return tea.Batch(cmd, m.openSelected())
	case browser.Refresh:
		if !m.conn.canAct() {
			m.flash.set(m.conn.whyNot(), true)
			return cmd
		}
		return tea.Batch(cmd, m.conn.refresh(inflight{}, m.s, m.panes.br))
	case browser.Schema:
		m.dialogs.open(newSchemaDialog(m.look.com, a.Item))
	default:
		return tea.Batch(cmd, m.act(nil, a))
	}
	return cmd
}
