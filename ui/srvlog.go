package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
)

// The bottom pane shows one of three views: the wire log (every event),
// the server's log (notifications/message, and a stdio server's stderr)
// filtered by a level the user picks, and the tasks. The server log is
// built from the events, so a replay shows it too.

// logView is what the log pane shows.
type logView int

const (
	viewWire logView = iota
	viewServerLog
	viewTasks
	viewTimeline
	viewAuth
	numViews
	// viewFaults is the faults pane (with --fault): reached by its own key
	// (!), not by 1-5.
	viewFaults
)

func (v logView) name() string {
	return [...]string{"Wire", "Server log", "Tasks", "Timeline", "Auth", "", "Faults"}[v]
}

// logLevels are the syslog levels of notifications/message, lowest first.
var logLevels = session.LogLevels

func levelIndex(l string) int { return session.LevelIndex(l) }

// setLogView switches the log pane's view and gives it the focus.
func (m *Model) setLogView(v logView) tea.Cmd {
	if v != viewWire {
		m.panes.log.StopFiltering()
	}
	m.panes.logView = v
	m.layout()
	return m.setFocus(paneLog)
}

// toggleLogView shows v, or the wire log if v is showing and focused.
func (m *Model) toggleLogView(v logView) tea.Cmd {
	if m.panes.logView == v && m.screen.focus == paneLog {
		return m.setLogView(viewWire)
	}
	return m.setLogView(v)
}

// ---- the level ----

// newLevelDialog picks the log level: it filters the view and asks the
// server (logging/setLevel; in 2026-07-28 the level rides on every
// request). shown is the level the server log shows now, asked the one
// asked of the server ("" when none was).
func newLevelDialog(c *common.Common, shown, asked string) *dialog.Choice {
	opts := make([]string, len(logLevels))
	for i, l := range logLevels {
		opts[i] = l
		if l == shown {
			opts[i] += "  (shown now)"
		}
		if l == asked {
			opts[i] += "  (asked of the server)"
		}
	}
	return dialog.NewChoice(c, "Log level: show and ask for this and above", opts, func(i int) component.Action {
		return setLogLevel{logLevels[i]}
	}).Select(levelIndex(shown))
}

// levelSetter is the part of a live session that sets the server's log
// level; *mcp.Session implements it.
type levelSetter interface {
	SetLogLevel(ctx context.Context, level string) error
}

// logLevelSetMsg reports how asking for a log level went.
type logLevelSetMsg struct {
	level  string
	err    error
	modern bool // the level rides on every request (2026-07-28)
}

// setLogLevel filters the server log at level and asks the server for it.
func (m *Model) setLogLevel(level string) tea.Cmd {
	m.panes.srvLog.SetLevel(level)
	if m.panes.logView != viewServerLog {
		m.setLogView(viewServerLog)
	}
	if !m.conn.canAct() {
		m.flash.set("showing "+level+" and above (no server to ask)", false)
		return nil
	}
	if !capability(m.s, "logging") && (m.s.Conn.Info == nil || m.s.Conn.Info.Era != "modern") {
		m.flash.set("showing "+level+" and above; the server declares no logging capability, asking anyway", false)
	}
	return m.conn.askLogLevel(level)
}

// outcome is what the status line says of asking for a log level, and
// whether it failed.
func (msg logLevelSetMsg) outcome() (string, bool) {
	if msg.err != nil {
		return "setting the log level to " + msg.level + ": " + describeErr(msg.err), true
	}
	if msg.modern {
		return "log level " + msg.level + ": sent with every request (2026-07-28; L changes it)", false
	}
	return "log level " + msg.level + " (logging/setLevel)", false
}

// otherViews names the bottom pane's other views, with what is new in
// them in st, for the pane's title (faultsView: the faults view's name).
func (p *paneSet) otherViews(st *session.State, faultsView string) string {
	var parts []string
	for v := logView(0); v < numViews; v++ {
		if v == p.logView {
			continue
		}
		if v == viewAuth && len(st.Auth.Attempts) == 0 {
			continue // no sign-in: nothing to see there (5 and A still show it)
		}
		s := fmt.Sprintf("%d %s", v+1, v.name())
		switch v {
		case viewServerLog:
			if n := st.Log.Len(); n > 0 {
				s += fmt.Sprintf(" %d", n)
			}
		case viewTasks:
			if n := len(st.Tasks); n > 0 {
				s += fmt.Sprintf(" %d", n)
			}
		case viewAuth:
			if n := len(st.Auth.Attempts); n > 0 {
				s += fmt.Sprintf(" %d", n)
			}
		case viewTimeline:
			if n := p.timeline.Waiting(); n > 0 {
				s += fmt.Sprintf(" %d open", n)
			}
		}
		parts = append(parts, s)
	}
	if faultsView != "" {
		parts = append(parts, faultsView)
	}
	return "  │ " + strings.Join(parts, " · ")
}
