package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Recorder defaults and limits.
const (
	// DefaultMaxQueue bounds the memory held by events waiting for the disk.
	DefaultMaxQueue = 64 << 20
	// DefaultFlushEvery bounds how long an event waits before it reaches
	// the operating system.
	DefaultFlushEvery = 100 * time.Millisecond
	// MaxFlushEvery is the longest flush interval accepted.
	MaxFlushEvery = 200 * time.Millisecond
	// DefaultSyncEvery is how often a file is synced to stable storage
	// while events arrive (and always on Close).
	DefaultSyncEvery = time.Second
)

// RecorderOptions configure a [Recorder]. Exactly one of Path, Dir and
// Writer is set.
type RecorderOptions struct {
	// Path is the file to record into. It is created (or truncated) with
	// mode 0600; missing parent directories are created with mode 0700.
	// Every session recorded goes into this one file.
	Path string
	// Dir is a directory of recordings: each session gets its own file,
	// named by its start time and its server ([FileName]), opened when its
	// first event arrives. A new session starts at every event with Seq 1.
	// The directory is created, and kept, with mode 0700; Retention is
	// applied whenever a new file starts.
	Dir string
	// Writer receives the recording as is (tests, pipes); it is not closed.
	Writer io.Writer

	// Header supplies Target, Transport and SecretHeaders. The other
	// fields are filled by the recorder. When a session's first event is
	// its `connecting` state event, that event's text (the target, already
	// redacted by mcp) names the target.
	Header Header
	// Secrets are values that must never reach the file (bearer token,
	// secret header values; see [mcp.Config.Secrets]). More can be added later with
	// [Recorder.AddSecrets].
	Secrets []string
	// SecretHeaders names headers whose values are always replaced.
	SecretHeaders []string

	// MaxQueue bounds, in bytes, the events accepted but not yet written
	// (0 = [DefaultMaxQueue]). When the disk falls that far behind, further
	// events are counted instead of queued, and the gap is recorded as an
	// error event saying how many were lost; see FORMAT.md.
	MaxQueue int64
	// FlushEvery bounds how long an event waits before it reaches the
	// operating system (0 = [DefaultFlushEvery]; at most [MaxFlushEvery]):
	// the first event after a quiet spell is written at once, and while
	// events keep coming they are written every FlushEvery/10.
	FlushEvery time.Duration
	// SyncEvery is how often the file is synced while events arrive
	// (0 = [DefaultSyncEvery], <0 = only on Close).
	SyncEvery time.Duration
	// Retention is applied to Dir when a new file starts.
	Retention Retention
}

// RecorderStats describe what a [Recorder] did so far.
type RecorderStats struct {
	// Recorded counts the events accepted by Record.
	Recorded int64
	// Written counts the event lines written (gap markers included).
	Written int64
	// Dropped counts events that never reached the file: the queue was
	// full, writing had failed, or Record was called after Close.
	Dropped int64
	// Files lists the files written, oldest first.
	Files []string
	// Err is the first error writing the recording, if any.
	Err error
}

// Recorder appends events to a recording. Record never blocks on the disk:
// it queues the event and returns, and a goroutine of the recorder scrubs,
// encodes and writes it. The file is append-only, flushed to the operating
// system at least every FlushEvery and synced on Close, so a recorder killed
// at any moment leaves a file that opens with at most its last line cut.
type Recorder struct {
	opts  RecorderOptions
	scrub atomic.Pointer[mcp.Scrubber]
	smu   sync.Mutex // serializes AddSecrets

	mu        sync.Mutex
	queue     queue
	free      *chunk // recycled chunks
	nfree     int
	queued    int64 // bytes held by queued and in-flight events
	gap       int64 // events dropped since the last accepted one
	stats     RecorderStats
	closed    bool
	idle      bool            // the writer sleeps until Record wakes it
	flushReqs []chan struct{} // Flush calls waiting

	wake      chan struct{}
	closing   chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	// Owned by the writer goroutine.
	enc     *lineEncoder
	sink    *sink
	werr    error
	written int64 // lines written in the current batch
}

// wakeBatch is the queue length at which Record wakes a busy writer
// before its next tick.
const wakeBatch = 8192

