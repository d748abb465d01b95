package form

import "charm.land/bubbles/v2/key"

// KeyMap is every key the form reacts to. It implements [help.KeyMap]; use
// [Form.KeyMap] for a copy whose bindings are enabled only where they apply
// to the focused field, so help shows what can be done right now.
//
// Text fields take printable keys, so every structural action uses a
// modifier. ctrl+e, ctrl+a, ctrl+k, ctrl+u, ctrl+w, ctrl+d, ctrl+f, ctrl+b,
// ctrl+h, ctrl+v, ctrl+t and ctrl+g are left alone because the text input
// and the raw JSON textarea use them for editing (ctrl+e is "end of line"
// there, which is why the raw toggle is ctrl+o).
type KeyMap struct {
	Next       key.Binding // next field
	Prev       key.Binding // previous field
	PageDown   key.Binding // a screenful of fields down
	PageUp     key.Binding // a screenful of fields up
	Toggle     key.Binding // boolean, multiselect option, expand a recursive field
	Choose     key.Binding // open the option list; pick; add an item on an array header
	PrevOption key.Binding // previous enum value / variant; boolean false
	NextOption key.Binding // next enum value / variant; boolean true
	AddItem    key.Binding // add an array item (after the focused one)
	RemoveItem key.Binding // remove the focused array item
	MoveUp     key.Binding // move the focused array item up
	MoveDown   key.Binding // move the focused array item down
	Null       key.Binding // set / unset null on a nullable field
	Unset      key.Binding // clear a non-text field so it is left out
	Close      key.Binding // close the option list
	ToggleRaw  key.Binding // switch between the form and the raw JSON editor

	// In the option list: typing filters it, FilterBack takes the last
	// character back.
	FilterBack key.Binding
	// Completions shown under a text field: move among them, take one.
	SuggestUp, SuggestDown, SuggestTake key.Binding
}

// DefaultKeyMap returns the default key bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Next:       key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next field")),
		Prev:       key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous field")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		Toggle:     key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle")),
		Choose:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		PrevOption: key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous option")),
		NextOption: key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next option")),
		AddItem:    key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "add item")),
		RemoveItem: key.NewBinding(key.WithKeys("ctrl+x"), key.WithHelp("ctrl+x", "remove item")),
		MoveUp:     key.NewBinding(key.WithKeys("alt+up", "ctrl+up"), key.WithHelp("alt+↑", "move item up")),
		MoveDown:   key.NewBinding(key.WithKeys("alt+down", "ctrl+down"), key.WithHelp("alt+↓", "move item down")),
		Null:       key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "null")),
		Unset:      key.NewBinding(key.WithKeys("delete", "backspace"), key.WithHelp("del", "clear")),
		Close:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close list")),
		ToggleRaw:  key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "raw JSON")),

		FilterBack:  key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "filter: delete")),
		SuggestUp:   key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "previous completion")),
		SuggestDown: key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "next completion")),
		SuggestTake: key.NewBinding(key.WithKeys("tab", "enter"), key.WithHelp("tab", "take completion")),
	}
}

// ShortHelp implements [help.KeyMap].
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Toggle, k.Choose, k.AddItem, k.RemoveItem, k.Null, k.ToggleRaw}
}

// FullHelp implements [help.KeyMap].
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Prev, k.PageDown, k.PageUp},
		{k.Toggle, k.Choose, k.PrevOption, k.NextOption, k.Close},
		{k.AddItem, k.RemoveItem, k.MoveUp, k.MoveDown},
		{k.Null, k.Unset, k.ToggleRaw},
	}
}
