package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"math/bits"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Reader reads a recording. Opening it reads only the header and the first
// lines, whatever the size of the file; an index (one mark every
// [IndexStride] events, plus one bit per event for error and state
// candidates) is built in the background on first need, so memory stays a
// small fraction of the file and random access (by event number or by
// time) reads at most IndexStride lines.
//
// A line that is cut (the last line of a file whose writer was killed) or
// is not an event is skipped and counted ([Reader.Skipped]). Events are
// numbered from 0 in file order.
//
// The methods are safe for concurrent use.
type Reader struct {
	f      *os.File
	path   string
	header Header
	info   *mcp.ConnInfo
	first  int64 // offset of the line after the header

	cmu sync.Mutex // the sequential cursor
	cur lineReader
	ord int // ordinal of the event Next returns

	rmu  sync.Mutex // random access
	rand lineReader

	ixOnce sync.Once
	ix     index
	ctx    context.Context
	cancel context.CancelFunc
}

// IndexStride is the number of events between two index marks.
const IndexStride = 256

// mark locates event number k*IndexStride.
type mark struct {
	off int64
	t   time.Duration
}

// index is built by the background scan.
type index struct {
	mu      sync.Mutex
	cond    *sync.Cond
	marks   []mark
	count   int           // events seen so far
	skipped int           // lines skipped so far
	last    time.Duration // offset of the last event seen
	errs    bitset        // error candidates
	states  bitset        // state and list candidates
	trailer *Trailer
	done    bool
	err     error
}

// Open opens a recording. It reads the header and looks for the first
// `connected` event near the start to learn the transport, protocol and
// server (see [Reader.Header]).
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := &Reader{f: f, path: path}
	r.ix.cond = sync.NewCond(&r.ix.mu)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	lr := newLineReader(f, 0, 64<<10)
	line, err := lr.next()
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w (empty or cut before the header was written)", path, ErrNotRecording)
		}
		return nil, err
	}
	h, err := decodeHeader(line)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.header = h
	r.first = lr.off
	r.cur = newLineReader(f, r.first, 256<<10)
	r.rand = newLineReader(f, r.first, 64<<10)
	r.findInfo(&lr)
	return r, nil
}

// findInfo looks at the first lines (up to 4 MiB) for the first
// `connected` state event and fills the derived header fields.
func (r *Reader) findInfo(lr *lineReader) {
	for lr.off-r.first < 4<<20 {
		line, err := lr.next()
		if err != nil {
			return
		}
		if !isEventLine(line) || !bytes.Contains(line, []byte(`"state":"connected"`)) {
			continue
		}
		e, _, err := decodeEvent(line, r.header.Start)
		if err != nil || e.Kind != mcp.KindState || e.State != mcp.StateConnected || e.Info == nil {
			continue
		}
		r.info = e.Info
		if r.header.Protocol == "" {
			r.header.Protocol = e.Info.Protocol
		}
		if r.header.Transport == "" || r.header.Transport == mcp.TransportAuto {
			r.header.Transport = e.Info.Transport
		}
		if r.header.Server == "" {
			r.header.Server = mcp.ServerName(e.Info.Server)
		}
		return
	}
}

// Path is the file the reader reads.
func (r *Reader) Path() string { return r.path }

// Header returns the header, with Protocol, Server and (when it says
// "auto") Transport filled from the first `connected` event.
func (r *Reader) Header() Header { return r.header }

// Info returns the connection info of the first `connected` event, or nil
// if none was found near the start.
func (r *Reader) Info() *mcp.ConnInfo { return r.info }

// Close stops the index scan and closes the file.
func (r *Reader) Close() error {
	r.cancel()
	r.ix.mu.Lock()
	r.ix.cond.Broadcast()
	r.ix.mu.Unlock()
	return r.f.Close()
}

// ---- sequential reading ----

// Next returns the next event in file order and io.EOF at the end. An
// event line that cannot be decoded is returned as an error event (so that
// event numbers stay stable).
func (r *Reader) Next() (mcp.Event, error) {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	e, _, err := r.nextEvent(&r.cur)
	if err == nil {
		r.ord++
	}
	return e, err
}

