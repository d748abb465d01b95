package ui

import (
	"time"

	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
	doctorui "github.com/sonde-mcp/sonde/ui/dialog/doctor"
)

// look is how the root model draws: the theme, whether the terminal is
// dark, the styles made from them and the highlighter, shared with every
// component through com (com.Styles is st).
type look struct {
	theme  themes.Theme
	locked bool // NO_COLOR is set: the theme cannot be cycled to a colour one
	isDark bool
	hl     *highlighter
	st     *Styles
	com    *common.Common // what components share: st and hl
}

// restyle makes the styles again from the theme and the background (the
// work pane, which caches some, must be told: Work.Restyle).
func (l *look) restyle() {
	l.st = NewStyles(l.theme, l.isDark)
	l.com.Styles = l.st
}

// cycle moves to the next theme and restyles; it says what it did, and
// whether the styles changed (not under NO_COLOR).
func (l *look) cycle() (msg string, changed bool) {
	if l.locked {
		return "NO_COLOR is set: staying monochrome", false
	}
	all := themes.All()
	for i, t := range all {
		if t.Name == l.theme.Name {
			l.theme = all[(i+1)%len(all)]
			break
		}
	}
	l.restyle()
	return "theme: " + l.theme.Name, true
}

// environment is what the root model reaches outside itself through and
// tests replace: the clipboard, the browser a URL opens in, the doctor's
// checks, and how long a URL's consent dialog ignores keys.
type environment struct {
	clip clipboardEnv // how copies reach a clipboard
	// opener opens a URL in a browser (nil: the system's opener).
	opener func(url string) error
	// doctorRunner runs the doctor's checks (nil: doctor.Run).
	doctorRunner doctorui.Runner
	// consentGuard: keys that open a URL are ignored this long after its
	// dialog appears (tests set 0).
	consentGuard time.Duration
}
