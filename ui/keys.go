package ui

import (
	"charm.land/bubbles/v2/key"

	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// KeyMap is every key the UI reacts to, grouped by where it applies. The
// help line and the full help (?) are generated from it and nothing else.
// Single letters never reach a focused text field's owner first: the root
// routes keys to a text field before it looks at these (see Model.Update).
type KeyMap struct {
	Global GlobalKeys
	Nav    NavKeys
	Log    LogKeys
	Work   work.KeyMap
	Replay ReplayKeys
	Queue  serverreq.QueueKeys
	Filter FilterKeys
}

// FilterKeys are the keys a filter field (the log's, the browser's) does
// not type: they leave it. F1 opens the help from any text field.
type FilterKeys struct {
	Clear     key.Binding // esc: empty the filter and leave
	Done      key.Binding // the log's: keep the filter and leave
	Leave     key.Binding // the browser's: keep the filter, go to the list (help only: ui/pane/browser has the binding)
	HelpInput key.Binding
}

// GlobalKeys work everywhere (except inside a text field, where only the
// ctrl and tab bindings do).
type GlobalKeys struct {
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
	NextPane  key.Binding
	PrevPane  key.Binding
	Panes     key.Binding // alt+1-3: jump to a pane, even from a text field
	Zoom      key.Binding
	Theme     key.Binding
	Reconnect key.Binding
	Servers   key.Binding
	Roots     key.Binding
	Conn      key.Binding
	ServerLog key.Binding
	Tasks     key.Binding
	Timeline  key.Binding
	Auth      key.Binding
	LogLevel  key.Binding
	Compose   key.Binding
	Faults    key.Binding
}

// NavKeys move a selection or scroll a pane.
type NavKeys struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
}

// LogKeys pick the bottom pane's view (the event log's own keys are
// ui/pane/eventlog's).
type LogKeys struct {
	Views key.Binding
}

// DefaultKeyMap returns the default key bindings.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Global: GlobalKeys{
			Quit:      b([]string{"q"}, "q", "quit"),
			ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "quit"),
			Help:      b([]string{"?", "f1"}, "?", "help"),
			NextPane:  b([]string{"tab"}, "tab", "next pane"),
			PrevPane:  b([]string{"shift+tab"}, "shift+tab", "previous pane"),
			// 1-4 already pick the browser's lists and the log's views, so
			// the panes' numbers take alt (which no text field types)
			Panes:     b([]string{"alt+1", "alt+2", "alt+3"}, "alt+1-3", "jump to browser / work pane / log"),
			Zoom:      b([]string{"z"}, "z", "zoom pane"),
			Theme:     b([]string{"T"}, "T", "next theme"),
			Reconnect: b([]string{"R"}, "R", "reconnect"),
			Servers:   b([]string{"S"}, "S", "servers"),
			Roots:     b([]string{"F"}, "F", "roots (folders the server may see)"),
			Conn:      b([]string{"D"}, "D", "connection: era, version, detection"),
			ServerLog: b([]string{"M"}, "M", "server log (notifications/message)"),
			Tasks:     b([]string{"t"}, "t", "tasks"),
			Timeline:  b([]string{"W"}, "W", "timeline (waterfall of requests)"),
			Auth:      b([]string{"A"}, "A", "auth: the sign-in's steps (OAuth)"),
			LogLevel:  b([]string{"L"}, "L", "log level (show and ask the server)"),
			Compose:   b([]string{":"}, ":", "composer: send any JSON message"),
			Faults:    b([]string{"!"}, "!", "faults (--fault): turn on/off, add"),
		},
		Nav: NavKeys{
			Up:       b([]string{"up", "k"}, "↑/k", "up"),
			Down:     b([]string{"down", "j"}, "↓/j", "down"),
			PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
			PageDown: b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
			Top:      b([]string{"home", "g"}, "g/home", "top"),
			Bottom:   b([]string{"end", "G"}, "G/end", "bottom"),
		},
		Log: LogKeys{
			Views: b([]string{"1", "2", "3", "4", "5"}, "1-5", "wire / server log / tasks / timeline / auth"),
		},
		Work:   work.DefaultKeyMap(),
		Replay: defaultReplayKeys(),
		Queue:  serverreq.DefaultQueueKeys(),
		Filter: FilterKeys{
			Clear:     b([]string{"esc"}, "esc", "clear filter"),
			Done:      b([]string{"enter", "tab", "down"}, "enter", "keep filter"),
			Leave:     b([]string{"tab", "down", "up"}, "tab/↑↓", "to the list"),
			HelpInput: b([]string{"f1"}, "f1", "help"),
		},
	}
}

// disableLive turns off the keys that need a live server (a replay has
// none): they neither act nor show in the help.
func (k *KeyMap) disableLive() {
	for _, b := range []*key.Binding{
		&k.Global.Reconnect, &k.Global.Servers, &k.Global.Roots, &k.Global.Compose,
	} {
		b.SetEnabled(false)
	}
	k.Work.DisableLive()
}
