package ui

import (
	"bytes"
	"context"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/pane/srvlog"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// live drives the real model attached to the embedded demo server through
// a real session: commands run in goroutines (they do the IO), and their
// messages, the session's events and its server requests are fed to Update
// on the test's goroutine, as Bubble Tea would.
type live struct {
	cmds
	t   *testing.T
	m   *Model
	srv *demo.Running
}

// cmds runs commands as Bubble Tea would, in goroutines, and hands what
// they return to the test's goroutine through msgs.
type cmds struct {
	msgs chan tea.Msg
	// wg counts the commands still running and done ends them: a command
	// that writes a file (remembered arguments) must finish before the
	// test's temporary directories are removed.
	wg   sync.WaitGroup
	done chan struct{}
}

func newCmds() cmds { return cmds{msgs: make(chan tea.Msg, 256), done: make(chan struct{})} }

func startLive(t *testing.T, era demo.Era, opts Options) *live {
	t.Helper()
	return startLiveAt(t, era, opts, func(r *demo.Running) string { return r.URL })
}

// startLiveAt is startLive against the URL at picks (the legacy HTTP+SSE
// endpoint, say).
func startLiveAt(t *testing.T, era demo.Era, opts Options, at func(*demo.Running) string) *live {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("SONDE_ERA_CACHE", "off")
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := demo.Start(ctx, demo.Options{Era: era, TickInterval: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	opts.Config = mcp.Config{URL: at(srv), Keepalive: -1, Faults: opts.Config.Faults}
	l := attachLive(t, ctx, cancel, opts, func() { srv.Close() })
	l.srv = srv
	m := l.m
	l.pump("connected and listed", func() bool {
		// loading: the listings' ends are in (they start with the dial, so
		// their answers can be in before connected is; a refresh while a
		// listing is still loading asks nothing)
		return m.conn.sess != nil && m.panes.br.Loaded(listTools) && m.panes.br.Loaded(listPrompts) && m.panes.br.Loaded(listResources) && len(m.s.Requests) == 0 &&
			!m.panes.br.Loading(listTools) && !m.panes.br.Loading(listResources) && !m.panes.br.Loading(listTemplates) && !m.panes.br.Loading(listPrompts) &&
			(m.s.Conn.Info == nil || m.s.Conn.Info.Era != "modern" || m.panes.srvLog.Asked() != "") // the level asked at connect
	})
	return l
}

// attachLive builds the model for opts.Config and dials; stop ends the
// server when the test is over.
func attachLive(t *testing.T, ctx context.Context, cancel context.CancelFunc, opts Options, stop func()) *live {
	t.Helper()
	m := newLive(ctx, opts)
	m.conn.manual, m.conn.reqs, m.ticking = true, nil, true // the test pumps the feed itself
	m.env.consentGuard = 0
	l := &live{cmds: newCmds(), t: t, m: m}
	t.Cleanup(func() {
		if m.conn.sess != nil {
			m.conn.sess.Close()
		}
		m.conn.feed.close()
		cancel()
		close(l.done)
		l.wg.Wait()
		stop()
	})
	upd(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	l.async(m.conn.dial(&m.opts))
	return l
}

// async runs a command in the background; its messages go to the pump.
func (l *cmds) async(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				l.async(c)
			}
			return
		}
		if msg != nil && !isTeaInternal(msg) {
			select {
			case l.msgs <- msg:
			case <-l.done:
			}
		}
	}()
}

// step feeds one message to Update and runs what it returns.
func (l *live) step(msg tea.Msg) { l.async(upd(l.m, msg)) }

// press sends keys and runs their commands.
func (l *live) press(keys ...string) {
	for _, k := range keys {
		l.step(keyMsg(k))
	}
}

func (l *live) typeText(s string) {
	for _, r := range s {
		l.step(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// pump delivers messages, events and server requests until cond holds.
func (l *live) pump(what string, cond func() bool) {
	l.t.Helper()
	deadline := time.After(30 * time.Second)
	holds := func() bool { // read the model as Update would: with the state's lock
		defer l.m.conn.lockState()()
		return cond()
	}
	for !holds() {
		select {
		case msg := <-l.msgs:
			l.step(msg)
		case r := <-l.m.conn.feed.reqs:
			l.step(serverRequestsMsg{r})
		case <-l.m.conn.feed.Ready():
			l.step(feedMsg{})
		case <-time.After(20 * time.Millisecond): // re-check cond
		case <-deadline:
			l.t.Fatalf("timed out waiting for: %s\nflash: %q\nscreen:\n%s", what, l.m.flash.text, plain(l.m))
		}
	}
}

// read reads the model as Update would: with the state's lock.
func (l *live) read(f func() int) int {
	defer l.m.conn.lockState()()
	return f()
}

// clockTicks subscribes a session of its own to the demo server's clock
// and returns how many updates it has had: a test waits for the clock to
// tick instead of sleeping through the ticks.
func (l *live) clockTicks() func() int {
	l.t.Helper()
	var mu sync.Mutex
	n := 0
	s, err := mcp.Dial(context.Background(), mcp.Config{URL: l.srv.URL, Keepalive: -1, OnEvent: func(e mcp.Event) {
		if e.Method == "notifications/resources/updated" {
			mu.Lock()
			n++
			mu.Unlock()
		}
	}})
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { s.Close() })
	if err := s.Subscribe(context.Background(), demo.ClockURI); err != nil {
		l.t.Fatal(err)
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// flush pings the server and pumps until the answer is in the log: what
// the session sent before the ping has been taken in by then.
func (l *live) flush() {
	l.t.Helper()
	answers := func() int {
		n := 0
		for _, en := range l.m.panes.log.Entries() {
			if en.Ev.Dir == mcp.DirIn && en.Ev.ReqMethod == "ping" {
				n++
			}
		}
		return n
	}
	before := l.read(answers)
	if _, err := l.m.conn.sess.Call(context.Background(), "ping", nil); err != nil {
		l.t.Fatal(err)
	}
	l.pump("the ping's answer", func() bool { return answers() > before })
}

// open selects an item of a list and opens it (a form, or a read).
func (l *live) open(k listKind, name string) {
	l.t.Helper()
	m := l.m
	m.setFocus(paneBrowser)
	m.panes.br.SetTab(k)
	m.panes.br.SetFilter("")
	for i, mt := range m.panes.br.Shown() {
		if mt.Name == name || mt.URI == name {
			m.panes.br.Select(i)
			l.press("enter")
			return
		}
	}
	l.t.Fatalf("no %s %q", k.Title(), name)
}

// result waits for the work pane's result and returns it as plain text.
func (l *live) result(what string) string {
	l.t.Helper()
	l.pump(what, func() bool {
		return l.m.panes.work.Mode() == work.ModeResult && l.m.panes.work.Result() != nil && l.m.panes.work.Active() == nil
	})
	return strings.Join(l.m.panes.work.Result().Render(200, l.m.look.st, l.m.look.hl), "\n")
}

var eras = []struct {
	name   string
	era    demo.Era
	header string
}{
	{"legacy", demo.EraLegacy, "2025-11-25 session "},
	{"modern", demo.EraModern, "2026-07-28 stateless"},
}

func TestLiveHeaderAndDetection(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			if !strings.Contains(plain(l.m), e.header) {
				t.Fatalf("header lacks %q:\n%s", e.header, strings.SplitN(plain(l.m), "\n", 2)[0])
			}
			l.press("D")
			s := plain(l.m)
			for _, want := range []string{"Connection", "why this transport and era", "detection steps", "server/discover"} {
				if !strings.Contains(s, want) {
					t.Errorf("connection dialog lacks %q:\n%s", want, s)
				}
			}
		})
	}
}

func TestLiveSampling(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			l.open(listTools, demo.ToolAskLLM)
			l.press("ctrl+r")
			l.pump("the sampling dialog", func() bool { _, ok := l.m.dialogs.top().(*serverreq.Sampling); return ok })
			s := plain(l.m)
			for _, want := range []string{"asks for an LLM completion", "What is the capital of France?", "You are a concise assistant", "hints claude, gpt"} {
				if !strings.Contains(s, want) {
					t.Errorf("sampling dialog lacks %q", want)
				}
			}
			l.typeText("Paris.")
			l.press("ctrl+r")
			res := l.result("the ask_llm result")
			if !strings.Contains(res, `The client's model "sonde-human" answered`) || !strings.Contains(res, "Paris.") {
				t.Fatalf("result:\n%s", res)
			}
		})
	}
}

