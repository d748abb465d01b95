//go:build unix

// Command bench-startup times whole processes side by side for
// scripts/bench-peers.sh: commands run in alternating order, round after
// round, so load on the machine falls on all of them alike, and it reports
// medians.
//
//	bench-startup [-runs N] [-warmup N] [-expect TEXT] [-tsv FILE] -cmd LABEL ARGV... [-cmd LABEL ARGV...]
//	    runs each ARGV (no shell) -runs times; each run's stdout must hold
//	    TEXT. Per command: the median wall time, the median CPU time of the
//	    process and what it waited for, and, when the command starts a
//	    server through "bench-startup cpu-of", the median CPU time of the
//	    client alone (its CPU minus the server's).
//	bench-startup cpu-of -- ARGV...
//	    runs ARGV as a child (stdin, stdout and stderr passed through) and
//	    writes the CPU time of both to the file $BENCH_CPU_FILE, so that the
//	    harness can tell a client's own share from its stdio server's.
//	bench-startup init [-runs N] -cmd LABEL ARGV... [-cmd ...]
//	    package initialisation: runs each ARGV with GODEBUG=inittrace=1
//	    (its exit status ignored: `bare-client` without arguments only
//	    initialises) and reports the median over runs of the summed init
//	    clock times and of the bytes allocated at init.
//	bench-startup frame [-runs N] [-size WxH] -screen TEXT... -cmd LABEL ARGV... [-cmd ...]
//	    for commands labelled tui*: the time from process start to the
//	    first screen holding every TEXT, with the program in tmux (a
//	    terminal that answers its queries), read by polling capture-pane
//	    through one tmux control-mode client (no process per poll: a
//	    poll costs well under a millisecond instead of a tmux start).
//	    Other commands are timed as above, side by side.
//
// It is a benchmark tool, not part of the sonde binary.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "cpu-of":
		err = cpuOf(os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "stamp":
		err = stamp(os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "frame":
		err = bench(os.Args[2:], modeFrame)
	case len(os.Args) > 1 && os.Args[1] == "init":
		err = bench(os.Args[2:], modeInit)
	default:
		err = bench(os.Args[1:], modeRun)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-startup:", err)
		os.Exit(1)
	}
}

// mode is what bench measures.
type mode int

const (
	modeRun   mode = iota // whole processes: wall and CPU time
	modeFrame             // terminal programs to their first screen (others as modeRun)
	modeInit              // package initialisation (inittrace)
)

