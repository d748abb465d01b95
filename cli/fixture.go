package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/fixture"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/termsafe"
)

// Recordings as fixtures: sonde mock, sonde rerun, sonde diff.

// openIndex opens and indexes the recording FILE names, telling on stderr
// what was wrong with it.
func openIndex(ctx context.Context, env Env, name string, maxMessage int) (*fixture.Index, *store.Reader, error) {
	path, err := resolveRecording(name)
	if err != nil {
		return nil, nil, err
	}
	r, err := store.Open(path)
	if err != nil {
		return nil, nil, err
	}
	// Reading a recording of a million events makes a lot of short-lived
	// garbage around an index of a few MiB: a tighter GC target while it
	// runs keeps the peak near the index's size (the process's peak RSS
	// is what a big recording costs; measured by scripts/bench-fixtures.sh).
	old := debug.SetGCPercent(50)
	ix, err := fixture.NewIndex(ctx, r, maxMessage)
	debug.SetGCPercent(old)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	for _, w := range ix.Warnings() {
		fmt.Fprintf(env.Stderr, "sonde: %s: %s\n", termsafe.Line(path), termsafe.Line(w))
	}
	return ix, r, nil
}

// recordedServer describes the recorded server in one line.
func recordedServer(ix *fixture.Index) string {
	h := ix.Header()
	s := h.Server
	if s == "" {
		s = h.Target
	}
	if h.Protocol != "" {
		s += ", " + h.Protocol
	}
	return s
}

// ---- sonde mock ----

func runMock(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(command) > 0 {
		return usagef("mock serves a recording; it runs no server command")
	}
	if len(pos) != 1 {
		return usagef("mock: give one recording FILE (see sonde sessions)")
	}
	if o.stdio && isSet(o, "listen") {
		return usagef("mock: --listen and --stdio contradict each other")
	}
	match, err := fixture.ParseMatch(o.match)
	if err != nil {
		return usagef("%v", err)
	}
	ix, r, err := openIndex(ctx, env, pos[0], int(o.maxMessage))
	if err != nil {
		return err
	}
	defer r.Close()
	stderr := &syncWriter{w: env.Stderr}
	printer := &eventPrinter{w: stderr}
	transport := mcp.TransportHTTP
	if o.stdio {
		transport = mcp.TransportStdio
	}
	cfg := mcp.Config{Command: []string{"sonde mock " + r.Path()}, Transport: transport}
	rec, err := startRecording(o, &cfg, env, false)
	if err != nil {
		return err
	}
	defer rec.close(env)
	m := fixture.NewMock(ix, fixture.MockOptions{
		Match: match, Speed: float64(o.speed), Clean: o.clean, MaxMessage: int(o.maxMessage), Source: r.Path(),
		OnEvent: rec.tee(printer.print),
	})
	defer m.Close()
	what := fmt.Sprintf("mock of %s (%d requests; recorded server %s)", r.Path(), ix.Requests(), recordedServer(ix))
	if o.stdio {
		fmt.Fprintf(stderr, "sonde: %s on stdio\n", termsafe.Line(what))
		err = m.ServeStdio(ctx, env.Stdin, env.Stdout)
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		return errors.Join(err, rec.close(env))
	}
	l, err := m.Listen(o.listen)
	if err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	fmt.Fprintln(env.Stdout, l.URL()) // for scripts: the one line on stdout
	fmt.Fprintf(stderr, "sonde: %s at %s (Streamable HTTP) and %s (legacy HTTP+SSE)\n",
		termsafe.Line(what), termsafe.Line(l.URL()), termsafe.Line(l.SSEURL()))
	select {
	case err = <-l.Done():
	case <-ctx.Done():
		l.Close()
	}
	return errors.Join(err, rec.close(env))
}

// isSet reports a flag given on the command line.
func isSet(o *options, name string) bool {
	for _, n := range o.set {
		if n == name {
			return true
		}
	}
	return false
}

// differsError reports that sonde rerun or sonde diff found a difference
// (exit 6); the report said what.
type differsError struct{ what string }

func (e differsError) Error() string { return e.what }

// colourOut reports whether w is a terminal that wants colour.
func colourOut(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f) && os.Getenv("NO_COLOR") == ""
}

// ---- sonde rerun ----

