package mcp

import (
	"bytes"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// tap wraps an SSE response body and observes it at the byte level, which
// go-sse's callbacks cannot show: comment lines (the usual `: ping`
// keepalive) are dropped inside its parser, and a lone `retry:` is never
// dispatched.
//
// The tap hands bytes to go-sse in runs that never reach past a comment or
// retry line: a Read stops before such a line starts, and after the block
// that held a retry ends. go-sse dispatches the events of one Read before it
// reads again, so everything the tap reports is in wire order relative to
// the events go-sse yields: a comment shows up between the events around it.
// Streams without comments pass in large runs, as they would without the tap,
// and a block still open is handed over in reads as large as go-sse asks
// for (see Read), so a long line costs time linear in its length.
//
// It also counts bytes, stamps the time of the last byte, and (with an idle
// timeout) closes the body when the stream stays silent too long: go-sse
// then reports a read error and the transport reconnects. Cancelling the
// request context instead would look like a deliberate stop.
type tap struct {
	body io.ReadCloser

	buf      []byte // bytes read from body; buf[off:end] not yet served
	off, end int
	err      error // sticky error from body

	lineStart  bool     // the next byte starts a line
	skipLF     bool     // the last line ended in CR; a following LF belongs to it
	line       lineKind // class of the current, unfinished line
	text       []byte   // text of a comment or retry line (capped)
	textBytes  int      // full length of that line
	atStart    bool     // nothing served yet (for the BOM)
	bomLeft    int      // bytes of a leading BOM still to pass
	skip       int      // prefix bytes of the current line that are not its text
	blockRetry int      // retry seen in the current block, -1 if none
	blockEnded bool     // the last Read ended a block
	inBlock    bool     // a line was served since the last blank line
	ends       int      // blocks ended so far (blank lines after a line)

	onComment func(text string, n int)
	onRetry   func(ms int) // a retry that no dispatched event carried
	onBytes   func(n int)

	total     atomic.Int64
	lastRetry atomic.Int64 // latest retry in ms, -1 if none
	lastByte  atomic.Int64 // unix nanos of the last byte read
	// readAt is when the latest read returned bytes (reader goroutine
	// only): the observed time of the events parsed from them.
	readAt time.Time

	idle    time.Duration
	timerMu sync.Mutex
	timer   *time.Timer
	idled   atomic.Bool
	closed  atomic.Bool
}

type lineKind uint8

const (
	lineOther lineKind = iota
	lineComment
	lineRetry
)

const (
	tapChunk       = 32 << 10
	maxCommentText = 512
)

var bom = []byte{0xEF, 0xBB, 0xBF}

func newTap(body io.ReadCloser, idle time.Duration) *tap {
	t := &tap{body: body, buf: make([]byte, tapChunk), lineStart: true, atStart: true, blockRetry: -1, idle: idle}
	t.lastRetry.Store(-1)
	t.lastByte.Store(time.Now().UnixNano())
	if idle > 0 {
		t.timer = time.AfterFunc(idle, t.checkIdle)
	}
	return t
}

// checkIdle runs on the watchdog timer: it closes a silent body, or re-arms
// itself for the rest of the idle window. Re-arming from the timer (rather
// than resetting it on every Read) keeps the hot path free of timer calls.
func (t *tap) checkIdle() {
	if t.closed.Load() {
		return
	}
	since := time.Since(time.Unix(0, t.lastByte.Load()))
	if since >= t.idle {
		t.idled.Store(true)
		t.body.Close()
		return
	}
	t.timerMu.Lock()
	if t.timer != nil && !t.closed.Load() {
		t.timer.Reset(t.idle - since)
	}
	t.timerMu.Unlock()
}

// Close stops the watchdog and closes the body.
func (t *tap) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	t.timerMu.Lock()
	if t.timer != nil {
		t.timer.Stop()
	}
	t.timerMu.Unlock()
	return t.body.Close()
}

// Idled reports whether the watchdog closed the stream.
func (t *tap) Idled() bool { return t.idled.Load() }

// LastRetry returns the latest `retry:` value in milliseconds, or -1.
func (t *tap) LastRetry() int { return int(t.lastRetry.Load()) }

// takeRetry hands the current block's retry to the event go-sse dispatched
// for that block, so the log shows it on the event rather than on its own.
func (t *tap) takeRetry() int {
	r := t.blockRetry
	t.blockRetry = -1
	if r < 0 {
		return 0
	}
	return r
}

