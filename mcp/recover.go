package mcp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Losing and re-establishing the connection, and keeping it alive.

// outage is one stretch of time in which the session cannot be used: from
// the moment sonde knows the connection is gone (a stream broke, the server
// refused a connection, the process exited, the server forgot the session)
// until it is re-established or given up. Everything that notices the same
// loss joins one outage, so it is logged and reported as one recovery.
type outage struct {
	start time.Time
	cause string        // why, for the report when it ends
	kick  chan struct{} // a waiting call wants an attempt now (cap 1)
	// waiters counts the calls waiting for the connection (under
	// Session.mu): while there are any, attempts come every waitingRetry
	// instead of on the backoff schedule.
	waiters int
	lastErr error // the latest failed attempt (under Session.mu)
	// once gives up after one failed attempt: the outage a call starts
	// after recovery had given up.
	once bool
}

// outageMode says how a recovery begins.
type outageMode int

const (
	afterBackoff outageMode = iota // the connection broke: first attempt after a backoff step
	rightAway                      // the server forgot the session: attempt at once
	oneAttempt                     // a call after recovery gave up: one attempt, at once
)

// waitingRetry is the pause between reconnect attempts while a call waits
// for the connection: the call is bounded by its own timeout, so there is
// no reason to wait out a long backoff step once the server is back.
const waitingRetry = 500 * time.Millisecond

func (l *tlink) lost(tr transport, err error)    { l.s.lost(tr, err) }
func (l *tlink) expired(tr transport, err error) { l.s.expired(tr, err) }

// lost is called when tr's connection is gone as a whole (a legacy SSE
// stream ended, the stdio process exited, the server refused a connection).
// Requests waiting on it are failed, their answers being lost, and the
// session is re-established in the background with backoff.
func (s *Session) lost(tr transport, err error) {
	s.startOutage(tr, "connection lost: "+err.Error(), afterBackoff)
}

// expired is called when the server no longer knows the session (HTTP 404,
// or the TypeScript SDK's 400, for our session id): the session is
// re-initialized at once.
func (s *Session) expired(tr transport, err error) {
	if s.startOutage(tr, "session expired", rightAway) {
		s.note("the server no longer knows this session (" + err.Error() + "); re-initializing")
	}
}

// startOutage begins recovering from tr's loss unless it is already under
// way (or tr is no longer the session's transport). It reports whether it
// began one.
func (s *Session) startOutage(tr transport, cause string, mode outageMode) bool {
	s.mu.Lock()
	if s.closed || tr != s.tr || s.outage != nil {
		s.mu.Unlock()
		return false
	}
	o := &outage{start: time.Now(), cause: cause, kick: make(chan struct{}, 1), once: mode == oneAttempt}
	s.outage = o
	s.reconnects++
	s.state = StateReconnecting
	s.failErr = nil
	s.ready = make(chan struct{})
	orphans := s.pending
	s.pending = map[string]*pending{}
	s.mu.Unlock()
	if mode == afterBackoff {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: cause})
	}
	for id, p := range orphans {
		s.emit(&Event{Dir: DirMeta, Kind: KindError, ID: id, ReqMethod: p.method, Err: fmt.Sprintf("%s (id %s) failed: its answer was lost with the connection", p.method, id)})
		p.ch <- reply{err: &LostError{Method: p.method, Err: errors.New(cause)}}
	}
	s.spawn(func() { s.recover(o, tr, mode != afterBackoff) })
	return true
}

// recover re-establishes the connection until it works, the session
// closes, the server refuses our credentials or the scheduled attempts run
// out. Attempts follow a backoff schedule (honouring the server's retry
// hint); a waiting call asks for one at once, and while calls wait they
// come every waitingRetry. Only scheduled attempts count against
// MaxReconnects: waiting calls are bounded by their own timeouts.
func (s *Session) recover(o *outage, old transport, now bool) {
	retry := -1
	if ls, ok := old.(*legacySSE); ok {
		retry = ls.retryHint()
	}
	closeOld := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		old.close(cctx)
		cancel()
	}
	limit := s.cfg.maxReconnects()
	if limit == 0 && !now {
		closeOld()
		s.giveUp(o, errors.New(o.cause))
		return
	}
	next := time.Now() // when the next scheduled attempt is due
	if !now {
		next = next.Add(s.backoff(1, retry))
	}
	scheduled := 0 // failed scheduled attempts
	why := o.cause
	for attempt := 1; ; attempt++ {
		delay := max(0, time.Until(next))
		s.mu.Lock()
		if o.waiters > 0 {
			delay = min(delay, waitingRetry)
		}
		s.mu.Unlock()
		text := fmt.Sprintf("attempt %d: %s", attempt, why)
		if delay > 0 {
			text = fmt.Sprintf("attempt %d in %s: %s", attempt, delay.Round(time.Millisecond), why)
		}
		s.emitState(StateReconnecting, attempt, nil, text)
		if attempt == 1 {
			closeOld()
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-o.kick:
				s.note("a call is waiting for the connection: trying now")
			case <-s.ctx.Done():
				t.Stop()
				return
			}
			t.Stop()
		}
		onSchedule := !time.Now().Before(next)
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
		err := s.establish(ctx)
		cancel()
		if err == nil || s.ctx.Err() != nil {
			return
		}
		// The loss was the error; an attempt that finds the server still
		// away is a note (giving up is an error again).
		s.emit(&Event{Dir: DirMeta, Kind: KindInfo, Text: fmt.Sprintf("reconnect attempt %d failed: %v", attempt, err)})
		s.mu.Lock()
		o.lastErr = err
		s.mu.Unlock()
		var ae *AuthError
		if errors.As(err, &ae) || o.once {
			s.giveUp(o, err)
			return
		}
		why = err.Error()
		if onSchedule {
			scheduled++
			if scheduled >= limit {
				s.giveUp(o, fmt.Errorf("connection lost and not re-established after %d attempts: %w", attempt, err))
				return
			}
			next = time.Now().Add(s.backoff(scheduled+1, retry))
		}
	}
}