// queue is a list of fixed-size chunks: appending never copies what is
// already queued, and chunks are recycled.
type queue struct {
	head, tail *chunk
	n          int
}

const chunkItems = 128

type chunk struct {
	items [chunkItems]item
	n     int
	next  *chunk
}

// push queues it (r.mu held), taking a recycled chunk when one is needed.
func (r *Recorder) push(it item) {
	q := &r.queue
	if q.tail == nil || q.tail.n == chunkItems {
		c := r.free
		if c != nil {
			r.free, c.next = c.next, nil
			r.nfree--
		} else {
			c = new(chunk)
		}
		if q.tail == nil {
			q.head = c
		} else {
			q.tail.next = c
		}
		q.tail = c
	}
	q.tail.items[q.tail.n] = it
	q.tail.n++
	q.n++
}

// maxFree bounds the chunks kept for reuse (about 6 MB).
const maxFree = 128

// item is one queued event; a gap marker carries how many were lost.
type item struct {
	e       mcp.Event
	size    int64
	dropped int64
}

// sink is one open recording.
type sink struct {
	f        *os.File // nil when writing to RecorderOptions.Writer
	w        io.Writer
	buf      []byte // lines not yet handed to w
	path     string
	start    time.Time
	started  bool // header written
	tr       Trailer
	lastSync time.Time
	dirty    bool // written since the last sync
}

// NewRecorder starts a recorder. With Path the file is created at once, so
// a bad path is reported here; with Dir files are created as sessions start.
func NewRecorder(opts RecorderOptions) (*Recorder, error) {
	n := 0
	for _, set := range []bool{opts.Path != "", opts.Dir != "", opts.Writer != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("store: give exactly one of Path, Dir and Writer")
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = DefaultMaxQueue
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = DefaultFlushEvery
	}
	if opts.FlushEvery > MaxFlushEvery {
		opts.FlushEvery = MaxFlushEvery
	}
	if opts.SyncEvery == 0 {
		opts.SyncEvery = DefaultSyncEvery
	}
	if len(opts.SecretHeaders) == 0 {
		opts.SecretHeaders = opts.Header.SecretHeaders
	}
	r := &Recorder{opts: opts, wake: make(chan struct{}, 1), closing: make(chan struct{}),
		done: make(chan struct{}), enc: newLineEncoder(), idle: true}
	r.scrub.Store(mcp.NewScrubber(opts.Secrets, opts.SecretHeaders))
	switch {
	case opts.Path != "":
		f, err := createFile(opts.Path, false)
		if err != nil {
			return nil, err
		}
		r.sink = newSink(f, f, opts.Path)
		r.stats.Files = []string{opts.Path}
	case opts.Dir != "":
		if err := ensureDir(opts.Dir); err != nil {
			return nil, err
		}
	default:
		r.sink = newSink(nil, opts.Writer, "")
	}
	go r.run()
	return r, nil
}

// sinkBuf is how many bytes of lines are gathered before they are
// written out (also written at every tick and on Close).
const sinkBuf = 256 << 10

// out hands the gathered lines to the writer in one call.
func (s *sink) out() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.w.Write(s.buf)
	if cap(s.buf) > 4*sinkBuf {
		s.buf = nil // after a huge message, do not keep its memory
	} else {
		s.buf = s.buf[:0]
	}
	return err
}

func newSink(f *os.File, w io.Writer, path string) *sink {
	now := time.Now()
	return &sink{f: f, w: w, path: path, lastSync: now}
}

// ensureDir creates dir (and its parents) with mode 0700 and tightens dir
// itself to 0700 if it already existed. It refuses a dir that is a
// symbolic link or belongs to another user: tightening that would change
// something that is not sonde's (a link to /tmp cost /tmp its sticky bit),
// and retention deletes files in it. The directory is opened without
// following a link and changed through that handle, so it cannot be
// swapped for a link in between.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("recording directory: %w", err)
	}
	f, err := openDirNoFollow(dir)
	if err != nil {
		// ELOOP or ENOTDIR for a link, depending on the system
		if fi, lerr := os.Lstat(dir); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("recording directory %s is a symbolic link: sonde records only into a directory of its own (name the link's target instead)", dir)
		}
		if errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("recording directory %s is not a directory", dir)
		}
		return fmt.Errorf("recording directory: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("recording directory: %w", err)
	}
	if uid, ok := ownerUID(fi); ok && uid != os.Geteuid() {
		return fmt.Errorf("recording directory %s belongs to another user (uid %d): sonde records only into a directory of its own", dir, uid)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := f.Chmod(0o700); err != nil {
			return fmt.Errorf("recording directory: %w", err)
		}
	}
	return nil
}