// Events yields the events from the cursor to the end, as Next returns
// them; it stops after the first error (never io.EOF).
func (r *Reader) Events() iter.Seq2[mcp.Event, error] {
	return func(yield func(mcp.Event, error) bool) {
		for {
			e, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

// Pos returns the number of the event Next will return.
func (r *Reader) Pos() int {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	return r.ord
}

// Seek makes Next return event i (clamped to [0, Len]).
func (r *Reader) Seek(i int) error {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	off, ord, err := r.locate(i)
	if err != nil {
		return err
	}
	r.cur.reset(off)
	r.ord = ord
	for r.ord < i {
		line, err := r.cur.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if isEventLine(line) {
			r.ord++
		}
	}
	return nil
}

// nextEvent reads event lines from lr, skipping other lines.
func (r *Reader) nextEvent(lr *lineReader) (mcp.Event, time.Duration, error) {
	for {
		line, err := lr.next()
		if err != nil {
			return mcp.Event{}, 0, err
		}
		if !isEventLine(line) {
			continue
		}
		e, t, err := decodeEvent(line, r.header.Start)
		if err != nil {
			t, _ = lineTime(line)
			return mcp.Event{Time: r.header.Start.Add(t), Dir: mcp.DirMeta, Kind: mcp.KindError,
				Err: "unreadable recorded line: " + err.Error()}, t, nil
		}
		return e, t, nil
	}
}

// At returns event i.
func (r *Reader) At(i int) (mcp.Event, error) {
	e, _, err := r.at(i)
	return e, err
}

// at reads event i and its offset from the start.
func (r *Reader) at(i int) (mcp.Event, time.Duration, error) {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	off, ord, err := r.locate(i)
	if err != nil {
		return mcp.Event{}, 0, err
	}
	r.rand.reset(off)
	for ; ord < i; ord++ {
		if _, err := r.skipEvent(&r.rand); err != nil {
			return mcp.Event{}, 0, err
		}
	}
	e, t, err := r.nextEvent(&r.rand)
	if errors.Is(err, io.EOF) {
		return mcp.Event{}, 0, fmt.Errorf("event %d: %w", i, io.EOF)
	}
	return e, t, err
}

// skipEvent moves past one event line.
func (r *Reader) skipEvent(lr *lineReader) ([]byte, error) {
	for {
		line, err := lr.next()
		if err != nil {
			return nil, err
		}
		if isEventLine(line) {
			return line, nil
		}
	}
}

// locate returns the offset and number of the indexed event at or before
// i, waiting for the index to reach i (or end).
func (r *Reader) locate(i int) (int64, int, error) {
	if i < 0 {
		i = 0
	}
	r.startIndex()
	ix := &r.ix
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for !ix.done && ix.count <= i && r.ctx.Err() == nil {
		ix.cond.Wait()
	}
	if err := r.ctx.Err(); err != nil {
		return 0, 0, errors.New("store: reader closed")
	}
	if ix.err != nil {
		return 0, 0, ix.err
	}
	k := i / IndexStride
	if k >= len(ix.marks) {
		k = len(ix.marks) - 1
	}
	if k < 0 {
		return r.first, 0, nil
	}
	return ix.marks[k].off, k * IndexStride, nil
}

// ---- the index ----

// startIndex starts the background scan once.
func (r *Reader) startIndex() {
	r.ixOnce.Do(func() { go r.scan() })
}

// scan reads the whole file once, recording marks, candidates, the
// trailer and the skipped lines.
func (r *Reader) scan() {
	ix := &r.ix
	lr := newLineReader(r.f, r.first, 1<<20)
	var (
		count, skipped int
		last           time.Duration
		marks          []mark
		errs, states   bitset
		trailer        *Trailer
		err            error
	)
	publish := func(done bool) {
		ix.mu.Lock()
		ix.count, ix.skipped, ix.last = count, skipped, last
		ix.marks = marks
		ix.errs, ix.states = errs, states
		ix.trailer = trailer
		ix.done, ix.err = done, err
		ix.cond.Broadcast()
		ix.mu.Unlock()
	}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if r.ctx.Err() != nil {
				err = errors.New("store: reader closed")
				publish(true)
				return
			}
			if n > 0 {
				publish(false)
			}
		}
		off := lr.off
		line, rerr := lr.next()
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				if lr.partial > 0 {
					skipped++ // a line cut by a crash (or still being written)
				}
			} else {
				err = rerr
			}
			break
		}
		switch {
		case isEventLine(line):
			t, _ := lineTime(line)
			if count%IndexStride == 0 {
				marks = append(marks, mark{off: off, t: t})
			}
			if errorHint(line) {
				errs.set(count)
			}
			if stateHint(line) {
				states.set(count)
			}
			last = max(last, t)
			count++
		case isTrailerLine(line):
			if tr, terr := decodeTrailer(line); terr == nil {
				trailer = &tr
			} else {
				skipped++
			}
		default:
			skipped++
		}
	}
	publish(true)
}

