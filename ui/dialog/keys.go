package dialog

import (
	"charm.land/bubbles/v2/key"

	"github.com/sonde-mcp/sonde/ui/list"
)

func bind(keys []string, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

// ConfirmKeys answer a confirmation.
type ConfirmKeys struct {
	Yes, No key.Binding
}

// DefaultConfirmKeys returns y/enter and n/esc.
func DefaultConfirmKeys() ConfirmKeys {
	return ConfirmKeys{
		Yes: bind([]string{"y", "Y", "enter"}, "y", "yes"),
		No:  bind([]string{"n", "N", "esc", "q"}, "n", "no"),
	}
}

// ChoiceKeys pick one of a list of options.
type ChoiceKeys struct {
	Nav    list.KeyMap
	Choose key.Binding
	Cancel key.Binding
}

// DefaultChoiceKeys moves with the arrows, j/k and tab, chooses with enter.
func DefaultChoiceKeys() ChoiceKeys {
	nav := list.DefaultKeyMap()
	nav.Up = bind([]string{"up", "k", "shift+tab"}, "↑/k", "up")
	nav.Down = bind([]string{"down", "j", "tab"}, "↓/j", "down")
	return ChoiceKeys{
		Nav:    nav,
		Choose: bind([]string{"enter"}, "enter", "choose"),
		Cancel: bind([]string{"esc", "q"}, "esc", "cancel"),
	}
}

// ReaderKeys scroll a text one reads, and close it.
type ReaderKeys struct {
	Nav   list.KeyMap
	Close key.Binding
}

// DefaultReaderKeys scrolls with the arrows, j/k, space and the page keys;
// esc, q, enter and backspace close.
func DefaultReaderKeys() ReaderKeys {
	nav := list.DefaultKeyMap()
	nav.PageDown = bind([]string{"pgdown", "space", "ctrl+d"}, "pgdn", "page down")
	return ReaderKeys{
		Nav:   nav,
		Close: bind([]string{"esc", "q", "enter", "backspace"}, "esc", "close"),
	}
}
