package ui

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
)

// startOffSpecLive attaches the real model to one of demo's servers that
// do not follow the spec, with --endpoint.
func startOffSpecLive(t *testing.T, events bool) *live {
	t.Helper()
	return startOffSpecWith(t, events, demo.OffSpecOptions{Keepalive: 50 * time.Millisecond}, nil)
}

// startOffSpecWith is startOffSpecLive with the servers' options and the
// rules for keepalive data messages (--keepalive-match).
func startOffSpecWith(t *testing.T, events bool, o demo.OffSpecOptions, rules []mcp.KeepaliveRule) *live {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("SONDE_ERA_CACHE", "off")
	ctx, cancel := context.WithCancel(context.Background())
	r, err := demo.ServeOffSpec(ctx, "", o)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mcp.Config{URL: r.SplitURL, Endpoint: demo.SplitEndpoint, Keepalive: -1, KeepaliveMatch: rules}
	if events {
		cfg.URL, cfg.Endpoint = r.EventsURL, demo.EventsEndpoint
	}
	l := attachLive(t, ctx, cancel, Options{Config: cfg, RawWait: 300 * time.Millisecond}, func() { r.Close() })
	l.pump("connected and listed", func() bool { return l.m.conn.sess != nil && l.m.panes.br.Loaded(listTools) && len(l.m.s.Requests) == 0 })
	return l
}

// marked are the log's lines that carry the composer's mark.
func marked(m *Model) []string { return markedIn(plain(m)) }

// markedIn is marked for a screen already drawn (inside pump's condition,
// which holds the state's lock).
func markedIn(screen string) []string {
	var out []string
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, "◆←") || strings.Contains(line, "◆→") || strings.Contains(line, "◆·") {
			out = append(out, line)
		}
	}
	return out
}

// The split-endpoint server in the UI: its tools are listed (their
// input_schema is their schema), keepalive data messages count as
// keepalives, and a request written in the composer gets its answer,
// matched by id, shown there and marked in the log; it goes into the
// history on disk (0600).
func TestComposerSplitServer(t *testing.T) {
	l := startOffSpecLive(t, false)
	m := l.m
	if len(m.panes.br.Items(listTools)) != 2 || m.panes.br.Offered(listTools) {
		t.Fatalf("tools %d, offered %v\n%s", len(m.panes.br.Items(listTools)), m.panes.br.Offered(listTools), plain(m))
	}
	if it := m.panes.br.Items(listTools)[1]; it.Name != "add" || !strings.Contains(string(it.InputSchema), `"b"`) {
		t.Fatalf("add's schema: %+v", it)
	}
	l.pump("keepalives", func() bool { return m.s.Conn.KeepaliveIn >= 2 })
	// the keepalive data messages are keepalives: counted in the header,
	// and K hides them from the log
	if !strings.Contains(plain(m), "keepalive ↓") {
		t.Fatalf("no keepalive count in the header:\n%s", plain(m))
	}
	kaLines := func() int { return strings.Count(plain(m), `{"type":"keepalive"}`) }
	if kaLines() == 0 {
		t.Fatalf("no keepalive data message in the log:\n%s", plain(m))
	}
	m.setFocus(paneLog)
	l.press("K")
	if n := kaLines(); n != 0 || !strings.Contains(plain(m), "keepalives hidden") {
		t.Fatalf("K leaves %d keepalive data messages in the log:\n%s", n, plain(m))
	}
	l.press("K")
	l.press(":")
	if !m.raw.active || !strings.Contains(plain(m), "Composer") {
		t.Fatalf("':' opens no composer:\n%s", plain(m))
	}
	l.typeText(`{"jsonrpc":"2.0","id":"c9","method":"add","params":{"a":2,"b":`)
	if !strings.Contains(plain(m), "✗ invalid JSON") {
		t.Fatalf("no verdict while typing:\n%s", plain(m))
	}
	l.typeText(`3}}`)
	if !strings.Contains(plain(m), `✓ JSON-RPC request add, id "c9"`) {
		t.Fatalf("verdict:\n%s", plain(m))
	}
	l.press("ctrl+s")
	l.pump("the answer", func() bool { return m.raw.pane.Outcome().Answer != nil })
	if a := m.raw.pane.Outcome().Answer; !strings.Contains(string(a.Raw), `"sum":5`) {
		t.Fatalf("answer %s", a.Raw)
	}
	screen := plain(m)
	if !strings.Contains(screen, `"sum": 5`) || !strings.Contains(screen, `answer (id "c9"`) {
		t.Fatalf("the composer does not show the answer:\n%s", screen)
	}
	// the answer reaches the composer from the call and the log through
	// the feed: the log may draw it a moment later
	l.pump("both marked in the log", func() bool { return len(markedIn(ansi.Strip(m.Render()))) >= 2 })
	if ms := marked(m); len(ms) != 2 || !strings.Contains(ms[0], "→") || !strings.Contains(ms[1], "←") {
		t.Fatalf("marked lines: %q\n%s", ms, screen)
	}
	l.pump("the history on disk", func() bool { return len(config.LoadComposerHistory()[serverKey(m.s, m.opts.Config)]) == 1 })
	if fi, err := os.Stat(config.ComposerHistoryPath()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("history file: %v %v", fi, err)
	}
	l.press("esc")
	if m.raw.active || strings.Contains(plain(m), "Composer") {
		t.Fatal("esc leaves the composer open")
	}
}