// createFile creates a recording with mode 0600, its missing parents with
// mode 0700. With excl an existing file is an error (fs.ErrExist).
func createFile(path string, excl bool) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if excl {
		flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	return openPrivate(path, flags)
}

// CreatePrivate creates or truncates a file that may hold secrets (an
// export of a recording) with mode 0600, also when it already existed with
// a wider mode.
func CreatePrivate(path string) (*os.File, error) {
	return openPrivate(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
}

// openPrivate opens path with flags and makes it 0600: the mode given to
// open only applies to a file it creates.
func openPrivate(path string, flags int) (*os.File, error) {
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Record queues e for writing and returns at once; it is safe to call from
// any goroutine and is meant for [mcp.Config.OnEvent] or a UI tee. Events
// are written in the order Record is called. Record never blocks on the
// disk: when more than MaxQueue bytes are waiting, e is counted as dropped
// and the gap is marked in the file.
func (r *Recorder) Record(e mcp.Event) {
	size := e.MemSize()
	r.mu.Lock()
	if r.closed {
		r.stats.Dropped++
		r.mu.Unlock()
		return
	}
	if r.queued+size > r.opts.MaxQueue && r.queued > 0 {
		r.gap++
		r.stats.Dropped++
		r.mu.Unlock()
		return
	}
	if r.gap > 0 {
		r.push(gapItem(r.gap, e.Time))
		r.gap = 0
	}
	r.push(item{e: e, size: size})
	r.queued += size
	r.stats.Recorded++
	// Wake the writer only when it sleeps (the first event after a quiet
	// spell is written at once) or has a large batch waiting; a busy
	// writer comes back on its own every FlushEvery/10. Waking a goroutine
	// costs the caller a system call, which at full speed costs more
	// than recording the event.
	wake := r.idle || r.queue.n == wakeBatch
	r.idle = false
	r.mu.Unlock()
	if wake {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

func gapItem(n int64, t time.Time) item {
	if t.IsZero() {
		t = time.Now()
	}
	return item{dropped: n, e: mcp.Event{Time: t, Dir: mcp.DirMeta, Kind: mcp.KindError,
		Err: fmt.Sprintf("recorder: %d events were not recorded here (the disk fell behind)", n)}}
}

// AddSecrets adds values that must never reach the file, for example the
// credentials of a server chosen in the UI's picker.
func (r *Recorder) AddSecrets(values ...string) {
	r.smu.Lock()
	defer r.smu.Unlock()
	r.scrub.Store(r.scrub.Load().With(values...))
}

// Stats returns what the recorder did so far.
func (r *Recorder) Stats() RecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Files = append([]string(nil), s.Files...)
	return s
}

// Path returns the file being written ("" before a Dir recorder's first
// event, or for a Writer).
func (r *Recorder) Path() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.stats.Files) == 0 {
		return ""
	}
	return r.stats.Files[len(r.stats.Files)-1]
}

// Flush waits until every event recorded before the call is written and
// handed to the operating system (not synced), and returns the first
// error writing the recording. Recording never needs it; it is for a
// reader that wants to see everything so far (an export of a recording in
// progress, tests, benchmarks).
func (r *Recorder) Flush() error {
	c := make(chan struct{})
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.done
		return r.Stats().Err
	}
	r.flushReqs = append(r.flushReqs, c)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	select {
	case <-c:
	case <-r.done:
	}
	return r.Stats().Err
}

