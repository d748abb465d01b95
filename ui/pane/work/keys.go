package work

import (
	"charm.land/bubbles/v2/key"

	"github.com/sonde-mcp/sonde/ui/list"
)

// KeyMap is the work pane's keys: scrolling what it shows, and what can
// be done with a form, a call in flight or a result.
type KeyMap struct {
	Nav      list.KeyMap
	Submit   key.Binding
	Back     key.Binding
	Cancel   key.Binding
	Save     key.Binding
	Copy     key.Binding
	OpenLink key.Binding
	PrevPage key.Binding
	NextPage key.Binding
	Edit     key.Binding
	AsTask   key.Binding
	Watch    key.Binding
	Complete key.Binding
	// Zoom is the root's zoom, which the form lets through when no text
	// field is being edited (elsewhere the root takes z first).
	Zoom key.Binding
}

// DefaultKeyMap returns the work pane's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Nav:      list.DefaultKeyMap(),
		Submit:   b([]string{"ctrl+r", "ctrl+s"}, "ctrl+r", "call / send"),
		Back:     b([]string{"esc"}, "esc", "back"),
		Cancel:   b([]string{"x", "ctrl+q"}, "x", "cancel call"),
		Save:     b([]string{"s"}, "s", "save to file"),
		Copy:     b([]string{"c"}, "c", "copy result JSON"),
		OpenLink: b([]string{"o"}, "o", "open resource link"),
		PrevPage: b([]string{"["}, "[", "previous page"),
		NextPage: b([]string{"]"}, "]", "next page"),
		Edit:     b([]string{"e", "enter"}, "e", "edit arguments"),
		AsTask:   b([]string{"alt+r", "alt+enter"}, "alt+r", "call as a task"),
		Watch:    b([]string{"w"}, "w", "watch: subscribe to the resource"),
		Complete: b([]string{"ctrl+space", "ctrl+@"}, "ctrl+space", "ask for completions"),
		Zoom:     b([]string{"z"}, "z", "zoom pane"),
	}
}

// DisableLive turns off the keys that need a live server (a replay has
// none): they neither act nor show in the help.
func (k *KeyMap) DisableLive() {
	for _, b := range []*key.Binding{&k.Submit, &k.AsTask, &k.Complete, &k.Cancel, &k.Watch, &k.OpenLink} {
		b.SetEnabled(false)
	}
}

// Groups is the pane's bindings for the full help: its own keys (the
// scrolling keys are the root's "Move and scroll" group).
func (k KeyMap) Groups() []key.Binding {
	return []key.Binding{k.Submit, k.AsTask, k.Complete, k.Cancel, k.Save, k.Copy, k.OpenLink, k.Watch, k.NextPage, k.PrevPage, k.Edit, k.Back}
}
