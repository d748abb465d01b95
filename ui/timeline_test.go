package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/pane/timeline"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// spanFixture adds to the session: two overlapping calls (one that keeps
// running with progress, one that fails), a read that is cancelled, a
// server request answered by sonde, and a probe nobody answered.
func spanFixture(m *Model) {
	f := &fx{at: t0.Add(200 * time.Millisecond), seq: 100}
	f.req(20, "tools/call", `{"name":"slow","_meta":{"progressToken":"p1"}}`)
	f.req(21, "tools/call", `{"name":"broken"}`)
	f.note("notifications/progress", `{"progressToken":"p1","progress":1}`)
	f.at = f.at.Add(300 * time.Millisecond)
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCErrorResponse, ID: "21", ReqMethod: "tools/call",
		Raw: []byte(`{"jsonrpc":"2.0","id":21,"error":{"code":-32603,"message":"boom"}}`)})
	f.req(22, "resources/read", `{"uri":"demo://readme.md"}`)
	f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: "sampling/createMessage", ID: `"s1"`,
		Raw: []byte(`{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{}}`)})
	f.req(23, "server/discover", "")
	f.at = f.at.Add(400 * time.Millisecond)
	f.add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCNotification, Method: "notifications/cancelled",
		Raw: []byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":22,"reason":"user"}}`)})
	f.add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: `"s1"`, Raw: []byte(`{"jsonrpc":"2.0","id":"s1","result":{}}`)})
	f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, ID: "23", ReqMethod: "server/discover", Text: "probe: server/discover (id 23) ended without an answer: HTTP 400"})
	m.update(eventsMsg(f.evs))
	m.look.com.Now = f.at.Add(time.Second)
}

func spanNamed(m *Model, label string) *session.Span {
	for i := range m.panes.timeline.Spans() {
		s := &m.panes.timeline.Spans()[i]
		if strings.Contains(timeline.SpanLabel(s, 200), label) {
			return s
		}
	}
	return nil
}

