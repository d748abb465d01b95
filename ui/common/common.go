// Package common holds what every component of sonde's UI shares: the
// styles built from a theme ([Styles]), the JSON highlighter, the drawing
// helpers (a pane's box, a dialog's frame, wrapping) and the help
// rendering (bubbles/help in the UI's styles).
package common

import "time"

// Common is what the root model hands every component: components keep
// the pointer and read it when they draw, so a new theme or background
// reaches all of them at once.
type Common struct {
	// Styles is rebuilt by the root when the theme or the terminal's
	// background changes.
	Styles *Styles
	// HL highlights JSON (cached per text).
	HL *Highlighter
	// Now is the UI's clock: the wall clock's last tick in a live
	// session, the events' time in a replay (ages and elapsed times are
	// drawn from it).
	Now time.Time
}
