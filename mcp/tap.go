package mcp

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// tap reads an SSE response body and parses it in one pass: every line is
// looked at once, and what go-sse's callbacks could never show is reported
// in wire order with the events around it: comment lines (the usual
// `: ping` keepalive) and a `retry:` that no dispatched event carries.
// Fields follow the WHATWG rules as go-sse applies them (a BOM at the start,
// CR, LF or CRLF line ends, one space after the colon dropped, data lines
// joined with newlines, the last event id kept across events, an id with a
// NUL ignored); FuzzTapMatchesGoSSE holds it to go-sse's events. Nothing of
// a line is ever held back but its field name, so a long line costs time
// linear in its length.
//
// It also counts bytes, stamps the time of the last byte, and (with an idle
// timeout) closes the body when the stream stays silent too long: the
// parse then ends with a read error and the transport reconnects.
// Cancelling the request context instead would look like a deliberate stop.
type tap struct {
	body io.ReadCloser

	buf      []byte // bytes read from body; buf[off:end] not yet parsed
	off, end int
	err      error // sticky error from body

	phase      linePhase
	field      fieldKind
	nameLen    int     // bytes of the field name so far
	name       [5]byte // its first bytes (a longer name is no field)
	trimSpace  bool    // the value's first byte, a space, is not part of it
	skipLF     bool    // the last line ended in CR; a following LF belongs to it
	atStart    bool    // nothing parsed yet (for the BOM)
	bomBytes   int     // bytes of a leading BOM seen so far
	value      []byte  // an event or id line's value
	data       []byte  // the block's data lines, each ended by '\n'
	typ        string  // the block's event type
	lastID     string  // the stream's last event id
	dirty      bool    // the block has something to dispatch
	blockBytes int     // bytes of the block so far (for the event size limit)
	blockRetry int     // retry seen in the current block, -1 if none
	text       []byte  // text of a comment or retry line (capped)
	textBytes  int     // full length of that line

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

// sseEvent is one dispatched SSE event: its type, the stream's last event
// id so far, its data lines joined by newlines, and the retry its block
// carried (0 if none).
type sseEvent struct {
	Type, LastEventID, Data string
	Retry                   int
}

// linePhase is where the parser is in a line.
type linePhase uint8

const (
	lineStart linePhase = iota // nothing of the line read yet
	lineName                   // in the field name, before any colon
	lineValue                  // in the value, after the colon
)

// fieldKind is what a line is.
type fieldKind uint8

const (
	fieldIgnored fieldKind = iota // an unknown field name
	fieldData
	fieldEvent
	fieldID
	fieldRetry
	fieldComment
)

const (
	tapChunk       = 32 << 10
	maxCommentText = 512
)

var bom = []byte{0xEF, 0xBB, 0xBF}

func newTap(body io.ReadCloser, idle time.Duration) *tap {
	t := &tap{body: body, buf: make([]byte, tapChunk), atStart: true, blockRetry: -1, idle: idle}
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

// Errors that end a stream in the middle of an event.
var (
	errSSEEnded   = errors.New("the stream ended in the middle of an SSE event")
	errSSETooLong = errors.New("an SSE event exceeded the size limit")
)

// parse reads the body to its end and calls yield for every dispatched
// event, onComment and onRetry for the rest, in wire order. An event
// (its lines and line ends) larger than maxEvent bytes ends the stream with
// errSSETooLong. It returns nil at a clean end, errSSEEnded when the body
// ended in the middle of a line, or the body's read error; a block not yet
// ended by a blank line is dispatched at a clean end only.
func (t *tap) parse(maxEvent int, yield func(sseEvent)) error {
	for {
		if t.off < t.end {
			if err := t.parseBuffered(maxEvent, yield); err != nil {
				return err
			}
		}
		if t.err != nil {
			break
		}
		t.fill()
	}
	if t.phase != lineStart {
		t.finishBlock()
		return errSSEEnded
	}
	if t.err == io.EOF && t.dirty {
		t.dispatch(yield)
	}
	t.finishBlock()
	if t.err == io.EOF {
		return nil
	}
	return t.err
}

// fill reads the next bytes into the buffer, which parse has emptied.
func (t *tap) fill() {
	t.off, t.end = 0, 0
	n, err := t.body.Read(t.buf)
	if n > 0 {
		t.end = n
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

// parseBuffered parses buf[off:end] to its end.
func (t *tap) parseBuffered(maxEvent int, yield func(sseEvent)) error {
	buf, i := t.buf[:t.end], t.off
	t.off = t.end // all of it is parsed here: nothing is held back
	for i < len(buf) {
		if t.skipLF {
			t.skipLF = false
			if buf[i] == '\n' {
				i++
				continue
			}
		}
		if t.atStart {
			// A BOM is dropped; bytes that only begin one start a line
			// whose name is no field's.
			if buf[i] == bom[t.bomBytes] {
				i++
				t.bomBytes++
				t.phase, t.field, t.nameLen = lineName, fieldIgnored, len(t.name)+1
				if t.bomBytes == len(bom) {
					t.atStart, t.phase = false, lineStart
				}
				continue
			}
			t.atStart = false
			t.blockBytes += t.bomBytes
		}
		switch t.phase {
		case lineStart:
			switch c := buf[i]; c {
			case '\n', '\r':
				i++
				if c == '\r' {
					if i < len(buf) {
						if buf[i] == '\n' {
							i++
						}
					} else {
						t.skipLF = true
					}
				}
				// a blank line ends the block
				if t.dirty {
					t.dispatch(yield)
				}
				t.finishBlock()
				t.blockBytes = 0
				continue
			case ':':
				i++
				t.blockBytes++
				t.phase, t.field, t.trimSpace = lineValue, fieldComment, false
				t.text, t.textBytes = t.text[:0], 0
				continue
			}
			t.phase, t.nameLen = lineName, 0
		case lineName:
			j := i
			for j < len(buf) && buf[j] != ':' && buf[j] != '\n' && buf[j] != '\r' {
				if t.nameLen < len(t.name) {
					t.name[t.nameLen] = buf[j]
				}
				t.nameLen++
				j++
			}
			t.blockBytes += j - i
			i = j
			if i == len(buf) {
				break
			}
			t.field = t.fieldOf()
			t.value, t.text, t.textBytes = t.value[:0], t.text[:0], 0
			if buf[i] == ':' {
				i++
				t.blockBytes++
				t.phase, t.trimSpace = lineValue, true
				continue
			}
			// a line without a colon: the whole line is the name
			i = t.endLine(buf, i, yield)
		case lineValue:
			if t.trimSpace {
				t.trimSpace = false
				if buf[i] == ' ' {
					i++
					t.blockBytes++
					continue
				}
			}
			seg := buf[i:]
			j := indexEOL(seg)
			if j < 0 {
				j = len(seg)
			}
			t.collect(seg[:j])
			t.blockBytes += j
			i += j
			if i < len(buf) {
				i = t.endLine(buf, i, yield)
			}
		}
		if t.blockBytes > maxEvent {
			return errSSETooLong
		}
	}
	if t.blockBytes > maxEvent {
		return errSSETooLong
	}
	return nil
}

// fieldOf names the field of the line whose name was just read.
func (t *tap) fieldOf() fieldKind {
	if t.nameLen > len(t.name) {
		return fieldIgnored
	}
	switch string(t.name[:t.nameLen]) {
	case "data":
		return fieldData
	case "event":
		return fieldEvent
	case "id":
		return fieldID
	case "retry":
		return fieldRetry
	}
	return fieldIgnored
}

// collect keeps a piece of the current line's value.
func (t *tap) collect(b []byte) {
	switch t.field {
	case fieldData:
		t.data = append(t.data, b...)
	case fieldEvent, fieldID:
		t.value = append(t.value, b...)
	case fieldRetry, fieldComment:
		t.textBytes += len(b)
		if room := maxCommentText - len(t.text); room > 0 {
			t.text = append(t.text, b[:min(room, len(b))]...)
		}
	}
}

// endLine ends the current line at the line end buf[i] (CR or LF) and
// returns the index after it.
func (t *tap) endLine(buf []byte, i int, yield func(sseEvent)) int {
	c := buf[i]
	i++
	t.blockBytes++
	if c == '\r' {
		if i < len(buf) {
			if buf[i] == '\n' {
				i++
				t.blockBytes++
			}
		} else {
			t.skipLF = true
		}
	}
	switch t.field {
	case fieldData:
		t.data = append(t.data, '\n')
		t.dirty = true
	case fieldEvent:
		t.typ = intern(t.value)
		t.dirty = true
	case fieldID:
		if bytes.IndexByte(t.value, 0) < 0 {
			if string(t.value) != t.lastID {
				t.lastID = string(t.value)
			}
			t.dirty = true
		}
	case fieldComment:
		txt := t.text
		if len(txt) > 0 && txt[0] == ' ' {
			txt = txt[1:]
		}
		if t.onComment != nil {
			t.onComment(string(txt), t.textBytes+1)
		}
	case fieldRetry:
		// (the space after the colon is already dropped)
		if ms, err := strconv.ParseUint(string(t.text), 10, 31); err == nil {
			t.blockRetry = int(ms)
			t.lastRetry.Store(int64(ms))
		}
	}
	t.phase, t.field = lineStart, fieldIgnored
	return i
}

// dispatch hands the block's event over, with the block's retry.
func (t *tap) dispatch(yield func(sseEvent)) {
	ev := sseEvent{Type: t.typ, LastEventID: t.lastID, Retry: max(t.blockRetry, 0)}
	if len(t.data) > 0 {
		ev.Data = string(t.data[:len(t.data)-1])
	}
	t.blockRetry = -1
	t.data, t.typ, t.dirty = t.data[:0], "", false
	if cap(t.data) > maxKeptData {
		t.data = nil
	}
	yield(ev)
}

// maxKeptData bounds the data buffer kept for the next event.
const maxKeptData = 1 << 20

// finishBlock reports the block's retry on its own when no event took it.
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
