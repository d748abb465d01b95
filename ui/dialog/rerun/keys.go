package rerun

import (
	"charm.land/bubbles/v2/key"

	"github.com/sonde-mcp/sonde/ui/list"
)

func bind(keys []string, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

// KeyMap is the rerun report's keys.
type KeyMap struct {
	// Nav chooses a request.
	Nav list.KeyMap
	// ScrollDown and ScrollUp scroll the chosen request's answers.
	ScrollDown, ScrollUp key.Binding
	// Differs shows only the requests whose answers differ (or all).
	Differs key.Binding
	// Again re-runs the recording (once a run has ended).
	Again key.Binding
	// Close closes the report (stopping a run under way).
	Close key.Binding
}

// DefaultKeyMap returns the rerun report's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Nav:        list.DefaultKeyMap(),
		ScrollDown: bind([]string{"J", "shift+down"}, "J", "scroll the answers"),
		ScrollUp:   bind([]string{"K", "shift+up"}, "K", "scroll back"),
		Differs:    bind([]string{"d"}, "d", "only differences"),
		Again:      bind([]string{"r"}, "r", "run again"),
		Close:      bind([]string{"esc", "q"}, "esc", "close"),
	}
}

// TargetKeys is the keys of the dialog that asks for the server.
type TargetKeys struct {
	// Type edits the target (printable keys, and the editing keys).
	Type key.Binding
	// Run starts the rerun against the target typed.
	Run key.Binding
	// Cancel closes the dialog.
	Cancel key.Binding
}

// DefaultTargetKeys returns the target dialog's keys.
func DefaultTargetKeys() TargetKeys {
	typing := []string{"space", "backspace", "delete", "left", "right", "home", "end", "ctrl+a", "ctrl+e", "ctrl+u", "ctrl+k", "ctrl+w", "ctrl+v"}
	for r := '!'; r <= '~'; r++ {
		typing = append(typing, string(r))
	}
	return TargetKeys{
		Type:   bind(typing, "type", "a URL or a command"),
		Run:    bind([]string{"enter"}, "enter", "rerun against it"),
		Cancel: bind([]string{"esc"}, "esc", "cancel"),
	}
}