// waitIndex waits for the scan to finish.
func (r *Reader) waitIndex() *index {
	r.startIndex()
	ix := &r.ix
	ix.mu.Lock()
	for !ix.done && r.ctx.Err() == nil {
		ix.cond.Wait()
	}
	ix.mu.Unlock()
	return ix
}

// Len returns the number of events, waiting for the index scan.
func (r *Reader) Len() int {
	ix := r.waitIndex()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.count
}

// Scanned returns how many events the index scan has seen so far and
// whether it has finished; it never waits.
func (r *Reader) Scanned() (events int, done bool) {
	r.startIndex()
	r.ix.mu.Lock()
	defer r.ix.mu.Unlock()
	return r.ix.count, r.ix.done
}

// Skipped returns how many lines were skipped because they were cut or
// were not events (at most one, the last, for a file whose recorder was
// killed), waiting for the index scan.
func (r *Reader) Skipped() int {
	ix := r.waitIndex()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.skipped
}

// Duration returns the offset of the last event, waiting for the index
// scan.
func (r *Reader) Duration() time.Duration {
	ix := r.waitIndex()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.last
}

// Trailer returns the trailer line, or nil when the recording was not
// closed cleanly, waiting for the index scan.
func (r *Reader) Trailer() *Trailer {
	ix := r.waitIndex()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.trailer
}

// Err returns the error that stopped the index scan, if any.
func (r *Reader) Err() error {
	ix := r.waitIndex()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.err
}

// SearchTime returns how many events happened at or before offset t from
// the start: the position of a replay seeked to t.
func (r *Reader) SearchTime(t time.Duration) int {
	ix := r.waitIndex()
	ix.mu.Lock()
	marks, count := ix.marks, ix.count
	ix.mu.Unlock()
	// The first mark whose time is after t; the answer lies in the stride
	// before it.
	k := search(len(marks), func(k int) bool { return marks[k].t > t })
	if k == 0 {
		return r.countUpTo(0, r.first, t, count)
	}
	return r.countUpTo((k-1)*IndexStride, marks[k-1].off, t, count)
}

// countUpTo counts events from ordinal ord (at offset off) while their time
// is <= t.
func (r *Reader) countUpTo(ord int, off int64, t time.Duration, limit int) int {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	r.rand.reset(off)
	for ord < limit {
		line, err := r.skipEvent(&r.rand)
		if err != nil {
			break
		}
		lt, _ := lineTime(line)
		if lt > t {
			break
		}
		ord++
	}
	return ord
}

