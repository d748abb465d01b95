package fault

import (
	"sync"
	"time"
)

// swapper holds one answer back for reorder: the next answer that comes
// (on any stream of the set) goes out first, and the held one right after
// it. An answer nobody overtakes goes out after its fault's Wait.
// Whoever takes a held answer out of the swapper (under its lock) sends
// it: the answer that overtakes it, its timer, or its stream ending.
type swapper struct {
	mu   sync.Mutex
	held *heldAnswer
}

// heldAnswer is an answer the swapper holds.
type heldAnswer struct {
	release func() // sends it on
	timer   *time.Timer
}

// hold offers an answer that a reorder fault wants to hold. When nothing
// is held, it is held (h is not nil; release sends it later). When one is
// held already, nothing is held and after, to be called once the caller
// has sent its own answer, sends the held one: the two are swapped.
func (s *swapper) hold(release func(), wait time.Duration, timedOut func()) (h *heldAnswer, after func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev := s.held; prev != nil {
		s.held = nil
		prev.timer.Stop()
		return nil, prev.release
	}
	h = &heldAnswer{release: release}
	h.timer = time.AfterFunc(wait, func() {
		if s.take(h) {
			release()
			if timedOut != nil {
				timedOut()
			}
		}
	})
	s.held = h
	return h, nil
}

// overtake takes the held answer, if any, for an answer that goes out
// before it: after, called once that answer has gone out, sends the held
// one (nil when nothing is held).
func (s *swapper) overtake() (after func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.held
	if prev == nil {
		return nil
	}
	s.held = nil
	prev.timer.Stop()
	return prev.release
}

// holding reports whether an answer is held.
func (s *swapper) holding() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held != nil
}

// take removes h if it is still held, reporting whether it was.
func (s *swapper) take(h *heldAnswer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held != h || h == nil {
		return false
	}
	s.held = nil
	return true
}

// cancel sends h at once if it is still held (its stream is ending).
func (s *swapper) cancel(h *heldAnswer) {
	if s.take(h) {
		h.timer.Stop()
		h.release()
	}
}

// flush sends whatever is held.
func (s *swapper) flush() {
	s.mu.Lock()
	h := s.held
	s.mu.Unlock()
	s.cancel(h)
}
