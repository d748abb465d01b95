package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui"
)

// sonde doctor: the connection to a server, checked and explained.

// doctorFailed makes sonde doctor exit 1 when a check failed; the report
// said why, so there is nothing more to print.
type doctorFailed struct{}

func (doctorFailed) Error() string { return "" }

func runDoctor(ctx context.Context, o *options, pos, command []string, env Env) error {
	cfg, rest, err := o.session(pos, command)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("doctor: unexpected argument %q", rest[0])
	}
	opts := doctor.Options{Config: cfg, Observe: o.observe}
	if isSet(o, "keepalive") && o.keepalive > 0 {
		opts.ClientKeepalive = o.keepalive
	}
	if o.verbose {
		printer := &eventPrinter{w: &syncWriter{w: env.Stderr}}
		opts.OnEvent = printer.print
	}
	var r *doctor.Report
	switch {
	case !o.json && !o.headless && !o.verbose && doctorOnTerminal(env):
		// The checklist, live; once it is closed, the report stays on
		// the terminal as text.
		var err error
		r, err = runDoctorUI(ctx, opts, o.theme)
		if err != nil {
			return err
		}
		if r == nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return errors.New("doctor: closed before the checks ended")
		}
		fmt.Fprintf(env.Stdout, "sonde doctor %s\n", termsafe.Line(cfg.Target()))
		for _, c := range r.Checks {
			writeCheck(env.Stdout, c)
		}
		writeDiagnosis(env.Stdout, r)
	case o.json:
		r = doctor.Run(ctx, opts)
		out := termsafe.NewJSONWriter(env.Stdout)
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "%s\n", b); err != nil {
			return err
		}
	default:
		w := env.Stdout
		fmt.Fprintf(w, "sonde doctor %s\n", termsafe.Line(mcp.RedactURL(cfg.Target())))
		opts.OnCheck = func(c doctor.Check) { writeCheck(w, c) }
		opts.OnNote = func(s string) { fmt.Fprintf(w, "  %-5s %s\n", "…", termsafe.Line(s)) }
		r = doctor.Run(ctx, opts)
		writeDiagnosis(w, r)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r.Failed() {
		return doctorFailed{}
	}
	return nil
}

// doctorOnTerminal reports whether sonde doctor talks to a person: its
// stdin and stdout are a terminal (tests replace it).
var doctorOnTerminal = func(env Env) bool { return env.StdinIsTerminal && isTerminal(os.Stdout) }

// runDoctorUI shows the checklist (a variable: tests give it a terminal
// of their own).
var runDoctorUI = func(ctx context.Context, o doctor.Options, theme string) (*doctor.Report, error) {
	return ui.RunDoctor(ctx, o, theme)
}

// writeCheck prints one check: its status, its name, what it found.
func writeCheck(w io.Writer, c doctor.Check) {
	fmt.Fprintf(w, "  %-5s %-20s %s\n", c.Status, termsafe.Line(c.Name), termsafe.Line(c.Detail))
}

// writeDiagnosis prints the transport and the findings.
func writeDiagnosis(w io.Writer, r *doctor.Report) {
	if r.Transport != "" {
		fmt.Fprintf(w, "\ntransport: %s, %s era\n", mcp.TransportKind(r.Transport).Long(), r.Era)
	}
	if len(r.Diagnosis) == 0 {
		if r.Failed() {
			fmt.Fprintln(w, "\ndiagnosis: no known failure recognised; the failed checks above say what went wrong")
		} else {
			fmt.Fprintln(w, "\ndiagnosis: nothing known to go wrong with this server")
		}
		return
	}
	fmt.Fprintln(w, "\ndiagnosis:")
	for i, f := range r.Diagnosis {
		fmt.Fprintf(w, "%2d. %s\n", i+1, wrap("["+f.ID+"] "+termsafe.Line(f.Text), 76, "    "))
	}
}

// wrap breaks s into lines of at most width, the later ones indented.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		if i > 0 && n+1+len(word) > width {
			b.WriteString("\n" + indent)
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}
