package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

// KindRewind marks, in a [Player]'s event stream, that the replay position
// moved backwards (or jumped far ahead): the receiver forgets every event it
// got so far. The events that follow rebuild the state up to the new
// position: the last `connected` state event and the last listing of
// tools, resources, templates and prompts from before the context window,
// then the last PlayerOptions.Context events before the position, all
// delivered at once. Its Text says where the replay moved to.
const KindRewind = session.KindRewind

// Speeds.
const (
	// Instant plays without waiting between events.
	Instant = -1.0
	// MinSpeed and MaxSpeed bound the other speeds.
	MinSpeed = 0.5
	MaxSpeed = 100.0
)

// Clock is a [Player]'s time source; tests substitute a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

// Now is time.Now.
func (realClock) Now() time.Time { return time.Now() }

// After is time.After.
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// PlayerOptions configure a [Player].
type PlayerOptions struct {
	// Speed is the initial speed: 0 means 1x; [Instant], or 0.5 to 100.
	Speed float64
	// Paused starts the player paused at the first event.
	Paused bool
	// Buffer is the capacity of the events channel (0 = 256).
	Buffer int
	// Context is how many events before the new position are delivered
	// after a [KindRewind] (0 = 10000).
	Context int
	// MaxGap caps the wait between two events (at 1x; 0 = no cap), so
	// long idle stretches of a recording do not stall a replay.
	MaxGap time.Duration
	// Clock is the time source (nil = the real clock).
	Clock Clock
}

// PlayerStatus is where a [Player] stands.
type PlayerStatus struct {
	// Pos is the number of events delivered since the last rewind's
	// context: the next event to play is event number Pos.
	Pos int
	// Len is the number of events, -1 while the index is being built.
	Len int
	// At is the replay position in recording time.
	At time.Duration
	// Duration is the recording's length, 0 while unknown.
	Duration time.Duration
	// Playing reports whether the player is playing.
	Playing bool
	// Speed is the current speed ([Instant] or 0.5 to 100).
	Speed float64
	// AtEnd reports that every event was delivered.
	AtEnd bool
	// Note says why the last command did nothing ("no further error").
	Note string
}

// Player feeds a recording into a channel of events, as a live session
// would, under the control of a UI: play and pause, speed, stepping one
// event forward or back, jumping to the next request or error, seeking by
// time or event number. Its control methods never block: they queue a
// command for the player's goroutine and return. Events carry their
// recorded times.
type Player struct {
	r     *Reader
	opts  PlayerOptions
	clock Clock
	out   chan mcp.Event

	mu       sync.Mutex
	cmds     []command
	snap     snapshot
	sig      chan struct{}
	done     chan struct{}
	finished chan struct{}
	once     sync.Once

	// Owned by the player goroutine.
	pos      int
	pending  *mcp.Event
	pendingT time.Duration
	lastT    time.Duration
	playing  bool
	speed    float64
	vt       time.Duration // recording time at anchor
	anchor   time.Time     // wall time at which vt held
	atEnd    bool
	note     string
}

// snapshot is the state Status reports, copied under mu.
type snapshot struct {
	pos      int
	vt       time.Duration
	anchor   time.Time
	speed    float64
	playing  bool
	atEnd    bool
	pendingT time.Duration
	pending  bool
	note     string
}

type cmdKind int

const (
	cmdPlay cmdKind = iota
	cmdPause
	cmdToggle
	cmdSpeed
	cmdStep
	cmdStepBack
	cmdNextRequest
	cmdNextError
	cmdSeekTime
	cmdSeekEvent
)

type command struct {
	kind cmdKind
	f    float64
	d    time.Duration
	i    int
}

// NewPlayer starts a player on r. Close the player before the reader.
func NewPlayer(r *Reader, opts PlayerOptions) *Player {
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	if opts.Context <= 0 {
		opts.Context = 10000
	}
	clock := opts.Clock
	if clock == nil {
		clock = realClock{}
	}
	p := &Player{r: r, opts: opts, clock: clock, out: make(chan mcp.Event, opts.Buffer),
		sig: make(chan struct{}, 1), done: make(chan struct{}), finished: make(chan struct{})}
	p.speed = 1
	if opts.Speed != 0 {
		p.speed = clampSpeed(opts.Speed)
	}
	p.playing = !opts.Paused
	p.anchor = clock.Now()
	r.startIndex()
	if r.Pos() != 0 {
		r.Seek(0)
	}
	p.publish()
	go p.run()
	return p
}