type command struct {
	label string
	argv  []string
	tui   bool // a terminal program, timed to its first screen
	wall  []time.Duration
	cpu   []time.Duration
	self  []time.Duration
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func bench(args []string, m mode) error {
	// Split off the -cmd groups: everything after "-cmd LABEL" up to the
	// next -cmd is that command's argv, never a flag of ours.
	var cmds []*command
	for i, a := range args {
		if a == "-cmd" {
			rest := args[i:]
			args = args[:i]
			for len(rest) > 0 {
				if len(rest) < 3 || rest[0] != "-cmd" {
					return fmt.Errorf("-cmd needs a label and a command")
				}
				end := slices.Index(rest[1:], "-cmd")
				if end < 0 {
					end = len(rest)
				} else {
					end++
				}
				c := &command{label: rest[1], argv: rest[2:end]}
				if m == modeFrame && strings.HasPrefix(c.label, "tui") {
					c.tui = true
				}
				cmds = append(cmds, c)
				rest = rest[end:]
			}
			break
		}
	}
	fs := flag.NewFlagSet("bench-startup", flag.ContinueOnError)
	runs := fs.Int("runs", 10, "runs per command")
	warmup := fs.Int("warmup", 1, "unmeasured runs per command first")
	var expect multi
	fs.Var(&expect, "expect", "text every run's output must hold (repeatable)")
	var screen multi
	fs.Var(&screen, "screen", "frame: text the first screen must hold (repeatable)")
	tsv := fs.String("tsv", "", "also write label, median wall, CPU and own CPU (ms) to this file")
	size := fs.String("size", "120x40", "frame: the terminal's size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(cmds) == 0 {
		return fmt.Errorf("no -cmd given")
	}
	tmp, err := os.MkdirTemp("", "bench-startup.")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	f := &framer{tmp: tmp, self: self, size: *size, socket: fmt.Sprintf("bench-startup-%d", os.Getpid())}
	if m == modeFrame {
		defer f.killServer()
	}
	for round := -*warmup; round < *runs; round++ {
		for k := range cmds {
			// rotate the order each round
			c := cmds[(k+max(round, 0))%len(cmds)]
			var wall, cpu, own time.Duration
			var err error
			switch {
			case m == modeInit:
				wall, cpu, err = initTrace(c.argv)
			case c.tui:
				wall, cpu, err = f.firstFrame(c.argv, screen)
				own = -1
			default:
				wall, cpu, own, err = runOnce(c.argv, expect, filepath.Join(tmp, "cpu"))
			}
			if err != nil {
				return fmt.Errorf("%s: %w", c.label, err)
			}
			if round < 0 {
				continue
			}
			c.wall = append(c.wall, wall)
			c.cpu = append(c.cpu, cpu)
			if own >= 0 {
				c.self = append(c.self, own)
			}
		}
	}
	var out strings.Builder
	if m == modeInit {
		// wall holds the init time, cpu the bytes (as a Duration)
		fmt.Fprintf(&out, "%-22s %10s %12s %5s\n", "command", "init ms", "init KiB", "runs")
		var rows strings.Builder
		for _, c := range cmds {
			w, kib := ms(median(c.wall)), fmt.Sprintf("%.0f", float64(median(c.cpu))/1024)
			fmt.Fprintf(&out, "%-22s %10s %12s %5d\n", c.label, w, kib, len(c.wall))
			fmt.Fprintf(&rows, "%s\t%s\t%s\n", c.label, w, kib)
		}
		fmt.Print(out.String())
		if *tsv != "" {
			return os.WriteFile(*tsv, []byte(rows.String()), 0o644)
		}
		return nil
	}
	fmt.Fprintf(&out, "%-22s %10s %10s %12s %5s\n", "command", "wall ms", "cpu ms", "own cpu ms", "runs")
	var rows strings.Builder
	for _, c := range cmds {
		w, cp, s := ms(median(c.wall)), ms(median(c.cpu)), "n/a"
		if c.tui && median(c.cpu) <= 0 {
			cp = "n/a" // no /proc
		}
		if len(c.self) == len(c.wall) {
			s = ms(median(c.self))
		}
		fmt.Fprintf(&out, "%-22s %10s %10s %12s %5d\n", c.label, w, cp, s, len(c.wall))
		fmt.Fprintf(&rows, "%s\t%s\t%s\t%s\n", c.label, w, cp, s)
	}
	fmt.Print(out.String())
	if *tsv != "" {
		return os.WriteFile(*tsv, []byte(rows.String()), 0o644)
	}
	return nil
}

// runOnce runs argv and returns its wall time, the CPU time of the process
// and of everything it waited for, and its own CPU time when a server
// wrapped in cpu-of reported (else -1).
func runOnce(argv, expect []string, cpuFile string) (wall, cpu, own time.Duration, err error) {
	os.Remove(cpuFile)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "BENCH_CPU_FILE="+cpuFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%v\nstdout: %.300s\nstderr: %.300s", err, stdout.String(), stderr.String())
	}
	for _, e := range expect {
		if !strings.Contains(stdout.String(), e) {
			return 0, 0, 0, fmt.Errorf("output does not hold %q\nstdout: %.300s\nstderr: %.300s", e, stdout.String(), stderr.String())
		}
	}
	cpu = rusageCPU(cmd.ProcessState.SysUsage())
	own = -1
	if b, err := os.ReadFile(cpuFile); err == nil {
		if ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			own = cpu - time.Duration(ns)
		}
	}
	return wall, cpu, own, nil
}

