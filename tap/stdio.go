package tap

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/internal/procgroup"
	"github.com/sonde-mcp/sonde/mcp"
)

// StdioOptions configure [ServeStdio].
type StdioOptions struct {
	// Command is the server: program and arguments, run without a shell.
	Command []string
	// Env adds KEY=VALUE entries to the server's environment (it inherits
	// the tap's, which its client set); the values are secrets.
	Env []string
	// Faults are injected into the traffic (nil: none); only the faults
	// on messages act over stdio.
	Faults *fault.Set
	// MaxMessage caps a line the tap reads to log it (0 =
	// mcp.DefaultMaxMessage); a longer one is forwarded unlogged.
	MaxMessage int
	// KeepaliveMatch adds rules for keepalive data messages.
	KeepaliveMatch []mcp.KeepaliveRule
	// Stderr receives the server's stderr as it writes it (the client
	// reads the tap's stderr as it would have read the server's).
	Stderr io.Writer
	// OnSession is called once, as the session begins.
	OnSession func(SessionInfo) Sink
	// Grace is how long the server gets to exit after its stdin closed,
	// and again after SIGTERM (0 = 2 s).
	Grace time.Duration
}

// ServeStdio stands in for a stdio server: it runs o.Command as its child,
// passes the client's lines from in to the server's stdin and the
// server's lines to out, byte for byte, and logs both as one session. It
// returns when the server has exited (after the client closed in, or on
// its own) or ctx ends (the server is then stopped): nil for a clean exit,
// an [*mcp.ExitError] otherwise (the tap exits with the same status).
func ServeStdio(ctx context.Context, o StdioOptions, in io.Reader, out io.Writer) error {
	if len(o.Command) == 0 {
		return errors.New("no server command given")
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = mcp.DefaultMaxMessage
	}
	if o.Grace <= 0 {
		o.Grace = 2 * time.Second
	}
	cmd, pipes, err := procgroup.Command(o.Command, o.Env, "")
	if err != nil {
		return err
	}
	stdin, stdout, stderr := pipes.Stdin, pipes.Stdout, pipes.Stderr
	cfg := mcp.Config{Command: o.Command, Env: o.Env}
	info := SessionInfo{N: 1, Transport: mcp.TransportStdio, Client: parentProcess(), Target: cfg.Target(), Start: time.Now()}
	var sink Sink
	if o.OnSession != nil {
		sink = o.OnSession(info)
	}
	s := newSession(info, sink, cfg.EnvSecrets(), nil,
		mcp.ObserverOptions{MaxMessage: o.MaxMessage, KeepaliveMatch: o.KeepaliveMatch})
	if err := cmd.Start(); err != nil {
		s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateError, Text: "starting the server: " + err.Error()})
		s.end("the server did not start")
		s.release()
		return fmt.Errorf("starting the server: %w", err)
	}
	s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Stream: "stdio",
		Text: fmt.Sprintf("started server process %d: %s", cmd.Process.Pid, info.Target)})
	var toServer io.WriteCloser = stdin
	var fromServer io.Reader = stdout
	if o.Faults != nil {
		toServer, fromServer = o.Faults.Stdio(stdin, stdout, func(e mcp.Event) { s.ob.Emit(&e) })
	}

	var readers sync.WaitGroup
	readers.Add(2)
	go func() { // the server's answers and messages, to the client
		defer readers.Done()
		copyLines(out, fromServer, o.MaxMessage, func(line []byte, n int64) {
			if line == nil {
				s.ob.Emit(&mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindError, Stream: "stdout", Bytes: n,
					Err: fmt.Sprintf("a %d-byte line over the message limit was forwarded unlogged (raise --max-message)", n)})
				return
			}
			s.ob.FromServer(&mcp.Event{Stream: "stdout", Raw: line, Bytes: int64(len(line))})
		})
	}()
	go func() { // the server's stderr: passed on, and logged
		defer readers.Done()
		br := bufio.NewReaderSize(stderr, 16<<10)
		for {
			line, err := br.ReadSlice('\n')
			if len(line) > 0 {
				if o.Stderr != nil {
					o.Stderr.Write(line)
				}
				if t := strings.TrimRight(string(line), "\r\n"); t != "" {
					s.ob.Emit(&mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindStderr, Stream: "stderr", Text: t, Bytes: int64(len(line))})
				}
			}
			if err != nil && err != bufio.ErrBufferFull {
				return
			}
		}
	}()
	clientDone := make(chan struct{})
	go func() { // the client's lines, to the server
		defer close(clientDone)
		copyLines(toServer, in, o.MaxMessage, func(line []byte, n int64) {
			if line == nil {
				s.ob.Emit(&mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindError, Stream: "stdin", Bytes: n,
					Err: fmt.Sprintf("a %d-byte line over the message limit was forwarded unlogged (raise --max-message)", n)})
				return
			}
			s.ob.FromClient(&mcp.Event{Stream: "stdin", Raw: line, Bytes: int64(len(line))})
		})
		toServer.Close() // the client is done: so is the server's stdin
	}()
	exited := make(chan error, 1)
	go func() {
		readers.Wait()
		exited <- cmd.Wait()
	}()

	var waitErr error
	stopped := false
	select {
	case waitErr = <-exited:
	case <-clientDone:
		s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Stream: "stdio", Text: "the client closed the server's stdin"})
		waitErr, stopped = stop(cmd, exited, o.Grace, ctx.Done()), true
	case <-ctx.Done():
		toServer.Close()
		waitErr, stopped = stop(cmd, exited, o.Grace, nil), true
	}
	why := describeExit(cmd.ProcessState, waitErr)
	s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Stream: "stdio", Text: why})
	s.end(why)
	s.release()
	<-s.done
	if stopped && ctx.Err() != nil {
		return nil
	}
	return exitOf(cmd.ProcessState, waitErr)
}