func clampSpeed(s float64) float64 {
	switch {
	case s == Instant || s < 0:
		return Instant
	case s < MinSpeed:
		return MinSpeed
	case s > MaxSpeed:
		return MaxSpeed
	}
	return s
}

// Events is the channel the recording plays into. It is closed by Close.
func (p *Player) Events() <-chan mcp.Event { return p.out }

// Play starts or resumes playing (from the start when at the end).
func (p *Player) Play() { p.send(command{kind: cmdPlay}) }

// Pause pauses.
func (p *Player) Pause() { p.send(command{kind: cmdPause}) }

// Toggle plays when paused and pauses when playing.
func (p *Player) Toggle() { p.send(command{kind: cmdToggle}) }

// SetSpeed sets the speed: [Instant], or a factor clamped to 0.5..100. It
// returns the speed that will apply.
func (p *Player) SetSpeed(s float64) float64 {
	s = clampSpeed(s)
	p.send(command{kind: cmdSpeed, f: s})
	return s
}

// Step pauses and delivers the next event.
func (p *Player) Step() { p.send(command{kind: cmdStep}) }

// StepBack pauses and moves back one event (a [KindRewind] and the
// context up to the previous event).
func (p *Player) StepBack() { p.send(command{kind: cmdStepBack}) }

// NextRequest moves to just after the next JSON-RPC request that is not a
// ping, delivering everything up to it.
func (p *Player) NextRequest() { p.send(command{kind: cmdNextRequest}) }

// NextError moves to just after the next event [IsError] reports.
func (p *Player) NextError() { p.send(command{kind: cmdNextError}) }

// Seek moves to recording time t: every event at or before t is delivered
// and the next one is due after t.
func (p *Player) Seek(t time.Duration) { p.send(command{kind: cmdSeekTime, d: t}) }

// SeekEvent moves to just before event i (i events delivered).
func (p *Player) SeekEvent(i int) { p.send(command{kind: cmdSeekEvent, i: i}) }

// Status returns where the player stands. It never blocks on the player.
func (p *Player) Status() PlayerStatus {
	p.mu.Lock()
	s := p.snap
	p.mu.Unlock()
	st := PlayerStatus{Pos: s.pos, Len: -1, Playing: s.playing, Speed: s.speed, AtEnd: s.atEnd, Note: s.note}
	if n, done := p.r.Scanned(); done {
		st.Len = n
		st.Duration = p.r.Duration()
	}
	st.At = s.vt
	if s.playing && s.speed != Instant {
		st.At = s.vt + time.Duration(float64(p.clock.Now().Sub(s.anchor))*s.speed)
		if s.pending && st.At > s.pendingT {
			st.At = s.pendingT
		}
	}
	if s.playing && s.speed == Instant && s.pending {
		st.At = s.pendingT
	}
	return st
}

// Close stops the player and closes its channel.
func (p *Player) Close() error {
	p.once.Do(func() { close(p.done) })
	<-p.finished
	return nil
}

func (p *Player) send(c command) {
	p.mu.Lock()
	p.cmds = append(p.cmds, c)
	p.mu.Unlock()
	select {
	case p.sig <- struct{}{}:
	default:
	}
}

var errClosed = errors.New("player closed")

// run is the player goroutine.
func (p *Player) run() {
	defer close(p.finished)
	defer close(p.out)
	for {
		if err := p.apply(); err != nil {
			return
		}
		p.publish()
		if !p.playing {
			select {
			case <-p.sig:
			case <-p.done:
				return
			}
			continue
		}
		if p.pending == nil {
			if !p.fetch() {
				p.playing, p.atEnd = false, true
				p.vt = max(p.vt, p.lastT) // stand at the last event
				continue
			}
			if gap := p.pendingT - max(p.lastT, p.vt); p.opts.MaxGap > 0 && gap > p.opts.MaxGap {
				p.reanchor(p.pendingT - p.opts.MaxGap)
			}
			p.publish()
		}
		if wait := p.dueIn(p.pendingT); wait > 0 {
			select {
			case <-p.clock.After(wait):
			case <-p.sig:
				continue
			case <-p.done:
				return
			}
		}
		select {
		case p.out <- *p.pending:
			p.delivered(p.pendingT)
		case <-p.sig:
		case <-p.done:
			return
		}
	}
}

