package fault

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// conn is what the faults of one connection share: the set, where fault
// events go, and the methods of the requests that went out on it.
type conn struct {
	set     *Set
	report  func(mcp.Event)
	methods methods
}

func (c *conn) emit(e mcp.Event) {
	if c.report != nil {
		c.report(e)
	}
}

// framing is how a stream is cut into frames.
type framing uint8

const (
	sseFrames  framing = iota // SSE blocks, ended by a blank line (CR, LF or CRLF)
	lineFrames                // newline-delimited JSON (stdio)
)

// Errors a stream ends with when a fault cuts it.
var (
	errDropped = errors.New("sonde fault: the stream was dropped")
	errIdle    = errors.New("sonde fault: the stream was cut after being silent")
	errExpired = errors.New("sonde fault: the session expired")
	errClosed  = errors.New("read on a closed body")
)

const (
	// maxOut bounds the bytes waiting for the reader: the stream stops
	// reading upstream until the reader catches up.
	maxOut = 1 << 20
	// maxBlock bounds a frame held whole for the faults on answers; a
	// longer one passes as it comes, untouched by them.
	maxBlock = 8 << 20
)

// stream carries one response body (an SSE stream, or a stdio server's
// stdout) through the faults: a goroutine reads upstream and cuts it into
// frames; frames go out unchanged unless a fault on answers takes them
// (corrupt, duplicate, reorder); injections go in between frames; a
// fault can cut the stream. Bytes no fault touches reach the reader
// exactly as they came, in order.
type stream struct {
	c       *conn
	body    io.ReadCloser
	framing framing
	name    string // "GET", "POST", "stdout"
	via     string // the id of the request whose POST this stream answers
	method  string // and its method
	opened  time.Time

	mu       sync.Mutex
	cond     *sync.Cond
	out      []byte
	pend     [][]byte // injections waiting for the end of a frame passing through
	mid      bool     // out ends inside a frame (one too long to hold)
	end      error    // how upstream ended, after out drains
	cut      error    // a fault cut the stream
	closed   bool
	lastOut  time.Time
	held     *heldAnswer   // this stream's answer the swapper holds
	heldDone chan struct{} // closed once it was sent
	written  int64         // bytes written to out so far
	taken    int64         // bytes the reader took so far
	then     func()        // runs at the first Read once taken reaches thenAt
	thenAt   int64
	stops    []func()

	// the reading goroutine's own
	block     []byte
	lineStart bool
	cr        bool // the last byte was a CR ending a line
	ended     bool // that line ended a frame
	passing   bool // the current frame is too long to hold: it passes as it comes
}

func newStream(c *conn, body io.ReadCloser, fr framing, name, via, method string) *stream {
	st := &stream{c: c, body: body, framing: fr, name: name, via: via, method: method,
		opened: time.Now(), lineStart: true}
	st.cond = sync.NewCond(&st.mu)
	st.lastOut = st.opened
	return st
}

// start arms the stream's timers and starts reading upstream.
func (st *stream) start(session string) {
	if st.framing == sseFrames {
		st.armTimers()
		if session != "" {
			st.watchSession(session)
		}
	}
	go st.pump()
}

// Read hands out what is ready; after upstream ended or a fault cut the
// stream, what was ready still comes first.
func (st *stream) Read(p []byte) (int, error) {
	st.mu.Lock()
	if st.then != nil && st.taken >= st.thenAt {
		then := st.then
		st.then = nil
		st.mu.Unlock()
		then()
		st.mu.Lock()
	}
	defer st.mu.Unlock()
	for len(st.out) == 0 && st.end == nil && st.cut == nil && !st.closed {
		st.cond.Wait()
	}
	if len(st.out) > 0 {
		n := copy(p, st.out)
		st.out = st.out[n:]
		st.taken += int64(n)
		if len(st.out) == 0 {
			st.out = nil
		}
		st.cond.Broadcast() // room for the pump
		return n, nil
	}
	switch {
	case st.cut != nil:
		return 0, st.cut
	case st.end != nil:
		return 0, st.end
	}
	return 0, errClosed
}

