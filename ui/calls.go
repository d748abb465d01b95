package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sonde-mcp/sonde/session"
)

// userCalls is what the user asked of the server from the UI: the calls
// that have not returned (inFlight, numbered by seq), the arguments last
// sent per item (this session's, and those remembered from earlier ones
// per server). The tasks the UI follows because a call became one are
// taskFollower's (tasks.go).
type userCalls struct {
	inFlight []*call
	seq      int
	lastArgs map[string]json.RawMessage
	// savedArgs are the arguments remembered from earlier sessions, per
	// server (live sessions only).
	savedArgs map[string]map[string]json.RawMessage
}

// add numbers a call and counts it in flight.
func (u *userCalls) add(c *call) *call {
	u.seq++
	c.n = u.seq
	u.inFlight = append(u.inFlight, c)
	return c
}

// returned takes a call that came back out of those in flight.
func (u *userCalls) returned(c *call) {
	for i, x := range u.inFlight {
		if x == c {
			u.inFlight = append(u.inFlight[:i], u.inFlight[i+1:]...)
			return
		}
	}
}

// byID is the call in flight whose JSON-RPC id is id and that can be
// cancelled, or nil.
func (u *userCalls) byID(id string) *call {
	for _, c := range u.inFlight {
		if c.h.ID() == id && c.cancel != nil {
			return c
		}
	}
	return nil
}

// cancel cancels the user's call whose JSON-RPC id is id, and says what
// it did for the status line (bad: nothing was cancelled); s tells a
// request of another client from one no longer in flight.
func (u *userCalls) cancel(id string, s *session.State) (text string, bad bool) {
	if c := u.byID(id); c != nil {
		c.cancel()
		return fmt.Sprintf("cancelling %s (id %s)", c.method, strings.Trim(id, `"`)), false
	}
	if _, ok := s.Requests[id]; ok {
		return "only requests made from this UI can be cancelled", true
	}
	return "that request is not in flight", true
}

// cancelAll cancels every call in flight and forgets them (a new server).
func (u *userCalls) cancelAll() {
	for _, c := range u.inFlight {
		if c.cancel != nil {
			c.cancel()
		}
	}
	u.inFlight = nil
}

// stop cancels every call in flight (the UI ends).
func (u *userCalls) stop() {
	for _, c := range u.inFlight {
		if c.cancel != nil {
			c.cancel()
		}
	}
}

// argsFor is what a form for item key starts with on server: the
// arguments last sent this session, else those remembered from before.
func (u *userCalls) argsFor(server, key string) json.RawMessage {
	initial := u.lastArgs[key]
	if initial == nil && u.savedArgs != nil {
		initial = u.savedArgs[server][key]
	}
	return initial
}