func TestLiveSamplingRejected(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			l.open(listTools, demo.ToolAskLLM)
			l.press("ctrl+r")
			l.pump("the sampling dialog", func() bool { _, ok := l.m.dialogs.top().(*serverreq.Sampling); return ok })
			l.press("ctrl+d")
			res := l.result("the rejected ask_llm result")
			if !strings.Contains(strings.ToLower(res), "reject") {
				t.Fatalf("the rejection does not show:\n%s", res)
			}
		})
	}
}

func TestLiveElicitationForm(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			l.open(listTools, demo.ToolElicitForm)
			l.press("ctrl+r")
			l.pump("the elicitation dialog", func() bool { _, ok := l.m.dialogs.top().(*serverreq.Elicit); return ok })
			// defaults are prefilled; email, the second field, is the one required field left
			l.press("tab")
			l.typeText("ada@example.com")
			l.press("ctrl+r")
			res := l.result("the elicit_form result")
			for _, want := range []string{"The user accepted", `"email": "ada@example.com"`, `"displayName": "Ada"`, `"size": "m"`, `"languages": [`} {
				if !strings.Contains(res, want) {
					t.Errorf("result lacks %q:\n%s", want, res)
				}
			}
			// decline
			l.m.setFocus(paneWork)
			l.press("esc")
			l.open(listTools, demo.ToolElicitForm)
			l.press("ctrl+r")
			l.pump("the elicitation dialog", func() bool { _, ok := l.m.dialogs.top().(*serverreq.Elicit); return ok })
			l.press("ctrl+d")
			if res := l.result("the declined result"); !strings.Contains(res, `chose "decline"`) {
				t.Fatalf("decline:\n%s", res)
			}
		})
	}
}

