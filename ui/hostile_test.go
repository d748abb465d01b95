package ui

import (
	"context"
	"github.com/sonde-mcp/sonde/internal/hostile"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

var sgrSeq = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// badBytes are what must never reach the terminal from a server: ESC
// (other than our own SGR styling), the 8-bit CSI/OSC/ST, BEL, BS, CR,
// NUL, DEL and bidi controls.
var badBytes = []string{"\x1b", "\a", "\b", "\r", "\x00", "\x7f", "\u009b", "\u009d", "\u009c", "\u0090", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}

func assertSafe(t *testing.T, what, out string) {
	t.Helper()
	s := sgrSeq.ReplaceAllString(out, "")
	for _, b := range badBytes {
		if i := strings.Index(s, b); i >= 0 {
			lo, hi := max(0, i-40), min(len(s), i+40)
			t.Fatalf("%s: rendered %q from the server: ...%q...", what, b, s[lo:hi])
		}
	}
}

// drain has the model take everything the live feed holds.
func drain(m *Model) {
	for {
		select {
		case <-m.conn.feed.Ready():
			run(m, upd(m, feedMsg{}))
		default:
			return
		}
	}
}

// TestHostileServer attaches the UI to a server whose names, descriptions,
// schemas, results, errors, logs and elicitation carry terminal escape
// sequences, and checks that no rendered screen contains any of them.
func TestHostileServer(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, err := demo.Serve(ctx, hostile.NewServer(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	m := newLive(ctx, Options{Config: mcp.Config{URL: srv.URL, Keepalive: -1}})
	m.conn.manual, m.ticking = true, true // the test drives the feed itself
	upd(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	run(m, m.conn.dial(&m.opts))
	defer func() {
		if m.conn.sess != nil {
			m.conn.sess.Close()
		}
	}()
	if m.conn.sess == nil {
		t.Fatalf("not connected: %v", m.conn.err)
	}
	drain(m)
	check := func(what string) {
		t.Helper()
		assertSafe(t, what, screen(m))
		assertSafe(t, what+" (title)", m.View().WindowTitle)
	}
	check("after connecting")
	if n := len(m.panes.br.Items(listTools)); n < 8 {
		t.Fatalf("only %d hostile tools listed", n)
	}

	// every list, every item's details, and its schema dialog
	for k := listKind(0); k < numLists; k++ {
		m.panes.br.SetTab(k)
		for i := range m.panes.br.Shown() {
			m.panes.br.Select(i)
			m.panes.preview(m.screen.focus == paneWork)
			check("browsing " + k.Title())
			press(m, "i")
			check("schema of " + m.panes.br.Selected().Name)
			press(m, "esc")
		}
	}

	// call the hostile tools through their forms
	m.panes.br.SetTab(listTools)
	for _, name := range []string{hostile.ToolResult, hostile.ToolError, hostile.ToolRPCError} {
		m.panes.br.SetFilter("")
		for i, mt := range m.panes.br.Shown() {
			if mt.Name == name {
				m.panes.br.Select(i)
			}
		}
		m.screen.focus = paneBrowser
		press(m, "enter")
		check("form of " + name)
		cmd := press(m, "ctrl+r")
		if d := m.dialogs.top(); d != nil {
			check("confirmation for " + name)
			cmd = press(m, "y")
		}
		run(m, cmd)
		drain(m)
		if m.panes.work.Mode() != work.ModeResult {
			t.Fatalf("%s: no result shown (mode %d)", name, m.panes.work.Mode())
		}
		check("result of " + name)
		press(m, "s")
		check("save dialog of " + name)
		press(m, "esc", "esc")
	}

	// the elicitation request comes through the dialog seam
	for i, mt := range m.panes.br.Shown() {
		if mt.Name == hostile.ToolElicit {
			m.panes.br.Select(i)
		}
	}
	m.screen.focus = paneBrowser
	press(m, "enter")
	cmd := press(m, "ctrl+r")
	if m.dialogs.top() != nil {
		cmd = press(m, "y")
	}
	done := make(chan tea.Msg, 1)
	go func() {
		// the call is one command of the batch (the other remembers the arguments)
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				if c == nil {
					continue
				}
				if r := c(); r != nil {
					if _, ok := r.(callDoneMsg); ok {
						msg = r
					}
				}
			}
		}
		done <- msg
	}()
	select {
	case req := <-m.conn.feed.reqs:
		upd(m, serverRequestsMsg{req})
		check("elicitation dialog")
		press(m, "ctrl+d")
	case <-time.After(20 * time.Second):
		t.Fatal("no elicitation request arrived")
	}
	run(m, func() tea.Msg { return <-done })
	drain(m)
	check("after elicitation")

	// read every resource and get every prompt
	for _, k := range []listKind{listResources, listPrompts} {
		m.panes.br.SetTab(k)
		for i := range m.panes.br.Shown() {
			m.panes.br.Select(i)
			m.screen.focus = paneBrowser
			cmd := press(m, "enter")
			if m.panes.work.Mode() == work.ModeForm {
				cmd = press(m, "ctrl+r")
				if m.dialogs.top() != nil {
					cmd = press(m, "y")
				}
			}
			run(m, cmd)
			drain(m)
			check("reading " + k.Title())
		}
	}

	// every event of the log in every detail view, and the copy formats
	m.screen.focus = paneLog
	for _, en := range m.panes.log.Entries() {
		if !m.panes.log.Select(en) {
			continue // hidden by the filter
		}
		check("log line")
		press(m, "enter")
		for mode := 0; mode < 3; mode++ {
			check("event detail")
			press(m, "tab")
		}
		press(m, "esc")
		for _, f := range []copyFormat{copyJSON, copyCurl, copySonde} {
			if s, err := m.copyText(m.panes.log.Selected(), f); err == nil {
				assertSafe(t, "copy "+f.String(), s)
			}
		}
	}
	press(m, "?")
	check("help")
}
