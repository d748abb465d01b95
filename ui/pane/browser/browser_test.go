package browser

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

// listed applies a list request and its answer to s.
func listed(s *session.State, seq uint64, k Kind, result string) {
	id := fmt.Sprint(seq)
	s.Apply(mcp.Event{Seq: seq, Time: t0, Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: k.Method(), ID: id,
		Raw: json.RawMessage(`{"jsonrpc":"2.0","id":` + id + `,"method":"` + k.Method() + `"}`)})
	s.Apply(mcp.Event{Seq: seq + 1, Time: t0, Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: id, ReqMethod: k.Method(),
		Raw: json.RawMessage(`{"jsonrpc":"2.0","id":` + id + `,"result":` + result + `}`)})
}

// newPane is a focused browser over a state with n tools (tool0…) and
// two resources, shown at 60×h.
func newPane(t testing.TB, n, h int) *Pane {
	t.Helper()
	s := session.New()
	var tools []string
	for i := range n {
		tools = append(tools, fmt.Sprintf(`{"name":"tool%d","description":"does %d","inputSchema":{"type":"object"}}`, i, i))
	}
	listed(s, 1, Tools, `{"tools":[`+strings.Join(tools, ",")+`]}`)
	listed(s, 3, Resources, `{"resources":[{"name":"readme","uri":"demo://readme.md"},{"name":"logo","uri":"demo://logo.png"}]}`)
	p := New(commontest.New(), s)
	p.SetSize(60, h)
	for _, k := range []Kind{Tools, Resources} {
		if _, ok := p.Sync(k, true); !ok {
			t.Fatalf("%s not listed", k.Title())
		}
	}
	p.SetFocused(true)
	return p
}

func view(p *Pane) string { return ansi.Strip(p.View(p.width, p.height)) }

func TestDrawsTheListing(t *testing.T) {
	p := newPane(t, 3, 20)
	v := view(p)
	for _, want := range []string{"Tools 3 Resources 2 Templates Prompts", "▸ tool0", "does 0", "  tool2"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
	p.Update(ct.Key("2"))
	if v := view(p); !strings.Contains(v, "▸ readme") || !strings.Contains(v, "demo://logo.png") {
		t.Errorf("resources:\n%s", v)
	}
	if p.Title() != "Browse" {
		t.Errorf("title %q", p.Title())
	}
}

func TestKeysAskTheRoot(t *testing.T) {
	p := newPane(t, 3, 20)
	if a, _ := p.Update(ct.Key("j")); a != (Show{}) || p.Selected().Name != "tool1" {
		t.Fatalf("down: %v, %s", a, p.Selected().Name)
	}
	if a, _ := p.Update(ct.Key("enter")); a != (Open{}) {
		t.Fatalf("enter: %v", a)
	}
	if a, _ := p.Update(ct.Key("i")); a != (Schema{Item: p.Selected()}) {
		t.Fatalf("i: %v", a)
	}
	if a, _ := p.Update(ct.Key("r")); a != (Refresh{}) {
		t.Fatalf("r: %v", a)
	}
	if a, _ := p.Update(ct.Key("x")); a != nil {
		t.Fatalf("x: %v", a)
	}
}

func TestFilter(t *testing.T) {
	p := newPane(t, 12, 20)
	p.Update(ct.Key("/"))
	if !p.Typing() {
		t.Fatal("/ should start the filter")
	}
	p.Update(ct.Key("1"))
	shown := p.Shown()
	if len(shown) != 3 || p.Selected() != shown[0] {
		t.Fatalf("filter 1: %d shown", len(shown))
	}
	second := shown[1].Name
	if a, _ := p.Update(ct.Key("down")); a != (Show{}) || p.Typing() || p.Selected().Name != second {
		t.Fatalf("down leaves the field and moves: %v, typing %v, %s", a, p.Typing(), p.Selected().Name)
	}
	if v := view(p); !strings.Contains(v, "filter: 1 (esc clears)") {
		t.Fatalf("the filter kept:\n%s", v)
	}
	// clearing it stays on the item selected
	p.Update(ct.Key("esc"))
	if p.Filter() != "" || p.Selected().Name != second || len(p.Shown()) != 12 {
		t.Fatalf("cleared: %q %s %d", p.Filter(), p.Selected().Name, len(p.Shown()))
	}
	// enter in the field opens; esc in it clears and leaves
	p.Update(ct.Key("/"))
	p.Update(ct.Key("9"))
	if a, _ := p.Update(ct.Key("enter")); a != (Open{}) || p.Typing() || p.Selected().Name != "tool9" {
		t.Fatalf("enter in the filter: %v %v %s", a, p.Typing(), p.Selected().Name)
	}
	p.Update(ct.Key("/"))
	if a, _ := p.Update(ct.Key("esc")); a != nil || p.Typing() || p.Filter() != "" {
		t.Fatalf("esc in the filter: %v %v %q", a, p.Typing(), p.Filter())
	}
}

func TestScrollsAndClicks(t *testing.T) {
	p := newPane(t, 30, 8) // one line per item, 7 rows
	p.Update(ct.Key("G"))
	if v := view(p); !strings.Contains(v, "▸ tool29") || strings.Contains(v, "tool22") {
		t.Fatalf("bottom:\n%s", v)
	}
	p.Update(ct.Key("g"))
	// a click on the third row selects it; a second click opens it
	if a, _ := p.Update(tea.MouseClickMsg{X: 4, Y: 3, Button: tea.MouseLeft}); a != (Show{}) || p.Selected().Name != "tool2" {
		t.Fatalf("click: %v %s", a, p.Selected().Name)
	}
	if a, _ := p.Update(tea.MouseClickMsg{X: 4, Y: 3, Button: tea.MouseLeft}); a != (Open{}) {
		t.Fatalf("second click: %v", a)
	}
	// a click on the tab line switches lists
	p.Update(tea.MouseClickMsg{X: len("Tools 30 R"), Y: 0, Button: tea.MouseLeft})
	if p.Tab() != Resources {
		t.Fatalf("tab click: %v", p.Tab())
	}
	p.Update(tea.MouseWheelMsg{X: 4, Y: 3, Button: tea.MouseWheelDown})
	if p.Selected().Name != "logo" {
		t.Fatalf("wheel: %s", p.Selected().Name)
	}
}

// A list the stream announced is shown with a note; a click lands on the
// row under the pointer below the note (it landed one row further down).
func TestOfferedList(t *testing.T) {
	s := session.New()
	s.Apply(mcp.Event{Seq: 1, Time: t0, Dir: mcp.DirIn, Kind: mcp.KindSSE, SSEEvent: "tools",
		Raw: json.RawMessage(`{"tools":[{"name":"a"},{"name":"b"},{"name":"c"}]}`)})
	p := New(commontest.New(), s)
	p.SetSize(60, 8)
	if _, ok := p.Sync(Tools, false); !ok { // a replay shows what was announced
		t.Fatal("not shown")
	}
	if v := view(p); !strings.Contains(v, "Tools 3*") || !strings.Contains(v, "* from the stream's event: tools") {
		t.Fatalf("offered:\n%s", v)
	}
	p.Update(tea.MouseClickMsg{X: 4, Y: 3, Button: tea.MouseLeft}) // tabs, note, a, b
	if p.Selected().Name != "b" {
		t.Fatalf("clicked %s, not b", p.Selected().Name)
	}
}

func TestHelpHonesty(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component {
			p := newPane(t, 30, 20)
			p.Update(ct.Key("j")) // rows above and below
			return p
		},
	})
}
