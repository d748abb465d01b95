// Package store records sonde sessions to disk and reads them back.
//
// A recording is a JSON Lines file (see FORMAT.md in this directory): a
// header line, then one line per [mcp.Event] with its time as an offset from
// the start, then, when the recording was closed cleanly, a trailer line.
//
//   - [Recorder] appends events without ever blocking the session that
//     produces them; a slow disk delays the recorder, not the session.
//   - [Reader] opens a recording of any size in constant time, indexes it in
//     the background, and tolerates a file cut in the middle of a line.
//   - [Player] feeds a recording into a channel of events with play/pause,
//     speed, stepping, jumps and seeking, for the terminal UI.
//   - [Prune], [List], [ExportHAR], [ExportMarkdown] and [ExportJSON] manage
//     and convert recordings; the HAR and markdown exports fold the events
//     into a [session.State] as they go, as the UI does.
//
// The package never imports Bubble Tea.
package store
