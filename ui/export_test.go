package ui

// SondeCommand is sondeCommand, for the round-trip test in package ui_test
// (which runs the command through the cli package; ui cannot import cli).
var SondeCommand = sondeCommand
