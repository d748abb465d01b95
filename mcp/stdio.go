package mcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sonde-mcp/sonde/internal/procgroup"
)

// stdioGrace is how long shutdown waits after closing stdin, and again
// after SIGTERM, before the next step (a variable so tests can shorten it).
var stdioGrace = 2 * time.Second

// stdio runs a server as a child process and speaks newline-delimited JSON
// over its stdin and stdout; stderr lines become log events.
type stdio struct {
	cfg *Config
	l   link

	cmd   *exec.Cmd
	stdin io.WriteCloser
	wmu   sync.Mutex

	mu        sync.Mutex
	closing   bool
	stderr    []string               // the last lines, scrubbed (see stderrTail)
	inflight  map[string]func() bool // requests sent, whether each still waits
	exitCause *ExitError             // how the process ended, once it has
	exited    chan struct{}          // closed when the process has been reaped
}

func newStdio(cfg *Config, l link) *stdio {
	return &stdio{cfg: cfg, l: l, exited: make(chan struct{})}
}

func (t *stdio) kind() TransportKind        { return TransportStdio }
func (t *stdio) sessionID() string          { return "" }
func (t *stdio) negotiated(protocol string) {}
func (t *stdio) ready()                     {}

// connect starts the process: no shell, the user's environment plus Env, in
// its own process group so shutdown reaches its children too.
func (t *stdio) connect(ctx context.Context) error {
	if len(t.cfg.Command) == 0 {
		return errors.New("no server command given")
	}
	cmd, pipes, err := procgroup.Command(t.cfg.Command, t.cfg.Env, t.cfg.Dir)
	if err != nil {
		return err
	}
	stdin, stdout, stderr := pipes.Stdin, pipes.Stdout, pipes.Stderr
	if err := cmd.Start(); err != nil {
		return &ConnectError{Target: t.cfg.Target(), Err: err}
	}
	var out io.Reader = stdout
	if t.cfg.Faults != nil {
		stdin, out = t.cfg.Faults.Stdio(stdin, stdout, func(e Event) { t.l.emit(&e) })
	}
	t.cmd, t.stdin = cmd, stdin
	started := fmt.Sprintf("started server process %d: %s", cmd.Process.Pid, t.cfg.Target())
	if env := t.cfg.EnvFacts(); env != "" {
		started += " (env " + env + ")"
	}
	t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "stdio", Text: started})

	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); t.readStdout(out) }()
	go func() { defer readers.Done(); t.readStderr(stderr) }()
	go func() {
		readers.Wait()
		err := cmd.Wait()
		t.mu.Lock()
		closing := t.closing
		t.exitCause = NewExitError(cmd.ProcessState, err, t.stderr)
		inflight := t.inflight
		t.inflight = nil
		t.mu.Unlock()
		close(t.exited)
		if closing {
			return
		}
		// Requests waiting for an answer get none: fail them now (during
		// detection nobody else would, and the probe would wait it out).
		for id := range inflight {
			t.l.orphan(id, t.exitCause)
		}
		t.l.lost(t, t.exitCause)
	}()
	return nil
}

// stderrTail bounds what is kept of a server's stderr for the report of
// its exit: enough for a runtime's stack trace to name the cause (Node's
// "Cannot find module" is 12 lines from the end).
const (
	stderrTail     = 16
	stderrTailLine = 300
)

// ExitError says how a stdio server process ended: its exit status or the
// signal that killed it, and the last lines of its stderr (secrets
// replaced, at most 16 lines of 300 bytes).
type ExitError struct {
	// Code is the exit status; -1 when a signal killed the process.
	Code int
	// Signal names the signal that killed it ("SIGKILL"), or "".
	Signal string
	// Stderr holds the last lines the process wrote to stderr.
	Stderr []string
	// Err is the error from waiting for the process when no status is known.
	Err error
}

func (e *ExitError) Error() string { return e.describe("") }

// describe is Error, saying which request's answer it never sent.
func (e *ExitError) describe(before string) string {
	s := "the server process exited"
	switch {
	case e.Signal != "":
		s = "the server process was killed by signal " + e.Signal
	case e.Code >= 0 && e.Err == nil:
		s = fmt.Sprintf("the server process exited with status %d", e.Code)
	case e.Err != nil:
		s += ": " + e.Err.Error()
	}
	if before != "" {
		s += " before it answered " + before
	}
	if l := e.cause(); l != "" {
		s += "; its stderr said: " + l
	}
	return s
}

// cause picks the stderr line most likely to say why the process ended:
// the last one that reads like an error, else the last one.
func (e *ExitError) cause() string {
	for i := len(e.Stderr) - 1; i >= 0; i-- {
		l := strings.ToLower(e.Stderr[i])
		for _, w := range []string{"error", "cannot", "not found", "no such", "fatal", "panic", "exception", "denied", "refused", "failed"} {
			if strings.Contains(l, w) {
				return sanitizeLine(e.Stderr[i])
			}
		}
	}
	if len(e.Stderr) > 0 {
		return sanitizeLine(e.Stderr[len(e.Stderr)-1])
	}
	return ""
}

// NewExitError says how a process ended from its state after Wait (nil
// when Wait failed before it had one: err says why), with the last lines
// of its stderr. The stdio tap reports its server's end with it too.
func NewExitError(ps *os.ProcessState, err error, stderr []string) *ExitError {
	e := &ExitError{Code: -1, Stderr: slices.Clone(stderr)}
	if ps == nil {
		e.Err = err
		return e
	}
	e.Code = ps.ExitCode()
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Signal = signalName(ws.Signal())
	}
	return e
}

