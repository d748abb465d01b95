package session

import (
	"encoding/json"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// MaxServerLog bounds the server log kept in memory.
const MaxServerLog = 10_000

// LogLevels are the syslog levels of notifications/message, lowest first.
var LogLevels = []string{"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}

// LevelIndex is a level's index in LogLevels, or -1.
func LevelIndex(l string) int {
	for i, x := range LogLevels {
		if x == l {
			return i
		}
	}
	return -1
}

// LogEntry is one message of the server's log: a notifications/message,
// or a line a stdio server wrote to its stderr. Its text is raw: make it
// terminal-safe before drawing it.
type LogEntry struct {
	Time time.Time
	// Seq is the event's sequence number.
	Seq uint64
	// Level is the message's level, or "stderr".
	Level string
	// Lvl is Level's index in LogLevels (-1 for stderr and unknown levels).
	Lvl    int
	Logger string
	// Data is the message's data as sent (nil for stderr).
	Data json.RawMessage
	// Text is the stderr line.
	Text string
}

// ServerLog is the server's log, bounded: past MaxServerLog entries the
// oldest go, a quarter at a time (so adding stays cheap). Entries are
// numbered from the first one ever added, so a reader keeps its place
// when the oldest go.
type ServerLog struct {
	entries []LogEntry
	base    uint64 // number of entries[0]
}

// Len is the number of entries held.
func (l *ServerLog) Len() int { return len(l.entries) }

// First is the number of the oldest entry held; Next the number the next
// entry will get. Entries First to Next-1 are held.
func (l *ServerLog) First() uint64 { return l.base }

// Next is the number the next entry will get.
func (l *ServerLog) Next() uint64 { return l.base + uint64(len(l.entries)) }

// At returns entry number n, or nil when it is not held.
func (l *ServerLog) At(n uint64) *LogEntry {
	if n < l.base || n >= l.Next() {
		return nil
	}
	return &l.entries[n-l.base]
}

// Dropped is how many entries went to keep the log bounded.
func (l *ServerLog) Dropped() uint64 { return l.base }

func (l *ServerLog) add(e LogEntry) {
	if len(l.entries) >= MaxServerLog+MaxServerLog/4 {
		n := len(l.entries) - MaxServerLog + 1
		// a new array: a reader may still hold the old entries
		l.entries = append(make([]LogEntry, 0, MaxServerLog+MaxServerLog/4), l.entries[n:]...)
		l.base += uint64(n)
	}
	l.entries = append(l.entries, e)
}

// addServerLog takes a notifications/message or a stderr line.
func (s *State) addServerLog(e *mcp.Event, m *Message) {
	if e.Kind == mcp.KindStderr {
		s.Log.add(LogEntry{Time: e.Time, Seq: e.Seq, Level: "stderr", Lvl: -1, Text: e.Text})
		return
	}
	s.Log.add(LogEntry{Time: e.Time, Seq: e.Seq, Level: m.Level, Lvl: LevelIndex(m.Level), Logger: m.Logger, Data: m.Data})
}
