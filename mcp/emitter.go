package mcp

import (
	"sync"
	"sync/atomic"
	"time"
)

// EmitterOptions configure an [Emitter].
type EmitterOptions struct {
	// Secrets are values no event may show (see [Config.Secrets]);
	// SecretHeaders names headers whose values are always replaced.
	Secrets, SecretHeaders []string
	// OnEvent receives every event, in order, one at a time, on the
	// emitter's own goroutine (as [Config.OnEvent] does for a Session).
	OnEvent func(Event)
	// OnSecrets receives the values Learn adds, before any event that
	// could carry them is delivered (a recorder scrubs with them too).
	OnSecrets func(values []string)
}

// Emitter numbers, stamps and scrubs the events of a session that sonde
// watches rather than makes (another client's, seen through sonde tap),
// and hands them to OnEvent in order on a goroutine of its own, as a
// [Session] does: emitting never waits for the consumer, so a slow UI
// never holds up the traffic it watches (only past 64 MiB queued do
// emitters wait). Its methods are safe for concurrent use.
type Emitter struct {
	scrub     atomic.Pointer[Scrubber]
	onSecrets func([]string)

	mu     sync.Mutex
	seq    uint64
	last   time.Time
	disp   *dispatcher
	closed bool
}

// NewEmitter returns an emitter delivering to o.OnEvent.
func NewEmitter(o EmitterOptions) *Emitter {
	em := &Emitter{onSecrets: o.OnSecrets}
	em.scrub.Store(NewScrubber(o.Secrets, o.SecretHeaders))
	if o.OnEvent != nil {
		em.disp = newDispatcher(o.OnEvent)
	}
	return em
}

// Scrubber is the scrubber events are cleaned with, as it stands.
func (em *Emitter) Scrubber() *Scrubber { return em.scrub.Load() }

// Learn adds secret values: events emitted from now on never show them.
// Values already known are skipped, so calling it for every request a
// client makes with the same token costs a lookup, not a new matcher.
func (em *Emitter) Learn(values ...string) {
	em.mu.Lock()
	defer em.mu.Unlock()
	cur := em.scrub.Load()
	var fresh []string
	for _, v := range values {
		if v != "" && cur.Text(v) == v && len(v) >= minLearned {
			fresh = append(fresh, v)
		}
	}
	if len(fresh) == 0 {
		return
	}
	if em.onSecrets != nil {
		em.onSecrets(fresh)
	}
	em.scrub.Store(cur.With(fresh...))
}

// minLearned is the shortest value Learn takes as a secret (the redact
// package does not search for shorter ones either).
const minLearned = 4

// Emit scrubs e, gives it the next sequence number and a time (now, when
// it has none; never before the previous event's), and queues it for
// OnEvent. Events emitted after Close are dropped.
func (em *Emitter) Emit(e *Event) {
	em.scrub.Load().Event(e)
	em.mu.Lock()
	defer em.mu.Unlock()
	if em.closed {
		return
	}
	em.seq++
	e.Seq = em.seq
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Time.Before(em.last) {
		e.Time = em.last
	}
	em.last = e.Time
	if em.disp != nil {
		em.disp.push(e)
	}
}

// Close delivers what is queued and stops the emitter.
func (em *Emitter) Close() {
	em.mu.Lock()
	if em.closed {
		em.mu.Unlock()
		return
	}
	em.closed = true
	em.mu.Unlock()
	if em.disp != nil {
		em.disp.stop()
	}
}
