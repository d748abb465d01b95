package mcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
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

	mu         sync.Mutex
	closing    bool
	lastStderr string
	exitCause  error         // how the process ended, once it has
	exited     chan struct{} // closed when the process has been reaped
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
	cmd := exec.Command(t.cfg.Command[0], t.cfg.Command[1:]...)
	cmd.Env = append(os.Environ(), t.cfg.Env...)
	cmd.Dir = t.cfg.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return &ConnectError{Target: t.cfg.Target(), Err: err}
	}
	t.cmd, t.stdin = cmd, stdin
	t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "stdio", Text: fmt.Sprintf("started server process %d: %s", cmd.Process.Pid, t.cfg.Target())})

	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); t.readStdout(stdout) }()
	go func() { defer readers.Done(); t.readStderr(stderr) }()
	go func() {
		readers.Wait()
		err := cmd.Wait()
		t.mu.Lock()
		closing := t.closing
		last := t.lastStderr
		t.mu.Unlock()
		t.mu.Lock()
		t.exitCause = exitCause(cmd, err, last)
		t.mu.Unlock()
		close(t.exited)
		if closing {
			return
		}
		t.l.lost(t, t.exitCause)
	}()
	return nil
}

// exitCause says how the server process ended, with its last stderr line.
func exitCause(cmd *exec.Cmd, err error, lastStderr string) error {
	cause := "the server process exited"
	switch {
	case cmd.ProcessState != nil && cmd.ProcessState.Exited():
		cause = fmt.Sprintf("the server process exited with status %d", cmd.ProcessState.ExitCode())
	case err != nil:
		cause = "the server process exited: " + err.Error()
	}
	if lastStderr != "" {
		cause += " (last stderr: " + sanitizeLine(lastStderr) + ")"
	}
	return errors.New(cause)
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
				t.mu.Lock()
				t.lastStderr = s
				t.mu.Unlock()
				txt, trunc := capText(s, maxLogText)
				t.l.emit(&Event{Dir: DirIn, Kind: KindStderr, Stream: "stderr", Text: txt, Truncated: trunc, Bytes: int64(len(line))})
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
			t.mu.Lock()
			cause := t.exitCause
			t.mu.Unlock()
			return &LostError{Method: m.method, Err: cause}
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
			syscall.Kill(-pid, s.sig)
		}
		select {
		case <-t.exited:
			return nil
		case <-time.After(s.wait):
		case <-ctx.Done():
			syscall.Kill(-pid, syscall.SIGKILL)
			return ctx.Err()
		}
	}
	return nil
}
