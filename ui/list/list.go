// Package list is the one cursor-and-scroll component of sonde's UI: a
// selection over rows (the log, the browser's lists, the server log, the
// tasks, the timeline's spans, pickers and dialogs' choices) or, as a
// pager, a scroll position over lines (results, event details, help).
// It keeps positions only; its owner draws the rows it says are visible,
// so a list of 50,000 events costs the rows on screen.
package list

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap moves a selection or scrolls.
type KeyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
}

// DefaultKeyMap returns the arrow, vi and paging keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g/home", "top"),
		Bottom:   b([]string{"end", "G"}, "G/end", "bottom"),
	}
}

// Bindings is every binding, in help order.
func (k KeyMap) Bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// ShortHelp implements [help.KeyMap].
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down} }

// FullHelp implements [help.KeyMap].
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.Bindings()} }

// Model is a cursor and a scroll offset over Len rows, Height of which are
// visible. A following list keeps its cursor on the newest row as rows
// come, until the user moves up; reaching the last row follows again. A
// pager has no cursor: its keys move the offset.
type Model struct {
	KeyMap KeyMap
	// PageSize, if set, is how far a page key moves (default: the
	// height).
	PageSize int

	cursor, offset int
	n, height      int
	follow         bool
	canFollow      bool
	pager          bool
	centered       bool
	// sized: SetLen was called (a pager that was never drawn does not
	// know where its end is)
	sized bool
}

// New returns a selection list.
func New() Model { return Model{KeyMap: DefaultKeyMap(), height: 1} }

// NewFollowing returns a selection list that follows the newest row.
func NewFollowing() Model {
	m := New()
	m.canFollow, m.follow = true, true
	return m
}

// NewCentered returns a selection list that scrolls to keep the cursor
// in the middle of its rows where it can (a short list of choices under a
// field: the choices either side of the cursor stay in sight).
func NewCentered() Model {
	m := New()
	m.centered = true
	return m
}

// NewPager returns a scroll position with no selection.
func NewPager() Model {
	m := New()
	m.pager = true
	return m
}

// Len is the number of rows.
func (m *Model) Len() int { return m.n }

// Height is the number of rows visible.
func (m *Model) Height() int { return m.height }

// Cursor is the selected row (0 in an empty list or a pager).
func (m *Model) Cursor() int { return m.cursor }

// Offset is the first visible row.
func (m *Model) Offset() int { return m.offset }

// Following reports whether the cursor stays on the newest row.
func (m *Model) Following() bool { return m.follow }

// SetLen sets the number of rows; a following list moves to the newest.
func (m *Model) SetLen(n int) {
	m.n, m.sized = max(0, n), true
	m.clamp()
}

// SetHeight sets the number of visible rows.
func (m *Model) SetHeight(h int) {
	m.height = max(1, h)
	m.clamp()
}

// SetCursor selects row i (and stops following, unless it is the last row
// of a following list).
func (m *Model) SetCursor(i int) {
	m.cursor = i
	m.follow = m.canFollow && m.n > 0 && i >= m.n-1
	m.clamp()
}

// SetFollow turns following on (the newest row is selected) or off.
func (m *Model) SetFollow(on bool) {
	m.follow = on && m.canFollow
	m.clamp()
}

// SetOffset scrolls to row i (a pager's position).
func (m *Model) SetOffset(i int) {
	m.offset = i
	m.clamp()
}

// Shift accounts for k rows gone from the front (a window that let its
// oldest rows go): positions move with the rows they pointed at.
func (m *Model) Shift(k int) {
	m.cursor -= k
	m.offset = max(0, m.offset-k)
	m.n = max(0, m.n-k)
	m.clamp()
}

// Move moves the cursor (a pager: the offset) by d rows. Leaving the last
// row stops following, reaching it follows again.
func (m *Model) Move(d int) {
	if m.pager {
		m.offset += d
		m.clamp()
		return
	}
	if m.n == 0 {
		return
	}
	m.cursor += d
	m.follow = m.canFollow && m.cursor >= m.n-1
	m.clamp()
}

// Top moves to the first row.
func (m *Model) Top() { m.Move(-(1 << 30)) }

// Bottom moves to the last row.
func (m *Model) Bottom() { m.Move(1 << 30) }

// Page is how far a page key moves.
func (m *Model) Page() int {
	if m.PageSize > 0 {
		return m.PageSize
	}
	return max(1, m.height)
}

// HandleKey moves by a key of the key map; it reports whether msg was one
// of them.
func (m *Model) HandleKey(msg tea.KeyPressMsg) bool {
	k := m.KeyMap
	switch {
	case key.Matches(msg, k.Up):
		m.Move(-1)
	case key.Matches(msg, k.Down):
		m.Move(1)
	case key.Matches(msg, k.PageUp):
		m.Move(-m.Page())
	case key.Matches(msg, k.PageDown):
		m.Move(m.Page())
	case key.Matches(msg, k.Top):
		m.Top()
	case key.Matches(msg, k.Bottom):
		m.Bottom()
	default:
		return false
	}
	return true
}

// Click selects visible row y (0 is the first visible row); it reports
// whether there is a row there.
func (m *Model) Click(y int) bool {
	i := m.offset + y
	if y < 0 || i >= m.n || m.pager {
		return false
	}
	m.SetCursor(i)
	return true
}

// ClickAgain selects visible row y, like Click, and reports whether it
// was the selected row already: a second click, which panes take as
// "open it".
func (m *Model) ClickAgain(y int) bool {
	before := m.cursor
	return m.Click(y) && m.cursor == before
}

// Wheel moves by step rows for a mouse wheel turned up or down (other
// wheel buttons do nothing).
func (m *Model) Wheel(msg tea.MouseWheelMsg, step int) {
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		m.Move(-step)
	case tea.MouseWheelDown:
		m.Move(step)
	}
}

// Visible is the range of rows on screen: from ≤ row < to.
func (m *Model) Visible() (from, to int) {
	return m.offset, min(m.n, m.offset+m.height)
}

// clamp keeps the cursor on a row and the cursor's row visible, and the
// window no further down than the last row allows.
func (m *Model) clamp() {
	rows := max(1, m.height)
	if m.pager {
		m.cursor = 0
		if m.sized {
			m.offset = min(m.offset, m.n-rows)
		}
		m.offset = max(0, m.offset)
		return
	}
	if m.n == 0 {
		m.cursor, m.offset = 0, 0
		return
	}
	if m.follow {
		m.cursor = m.n - 1
	}
	m.cursor = max(0, min(m.cursor, m.n-1))
	if m.centered {
		m.offset = m.cursor - rows/2
	}
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = max(0, min(m.offset, m.n-rows))
}
