package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	authpane "github.com/sonde-mcp/sonde/ui/pane/auth"
)

// headerFacts is what the header line draws, gathered by the root each
// frame (Model.header): the state, how the connection stands, what the
// screen is choosing, the request queue's part.
type headerFacts struct {
	st  *Styles
	s   *session.State
	now time.Time // the clock the last byte's age counts on (a replay: its position)

	live, tapped, dialing bool
	connErr               error // the last dial's failure

	replaying         bool // a recording is replayed (Options.Replay)
	eventsOnly        bool // events with no server to dial (a replay's)
	choosingServer    bool // the server picker is up
	choosingRecording bool // the recordings picker is up
	queue             string
}

// line is the connection status bar, W cells wide: the parts that do
// not fit go, least important first.
func (h headerFacts) line(W int) string {
	st := h.st
	sep := st.Muted.Render(" │ ")
	type part struct {
		s    string
		prio int // lower survives longer
	}
	var parts []part
	parts = append(parts, part{st.Accent.Render("sonde"), 0})
	parts = append(parts, part{h.state(), 0})
	if h.tapped {
		s := st.Warn.Render("⇄ tapped")
		if h.s.Conn.Info != nil {
			if c := termsafe.Line(mcp.ServerName(h.s.Conn.Info.Client)); c != "" {
				s += st.Muted.Render(" client ") + st.Text.Render(c)
			}
		}
		parts = append(parts, part{s, 0})
	}
	if s := h.queue; s != "" {
		parts = append(parts, part{s, 0})
	}
	if h.choosingServer {
		parts = append(parts, part{st.Text.Render("choose a server"), 0})
	}
	if h.choosingRecording {
		parts = append(parts, part{st.Text.Render("choose a recording"), 0})
	}
	if serverOf(h.s).name != "" {
		s := st.Text.Bold(true).Render(serverOf(h.s).name)
		if serverOf(h.s).version != "" {
			s += " " + st.Muted.Render(serverOf(h.s).version)
		}
		parts = append(parts, part{s, 1})
		if serverOf(h.s).title != "" && serverOf(h.s).title != serverOf(h.s).name {
			parts = append(parts, part{st.Text.Render("“" + serverOf(h.s).title + "”"), 8})
		}
	}
	eraPart := -1
	if h.s.Conn.Info != nil {
		// the era and version; the session id (priority 6) goes before
		// them when space is short
		eraPart = len(parts)
		parts = append(parts, part{st.Text.Render(string(h.s.Conn.Info.Transport)) + " " + st.Accent2.Render(headerEra(h.s.Conn.Info, true)), 2})
	}
	if !h.s.Conn.LastIn.IsZero() {
		now := h.now
		age := now.Sub(h.s.Conn.LastIn)
		if age < 0 {
			age = 0
		}
		parts = append(parts, part{st.Muted.Render("last byte ") + st.Text.Render(shortDur(age)), 3})
	}
	if !h.choosingRecording && !h.choosingServer { // not while choosing a server or a recording
		parts = append(parts, part{st.Muted.Render("keepalive ") + st.In.Render(fmt.Sprintf("↓%d", h.s.Conn.KeepaliveIn)) + " " + st.Out.Render(fmt.Sprintf("↑%d", h.s.Conn.KeepaliveOut)), 5})
	}
	if h.s.Conn.PingRTT > 0 {
		// after the keepalive counts and the session id: the round trip
		// is also in the log
		parts = append(parts, part{st.Muted.Render("ping ") + st.Text.Render(shortLatency(h.s.Conn.PingRTT)), 7})
	}
	if h.s.Conn.Reconnects > 0 {
		parts = append(parts, part{st.Warn.Render(fmt.Sprintf("reconnects %d", h.s.Conn.Reconnects)), 4})
	}
	if h.s.Auth.Signed != nil {
		now := h.now
		who, detail := authpane.Header(st, h.s.Auth.Signed, now)
		parts = append(parts, part{who, 2})
		if detail != "" {
			parts = append(parts, part{detail, 3})
		}
	}
	if len(h.s.Listens) > 0 {
		parts = append(parts, part{st.OK.Render("⇣") + st.Muted.Render(" listening"), 4})
	}
	if n := len(h.s.Requests); n > 0 {
		parts = append(parts, part{st.Accent2.Render(fmt.Sprintf("%d in flight", n)), 2})
	}
	// drop the least important parts until the line fits: the server's
	// title (8), the ping round trip (7), the session id (6), …
	var line string
	for maxPrio := 8; maxPrio >= 0; maxPrio-- {
		if eraPart >= 0 {
			parts[eraPart].s = st.Text.Render(string(h.s.Conn.Info.Transport)) + " " + st.Accent2.Render(headerEra(h.s.Conn.Info, maxPrio >= 6))
		}
		var ss []string
		for _, p := range parts {
			if p.prio <= maxPrio {
				ss = append(ss, p.s)
			}
		}
		line = " " + strings.Join(ss, sep)
		if ansi.StringWidth(line) <= W {
			break
		}
	}
	return ansi.Truncate(line, W, "…")
}

func (h headerFacts) state() string {
	st := h.st
	switch {
	case (h.replaying || h.choosingRecording) && h.s.Conn.State == "":
		return st.Muted.Render("○ replay")
	case h.eventsOnly && !h.choosingServer && h.s.Conn.State == "":
		return st.Muted.Render("○ replay")
	case h.choosingServer && h.s.Conn.State == "":
		return st.Muted.Render("○ not connected")
	}
	switch h.s.Conn.State {
	case mcp.StateConnected:
		if !h.live && !h.tapped {
			return st.OK.Render("● connected") + st.Muted.Render(" (replay)")
		}
		return st.OK.Render("● connected")
	case mcp.StateConnecting:
		return st.Warn.Render("◌ connecting")
	case mcp.StateReconnecting:
		return st.Warn.Render(fmt.Sprintf("◌ reconnecting %d", h.s.Conn.Attempt))
	case mcp.StateClosed:
		return st.Err.Render("○ disconnected") + h.replayNote()
	case mcp.StateError:
		return st.Err.Render("✗ disconnected") + h.replayNote()
	}
	if h.connErr != nil {
		return st.Err.Render("✗ failed")
	}
	if h.dialing {
		return st.Warn.Render("◌ connecting")
	}
	return st.Muted.Render("○ idle")
}

// replayNote marks a recorded state as such.
func (h headerFacts) replayNote() string {
	if h.live || h.tapped {
		return ""
	}
	return h.st.Muted.Render(" (replay)")
}