func (t *tap) Read(p []byte) (int, error) {
	if t.blockEnded {
		t.blockEnded = false
		t.finishBlock()
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Fill p for as long as no SSE block ends in it. go-sse's scanner looks
	// at everything it holds again after each Read until a block is
	// complete, so one long line handed over 32 KiB at a time costs time
	// quadratic in its length; filled reads let its buffer double instead.
	// Waiting for more bytes delays nothing: go-sse has no complete block
	// when it reads, and gets none until one ends.
	n, ends := 0, t.ends
	for {
		if t.off < t.end {
			n += t.serve(p[n:])
			if n > 0 && (n == len(p) || t.off < t.end || t.ends != ends || t.blockEnded) {
				return n, nil
			}
		}
		if t.err != nil {
			if n > 0 {
				return n, nil // the error comes with the next Read
			}
			if t.off < t.end { // an undecided line start at EOF: serve it as is
				t.line = lineOther
				t.lineStart = false
				n := copy(p, t.buf[t.off:t.end])
				t.off += n
				return n, nil
			}
			t.finishLine()
			t.finishBlock()
			return 0, t.err
		}
		t.fill()
	}
}

func (t *tap) fill() {
	if t.off == t.end {
		t.off, t.end = 0, 0
	} else if t.end == len(t.buf) {
		// Only an undecided line start (a few bytes) is ever held back.
		t.end = copy(t.buf, t.buf[t.off:t.end])
		t.off = 0
	}
	n, err := t.body.Read(t.buf[t.end:])
	if n > 0 {
		t.end += n
		t.total.Add(int64(n))
		t.readAt = time.Now()
		t.lastByte.Store(t.readAt.UnixNano())
		if t.onBytes != nil {
			t.onBytes(n)
		}
	}
	if err != nil {
		t.err = err
	}
}

// serve copies the next run of bytes into p, classifying lines as it goes,
// and stops after a blank line (the end of an SSE block). It returns 0 when
// it needs more bytes to classify a line start. It never looks at a byte it
// does not also hand out, so any size of p works.
func (t *tap) serve(p []byte) int {
	buf := t.buf[:t.end]
	i := t.off
	limit := min(t.end, t.off+len(p))
	for i < limit {
		if t.skipLF {
			t.skipLF = false
			if buf[i] == '\n' {
				i++
				continue
			}
		}
		if t.bomLeft > 0 {
			t.bomLeft--
			i++
			continue
		}
		if t.lineStart {
			rest := buf[i:]
			if t.atStart {
				if len(rest) < len(bom) && bytes.HasPrefix(bom, rest) && t.err == nil {
					break // need more bytes to know whether this is a BOM
				}
				t.atStart = false
				if bytes.HasPrefix(rest, bom) {
					t.bomLeft = len(bom)
					continue
				}
			}
			switch c := rest[0]; c {
			case '\n', '\r':
				if t.inBlock { // a blank line ends the block
					t.inBlock = false
					t.ends++
				}
				i++
				if c == '\r' {
					if i < limit && buf[i] == '\n' {
						i++
					} else if i >= limit {
						t.skipLF = true
					}
				}
				if t.blockRetry >= 0 {
					// go-sse must dispatch this block before the retry is
					// handed to its event (or reported on its own).
					t.blockEnded = true
					return t.copyOut(p, i)
				}
				continue
			case ':':
				if i > t.off {
					return t.copyOut(p, i) // let what precedes dispatch first
				}
				t.line, t.skip = lineComment, 1
			case 'r':
				if len(rest) < 6 && bytes.HasPrefix([]byte("retry:"), rest) && t.err == nil {
					return t.copyOut(p, i) // need more bytes to classify
				}
				if bytes.HasPrefix(rest, []byte("retry:")) {
					if i > t.off {
						return t.copyOut(p, i)
					}
					t.line, t.skip = lineRetry, 6
				} else {
					t.line = lineOther
				}
			default:
				t.line = lineOther
			}
			t.text, t.textBytes = t.text[:0], 0
			t.lineStart = false
			t.inBlock = true
		}
		seg := buf[i:limit]
		j := indexEOL(seg)
		if j < 0 {
			t.collect(seg)
			i = limit
			break
		}
		t.collect(seg[:j])
		c := seg[j]
		i += j + 1
		if c == '\r' {
			if i < limit && buf[i] == '\n' {
				i++
			} else if i >= limit {
				t.skipLF = true
			}
		}
		t.finishLine()
		t.lineStart = true
	}
	return t.copyOut(p, i)
}

func (t *tap) copyOut(p []byte, i int) int {
	n := copy(p, t.buf[t.off:i])
	t.off += n
	return n
}

func (t *tap) collect(b []byte) {
	if t.line == lineOther {
		return
	}
	if t.skip > 0 {
		k := min(t.skip, len(b))
		b, t.skip = b[k:], t.skip-k
	}
	t.textBytes += len(b)
	if room := maxCommentText - len(t.text); room > 0 {
		t.text = append(t.text, b[:min(room, len(b))]...)
	}
}

func (t *tap) finishLine() {
	switch t.line {
	case lineComment:
		txt := t.text
		if len(txt) > 0 && txt[0] == ' ' {
			txt = txt[1:]
		}
		if t.onComment != nil {
			t.onComment(string(txt), t.textBytes+1)
		}
	case lineRetry:
		txt := bytes.TrimPrefix(t.text, []byte(" "))
		if ms, err := strconv.ParseUint(string(txt), 10, 31); err == nil {
			t.blockRetry = int(ms)
			t.lastRetry.Store(int64(ms))
		}
	}
	t.line = lineOther
}

func (t *tap) finishBlock() {
	if t.blockRetry >= 0 {
		if t.onRetry != nil {
			t.onRetry(t.blockRetry)
		}
		t.blockRetry = -1
	}
}

// indexEOL finds the first CR or LF.
func indexEOL(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.IndexByte(b, '\r')
	}
	if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
		return j
	}
	return i
}
