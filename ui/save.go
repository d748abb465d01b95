package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/termsafe"
)

// Saving asks where: the file name is prefilled (a new file in
// $SONDE_SAVE_DIR or the current directory) and can be changed before
// anything is written. What is saved came from a server and may hold
// secrets, so files are created 0600, and never over an existing file.

// PromptKeys answer a one-line prompt (the file name to save to).
type PromptKeys struct {
	Accept key.Binding
	Cancel key.Binding
}

func defaultPromptKeys() PromptKeys {
	return PromptKeys{
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// saveAsDialog asks for the file to write s to.
type saveAsDialog struct {
	s     saveable
	input textinput.Model
	err   string
	busy  bool // the write is under way
}

// askSave opens the prompt for saving s; subject names the default file.
func (m *Model) askSave(s saveable, subject string) tea.Cmd {
	ti := textinput.New()
	ti.Prompt = "file "
	ti.CharLimit = 4096
	ti.SetValue(filepath.Join(saveDir(), defaultSaveName(subject, s.ext, time.Now())))
	ti.CursorEnd()
	d := &saveAsDialog{s: s, input: ti}
	m.pushDialog(d)
	return d.input.Focus()
}

// defaultSaveName is sonde-SUBJECT-TIME.EXT.
func defaultSaveName(subject, ext string, t time.Time) string {
	base := sanitizeFileName(subject)
	if base == "" {
		base = "result"
	}
	return fmt.Sprintf("sonde-%s-%s.%s", base, t.Format("20060102-150405"), ext)
}

func (d *saveAsDialog) help(m *Model) []key.Binding {
	return []key.Binding{m.keys.Prompt.Accept, m.keys.Prompt.Cancel}
}

func (d *saveAsDialog) forward(msg tea.Msg) tea.Cmd {
	var c tea.Cmd
	d.input, c = d.input.Update(msg)
	return c
}

func (d *saveAsDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Prompt.Cancel):
		m.removeDialog(d)
		return nil
	case key.Matches(msg, m.keys.Prompt.Accept):
		if d.busy {
			return nil
		}
		d.busy, d.err = true, ""
		return writeNewFile(d, d.input.Value(), d.s.data)
	}
	d.err = ""
	return d.forward(msg)
}

func (d *saveAsDialog) view(m *Model, W, H int) string {
	st := m.st
	w := min(W-4, 100)
	iw := w - 2
	d.input.SetWidth(max(10, iw-6))
	lines := []string{
		st.Text.Render(ansi.Truncate(fmt.Sprintf("%s · %d bytes", d.s.label, len(d.s.data)), iw, "…")),
		"",
		ansi.Truncate(d.input.View(), iw, ""),
	}
	switch {
	case d.err != "":
		for _, l := range wrapLines(termsafe.Line(d.err), iw) {
			lines = append(lines, st.Err.Render(l))
		}
	case d.busy:
		lines = append(lines, st.Muted.Render("writing…"))
	default:
		lines = append(lines, st.Muted.Render("a new file, readable by you only (0600); ~ is your home"))
	}
	lines = append(lines, "")
	return frame(st, "Save to a file", lines, bindingHelp(st, d.help(m)...), w, H-2)
}

// savedMsg is the outcome of a write started by a saveAsDialog.
type savedMsg struct {
	d    *saveAsDialog
	path string
	n    int
	err  error
}

// saved closes the prompt after a write, or shows why it failed (the
// prompt stays, to choose another name).
func (m *Model) saved(msg savedMsg) tea.Cmd {
	msg.d.busy = false
	if msg.err != nil {
		msg.d.err = msg.err.Error()
		return nil
	}
	m.removeDialog(msg.d)
	m.setFlash(fmt.Sprintf("saved %d bytes to %s", msg.n, msg.path), false)
	return nil
}

// writeNewFile writes data to a new file at path (IO happens in the
// command): 0600, never replacing a file that exists.
func writeNewFile(d *saveAsDialog, path string, data []byte) tea.Cmd {
	return func() tea.Msg {
		p, err := expandSavePath(path)
		if err != nil {
			return savedMsg{d: d, err: err}
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return savedMsg{d: d, err: fmt.Errorf("%s exists: choose another name", p)}
		}
		if err != nil {
			return savedMsg{d: d, err: err}
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(p)
			return savedMsg{d: d, err: err}
		}
		return savedMsg{d: d, path: p, n: len(data)}
	}
}

// expandSavePath trims the typed path and expands a leading ~.
func expandSavePath(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", errors.New("type a file name")
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory to expand ~: %w", err)
		}
		p = filepath.Join(home, strings.TrimPrefix(p, "~"))
	}
	return p, nil
}
