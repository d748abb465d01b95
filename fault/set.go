package fault

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Fault is one fault of a [Set]: its spec, whether it is on (faults can
// be toggled while traffic flows), and how often it was injected.
type Fault struct {
	Spec
	on   atomic.Bool
	hits atomic.Int64
}

// Enabled reports whether the fault is on.
func (f *Fault) Enabled() bool { return f.on.Load() }

// SetEnabled turns the fault on or off; what is under way (a held
// request, an open stream's timer) finishes as it began.
func (f *Fault) SetEnabled(on bool) { f.on.Store(on) }

// Hits is how often the fault was injected.
func (f *Fault) Hits() int64 { return f.hits.Load() }

// take reports whether the fault fires now, counting the hit: it is on
// and has not used up Times.
func (f *Fault) take() bool {
	if !f.on.Load() {
		return false
	}
	for {
		n := f.hits.Load()
		if f.Times > 0 && n >= int64(f.Times) {
			return false
		}
		if f.hits.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// matches reports whether the fault is on and concerns method.
func (f *Fault) matches(method string) bool {
	return f.on.Load() && (f.Method == "" || f.Method == method) && (f.Times == 0 || f.hits.Load() < int64(f.Times))
}

// Set is the faults in force for one run: given with --fault, toggled in
// the UI. It also keeps what faults on answers need across requests:
// which method each request id belongs to, when each session began, the
// answer reorder holds. Its methods are safe for concurrent use.
type Set struct {
	mu     sync.RWMutex
	faults []*Fault

	swap swapper

	smu      sync.Mutex
	sessions map[string]*sessionClock
}

// NewSet returns a set of the given faults, all on.
func NewSet(specs ...Spec) *Set {
	s := &Set{sessions: map[string]*sessionClock{}}
	for _, sp := range specs {
		s.Add(sp)
	}
	return s
}

// Add adds a fault, on, and returns it.
func (s *Set) Add(sp Spec) *Fault {
	f := &Fault{Spec: sp}
	f.on.Store(true)
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
	return f
}

// Faults lists the faults in the order they were added.
func (s *Set) Faults() []*Fault {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*Fault(nil), s.faults...)
}

// Empty reports a set without faults (nil included): nothing is wrapped.
func (s *Set) Empty() bool { return len(s.Faults()) == 0 }

// of returns the faults of a kind that are on.
func (s *Set) of(k Kind) []*Fault {
	var out []*Fault
	for _, f := range s.Faults() {
		if f.Kind == k && f.on.Load() {
			out = append(out, f)
		}
	}
	return out
}

// first returns the first fault of a kind that concerns method, if any.
func (s *Set) first(k Kind, method string) *Fault {
	for _, f := range s.of(k) {
		if f.matches(method) {
			return f
		}
	}
	return nil
}

// Report receives each fault as it is injected, as an event of kind fault.
type Report func(e mcp.Event)

// event builds the fault event for f.
func event(k Kind, stream, id, method, text string) mcp.Event {
	return mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindFault, Method: string(k), Stream: stream, ID: id, ReqMethod: method, Text: text}
}

// what names a request for fault texts: "tools/call 4".
func what(method, id string) string {
	switch {
	case method == "" && id == "":
		return "a message"
	case id == "":
		return method
	case method == "":
		return "the request " + id
	}
	return method + " " + id
}

// ---- sessions (expire-session) ----

// sessionClock is when a session began and, once an expire-session fault
// took it, when it expires.
type sessionClock struct {
	start   time.Time
	expires time.Time // zero: not taken by a fault
	fault   *Fault
	cuts    []func() // streams to cut when it expires
	timer   *time.Timer
}

// maxSessions bounds the sessions remembered.
const maxSessions = 4096

// seeSession notes a session id the first time it shows, and, while an
// expire-session fault is on and has not used up its count, dooms it.
func (s *Set) seeSession(id string) *sessionClock {
	if id == "" {
		return nil
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	c := s.sessions[id]
	if c == nil {
		if len(s.sessions) >= maxSessions {
			for k, old := range s.sessions {
				if old.timer != nil {
					old.timer.Stop()
				}
				delete(s.sessions, k)
				break
			}
		}
		c = &sessionClock{start: time.Now()}
		s.sessions[id] = c
	}
	if c.fault == nil {
		for _, f := range s.of(ExpireSession) {
			if f.take() {
				c.fault, c.expires = f, c.start.Add(f.After)
				c.timer = time.AfterFunc(time.Until(c.expires), func() { s.expire(id) })
				break
			}
		}
	}
	return c
}

// expired reports whether a session has expired by a fault, and which.
func (s *Set) expired(id string) (*Fault, bool) {
	if id == "" {
		return nil, false
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	c := s.sessions[id]
	if c == nil || c.fault == nil || time.Now().Before(c.expires) {
		return nil, false
	}
	return c.fault, true
}

// onExpiry registers cut to run when the session expires (at once if it
// has); it returns a function that unregisters it.
func (s *Set) onExpiry(id string, cut func()) (stop func()) {
	c := s.seeSession(id)
	if c == nil {
		return func() {}
	}
	s.smu.Lock()
	if c.fault != nil && !time.Now().Before(c.expires) {
		s.smu.Unlock()
		cut()
		return func() {}
	}
	c.cuts = append(c.cuts, cut)
	i := len(c.cuts) - 1
	s.smu.Unlock()
	return func() {
		s.smu.Lock()
		if i < len(c.cuts) {
			c.cuts[i] = nil
		}
		s.smu.Unlock()
	}
}

func (s *Set) expire(id string) {
	s.smu.Lock()
	c := s.sessions[id]
	var cuts []func()
	if c != nil {
		cuts, c.cuts = c.cuts, nil
	}
	s.smu.Unlock()
	for _, cut := range cuts {
		if cut != nil {
			cut()
		}
	}
}

// Close stops the set's timers.
func (s *Set) Close() {
	if s == nil {
		return
	}
	s.smu.Lock()
	for _, c := range s.sessions {
		if c.timer != nil {
			c.timer.Stop()
		}
	}
	s.smu.Unlock()
	s.swap.flush()
}

// ---- request methods, per connection ----

// methods remembers, for one connection, the method of each request id
// that went out, so that an answer on a shared stream (legacy SSE,
// stdout) can be told by its request's method.
type methods struct {
	mu sync.Mutex
	r  mcp.RecentIDs
}

func (r *methods) put(id, method string) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.r.Put(id, method)
}

func (r *methods) get(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, _ := r.r.Get(id)
	return m
}

// describe is the text of a fault event with its spec.
func describe(f *Fault, format string, a ...any) string {
	return fmt.Sprintf(format, a...) + " (" + f.Spec.String() + ")"
}