// fetch reads the event at p.pos into pending.
func (p *Player) fetch() bool {
	e, err := p.r.Next()
	if err != nil {
		return false
	}
	p.pending = &e
	p.pendingT = e.Time.Sub(p.r.header.Start)
	return true
}

func (p *Player) delivered(t time.Duration) {
	p.pos++
	p.lastT = t
	p.pending = nil
	p.atEnd = false
}

// dueIn is how long until an event at recording time t is due.
func (p *Player) dueIn(t time.Duration) time.Duration {
	if p.speed == Instant || t <= p.vt {
		return 0
	}
	due := p.anchor.Add(time.Duration(float64(t-p.vt) / p.speed))
	return due.Sub(p.clock.Now())
}

// now is the current recording time.
func (p *Player) now() time.Duration {
	if !p.playing || p.speed == Instant {
		if p.playing && p.pending != nil {
			return p.pendingT
		}
		return max(p.vt, p.lastT)
	}
	t := p.vt + time.Duration(float64(p.clock.Now().Sub(p.anchor))*p.speed)
	if p.pending != nil && t > p.pendingT {
		t = p.pendingT
	}
	return t
}

func (p *Player) reanchor(vt time.Duration) {
	p.vt = vt
	p.anchor = p.clock.Now()
}

func (p *Player) publish() {
	p.mu.Lock()
	p.snap = snapshot{pos: p.pos, vt: p.vt, anchor: p.anchor, speed: p.speed, playing: p.playing,
		atEnd: p.atEnd, pendingT: p.pendingT, pending: p.pending != nil, note: p.note}
	p.mu.Unlock()
}

// apply runs the queued commands. Position changes are folded into one
// target before anything is delivered, so ten quick steps back cost one
// rewind.
func (p *Player) apply() error {
	p.mu.Lock()
	cmds := p.cmds
	p.cmds = nil
	p.mu.Unlock()
	if len(cmds) == 0 {
		return nil
	}
	target := p.pos
	seekT := time.Duration(-1)
	for _, c := range cmds {
		p.note = ""
		switch c.kind {
		case cmdPlay:
			p.play(&target)
		case cmdPause:
			p.pause()
		case cmdToggle:
			if p.playing {
				p.pause()
			} else {
				p.play(&target)
			}
		case cmdSpeed:
			p.reanchor(p.now())
			p.speed = c.f
		case cmdStep:
			p.pause()
			if target < p.r.Len() {
				target++
				seekT = -1
			} else {
				p.note = "at the end"
			}
		case cmdStepBack:
			p.pause()
			if target > 0 {
				target--
				seekT = -1
			} else {
				p.note = "at the start"
			}
		case cmdNextRequest:
			if j := p.r.NextRequest(target); j >= 0 {
				target, seekT = j+1, -1
			} else {
				p.note = "no further request"
			}
		case cmdNextError:
			if j := p.r.NextError(target); j >= 0 {
				target, seekT = j+1, -1
			} else {
				p.note = "no further error"
			}
		case cmdSeekTime:
			target, seekT = p.r.SearchTime(c.d), max(c.d, 0)
		case cmdSeekEvent:
			target, seekT = min(max(c.i, 0), p.r.Len()), -1
		}
	}
	moved := target != p.pos
	if moved {
		if err := p.moveTo(target); err != nil {
			return err
		}
	}
	switch {
	case seekT >= 0:
		p.reanchor(seekT)
	case moved:
		p.reanchor(p.lastT)
	}
	return nil
}

func (p *Player) play(target *int) {
	if p.playing {
		return
	}
	if p.atEnd {
		*target = 0 // play again from the start
		p.atEnd = false
	}
	p.playing = true
	p.anchor = p.clock.Now()
}

func (p *Player) pause() {
	if !p.playing {
		return
	}
	p.vt = p.now()
	p.playing = false
}

