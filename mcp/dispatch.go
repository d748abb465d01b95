package mcp

import (
	"context"
	"sync"
)

// maxQueuedBytes bounds the events waiting for Config.OnEvent. Only a
// consumer that stalls while the server floods reaches it; the emitters
// then wait for room (the wire slows down) rather than memory growing
// without end.
const maxQueuedBytes = 64 << 20

// The queue is a list of blocks of blockSize events: it grows without
// copying what it holds (a consumer far behind makes it long), and up to
// maxFree emptied blocks are kept for reuse.
const (
	blockSize = 512
	maxFree   = 8
)

// dispatcher hands a session's events to Config.OnEvent on a goroutine of
// its own, in sequence order. Emitters (stream readers, the keepalive loop,
// calls) only append to its queue, so a consumer that is slow or stalled
// for a while (a UI busy drawing) never holds up the wire: pings still go
// out and answers are still read.
type dispatcher struct {
	onEvent func(Event)

	mu        sync.Mutex
	work      *sync.Cond // the goroutine waits here for events
	room      *sync.Cond // emitters wait here while the queue is full
	q         [][]Event  // blocks of queued events, oldest first
	free      [][]Event  // emptied blocks
	bytes     int
	waiting   bool   // the goroutine waits for work
	stopping  bool   // deliver what is queued, then end
	queued    uint64 // sequence number of the last event queued
	delivered uint64 // sequence number of the last event delivered
	// progress is closed (and replaced) whenever events were delivered.
	progress chan struct{}
	done     chan struct{} // closed when the goroutine has ended
}

func newDispatcher(onEvent func(Event)) *dispatcher {
	d := &dispatcher{onEvent: onEvent, progress: make(chan struct{}), done: make(chan struct{})}
	d.work = sync.NewCond(&d.mu)
	d.room = sync.NewCond(&d.mu)
	go d.run()
	return d
}

// eventBytes estimates the memory an event holds while it waits.
func eventBytes(e *Event) int {
	return 256 + len(e.Raw) + len(e.Text) + len(e.Err) + len(e.URL)
}

// push queues e (the caller holds the session's emit lock, so the queue is
// in sequence order). It reports false once the dispatcher has stopped:
// the caller then delivers e itself.
func (d *dispatcher) push(e *Event) bool {
	n := eventBytes(e)
	d.mu.Lock()
	for d.bytes > 0 && d.bytes+n > maxQueuedBytes && !d.stopping {
		d.room.Wait()
	}
	if d.stopping {
		// Deliver it only after what is queued, and never beside the
		// goroutine: OnEvent sees one event at a time.
		d.mu.Unlock()
		<-d.done
		return false
	}
	if len(d.q) == 0 || len(d.q[len(d.q)-1]) == blockSize {
		d.q = append(d.q, d.block())
	}
	last := &d.q[len(d.q)-1]
	*last = append(*last, *e)
	d.bytes += n
	d.queued = e.Seq
	if d.waiting {
		d.waiting = false
		d.work.Signal()
	}
	d.mu.Unlock()
	return true
}

func (d *dispatcher) run() {
	defer close(d.done)
	d.mu.Lock()
	for {
		for len(d.q) == 0 && !d.stopping {
			d.waiting = true
			d.work.Wait()
		}
		if len(d.q) == 0 {
			d.mu.Unlock()
			return
		}
		blocks := d.q
		d.q = nil
		d.bytes = 0
		d.room.Broadcast()
		d.mu.Unlock()
		var last uint64
		for _, b := range blocks {
			for i := range b {
				d.onEvent(b[i])
			}
			last = b[len(b)-1].Seq
			clear(b) // let the events' payloads go
		}
		d.mu.Lock()
		for _, b := range blocks {
			if len(d.free) < maxFree {
				d.free = append(d.free, b[:0])
			}
		}
		d.delivered = last
		close(d.progress)
		d.progress = make(chan struct{})
	}
}

// block returns an empty block (d.mu held).
func (d *dispatcher) block() []Event {
	if n := len(d.free); n > 0 {
		b := d.free[n-1]
		d.free = d.free[:n-1]
		return b
	}
	return make([]Event, 0, blockSize)
}

// sync waits until every event queued before the call has been delivered,
// or ctx ends.
func (d *dispatcher) sync(ctx context.Context) {
	d.mu.Lock()
	target := d.queued
	for d.delivered < target && !d.finished() {
		ch := d.progress
		d.mu.Unlock()
		select {
		case <-ch:
		case <-d.done:
		case <-ctx.Done():
			return
		}
		d.mu.Lock()
	}
	d.mu.Unlock()
}

// finished reports that the goroutine has ended (d.mu held).
func (d *dispatcher) finished() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// stop delivers everything queued, then ends the goroutine; later events
// are delivered by their emitters.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopping = true
	d.work.Signal()
	d.room.Broadcast()
	d.mu.Unlock()
	<-d.done
}
