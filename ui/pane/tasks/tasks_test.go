package tasks

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

var t0 = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

func newPane(n int) (*Pane, *session.State) {
	th, _ := themes.Get("")
	c := &common.Common{Styles: common.NewStyles(th, true), HL: common.NewHighlighter(), Now: t0.Add(time.Minute)}
	s := session.New()
	for i := range n {
		t := s.UpsertTask(fmt.Sprintf("task-%02d", i), t0.Add(time.Duration(i)*time.Second))
		t.Method, t.Subject = "tools/call", "slow"
		if i%2 == 1 {
			t.Status, t.Done, t.Ended = "completed", true, t0.Add(time.Duration(i+3)*time.Second)
		}
	}
	p := New(c, s)
	p.SetSize(100, 8)
	p.SetFocused(true)
	return p, s
}

func TestListsTasks(t *testing.T) {
	p, s := newPane(3)
	v := ansi.Strip(p.View(100, 8))
	if !strings.Contains(v, "◌ task-00       working        tools/call slow  1m00s") || !strings.Contains(v, "✓ task-01       completed      tools/call slow  3s") {
		t.Fatalf("view:\n%s", v)
	}
	if p.Title() != "Tasks 3 (2 running)" {
		t.Fatalf("title %q", p.Title())
	}
	// a new task is selected while the pane follows
	s.UpsertTask("task-new", t0)
	p.Sync()
	if p.Selected().ID != "task-new" {
		t.Fatalf("selected %s", p.Selected().ID)
	}
	p.Update(ct.Key("k"))
	if a, _ := p.Update(ct.Key("enter")); a != (Open{ID: "task-02"}) {
		t.Fatalf("enter: %#v", a)
	}
	if a, _ := p.Update(ct.Key("x")); a != (Cancel{ID: "task-02"}) {
		t.Fatalf("x: %#v", a)
	}
	p.DisableLive()
	if a, _ := p.Update(ct.Key("x")); a != nil {
		t.Fatalf("x in a replay: %#v", a)
	}
	if a, _ := p.Update(tea.MouseClickMsg{Y: 0, Button: tea.MouseLeft}); a != nil || p.Selected().ID != "task-00" {
		t.Fatalf("click on another row: %#v", a)
	}
	if a, _ := p.Update(tea.MouseClickMsg{Y: 0, Button: tea.MouseLeft}); a != (Open{ID: "task-00"}) {
		t.Fatalf("click on the selected row: %#v", a)
	}
}

func TestHelpIsHonest(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{func() component.Component {
		p, _ := newPane(40)
		p.Update(ct.Key("pgup"))
		return p
	}})
}