// moveTo delivers what is needed for the receiver to stand at target:
// the events in between when moving a little forward, else a rewind.
func (p *Player) moveTo(target int) error {
	if target > p.pos && target-p.pos <= p.opts.Context {
		for p.pos < target {
			if p.pending == nil && !p.fetch() {
				break
			}
			if err := p.deliverNow(*p.pending); err != nil {
				return err
			}
			p.delivered(p.pendingT)
		}
		p.atEnd = p.pos >= target && p.pending == nil && p.peekEnd()
		return nil
	}
	return p.rewind(target)
}

// peekEnd reports whether no event follows.
func (p *Player) peekEnd() bool {
	n, done := p.r.Scanned()
	return done && p.pos >= n
}

// rewind sends a KindRewind marker and the context for target.
func (p *Player) rewind(target int) error {
	t := time.Duration(0)
	if target > 0 {
		if tt, err := p.r.TimeAt(target - 1); err == nil {
			t = tt
		}
	}
	marker := mcp.Event{Time: p.r.header.Start.Add(t), Dir: mcp.DirMeta, Kind: KindRewind,
		Text: fmt.Sprintf("replay moved to event %d of %d (%s)", target, p.r.Len(), fmtOffset(t))}
	if err := p.deliverNow(marker); err != nil {
		return err
	}
	w0 := max(0, target-p.opts.Context)
	if w0 > 0 {
		for _, j := range p.anchors(w0) {
			e, err := p.r.At(j)
			if err != nil {
				continue
			}
			if err := p.deliverNow(e); err != nil {
				return err
			}
		}
	}
	p.pending = nil
	p.lastT = 0
	if err := p.r.Seek(w0); err != nil {
		return err
	}
	p.pos = w0
	for p.pos < target {
		if !p.fetch() {
			break
		}
		if err := p.deliverNow(*p.pending); err != nil {
			return err
		}
		p.delivered(p.pendingT)
	}
	p.atEnd = p.peekEnd()
	return nil
}

// deliverNow sends e without pacing; only Close interrupts it.
func (p *Player) deliverNow(e mcp.Event) error {
	select {
	case p.out <- e:
		return nil
	case <-p.done:
		return errClosed
	}
}

// listMethods are the listings the UI's browsers are rebuilt from.
var listMethods = []string{"tools/list", "resources/list", "resources/templates/list", "prompts/list"}

// anchors returns, in file order, the events before w0 that the state at
// w0 depends on: the last `connected` event, the last state event, and for
// each listing the requests and answers since its last first page.
func (p *Player) anchors(w0 int) []int {
	need := map[string]bool{}
	for _, m := range listMethods {
		need[m] = true
	}
	var picked []int
	haveConn, haveState := false, false
	for _, j := range p.r.prevStates(w0, 20000) {
		e, err := p.r.At(j)
		if err != nil {
			continue
		}
		if e.Kind == mcp.KindState {
			if !haveState {
				picked, haveState = append(picked, j), true
				if e.State == mcp.StateConnected && e.Info != nil {
					haveConn = true
				}
				continue
			}
			if !haveConn && e.State == mcp.StateConnected && e.Info != nil {
				picked, haveConn = append(picked, j), true
			}
			continue
		}
		m := e.Method
		if e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse {
			m = e.ReqMethod
		}
		if !need[m] {
			continue
		}
		picked = append(picked, j)
		if e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest && !hasCursor(e.Raw) {
			need[m] = false
		}
		if haveConn && !need["tools/list"] && !need["resources/list"] && !need["resources/templates/list"] && !need["prompts/list"] {
			break
		}
	}
	slices.Sort(picked)
	return picked
}

// hasCursor reports whether a list request asks for a later page.
func hasCursor(raw json.RawMessage) bool {
	var m struct {
		Params struct {
			Cursor *string `json:"cursor"`
		} `json:"params"`
	}
	return json.Unmarshal(raw, &m) == nil && m.Params.Cursor != nil && *m.Params.Cursor != ""
}

// fmtOffset formats a recording offset as m:ss.mmm.
func fmtOffset(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	m := d / time.Minute
	s := (d % time.Minute).Seconds()
	return fmt.Sprintf("%s%d:%06.3f", neg, m, s)
}
