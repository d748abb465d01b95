package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// facts are what the probes found that later checks need.
type facts struct {
	status401 *authAnswer
}

// observe keeps the session open for the observation window without
// sending anything of its own (sonde's keepalive is off): what arrives,
// and what becomes of the streams and the session, is the server's doing.
// A ping at the start measures the round trip; one at the end finds out
// whether the server still knows the session.
func (x *run) observe(ctx context.Context, s *mcp.Session) {
	info := s.Info()
	what := "ping"
	if info.Era == "modern" {
		what = "server/discover (the stateless era has no ping)"
	}
	pctx, cancel := context.WithTimeout(ctx, x.o.Config.Timeout+time.Second)
	rtt, err := s.Ping(pctx)
	cancel()
	if err != nil {
		x.add("round trip", Warn, what+" failed: "+err.Error())
	} else {
		x.add("round trip", OK, fmt.Sprintf("%s answered in %s", what, ms(rtt)))
	}
	start := time.Now()
	x.note(fmt.Sprintf("observing for %s: keepalives, idle cuts, the session", x.o.Observe))
	select {
	case <-ctx.Done():
	case <-time.After(x.o.Observe):
	}
	window := time.Since(start)
	// The session at the end of the window: still known? (A server that
	// forgot it answers 404, and the session says so in its events.)
	if ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, x.o.Config.Timeout+time.Second)
		_, err = s.Ping(pctx)
		cancel()
		if err != nil {
			x.add("session at the end", Warn, what+" failed: "+err.Error())
		}
	}
	x.analyse(info, window)
}

// note reports progress that is not a check (the checklist shows it while
// it waits; it is not in the report).
func (x *run) note(text string) {
	if x.o.OnNote != nil {
		x.o.OnNote(text)
	}
}

// keepaliveClass is one kind of keepalive the server sends.
type keepaliveClass struct {
	name  string // "event: keepalive", "comments (`: ping`)", "ping requests"
	times []time.Time
	named bool // a named SSE event
}

// analyse reads the session's events: keepalives, streams cut, what
// became of the session.
func (x *run) analyse(info mcp.ConnInfo, window time.Duration) {
	evs := x.events.All()
	connected := -1
	for i, e := range evs {
		if e.Kind == mcp.KindState && e.State == mcp.StateConnected {
			connected = i
			break
		}
	}
	if connected < 0 {
		return
	}
	t0 := evs[connected].Time
	x.keepalives(evs[connected:], window)
	cut := x.cuts(evs, connected)
	x.sessionID(evs[connected:], info, t0, cut)
}

// keepalives says what keeps the server's streams busy and how often.
func (x *run) keepalives(evs []mcp.Event, window time.Duration) {
	var classes []*keepaliveClass
	class := func(name string, named bool) *keepaliveClass {
		for _, c := range classes {
			if c.name == name {
				return c
			}
		}
		c := &keepaliveClass{name: name, named: named}
		classes = append(classes, c)
		return c
	}
	opened := map[string]bool{} // streams whose first event is still to come
	for _, e := range evs {
		if e.Dir != mcp.DirIn {
			continue
		}
		first := opened[e.Stream]
		opened[e.Stream] = e.Kind == mcp.KindHTTP
		switch {
		case e.Kind == mcp.KindComment && first:
			// a comment that opens a stream (": ok") says it is open, not
			// that it is alive
		case e.Kind == mcp.KindComment:
			c := class("comments (`: "+clip(strings.TrimSpace(e.Text), 30)+"`)", false)
			c.times = append(c.times, e.Time)
		case e.Kind == mcp.KindSSE && e.SSEEvent != "" && e.SSEEvent != "message" && e.SSEEvent != "endpoint":
			c := class("event: "+clip(e.SSEEvent, 30), true)
			c.times = append(c.times, e.Time)
		case e.Kind == mcp.KindSSE && e.Keepalive:
			c := class("keepalive data messages", false)
			c.times = append(c.times, e.Time)
		case e.Kind == mcp.KindMessage && e.RPC == mcp.RPCRequest && e.Method == "ping":
			c := class("ping requests", false)
			c.times = append(c.times, e.Time)
		}
	}
	if len(classes) == 0 {
		x.add("keepalives", OK, fmt.Sprintf("none in %s: the server sends nothing on a quiet stream", round(window)))
		return
	}
	var parts []string
	for _, c := range classes {
		parts = append(parts, c.name+" "+cadence(c.times))
	}
	st := OK
	for _, c := range classes {
		if c.named {
			st = Warn // some clients die on it: see the diagnosis
		}
	}
	x.add("keepalives", st, strings.Join(parts, "; "))
	for _, c := range classes {
		if !c.named {
			continue
		}
		name := strings.TrimPrefix(c.name, "event: ")
		x.find("keepalive-event", fmt.Sprintf("The server (or a gateway in front of it) sends `event: %s` %s. "+
			"The SSE rules say a client ignores an event it does not know, but some MCP client libraries treat any event not named `message` "+
			"as a message or an error and drop the connection (Python clients log \"Unknown SSE event: %s\"; others fail parsing its data as JSON-RPC). "+
			"Fix: have the server or gateway send keepalives as SSE comments (`: keepalive`), which every client skips; "+
			"or update the client library to one that ignores unknown events (sonde does).", name, cadence(c.times), name))
	}
}