// visit stands in for a browser: it fetches the page.
func visit(u string) error {
	res, err := http.Get(u) //nolint:noctx // a test's loopback fetch
	if err == nil {
		res.Body.Close()
	}
	return err
}

func TestLiveElicitationURL(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			var mu sync.Mutex
			var opened []string
			l.m.env.opener = func(u string) error {
				mu.Lock()
				opened = append(opened, u)
				mu.Unlock()
				return visit(u)
			}
			l.open(listTools, demo.ToolElicitURL)
			l.press("ctrl+r")
			l.pump("the URL dialog", func() bool { _, ok := l.m.dialogs.top().(*serverreq.URL); return ok })
			if s := plain(l.m); !strings.Contains(s, "host 127.0.0.1") || !strings.Contains(s, "/elicit/") {
				t.Fatalf("URL dialog:\n%s", s)
			}
			l.press("o")
			res := l.result("the elicit_url result")
			if !strings.Contains(res, "The user consented") {
				t.Fatalf("result:\n%s", res)
			}
			l.pump("the page opened", func() bool { mu.Lock(); defer mu.Unlock(); return len(opened) == 1 })
			if e.era == demo.EraLegacy {
				// 2025-11-25: the visit completes it and the server says so
				l.pump("notifications/elicitation/complete closes the waiting dialog", func() bool { return l.m.dialogs.top() == nil }) // the waiting dialog stays until then
			} else if l.m.dialogs.top() != nil {
				t.Fatalf("2026-07-28 has no completion to wait for: %T", l.m.dialogs.top())
			}
		})
	}
}

