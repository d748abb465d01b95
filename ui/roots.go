package ui

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/termsafe"
)

// Roots are the directories the user lets the server see. They come from
// --root (Options.Roots), are edited in the roots dialog, answer
// roots/list (and the 2026-07-28 roots input request) without asking, and
// every edit sends notifications/roots/list_changed in the legacy eras
// (2026-07-28 has no such notification: the server asks again when it
// needs them).

// rootEntry is one root as sent: a file:// URI and an optional name.
type rootEntry struct {
	URI  string `json:"uri"`
	Name string `json:"name,omitempty"`
}

// rootsEnv is what turning a path into a URI needs, captured once so
// Update does no IO.
type rootsEnv struct {
	cwd, home string
}

func newRootsEnv() rootsEnv {
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	return rootsEnv{cwd: cwd, home: home}
}

// makeRoot turns what the user typed (a path, ~/path, or a URI) into a
// root. A URI with a scheme is kept as typed; a path becomes an absolute
// file:// URI. The name defaults to the last path element.
func (env rootsEnv) makeRoot(typed, name string) (rootEntry, error) {
	typed = strings.TrimSpace(typed)
	name = strings.TrimSpace(name)
	if typed == "" {
		return rootEntry{}, fmt.Errorf("empty path")
	}
	if u, err := url.Parse(typed); err == nil && len(u.Scheme) > 1 && strings.Contains(typed, "://") {
		if name == "" {
			name = filepath.Base(strings.TrimSuffix(u.Path, "/"))
			if name == "." || name == "/" {
				name = ""
			}
		}
		return rootEntry{URI: typed, Name: name}, nil
	}
	p := typed
	if p == "~" || strings.HasPrefix(p, "~/") {
		if env.home == "" {
			return rootEntry{}, fmt.Errorf("no home directory to expand ~")
		}
		p = filepath.Join(env.home, strings.TrimPrefix(p, "~"))
	}
	if !filepath.IsAbs(p) {
		if env.cwd == "" {
			return rootEntry{}, fmt.Errorf("relative path and no working directory")
		}
		p = filepath.Join(env.cwd, p)
	}
	p = filepath.Clean(p)
	if name == "" {
		name = filepath.Base(p)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(p)}
	return rootEntry{URI: u.String(), Name: name}, nil
}

// rootPath is the local path of a file:// root ("" for other URIs).
func rootPath(r rootEntry) string {
	u, err := url.Parse(r.URI)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return filepath.FromSlash(u.Path)
}

// rootsResult is the answer to roots/list.
func (m *Model) rootsResult() map[string]any {
	roots := make([]rootEntry, len(m.roots))
	copy(roots, m.roots)
	return map[string]any{"roots": roots}
}

// initRoots seeds the roots from Options.Roots; entries that cannot be
// turned into roots are reported in the footer.
func (m *Model) initRoots() {
	var bad []string
	for _, r := range m.opts.Roots {
		e, err := m.rootsEnv.makeRoot(r, "")
		if err != nil {
			bad = append(bad, r+": "+err.Error())
			continue
		}
		m.roots = append(m.roots, e)
	}
	if len(bad) > 0 {
		m.setFlash("--root: "+strings.Join(bad, "; "), true)
	}
}

// rootsChanged tells the server the roots changed (legacy eras only) and
// checks the new paths exist.
func (m *Model) rootsChanged() tea.Cmd {
	cmds := []tea.Cmd{m.checkRoots()}
	switch {
	case !m.canAct():
	case m.info != nil && m.info.Era == "modern":
		m.setFlash("roots updated; 2026-07-28 has no list_changed notification, the server asks again when it needs them", false)
	default:
		sess, ctx := m.sess, m.ctx
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
	roots := append([]rootEntry(nil), m.roots...)
	return func() tea.Msg {
		missing := map[string]bool{}
		for _, r := range roots {
			if p := rootPath(r); p != "" {
				if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
					missing[r.URI] = true
				}
			}
		}
		return rootsCheckedMsg{missing: missing}
	}
}

// ---- the roots dialog ----

// rootsDialog edits the roots: add, edit, remove, reorder.
type rootsDialog struct {
	cursor  int
	editing bool
	editIdx int // -1 adds
	field   int // 0 path, 1 name
	path    textinput.Model
	name    textinput.Model
	err     string
}

func newRootsDialog(m *Model) *rootsDialog {
	mk := func(prompt, ph string) textinput.Model {
		ti := textinput.New()
		ti.Prompt = prompt
		ti.Placeholder = ph
		ti.CharLimit = 4096
		return ti
	}
	return &rootsDialog{path: mk("path ", "/path/to/project, ~/src/app or file:///…"), name: mk("name ", "(last path element)")}
}

func (d *rootsDialog) help(*Model) []key.Binding {
	if d.editing {
		return []key.Binding{kb("enter", "save"), kb("tab", "path/name"), kb("esc", "cancel")}
	}
	return []key.Binding{kb("a", "add"), kb("enter", "edit"), kb("d", "remove"), kb("alt+↑↓", "move"), kb("esc", "close")}
}