// Close writes everything still queued, the trailer line, flushes and
// syncs the file and closes it. It returns the first error writing the
// recording. Events recorded after Close are counted as dropped. Close is
// safe to call more than once.
func (r *Recorder) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		if r.gap > 0 {
			r.push(gapItem(r.gap, time.Time{}))
			r.gap = 0
		}
		r.mu.Unlock()
		close(r.closing)
	})
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats.Err
}

// run is the writer goroutine. It drains the queue and writes it out when
// woken, and every FlushEvery/10 while events keep coming; after a tick
// with nothing to write it sleeps until Record wakes it.
func (r *Recorder) run() {
	defer close(r.done)
	tick := r.opts.FlushEvery / 10
	timer := time.NewTimer(tick)
	timer.Stop()
	for {
		closing := false
		select {
		case <-r.wake:
		case <-timer.C:
		case <-r.closing:
			closing = true
		}
		n := r.drain()
		if closing {
			r.drain()
			r.finish()
			timer.Stop()
			return
		}
		syncIn := r.flush()
		r.mu.Lock()
		var flushed []chan struct{}
		if r.queue.n == 0 {
			// Everything queued before these Flush calls is written.
			flushed, r.flushReqs = r.flushReqs, nil
		}
		again := len(r.flushReqs) > 0
		r.idle = n == 0 && r.queue.n == 0
		idle := r.idle
		r.mu.Unlock()
		for _, c := range flushed {
			close(c)
		}
		// Timers are synchronous since Go 1.23: Reset and Stop never
		// leave a stale tick behind.
		switch {
		case again:
			timer.Reset(0)
		case !idle:
			timer.Reset(tick)
		case syncIn > 0:
			timer.Reset(syncIn)
		default:
			timer.Stop()
		}
	}
}

// drain writes every queued event and returns how many it wrote.
func (r *Recorder) drain() int {
	total := 0
	for {
		r.mu.Lock()
		batch := r.queue
		r.queue = queue{}
		r.mu.Unlock()
		if batch.n == 0 {
			return total
		}

		var size int64
		r.written = 0
		for c := batch.head; c != nil; c = c.next {
			for i := range c.items[:c.n] {
				size += c.items[i].size
				r.write(&c.items[i])
			}
			clear(c.items[:c.n]) // let go of the events' memory
			c.n = 0
		}
		total += batch.n

		r.mu.Lock()
		r.queued -= size
		r.stats.Written += r.written
		for c := batch.head; c != nil && r.nfree < maxFree; {
			next := c.next
			c.next = r.free
			r.free = c
			r.nfree++
			c = next
		}
		r.mu.Unlock()
	}
}

// write writes one event (or gap marker), opening files as needed.
func (r *Recorder) write(it *item) {
	e := &it.e
	if r.werr != nil {
		r.countLost(it)
		return
	}
	if r.opts.Dir != "" && e.Seq == 1 && r.sink != nil {
		r.finish() // a new session: a new file
	}
	if r.sink == nil {
		if err := r.openInDir(e); err != nil {
			r.fail(err)
			r.countLost(it)
			return
		}
	}
	s := r.sink
	if !s.started {
		if err := r.writeHeader(e); err != nil {
			r.fail(err)
			r.countLost(it)
			return
		}
	}
	raw := e.Raw
	r.scrub.Load().Event(e)
	// A message mcp decoded is valid JSON; if scrubbing changed it, it is
	// checked again.
	trusted := e.Kind == mcp.KindMessage && len(raw) > 0 && len(e.Raw) == len(raw) && &e.Raw[0] == &raw[0] &&
		(e.RPC == mcp.RPCRequest || e.RPC == mcp.RPCNotification || e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse)
	t := e.Time.Sub(s.start)
	if e.Time.IsZero() {
		t = time.Since(s.start)
	}
	n := len(s.buf)
	var err error
	s.buf, err = r.enc.appendLine(s.buf, e, t, trusted)
	if err != nil {
		s.buf = s.buf[:n]
	} else if len(s.buf) >= sinkBuf {
		err = s.out()
	}
	if err != nil {
		r.fail(err)
		r.countLost(it)
		return
	}
	s.dirty = true
	s.tr.Events++
	s.tr.End = max(s.tr.End, t)
	if IsError(e) {
		s.tr.Errors++
	}
	s.tr.Dropped += it.dropped
	r.written++
}