// cadence says how many and how often: "3 times, every 5.0 s".
func cadence(ts []time.Time) string {
	if len(ts) == 1 {
		return "once"
	}
	var gaps []time.Duration
	for i := 1; i < len(ts); i++ {
		gaps = append(gaps, ts[i].Sub(ts[i-1]))
	}
	slices.Sort(gaps)
	return fmt.Sprintf("%d times, every %s", len(ts), round(gaps[len(gaps)/2]))
}

// streamCut is a long-lived stream that ended while nothing asked it to.
type streamCut struct {
	stream  string        // "the GET stream", "the subscriptions/listen stream"
	silence time.Duration // how long nothing had arrived on it
	open    time.Duration // how long it had been open
	at      time.Time
	// expired is set when the server forgot the session right after: the
	// cut was the session's end, not the stream's silence.
	expired bool
}

// cuts finds the first stream the server (or something between) cut, and
// says whether it looks like an idle cut.
func (x *run) cuts(evs []mcp.Event, connected int) *streamCut {
	t0 := evs[connected].Time
	var (
		getOpen, getLast time.Time
		listenID         string
		lsOpen, lsLast   time.Time
		cut              *streamCut
	)
	for i, e := range evs {
		switch {
		case e.Kind == mcp.KindHTTP && e.Dir == mcp.DirIn && e.Stream == "GET" && e.Status == 200:
			getOpen, getLast = e.Time, e.Time
		case e.Dir == mcp.DirIn && e.Stream == "GET":
			getLast = e.Time
		case e.Dir == mcp.DirOut && e.Kind == mcp.KindMessage && e.Method == "subscriptions/listen":
			listenID, lsOpen, lsLast = e.ID, e.Time, e.Time
		case e.Dir == mcp.DirIn && listenID != "" && e.Via == listenID:
			lsLast = e.Time
		}
		var c *streamCut
		switch {
		case i < connected: // detection's streams are not the session's
		case e.Kind == mcp.KindInfo && e.Stream == "GET" && (strings.HasPrefix(e.Text, "GET stream ended") || strings.HasPrefix(e.Text, "GET stream broke")),
			e.Kind == mcp.KindError && strings.HasPrefix(e.Err, "connection lost") && !getOpen.IsZero():
			c = &streamCut{stream: "the GET stream", silence: e.Time.Sub(getLast), open: e.Time.Sub(getOpen), at: e.Time}
		case e.Kind == mcp.KindInfo && (strings.HasPrefix(e.Text, "the server ended the subscription") || strings.HasPrefix(e.Text, "the listen stream broke")):
			c = &streamCut{stream: "the subscriptions/listen stream", silence: e.Time.Sub(lsLast), open: e.Time.Sub(lsOpen), at: e.Time}
		}
		if c == nil {
			continue
		}
		// A session the server forgot ends its streams: say so, not "idle".
		for _, f := range evs[i+1:] {
			if f.Kind == mcp.KindState && f.State == mcp.StateConnected {
				_, cause, ok := f.Recovery()
				c.expired = ok && strings.HasPrefix(cause, "session expired")
				break
			}
			if f.Kind == mcp.KindInfo && strings.HasPrefix(f.Text, "the server no longer knows this session") {
				c.expired = true
				break
			}
		}
		cut = c
		break
	}
	switch {
	case cut == nil && getOpen.IsZero() && listenID == "":
		x.add("idle cut", OK, "no long-lived stream to watch (the server offers none)")
	case cut == nil:
		x.add("idle cut", OK, fmt.Sprintf("none: the stream stayed open for the whole window (%s); a proxy that cuts later is not seen: --observe longer", round(evs[len(evs)-1].Time.Sub(t0))))
	case cut.expired:
		x.add("idle cut", Warn, fmt.Sprintf("%s ended after %s, with the session (see below)", cut.stream, round(cut.open)))
	case cut.silence < cut.open/4:
		// Something arrived late in the stream's life: it was not idle
		// (a stream dropped at a fixed age, a server that ends it).
		x.add("idle cut", Warn, fmt.Sprintf("%s was cut after %s while busy (not idle: something had arrived %s before)", cut.stream, round(cut.open), round(cut.silence)))
	default:
		st := Warn
		if cut.silence < x.o.ClientKeepalive {
			st = Fail
		}
		x.add("idle cut", st, fmt.Sprintf("%s was cut after %s of silence (open %s)", cut.stream, round(cut.silence), round(cut.open)))
		if cut.silence < x.o.ClientKeepalive {
			x.find("idle-cut", fmt.Sprintf("The server, or a proxy in front of it, cuts %s once it has been silent for %s, "+
				"and a client that sends its keepalive every %s (sonde's default; --keepalive says another) is too slow to keep it open: "+
				"it loses its stream, and what the server sends meanwhile, every %s. "+
				"Fix: raise the proxy's idle timeout (nginx proxy_read_timeout, a load balancer's idle timeout) above the keepalive, "+
				"have the server send keepalive comments more often than every %s, or make the client's keepalive shorter (sonde --keepalive %s).",
				cut.stream, round(cut.silence), round(x.o.ClientKeepalive), round(cut.silence), round(cut.silence), shorter(cut.silence)))
		}
	}
	return cut
}

