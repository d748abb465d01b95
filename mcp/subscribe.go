package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// SetLogLevel asks the server for log messages at level and above:
// logging/setLevel in the legacy era; in the stateless era the level rides
// on every request's _meta (and messages come only on those requests'
// streams).
func (s *Session) SetLogLevel(ctx context.Context, level string) error {
	if s.Era() == "modern" {
		s.mu.Lock()
		s.logLevel = level
		s.mu.Unlock()
		s.note("log level " + level + " (sent in every request's _meta)")
		return nil
	}
	_, err := s.Call(ctx, "logging/setLevel", map[string]string{"level": level})
	if err == nil {
		s.mu.Lock()
		s.legacyLogLevel = level // asked again of a renewed session
		s.mu.Unlock()
	}
	return err
}

// Subscribe asks for notifications/resources/updated about uri:
// resources/subscribe in the legacy era, a subscriptions/listen stream in
// the stateless one. Updates arrive as message events.
func (s *Session) Subscribe(ctx context.Context, uri string) error {
	if s.Era() != "modern" {
		if _, err := s.Call(ctx, "resources/subscribe", map[string]string{"uri": uri}); err != nil {
			return err
		}
		s.mu.Lock()
		if s.subs == nil {
			s.subs = map[string]bool{}
		}
		s.subs[uri] = true
		s.mu.Unlock()
		return nil
	}
	s.mu.Lock()
	if s.subs == nil {
		s.subs = map[string]bool{}
	}
	s.subs[uri] = true
	s.mu.Unlock()
	return s.scrubber().Err(s.relisten(ctx))
}

// Unsubscribe ends a subscription made with Subscribe.
func (s *Session) Unsubscribe(ctx context.Context, uri string) error {
	s.mu.Lock()
	delete(s.subs, uri)
	s.mu.Unlock()
	if s.Era() != "modern" {
		_, err := s.Call(ctx, "resources/unsubscribe", map[string]string{"uri": uri})
		return err
	}
	return s.scrubber().Err(s.relisten(ctx))
}

// listener is one open subscriptions/listen request (2026-07-28).
type listener struct {
	filter json.RawMessage
	stop   context.CancelFunc
	done   chan struct{}
}

// listenFilter is what the session wants to hear about: the list_changed
// notifications the server offers (when Config.Listen) and the subscribed
// resources.
func (s *Session) listenFilter() (json.RawMessage, bool) {
	s.mu.Lock()
	caps := s.info.Capabilities
	uris := make([]string, 0, len(s.subs))
	for u := range s.subs {
		uris = append(uris, u)
	}
	s.mu.Unlock()
	slices.Sort(uris)
	var c struct {
		Tools     struct{ ListChanged bool } `json:"tools"`
		Prompts   struct{ ListChanged bool } `json:"prompts"`
		Resources struct{ ListChanged bool } `json:"resources"`
	}
	json.Unmarshal(caps, &c)
	f := map[string]any{}
	if s.cfg.Listen {
		if c.Tools.ListChanged {
			f["toolsListChanged"] = true
		}
		if c.Prompts.ListChanged {
			f["promptsListChanged"] = true
		}
		if c.Resources.ListChanged {
			f["resourcesListChanged"] = true
		}
	}
	if len(uris) > 0 {
		f["resourceSubscriptions"] = uris
	}
	b, _ := json.Marshal(f)
	return b, len(f) > 0
}