func (d *rootsDialog) forward(msg tea.Msg) tea.Cmd {
	if !d.editing {
		return nil
	}
	var c tea.Cmd
	if d.field == 0 {
		d.path, c = d.path.Update(msg)
	} else {
		d.name, c = d.name.Update(msg)
	}
	return c
}

func (d *rootsDialog) startEdit(m *Model, idx int) tea.Cmd {
	d.editing, d.editIdx, d.field, d.err = true, idx, 0, ""
	d.path.SetValue("")
	d.name.SetValue("")
	if idx >= 0 && idx < len(m.roots) {
		r := m.roots[idx]
		p := rootPath(r)
		if p == "" {
			p = r.URI
		}
		d.path.SetValue(p)
		d.name.SetValue(r.Name)
	}
	d.path.CursorEnd()
	d.name.Blur()
	return d.path.Focus()
}

func (d *rootsDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	if d.editing {
		switch msg.String() {
		case "esc":
			d.editing, d.err = false, ""
			return nil
		case "tab", "shift+tab":
			d.field = 1 - d.field
			if d.field == 0 {
				d.name.Blur()
				return d.path.Focus()
			}
			d.path.Blur()
			return d.name.Focus()
		case "enter":
			r, err := m.rootsEnv.makeRoot(d.path.Value(), d.name.Value())
			if err != nil {
				d.err = err.Error()
				return nil
			}
			for i, x := range m.roots {
				if x.URI == r.URI && i != d.editIdx {
					d.err = "already a root"
					return nil
				}
			}
			if d.editIdx >= 0 && d.editIdx < len(m.roots) {
				m.roots[d.editIdx] = r
				d.cursor = d.editIdx
			} else {
				m.roots = append(m.roots, r)
				d.cursor = len(m.roots) - 1
			}
			d.editing, d.err = false, ""
			return m.rootsChanged()
		}
		return d.forward(msg)
	}
	switch msg.String() {
	case "a", "n", "+", "insert":
		return d.startEdit(m, -1)
	case "enter", "e":
		if len(m.roots) == 0 {
			return d.startEdit(m, -1)
		}
		return d.startEdit(m, d.cursor)
	case "d", "x", "delete", "backspace", "-":
		if d.cursor < len(m.roots) {
			m.roots = append(m.roots[:d.cursor], m.roots[d.cursor+1:]...)
			d.cursor = max(0, min(d.cursor, len(m.roots)-1))
			return m.rootsChanged()
		}
	case "up", "k":
		d.cursor = max(0, d.cursor-1)
	case "down", "j":
		d.cursor = max(0, min(len(m.roots)-1, d.cursor+1))
	case "alt+up", "ctrl+up", "alt+down", "ctrl+down":
		j := d.cursor - 1
		if strings.HasSuffix(msg.String(), "down") {
			j = d.cursor + 1
		}
		if d.cursor < len(m.roots) && j >= 0 && j < len(m.roots) {
			m.roots[d.cursor], m.roots[j] = m.roots[j], m.roots[d.cursor]
			d.cursor = j
			return m.rootsChanged()
		}
	case "esc", "q", "F":
		m.popDialog()
	}
	return nil
}

func (d *rootsDialog) view(m *Model, W, H int) string {
	st := m.st
	w := min(W-4, 100)
	iw := w - 2
	var lines []string
	era := ""
	if m.info != nil && m.info.Era == "modern" {
		era = " (2026-07-28: no list_changed; the server asks when it needs them)"
	}
	for _, l := range wrapLines("The directories the server may see, answered to roots/list; edits send notifications/roots/list_changed"+era+".", iw) {
		lines = append(lines, st.Muted.Render(l))
	}
	if m.rootsAsked > 0 {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("the server has asked %d time(s)", m.rootsAsked)))
	}
	lines = append(lines, "")
	if len(m.roots) == 0 {
		lines = append(lines, st.Muted.Render("  no roots: the server gets an empty list (a adds one; --root PATH sets them at start)"))
	}
	for i, r := range m.roots {
		name := termsafe.Line(r.Name)
		uri := termsafe.Line(r.URI)
		line := padRight(ansi.Truncate(name, 20, "…"), 21) + uri
		if m.rootMissing[r.URI] {
			line += "  ⚠ not found"
		}
		if !strings.HasPrefix(r.URI, "file://") {
			line += "  ⚠ not file://"
		}
		line = ansi.Truncate(line, iw-2, "…")
		if i == d.cursor && !d.editing {
			lines = append(lines, st.Selected.Render("▸ "+line))
		} else {
			lines = append(lines, "  "+st.Text.Render(line))
		}
	}
	if d.editing {
		title := "add a root"
		if d.editIdx >= 0 {
			title = "edit the root"
		}
		lines = append(lines, "", st.Accent2.Render(title))
		d.path.SetWidth(max(10, iw-8))
		d.name.SetWidth(max(10, iw-8))
		lines = append(lines, ansi.Truncate(d.path.View(), iw, ""), ansi.Truncate(d.name.View(), iw, ""))
		if d.err != "" {
			lines = append(lines, st.Err.Render(termsafe.Line(d.err)))
		}
	}
	lines = append(lines, "")
	return frame(st, fmt.Sprintf("Roots %d", len(m.roots)), lines, bindingHelp(st, d.help(m)...), w, H-2)
}