func TestLiveURLElicitationRequiredError(t *testing.T) {
	l := startLive(t, demo.EraLegacy, Options{})
	l.m.env.opener = visit
	l.open(listTools, demo.ToolElicitURL)
	l.press("right") // style: request → error
	l.press("ctrl+r")
	l.pump("the -32042 URL dialog", func() bool { d, ok := l.m.dialogs.top().(*serverreq.URL); return ok && d.ForCall() })
	if l.m.panes.work.Result() == nil || !strings.Contains(describeErr(l.m.panes.work.Result().Err), "32042") {
		t.Fatalf("the error is not in the result view: %+v", l.m.panes.work.Result())
	}
	l.press("o")
	l.pump("the completion", func() bool { w, ok := l.m.dialogs.top().(*serverreq.Wait); return ok && w.Done() })
	if !strings.Contains(plain(l.m), "enter retries tools/call elicit_url") {
		t.Fatalf("no retry offered:\n%s", plain(l.m))
	}
	calls := 0
	for _, en := range l.m.panes.log.Entries() {
		if en.Ev.Dir == mcp.DirOut && en.Ev.Method == "tools/call" {
			calls++
		}
	}
	l.press("enter")
	l.pump("the retry", func() bool {
		n := 0
		for _, en := range l.m.panes.log.Entries() {
			if en.Ev.Dir == mcp.DirOut && en.Ev.Method == "tools/call" {
				n++
			}
		}
		return n == calls+1
	})
}

func TestLiveRoots(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			dir := t.TempDir()
			l := startLive(t, e.era, Options{Roots: []string{dir}})
			l.open(listTools, demo.ToolListRoots)
			l.press("ctrl+r")
			res := l.result("the list_roots result")
			if !strings.Contains(res, "1 root(s)") || !strings.Contains(res, "file://"+dir) {
				t.Fatalf("result:\n%s", res)
			}
			if l.m.dialogs.top() != nil {
				t.Fatalf("roots/list opened a dialog: %T", l.m.dialogs.top())
			}
			// an edit notifies the server (legacy) and the next ask sees it
			l.press("F", "a")
			l.typeText("/tmp/another")
			l.press("enter", "esc")
			if e.era == demo.EraLegacy {
				l.pump("notifications/roots/list_changed", func() bool {
					for _, en := range l.m.panes.log.Entries() {
						if en.Ev.Dir == mcp.DirOut && en.Ev.Method == "notifications/roots/list_changed" {
							return true
						}
					}
					return false
				})
			}
			l.m.setFocus(paneWork)
			l.press("esc")
			l.open(listTools, demo.ToolListRoots)
			l.press("ctrl+r")
			l.pump("the second result", func() bool {
				return l.m.panes.work.Mode() == work.ModeResult && strings.Contains(strings.Join(l.m.panes.work.Result().Render(200, l.m.look.st, l.m.look.hl), "\n"), "2 root(s)")
			})
		})
	}
}

func TestLiveServerLogAndLevel(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			// ask for everything first: servers may start above debug
			l.press("L", "home", "enter")
			l.pump("the level", func() bool { return l.m.panes.srvLog.Asked() == "debug" })
			l.open(listTools, demo.ToolEmitLogs)
			l.press("ctrl+r")
			l.result("the emit_logs result")
			// in the state and taken by the UI (the feed applies events to the
			// state before the UI takes them as a batch): every level passes
			// at debug, so the pane shows all the log once it has synced
			l.pump("the log messages", func() bool {
				return countLevel(l.m, "emergency") == 1 && l.m.panes.srvLog.Shown() == l.m.s.Log.Len()
			})
			if countLevel(l.m, "debug") == 0 {
				t.Fatal("no debug message after asking for debug")
			}
			l.press("M")
			if l.m.panes.logView != viewServerLog || !strings.Contains(plain(l.m), "hello from emit_logs") {
				t.Fatalf("server log view:\n%s", plain(l.m))
			}
			// warning and above: the view filters and the server is asked
			l.press("L")
			for range 3 {
				l.press("down")
			}
			l.press("enter")
			l.pump("the new level", func() bool { return l.m.panes.srvLog.Asked() == "warning" })
			if strings.Contains(plain(l.m), "] debug") || l.m.panes.srvLog.Shown() >= l.m.s.Log.Len() {
				t.Fatalf("the view still shows lower levels (%d of %d)", l.m.panes.srvLog.Shown(), l.m.s.Log.Len())
			}
			before := l.read(func() int { return countLevel(l.m, "debug") })
			l.m.setFocus(paneWork)
			l.press("esc")
			l.open(listTools, demo.ToolEmitLogs)
			l.press("ctrl+r")
			l.result("the second emit_logs result")
			l.pump("the second batch", func() bool { return countLevel(l.m, "emergency") == 2 })
			if got := l.read(func() int { return countLevel(l.m, "debug") }); got != before {
				t.Fatalf("the server still sends debug messages after logging/setLevel warning (%d → %d)", before, got)
			}
		})
	}
}

