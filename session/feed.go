package session

import (
	"sync"
	"sync/atomic"

	"github.com/sonde-mcp/sonde/mcp"
)

// Feed carries a session's events to a UI without ever holding up the
// session. Push (the session's OnEvent, or a replay's pump) hands every
// event to the tee (the recorder), applies it to the State and keeps it
// for the UI's log, and returns: it never waits for the UI. The UI takes
// what arrived at its own pace (Take), with what changed in the State
// meanwhile. When the UI falls more than Window events behind, the oldest
// ones it has not taken are let go (its log shows only a window of the
// newest anyway) and it is told how many: memory stays within the window,
// while the state and the recording miss nothing.
//
// The State is guarded by the feed's lock: Push takes it to apply an
// event; the UI holds it while it reads the state (Lock, Unlock).
type Feed struct {
	mu     sync.Mutex
	st     *State
	tee    func(mcp.Event)
	window int

	ring    []mcp.Event // events not taken yet: head..head+n (mod len)
	out     []mcp.Event // the last batch taken (reused)
	head, n int
	skipped int    // events let go since the last Take
	change  Change // since the last Take
	ended   bool   // End was called: no more events
	closed  atomic.Bool

	ready chan struct{} // holds a token while there is something to take
	done  chan struct{} // closed by Close
	once  sync.Once
}

// Batch is what the UI takes from a Feed.
type Batch struct {
	// Events are the next events for the log, oldest first; the feed
	// reuses the slice at the next Take.
	Events []mcp.Event
	// Skipped counts the events before these that were let go because
	// the UI was more than a window behind.
	Skipped int
	// Behind is how many events are still waiting after these.
	Behind int
	// Change is what changed in the State since the last Take.
	Change Change
	// Ended reports that the stream has ended and everything was taken.
	Ended bool
}

// NewFeed returns a feed applying events to st (New() if nil), keeping at
// most window events for the UI, and handing every event to tee first (if
// set).
func NewFeed(st *State, window int, tee func(mcp.Event)) *Feed {
	if st == nil {
		st = New()
	}
	return &Feed{st: st, tee: tee, window: max(1, window), ready: make(chan struct{}, 1), done: make(chan struct{})}
}

// State is the state the feed applies events to. Read it with the lock
// held.
func (f *Feed) State() *State { return f.st }

// Lock takes the state's lock.
func (f *Feed) Lock() { f.mu.Lock() }

// Unlock releases it.
func (f *Feed) Unlock() { f.mu.Unlock() }

// Push takes one event: the tee first, then the state and the UI's queue.
// It never waits for the UI (only, briefly, for the lock).
func (f *Feed) Push(e mcp.Event) {
	if f.tee != nil {
		f.tee(e)
	}
	if f.closed.Load() {
		return
	}
	f.mu.Lock()
	c := f.st.Apply(e)
	f.change.Merge(c)
	if c.Reset {
		// a replay moved: what the UI has not taken is from before
		f.head, f.n, f.skipped = 0, 0, 0
	}
	f.enqueue(e)
	f.mu.Unlock()
	f.signal()
}

func (f *Feed) enqueue(e mcp.Event) {
	if f.n == len(f.ring) {
		if len(f.ring) < f.window {
			// grow (a small ring until a burst needs more)
			grown := make([]mcp.Event, min(f.window, max(64, 2*len(f.ring))))
			for i := 0; i < f.n; i++ {
				grown[i] = f.ring[(f.head+i)%len(f.ring)]
			}
			f.ring, f.head = grown, 0
		} else {
			// full: let the oldest go
			f.ring[f.head] = mcp.Event{}
			f.head = (f.head + 1) % len(f.ring)
			f.n--
			f.skipped++
		}
	}
	f.ring[(f.head+f.n)%len(f.ring)] = e
	f.n++
}

func (f *Feed) signal() {
	select {
	case f.ready <- struct{}{}:
	default:
	}
}

// End says no more events will come (a replay's end); the UI learns it
// once it has taken everything.
func (f *Feed) End() {
	f.mu.Lock()
	f.ended = true
	f.mu.Unlock()
	f.signal()
}

// Ready has a value whenever there may be something to take; it is never
// closed. Wait for it, or for Done.
func (f *Feed) Ready() <-chan struct{} { return f.ready }

// Done is closed when the feed is closed (the UI is gone).
func (f *Feed) Done() <-chan struct{} { return f.done }

// Take returns up to max events not taken yet (max <= 0: all), with what
// changed since the last Take. Call it with the lock held.
func (f *Feed) Take(max int) Batch {
	k := f.n
	if max > 0 && k > max {
		k = max
	}
	b := Batch{Skipped: f.skipped, Change: f.change}
	if k > 0 {
		clear(f.out) // let the previous batch's payloads go
		if cap(f.out) < k {
			f.out = make([]mcp.Event, k)
		}
		f.out = f.out[:k]
		b.Events = f.out
		for i := range b.Events {
			j := (f.head + i) % len(f.ring)
			b.Events[i] = f.ring[j]
			f.ring[j] = mcp.Event{} // let the payload go
		}
		f.head = (f.head + k) % len(f.ring)
		f.n -= k
	}
	if f.n == 0 && len(f.ring) > 64 {
		f.ring, f.head = nil, 0 // give a burst's memory back
	}
	if k == 0 {
		clear(f.out)
		f.out = f.out[:0]
	}
	b.Behind = f.n
	b.Ended = f.ended && f.n == 0
	f.skipped, f.change = 0, Change{}
	if f.n > 0 {
		f.signal()
	}
	return b
}

// Close stops the feed: Push only hands events to the tee afterwards, and
// Done is closed. It is safe to call more than once, and with the lock
// held (the UI quitting in Update).
func (f *Feed) Close() {
	f.once.Do(func() {
		f.closed.Store(true)
		close(f.done)
	})
}