// shorter is a keepalive comfortably below an idle cut: half of it, in
// whole seconds (at least 1 s).
func shorter(d time.Duration) string {
	s := d / 2 / time.Second
	if s < 1 {
		s = 1
	}
	return fmt.Sprint(s * time.Second)
}

// sessionID says what the server does with the session: the id it gave,
// whether it kept it through the window.
func (x *run) sessionID(evs []mcp.Event, info mcp.ConnInfo, t0 time.Time, cut *streamCut) {
	var ids []string
	if info.SessionID != "" {
		ids = append(ids, info.SessionID)
	}
	var expiredAfter time.Duration
	for _, e := range evs {
		if e.Kind == mcp.KindState && e.State == mcp.StateConnected && e.Info != nil && e.Info.SessionID != "" && !slices.Contains(ids, e.Info.SessionID) {
			ids = append(ids, e.Info.SessionID)
		}
		if expiredAfter == 0 && e.Kind == mcp.KindInfo && strings.HasPrefix(e.Text, "the server no longer knows this session") {
			expiredAfter = e.Time.Sub(t0)
			if cut != nil && cut.expired {
				expiredAfter = cut.at.Sub(t0)
			}
		}
	}
	var what string
	switch {
	case info.Era == "modern":
		what = "stateless (2026-07-28): no session"
	case info.Transport == mcp.TransportStdio:
		what = "stdio: the process is the session"
	case info.SessionID == "" && info.Transport == mcp.TransportHTTP:
		what = "no Mcp-Session-Id: the server keeps no session"
	case info.Transport == mcp.TransportSSE && info.SessionID == "":
		what = "the session is the SSE stream (its endpoint names no session id)"
	case info.Transport == mcp.TransportSSE:
		what = "session id " + short(info.SessionID) + " in the endpoint's query"
	default:
		what = "Mcp-Session-Id " + short(info.SessionID)
	}
	if expiredAfter == 0 && cut != nil && info.Transport == mcp.TransportSSE {
		// On legacy SSE the stream is the session: cut, it is gone.
		what += fmt.Sprintf("; it ended when the stream was cut, after %s (on legacy SSE the stream is the session: a client must open a new one and initialize again, and answers still due are lost)", round(cut.at.Sub(t0)))
		if len(ids) > 1 {
			what += "; sonde's new one is " + short(ids[len(ids)-1])
		}
		x.add("session", Warn, what)
		return
	}
	if expiredAfter == 0 {
		if info.SessionID != "" {
			what += ", still known at the end of the window"
		}
		x.add("session", OK, what)
		return
	}
	what += fmt.Sprintf("; the server forgot it after %s (404 for its id); sonde started a new one", round(expiredAfter))
	if len(ids) > 1 {
		what += " (" + short(ids[len(ids)-1]) + ")"
	}
	x.add("session", Warn, what)
	x.find("session-expires", fmt.Sprintf("The server forgets a session after about %s (it answers 404 for its id): it restarted, or it expires sessions "+
		"(an idle timeout of its own, a load balancer sending requests to another instance). The specification says a client then starts a new session "+
		"with initialize; a client that does not fails every call after that until it is restarted. "+
		"If the server should keep sessions longer, raise its session timeout; behind a load balancer, make sessions sticky or share them between instances.",
		round(expiredAfter)))
}

// short is the start of an id, enough to tell it apart.
func short(id string) string {
	if len(id) > 12 {
		return id[:8] + "…"
	}
	return id
}

// clip cuts s to n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// round writes a duration for people: "3.0 s", "250 ms", "2m0s".
func round(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}
