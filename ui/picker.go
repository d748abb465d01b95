package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
	"github.com/sonde-mcp/sonde/ui/pane/picker"
)

// The server picker is ui/pane/picker; this file is what the root does
// with its choices.

// newPicker is the picker over the servers found.
func newPicker(c *common.Common, cfg mcp.Config, entries []config.Server, errs []error) *picker.Pane {
	return picker.New(c, entries, errs, cfg)
}

// updatePicker routes a message to the picker and carries out what it asks.
func (m *Model) updatePicker(msg tea.Msg) tea.Cmd {
	a, cmd := m.picker.Update(msg)
	switch a := a.(type) {
	case picker.Connect:
		c := m.connectTo(a.Server)
		if a.Save {
			c = tea.Batch(c, saveServerCmd(a.Server.Name, a.Server.Config))
		}
		return tea.Batch(cmd, c)
	case picker.Leave:
		if m.conn.sess != nil || m.s.Conn.Info != nil {
			m.picker = nil // back to the current server
			return cmd
		}
		if !m.picker.Typing() {
			return tea.Batch(cmd, m.quit())
		}
		return cmd
	case picker.Quit:
		return tea.Batch(cmd, m.quit())
	case picker.Doctor:
		return tea.Batch(cmd, m.openDoctor(a.Config))
	}
	return tea.Batch(cmd, m.act(nil, a))
}

func saveServerCmd(name string, cfg mcp.Config) tea.Cmd {
	return func() tea.Msg {
		if err := config.Save(name, cfg); err != nil {
			return flashMsg{text: "could not save the server: " + err.Error(), err: true}
		}
		return nil
	}
}

// connectTo leaves the picker, forgets the current server and dials the
// chosen one. Connection
// flags given on the command line (bearer, headers, timeouts) still apply.
func (m *Model) connectTo(e config.Server) tea.Cmd {
	cfg := e.With(m.opts.Config)
	// everything about the current server is forgotten
	m.conn.forget()
	m.calls.cancelAll()
	m.s.ForgetServer()
	m.subs.resub = nil
	m.panes.br = browser.New(m.look.com, m.s)
	m.panes.work.Reset()
	m.screen.focus = paneBrowser
	m.opts.Config = cfg
	m.picker = nil
	m.conn.live = true
	m.layout()
	m.flash.set("connecting to "+strings.TrimSpace(e.Name)+"…", false)
	return m.conn.dial(&m.opts)
}

// pickerMsg carries the servers found on disk to the picker.
type pickerMsg struct {
	entries []config.Server
	errs    []error
}

// discoverServers reads the server files (file: --config, "" for the
// usual places) for the picker, in a command (no IO in Update); the
// current session stays until another is chosen.
func discoverServers(file string) tea.Cmd {
	return func() tea.Msg {
		entries, errs := config.Discover(file)
		return pickerMsg{entries, errs}
	}
}
