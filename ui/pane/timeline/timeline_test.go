package timeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

var t0 = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// events builds a session's events, 7ms apart.
type events struct {
	seq uint64
	at  time.Time
	evs []mcp.Event
}

func (f *events) add(e mcp.Event) *events {
	f.seq++
	f.at = f.at.Add(7 * time.Millisecond)
	e.Seq, e.Time = f.seq, f.at
	f.evs = append(f.evs, e)
	return f
}

func (f *events) req(id int, method, params string) *events {
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params)
	return f.add(mcp.Event{Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: method, ID: fmt.Sprint(id), Raw: json.RawMessage(raw)})
}

func (f *events) resp(id int, method string) *events {
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{"content":[]}}`, id)
	return f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: fmt.Sprint(id), ReqMethod: method, Latency: 3 * time.Millisecond, Raw: json.RawMessage(raw)})
}

func (f *events) note(method, params string) *events {
	raw := fmt.Sprintf(`{"jsonrpc":"2.0","method":%q,"params":%s}`, method, params)
	return f.add(mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCNotification, Method: method, Raw: json.RawMessage(raw)})
}

// session has ten calls in two overlapping waves, a ping between them, a
// progress notification, and a call still open.
func sessionState() *session.State {
	s := session.New()
	f := &events{at: t0}
	for i := range 4 {
		f.req(10+i, "tools/call", fmt.Sprintf(`{"name":"a%d"}`, i))
	}
	for i := range 4 {
		f.resp(10+i, "tools/call")
	}
	f.req(20, "ping", `{}`).resp(20, "ping")
	f.note("notifications/progress", `{"progressToken":"p","progress":1}`)
	f.at = f.at.Add(300 * time.Millisecond)
	for i := range 4 {
		f.req(30+i, "tools/call", fmt.Sprintf(`{"name":"b%d"}`, i))
		f.resp(30+i, "tools/call")
	}
	f.req(40, "tools/call", `{"name":"open"}`)
	for _, e := range f.evs {
		s.Apply(e)
	}
	return s
}

func newPane(s *session.State) *Pane {
	c := commontest.New()
	c.Now = t0.Add(time.Second)
	p := New(c, s)
	p.SetSize(100, 20)
	p.SetFocused(true)
	return p
}

func screen(p *Pane) string { return ansi.Strip(p.View(100, 20)) }

func press(p *Pane, keys ...string) component.Action {
	var a component.Action
	for _, k := range keys {
		a, _ = p.Update(ct.Key(k))
	}
	return a
}

func label(s *session.Span) string {
	if s == nil {
		return "<none>"
	}
	return SpanLabel(s, 200)
}

func near(a, b time.Duration) bool { return max(a-b, b-a) <= 2 }

// The pane draws a bar per request with its latency, follows the newest
// and says so in its title.
func TestDraws(t *testing.T) {
	p := newPane(sessionState())
	v := screen(p)
	for _, want := range []string{"notifications", "→ tools/call a0 #10", "→ tools/call open #40", "…", "3.0ms"} {
		if !strings.Contains(v, want) {
			t.Errorf("the view lacks %q:\n%s", want, v)
		}
	}
	if got := p.Title(); got != "Timeline 10 · 1 open · peak 4 · follow" {
		t.Fatalf("title %q", got)
	}
	if s := p.Selected(); label(s) != "→ tools/call open #40" {
		t.Fatalf("selected %s", label(s))
	}
	if got := len(strings.Split(p.View(100, 20), "\n")); got > 20 {
		t.Fatalf("%d lines for 20 rows", got)
	}
	empty := newPane(session.New())
	if v := screen(empty); !strings.Contains(v, "no requests yet") {
		t.Fatalf("empty: %s", v)
	}
}

// Zoom narrows and widens the window around the selected request; pan
// moves it, but not to long before the session started; 0 fits the whole
// session again.
func TestZoomAndPan(t *testing.T) {
	p := newPane(sessionState())
	screen(p)
	from, to := p.Window()
	whole := to.Sub(from)
	press(p, "k", "k")
	if a := press(p, "+"); a == nil {
		t.Fatal("+ should say the width")
	}
	w := p.cur
	sel := p.Selected()
	if !near(w.window, whole/2) || !w.from.Equal(sel.Start.Add(-w.window/2)) {
		t.Fatalf("+: window %v from %v (whole %v, selected at %v)", w.window, w.from, whole, sel.Start)
	}
	press(p, "+")
	if !near(w.window, whole/4) {
		t.Fatalf("+ +: window %v", w.window)
	}
	if a := press(p, "-", "-"); w.window != 0 || a != (component.Flash{Text: "timeline: the whole session"}) {
		t.Fatalf("- -: window %v (%v)", w.window, a)
	}
	press(p, "+", "0")
	if w.window != 0 {
		t.Fatal("0 should fit the whole session")
	}
	press(p, "+", "+", "+")
	f0 := w.from
	press(p, "h")
	if !w.from.Equal(f0.Add(-w.window/4)) || w.list.Following() {
		t.Fatalf("h: from %v, want %v", w.from, f0.Add(-w.window/4))
	}
	press(p, "l", "l")
	if !w.from.Equal(f0.Add(w.window / 4)) {
		t.Fatalf("l l: from %v, want %v", w.from, f0.Add(w.window/4))
	}
	for range 20 {
		press(p, "h")
	}
	if !w.from.Equal(w.tl.Origin().Add(-w.window / 20)) {
		t.Fatalf("h ×20: from %v, origin %v", w.from, w.tl.Origin())
	}
}

// p shows lanes (the peak concurrency's worth of rows), f follows the
// newest, enter and v ask the root for the selected request.
func TestKeysAndActions(t *testing.T) {
	p := newPane(sessionState())
	screen(p)
	if a := press(p, "p"); !p.cur.lanes || a == nil || !strings.Contains(screen(p), "lane 4") {
		t.Fatalf("p: lanes %v %v\n%s", p.cur.lanes, a, screen(p))
	}
	press(p, "p", "g")
	if p.cur.list.Following() || p.cur.list.Cursor() != 0 {
		t.Fatal("g: the oldest request")
	}
	if a := press(p, "f"); !p.cur.list.Following() || label(p.Selected()) != "→ tools/call open #40" || a == nil {
		t.Fatal("f should follow the newest")
	}
	press(p, "f", "g")
	if a, ok := press(p, "enter").(Open); !ok || a.Span.ID != "10" {
		t.Fatalf("enter: %#v", press(p, "enter"))
	}
	if a, ok := press(p, "v").(ShowResult); !ok || a.Span.ID != "10" {
		t.Fatalf("v: %#v", a)
	}
	if _, ok := press(p, "K").(ToggleKeepalive); !ok {
		t.Fatal("K should ask to toggle keepalives")
	}
	empty := newPane(session.New())
	if a := press(empty, "enter"); a != noneSelected {
		t.Fatalf("enter with nothing selected: %#v", a)
	}
}

// Hiding keepalives shows the quiet timeline, keeping the selection and
// the window.
func TestSetQuiet(t *testing.T) {
	p := newPane(sessionState())
	screen(p)
	press(p, "g", "j", "j", "j", "j", "j") // the ping's neighbour: b0 (the ping is #4)
	want := label(p.Selected())
	press(p, "+")
	window := p.cur.window
	p.SetQuiet(true)
	if n := len(p.Spans()); n != 9 {
		t.Fatalf("quiet: %d spans, want 9 (no ping)", n)
	}
	if got := label(p.Selected()); got != want || p.cur.window != window {
		t.Fatalf("selected %s, want %s; window %v, want %v", got, want, p.cur.window, window)
	}
	p.SetQuiet(false)
	if got := label(p.Selected()); got != want || len(p.Spans()) != 10 {
		t.Fatalf("shown again: selected %s, %d spans", got, len(p.Spans()))
	}
}

// A click selects the request on its row; a second one on the focused
// pane opens it. In lanes, the click picks the bar under the pointer; the
// wheel moves the selection.
func TestMouse(t *testing.T) {
	p := newPane(sessionState())
	screen(p)
	head, _ := p.cur.head(20)
	click := func(x, y int) component.Action {
		a, _ := p.Update(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft})
		return a
	}
	if a := click(3, head+1); a != nil || p.cur.list.Cursor() != 1 || p.cur.list.Following() {
		t.Fatalf("click: cursor %d, %v", p.cur.list.Cursor(), a)
	}
	if a, ok := click(3, head+1).(Open); !ok || a.Span.ID != "11" {
		t.Fatalf("a second click should open the request: %#v", a)
	}
	press(p, "p")
	screen(p)
	labelW, cols, _ := geometry(100)
	from, to := p.Window()
	var b2 *session.Span
	for i := range p.Spans() {
		if s := &p.Spans()[i]; s.ID == "32" {
			b2 = s
		}
	}
	x := labelW + 1 + newScale(from, to, cols).col(b2.Start)
	click(x, head+b2.Lane)
	if s := p.Selected(); s == nil || s.ID != "32" {
		t.Fatalf("a click on lane %d selected %s", b2.Lane+1, label(s))
	}
	before := p.cur.list.Cursor()
	p.Update(tea.MouseWheelMsg{X: 2, Y: 2, Button: tea.MouseWheelDown})
	if p.cur.list.Cursor() != before+1 {
		t.Fatalf("the wheel should move the selection: %d then %d", before, p.cur.list.Cursor())
	}
}

type player struct{ st store.PlayerStatus }

func (r player) Status() store.PlayerStatus { return r.st }

// A replay's position is marked on the axis and is the timeline's now.
func TestReplay(t *testing.T) {
	p := newPane(sessionState())
	p.SetReplay(player{store.PlayerStatus{At: 100 * time.Millisecond, Duration: 2 * time.Second}}, t0)
	if at, ok := p.Playhead(); !ok || !at.Equal(t0.Add(100*time.Millisecond)) || !p.End().Equal(at) {
		t.Fatalf("playhead %v %v", at, ok)
	}
	if v := screen(p); !strings.Contains(v, "▼") || !strings.Contains(v, "all 2.00s") {
		t.Fatalf("the axis lacks the position or the recording's length:\n%s", v)
	}
}

// Every key in the help acts, and no other key does.
func TestHelpHonesty(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component { return newPane(sessionState()) },
		func() component.Component {
			p := newPane(sessionState())
			screen(p)
			press(p, "k", "k", "k", "+", "+")
			return p
		},
	})
}
