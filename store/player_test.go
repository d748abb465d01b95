package store

import (
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

// fakeClock is a Clock that moves only when told to.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	waits  []time.Duration
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waits = append(c.waits, d)
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.ch <- c.now
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
}

// waitTimer waits until the player asked for a wait and returns it.
func (c *fakeClock) waitTimer(t *testing.T, n int) time.Duration {
	t.Helper()
	var d time.Duration
	if !testenv.Poll(10*time.Second, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.waits) >= n {
			d = c.waits[n-1]
			return true
		}
		return false
	}) {
		t.Fatalf("the player never waited a %dth time", n)
	}
	return d
}

func recv(t *testing.T, p *Player, n int) []mcp.Event {
	t.Helper()
	var out []mcp.Event
	for len(out) < n {
		select {
		case e, ok := <-p.Events():
			if !ok {
				t.Fatalf("channel closed after %d of %d events", len(out), n)
			}
			out = append(out, e)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d of %d events", len(out), n)
		}
	}
	return out
}

// quiet asserts that nothing more arrives for a moment.
func quiet(t *testing.T, p *Player) {
	t.Helper()
	select {
	case e := <-p.Events():
		t.Fatalf("unexpected event %+v", e)
	case <-time.After(30 * time.Millisecond):
	}
}

// status waits until the player's status satisfies ok.
func status(t *testing.T, p *Player, ok func(PlayerStatus) bool) PlayerStatus {
	t.Helper()
	var s PlayerStatus
	if !testenv.Poll(10*time.Second, func() bool { s = p.Status(); return ok(s) }) {
		t.Fatalf("status %+v", s)
	}
	return s
}

