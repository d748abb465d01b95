// Package fault injects faults on purpose into MCP traffic: streams cut or
// left silent, sessions that expire, answers that come late, twice, out of
// order, truncated or as an HTTP error, and SSE events and comments a
// gateway would add. It wraps sonde's own connections (an
// http.RoundTripper, a stdio server's pipes; `sonde URL --fault SPEC`) and
// the connections sonde tap forwards, so a server author sees how a client
// copes and a client author how sonde recovers. Every fault injected is
// reported as an event of kind fault, so a recording shows what was done
// and what followed.
package fault

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind names a fault.
type Kind string

// The faults.
const (
	// DropStream cuts an SSE stream (by default the GET stream) After its
	// start, as a dropped connection does.
	DropStream Kind = "drop-stream"
	// IdleCut cuts any SSE stream that stays silent After long, as
	// proxies do.
	IdleCut Kind = "idle-cut"
	// ExpireSession answers 404 for a session After its start, and cuts
	// its streams, as a server that forgot it does.
	ExpireSession Kind = "expire-session"
	// Delay holds a request Delay long before it goes on to the server.
	Delay Kind = "delay"
	// Status answers a request with the HTTP status Code instead of
	// sending it on.
	Status Kind = "status"
	// Duplicate sends an answer twice.
	Duplicate Kind = "duplicate"
	// Reorder holds an answer until the next one has gone out, swapping
	// the two (or sends it after Wait when no other comes).
	Reorder Kind = "reorder"
	// InjectEvent sends a named SSE event (Name, with Data) on every open
	// stream Every so often, as gateways do.
	InjectEvent Kind = "inject-event"
	// InjectComment sends an SSE comment (Text) on every open stream
	// Every so often.
	InjectComment Kind = "inject-comment"
	// Corrupt truncates an answer's JSON to half its length.
	Corrupt Kind = "corrupt"
)

// Kinds lists every fault, in the order help shows them.
var Kinds = []Kind{DropStream, IdleCut, ExpireSession, Delay, Status, Duplicate, Reorder, InjectEvent, InjectComment, Corrupt}

// Spec is one fault as the user wrote it: `delay method=tools/call ms=500`.
type Spec struct {
	Kind Kind
	// After is when a stream is cut (drop-stream), how long a stream may
	// stay silent (idle-cut), or how long a session lives (expire-session).
	After time.Duration
	// Every is how often an injection repeats (inject-event, inject-comment).
	Every time.Duration
	// Method limits a fault on messages to requests of this method, and
	// to their answers ("" = any).
	Method string
	// Delay is how long a request is held (delay ms=).
	Delay time.Duration
	// Code is the HTTP status a request is answered with (status).
	Code int
	// Times bounds how often the fault is injected (0 = no bound): so
	// many requests, answers, streams or sessions.
	Times int
	// Stream limits drop-stream to the GET streams (default), the POST
	// response streams, or any.
	Stream string
	// Name is the event name (inject-event; default keepalive).
	Name string
	// Data is the event's data (inject-event) or the comment's text
	// (inject-comment; default keepalive).
	Data string
	// Wait bounds how long reorder holds an answer for another (default 2s).
	Wait time.Duration
}

// keys lists the settings each fault takes; the first ones listed
// without a default must be given.
var keys = map[Kind][]string{
	DropStream:    {"after", "stream", "times"},
	IdleCut:       {"after", "times"},
	ExpireSession: {"after", "times"},
	Delay:         {"method", "ms", "times"},
	Status:        {"method", "code", "times"},
	Duplicate:     {"method", "times"},
	Reorder:       {"method", "wait", "times"},
	InjectEvent:   {"every", "name", "data", "times"},
	InjectComment: {"every", "text", "times"},
	Corrupt:       {"method", "times"},
}

// required are the settings a fault cannot do without.
var required = map[Kind][]string{
	DropStream:    {"after"},
	IdleCut:       {"after"},
	ExpireSession: {"after"},
	Delay:         {"ms"},
	InjectEvent:   {"every"},
	InjectComment: {"every"},
}

// Usage is one line per fault, for help texts.
func Usage() []string {
	return []string{
		"drop-stream after=30s [stream=get|post|any]   cut an SSE stream (the GET stream by default) 30 s after it opened",
		"idle-cut after=60s                            cut any SSE stream silent that long, as proxies do",
		"expire-session after=2m                       answer 404 for a session from 2 min after it began, and cut its streams",
		"delay [method=M] ms=500                       hold each request (of method M) 500 ms before it goes on",
		"status [method=M] code=503                    answer a request with HTTP 503 instead of sending it on",
		"duplicate [method=M]                          send an answer twice",
		"reorder [method=M] [wait=2s]                  hold an answer until the next one has gone out (swap two answers)",
		"inject-event every=5s [name=keepalive] [data=TEXT]   send a named SSE event on every open stream",
		"inject-comment every=5s [text=keepalive]      send an SSE comment on every open stream",
		"corrupt [method=M]                            truncate an answer's JSON to half its length",
		"every fault takes times=N: inject it N times at most",
	}
}

