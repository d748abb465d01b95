package srvlog

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
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

var t0 = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// logState is a state whose log holds n messages, every third a warning.
func logState(n int) *session.State {
	s := session.New()
	logTo(s, n)
	return s
}

// logTo applies n log messages to s (m0 … m(n-1)), every third a warning.
func logTo(s *session.State, n int) {
	for i := range n {
		level := "info"
		if i%3 == 2 {
			level = "warning"
		}
		raw := fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":%q,"logger":"demo","data":"m%d"}}`, level, i)
		s.Apply(mcp.Event{Seq: uint64(i + 1), Time: t0.Add(time.Duration(i) * time.Millisecond), Dir: mcp.DirIn, Kind: mcp.KindMessage,
			RPC: mcp.RPCNotification, Method: "notifications/message", Raw: json.RawMessage(raw)})
	}
}

func newPane(t testing.TB, n int) (*Pane, *session.State) {
	s := logState(n)
	p := New(commontest.New())
	p.SetSize(80, 10)
	p.Sync(&s.Log)
	p.SetFocused(true)
	return p, s
}

func TestFollowsAndFilters(t *testing.T) {
	p, s := newPane(t, 30)
	if v := ansi.Strip(p.View(80, 10)); !strings.Contains(v, "m29") || strings.Contains(v, "m19") {
		t.Fatalf("following the newest:\n%s", v)
	}
	if p.Title() != "Server log 30 · ≥debug · follow" {
		t.Fatalf("title %q", p.Title())
	}
	p.SetLevel("warning")
	if p.Shown() != 10 || !strings.HasPrefix(p.Title(), "Server log 10/30 · ≥warning") {
		t.Fatalf("warning and above: %d shown, title %q", p.Shown(), p.Title())
	}
	p.Update(ct.Key("g"))
	if e := p.Selected(); e == nil || Text(e) != "m2" {
		t.Fatalf("top: %+v", e)
	}
	// more messages: not followed while the cursor is up
	more := logState(40)
	p.Sync(&more.Log)
	if e := p.Selected(); Text(e) != "m2" || strings.Contains(p.Title(), "follow") {
		t.Fatalf("after more: %+v %q", e, p.Title())
	}
	_ = s
}

func TestKeysAct(t *testing.T) {
	p, _ := newPane(t, 30)
	p.Update(ct.Key("k"))
	a, _ := p.Update(ct.Key("enter"))
	if o, ok := a.(component.Open); !ok || !strings.Contains(ansi.Strip(o.Dialog.View(100, 30)), `"m28"`) {
		t.Fatalf("enter: %#v", a)
	}
	a, _ = p.Update(ct.Key("c"))
	if c, ok := a.(component.Copy); !ok || !strings.Contains(c.Text, `"data":"m28"`) || c.What != "the log message" {
		t.Fatalf("c: %#v", a)
	}
	// a click on the selected row opens it; on another row selects it
	if a, _ := p.Update(tea.MouseClickMsg{Y: 8, Button: tea.MouseLeft}); a == nil {
		t.Fatal("a click on the selected row did not open it")
	}
	if a, _ := p.Update(tea.MouseClickMsg{Y: 0, Button: tea.MouseLeft}); a != nil || Text(p.Selected()) != "m20" {
		t.Fatalf("a click on row 0: %#v, selected %s", a, Text(p.Selected()))
	}
}

func TestHelpIsHonest(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{func() component.Component {
		p, _ := newPane(t, 200)
		p.Update(ct.Key("pgup")) // rows above and below, not following
		return p
	}})
}

// The feed applies events to the state before the UI takes them as a batch;
// until the pane syncs, it tells what it last took, not that the new
// messages are filtered out ("9 message(s) below debug hidden" at debug,
// seen in CI).
func TestViewIsOfTheLastSync(t *testing.T) {
	s := session.New()
	p := New(commontest.New())
	p.Sync(&s.Log)
	logTo(s, 9) // applied to the state, not yet taken by the UI
	if v := ansi.Strip(p.View(80, 10)); strings.Contains(v, "hidden") {
		t.Fatalf("before the sync:\n%s", v)
	}
	if got := p.Title(); got != "Server log 0 · ≥debug · follow" {
		t.Fatalf("title before the sync: %q", got)
	}
	p.Sync(&s.Log)
	if v := ansi.Strip(p.View(80, 10)); !strings.Contains(v, "m8") || p.Title() != "Server log 9 · ≥debug · follow" {
		t.Fatalf("after the sync: %q\n%s", p.Title(), v)
	}
}