func (r *Recorder) countLost(it *item) {
	if it.dropped > 0 {
		return // a marker: its events were counted when dropped
	}
	r.mu.Lock()
	r.stats.Dropped++
	r.mu.Unlock()
}

func (r *Recorder) fail(err error) {
	if r.werr != nil {
		return
	}
	r.werr = err
	r.mu.Lock()
	r.stats.Err = err
	r.mu.Unlock()
}

// targetOf names the target of the session e starts.
func (r *Recorder) targetOf(e *mcp.Event) string {
	if e.Kind == mcp.KindState && e.State == mcp.StateConnecting && e.Text != "" {
		return e.Text
	}
	return r.opts.Header.Target
}

// openInDir creates the file for the session that e starts.
func (r *Recorder) openInDir(e *mcp.Event) error {
	start := e.Time
	if start.IsZero() {
		start = time.Now()
	}
	target := r.scrub.Load().Text(mcp.RedactURL(r.targetOf(e)))
	if err := ensureDir(r.opts.Dir); err != nil {
		return err
	}
	var f *os.File
	var path string
	base := FileName(start, target)
	for i := 1; ; i++ {
		path = filepath.Join(r.opts.Dir, base)
		if i > 1 {
			path = filepath.Join(r.opts.Dir, fmt.Sprintf("%s-%d%s", base[:len(base)-len(Extension)], i, Extension))
		}
		var err error
		f, err = createFile(path, true)
		if err == nil {
			break
		}
		if !os.IsExist(err) || i >= 1000 {
			return fmt.Errorf("recording: %w", err)
		}
	}
	r.sink = newSink(f, f, path)
	r.mu.Lock()
	r.stats.Files = append(r.stats.Files, path)
	r.mu.Unlock()
	if r.opts.Retention != (Retention{}) {
		Prune(r.opts.Dir, r.opts.Retention, path)
	}
	return nil
}

func (r *Recorder) writeHeader(e *mcp.Event) error {
	s := r.sink
	s.start = e.Time
	if s.start.IsZero() {
		s.start = time.Now()
	}
	h := r.opts.Header
	h.Format, h.Version, h.Sonde = FormatName, FormatVersion, mcp.Version
	h.Start = s.start
	h.Target = r.scrub.Load().Text(mcp.RedactURL(r.targetOf(e)))
	h.SecretHeaders = r.opts.SecretHeaders
	b, err := jsonLine(h)
	if err != nil {
		return err
	}
	s.buf = append(s.buf, b...)
	s.started = true
	s.dirty = true
	return nil
}

// flush hands what is buffered to the operating system and syncs the
// file when a sync is due. It returns how long until the next sync is due
// (0 when none is pending).
func (r *Recorder) flush() time.Duration {
	s := r.sink
	if s == nil || r.werr != nil {
		return 0
	}
	now := time.Now()
	if err := s.out(); err != nil {
		r.fail(err)
		return 0
	}
	if s.f == nil || !s.dirty || r.opts.SyncEvery <= 0 {
		return 0
	}
	if since := now.Sub(s.lastSync); since < r.opts.SyncEvery {
		return r.opts.SyncEvery - since
	}
	if err := s.f.Sync(); err != nil {
		r.fail(err)
		return 0
	}
	s.lastSync, s.dirty = now, false
	return 0
}

// finish ends the current file: trailer, flush, sync, close.
func (r *Recorder) finish() {
	s := r.sink
	if s == nil {
		return
	}
	r.sink = nil
	if r.werr == nil {
		if !s.started {
			// An empty recording: still a valid file.
			r.sink = s
			err := r.writeHeader(&mcp.Event{})
			r.sink = nil
			if err != nil {
				r.fail(err)
			}
		}
	}
	if r.werr == nil {
		s.buf = append(s.buf, encodeTrailer(s.tr)...)
		if err := s.out(); err != nil {
			r.fail(err)
		}
	}
	if s.f != nil {
		if r.werr == nil {
			if err := s.f.Sync(); err != nil {
				r.fail(err)
			}
		}
		if err := s.f.Close(); err != nil {
			r.fail(err)
		}
	}
}