// Close stops everything and closes upstream.
func (st *stream) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil
	}
	st.closed = true
	stops, held, then := st.stops, st.held, st.then
	st.stops, st.held, st.then = nil, nil, nil
	st.cond.Broadcast()
	st.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	if held != nil {
		st.c.set.swap.cancel(held)
	}
	if then != nil {
		then()
	}
	return st.body.Close()
}

// pump reads upstream to its end.
func (st *stream) pump() {
	buf := make([]byte, 32<<10)
	for {
		n, err := st.body.Read(buf)
		if n > 0 {
			st.feed(buf[:n])
		}
		if err != nil {
			st.finish(err)
			return
		}
	}
}

// finish sends what is left (a frame without its end, a held answer) and
// records how upstream ended.
func (st *stream) finish(err error) {
	if len(st.block) > 0 {
		st.write(st.block)
		st.block = nil
	}
	// A held answer keeps the stream open until it went out (the
	// answer of a POST stream ends it).
	st.mu.Lock()
	done := st.heldDone
	st.mu.Unlock()
	if done != nil {
		<-done
	}
	st.mu.Lock()
	if st.cut == nil && !st.closed && errors.Is(err, io.ErrClosedPipe) {
		err = io.EOF
	}
	st.end = err
	stops := st.stops
	st.stops = nil
	st.cond.Broadcast()
	st.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

// feed cuts upstream bytes into frames.
func (st *stream) feed(b []byte) {
	for len(b) > 0 {
		if st.cr {
			st.cr = false
			if b[0] == '\n' { // the LF of a CRLF whose CR ended the last line
				if st.ended {
					st.write(b[:1])
				} else {
					st.add(b[:1])
				}
				b = b[1:]
				continue
			}
		}
		i := st.eol(b)
		if i < 0 {
			st.add(b)
			st.lineStart = false
			return
		}
		blank := st.lineStart && i == 0
		st.add(b[:i+1])
		st.lineStart = true
		st.cr = b[i] == '\r'
		st.ended = st.framing == lineFrames || blank
		if st.ended {
			st.frameEnd()
		}
		b = b[i+1:]
	}
}

func (st *stream) eol(b []byte) int {
	if st.framing == lineFrames {
		return bytes.IndexByte(b, '\n')
	}
	i := bytes.IndexByte(b, '\n')
	j := bytes.IndexByte(b, '\r')
	if i < 0 || j >= 0 && j < i {
		return j
	}
	return i
}

// add appends to the current frame, or passes bytes of a frame too long
// to hold.
func (st *stream) add(b []byte) {
	if st.passing {
		st.write(b)
		return
	}
	st.block = append(st.block, b...)
	if len(st.block) > maxBlock {
		st.passing = true
		st.mu.Lock()
		st.mid = true
		st.mu.Unlock()
		st.write(st.block)
		st.block = nil
	}
}

// frameEnd handles a complete frame.
func (st *stream) frameEnd() {
	blk := st.block
	st.block = nil
	if st.passing {
		st.passing = false
		st.mu.Lock()
		st.mid = false
		pend := st.pend
		st.pend = nil
		st.mu.Unlock()
		for _, p := range pend {
			st.write(p)
		}
		return
	}
	st.handle(blk)
}

// handle applies the faults on answers to one frame and sends it.
func (st *stream) handle(blk []byte) {
	data, name := st.payload(blk)
	if name == "endpoint" {
		st.watchSession(endpointSession(string(data)))
	}
	rpc, method, id, err := mcp.Classify(data)
	if err != nil || rpc != mcp.RPCResponse && rpc != mcp.RPCErrorResponse {
		st.write(blk)
		return
	}
	if id == st.via && st.method != "" {
		method = st.method
	} else {
		method = st.c.methods.get(id)
	}
	set := st.c.set
	if f := set.first(Corrupt, method); f != nil && f.take() {
		blk = st.corrupt(blk, data)
		st.c.emit(event(Corrupt, st.name, id, method, describe(f, "truncated the answer to %s to %d of its %d bytes", what(method, id), len(data)/2, len(data))))
	}
	if f := set.first(Duplicate, method); f != nil && f.take() {
		st.c.emit(event(Duplicate, st.name, id, method, describe(f, "sent the answer to %s twice", what(method, id))))
		blk = append(append([]byte(nil), blk...), blk...)
	}
	if after := set.swap.overtake(); after != nil {
		st.c.emit(event(Reorder, st.name, id, method, "sent the answer to "+what(method, id)+" before the one held back"))
		st.writeThen(blk, after)
		return
	}
	if f := set.first(Reorder, method); f != nil && f.take() {
		frame, done := blk, make(chan struct{})
		h, after := set.swap.hold(func() { st.inject(frame); close(done) }, f.Wait, func() {
			st.c.emit(event(Reorder, st.name, id, method, describe(f, "no other answer came within %s: sent the answer to %s on", f.Wait, what(method, id))))
		})
		if h != nil {
			st.mu.Lock()
			st.held, st.heldDone = h, done
			st.mu.Unlock()
			st.c.emit(event(Reorder, st.name, id, method, describe(f, "holding the answer to %s until the next answer has gone out", what(method, id))))
			return
		}
		st.c.emit(event(Reorder, st.name, id, method, "sent the answer to "+what(method, id)+" before the one held back"))
		st.writeThen(blk, after)
		return
	}
	st.write(blk)
}

// writeThen writes b, and runs after once the reader has taken b and come
// back for more: an answer that overtakes a held one on another stream
// has then been handled by its reader, and the held one may follow.
func (st *stream) writeThen(b []byte, after func()) {
	st.write(b)
	st.mu.Lock()
	if st.closed || st.cut != nil {
		st.mu.Unlock()
		after()
		return
	}
	st.thenAt, st.then = st.written, after
	st.mu.Unlock()
}

// payload is a frame's JSON: an SSE block's data (its data lines joined),
// and its event name; a line without its line break.
func (st *stream) payload(blk []byte) (data []byte, event string) {
	if st.framing == lineFrames {
		return bytes.TrimRight(blk, "\r\n"), ""
	}
	var parts [][]byte
	for _, line := range splitLines(blk) {
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "data":
			parts = append(parts, value)
		case "event":
			event = string(value)
		}
	}
	return bytes.Join(parts, []byte("\n")), event
}