// The timeline is built from the events: a span per request with its
// outcome, open ones growing with the clock, lanes for overlaps.
func TestTimelineFromEvents(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	spanFixture(m)
	w := &m.s.Timeline
	if n := len(m.panes.timeline.Spans()); n != 12 {
		t.Fatalf("%d spans, want 12", n)
	}
	slow, broken, read := spanNamed(m, "slow #20"), spanNamed(m, "broken #21"), spanNamed(m, "readme.md #22")
	sampling, probe := spanNamed(m, "← sampling/createMessage #s1"), spanNamed(m, "server/discover #23")
	switch {
	case slow == nil || slow.Done || slow.Progress != 1:
		t.Fatalf("slow: %+v", slow)
	case broken == nil || !broken.Error || broken.Lane != 1:
		t.Fatalf("broken: %+v", broken)
	case read == nil || !read.Cancelled:
		t.Fatalf("read: %+v", read)
	case sampling == nil || !sampling.Done || sampling.Error:
		t.Fatalf("sampling: %+v", sampling)
	case probe == nil || !probe.Done || probe.Error || probe.Note == "":
		t.Fatalf("probe: %+v", probe)
	}
	if w.Peak() != 4 || w.Open() != 1 || len(w.Ticks()) != 2 {
		t.Fatalf("peak %d, open %d, ticks %d", w.Peak(), w.Open(), len(w.Ticks()))
	}
	press(m, "W")
	s := plain(m)
	brokenLat := timeline.Latency(w, broken, m.panes.timeline.End())
	readLat := timeline.Latency(w, read, m.panes.timeline.End())
	if !strings.HasPrefix(brokenLat, "✗ ") || !strings.HasPrefix(readLat, "⊘ ") {
		t.Fatalf("latencies %q %q", brokenLat, readLat)
	}
	for _, want := range []string{"Timeline 12 · 1 open · peak 4 · follow", "→ tools/call broken #21", brokenLat, readLat, "no answer", "notifications"} {
		if !strings.Contains(s, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	// the open call grows with the clock
	lat := func() string { return timeline.Latency(w, slow, m.panes.timeline.End()) }
	before := lat()
	m.look.com.Now = m.look.com.Now.Add(2 * time.Second)
	if after := lat(); after == before || !strings.HasSuffix(after, "…") || !strings.Contains(plain(m), after) {
		t.Fatalf("open span: %s then %s", before, after)
	}
	// a listen stream is open, but not waiting for an answer
	l := &fx{at: m.look.com.Now, seq: 800}
	l.req(30, "subscriptions/listen", `{}`)
	m.update(eventsMsg(l.evs))
	if lat := timeline.Latency(w, spanNamed(m, "listen #30"), m.panes.timeline.End()); w.Open() != 2 || w.Waiting() != 1 || lat != "listening" {
		t.Fatalf("with a listen stream: %d open, %d waiting, %q", w.Open(), w.Waiting(), lat)
	}
	// the end of the connection cuts what is still open
	m.update(eventsMsg{{Kind: mcp.KindState, State: mcp.StateClosed, Dir: mcp.DirMeta, Time: m.look.com.Now, Seq: 900}})
	m.look.com.Now = m.look.com.Now.Add(time.Minute)
	if l := timeline.Latency(w, slow, m.panes.timeline.End()); l != "cut off" || w.Waiting() != 0 || strings.Contains(m.panes.timeline.Title(), "open") {
		t.Fatalf("after the connection closed: %q, %d open, title %q", l, w.Waiting(), m.panes.timeline.Title())
	}
	// a rewind forgets the spans (the replay rebuilds them)
	m.update(eventsMsg{{Kind: store.KindRewind, Time: t0, Dir: mcp.DirMeta}})
	if len(m.panes.timeline.Spans()) != 0 || w.Peak() != 0 || len(w.Ticks()) != 0 {
		t.Fatalf("after a rewind: %d spans", len(m.panes.timeline.Spans()))
	}
}

// The timeline's keys: W and 4 show it, the list keys select, + - 0
// zoom, ← → pan, p lanes, f follow, enter jumps to the request in the log
// and opens it, v shows its answer.
func TestTimelineKeys(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	spanFixture(m)
	press(m, "W")
	if m.panes.logView != viewTimeline || m.screen.focus != paneLog {
		t.Fatalf("W: view %d focus %d", m.panes.logView, m.screen.focus)
	}
	press(m, "W")
	if m.panes.logView != viewWire {
		t.Fatal("W again should go back to the wire log")
	}
	press(m, "4")
	if m.panes.logView != viewTimeline {
		t.Fatal("4 should show the timeline")
	}
	n := len(m.panes.timeline.Spans())
	if tlCursor(m) != n-1 || !tlFollowing(m) {
		t.Fatalf("follows the newest: cursor %d of %d", tlCursor(m), n)
	}
	press(m, "k", "k")
	if tlFollowing(m) || tlCursor(m) != n-3 {
		t.Fatalf("k k: cursor %d follow %v", tlCursor(m), tlFollowing(m))
	}
	// zoom in around the selected request, then out to the whole session
	// (the pane's tests look at the window closely)
	width := func() time.Duration { from, to := m.panes.timeline.Window(); return to.Sub(from) }
	whole := width()
	press(m, "+")
	if !near(width(), whole/2) || !strings.Contains(m.flash.text, "wide") {
		t.Fatalf("+: window %v (whole %v), flash %q", width(), whole, m.flash.text)
	}
	press(m, "-")
	if width() != whole || m.flash.text != "timeline: the whole session" {
		t.Fatalf("-: window %v, flash %q", width(), m.flash.text)
	}
	press(m, "+", "+", "0")
	if width() != whole {
		t.Fatal("0 should fit the whole session")
	}
	// lanes
	press(m, "p")
	if !strings.Contains(m.panes.timeline.Title(), "lanes") || !strings.Contains(plain(m), "lane 3") {
		t.Fatalf("p: lanes\n%s", plain(m))
	}
	press(m, "p")
	if strings.Contains(m.panes.timeline.Title(), "lanes") {
		t.Fatal("p again: a row per request")
	}
	// follow
	press(m, "f")
	if !tlFollowing(m) || tlCursor(m) != n-1 {
		t.Fatal("f should follow the newest")
	}
	press(m, "f")
	if tlFollowing(m) {
		t.Fatal("f again: follow off")
	}
	// enter: the request in the wire log, in detail
	press(m, "g", "j", "j", "j", "j", "j") // tools/call echo #6
	if s := m.panes.timeline.Selected(); s == nil || s.ID != "6" {
		t.Fatalf("selected %+v", s)
	}
	press(m, "enter")
	if !strings.Contains(plain(m), "Event #") || m.panes.logView != viewWire {
		t.Fatalf("enter: dialog %T, view %d", m.dialogs.top(), m.panes.logView)
	}
	if en := m.panes.log.Selected(); en == nil || en.Ev.ID != "6" || en.Ev.RPC != mcp.RPCRequest {
		t.Fatalf("the log selects %+v", en)
	}
	press(m, "esc", "4", "v")
	if m.panes.work.Mode() != work.ModeResult || m.panes.work.Result() == nil || m.panes.work.Result().Subject != "echo" || m.screen.focus != paneWork {
		t.Fatalf("v: work mode %d", m.panes.work.Mode())
	}
}

// tlCursor is the index of the timeline's selected request.
func tlCursor(m *Model) int {
	spans := m.panes.timeline.Spans()
	for i := range spans {
		if &spans[i] == m.panes.timeline.Selected() {
			return i
		}
	}
	return -1
}

// tlFollowing reports whether the timeline follows the newest request.
func tlFollowing(m *Model) bool { return strings.HasSuffix(m.panes.timeline.Title(), " · follow") }

// A request that has left the log's window cannot be jumped to; the
// timeline says so.
func TestTimelineRequestLeftTheLog(t *testing.T) {
	m := New(context.Background(), Options{LogWindow: 4}, nil)
	m.ticking, m.look.com.Now = true, t0
	m.update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.update(eventsMsg(demoSession().evs))
	press(m, "W", "g", "enter")
	if m.dialogs.top() != nil || m.panes.logView != viewTimeline || !strings.Contains(m.flash.text, "left the log") {
		t.Fatalf("dialog %T view %d flash %q", m.dialogs.top(), m.panes.logView, m.flash.text)
	}
}

// Clicking a row selects its request; a second click opens it. In the
// lanes layout the click picks the bar under the pointer.
func TestTimelineMouse(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	spanFixture(m)
	press(m, "W")
	r := m.layout()[paneLog]
	// the first request's row: after the axis and the notifications
	first := slices.IndexFunc(strings.Split(plain(m), "\n"), func(l string) bool { return strings.Contains(l, "│notifications") })
	if first < 0 {
		t.Fatalf("no notifications row:\n%s", plain(m))
	}
	first++
	click := func(x, y int) {
		m.update(tea.MouseClickMsg{X: r.x + 1 + x, Y: y, Button: tea.MouseLeft})
	}
	click(3, first+1) // the second request
	if tlCursor(m) != 1 || tlFollowing(m) {
		t.Fatalf("click: cursor %d", tlCursor(m))
	}
	click(3, first+1)
	if !strings.Contains(plain(m), "Event #") {
		t.Fatalf("a second click should open the request, got %T", m.dialogs.top())
	}
	press(m, "esc", "4")
	before := tlCursor(m)
	m.update(tea.MouseWheelMsg{X: r.x + 2, Y: r.y + 2, Button: tea.MouseWheelDown})
	if tlCursor(m) != before+1 {
		t.Fatalf("the wheel should move the selection: %d then %d", before, tlCursor(m))
	}
}

// Only the visible rows are drawn, and the spans kept are bounded: a long
// session costs what the screen shows.
func TestTimelineBounded(t *testing.T) {
	m := New(context.Background(), Options{LogWindow: 1000}, nil)
	m.ticking = true
	m.update(tea.WindowSizeMsg{Width: 120, Height: 40})
	evs := benchEvents(4*(session.MaxSpans+session.MaxSpans/4+100), 1)
	for i := 0; i < len(evs); i += maxBatch {
		m.update(eventsMsg(evs[i:min(len(evs), i+maxBatch)]))
	}
	if n := len(m.panes.timeline.Spans()); n > session.MaxSpans+max(64, session.MaxSpans/4) || n < session.MaxSpans {
		t.Fatalf("%d spans kept", n)
	}
	press(m, "W")
	w, h := m.panes.log.Size()
	if got := len(strings.Split(m.panes.timeline.View(w, h), "\n")); got > h {
		t.Fatalf("%d lines for %d rows", got, h)
	}
	press(m, "g")
	if tlCursor(m) != 0 { // (and so the first row shown)
		t.Fatal("g: the oldest kept span")
	}
}

// TestGoldenTimeline snapshots the timeline (a row per request, zoomed,
// and lanes) at both sizes.
func TestGoldenTimeline(t *testing.T) {
	screens := map[string]func(m *Model){
		"rows":   func(m *Model) { press(m, "W") },
		"zoomed": func(m *Model) { press(m, "W", "k", "k", "k", "+", "+") },
		"lanes":  func(m *Model) { press(m, "W", "k", "p") },
	}
	for name, setup := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				m := newTestModel(t, sz[0], sz[1], "")
				spanFixture(m)
				setup(m)
				requireScreen(t, m)
			})
		}
	}
}

