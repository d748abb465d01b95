// Package doctor checks a connection to an MCP server and explains it:
// the network (DNS, proxy, TCP, TLS), each detection probe sonde sends
// with its answer, the transport and era with the reasons, what the
// server wants for authorization, then a window of observation (the
// keepalives the server sends and how often, whether a silent stream is
// cut and after how long, a ping's round trip, what becomes of the
// session id). It ends with a diagnosis in plain words for every known
// failure it recognised. `sonde doctor TARGET` prints it (--json as
// JSON); the UI shows the same checks as a checklist.
package doctor

import (
	"context"
	"net"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Status is a check's outcome.
type Status string

// Outcomes.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Check is one line of the checklist.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// Finding is one known failure recognised, in plain words, with what to
// do about it.
type Finding struct {
	// ID names the failure for scripts: keepalive-event, idle-cut,
	// auth-not-fallback, session-expires, endpoint-origin,
	// split-endpoint, server-error, exited, dns, refused, tls, unreachable.
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Report is what a run found.
type Report struct {
	Target    string    `json:"target"`
	Transport string    `json:"transport"`
	Era       string    `json:"era"`
	Checks    []Check   `json:"checks"`
	Diagnosis []Finding `json:"diagnosis"`
}

// Failed reports whether a check failed.
func (r *Report) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Resolver looks up host names (net.DefaultResolver; tests give one).
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Options configure [Run].
type Options struct {
	// Config is the target and the connection flags, as for any command.
	// The doctor connects afresh (no era cache) and never signs in.
	Config mcp.Config
	// Observe is the observation window (0 = DefaultObserve).
	Observe time.Duration
	// ClientKeepalive is how often the client the user cares about sends
	// something on a quiet connection (0 = mcp.DefaultKeepalive, sonde's):
	// an idle cut shorter than that costs it its stream.
	ClientKeepalive time.Duration
	// Resolver resolves host names (nil: the system's).
	Resolver Resolver
	// OnCheck receives each check as it is made (a checklist's progress).
	OnCheck func(Check)
	// OnNote receives what the run is doing while no check finishes
	// (the observation window); it is not part of the report.
	OnNote func(string)
	// OnEvent receives the doctor's own session's events (-v, a recording).
	OnEvent func(mcp.Event)
}

// DefaultObserve is the observation window unless told otherwise.
const DefaultObserve = 20 * time.Second

// run is one doctor run.
type run struct {
	o      Options
	r      *Report
	facts  facts
	events mcp.EventLog
}

// Run checks the connection o.Config describes. It returns when the
// checks and the observation window are done or ctx ends.
func Run(ctx context.Context, o Options) *Report {
	if o.Observe <= 0 {
		o.Observe = DefaultObserve
	}
	if o.ClientKeepalive <= 0 {
		o.ClientKeepalive = mcp.DefaultKeepalive
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	x := &run{o: o, r: &Report{Target: o.Config.Target(), Checks: []Check{}, Diagnosis: []Finding{}}}
	if o.Config.URL != "" && x.network(ctx) {
		x.connect(ctx)
	} else if o.Config.URL == "" {
		x.connect(ctx)
	}
	return x.r
}

// add records a check and reports it.
func (x *run) add(name string, st Status, detail string) {
	c := Check{Name: name, Status: st, Detail: detail}
	x.r.Checks = append(x.r.Checks, c)
	if x.o.OnCheck != nil {
		x.o.OnCheck(c)
	}
}

// find adds a finding once.
func (x *run) find(id, text string) {
	for _, f := range x.r.Diagnosis {
		if f.ID == id {
			return
		}
	}
	x.r.Diagnosis = append(x.r.Diagnosis, Finding{ID: id, Text: text})
}
