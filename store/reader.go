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
	// The header and the first `connected` event are looked for in the
	// first 4 MiB only: a file whose first line is 150 MB is read no
	// further than that.
	lr := newLineReader(limitedAt{f, infoSpan}, 0, 64<<10)
	line, n, _, err := lr.nextHead(64<<10, nil)
	if err == nil && int64(len(line)) < n {
		err = fmt.Errorf("%w (its first line is longer than any header)", ErrNotRecording)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w (empty or cut before the header was written)", path, ErrNotRecording)
		}
		if errors.Is(err, ErrNotRecording) {
			return nil, fmt.Errorf("%s: %w", path, err)
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

// infoSpan is how much of a file's start Open reads.
const infoSpan = 4 << 20

// limitedAt reads a file up to n bytes.
type limitedAt struct {
	f io.ReaderAt
	n int64
}

func (l limitedAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= l.n {
		return 0, io.EOF
	}
	if rest := l.n - off; int64(len(p)) > rest {
		k, err := l.f.ReadAt(p[:rest], off)
		if err == nil {
			err = io.EOF
		}
		return k, err
	}
	return l.f.ReadAt(p, off)
}

// findInfo looks at the first lines (within the first 4 MiB of the file)
// for the first `connected` state event and fills the derived header
// fields.
func (r *Reader) findInfo(lr *lineReader) {
	for {
		line, n, last, err := lr.nextHead(infoSpan, nil)
		if err != nil {
			return
		}
		if int64(len(line)) < n || !isEventHead(line, last) || !bytes.Contains(line, []byte(`"state":"connected"`)) {
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
	e, _, err := r.nextEvent(&r.cur, 0)
	if err == nil {
		r.ord++
	}
	return e, err
}

// EventsUpTo is [Reader.Events] for readers that show only the start of a
// payload (the markdown export, a printed replay): a line longer than max
// bytes is decoded from its first max bytes, so it costs max bytes of
// memory, not its length. Such an event has every field but its payload;
// Raw is the payload's start (no longer valid JSON) and Truncated the
// line's length.
func (r *Reader) EventsUpTo(max int) iter.Seq2[mcp.Event, error] {
	return func(yield func(mcp.Event, error) bool) {
		for {
			r.cmu.Lock()
			e, _, err := r.nextEvent(&r.cur, max)
			if err == nil {
				r.ord++
			}
			r.cmu.Unlock()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
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
		head, _, last, err := r.cur.nextHead(len(eventPrefix), nil)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if isEventHead(head, last) {
			r.ord++
		}
	}
	return nil
}

// nextEvent reads event lines from lr, skipping other lines. With max > 0
// a line longer than max bytes is decoded from its first max bytes
// ([decodeEventHead]).
func (r *Reader) nextEvent(lr *lineReader, max int) (mcp.Event, time.Duration, error) {
	for {
		var (
			line []byte
			n    int64
			last byte
			err  error
		)
		if max > 0 {
			line, n, last, err = lr.nextHead(max, nil)
		} else {
			line, err = lr.next()
			n = int64(len(line))
			if len(line) > 0 {
				last = line[len(line)-1]
			}
		}
		if err != nil {
			return mcp.Event{}, 0, err
		}
		if !isEventHead(line, last) {
			continue
		}
		var e mcp.Event
		var t time.Duration
		if int64(len(line)) < n {
			e, t, err = decodeEventHead(line, n, r.header.Start)
		} else {
			e, t, err = decodeEvent(line, r.header.Start)
		}
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
	e, _, err := r.at(i, 0)
	return e, err
}

// AtUpTo is At for a reader that cannot hold any line: a line longer than
// max bytes is decoded from its first max bytes, as [Reader.EventsUpTo]
// does.
func (r *Reader) AtUpTo(i, max int) (mcp.Event, error) {
	e, _, err := r.at(i, max)
	return e, err
}

// at reads event i and its offset from the start; max as for nextEvent.
func (r *Reader) at(i, max int) (mcp.Event, time.Duration, error) {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	off, ord, err := r.locate(i)
	if err != nil {
		return mcp.Event{}, 0, err
	}
	r.rand.reset(off)
	for ; ord < i; ord++ {
		if _, err := r.skipEvent(&r.rand, nil); err != nil {
			return mcp.Event{}, 0, err
		}
	}
	e, t, err := r.nextEvent(&r.rand, max)
	if errors.Is(err, io.EOF) {
		return mcp.Event{}, 0, fmt.Errorf("event %d: %w", i, io.EOF)
	}
	return e, t, err
}

// skipEvent moves past one event line and returns its head (the line
// itself when it is short) and hints.
func (r *Reader) skipEvent(lr *lineReader, h *lineHints) ([]byte, error) {
	head, _, err := r.skipEventN(lr, h)
	return head, err
}

// skipEventN is skipEvent that also returns the line's length.
func (r *Reader) skipEventN(lr *lineReader, h *lineHints) ([]byte, int64, error) {
	for {
		head, n, last, err := lr.nextHead(4096, h)
		if err != nil {
			return nil, 0, err
		}
		if isEventHead(head, last) {
			return head, n, nil
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
		hints          lineHints
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
		line, length, lastByte, rerr := lr.nextHead(4096, &hints)
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
		case isEventHead(line, lastByte):
			t, _ := lineTime(line)
			if count%IndexStride == 0 {
				marks = append(marks, mark{off: off, t: t})
			}
			if hints.err {
				errs.set(count)
			}
			if hints.state {
				states.set(count)
			}
			last = max(last, t)
			count++
		case int64(len(line)) == length && isTrailerLine(line):
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
		line, err := r.skipEvent(&r.rand, nil)
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
		line, err := r.skipEvent(&r.rand, nil)
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
	var h lineHints
	for {
		line, n, err := r.skipEventN(&r.rand, &h)
		if err != nil {
			return -1
		}
		if ord >= from && h.request {
			// a long line is decoded from its start: IsRequest needs no payload
			if e, _, err := decodeHeadOrLine(line, n, r.header.Start); err == nil && IsRequest(&e) {
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
// decodes the error candidates to confirm them (a line over 1 MiB only as
// far as its fields: a tool result that big counts as an error by its
// event's fields, not by an isError inside it).
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
		// A line over 1 MiB is judged by its fields, without its payload:
		// a listing must not cost what the longest line does.
		if e, _, err := r.at(i, 1<<20); err == nil && IsError(&e) {
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

// nextHead is next for lines of any length, holding at most max bytes of
// one: it returns the line itself (without its line ending) when it fits
// the reader's buffer, else its first max bytes; with the line's full
// length and its last byte. h, if set, gets the line's hints, found over
// the whole line piece by piece. Listing, indexing and seeking need no
// more than that, so a 150 MB line costs them a read, not 150 MB of memory.
// The slice is valid until the next call.
func (lr *lineReader) nextHead(max int, h *lineHints) (head []byte, n int64, last byte, err error) {
	for {
		line, err := lr.br.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			if err != nil {
				if errors.Is(err, io.EOF) && len(line) > 0 {
					lr.reset(lr.off) // leave the cut line unread: it may still be completed
					lr.partial = len(line)
				}
				return nil, 0, 0, err
			}
			lr.off += int64(len(line))
			line = bytes.TrimRight(line, "\r\n")
			if len(line) == 0 {
				continue
			}
			if h != nil {
				*h = lineHints{}
				h.scan(line)
			}
			return line, int64(len(line)), line[len(line)-1], nil
		}
		// A long line: keep its head, look at the rest as it passes. The
		// line ending (any run of CR and LF, as next trims it) may span
		// pieces: trail counts it, last is the byte before it.
		if h != nil {
			*h = lineHints{}
		}
		lr.long = append(lr.long[:0], line[:min(len(line), max)]...)
		var total, trail int64
		for {
			if h != nil {
				h.scan(line)
			}
			total += int64(len(line))
			k := len(bytes.TrimRight(line, "\r\n"))
			if k == 0 {
				trail += int64(len(line))
			} else {
				trail, last = int64(len(line)-k), line[k-1]
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
			line, err = lr.br.ReadSlice('\n')
			if room := max - len(lr.long); room > 0 {
				lr.long = append(lr.long, line[:min(len(line), room)]...)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				lr.reset(lr.off)
				lr.partial = int(min(total, math.MaxInt32))
			}
			return nil, 0, 0, err
		}
		lr.off += total
		n = total - trail
		if n == 0 {
			continue // only line breaks, as next skips them
		}
		head = lr.long
		if int64(len(head)) > n {
			head = head[:n]
		}
		return head, n, last, nil
	}
}

// lineHints are the line-level hints (see classify.go) of one line, found
// piece by piece: carry keeps the end of the previous piece, so a hint
// split between two pieces is found too.
type lineHints struct {
	err, state, request bool
	carry               [16]byte
	nc                  int
}

func (h *lineHints) scan(piece []byte) {
	if h.nc > 0 {
		// the hints across the seam: the carry and the piece's start
		var seam [32]byte
		k := copy(seam[:], h.carry[:h.nc])
		k += copy(seam[k:], piece[:min(len(piece), 15)])
		h.look(seam[:k])
	}
	h.look(piece)
	if len(piece) >= 15 {
		h.nc = copy(h.carry[:], piece[len(piece)-15:])
	} else {
		// a short piece: the carry keeps the last 15 bytes seen
		all := append(h.carry[:h.nc:h.nc], piece...)
		h.nc = copy(h.carry[:], all[max(0, len(all)-15):])
	}
}

func (h *lineHints) look(b []byte) {
	h.err = h.err || errorHint(b)
	h.state = h.state || stateHint(b)
	h.request = h.request || bytes.Contains(b, hintRequest)
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