// The event-named server in the UI: the tools its stream announced are
// offered in the browser, marked as such; enter on one opens the composer
// on a {session_id, tool, args} call, which is sent as it is ({session}
// filled), and the events that followed are shown and marked.
func TestComposerEventNamedServer(t *testing.T) {
	l := startOffSpecLive(t, true)
	m := l.m
	l.pump("the announced tools", func() bool { return m.panes.br.Offered(listTools) && len(m.panes.br.Items(listTools)) == 2 })
	screen := plain(m)
	if !strings.Contains(screen, "Tools 2*") || !strings.Contains(screen, "* from the stream's event: tools") ||
		!strings.Contains(screen, "enter: the composer") {
		t.Fatalf("the offered list is not marked:\n%s", screen)
	}
	m.setFocus(paneBrowser)
	m.panes.br.Select(0) // add
	l.press("enter")
	if !m.raw.active || !strings.Contains(m.raw.pane.Value(), `"session_id": "{session}", "tool": "add", "args": {"a": 0, "b": 0}`) {
		t.Fatalf("enter on an offered tool: composing %v, %q", m.raw.active, m.raw.pane.Value())
	}
	m.raw.pane.Open(`{"session_id":"{session}","tool":"add","args":{"a":40,"b":2}}`)
	l.press("ctrl+s")
	l.pump("the events that followed", func() bool { return !m.raw.pane.Outcome().Waiting && !m.raw.pane.Outcome().Sent.IsZero() })
	var result bool
	for _, e := range m.raw.pane.Outcome().Events {
		result = result || e.SSEEvent == "result" && string(e.Raw) == `{"result":42,"tool":"add"}`
	}
	if !result {
		t.Fatalf("events %+v", m.raw.pane.Outcome().Events)
	}
	screen = plain(m)
	if !strings.Contains(screen, `sse:result  {"result":42,"tool":"add"}`) {
		t.Fatalf("the composer does not show the result event:\n%s", screen)
	}
	l.pump("the result event marked in the log", func() bool {
		for _, line := range markedIn(ansi.Strip(m.Render())) {
			if strings.Contains(line, "sse:result") {
				return true
			}
		}
		return false
	})
	found := false
	for _, line := range marked(m) {
		found = found || strings.Contains(line, "sse:result")
	}
	if !found {
		t.Fatalf("the result event is not marked in the log: %q", marked(m))
	}
}

// e on a request in the log opens it in the composer, to send it again.
func TestComposerEditAndResend(t *testing.T) {
	l := startOffSpecLive(t, false)
	m := l.m
	m.setFocus(paneLog)
	m.panes.log.Select(m.panes.log.Find(func(e *mcp.Event) bool { return e.Dir == mcp.DirOut && e.Method == "tools/list" }))
	l.press("e")
	var msg struct {
		ID     json.RawMessage
		Method string
	}
	if !m.raw.active || json.Unmarshal([]byte(m.raw.pane.Value()), &msg) != nil || msg.Method != "tools/list" {
		t.Fatalf("e: composing %v, %q", m.raw.active, m.raw.pane.Value())
	}
	l.press("ctrl+s")
	l.pump("the answer", func() bool { return m.raw.pane.Outcome().Answer != nil })
	if a := m.raw.pane.Outcome().Answer; a.ID != string(msg.ID) || !strings.Contains(string(a.Raw), `"input_schema"`) {
		t.Fatalf("answer %s %s", a.ID, a.Raw)
	}
	// e on what is not a message sonde sent says so
	m.setFocus(paneLog)
	m.panes.log.Select(m.panes.log.Entries()[0]) // the connecting state
	m.raw.active = false
	l.press("e")
	if m.raw.active || !strings.Contains(m.flash.text, "select a message sonde sent") {
		t.Fatalf("e on a state: composing %v, flash %q", m.raw.active, m.flash.text)
	}
}

// In a replay there is nobody to send to: the keys are off.
func TestComposerNotInReplay(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	m.keys.disableLive()
	press(m, ":")
	if m.raw.active {
		t.Fatal("the composer opened in a replay")
	}
}