// initTrace runs argv with GODEBUG=inittrace=1 and sums what it reports:
// the clock time of every package's init, and the bytes they allocated
// (returned as a Duration, to share the bookkeeping).
func initTrace(argv []string) (clock, bytesAlloc time.Duration, err error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run() // the status does not matter: init ran before anything failed
	n := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		// init net/http @6.8 ms, 0.038 ms clock, 4712 bytes, 49 allocs
		f := strings.Fields(line)
		if len(f) != 11 || f[0] != "init" || f[6] != "clock," || f[8] != "bytes," {
			continue
		}
		c, err1 := strconv.ParseFloat(f[4], 64)
		b, err2 := strconv.ParseInt(f[7], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		clock += time.Duration(c * float64(time.Millisecond))
		bytesAlloc += time.Duration(b)
		n++
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no inittrace lines from %v:\n%.500s", argv, stderr.String())
	}
	return clock, bytesAlloc, nil
}

func rusageCPU(u any) time.Duration {
	ru, ok := u.(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOf runs argv and writes the CPU time it and this wrapper used (in
// nanoseconds) to $BENCH_CPU_FILE. A signal a client sends to stop its
// server is passed on to the child, and the wrapper waits for it.
func cpuOf(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return fmt.Errorf("cpu-of: no command")
	}
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	runErr := cmd.Wait()
	var self syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	total := rusageCPU(&self)
	if cmd.ProcessState != nil {
		total += rusageCPU(cmd.ProcessState.SysUsage())
	}
	if f := os.Getenv("BENCH_CPU_FILE"); f != "" {
		os.WriteFile(f, []byte(strconv.FormatInt(int64(total), 10)), 0o644)
	}
	var ee *exec.ExitError
	if errors.As(runErr, &ee) {
		os.Exit(ee.ExitCode())
	}
	return runErr
}

// stamp writes the time to FILE and executes argv in its place: the
// start of a process inside tmux, to the microsecond.
func stamp(args []string) error {
	if len(args) < 3 || args[1] != "--" {
		return fmt.Errorf("usage: stamp FILE -- ARGV")
	}
	if err := os.WriteFile(args[0], []byte(strconv.FormatInt(time.Now().UnixNano(), 10)), 0o644); err != nil {
		return err
	}
	path, err := exec.LookPath(args[2])
	if err != nil {
		return err
	}
	return syscall.Exec(path, args[2:], os.Environ())
}

// framer runs terminal programs in a private tmux server.
type framer struct {
	tmp, self, size, socket string
	n                       int
	ctl                     *control // polls the screens (started with the server)
}

// control is a tmux control-mode client (tmux -C): commands go to its
// stdin one a line, and each one's output comes back between a %begin
// and an %end (or %error) line; other lines starting with % are
// notifications.
type control struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	n   int
}

func (f *framer) startControl() error {
	cmd := exec.Command("tmux", "-L", f.socket, "-C", "attach", "-t", "keep")
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	f.ctl = &control{cmd: cmd, in: in, out: bufio.NewReader(out)}
	// The attach answers with a block of its own: skip blocks until the
	// answer to a marker, so that each later answer is the last command's.
	f.ctl.n++
	marker := fmt.Sprintf("bench-startup-sync-%d", f.ctl.n)
	if _, err := fmt.Fprintf(in, "display-message -p %s\n", marker); err != nil {
		return err
	}
	for {
		b, err := f.ctl.block()
		if err != nil {
			return fmt.Errorf("tmux control mode: %w", err)
		}
		if bytes.Contains(b, []byte(marker)) {
			return nil
		}
	}
}

// block reads the output of this client's next command. Blocks whose
// %begin line ends in flags 0 are not this client's commands' (the attach
// answers with one of its own, sometimes after the first command's): they
// are skipped, or every later answer would be the command before's.
func (c *control) block() ([]byte, error) {
	var buf bytes.Buffer
	in := false
	for {
		line, err := c.out.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		switch {
		case !in && bytes.HasPrefix(line, []byte("%begin ")):
			if f := bytes.Fields(line); len(f) == 4 && string(f[3]) == "0" {
				if err := c.skipBlock(); err != nil {
					return nil, err
				}
				continue
			}
			in = true
		case in && bytes.HasPrefix(line, []byte("%end ")):
			return buf.Bytes(), nil
		case in && bytes.HasPrefix(line, []byte("%error ")):
			return nil, fmt.Errorf("tmux: %s", bytes.TrimSpace(buf.Bytes()))
		case in:
			buf.Write(line)
		}
	}
}

// skipBlock reads up to the end of a block not this client's.
func (c *control) skipBlock() error {
	for {
		line, err := c.out.ReadBytes('\n')
		if err != nil {
			return err
		}
		if bytes.HasPrefix(line, []byte("%end ")) || bytes.HasPrefix(line, []byte("%error ")) {
			return nil
		}
	}
}

// capture returns a pane's screen.
func (f *framer) capture(target string) ([]byte, error) {
	if _, err := fmt.Fprintf(f.ctl.in, "capture-pane -p -t %s\n", target); err != nil {
		return nil, err
	}
	return f.ctl.block()
}

func (f *framer) tmux(args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("tmux", append([]string{"-L", f.socket}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && stderr.Len() > 0 {
		err = fmt.Errorf("%w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, err
}

func (f *framer) killServer() {
	if f.ctl != nil {
		f.ctl.in.Close()
	}
	f.tmux("kill-server")
	if f.ctl != nil {
		f.ctl.cmd.Wait()
	}
}

// pollEvery is the pause between two looks at a screen: a first frame
// is seen at most this much (plus one capture) late.
const pollEvery = 2 * time.Millisecond

// firstFrame starts argv in a new tmux session and polls its screen until
// it holds every expected text; it returns the time from the process's
// start (stamped just before exec) to that screen, and the CPU time the
// process had used by then (Linux; 0 elsewhere): on a loaded machine the
// wall time is mostly waiting for a core, the CPU time is not.
func (f *framer) firstFrame(argv, expect []string) (wall, cpu time.Duration, err error) {
	if f.n == 0 {
		// A session that stays: the server would exit with its last one,
		// racing the next new-session.
		if _, err := f.tmux("new-session", "-d", "-s", "keep", "-x", "80", "-y", "24", "sleep", "86400"); err != nil {
			return 0, 0, fmt.Errorf("tmux: %w", err)
		}
		if err := f.startControl(); err != nil {
			return 0, 0, err
		}
	}
	f.n++
	session := fmt.Sprintf("s%d", f.n)
	stampFile := filepath.Join(f.tmp, session+".start")
	w, h, _ := strings.Cut(f.size, "x")
	line := []string{"new-session", "-d", "-s", session, "-x", w, "-y", h, "--", f.self, "stamp", stampFile, "--"}
	if _, err := f.tmux(append(line, argv...)...); err != nil {
		return 0, 0, fmt.Errorf("tmux new-session: %w", err)
	}
	defer f.tmux("kill-session", "-t", session)
	pid := 0
	if _, err := fmt.Fprintf(f.ctl.in, "display-message -p -t %s '#{pane_pid}'\n", session); err == nil {
		if b, err := f.ctl.block(); err == nil {
			pid, _ = strconv.Atoi(string(bytes.TrimSpace(b)))
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	var screen []byte
	for time.Now().Before(deadline) {
		out, err := f.capture(session)
		seen := time.Now()
		if err == nil {
			screen = out
			if holdsAll(out, expect) {
				cpu := processCPU(pid)
				b, err := os.ReadFile(stampFile)
				if err != nil {
					return 0, 0, fmt.Errorf("no start stamp: %w", err)
				}
				ns, err := strconv.ParseInt(string(b), 10, 64)
				if err != nil {
					return 0, 0, err
				}
				return seen.Sub(time.Unix(0, ns)), cpu, nil
			}
		}
		time.Sleep(pollEvery) // the CPU is the measured program's
	}
	return 0, 0, fmt.Errorf("no screen holding %q within 30 s; last screen:\n%s", expect, screen)
}

// processCPU is the CPU time a running process has used: the sum over its
// threads of /proc/PID/task/TID/schedstat's first field (nanoseconds on a
// CPU). 0 without /proc.
func processCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f, _, _ := strings.Cut(string(b), " ")
		ns, _ := strconv.ParseInt(f, 10, 64)
		sum += time.Duration(ns)
	}
	return sum
}

func holdsAll(screen []byte, expect []string) bool {
	for _, e := range expect {
		if !bytes.Contains(screen, []byte(e)) {
			return false
		}
	}
	return true
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
