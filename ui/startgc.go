package ui

import (
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// startGCPercent is the garbage collector's target (GOGC) while the UI
// starts. What start-up allocates mostly stays (styles, the screen
// buffers, Bubble Tea's key table, the session's first lists): at the
// default 100 the collector ran two or three times between main and the
// first frame, about a tenth of the CPU the first frame costs; at 400 it
// does not run before it (the heap is a few MiB by then).
const startGCPercent = 400

// startGCWindow is how long start-up's target lasts; then the default
// (or whatever it was) is back for the rest of the session, so a long
// session's memory is what it was.
var startGCWindow = time.Second

// raiseGCForStart sets startGCPercent for startGCWindow and returns what
// puts the previous target back at once (Run's end; idempotent). An
// explicit GOGC, or a target already higher, is left alone.
func raiseGCForStart() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(startGCPercent)
	if old < 0 || old >= startGCPercent {
		debug.SetGCPercent(old)
		return func() {}
	}
	var once sync.Once
	back := func() { once.Do(func() { debug.SetGCPercent(old) }) }
	t := time.AfterFunc(startGCWindow, back)
	return func() {
		t.Stop()
		back()
	}
}