// TestGoldenReplay snapshots the replay screen: the transport bar, and
// the timeline with the replay's position on its axis, paused and
// playing, at both sizes.
func TestGoldenReplay(t *testing.T) {
	for _, playing := range []bool{false, true} {
		for _, sz := range sizes {
			name := fmt.Sprintf("paused_%dx%d", sz[0], sz[1])
			if playing {
				name = fmt.Sprintf("playing_%dx%d", sz[0], sz[1])
			}
			t.Run(name, func(t *testing.T) {
				r := &fakeReplay{st: store.PlayerStatus{Pos: 16, Len: 40, At: 1200 * time.Millisecond, Duration: 4 * time.Second, Speed: 2, Playing: playing}}
				m := New(context.Background(), Options{Replay: r, ReplayStart: t0}, nil)
				m.ticking, m.look.com.Now = true, t0
				m.update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				m.update(eventsMsg(demoSession().evs))
				spanFixture(m)
				if m.panes.logView != viewTimeline {
					t.Fatal("a replay opens on the timeline")
				}
				requireScreen(t, m)
			})
		}
	}
}

// near reports durations equal to a nanosecond or two (halving rounds).
func near(a, b time.Duration) bool { return max(a-b, b-a) <= 2 }

// K hides keepalive pings in the timeline as in the log, and shows them
// again; the selected request stays selected across the toggle, and
// pings that arrive while hidden are there when shown.
func TestTimelineKeepaliveToggle(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	f := &fx{at: t0.Add(100 * time.Millisecond), seq: 100}
	f.req(30, "tools/call", `{"name":"first"}`).resp(30, "tools/call", `{"content":[]}`)
	f.req(31, "ping", "").resp(31, "ping", `{}`)
	f.req(32, "tools/call", `{"name":"second"}`).resp(32, "tools/call", `{"content":[]}`)
	m.update(eventsMsg(f.evs))
	press(m, "W")
	if spanNamed(m, "ping #31") == nil || !strings.Contains(plain(m), "ping #31") {
		t.Fatalf("the ping is not in the timeline:\n%s", plain(m))
	}
	// select "second", then hide keepalives
	for m.panes.timeline.Selected() == nil || !strings.Contains(timeline.SpanLabel(m.panes.timeline.Selected(), 200), "second") {
		before := tlCursor(m)
		press(m, "down")
		if tlCursor(m) == before {
			t.Fatal("could not select the second call")
		}
	}
	press(m, "K")
	if !m.panes.log.HideKeepalive() || spanNamed(m, "ping #31") != nil || strings.Contains(plain(m), "ping #31") {
		t.Fatalf("K did not hide the ping:\n%s", plain(m))
	}
	if sel := m.panes.timeline.Selected(); sel == nil || !strings.Contains(timeline.SpanLabel(sel, 200), "second") {
		t.Fatalf("selection moved to %+v", sel)
	}
	if spanNamed(m, "first #30") == nil {
		t.Fatal("a request went with the ping")
	}
	// a ping while hidden, then show again
	f.req(33, "ping", "").resp(33, "ping", `{}`)
	m.update(eventsMsg(f.evs[len(f.evs)-2:]))
	if spanNamed(m, "ping #33") != nil {
		t.Fatal("a new ping shows while keepalives are hidden")
	}
	press(m, "K")
	if m.panes.log.HideKeepalive() || spanNamed(m, "ping #31") == nil || spanNamed(m, "ping #33") == nil {
		t.Fatalf("K did not bring the pings back:\n%s", plain(m))
	}
}

