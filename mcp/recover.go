package mcp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Losing and re-establishing the connection, and keeping it alive.

func (l *tlink) lost(tr transport, err error) { l.s.lost(tr, err) }

// lost is called by a transport whose connection died (legacy SSE stream,
// stdio process). Requests waiting on it are failed, their answers being
// lost, and the session is re-established in the background with backoff.
func (s *Session) lost(tr transport, err error) {
	s.mu.Lock()
	if s.closed || tr != s.tr || s.recovering {
		s.mu.Unlock()
		return
	}
	s.recovering = true
	s.state = StateReconnecting
	s.ready = make(chan struct{})
	orphans := s.pending
	s.pending = map[string]*pending{}
	s.mu.Unlock()
	s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "connection lost: " + err.Error()})
	for id, p := range orphans {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: id, ReqMethod: p.method, Err: fmt.Sprintf("%s (id %s) failed: its answer was lost with the connection", p.method, id)})
		p.ch <- reply{err: &LostError{Method: p.method, Err: err}}
	}
	s.spawn(func() { s.recover(tr, err) })
}

// renew re-establishes a session the server forgot (Streamable HTTP 404 or
// legacy POST 404). Concurrent callers share one renewal.
func (s *Session) renew(ctx context.Context, failed transport) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.tr != failed { // someone already renewed it
		s.mu.Unlock()
		return nil
	}
	if ch := s.renewing; ch != nil {
		s.mu.Unlock()
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	s.renewing = ch
	s.state = StateReconnecting
	s.ready = make(chan struct{})
	s.reconnects++
	n := s.reconnects
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.renewing = nil
		s.mu.Unlock()
		close(ch)
	}()
	s.emitState(StateReconnecting, n, nil, "session expired")
	cctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	failed.close(cctx)
	cancel()
	if err := s.establish(ctx); err != nil {
		s.mu.Lock()
		s.failErr = err
		close(s.ready)
		s.mu.Unlock()
		s.emitState(StateError, n, nil, err.Error())
		return err
	}
	return nil
}

// recover re-establishes the connection with backoff, honouring the server's
// retry hint, until it works, the session closes, the attempts run out or
// the server refuses our credentials.
func (s *Session) recover(old transport, cause error) {
	cctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	old.close(cctx)
	cancel()
	retry := -1
	if ls, ok := old.(*legacySSE); ok {
		retry = ls.retryHint()
	}
	limit := s.cfg.maxReconnects()
	for attempt := 1; ; attempt++ {
		if limit == 0 || attempt > limit {
			err := fmt.Errorf("connection lost and not re-established after %d attempts: %w", attempt-1, cause)
			if limit == 0 {
				err = fmt.Errorf("connection lost: %w", cause)
			}
			s.giveUp(err)
			return
		}
		delay := backoff(attempt, retry)
		s.mu.Lock()
		s.reconnects++
		n := s.reconnects
		s.mu.Unlock()
		s.emitState(StateReconnecting, n, nil, fmt.Sprintf("attempt %d in %s: %v", attempt, delay.Round(time.Millisecond), cause))
		select {
		case <-time.After(delay):
		case <-s.ctx.Done():
			return
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
		err := s.establish(ctx)
		cancel()
		if err == nil {
			s.mu.Lock()
			s.recovering = false
			s.mu.Unlock()
			return
		}
		if s.ctx.Err() != nil {
			return
		}
		s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: fmt.Sprintf("reconnect attempt %d failed: %v", attempt, err)})
		var ae *AuthError
		if errors.As(err, &ae) {
			s.giveUp(err)
			return
		}
		cause = err
	}
}

func (s *Session) giveUp(err error) {
	s.mu.Lock()
	s.failErr = err
	s.recovering = false
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
	s.mu.Unlock()
	s.emitState(StateError, 0, nil, err.Error())
}

// resubscribe renews legacy resource subscriptions on a new session.
func (s *Session) resubscribe() {
	s.mu.Lock()
	level := s.legacyLogLevel
	uris := make([]string, 0, len(s.subs))
	for u := range s.subs {
		uris = append(uris, u)
	}
	s.mu.Unlock()
	if len(uris) == 0 && level == "" {
		return
	}
	s.spawn(func() {
		if level != "" {
			ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
			if _, err := s.Call(ctx, "logging/setLevel", map[string]string{"level": level}); err != nil && s.ctx.Err() == nil {
				s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "renewing the log level: " + err.Error()})
			}
			cancel()
		}
		for _, u := range uris {
			ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
			if _, err := s.Call(ctx, "resources/subscribe", map[string]string{"uri": u}); err != nil && s.ctx.Err() == nil {
				s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "renewing the subscription to " + u + ": " + err.Error()})
			}
			cancel()
		}
	})
}

// keepaliveLoop pings the server every Keepalive interval. On a legacy SSE
// connection the answer travels down the stream, so the stream never looks
// idle to a proxy; the round trip time is on the answer's event (Latency).
func (s *Session) keepaliveLoop() {
	iv := s.cfg.keepalive()
	if iv <= 0 {
		return
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		if s.State() != StateConnected || s.Era() == "modern" {
			continue // the stateless era has no ping and no stream to keep
		}
		ctx, cancel := context.WithTimeout(s.ctx, min(iv, s.cfg.timeout()))
		_, err := s.Call(ctx, "ping", nil)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "keepalive ping failed: " + err.Error()})
		}
	}
}