// countLevel counts the messages of emit_logs at level (with the state's
// lock held: in a pump condition, or through l.read).
func countLevel(m *Model, level string) int {
	n := 0
	for i := m.s.Log.First(); i < m.s.Log.Next(); i++ {
		if e := m.s.Log.At(i); e.Level == level && strings.Contains(srvlog.Text(e), "hello from emit_logs") {
			n++
		}
	}
	return n
}

func TestLiveListChanged(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			has := func() bool { return l.m.panes.br.Find(listTools, demo.ToolSurprise) != nil }
			if has() {
				t.Fatal("the surprise tool is there from the start")
			}
			l.open(listTools, demo.ToolManageExtras)
			if err := l.m.panes.work.Form().SetValue([]byte(`{"action":"add","kinds":["tool","prompt","resource"]}`)); err != nil {
				t.Fatal(err)
			}
			l.press("ctrl+r")
			l.result("the manage_extras result")
			l.pump("the browser refreshed on tools/list_changed", has)
			l.pump("… prompts/list_changed", func() bool { return l.m.panes.br.Find(listPrompts, demo.PromptSurprise) != nil })
			l.pump("… resources/list_changed", func() bool {
				for _, it := range l.m.panes.br.Items(listResources) {
					if strings.Contains(it.URI, "surprise") {
						return true
					}
				}
				return false
			})
		})
	}
}

func TestLiveResourceSubscription(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			l.open(listResources, demo.ClockURI)
			first := l.result("the clock")
			l.m.setFocus(paneWork)
			l.press("w")
			l.pump("subscribed", func() bool { return l.m.s.Subscribed[demo.ClockURI] })
			l.pump("two updates re-read", func() bool {
				return updates(l.m, demo.ClockURI) >= 2 && len(l.m.subs.rereading) == 0 &&
					strings.Join(l.m.panes.work.Result().Render(200, l.m.look.st, l.m.look.hl), "\n") != first
			})
			if !strings.Contains(plain(l.m), "● watching") {
				t.Fatalf("no watching line:\n%s", plain(l.m))
			}
			ticks := l.clockTicks()
			l.press("w")
			// the unsubscribe has returned (its flash): no stream of the
			// session carries the clock any more (in 2026-07-28 the
			// state says unsubscribed when the new listen stream is
			// acknowledged, before the old one is closed)
			l.pump("unsubscribed", func() bool {
				return !l.m.s.Subscribed[demo.ClockURI] && strings.HasPrefix(l.m.flash.text, "unsubscribed from")
			})
			// an update the server sent before it took the unsubscribe
			// may still be on its way for a tick; after that none may come
			t0 := ticks()
			l.pump("two clock ticks", func() bool { return ticks() >= t0+2 })
			n := l.read(func() int { return updates(l.m, demo.ClockURI) })
			l.pump("three more clock ticks", func() bool { return ticks() >= t0+5 })
			if got := l.read(func() int { return updates(l.m, demo.ClockURI) }); got != n {
				t.Fatalf("updates keep coming after unsubscribing: %d → %d", n, got)
			}
			// a new session (R) is subscribed again
			l.press("w")
			l.pump("subscribed again", func() bool { return l.m.s.Subscribed[demo.ClockURI] })
			old := l.m.conn.sess
			l.m.setFocus(paneBrowser)
			l.press("R")
			l.pump("resubscribed on the new session", func() bool { return l.m.conn.sess != nil && l.m.conn.sess != old && l.m.s.Subscribed[demo.ClockURI] })
			n0 := l.read(func() int { return updates(l.m, demo.ClockURI) })
			l.pump("updates on the new session", func() bool { return updates(l.m, demo.ClockURI) >= n0+2 })
		})
	}
}

