// Package componenttest drives components in tests: key presses by name,
// and the help-honesty check every component's tests run.
package componenttest

import (
	"slices"
	"sort"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/ui/component"
)

var named = map[string]rune{
	"enter": tea.KeyEnter, "tab": tea.KeyTab, "esc": tea.KeyEscape, "backspace": tea.KeyBackspace,
	"delete": tea.KeyDelete, "insert": tea.KeyInsert, "space": tea.KeySpace,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
	"f1": tea.KeyF1, "f2": tea.KeyF2, "f3": tea.KeyF3, "f4": tea.KeyF4, "f5": tea.KeyF5, "f6": tea.KeyF6,
	"f7": tea.KeyF7, "f8": tea.KeyF8, "f9": tea.KeyF9, "f10": tea.KeyF10, "f11": tea.KeyF11, "f12": tea.KeyF12,
}

// Key is the key press whose name (tea.Key.String) is name: "a", "A",
// "?", "enter", "space", "ctrl+r", "alt+1", "shift+tab".
func Key(name string) tea.KeyPressMsg {
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(name, "ctrl+") && len(name) > 5:
			mod |= tea.ModCtrl
			name = name[5:]
			continue
		case strings.HasPrefix(name, "alt+") && len(name) > 4:
			mod |= tea.ModAlt
			name = name[4:]
			continue
		case strings.HasPrefix(name, "shift+") && len(name) > 6:
			mod |= tea.ModShift
			name = name[6:]
			continue
		}
		break
	}
	if r, ok := named[name]; ok {
		k := tea.KeyPressMsg{Code: r, Mod: mod}
		if r == tea.KeySpace && mod == 0 {
			k.Text = " "
		}
		return k
	}
	r := []rune(name)[0]
	if mod == 0 {
		return tea.KeyPressMsg{Code: r, Text: name}
	}
	return tea.KeyPressMsg{Code: r, Mod: mod}
}

// Keys is a key press for each name.
func Keys(names ...string) []tea.Msg {
	out := make([]tea.Msg, len(names))
	for i, n := range names {
		out[i] = Key(n)
	}
	return out
}

// Universe is the keys a user can press that the honesty check tries:
// printable characters, the named keys, and ctrl and alt with letters and
// digits.
func Universe() []string {
	var u []string
	for r := '!'; r <= '~'; r++ {
		u = append(u, string(r))
	}
	for n := range named {
		u = append(u, n, "shift+"+n, "ctrl+"+n, "alt+"+n)
	}
	for r := 'a'; r <= 'z'; r++ {
		u = append(u, "ctrl+"+string(r), "alt+"+string(r))
	}
	for r := '0'; r <= '9'; r++ {
		u = append(u, "alt+"+string(r))
	}
	return u
}

// Fixture makes a component in a state worth pressing keys in (a list
// with rows above and below the cursor, a result to act on).
type Fixture func() component.Component

// acts reports whether msg did something to a fresh component: an
// action, a command, or a view other than before (a pane's title counts).
func acts(f Fixture, before string, msg tea.Msg) bool {
	c := f()
	c.SetSize(100, 30)
	a, cmd := c.Update(msg)
	return a != nil || cmd != nil || view(c) != before
}

func view(c component.Component) string {
	s := c.View(100, 30)
	if p, ok := c.(component.Pane); ok {
		s = p.Title() + "\n" + s
	}
	return s
}

// helpKeys is every key of every enabled binding of c's full help.
func helpKeys(c component.Component) []string {
	var out []string
	for _, g := range c.FullHelp() {
		for _, b := range g {
			if b.Enabled() {
				out = append(out, b.Keys()...)
			}
		}
	}
	return out
}

// HelpHonesty checks that a component's full help tells the truth: every
// key of every binding it shows does something in one of the fixtures,
// and every key that does something in one of them is a key of a binding
// it shows. Keys the root takes before the component (ignore) are not
// tried.
func HelpHonesty(t *testing.T, fixtures []Fixture, ignore ...string) {
	t.Helper()
	inHelp := map[string]bool{}
	for _, f := range fixtures {
		for _, k := range helpKeys(f()) {
			inHelp[k] = true
		}
	}
	try := Universe()
	for k := range inHelp {
		try = append(try, k)
	}
	sort.Strings(try)
	try = slices.Compact(try)
	before := make([]string, len(fixtures))
	for i, f := range fixtures {
		c := f()
		c.SetSize(100, 30)
		before[i] = view(c)
	}
	handled := map[string]bool{}
	for _, k := range try {
		if slices.Contains(ignore, k) {
			continue
		}
		for i, f := range fixtures {
			if acts(f, before[i], Key(k)) {
				handled[k] = true
				break
			}
		}
	}
	for k := range inHelp {
		if !handled[k] && !slices.Contains(ignore, k) {
			t.Errorf("the help shows %q, which does nothing", k)
		}
	}
	for k := range handled {
		if !inHelp[k] {
			t.Errorf("%q does something the help does not show", k)
		}
	}
}