// Parse reads one fault: its name, then settings as KEY=VALUE separated by
// spaces (or commas). Durations are Go durations (500ms, 30s, 2m).
func Parse(s string) (Spec, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	if len(fields) == 0 {
		return Spec{}, fmt.Errorf("empty fault: give one of %s", kindList())
	}
	sp := Spec{Kind: Kind(strings.ToLower(fields[0]))}
	allowed, ok := keys[sp.Kind]
	if !ok {
		return Spec{}, fmt.Errorf("unknown fault %q: give one of %s", fields[0], kindList())
	}
	given := map[string]bool{}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		k = strings.ToLower(k)
		if !ok || v == "" && k != "data" && k != "text" {
			return Spec{}, fmt.Errorf("%s: %q is not KEY=VALUE", sp.Kind, f)
		}
		if !contains(allowed, k) {
			return Spec{}, fmt.Errorf("%s takes %s, not %q", sp.Kind, strings.Join(allowed, ", "), k)
		}
		if given[k] {
			return Spec{}, fmt.Errorf("%s: %s given twice", sp.Kind, k)
		}
		given[k] = true
		if err := sp.set(k, v); err != nil {
			return Spec{}, fmt.Errorf("%s: %v", sp.Kind, err)
		}
	}
	for _, k := range required[sp.Kind] {
		if !given[k] {
			return Spec{}, fmt.Errorf("%s needs %s= (%s)", sp.Kind, k, usageOf(sp.Kind))
		}
	}
	sp.defaults()
	return sp, nil
}

func (sp *Spec) set(k, v string) error {
	var err error
	switch k {
	case "after":
		sp.After, err = duration(v)
	case "every":
		sp.Every, err = duration(v)
	case "wait":
		sp.Wait, err = duration(v)
	case "ms":
		var n int
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			return fmt.Errorf("ms=%s is not a number of milliseconds", v)
		}
		sp.Delay = time.Duration(n) * time.Millisecond
	case "code":
		if sp.Code, err = strconv.Atoi(v); err != nil || sp.Code < 100 || sp.Code > 599 {
			return fmt.Errorf("code=%s is not an HTTP status (100 to 599)", v)
		}
	case "times":
		if sp.Times, err = strconv.Atoi(v); err != nil || sp.Times < 1 {
			return fmt.Errorf("times=%s is not a count of 1 or more", v)
		}
	case "method":
		sp.Method = v
	case "stream":
		v = strings.ToLower(v)
		if v != "get" && v != "post" && v != "any" {
			return fmt.Errorf("stream=%s: give get, post or any", v)
		}
		sp.Stream = v
	case "name":
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("name holds a line break")
		}
		sp.Name = v
	case "data", "text":
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("%s holds a line break", k)
		}
		sp.Data = v
	}
	return err
}

func duration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration (500ms, 30s, 2m)", v)
	}
	return d, nil
}

func (sp *Spec) defaults() {
	switch sp.Kind {
	case Status:
		if sp.Code == 0 {
			sp.Code = 503
		}
	case DropStream:
		if sp.Stream == "" {
			sp.Stream = "get"
		}
	case InjectEvent:
		if sp.Name == "" {
			sp.Name = "keepalive"
		}
	case InjectComment:
		if sp.Data == "" {
			sp.Data = "keepalive"
		}
	case Reorder:
		if sp.Wait == 0 {
			sp.Wait = 2 * time.Second
		}
	}
}

// String writes the spec back in the form Parse reads.
func (sp Spec) String() string {
	parts := []string{string(sp.Kind)}
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	for _, k := range keys[sp.Kind] {
		switch k {
		case "after":
			add(k, shortDuration(sp.After))
		case "every":
			add(k, shortDuration(sp.Every))
		case "wait":
			add(k, shortDuration(sp.Wait))
		case "ms":
			add(k, strconv.FormatInt(sp.Delay.Milliseconds(), 10))
		case "code":
			add(k, strconv.Itoa(sp.Code))
		case "method":
			if sp.Method != "" {
				add(k, sp.Method)
			}
		case "stream":
			add(k, sp.Stream)
		case "name":
			add(k, sp.Name)
		case "data", "text":
			if sp.Data != "" {
				add(k, sp.Data)
			}
		case "times":
			if sp.Times > 0 {
				add(k, strconv.Itoa(sp.Times))
			}
		}
	}
	return strings.Join(parts, " ")
}

// shortDuration writes 2m0s as 2m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// HTTPOnly reports whether the fault needs HTTP (streams, sessions,
// statuses): over stdio it does nothing.
func (k Kind) HTTPOnly() bool {
	switch k {
	case Delay, Duplicate, Reorder, Corrupt:
		return false
	}
	return true
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func usageOf(k Kind) string {
	for _, u := range Usage() {
		if strings.HasPrefix(u, string(k)+" ") {
			form, _, _ := strings.Cut(u, "   ")
			return "e.g. " + strings.TrimSpace(form)
		}
	}
	return string(k)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
