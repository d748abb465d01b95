package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/ui/dialog/roots"
)

// Roots (ui/dialog/roots) are the directories the user lets the server
// see: from --root, edited in the roots dialog (F), answering roots/list
// without asking. This file is what the root model does with them.

// initRoots seeds the roots from Options.Roots; entries that cannot be
// turned into roots are reported in the footer.
func (m *Model) initRoots() {
	var bad []string
	for _, r := range m.opts.Roots {
		e, err := m.roots.Env.Make(r, "")
		if err != nil {
			bad = append(bad, r+": "+err.Error())
			continue
		}
		m.roots.Roots = append(m.roots.Roots, e)
	}
	if len(bad) > 0 {
		m.flash.set("--root: "+strings.Join(bad, "; "), true)
	}
}

// rootsChanged tells the server the roots changed (legacy eras only) and
// checks the new paths exist.
func (m *Model) rootsChanged() tea.Cmd {
	cmds := []tea.Cmd{m.checkRoots()}
	switch {
	case !m.conn.canAct():
	case m.s.Conn.Info != nil && m.s.Conn.Info.Era == "modern":
		m.flash.set("roots updated; 2026-07-28 has no list_changed notification, the server asks again when it needs them", false)
	default:
		sess, ctx := m.conn.sess, m.conn.ctx
		cmds = append(cmds, func() tea.Msg {
			if err := sess.Notify(ctx, "notifications/roots/list_changed", nil); err != nil {
				return flashMsg{text: "notifications/roots/list_changed: " + describeErr(err), err: true}
			}
			return flashMsg{text: "roots updated; sent notifications/roots/list_changed"}
		})
	}
	return tea.Batch(cmds...)
}

// rootsCheckedMsg says which roots do not exist on this machine.
type rootsCheckedMsg struct{ missing map[string]bool }

// checkRoots stats every file:// root (in a command).
func (m *Model) checkRoots() tea.Cmd {
	list := append([]roots.Root(nil), m.roots.Roots...)
	return func() tea.Msg { return rootsCheckedMsg{missing: roots.Missing(list)} }
}

// openRoots opens the roots dialog.
func (m *Model) openRoots() {
	m.dialogs.open(roots.New(m.look.com, m.roots, m.s.Conn.Info != nil && m.s.Conn.Info.Era == "modern"))
}
