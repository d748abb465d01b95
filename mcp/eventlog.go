package mcp

import "sync"

// EventLog keeps events to read afterwards, safely across goroutines: its
// Add is a Config.OnEvent for whoever looks at a session's events once
// they happened (sonde doctor reads its own session's; tests read theirs).
type EventLog struct {
	mu  sync.Mutex
	evs []Event
}

// Add keeps e.
func (l *EventLog) Add(e Event) {
	l.mu.Lock()
	l.evs = append(l.evs, e)
	l.mu.Unlock()
}

// All returns a copy of the events kept so far, in order.
func (l *EventLog) All() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.evs...)
}
