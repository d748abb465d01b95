package dialog

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Reader shows a text one reads and scrolls (a schema, a log message, the
// connection's facts, the help). Its lines are built for the width it is
// drawn at, by body (for the width and the rows inside), each time it is drawn (so what it shows stays live).
type Reader struct {
	c     *common.Common
	title string
	// MaxWidth bounds the box's width (0: the screen's, less a margin).
	MaxWidth int
	body     func(width, height int) []string
	pager    list.Model
	Keys     ReaderKeys
	// Extra are more bindings this reader's owner handles (shown in its
	// help; the reader returns them as [Key] actions).
	Extra []key.Binding
}

var _ component.Dialog = (*Reader)(nil)

// Key is a key of a reader's Extra bindings, pressed.
type Key struct {
	Reader  *Reader
	Binding key.Binding
}

// NewReader shows title and the lines body makes for a width.
func NewReader(c *common.Common, title string, body func(width, height int) []string) *Reader {
	d := &Reader{c: c, title: title, body: body, pager: list.NewPager(), Keys: DefaultReaderKeys()}
	d.pager.KeyMap = d.Keys.Nav
	d.pager.PageSize = 10
	return d
}

// SetTitle changes the title.
func (d *Reader) SetTitle(t string) { d.title = t }

// Offset is the first line shown.
func (d *Reader) Offset() int { return d.pager.Offset() }

// Update implements [component.Component].
func (d *Reader) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		for _, b := range d.Extra {
			if key.Matches(msg, b) {
				return Key{Reader: d, Binding: b}, nil
			}
		}
		switch {
		case d.pager.HandleKey(msg):
		case key.Matches(msg, d.Keys.Close):
			return component.Close{}, nil
		}
	case tea.MouseWheelMsg:
		d.pager.Wheel(msg, 3)
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Reader) SetSize(int, int) {}

// View implements [component.Component].
func (d *Reader) View(W, H int) string {
	st := d.c.Styles
	w, h := max(20, W-4), max(6, H-2)
	if d.MaxWidth > 0 {
		w = max(30, min(W-4, d.MaxWidth))
	}
	lines := d.body(w-2, h-3)
	d.pager.SetHeight(h - 3)
	d.pager.SetLen(len(lines))
	from, to := d.pager.Visible()
	return common.DialogBox(st, d.title, lines[from:to], common.HelpLine(st, d.ShortHelp(), w-2), w, h)
}

// ShortHelp implements [help.KeyMap].
func (d *Reader) ShortHelp() []key.Binding {
	scroll := key.NewBinding(key.WithKeys(d.Keys.Nav.Up.Keys()...), key.WithHelp("↓↑", "scroll"))
	return append(append([]key.Binding{scroll}, d.Extra...), d.Keys.Close)
}

// FullHelp implements [help.KeyMap].
func (d *Reader) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.Keys.Nav.Bindings(), append(append([]key.Binding(nil), d.Extra...), d.Keys.Close)}
}
