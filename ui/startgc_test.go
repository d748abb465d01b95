package ui

import (
	"runtime/debug"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/testenv"
)

// gcPercent reads the collector's target (SetGCPercent is the only way).
func gcPercent() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

// TestRaiseGCForStart: start-up runs at startGCPercent, and the previous
// target comes back when restored early (Run's end) or after the window.
func TestRaiseGCForStart(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	restore := raiseGCForStart()
	if got := gcPercent(); got != startGCPercent {
		t.Fatalf("during start-up GOGC = %d, want %d", got, startGCPercent)
	}
	restore()
	restore() // idempotent
	if got := gcPercent(); got != 100 {
		t.Fatalf("after restore GOGC = %d, want 100", got)
	}

	defer func(w time.Duration) { startGCWindow = w }(startGCWindow)
	startGCWindow = time.Millisecond
	restore = raiseGCForStart()
	defer restore()
	if !testenv.Poll(10*time.Second, func() bool { return gcPercent() == 100 }) {
		t.Fatalf("GOGC still %d after the start-up window", gcPercent())
	}
}

// TestRaiseGCForStartLeavesChoices: an explicit GOGC, a target already
// higher, or the collector off are the user's; start-up leaves them.
func TestRaiseGCForStartLeavesChoices(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	raiseGCForStart()()
	if got := gcPercent(); got != 50 {
		t.Fatalf("GOGC=50 set by the user became %d", got)
	}
	t.Setenv("GOGC", "")
	for _, v := range []int{-1, 800} {
		debug.SetGCPercent(v)
		restore := raiseGCForStart()
		if got := gcPercent(); got != v {
			t.Fatalf("GOGC %d became %d", v, got)
		}
		restore()
	}
}
