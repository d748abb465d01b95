package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui"
)

// Recording: the UI records every session into the sessions directory
// unless --no-record; --record FILE records into FILE (the UI and the
// headless commands alike; headless commands record nothing otherwise).
// The recorder never blocks the session; it is closed (flushed, synced,
// trailer written) on every way out, Ctrl-C included.

// recording is the recorder of one run; a nil *recording records nothing.
//
// --record FILE is created (or truncated) only once the session is up (its
// first connected event), after the command line was checked: a command
// that fails, or a server that never answers, leaves FILE as it was. The
// events until then wait in memory (at most pendingLimit bytes) and are
// written first. The sessions directory needs no such care: each session
// gets a new file there.
type recording struct {
	path string // --record FILE, or "" for the sessions directory
	live atomic.Pointer[store.Recorder]

	mu          sync.Mutex
	opts        store.RecorderOptions // FILE's, until it is opened
	pending     []mcp.Event
	pendingSize int64
	lost        int64 // events beyond pendingLimit
	openErr     error
	closed      bool
	err         error
}

// pendingLimit bounds the events kept while --record FILE waits for the
// session (a hostile server may talk a lot before its handshake ends).
const pendingLimit = 16 << 20

// startRecording builds the recorder the flags ask for: for the UI, into
// the sessions directory by default; for headless commands only with
// --record. cfg supplies the target and the secrets to keep out of the
// file. A sessions directory that cannot be used only warns (the UI still
// opens); a --record FILE that is a directory is an error now, one that
// cannot be created an error once the session is up.
func startRecording(o *options, cfg *mcp.Config, env Env, forUI bool) (*recording, error) {
	if o.record != "" && o.noRecord {
		return nil, usagef("--record and --no-record contradict each other")
	}
	if o.noRecord || o.record == "" && !forUI {
		return nil, nil
	}
	target := ""
	if cfg.URL != "" || len(cfg.Command) > 0 {
		target = cfg.Target()
	}
	transport := cfg.Transport
	if transport == "" {
		transport = mcp.TransportAuto
	}
	opts := store.RecorderOptions{
		Header:        store.Header{Target: target, Transport: transport},
		Secrets:       cfg.Secrets(),
		SecretHeaders: cfg.SecretHeaders,
	}
	if o.record != "" {
		if fi, err := os.Stat(o.record); err == nil && fi.IsDir() {
			return nil, usagef("--record %s is a directory; give a file", o.record)
		}
		opts.Path = o.record
		return &recording{path: o.record, opts: opts}, nil
	}
	dir, err := config.SessionsDir()
	if err == nil {
		opts.Dir = dir
		opts.Retention = store.Retention{MaxSessions: o.keepSessions, MaxBytes: int64(o.keepMB) << 20}
		var rec *store.Recorder
		if rec, err = store.NewRecorder(opts); err == nil {
			r := &recording{}
			r.live.Store(rec)
			return r, nil
		}
	}
	fmt.Fprintf(env.Stderr, "sonde: not recording this session: %s\n", termsafe.Line(err.Error()))
	return nil, nil
}

// record records e, or keeps it until FILE is opened (at the first
// connected event).
func (r *recording) record(e mcp.Event) {
	if rec := r.live.Load(); rec != nil {
		rec.Record(e)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.live.Load(); rec != nil { // opened while we waited
		rec.Record(e)
		return
	}
	if r.closed || r.openErr != nil {
		return
	}
	size := e.MemSize()
	if r.pendingSize+size > pendingLimit {
		r.lost++
	} else {
		r.pending = append(r.pending, e)
		r.pendingSize += size
	}
	if e.Kind == mcp.KindState && e.State == mcp.StateConnected {
		r.open()
	}
}

// open creates FILE and writes what waited. r.mu is held.
func (r *recording) open() {
	rec, err := store.NewRecorder(r.opts)
	if err != nil {
		r.openErr = fmt.Errorf("--record: %w", err)
		r.pending = nil
		return
	}
	for i, e := range r.pending {
		if i == 1 && r.lost > 0 { // after the connecting event
			rec.Record(mcp.Event{Time: e.Time, Dir: mcp.DirMeta, Kind: mcp.KindError,
				Err: fmt.Sprintf("recorder: %d events before the session was up were not recorded (more than %d MiB)", r.lost, pendingLimit>>20)})
		}
		rec.Record(e)
	}
	r.pending, r.pendingSize = nil, 0
	r.live.Store(rec)
}

// openError is the error creating FILE, once the session is up.
func (r *recording) openError() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.openErr
}

// onConnect returns a connection hook that calls next (if any) and tells
// the recorder the secrets of the server about to be dialled: one chosen
// in the UI's picker or by --config/--server, which startRecording never
// saw.
func (r *recording) onConnect(next func(mcp.Config)) func(mcp.Config) {
	if r == nil {
		return next
	}
	return func(cfg mcp.Config) {
		if next != nil {
			next(cfg)
		}
		secrets := cfg.Secrets()
		r.mu.Lock()
		defer r.mu.Unlock()
		if rec := r.live.Load(); rec != nil {
			rec.AddSecrets(secrets...)
		} else {
			r.opts.Secrets = append(r.opts.Secrets, secrets...)
		}
	}
}