func TestLiveCompletions(t *testing.T) {
	for _, e := range eras {
		t.Run(e.name, func(t *testing.T) {
			l := startLive(t, e.era, Options{})
			l.open(listPrompts, demo.PromptPlanTrip)
			f := l.m.panes.work.Form()
			for path, _, _ := f.FocusedText(); path != "/country"; path, _, _ = f.FocusedText() {
				l.press("tab")
			}
			l.typeText("fr")
			l.pump("country completions", func() bool { return contains(f.Suggestions(), "France") })
			if !strings.Contains(plain(l.m), "› France") {
				t.Fatalf("no suggestion list:\n%s", plain(l.m))
			}
			l.press("tab") // takes France
			if _, text, _ := f.FocusedText(); text != "France" {
				t.Fatalf("took %q", text)
			}
			for path, _, _ := f.FocusedText(); path != "/city"; path, _, _ = f.FocusedText() {
				l.press("tab")
			}
			// the country rides in context.arguments: only French cities
			l.pump("city completions", func() bool { return contains(f.Suggestions(), "Paris") })
			if contains(f.Suggestions(), "Berlin") {
				t.Fatalf("city completions ignore the country: %v", f.Suggestions())
			}
			l.typeText("ly")
			l.press("down")
			l.pump("narrowed", func() bool { s := f.Suggestions(); return len(s) == 1 && s[0] == "Lyon" })
			l.press("enter")
			if _, text, _ := f.FocusedText(); text != "Lyon" {
				t.Fatalf("took %q", text)
			}

			// a template variable (ref/resource)
			l.m.setFocus(paneWork)
			l.press("esc")
			l.open(listTemplates, demo.WeatherTemplate)
			f = l.m.panes.work.Form()
			l.typeText("par")
			l.pump("template completions", func() bool { return contains(f.Suggestions(), "Paris") })
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestLiveLogLevelAtConnectAndReconnect(t *testing.T) {
	// 2026-07-28: a server logs only to requests that carry a level, so
	// sonde asks for info until the user picks one
	l := startLive(t, demo.EraModern, Options{})
	l.pump("info asked", func() bool { return l.m.panes.srvLog.Asked() == "info" })
	l.open(listTools, demo.ToolEmitLogs)
	l.press("ctrl+r")
	l.result("emit_logs")
	l.pump("info and above", func() bool { return countLevel(l.m, "emergency") == 1 })
	if countLevel(l.m, "info") != 1 || countLevel(l.m, "debug") != 0 {
		t.Fatalf("info %d debug %d", countLevel(l.m, "info"), countLevel(l.m, "debug"))
	}

	// legacy: nothing is asked until the user picks; a reconnect asks again
	l = startLive(t, demo.EraLegacy, Options{})
	setLevels := func() int {
		n := 0
		for _, en := range l.m.panes.log.Entries() {
			if en.Ev.Dir == mcp.DirOut && en.Ev.Method == "logging/setLevel" {
				n++
			}
		}
		return n
	}
	l.flush()
	if l.m.panes.srvLog.Asked() != "" || setLevels() != 0 {
		t.Fatalf("a legacy session was asked for a level unasked: %q", l.m.panes.srvLog.Asked())
	}
	l.press("L", "down", "down", "down", "enter")
	l.pump("warning asked", func() bool { return l.m.panes.srvLog.Asked() == "warning" && setLevels() == 1 })
	l.m.setFocus(paneBrowser)
	old := l.m.conn.sess
	l.press("R")
	l.pump("reconnected and asked again", func() bool { return l.m.conn.sess != nil && l.m.conn.sess != old && setLevels() == 2 })
}

// Against a legacy HTTP+SSE server, detection probes (server/discover,
// then initialize over Streamable HTTP) end without an answer: once
// connected nothing is in flight (startLive waits for that), and the
// header does not say otherwise.
func TestLiveLegacySSENothingInFlight(t *testing.T) {
	l := startLiveAt(t, demo.EraLegacy, Options{}, func(r *demo.Running) string { return r.SSEURL })
	if l.m.s.Conn.Info == nil || l.m.s.Conn.Info.Transport != mcp.TransportSSE {
		t.Fatalf("connected over %+v, want legacy SSE", l.m.s.Conn.Info)
	}
	if s := plain(l.m); strings.Contains(s, "in flight") {
		t.Fatalf("the header counts requests in flight:\n%s", s)
	}
}

// Cancelling a request from the log cancels the call that sent it, found
// by the id mcp gave the call (a Handle), even when two calls of the same
// method are in flight and the second one's request went out first (the
// UI used to guess by method name and cancelled the other call).
func TestLiveCancelFromTheLogCancelsThatCall(t *testing.T) {
	l := startLive(t, demo.EraLegacy, Options{})
	m := l.m
	args := map[string]any{"name": demo.ToolLongRunning, "arguments": map[string]any{"durationMs": 20000, "steps": 2}}
	cmdA := m.startCall("tools/call", demo.ToolLongRunning, nil, args, false)
	a := m.calls.inFlight[len(m.calls.inFlight)-1]
	cmdB := m.startCall("tools/call", demo.ToolLongRunning, nil, args, false)
	b := m.calls.inFlight[len(m.calls.inFlight)-1]
	calls := func() int {
		n := 0
		for _, f := range m.s.Requests {
			if f.Method == "tools/call" {
				n++
			}
		}
		return n
	}
	l.async(cmdB) // B's request goes out first
	l.pump("B in flight", func() bool { return calls() == 1 })
	l.async(cmdA)
	l.pump("A in flight", func() bool { return calls() == 2 })

	// select B's request (the first tools/call in the log) and cancel it
	m.setLogView(viewWire)
	m.setFocus(paneLog)
	for _, en := range m.panes.log.Entries() {
		if en.Ev.Method == "tools/call" && en.Ev.RPC == mcp.RPCRequest && m.panes.log.Select(en) {
			break
		}
	}
	if id := m.panes.log.Selected().Ev.ID; id != b.h.ID() {
		t.Fatalf("the first tools/call request is %s, B's is %s", id, b.h.ID())
	}
	l.press("x")
	l.pump("B cancelled", func() bool { return b.done })
	if a.done {
		t.Fatal("cancelling B's request ended A")
	}
	a.cancel()
	l.pump("A cancelled", func() bool { return a.done })
}

// updates counts the notifications/resources/updated about uri.
func updates(m *Model, uri string) int {
	if u := m.s.Updates[uri]; u != nil {
		return u.Count
	}
	return 0
}

// TestDialStartsListings: the dial lists what the server offers as soon as
// the session is up, before Update sees the session (the first dial runs
// while Bubble Tea sets the terminal up, so the first frame with the
// server's lists comes sooner); connected then waits for those listings
// instead of asking again.
func TestDialStartsListings(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("SONDE_ERA_CACHE", "off")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := demo.Start(ctx, demo.Options{Era: demo.EraLegacy})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var mu sync.Mutex
	lists := 0 // tools/list requests the server got
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"tools/list"`)) {
			mu.Lock()
			lists++
			mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return lists
	}

	m := newLive(ctx, Options{Config: mcp.Config{URL: front.URL + target.Path, Keepalive: -1}})
	m.conn.manual, m.conn.reqs, m.ticking = true, nil, true
	defer m.conn.feed.close()
	msg := m.conn.dial(&m.opts)().(connectedMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	defer msg.sess.Close()
	if !testenv.Poll(10*time.Second, func() bool { return count() == 1 }) {
		t.Fatalf("%d tools/list requests before the model saw the session, want 1", count())
	}
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
		case listDoneMsg:
			upd(m, msg)
		}
	}
	run(upd(m, msg))
	upd(m, feedMsg{}) // the listing's events
	if !m.panes.br.Loaded(listTools) || m.panes.br.Loading(listTools) || len(m.panes.br.Items(listTools)) == 0 {
		t.Errorf("tools after connected: loaded %v, loading %v, %d items", m.panes.br.Loaded(listTools), m.panes.br.Loading(listTools), len(m.panes.br.Items(listTools)))
	}
	if n := count(); n != 1 {
		t.Errorf("%d tools/list requests, want 1 (connected listed again)", n)
	}
}
