package ui

import (
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/termsafe"
)

// flashLine is the root model's status-line message: what the last action
// did or why it did not, shown in place of the help line until a newer one
// replaces it or it gets old.
type flashLine struct {
	text string // terminal-safe; "" shows the help line
	err  bool
	at   time.Time
}

// flashFor is how long a message stays up (it goes at the next tick after).
const flashFor = 5 * time.Second

// set shows a message (terminal-safe: it may quote the server).
func (f *flashLine) set(text string, isErr bool) {
	f.text, f.err, f.at = termsafe.Line(text), isErr, time.Now()
}

// expire takes an old message down (on a tick).
func (f *flashLine) expire() {
	if f.text != "" && time.Since(f.at) > flashFor {
		f.text = ""
	}
}

// view is the message as the footer draws it, W cells wide.
func (f *flashLine) view(st *Styles, W int) string {
	s := st.Flash
	if f.err {
		s = st.FlashErr
	}
	return ansi.Truncate(" "+s.Render(f.text), W, "…")
}
