package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/tap"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui"
)

// sonde tap: another client's session, shown and recorded.

func runTap(ctx context.Context, o *options, pos, command []string, env Env) error {
	if o.wrap != "" {
		return runWrap(o, pos, command, env)
	}
	if o.write {
		return usagef("tap: --write goes with --wrap FILE --server NAME")
	}
	if len(pos) > 0 {
		return usagef("tap: unexpected argument %q (the server is --upstream URL, or a stdio command after --)", pos[0])
	}
	if (o.upstream == "") == (len(command) == 0) {
		return usagef("tap: give --upstream URL (an HTTP server; clients connect to --listen) or a stdio server after -- (sonde tap -- node server.js)")
	}
	set, err := o.tapFaults(len(command) > 0)
	if err != nil {
		return err
	}
	var rules []mcp.KeepaliveRule
	for _, r := range o.keepaliveMatch {
		kr, err := mcp.ParseKeepaliveRule(r)
		if err != nil {
			return usagef("--keepalive-match: %v", err)
		}
		rules = append(rules, kr)
	}
	if len(command) > 0 {
		if isSet(o, "listen") {
			return usagef("tap: --listen is for an HTTP tap (--upstream URL); a stdio tap speaks on its own stdin and stdout")
		}
		// stdout is the client's channel: log lines, if asked for, go to stderr.
		sinks, err := newTapSinks(o, env.Stderr, env.Stderr, command)
		if err != nil {
			return err
		}
		defer sinks.wait()
		err = tap.ServeStdio(ctx, tap.StdioOptions{Command: command, Env: o.env, Faults: set, MaxMessage: int(o.maxMessage),
			KeepaliveMatch: rules, Stderr: env.Stderr, OnSession: sinks.session}, env.Stdin, env.Stdout)
		var xe *mcp.ExitError
		if errors.As(err, &xe) {
			sinks.wait()
			return &tapExit{xe}
		}
		return err
	}
	if !isURL(o.upstream) {
		return usagef("tap: --upstream %q is not an http(s) URL", mcp.RedactURL(o.upstream))
	}
	withUI := !o.headless && tapOnTerminal(env)
	if !o.headless && !withUI {
		fmt.Fprintln(env.Stderr, "sonde: tap: no terminal for the UI; printing the log (--headless)")
		o.headless = true
	}
	stderr := env.Stderr
	var held bytes.Buffer
	if withUI {
		// the screen is the UI's while it runs: the sessions' notes
		// (recorded in FILE) are printed when it ends
		stderr = &held
	}
	sinks, err := newTapSinks(o, env.Stdout, stderr, nil)
	if err != nil {
		return err
	}
	p, err := tap.New(tap.Options{Upstream: o.upstream, Faults: set, SecretHeaders: o.secret, MaxMessage: int(o.maxMessage),
		KeepaliveMatch: rules, Insecure: o.insecure, OnSession: sinks.session})
	if err != nil {
		return usagef("%v", err)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("tap: %w", err)
	}
	up, _ := url.Parse(o.upstream)
	at := "http://" + ln.Addr().String() + up.RequestURI()
	fmt.Fprintln(env.Stdout, at) // for scripts: the first line on stdout
	fmt.Fprintf(env.Stderr, "sonde: tapping %s at %s: point the client there\n", termsafe.Line(mcp.RedactURL(o.upstream)), termsafe.Line(mcp.RedactURL(at)))
	var tui *ui.Tap
	if withUI {
		opts := ui.Options{Theme: o.theme}
		if set != nil {
			opts.Config.Faults = set
		}
		tui = ui.NewTap(ctx, opts, mcp.RedactURL(at))
		sinks.tui = tui
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if tui != nil {
		err = runTapUI(tui)
	} else {
		select {
		case err = <-done:
		case <-ctx.Done():
			err = nil
		}
	}
	// Open streams end with the server: their sessions end and their
	// recordings close.
	srv.Close()
	p.Close()
	set.Close()
	sinks.wait()
	if withUI {
		env.Stderr.Write(held.Bytes())
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// runTapUI runs the tap's UI until the user quits; a variable so tests
// can give it a terminal of their own.
var runTapUI = (*ui.Tap).Run

// tapOnTerminal reports whether the UI can have the terminal: stdin and
// stdout are one. A variable so tests can say yes.
var tapOnTerminal = func(env Env) bool {
	f, ok := env.Stdout.(*os.File)
	return ok && env.StdinIsTerminal && isTerminal(f)
}

// tapExit makes sonde tap exit with its stdio server's status.
type tapExit struct{ e *mcp.ExitError }

func (t *tapExit) Error() string { return t.e.Error() }

// tapFaults parses --fault for the tap (over stdio, only the faults on
// messages).
func (o *options) tapFaults(stdio bool) (*fault.Set, error) {
	if len(o.faults) == 0 {
		return nil, nil
	}
	return o.faultSet(stdio)
}

// tapSinks turn each tapped session into log lines (--headless) and a
// recording (always, unless --no-record).
type tapSinks struct {
	o      *options
	out    *syncWriter // log lines
	stderr *syncWriter
	target string
	multi  bool    // log lines carry their session's number
	tui    *ui.Tap // the UI, which shows each session (nil: none)
	wg     sync.WaitGroup
}

func newTapSinks(o *options, out, stderr io.Writer, command []string) (*tapSinks, error) {
	if o.record != "" && o.noRecord {
		return nil, usagef("--record and --no-record contradict each other")
	}
	if o.record != "" {
		if fi, err := os.Stat(o.record); err == nil && fi.IsDir() {
			return nil, usagef("--record %s is a directory; give a file", o.record)
		}
	}
	t := &tapSinks{o: o, out: &syncWriter{w: out}, stderr: &syncWriter{w: stderr}, multi: len(command) == 0}
	if len(command) > 0 {
		t.target = (&mcp.Config{Command: command}).Target()
	} else {
		t.target = mcp.RedactURL(o.upstream)
	}
	return t, nil
}

// wait waits for every session's recording to be closed.
func (t *tapSinks) wait() { t.wg.Wait() }

// session is the tap's OnSession.
func (t *tapSinks) session(info tap.SessionInfo) tap.Sink {
	rec, _ := t.recorder(info)
	prefix := ""
	if t.multi {
		prefix = fmt.Sprintf("[%d] ", info.N)
	}
	if t.o.headless {
		fmt.Fprintf(t.stderr, "sonde: session %d began: %s\n", info.N, termsafe.Line(info.Client))
	}
	t.wg.Add(1)
	if t.tui != nil {
		// the UI's feed takes every event at once and hands it to the
		// recorder (its tee)
		var tee func(mcp.Event)
		if rec != nil {
			tee = rec.Record
		}
		push, end := t.tui.Session(info.N, info.Client, tee)
		return tap.Sink{
			OnEvent: push,
			OnSecrets: func(values []string) {
				if rec != nil {
					rec.AddSecrets(values...)
				}
			},
			OnEnd: func() {
				end()
				t.closeRecording(info, rec)
			},
		}
	}
	return tap.Sink{
		OnEvent: func(e mcp.Event) {
			if t.o.headless {
				fmt.Fprintln(t.out, prefix+FormatEvent(e))
			}
			if rec != nil {
				rec.Record(e)
			}
		},
		OnSecrets: func(values []string) {
			if rec != nil {
				rec.AddSecrets(values...)
			}
		},
		OnEnd: func() { t.closeRecording(info, rec) },
	}
}

// closeRecording closes a session's recording and says where it is.
func (t *tapSinks) closeRecording(info tap.SessionInfo, rec *store.Recorder) {
	defer t.wg.Done()
	if rec == nil {
		return
	}
	err := rec.Close()
	files := rec.Stats().Files
	switch {
	case err != nil:
		fmt.Fprintf(t.stderr, "sonde: session %d: recording: %s\n", info.N, termsafe.Line(err.Error()))
	case len(files) > 0:
		fmt.Fprintf(t.stderr, "sonde: session %d recorded in %s\n", info.N, termsafe.Line(strings.Join(files, ", ")))
	}
}

// recorder opens the recording of session n: --record FILE for the
// first, FILE-2, FILE-3 ... for the next ones; else a new file in the
// sessions directory.
func (t *tapSinks) recorder(info tap.SessionInfo) (*store.Recorder, string) {
	if t.o.noRecord {
		return nil, ""
	}
	opts := store.RecorderOptions{Header: store.Header{Target: info.Target, Transport: info.Transport},
		Secrets: (&mcp.Config{URL: t.o.upstream}).Secrets(), SecretHeaders: t.o.secret}
	if t.o.record != "" {
		opts.Path = numbered(t.o.record, info.N)
	} else {
		dir, err := config.SessionsDir()
		if err != nil {
			fmt.Fprintf(t.stderr, "sonde: not recording session %d: %s\n", info.N, termsafe.Line(err.Error()))
			return nil, ""
		}
		opts.Dir = dir
		opts.Retention = store.Retention{MaxSessions: t.o.keepSessions, MaxBytes: int64(t.o.keepMB) << 20}
	}
	rec, err := store.NewRecorder(opts)
	if err != nil {
		fmt.Fprintf(t.stderr, "sonde: not recording session %d: %s\n", info.N, termsafe.Line(err.Error()))
		return nil, ""
	}
	return rec, opts.Path
}

// numbered is FILE for the first session, FILE-N (before the extension)
// for the Nth.
func numbered(path string, n int) string {
	if n <= 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), n, ext)
}

// runWrap prints (or, with --write, makes) the change to a server file
// that runs its server NAME through sonde tap.
func runWrap(o *options, pos, command []string, env Env) error {
	if o.serverName == "" {
		return usagef("tap: --wrap FILE needs --server NAME")
	}
	if len(pos) > 0 || len(command) > 0 || o.upstream != "" {
		return usagef("tap --wrap FILE --server NAME takes no server of its own: it is in the file")
	}
	data, err := os.ReadFile(o.wrap)
	if err != nil {
		return err
	}
	out, entry, err := config.Wrap(data, o.serverName, sondeProgram(), o.wrapArgs())
	if err != nil {
		return fmt.Errorf("%s: %w", o.wrap, err)
	}
	if !o.write {
		fmt.Fprintf(env.Stdout, "%q: %s\n", o.serverName, termsafe.Text(string(entry)))
		fmt.Fprintf(env.Stderr, "sonde: that is server %q of %s as it would run through sonde tap; --write changes the file (keeping a copy in %s.bak)\n",
			termsafe.Line(o.serverName), termsafe.Line(o.wrap), termsafe.Line(o.wrap))
		return nil
	}
	backup, err := config.WriteWithBackup(o.wrap, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "sonde: %s: server %q now runs through sonde tap (the old file is in %s); restart its client\n",
		termsafe.Line(o.wrap), termsafe.Line(o.serverName), termsafe.Line(backup))
	return nil
}

// sondeProgram is how a client's config names sonde: "sonde" when that is
// the sonde on PATH, else this binary's path.
func sondeProgram() string {
	self, err := os.Executable()
	if err != nil {
		return "sonde"
	}
	if p, err := exec.LookPath("sonde"); err == nil {
		if a, _ := filepath.EvalSymlinks(p); a != "" {
			if b, _ := filepath.EvalSymlinks(self); a == b {
				return "sonde"
			}
		}
	}
	return self
}

// wrapArgs are sonde's arguments in the wrapped command: tap, and the
// tap's own flags given with --wrap.
func (o *options) wrapArgs() []string {
	args := []string{"tap"}
	for _, f := range o.faults {
		args = append(args, "--fault", f)
	}
	if o.record != "" {
		if abs, err := filepath.Abs(o.record); err == nil {
			args = append(args, "--record", abs)
		}
	}
	if o.noRecord {
		args = append(args, "--no-record")
	}
	if o.headless {
		args = append(args, "--headless")
	}
	return args
}