// stop waits for the server to exit after its stdin closed, then sends
// SIGTERM and SIGKILL to its process group, each after grace.
func stop(cmd *exec.Cmd, exited chan error, grace time.Duration, cancel <-chan struct{}) error {
	for _, sig := range []syscall.Signal{0, syscall.SIGTERM, syscall.SIGKILL} {
		if sig != 0 {
			procgroup.Signal(cmd.Process.Pid, sig)
		}
		select {
		case err := <-exited:
			return err
		case <-time.After(grace):
		case <-cancel:
			cancel = nil
		}
	}
	return <-exited
}

// describeExit is the log line for the server's end.
func describeExit(ps *os.ProcessState, err error) string {
	if e := exitOf(ps, err); e != nil {
		return e.Error()
	}
	return "the server process exited with status 0"
}

// exitOf is the server's end as an error, nil for a clean exit.
func exitOf(ps *os.ProcessState, err error) error {
	if ps != nil && ps.Success() {
		return nil
	}
	return mcp.NewExitError(ps, err, nil)
}

// copyLines forwards src to dst as it comes, and hands each whole line
// (without its line break) to each; a line over max bytes is handed as
// nil with its length.
func copyLines(dst io.Writer, src io.Reader, max int, each func(line []byte, n int64)) {
	br := bufio.NewReaderSize(src, 64<<10)
	var line []byte
	var n int64
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if n <= int64(max)+2 {
			line = append(line, chunk...)
		} else {
			line = line[:0]
		}
		if err != bufio.ErrBufferFull && n > 0 {
			// The line is whole: logged before its end goes on, so that
			// its answer's latency counts from when the client sent it.
			if n > int64(max)+2 {
				each(nil, n)
			} else if t := trimEOL(line); len(t) > 0 {
				each(t, n)
			}
			line, n = nil, 0
		}
		if len(chunk) > 0 {
			if _, werr := dst.Write(chunk); werr != nil {
				return
			}
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// parentProcess names the process that started the tap (its client):
// "pid 4242 (claude)".
func parentProcess() string {
	ppid := os.Getppid()
	s := "pid " + strconv.Itoa(ppid)
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/comm"); err == nil {
		s += " (" + strings.TrimSpace(string(b)) + ")"
	}
	return "stdio client, " + s
}