// corrupt truncates an answer's JSON to half its length: a line keeps
// its line break, an SSE block becomes one data line and its end.
func (st *stream) corrupt(blk, data []byte) []byte {
	half := data[:len(data)/2]
	if st.framing == lineFrames {
		return append(append([]byte(nil), half...), '\n')
	}
	var out []byte
	for _, line := range splitLines(blk) {
		if len(line) == 0 || bytes.HasPrefix(line, []byte("data")) {
			continue
		}
		out = append(append(out, line...), '\n')
	}
	out = append(out, "data: "...)
	out = append(out, bytes.ReplaceAll(half, []byte("\n"), []byte("\ndata: "))...)
	return append(out, "\n\n"...)
}

// splitLines splits a block at CR, LF and CRLF.
func splitLines(b []byte) [][]byte {
	var lines [][]byte
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			return append(lines, b)
		}
		lines = append(lines, b[:i])
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		b = b[i+1:]
	}
	return lines
}

// write hands bytes to the reader, waiting while too much is waiting.
func (st *stream) write(b []byte) {
	if len(b) == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for len(st.out) > maxOut && !st.closed && st.cut == nil {
		st.cond.Wait()
	}
	if st.closed || st.cut != nil {
		return
	}
	st.out = append(st.out, b...)
	st.written += int64(len(b))
	st.lastOut = time.Now()
	st.cond.Broadcast()
}

// inject sends a frame of sonde's between frames: now, or once the frame
// passing through has ended.
func (st *stream) inject(b []byte) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed || st.cut != nil || st.end != nil {
		return false
	}
	if st.mid {
		st.pend = append(st.pend, b)
		return true
	}
	st.out = append(st.out, b...)
	st.written += int64(len(b))
	st.lastOut = time.Now()
	st.cond.Broadcast()
	return true
}