// search is sort.Search: the smallest k in [0, n) with f(k), or n.
func search(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if !f(h) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// TimeAt returns the offset of event i from the start.
func (r *Reader) TimeAt(i int) (time.Duration, error) {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	off, ord, err := r.locate(i)
	if err != nil {
		return 0, err
	}
	r.rand.reset(off)
	for {
		line, err := r.skipEvent(&r.rand)
		if err != nil {
			return 0, err
		}
		if ord == i {
			t, _ := lineTime(line)
			return t, nil
		}
		ord++
	}
}

// NextError returns the number of the first event at or after from that
// [IsError] reports, or -1.
func (r *Reader) NextError(from int) int {
	ix := r.waitIndex()
	for i := from; ; i++ {
		ix.mu.Lock()
		i = ix.errs.next(i)
		ix.mu.Unlock()
		if i < 0 {
			return -1
		}
		if e, err := r.At(i); err == nil && IsError(&e) {
			return i
		}
	}
}

// NextRequest returns the number of the first JSON-RPC request at or after
// from that is not a ping ([IsRequest]), or -1.
func (r *Reader) NextRequest(from int) int {
	if from < 0 {
		from = 0
	}
	r.rmu.Lock()
	defer r.rmu.Unlock()
	off, ord, err := r.locate(from)
	if err != nil {
		return -1
	}
	r.rand.reset(off)
	for {
		line, err := r.skipEvent(&r.rand)
		if err != nil {
			return -1
		}
		if ord >= from && bytes.Contains(line, hintRequest) {
			if e, _, err := decodeEvent(line, r.header.Start); err == nil && IsRequest(&e) {
				return ord
			}
		}
		ord++
	}
}

// prevStates returns, newest first, the numbers of the state and list
// candidates before event i (at most limit).
func (r *Reader) prevStates(i, limit int) []int {
	ix := r.waitIndex()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var out []int
	for j := ix.states.prev(i - 1); j >= 0 && len(out) < limit; j = ix.states.prev(j - 1) {
		out = append(out, j)
	}
	return out
}

// Stats summarises a recording, waiting for the index scan; Errors
// decodes the error candidates to confirm them.
func (r *Reader) Stats() Stats {
	ix := r.waitIndex()
	ix.mu.Lock()
	s := Stats{Events: ix.count, Skipped: ix.skipped, Duration: ix.last, Complete: ix.trailer != nil}
	if ix.trailer != nil {
		s.Dropped = ix.trailer.Dropped
	}
	errs := ix.errs
	ix.mu.Unlock()
	for i := errs.next(0); i >= 0; i = errs.next(i + 1) {
		if e, err := r.At(i); err == nil && IsError(&e) {
			s.Errors++
		}
	}
	return s
}

// Stats summarise a recording.
type Stats struct {
	// Events is the number of events.
	Events int
	// Errors is how many of them [IsError] reports.
	Errors int
	// Skipped is the number of unreadable lines skipped.
	Skipped int
	// Dropped is the number of events the recorder could not keep (from
	// the trailer).
	Dropped int64
	// Duration is the offset of the last event.
	Duration time.Duration
	// Complete reports a trailer: the recorder was closed cleanly.
	Complete bool
}

// ---- reading lines ----

// lineReader reads complete lines from a file at an offset. A last line
// without its newline is not returned (it is cut, or still being
// written); partial says how many bytes it had.
type lineReader struct {
	f       io.ReaderAt
	off     int64 // offset of the next line
	br      *bufio.Reader
	size    int
	long    []byte
	partial int
}

func newLineReader(f io.ReaderAt, off int64, size int) lineReader {
	lr := lineReader{f: f, size: size}
	lr.reset(off)
	return lr
}

func (lr *lineReader) reset(off int64) {
	lr.off = off
	lr.partial = 0
	sr := io.NewSectionReader(lr.f, off, math.MaxInt64-off)
	if lr.br == nil {
		lr.br = bufio.NewReaderSize(sr, lr.size)
	} else {
		lr.br.Reset(sr)
	}
}

// next returns the next complete line without its line ending; the slice
// is valid until the next call.
func (lr *lineReader) next() ([]byte, error) {
	for {
		line, err := lr.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			lr.long = append(lr.long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = lr.br.ReadSlice('\n')
				lr.long = append(lr.long, line...)
			}
			line = lr.long
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				lr.partial = len(line)
				if len(line) > 0 {
					// Leave the cut line unread: it may still be completed.
					lr.reset(lr.off)
					lr.partial = len(line)
				}
			}
			return nil, err
		}
		lr.off += int64(len(line))
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			continue
		}
		return line, nil
	}
}

// ---- bitset ----

type bitset []uint64

func (b *bitset) set(i int) {
	w := i / 64
	if w >= len(*b) {
		*b = slices.Grow(*b, w+1-len(*b))[:w+1]
	}
	(*b)[w] |= 1 << (uint(i) % 64)
}

// next returns the first set bit at or after i, or -1.
func (b bitset) next(i int) int {
	if i < 0 {
		i = 0
	}
	w := i / 64
	if w >= len(b) {
		return -1
	}
	word := b[w] >> (uint(i) % 64)
	if word != 0 {
		return i + bits.TrailingZeros64(word)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w*64 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}

// prev returns the last set bit at or before i, or -1.
func (b bitset) prev(i int) int {
	if i < 0 {
		return -1
	}
	w := i / 64
	if w >= len(b) {
		w = len(b) - 1
		i = w*64 + 63
	}
	if w < 0 {
		return -1
	}
	word := b[w] << (63 - uint(i)%64)
	if word != 0 {
		return i - bits.LeadingZeros64(word)
	}
	for w--; w >= 0; w-- {
		if b[w] != 0 {
			return w*64 + 63 - bits.LeadingZeros64(b[w])
		}
	}
	return -1
}