// learn tells the recorder secrets the session learned while it ran
// (a sign-in's tokens): it scrubs what it writes with them too. A nil
// recording learns nothing.
func (r *recording) learn(values []string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.live.Load(); rec != nil {
		rec.AddSecrets(values...)
	} else {
		r.opts.Secrets = append(r.opts.Secrets, values...)
	}
}

// tee returns an event hook that calls next (if any) and records.
func (r *recording) tee(next func(mcp.Event)) func(mcp.Event) {
	if r == nil {
		return next
	}
	if next == nil {
		return r.record
	}
	return func(e mcp.Event) {
		next(e)
		r.record(e)
	}
}

// close flushes and closes the recording and reports what went wrong:
// an error writing it, or events it could not keep. A FILE never opened
// (the session never came up) is left as it was, and the user told so.
// It is safe to call more than once and on nil.
func (r *recording) close(env Env) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return r.err
	}
	r.closed = true
	rec, openErr, waited := r.live.Load(), r.openErr, len(r.pending) > 0
	r.pending = nil
	r.mu.Unlock()
	if rec == nil {
		switch {
		case openErr != nil:
			r.err = openErr
			fmt.Fprintln(env.Stderr, "sonde: "+termsafe.Line(openErr.Error()))
		case waited:
			fmt.Fprintf(env.Stderr, "sonde: nothing recorded: the session never came up (%s left as it was)\n", termsafe.Line(r.path))
		}
		return r.err
	}
	err := rec.Close()
	st := rec.Stats()
	if err != nil {
		r.err = fmt.Errorf("recording %s: %w", strings.Join(st.Files, ", "), err)
		fmt.Fprintln(env.Stderr, "sonde: "+termsafe.Line(r.err.Error()))
		return r.err
	}
	if st.Dropped > 0 {
		fmt.Fprintf(env.Stderr, "sonde: the recording lacks %d events (the disk fell behind; the gaps are marked in %s)\n",
			st.Dropped, strings.Join(st.Files, ", "))
	}
	return nil
}

// finish closes the recording of a headless command and returns its exit
// code: code, or ExitError when the command succeeded but the recording
// the user asked for failed.
func (r *recording) finish(env Env, code int) int {
	if err := r.close(env); err != nil && code == ExitOK {
		return ExitError
	}
	return code
}

// recordUI runs a UI entry point with the session recorded.
func recordUI(ctx context.Context, o *options, env Env, opts ui.Options, run func(context.Context, ui.Options) error) error {
	rec, err := startRecording(o, &opts.Config, env, true)
	if err != nil {
		return err
	}
	defer rec.close(env) // also when the UI panics; Close is idempotent
	if rec != nil {
		opts.Tee = rec.tee(opts.Tee)
		opts.OnConnect = rec.onConnect(opts.OnConnect)
		opts.Config.OnSecrets = rec.learn
	}
	err = run(ctx, opts)
	if cerr := rec.close(env); err == nil && cerr != nil && rec.path != "" {
		return cerr
	}
	return err
}

// ---- sonde replay ----

// replayUI opens a recording in the terminal UI: the player's events go
// where a live session's would, and the player is the UI's transport
// control (play/pause, speed, step, jumps, seek). A variable so tests can
// stand in for the UI.
var replayUI = func(ctx context.Context, o *options, p *store.Player, r *store.Reader) error {
	return runTUI(ctx, ui.Options{Theme: o.theme, Events: p.Events(), Replay: p, ReplayStart: r.Header().Start})
}

// replayPicker opens the UI's picker of the recordings in dir; the one
// chosen is replayed at speed. A recording mocked from the picker is a
// session like any other: recorded (a replay is not recorded again). A
// variable so tests can stand in for the UI.
var replayPicker = func(ctx context.Context, o *options, env Env, dir string, speed float64) error {
	return recordUI(ctx, o, env, ui.Options{Theme: o.theme, ReplayDir: dir, ReplaySpeed: speed}, runTUI)
}

// resolveRecording finds FILE: a path, or the name of a recording in the
// sessions directory.
func resolveRecording(name string) (string, error) {
	if _, err := os.Stat(name); err == nil || strings.ContainsRune(name, os.PathSeparator) {
		return name, err
	}
	dir, err := config.SessionsDir()
	if err != nil {
		return name, err
	}
	for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+store.Extension)} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return name, fmt.Errorf("no recording %q here or in %s (see sonde sessions)", name, dir)
}

// openRecording resolves and opens FILE from the positionals.
func openRecording(cmd string, pos, command []string) (*store.Reader, error) {
	if len(command) > 0 {
		return nil, usagef("%s takes a recording, not a server command", cmd)
	}
	if len(pos) != 1 {
		return nil, usagef("%s: give one recording FILE (see sonde sessions)", cmd)
	}
	path, err := resolveRecording(pos[0])
	if err != nil {
		return nil, err
	}
	return store.Open(path)
}