// cutWith ends the stream for the reader with err and stops reading upstream.
func (st *stream) cutWith(err error) bool {
	st.mu.Lock()
	if st.cut != nil || st.closed || st.end != nil {
		st.mu.Unlock()
		return false
	}
	st.cut = err
	st.cond.Broadcast()
	st.mu.Unlock()
	st.body.Close()
	return true
}

// live reports whether the stream still runs (timers re-arm only then).
func (st *stream) live() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return !st.closed && st.cut == nil && st.end == nil
}

// timer runs f after d, and again after the delay f returns while that
// is positive and the stream lives; the stream's end stops it.
func (st *stream) timer(d time.Duration, f func() time.Duration) {
	var mu sync.Mutex
	var t *time.Timer
	stopped := false
	mu.Lock()
	t = time.AfterFunc(d, func() {
		if !st.live() {
			return
		}
		next := f()
		mu.Lock()
		if !stopped && next > 0 {
			t.Reset(next)
		}
		mu.Unlock()
	})
	mu.Unlock()
	st.addStop(func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
	})
}

func (st *stream) addStop(stop func()) {
	st.mu.Lock()
	if st.closed || st.end != nil {
		st.mu.Unlock()
		stop()
		return
	}
	st.stops = append(st.stops, stop)
	st.mu.Unlock()
}

// armTimers starts the stream's time-driven faults: drop-stream,
// idle-cut, inject-event and inject-comment. A fault turned on later
// reaches the streams opened after it.
func (st *stream) armTimers() {
	for _, f := range st.c.set.Faults() {
		switch f.Kind {
		case DropStream:
			if f.Stream != "any" && !strings.EqualFold(f.Stream, st.name) {
				continue
			}
			st.timer(f.After, func() time.Duration {
				if f.take() && st.cutWith(errDropped) {
					st.c.emit(event(DropStream, st.name, st.via, st.method, describe(f, "cut the %s stream %s after it opened, as a dropped connection", st.name, f.After)))
				}
				return 0
			})
		case IdleCut:
			// Re-armed for the rest of the window, as the watchdog in
			// package mcp does: the cut comes After the last byte out.
			st.timer(f.After, func() time.Duration {
				st.mu.Lock()
				silent := time.Since(st.lastOut)
				st.mu.Unlock()
				if silent < f.After {
					return f.After - silent
				}
				if !f.Enabled() {
					return f.After
				}
				if f.take() && st.cutWith(errIdle) {
					st.c.emit(event(IdleCut, st.name, st.via, st.method, describe(f, "cut the %s stream: silent for %s", st.name, silent.Round(time.Millisecond))))
				}
				return 0
			})
		case InjectEvent:
			frame := []byte("event: " + f.Name + "\ndata: " + f.Data + "\n\n")
			st.timer(f.Every, func() time.Duration {
				if f.take() {
					st.c.emit(event(InjectEvent, st.name, "", "", describe(f, "sent event: %s on the %s stream", f.Name, st.name)))
					st.inject(frame)
				}
				return f.Every
			})
		case InjectComment:
			frame := []byte(": " + f.Data + "\n\n")
			st.timer(f.Every, func() time.Duration {
				if f.take() {
					st.c.emit(event(InjectComment, st.name, "", "", describe(f, "sent the comment %q on the %s stream", ": "+f.Data, st.name)))
					st.inject(frame)
				}
				return f.Every
			})
		}
	}
}

// watchSession cuts the stream when its session expires by a fault.
func (st *stream) watchSession(id string) {
	if id == "" || len(st.c.set.of(ExpireSession)) == 0 {
		return
	}
	stop := st.c.set.onExpiry(id, func() {
		if f, ok := st.c.set.expired(id); ok && st.cutWith(errExpired) {
			st.c.emit(event(ExpireSession, st.name, "", "", describe(f, "the session expired: cut its %s stream", st.name)))
		}
	})
	st.addStop(stop)
}

// endpointSession reads the session a legacy endpoint URL names.
func endpointSession(endpoint string) string {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil {
		return ""
	}
	return mcp.LegacySessionID(u)
}
