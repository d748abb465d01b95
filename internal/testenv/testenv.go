// Package testenv lets a test skip when a program it needs is not
// installed, except in CI: .ci/run installs every program the tests use
// and sets SONDE_CI=1, so there a missing program fails the test instead
// of passing it unchecked (the completion tests for zsh and fish, and the
// man page's groff check, once passed on machines without them).
package testenv

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// InCI reports whether the tests run under .ci/run (SONDE_CI set).
func InCI() bool { return os.Getenv("SONDE_CI") != "" }

// Need returns prog's path, or skips t when prog is not on PATH; under
// .ci/run it fails t instead, naming the program.
func Need(t testing.TB, prog string) string {
	t.Helper()
	path, err := exec.LookPath(prog)
	if err == nil {
		return path
	}
	if InCI() {
		t.Fatalf("%s is not installed: .ci/run installs it (SONDE_CI is set)", prog)
	}
	t.Skipf("needs %s", prog)
	return ""
}

// Poll calls cond until it returns true or within has passed, and reports
// whether it did: the one place tests wait for a state they cannot be
// told about (a file another process writes, a counter a server keeps).
// The pause between tries grows from 1 ms to 20 ms. In a testing/synctest
// bubble it runs on the bubble's clock.
func Poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	pause := time.Millisecond
	timer := time.NewTimer(pause)
	defer timer.Stop()
	for {
		if cond() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		<-timer.C
		pause = min(2*pause, 20*time.Millisecond)
		timer.Reset(pause)
	}
}