// A keepalive data message of a shape sonde does not know ({"type":"hb"})
// is data until --keepalive-match names it; then it counts in the header
// and K hides it.
func TestKeepaliveMatchInUI(t *testing.T) {
	const hb = `{"type":"hb"}`
	opts := demo.OffSpecOptions{Keepalive: 50 * time.Millisecond, KeepaliveData: hb}
	hbLines := func(m *Model) int { return strings.Count(plain(m), hb) }
	hbDrawn := func(m *Model) int { return strings.Count(ansi.Strip(m.Render()), hb) } // in pump: the lock is held

	t.Run("unknown shape", func(t *testing.T) {
		l := startOffSpecWith(t, false, opts, nil)
		m := l.m
		m.setFocus(paneLog)
		l.pump("hb messages in the log", func() bool { return hbDrawn(m) >= 2 })
		if m.s.Conn.KeepaliveIn != 0 {
			t.Fatalf("%d keepalives counted without a rule", m.s.Conn.KeepaliveIn)
		}
	})
	t.Run("--keepalive-match type=hb", func(t *testing.T) {
		rule, err := mcp.ParseKeepaliveRule("type=hb")
		if err != nil {
			t.Fatal(err)
		}
		l := startOffSpecWith(t, false, opts, []mcp.KeepaliveRule{rule})
		m := l.m
		m.setFocus(paneLog)
		l.pump("keepalives counted", func() bool { return m.s.Conn.KeepaliveIn >= 2 && hbDrawn(m) >= 1 })
		if !strings.Contains(plain(m), "keepalive ↓") {
			t.Fatalf("no keepalive count in the header:\n%s", plain(m))
		}
		l.press("K")
		if n := hbLines(m); n != 0 {
			t.Fatalf("K leaves %d hb messages in the log:\n%s", n, plain(m))
		}
	})
}

// Against a 2026-07-28 server (the demo in its modern era) the composer's
// tools/list template carries the session's _meta and is answered with
// the tools (it was refused: no version in _meta nor in the headers).
func TestComposerModernServer(t *testing.T) {
	l := startLive(t, demo.EraModern, Options{})
	m := l.m
	l.press(":")
	for i := 0; i < 20 && m.raw.pane.Check().Method != "tools/list"; i++ {
		l.press("ctrl+t")
	}
	if c := m.raw.pane.Check(); c.Method != "tools/list" || !strings.Contains(m.raw.pane.Value(), mcp.MetaProtocolVersion) {
		t.Fatalf("template: %+v %s", c, m.raw.pane.Value())
	}
	l.press("ctrl+s")
	l.pump("the answer", func() bool { return m.raw.pane.Outcome().Answer != nil || m.raw.pane.Outcome().Err != "" })
	if a := m.raw.pane.Outcome().Answer; a == nil || a.RPC != mcp.RPCResponse || !strings.Contains(string(a.Raw), `"get_weather"`) {
		t.Fatalf("outcome %+v", m.raw.pane.Outcome())
	}
}

// A replay of an event-named server shows the tools its stream announced,
// marked (live, they show once tools/list failed; a replay has no request
// of its own to fail), and a listing that arrives later replaces them.
func TestReplayShowsOfferedTools(t *testing.T) {
	m := New(context.Background(), Options{}, nil)
	m.keys.disableLive() // as a replay's model has them
	m.ticking = true
	m.look.com.Now = t0
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	f := &fx{at: t0}
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "http://127.0.0.1:8000/events"})
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindSSE, Stream: "GET", SSEEvent: "tools",
		Raw: json.RawMessage(`[{"name":"add","description":"Add two numbers","parameters":{"type":"object"}},{"name":"shout","description":"Upper-case the text"}]`)})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{Transport: mcp.TransportSSE, Lenient: true}})
	m.Update(eventsMsg(f.evs))
	screen := plain(m)
	if !strings.Contains(screen, "Tools 2*") || !strings.Contains(screen, "from the stream's event: tools") || !strings.Contains(screen, "shout") {
		t.Fatalf("the replay does not offer the announced tools:\n%s", screen)
	}
	if strings.Contains(screen, "enter: the composer") {
		t.Fatalf("a replay offers the composer:\n%s", screen)
	}
	m.setFocus(paneBrowser)
	press(m, "enter")
	if m.raw.active {
		t.Fatal("enter on an announced tool opened the composer in a replay")
	}
	f.evs = nil
	f.req(2, "tools/list", "")
	f.resp(2, "tools/list", fixtureTools)
	m.Update(eventsMsg(f.evs))
	if screen := plain(m); m.panes.br.Offered(listTools) || !strings.Contains(screen, "Tools 4") || strings.Contains(screen, "shout") {
		t.Fatalf("a listing does not replace the announced tools:\n%s", screen)
	}
}