// signalName is the conventional name of a signal (SIGKILL), as shells
// and kill -l write it.
func signalName(sig syscall.Signal) string {
	names := map[syscall.Signal]string{syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
		syscall.SIGILL: "SIGILL", syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS",
		syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL", syscall.SIGSEGV: "SIGSEGV", syscall.SIGPIPE: "SIGPIPE",
		syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM"}
	if n, ok := names[sig]; ok {
		return n
	}
	return fmt.Sprintf("%d (%s)", int(sig), sig)
}

// readStdout splits stdout into lines of at most MaxMessage bytes; a longer
// line is reported and skipped, and the session goes on.
func (t *stdio) readStdout(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	max := t.cfg.maxMessage()
	ev := new(Event) // reused for every line: the link copies what it keeps
	var line []byte
	oversize := int64(0)
	for {
		chunk, err := br.ReadSlice('\n')
		if oversize == 0 && len(line)+len(chunk) > max+2 {
			oversize, line = int64(len(line)), nil
		}
		if oversize > 0 {
			oversize += int64(len(chunk))
		} else {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		// A line ended, or the stream did.
		if oversize > 0 {
			t.l.emit(&Event{Dir: DirIn, Kind: KindError, Stream: "stdout", Bytes: oversize,
				Err: fmt.Sprintf("a %s line exceeds the %s message limit; skipped (raise --max-message)", humanBytes(oversize), humanBytes(int64(max)))})
			oversize = 0
		} else if len(line) > 0 {
			t.line(ev, line)
		}
		line = nil
		if err != nil {
			if !errors.Is(err, io.EOF) && !t.isClosing() {
				t.l.emit(&Event{Dir: DirMeta, Kind: KindError, Stream: "stdout", Err: "reading stdout: " + err.Error()})
			}
			return
		}
	}
}

func (t *stdio) line(ev *Event, b []byte) {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return
	}
	*ev = Event{Dir: DirIn, Kind: KindMessage, Stream: "stdout", Raw: b, Bytes: int64(len(b))}
	t.l.receive(ev)
}

func (t *stdio) readStderr(r io.Reader) {
	br := bufio.NewReaderSize(r, 16<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			s := string(line)
			for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
				s = s[:len(s)-1]
			}
			if s != "" {
				txt, trunc := capText(s, maxLogText)
				e := &Event{Dir: DirIn, Kind: KindStderr, Stream: "stderr", Text: txt, Truncated: trunc, Bytes: int64(len(line))}
				t.l.emit(e) // which scrubs e.Text: the tail keeps no secret either
				tail, _ := capText(e.Text, stderrTailLine)
				t.mu.Lock()
				t.stderr = append(t.stderr, tail)
				if len(t.stderr) > stderrTail {
					t.stderr = slices.Delete(t.stderr, 0, len(t.stderr)-stderrTail)
				}
				t.mu.Unlock()
			}
		}
		if err == bufio.ErrBufferFull {
			// A very long stderr line is logged in pieces.
			continue
		}
		if err != nil {
			return
		}
	}
}

func (t *stdio) isClosing() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closing
}

func (t *stdio) send(ctx context.Context, m *outMsg) error {
	// Nothing goes to a process that has exited, and nothing is logged as
	// sent to it.
	select {
	case <-t.exited:
		return &LostError{Method: m.method, Err: t.exitCause}
	default:
	}
	if m.rpc == RPCRequest && m.pending != nil {
		t.mu.Lock()
		if t.exitCause != nil { // it exited just now
			t.mu.Unlock()
			return &LostError{Method: m.method, Err: t.exitCause}
		}
		if t.inflight == nil {
			t.inflight = map[string]func() bool{}
		}
		if len(t.inflight) >= 64 { // forget the answered ones
			maps.DeleteFunc(t.inflight, func(_ string, waits func() bool) bool { return !waits() })
		}
		t.inflight[m.id] = m.pending
		t.mu.Unlock()
	}
	e := m.event()
	e.Stream = "stdin"
	t.l.emit(&e)
	t.wmu.Lock()
	defer t.wmu.Unlock()
	buf := make([]byte, 0, len(m.raw)+1)
	buf = append(append(buf, m.raw...), '\n')
	if _, err := t.stdin.Write(buf); err != nil {
		// The process is probably gone: say how it ended if we learn it soon.
		select {
		case <-t.exited:
			return &LostError{Method: m.method, Err: t.exitCause}
		case <-time.After(time.Second):
		}
		return &LostError{Method: m.method, Err: fmt.Errorf("writing to the server's stdin: %w", err)}
	}
	return nil
}

// close shuts the server down the polite way: close stdin and wait, then
// SIGTERM, then SIGKILL, each to the whole process group.
func (t *stdio) close(ctx context.Context) error {
	t.mu.Lock()
	if t.closing || t.cmd == nil {
		t.mu.Unlock()
		return nil
	}
	t.closing = true
	t.mu.Unlock()
	t.wmu.Lock()
	t.stdin.Close()
	t.wmu.Unlock()
	pid := t.cmd.Process.Pid
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{0, stdioGrace}, {syscall.SIGTERM, stdioGrace}, {syscall.SIGKILL, 2 * time.Second}}
	for _, s := range steps {
		if s.sig != 0 {
			t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "stdio", Text: fmt.Sprintf("server did not exit; sending %s", s.sig)})
			procgroup.Signal(pid, s.sig)
		}
		select {
		case <-t.exited:
			return nil
		case <-time.After(s.wait):
		case <-ctx.Done():
			procgroup.Signal(pid, syscall.SIGKILL)
			return ctx.Err()
		}
	}
	return nil
}
