package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/ui/dialog/roots"
)

// Roots (ui/dialog/roots) are the directories the user lets the server
// see: from --root, edited in the roots dialog (F), answering roots/list
// without asking. This file is what the root model does with them.

// seedRoots adds the roots of Options.Roots (paths) to set; it says which
// entries cannot be turned into roots ("" when all can), for the footer.
func seedRoots(set *roots.Set, paths []string) (bad string) {
	var bads []string
	for _, r := range paths {
		e, err := set.Env.Make(r, "")
		if err != nil {
			bads = append(bads, r+": "+err.Error())
			continue
		}
		set.Roots = append(set.Roots, e)
	}
	return strings.Join(bads, "; ")
}

// rootsChanged tells the server the roots changed (legacy eras only) and
// checks the new paths exist.
func (m *Model) rootsChanged() tea.Cmd {
	cmds := []tea.Cmd{checkRoots(m.roots)}
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

// checkRoots stats every file:// root of set (in a command).
func checkRoots(set *roots.Set) tea.Cmd {
	list := append([]roots.Root(nil), set.Roots...)
	return func() tea.Msg { return rootsCheckedMsg{missing: roots.Missing(list)} }
}

// openRoots opens the roots dialog.
func (m *Model) openRoots() {
	m.dialogs.open(roots.New(m.look.com, m.roots, m.s.Conn.Info != nil && m.s.Conn.Info.Era == "modern"))
}