// reportSkipped tells how many unreadable lines a reader skipped.
func reportSkipped(env Env, r *store.Reader) {
	if n := r.Skipped(); n > 0 {
		fmt.Fprintf(env.Stderr, "sonde: %s: skipped %d unreadable line(s) (a recording cut by a crash loses at most its last line)\n",
			termsafe.Line(r.Path()), n)
	}
}

func runReplay(ctx context.Context, o *options, pos, command []string, env Env) error {
	if o.print && o.json {
		return usagef("replay: --print and --json contradict each other")
	}
	speed := float64(o.speed)
	if speed == 0 {
		speed = store.Instant
	}
	if len(pos) == 0 && len(command) == 0 && !o.print && !o.json {
		dir, err := config.SessionsDir()
		if err != nil {
			return err
		}
		return replayPicker(ctx, o, env, dir, speed)
	}
	r, err := openRecording("replay", pos, command)
	if err != nil {
		return err
	}
	defer r.Close()
	out := ctxWriter{ctx, env.Stdout} // Ctrl-C stops a long replay or export
	switch {
	case o.print:
		w := bufio.NewWriterSize(out, 64<<10)
		st := session.New() // the state the UI would show, for the closing lines
		// a printed line shows the start of a payload: a 150 MB line is
		// read through, not held
		for e, err := range r.EventsUpTo(1 << 20) {
			if err != nil {
				return err
			}
			st.Apply(e)
			if _, err := w.WriteString(FormatEvent(e) + "\n"); err != nil {
				return err
			}
		}
		for _, f := range st.Summary() {
			if _, err := w.WriteString(termsafe.Line("# "+f.Name+": "+f.Value) + "\n"); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		reportSkipped(env, r)
		return nil
	case o.json:
		if err := store.WriteEvents(out, r); err != nil {
			return err
		}
		reportSkipped(env, r)
		return nil
	}
	p := ui.NewReplayPlayer(r, speed)
	defer p.Close()
	return replayUI(ctx, o, p, r)
}

// ctxWriter fails its writes once ctx is done, which stops a long
// replay or export on Ctrl-C.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// ---- sonde sessions ----

func runSessions(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(pos) > 0 || len(command) > 0 {
		return usagef("sessions takes no arguments")
	}
	dir, err := config.SessionsDir()
	if err != nil {
		return err
	}
	list, err := store.List(dir)
	if err != nil {
		return err
	}
	if o.json {
		if list == nil {
			list = []store.Summary{}
		}
		return writeJSON(env.Stdout, map[string]any{"dir": dir, "sessions": list})
	}
	if len(list) == 0 {
		fmt.Fprintf(env.Stdout, "(no recorded sessions in %s)\n", dir)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tSERVER\tDURATION\tEVENTS\tERRORS\tFILE")
	incomplete := false
	for _, s := range list {
		if s.Unreadable != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t%s\n", s.Start.Local().Format("2006-01-02 15:04:05"),
				"(unreadable)", termsafe.Line(filepath.Base(s.Path)+": "+s.Unreadable))
			continue
		}
		server := s.Server
		if server == "" {
			server = s.Target
		}
		mark := ""
		if !s.Complete {
			mark, incomplete = " *", true
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s%s\n", s.Start.Local().Format("2006-01-02 15:04:05"),
			termsafe.Line(clipText(server, 40)), fmtDuration(s.Duration), s.Events, s.Errors, filepath.Base(s.Path), mark)
	}
	tw.Flush()
	if incomplete {
		fmt.Fprintln(env.Stdout, "* not closed cleanly: cut by a crash, or still being recorded")
	}
	fmt.Fprintf(env.Stdout, "in %s\n", dir)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(termsafe.NewJSONWriter(w))
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func clipText(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// ---- sonde export ----

func runExport(ctx context.Context, o *options, pos, command []string, env Env) error {
	format := strings.ToLower(o.format)
	if format == "" && o.output != "" {
		switch strings.ToLower(filepath.Ext(o.output)) {
		case ".har":
			format = "har"
		case ".md", ".markdown":
			format = "md"
		case ".json":
			format = "json"
		}
	}
	var export func(io.Writer, *store.Reader) error
	switch format {
	case "har":
		export = store.ExportHAR
	case "md", "markdown":
		export = store.ExportMarkdown
	case "json":
		export = store.ExportJSON
	default:
		return usagef("export: give --format har, md or json")
	}
	r, err := openRecording("export", pos, command)
	if err != nil {
		return err
	}
	defer r.Close()
	var out io.Writer = env.Stdout
	var f *os.File
	if o.output != "" && o.output != "-" {
		// Exports hold what the recording holds: private like it.
		if f, err = store.CreatePrivate(o.output); err != nil {
			return err
		}
		out = f
	}
	err = export(ctxWriter{ctx, out}, r)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	reportSkipped(env, r)
	return nil
}
