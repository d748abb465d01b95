// Package tmuxenv keeps package initialisation from running `tmux info`.
//
// lipgloss's init builds its default writer (lipgloss.Writer, which sonde
// never uses) with colorprofile.Detect on stdout, and inside tmux that runs
// `tmux info` to learn whether tmux passes true colour on: a fork and exec
// in every sonde process started in tmux, headless ones included, before
// main runs (10 ms on an idle machine, over 100 ms on a loaded one). This
// package hides $TMUX while the packages initialise, and main puts it back
// first thing ([Restore]); the UI still detects the colour profile, with
// $TMUX, when it starts.
//
// It works because Go initialises packages in the order of their import
// paths, each as soon as its own imports are (the language specification,
// "Package initialization"): this package needs only os, so it runs before
// golang.org/x/sys and github.com/xo/terminfo, which lipgloss imports
// through colorprofile. TestNoTmuxInfoAtInit (package main) runs the
// binary's packages on a terminal inside a pretend tmux and fails if any
// init runs tmux.
package tmuxenv

import "os"

var value, hidden = hide()

func hide() (string, bool) {
	v, ok := os.LookupEnv("TMUX")
	if ok {
		os.Unsetenv("TMUX")
	}
	return v, ok
}

// Restore puts $TMUX back as it was before package initialisation.
func Restore() {
	if hidden {
		os.Setenv("TMUX", value)
		hidden = false
	}
}
