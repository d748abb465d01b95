// Package config is where sonde keeps and finds things on disk outside a
// recording: the servers the user knows (sonde's own servers.json and the
// files of other MCP clients it imports), the state it remembers between
// runs (last-args.json), and the XDG directories all of them live in. The
// terminal UI and the headless commands share it, so a --config/--server
// pair means the same in both.
package config
