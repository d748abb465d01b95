// Package saveas is the prompt that asks where to save something (a
// result, one of its blocks, an event): the file name is prefilled (a new
// file in $SONDE_SAVE_DIR or the current directory) and can be changed
// before anything is written. What is saved came from a server and may
// hold secrets, so files are created 0600, and never over an existing
// file.
package saveas

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
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
)

// Item is something to save: what it is (drawn as it is: terminal-safe),
// the extension of its file, and its bytes.
type Item struct {
	Label string
	Ext   string
	Data  []byte
}

// Ask asks the root to open the prompt for saving Item; Subject names the
// default file (sonde-SUBJECT-TIME.EXT).
type Ask struct {
	Item    Item
	Subject string
}

// KeyMap is the prompt's keys (the file name's field has its own editing
// keys).
type KeyMap struct {
	Accept key.Binding
	Cancel key.Binding
}

// DefaultKeyMap returns enter to save and esc to cancel.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// Dialog asks for the file to write an Item to.
type Dialog struct {
	c     *common.Common
	item  Item
	input textinput.Model
	err   string
	busy  bool // the write is under way
	Keys  KeyMap
}

var _ component.Dialog = (*Dialog)(nil)

// New is the prompt for saving it, prefilled with a new file named for
// subject in [Dir].
func New(c *common.Common, it Item, subject string) *Dialog {
	ti := textinput.New()
	ti.Prompt = "file "
	ti.CharLimit = 4096
	ti.SetValue(filepath.Join(Dir(), DefaultName(subject, it.Ext, time.Now())))
	ti.CursorEnd()
	ti.Focus()
	return &Dialog{c: c, item: it, input: ti, Keys: DefaultKeyMap()}
}

// Init is the command to run when the prompt opens: the blink of the
// field's cursor.
func (d *Dialog) Init() tea.Cmd { return d.input.Focus() }

// Dir is where things are saved: $SONDE_SAVE_DIR or the current directory.
func Dir() string {
	if d := os.Getenv("SONDE_SAVE_DIR"); d != "" {
		return d
	}
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "."
}

// DefaultName is sonde-SUBJECT-TIME.EXT, the subject cut to a short run
// of letters, digits, - and _.
func DefaultName(subject, ext string, t time.Time) string {
	base := sanitize(subject)
	if base == "" {
		base = "result"
	}
	return fmt.Sprintf("sonde-%s-%s.%s", base, t.Format("20060102-150405"), ext)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "_")
}

// Saved is the outcome of a write a prompt started. The root hands it to
// [Saved.For] even when that prompt was cancelled meanwhile, so a file
// written is always told.
type Saved struct {
	d    *Dialog
	path string
	n    int
	err  error
}

// For is the prompt that started the write.
func (s Saved) For() *Dialog { return s.d }

// Update implements [component.Component].
func (d *Dialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case Saved:
		if msg.d != d {
			return nil, nil
		}
		d.busy = false
		if msg.err != nil {
			// the prompt stays, to choose another name
			d.err = msg.err.Error()
			return nil, nil
		}
		return component.Then(component.Close{}, component.Flash{Text: fmt.Sprintf("saved %d bytes to %s", msg.n, msg.path)}), nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, d.Keys.Cancel):
			return component.Close{}, nil
		case key.Matches(msg, d.Keys.Accept):
			if d.busy {
				return nil, nil
			}
			d.busy, d.err = true, ""
			return nil, d.write(d.input.Value(), d.item.Data)
		}
		d.err = ""
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return nil, cmd
}

// write writes data to a new file at path (IO happens in the command):
// 0600, never replacing a file that exists.
func (d *Dialog) write(path string, data []byte) tea.Cmd {
	return func() tea.Msg {
		p, err := expand(path)
		if err != nil {
			return Saved{d: d, err: err}
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return Saved{d: d, err: fmt.Errorf("%s exists: choose another name", p)}
		}
		if err != nil {
			return Saved{d: d, err: err}
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(p)
			return Saved{d: d, err: err}
		}
		return Saved{d: d, path: p, n: len(data)}
	}
}

// expand trims the typed path and expands a leading ~.
func expand(p string) (string, error) {
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

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Dialog) SetSize(int, int) {}

// View implements [component.Component].
func (d *Dialog) View(W, H int) string {
	st := d.c.Styles
	w := min(W-4, 100)
	iw := w - 2
	d.input.SetWidth(max(10, iw-6))
	lines := []string{
		st.Text.Render(ansi.Truncate(fmt.Sprintf("%s · %d bytes", d.item.Label, len(d.item.Data)), iw, "…")),
		"",
		ansi.Truncate(d.input.View(), iw, ""),
	}
	switch {
	case d.err != "":
		for _, l := range common.WrapLines(termsafe.Line(d.err), iw) {
			lines = append(lines, st.Err.Render(l))
		}
	case d.busy:
		lines = append(lines, st.Muted.Render("writing…"))
	default:
		lines = append(lines, st.Muted.Render("a new file, readable by you only (0600); ~ is your home"))
	}
	lines = append(lines, "")
	return common.DialogBox(st, "Save to a file", lines, common.HelpLine(st, d.ShortHelp(), w-2), w, H-2)
}

// ShortHelp implements [help.KeyMap].
func (d *Dialog) ShortHelp() []key.Binding { return []key.Binding{d.Keys.Accept, d.Keys.Cancel} }

// FullHelp implements [help.KeyMap].
func (d *Dialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
