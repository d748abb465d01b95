package composer

import "charm.land/bubbles/v2/key"

// KeyMap is every key the composer reacts to besides the editor's own
// (typing, moving, selecting: EditorKeys). It implements help.KeyMap.
type KeyMap struct {
	Send        key.Binding
	Leave       key.Binding
	Template    key.Binding
	PrevHistory key.Binding
	NextHistory key.Binding
	Format      key.Binding
}

// DefaultKeyMap returns the composer's default keys. Enter types a line
// break, so sending takes ctrl+s (or ctrl+r, the work pane's send).
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Send:        b([]string{"ctrl+s", "ctrl+r"}, "ctrl+s", "send as it is"),
		Leave:       b([]string{"esc"}, "esc", "close (the draft is kept)"),
		Template:    b([]string{"ctrl+t"}, "ctrl+t", "next template"),
		PrevHistory: b([]string{"alt+up", "alt+p"}, "alt+↑", "previous in history"),
		NextHistory: b([]string{"alt+down", "alt+n"}, "alt+↓", "next in history"),
		Format:      b([]string{"ctrl+l"}, "ctrl+l", "indent the JSON"),
	}
}

// ShortHelp implements [help.KeyMap].
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Send, k.Template, k.PrevHistory, k.Leave}
}

// FullHelp implements [help.KeyMap].
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Send, k.Template, k.PrevHistory, k.NextHistory, k.Format, k.Leave}}
}