// Sequence numbers restart with each session (a reconnect keeps the
// timeline): the K toggle still keeps the selected request.
func TestTimelineKeepaliveToggleAfterReconnect(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	f := &fx{at: t0.Add(100 * time.Millisecond), seq: 500}
	f.req(30, "tools/call", `{"name":"before"}`).resp(30, "tools/call", `{"content":[]}`)
	f.req(31, "tools/call", `{"name":"also-before"}`).resp(31, "tools/call", `{"content":[]}`)
	m.update(eventsMsg(f.evs))
	g := &fx{at: f.at.Add(time.Second), seq: 0} // the new session counts from 1
	g.req(1, "ping", "").resp(1, "ping", `{}`)
	g.req(2, "tools/call", `{"name":"after"}`).resp(2, "tools/call", `{"content":[]}`)
	g.req(3, "tools/call", `{"name":"latest"}`).resp(3, "tools/call", `{"content":[]}`)
	m.update(eventsMsg(g.evs))
	press(m, "W")
	for m.panes.timeline.Selected() == nil || !strings.Contains(timeline.SpanLabel(m.panes.timeline.Selected(), 200), "after #2") {
		before := tlCursor(m)
		press(m, "up")
		if tlCursor(m) == before {
			t.Fatal("could not select the call after the reconnect")
		}
	}
	if tlFollowing(m) {
		t.Fatal("the selection follows the newest: the test needs a fixed one")
	}
	press(m, "K")
	if sel := m.panes.timeline.Selected(); sel == nil || !strings.Contains(timeline.SpanLabel(sel, 200), "after #2") {
		t.Fatalf("selection moved to %+v", sel)
	}
	press(m, "K")
	if sel := m.panes.timeline.Selected(); sel == nil || !strings.Contains(timeline.SpanLabel(sel, 200), "after #2") {
		t.Fatalf("selection moved to %+v after showing keepalives again", sel)
	}
}