// relisten replaces the listen stream with one for the current filter: the
// new one is acknowledged before the old one is closed, so nothing is
// missed in between. With nothing to hear about, the stream is closed.
func (s *Session) relisten(ctx context.Context) error {
	// One change at a time: two callers racing (the listen opened at
	// connect, a Subscribe) would each open a stream and one would be lost.
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	filter, want := s.listenFilter()
	s.mu.Lock()
	old := s.listener
	s.mu.Unlock()
	if old != nil && string(old.filter) == string(filter) {
		return nil
	}
	var l *listener
	if want {
		var err error
		if l, err = s.startListen(ctx, filter); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.listener = l
	s.mu.Unlock()
	if old != nil {
		old.stop()
		<-old.done
	}
	return nil
}

// listenAfresh stops the listen stream of an earlier connection and opens
// one on this connection.
func (s *Session) listenAfresh(ctx context.Context) error {
	s.listenMu.Lock()
	s.mu.Lock()
	old := s.listener
	s.listener = nil
	s.mu.Unlock()
	if old != nil {
		old.stop()
		<-old.done
	}
	s.listenMu.Unlock()
	return s.relisten(ctx)
}

// startListen opens subscriptions/listen and waits for the server's
// acknowledgement. The stream stays open in the background; if it ends
// without the session asking, it is opened again (the server keeps no
// state, so the request is simply sent again).
func (s *Session) startListen(ctx context.Context, filter json.RawMessage) (*listener, error) {
	tr, err := s.waitReady(ctx)
	if err != nil {
		return nil, err
	}
	lctx, stop := context.WithCancel(s.ctx)
	l := &listener{filter: filter, stop: stop, done: make(chan struct{})}
	acked := make(chan json.RawMessage, 1)
	ended := make(chan error, 1)
	ids := make(chan string, 1)
	params, _ := json.Marshal(map[string]json.RawMessage{"notifications": filter})
	run := func(tr transport) {
		_, err := s.roundTrip(lctx, tr, "subscriptions/listen", params, callOpts{noTimeout: true, onID: func(id string) {
			s.mu.Lock()
			if s.acks == nil {
				s.acks = map[string]chan json.RawMessage{}
			}
			s.acks[id] = acked
			s.mu.Unlock()
			ids <- id
		}})
		ended <- err
	}
	if !s.spawn(func() { run(tr) }) {
		stop()
		return nil, ErrClosed
	}
	id := <-ids
	select {
	case <-acked:
	case err := <-ended:
		stop()
		close(l.done)
		if err == nil {
			err = fmt.Errorf("the server ended subscriptions/listen at once")
		}
		return nil, fmt.Errorf("subscriptions/listen: %w", err)
	case <-ctx.Done():
		stop()
		close(l.done)
		return nil, ctx.Err()
	}
	cur := tr // the transport the stream runs on
	loop := func() {
		defer close(l.done)
		for attempt := 1; ; attempt++ {
			err := <-ended
			s.mu.Lock()
			delete(s.acks, id)
			s.mu.Unlock()
			if lctx.Err() != nil {
				return // we closed it
			}
			var ue *unsentError
			if errors.As(err, &ue) {
				// The server cannot be reached: the session recovers,
				// and listens afresh once it has.
				s.lost(cur, ue.err)
				return
			}
			why := "the server ended the subscription"
			if err != nil {
				why = "the listen stream broke: " + err.Error()
			}
			delay := backoff(attempt, -1)
			s.note(fmt.Sprintf("%s; listening again in %s", why, delay.Round(time.Millisecond)))
			select {
			case <-time.After(delay):
			case <-lctx.Done():
				return
			}
			tr, werr := s.waitReady(lctx)
			if werr != nil {
				return
			}
			cur = tr
			if !s.spawn(func() { run(tr) }) {
				return
			}
			id = <-ids
		}
	}
	if !s.spawn(loop) {
		stop()
		close(l.done)
	}
	return l, nil
}

// acknowledged routes notifications/subscriptions/acknowledged to the
// listen request it answers (by _meta subscriptionId).
func (s *Session) acknowledged(raw json.RawMessage) {
	var n struct {
		Params struct {
			Meta map[string]json.RawMessage `json:"_meta"`
		} `json:"params"`
	}
	json.Unmarshal(raw, &n)
	id := idKey(n.Params.Meta[MetaSubscriptionID])
	s.mu.Lock()
	ch := s.acks[id]
	s.mu.Unlock()
	if ch != nil {
		select {
		case ch <- raw:
		default:
		}
	}
}