// backoff is the delay before scheduled attempt n (tests shorten or
// stretch it with Config.testBackoff).
func (s *Session) backoff(n, retryMS int) time.Duration {
	if s.cfg.testBackoff != nil {
		return s.cfg.testBackoff(n, retryMS)
	}
	return backoff(n, retryMS)
}

// giveUp ends outage o without a connection: calls fail with err until a
// call starts a new attempt (see awaitConn).
func (s *Session) giveUp(o *outage, err error) {
	s.mu.Lock()
	if s.outage == o {
		s.outage = nil
	}
	s.failErr = err
	s.state = StateError // with failErr, as waiting calls see them
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
	s.mu.Unlock()
	s.emit(&Event{Dir: DirMeta, Kind: KindState, State: StateError, Text: err.Error()})
}

// awaitConn returns the live transport, waiting (bounded by ctx and
// timeout) while the session is being re-established. A call (kick) asks
// for an attempt at once and makes attempts come quickly while it waits;
// after recovery gave up it makes one more attempt, unless the server
// refused our credentials or reconnecting is off. Background work waits
// without kicking.
func (s *Session) awaitConn(ctx context.Context, timeout time.Duration, kick bool) (transport, error) {
	var (
		timer  <-chan time.Time
		joined *outage
		again  bool // asked for an attempt after recovery gave up
	)
	defer func() {
		if joined != nil {
			s.mu.Lock()
			joined.waiters--
			s.mu.Unlock()
		}
	}()
	for {
		s.mu.Lock()
		closed, st, tr, ready, failErr, o := s.closed, s.state, s.tr, s.ready, s.failErr, s.outage
		if kick && o != nil && o != joined {
			if joined != nil {
				joined.waiters--
			}
			o.waiters++
			joined = o
			select {
			case o.kick <- struct{}{}:
			default:
			}
		}
		s.mu.Unlock()
		switch {
		case closed:
			return nil, ErrClosed
		case failErr != nil:
			var ae *AuthError
			if !kick || again || errors.As(failErr, &ae) || s.cfg.maxReconnects() == 0 || tr == nil ||
				!s.startOutage(tr, failErr.Error(), oneAttempt) {
				return nil, failErr
			}
			again = true
			continue
		case st == StateConnected && tr != nil:
			return tr, nil
		}
		if timer == nil {
			t := time.NewTimer(timeout)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-ready:
		case <-timer:
			s.mu.Lock()
			err := fmt.Errorf("still reconnecting after %s", timeout)
			if o != nil && o.lastErr != nil {
				err = fmt.Errorf("still reconnecting after %s (last attempt: %w)", timeout, o.lastErr)
			}
			s.mu.Unlock()
			return nil, &LostError{Err: err}
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.ctx.Done():
			return nil, ErrClosed
		}
	}
}

// waitReady waits for the connection as background work does: bounded by
// the request timeout, without asking for an attempt.
func (s *Session) waitReady(ctx context.Context) (transport, error) {
	return s.awaitConn(ctx, s.cfg.timeout(), false)
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
			if _, err := s.Call(ctx, "logging/setLevel", map[string]string{"level": level}, inBackground); err != nil && s.ctx.Err() == nil {
				s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "renewing the log level: " + err.Error()})
			}
			cancel()
		}
		for _, u := range uris {
			ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout())
			if _, err := s.Call(ctx, "resources/subscribe", map[string]string{"uri": u}, inBackground); err != nil && s.ctx.Err() == nil {
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
		// noSync: the next ping must not wait for a slow event consumer
		// a lenient session's server may not take ping: its failure is a
		// finding (the warning below), not an error
		_, err := s.call(ctx, "ping", nil, callOpts{noSync: true, background: true, probe: s.cfg.lenient()})
		cancel()
		if err != nil && s.ctx.Err() == nil && !errors.Is(err, ErrClosed) {
			var re *RPCError
			var he *HTTPError
			if s.cfg.lenient() && (errors.As(err, &re) || errors.As(err, &he)) {
				// a server that does not take ping says so every time
				s.warn("the server does not take ping (" + err.Error() + "); sonde stops pinging (lenient)")
				return
			}
			s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: "keepalive ping failed: " + err.Error()})
		}
	}
}