func runRerun(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(pos) == 0 {
		return usagef("rerun: give a recording FILE and a TARGET (a URL, or a stdio server after --)")
	}
	var extra []fixture.Path
	for _, s := range o.ignore {
		p, err := fixture.ParsePath(s)
		if err != nil {
			return usagef("--ignore: %v", err)
		}
		extra = append(extra, p)
	}
	cfg, rest, err := o.session(pos[1:], command)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("rerun: unexpected argument %q", rest[0])
	}
	ix, r, err := openIndex(ctx, env, pos[0], int(o.maxMessage))
	if err != nil {
		return err
	}
	defer r.Close()
	// The report is written as it is made: a rerun of a million requests
	// holds none of them.
	var out fixture.ReportWriter
	if o.json {
		out = fixture.NewJSONWriter(termsafe.NewJSONWriter(env.Stdout))
	} else {
		out = fixture.NewTextWriter(env.Stdout, colourOut(env.Stdout))
	}
	rr := fixture.NewRerun(ix, fixture.RerunOptions{Rules: fixture.DefaultRules(extra...), Writer: out})
	rr.Configure(&cfg) // the recorded client (--protocol still pins a revision)
	stderr := &syncWriter{w: env.Stderr}
	if o.verbose {
		cfg.OnEvent = (&eventPrinter{w: stderr}).print
	}
	cfg.OnEvent = (&recoveryReporter{stderr: stderr, verbose: o.verbose, next: cfg.OnEvent}).see
	rec, err := startRecording(o, &cfg, env, false)
	if err != nil {
		return err
	}
	defer rec.close(env)
	cfg.OnEvent = rec.tee(cfg.OnEvent)
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		return &connectFailure{err}
	}
	rep, err := rr.Run(ctx, s, r.Path(), cfg.Target())
	s.Close()
	if err = errors.Join(err, rec.close(env)); err != nil {
		return err
	}
	if rep.Differs() {
		c := rep.Counts
		what := fmt.Sprintf("%d of %d answers differ from the recording (%d changed, %d missing, %d extra)",
			c.Changed+c.Missing+c.Extra, c.Same+c.Changed+c.Missing+c.Extra, c.Changed, c.Missing, c.Extra)
		if rep.Handshake.Status == fixture.Different {
			what += "; the handshake changed"
		}
		return differsError{what}
	}
	return nil
}

// ---- sonde diff ----

// diffSource is one side of sonde diff: a recording, or a live server.
type diffSource struct {
	recording string     // a path, or a name from sonde sessions
	live      bool       // cfg says which server
	cfg       mcp.Config // for a live server
}

func runDiff(ctx context.Context, o *options, pos, command []string, env Env) error {
	if o.json && o.markdown {
		return usagef("diff: --json and --markdown contradict each other")
	}
	sources, err := diffSources(o, pos, command)
	if err != nil {
		return err
	}
	stderr := &syncWriter{w: env.Stderr}
	var snaps [2]*fixture.Snapshot
	for i, src := range sources {
		if snaps[i], err = snapshot(ctx, o, src, env, stderr); err != nil {
			return err
		}
	}
	d := fixture.Compare(snaps[0], snaps[1])
	switch {
	case o.json:
		err = writeJSON(env.Stdout, d)
	case o.markdown:
		err = d.WriteMarkdown(env.Stdout)
	default:
		err = d.WriteText(env.Stdout, colourOut(env.Stdout))
	}
	if err != nil {
		return err
	}
	if !d.Same() {
		return differsError{fmt.Sprintf("the servers differ: %d differences, %d breaking", len(d.Findings), d.Breaking)}
	}
	return nil
}

// diffSources reads A and B: two positionals, or one and a stdio server
// after -- (or --server NAME) as B. A positional is a URL or a recording.
func diffSources(o *options, pos, command []string) ([2]diffSource, error) {
	var out [2]diffSource
	const usage = "diff: give A and B: recordings, URLs, or a stdio server after -- as B (sonde diff old.jsonl -- node server.js)"
	want := 2
	if len(command) > 0 || o.serverName != "" {
		want = 1
	}
	if len(command) > 0 && o.serverName != "" {
		return out, usagef("diff: give either --server NAME or a command after --, not both")
	}
	if len(pos) != want {
		return out, usagef("%s", usage)
	}
	for i, p := range pos {
		if isURL(p) {
			cfg, err := o.config(p, nil)
			if err != nil {
				return out, err
			}
			out[i] = diffSource{live: true, cfg: cfg}
			continue
		}
		out[i] = diffSource{recording: p}
	}
	if want == 1 {
		cfg, _, err := o.session(nil, command)
		if err != nil {
			return out, err
		}
		out[1] = diffSource{live: true, cfg: cfg}
	}
	return out, nil
}

// snapshot reads what one side offers.
func snapshot(ctx context.Context, o *options, src diffSource, env Env, stderr io.Writer) (*fixture.Snapshot, error) {
	if !src.live {
		path, err := resolveRecording(src.recording)
		if err != nil {
			if u, ok := config.SuggestURL(src.recording); ok {
				return nil, usagef("%v; or did you mean %s?", err, u)
			}
			return nil, err
		}
		r, err := store.Open(path)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		s, err := fixture.SnapshotOf(r)
		if err == nil {
			reportSkipped(env, r)
		}
		return s, err
	}
	cfg := src.cfg
	if o.verbose {
		cfg.OnEvent = (&eventPrinter{w: stderr}).print
	}
	cfg.OnEvent = (&recoveryReporter{stderr: stderr, verbose: o.verbose, next: cfg.OnEvent}).see
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		return nil, &connectFailure{err}
	}
	defer s.Close()
	return fixture.SnapshotLive(ctx, s, cfg.Target())
}