func openSynth(t *testing.T, n int) ([]mcp.Event, *Reader) {
	t.Helper()
	evs := synth(n)
	r, err := Open(writeRecording(t, t.TempDir(), evs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return evs, r
}

func TestPlayerInstant(t *testing.T) {
	evs, r := openSynth(t, 1000)
	p := NewPlayer(r, PlayerOptions{Speed: Instant})
	defer p.Close()
	diffEvents(t, recv(t, p, len(evs)), evs)
	// Delivery streams ahead of the index: Len (and Duration) are known once it is built.
	s := status(t, p, func(s PlayerStatus) bool { return s.AtEnd && s.Len >= 0 })
	if s.Pos != 1000 || s.Len != 1000 || s.Playing || s.Duration != 999*time.Millisecond || s.At != s.Duration {
		t.Fatalf("status at the end %+v", s)
	}
	quiet(t, p)
	p.Close()
	if _, ok := <-p.Events(); ok {
		t.Fatal("channel open after Close")
	}
}

func TestPlayerPacing(t *testing.T) {
	evs, r := openSynth(t, 20)
	clock := &fakeClock{now: time.Unix(1000, 0)}
	p := NewPlayer(r, PlayerOptions{Speed: 2, Clock: clock})
	defer p.Close()
	recv(t, p, 1) // t=0 is due at once
	// Events are 1 ms apart: at 2x, 500 µs.
	if d := clock.waitTimer(t, 1); d != 500*time.Microsecond {
		t.Fatalf("waited %v at 2x", d)
	}
	quiet(t, p)
	clock.Advance(500 * time.Microsecond)
	if e := recv(t, p, 1)[0]; !sameEvent(e, evs[1]) {
		t.Fatalf("second event %+v", e)
	}
	// Status lags the channel by at most one event.
	status(t, p, func(s PlayerStatus) bool { return s.At == time.Millisecond && s.Pos == 2 && s.Playing && s.Speed == 2 })
	// Half speed from here: the next event (1 ms later) is 2 ms away.
	if got := p.SetSpeed(0.1); got != MinSpeed {
		t.Fatalf("SetSpeed clamps to %v", got)
	}
	if d := clock.waitTimer(t, 3); d != 2*time.Millisecond {
		t.Fatalf("waited %v at 0.5x", d)
	}
	if got := p.SetSpeed(1e6); got != MaxSpeed {
		t.Fatalf("SetSpeed clamps to %v", got)
	}
	if d := clock.waitTimer(t, 4); d != 10*time.Microsecond {
		t.Fatalf("waited %v at 100x", d)
	}
	// Paused, the clock moving does nothing.
	p.Pause()
	status(t, p, func(s PlayerStatus) bool { return !s.Playing })
	clock.Advance(time.Hour)
	quiet(t, p)
	if s := p.Status(); s.Pos != 2 || s.At != time.Millisecond {
		t.Fatalf("paused status %+v", s)
	}
}

func TestPlayerMaxGap(t *testing.T) {
	evs := synth(3)
	evs[2].Time = evs[1].Time.Add(time.Hour)
	r, err := Open(writeRecording(t, t.TempDir(), evs))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	clock := &fakeClock{now: time.Unix(1000, 0)}
	p := NewPlayer(r, PlayerOptions{Clock: clock, MaxGap: 2 * time.Second})
	defer p.Close()
	recv(t, p, 1)
	clock.waitTimer(t, 1)
	clock.Advance(time.Millisecond)
	recv(t, p, 1)
	if d := clock.waitTimer(t, 2); d != 2*time.Second {
		t.Fatalf("an idle hour waited %v, want the 2s cap", d)
	}
}

func TestPlayerControls(t *testing.T) {
	evs, r := openSynth(t, 400)
	p := NewPlayer(r, PlayerOptions{Paused: true})
	defer p.Close()
	quiet(t, p)

	p.Step()
	p.Step()
	p.Step()
	diffEvents(t, recv(t, p, 3), evs[:3])
	status(t, p, func(s PlayerStatus) bool { return s.Pos == 3 })

	// Back one: a rewind marker, then everything before event 2.
	p.StepBack()
	got := recv(t, p, 3)
	if got[0].Kind != KindRewind {
		t.Fatalf("want a rewind marker, got %+v", got[0])
	}
	diffEvents(t, got[1:], evs[:2])
	status(t, p, func(s PlayerStatus) bool { return s.Pos == 2 && !s.Playing })

	// Ten steps back in a row (folded into as few rewinds as the player
	// had time for) end at the start.
	for i := 0; i < 10; i++ {
		p.StepBack()
	}
	status(t, p, func(s PlayerStatus) bool { return s.Pos == 0 && s.Note == "at the start" })
	var last mcp.Event
	for len(p.Events()) > 0 {
		last = <-p.Events()
	}
	if last.Kind != KindRewind {
		t.Fatalf("the last event at the start should be a rewind marker: %+v", last)
	}
	quiet(t, p)

	// Next request: delivers up to and including it.
	p.NextRequest()
	wantReq := -1
	for i := range evs {
		if IsRequest(&evs[i]) {
			wantReq = i
			break
		}
	}
	diffEvents(t, recv(t, p, wantReq+1), evs[:wantReq+1])

	// Next error.
	wantErr := -1
	for i := wantReq + 1; i < len(evs); i++ {
		if IsError(&evs[i]) {
			wantErr = i
			break
		}
	}
	p.NextError()
	got = recv(t, p, wantErr-wantReq)
	diffEvents(t, got, evs[wantReq+1:wantErr+1])
	if !IsError(&got[len(got)-1]) {
		t.Fatal("NextError did not stop at an error")
	}

	// Seek by time backwards: the events at or before 10.5 ms.
	p.Seek(10500 * time.Microsecond)
	got = recv(t, p, 12)
	if got[0].Kind != KindRewind {
		t.Fatalf("seek back: %+v", got[0])
	}
	diffEvents(t, got[1:], evs[:11])
	status(t, p, func(s PlayerStatus) bool { return s.Pos == 11 && s.At == 10500*time.Microsecond })

	// Seek forward a little: just the events in between, no rewind.
	p.Seek(20 * time.Millisecond)
	diffEvents(t, recv(t, p, 10), evs[11:21])

	// Play on, instantly, to the end; Play at the end starts over.
	p.SetSpeed(Instant)
	p.Play()
	diffEvents(t, recv(t, p, len(evs)-21), evs[21:])
	status(t, p, func(s PlayerStatus) bool { return s.AtEnd && !s.Playing })
	p.NextError()
	status(t, p, func(s PlayerStatus) bool { return s.Note == "no further error" })
	p.Play()
	got = recv(t, p, 1+len(evs))
	if got[0].Kind != KindRewind {
		t.Fatalf("replay from the start: %+v", got[0])
	}
	diffEvents(t, got[1:], evs)
}

func TestPlayerRewindContext(t *testing.T) {
	evs, r := openSynth(t, 3000)
	p := NewPlayer(r, PlayerOptions{Paused: true, Context: 100})
	defer p.Close()
	p.SeekEvent(2500)
	got := recv(t, p, 1)
	if got[0].Kind != KindRewind {
		t.Fatalf("a far jump starts with a rewind: %+v", got[0])
	}
	status(t, p, func(s PlayerStatus) bool { return s.Pos == 2500 })
	var rest []mcp.Event
	for len(rest) == 0 || len(p.Events()) > 0 {
		rest = append(rest, recv(t, p, 1)...)
	}
	quiet(t, p)
	// Anchors, then the 100 events before 2500.
	n := len(rest) - 100
	diffEvents(t, rest[n:], evs[2400:2500])
	anchors := rest[:n]
	var conn, listReq, listResp bool
	for _, e := range anchors {
		conn = conn || e.State == mcp.StateConnected && e.Info != nil
		listReq = listReq || e.Method == "tools/list" && e.Dir == mcp.DirOut
		listResp = listResp || e.ReqMethod == "tools/list"
	}
	if !conn || !listReq || !listResp {
		t.Fatalf("anchors lack connected/list: %d anchors", n)
	}
	// The browsers rebuilt from what the player sent equal those of the
	// full recording up to 2500.
	full, replay := session.New(), session.New()
	for _, e := range evs[:2500] {
		full.Apply(e)
	}
	for _, e := range rest {
		replay.Apply(e)
	}
	if len(full.Lists[session.Tools].Items) == 0 || !equalRaw(rawItems(full, session.Tools), rawItems(replay, session.Tools)) || replay.Conn.Info == nil {
		t.Fatalf("listings after a rewind: %s vs %s", rawItems(full, session.Tools), rawItems(replay, session.Tools))
	}
}
