package detail

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
	"github.com/sonde-mcp/sonde/ui/dialog/saveas"
)

var t0 = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// answer is an answer with n tools: 4n+8 lines pretty-printed.
func answer(seq uint64, n int) Entry {
	var tools []string
	for i := range n {
		tools = append(tools, fmt.Sprintf(`{"name":"tool%d","title":"Tool %d"}`, i, i))
	}
	e := &mcp.Event{Seq: seq, Time: t0, Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: "2", ReqMethod: "tools/list",
		Latency: 3 * time.Millisecond, Raw: json.RawMessage(`{"jsonrpc":"2.0","id":2,"result":{"tools":[` + strings.Join(tools, ",") + `]}}`)}
	return Entry{Event: e, Label: "result", Summary: fmt.Sprintf("#2 tools/list %d tools", n), Ref: seq}
}

func view(d *Dialog) string { return ansi.Strip(d.View(100, 30)) }

func TestViews(t *testing.T) {
	c := commontest.New()
	d := New(c, answer(7, 2), nil)
	v := view(d)
	for _, want := range []string{"Event #7", "10:30:00.000 in result  pretty raw facts", "#2 tools/list 2 tools", `"name": "tool1",`} {
		if !strings.Contains(v, want) {
			t.Fatalf("pretty: no %q in\n%s", want, v)
		}
	}
	if strings.Contains(v, " · line ") {
		t.Fatalf("it fits: no line count in the title\n%s", v)
	}
	d.Update(ct.Key("tab"))
	if v := view(d); !strings.Contains(v, `{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"tool0"`) {
		t.Fatalf("raw:\n%s", v)
	}
	d.Update(ct.Key("p"))
	if v := view(d); !strings.Contains(v, `"answers": "tools/list"`) || !strings.Contains(v, `"latency": "3ms"`) || strings.Contains(v, "tool0") {
		t.Fatalf("facts:\n%s", v)
	}
	d.Update(ct.Key("tab"))
	if v := view(d); !strings.Contains(v, `"name": "tool1",`) {
		t.Fatalf("round to pretty:\n%s", v)
	}
	d.Update(ct.Key("shift+tab"))
	if v := view(d); !strings.Contains(v, `"answers": "tools/list"`) {
		t.Fatalf("shift+tab: facts, the view before\n%s", v)
	}
}

// The body scrolls under the two head lines, down to the message's last
// line.
func TestScrolls(t *testing.T) {
	d := New(commontest.New(), answer(7, 10), nil) // 48 lines, 22 shown at 100×30
	if v := view(d); !strings.Contains(v, "Event #7 · line 1/48") {
		t.Fatalf("title:\n%s", v)
	}
	d.Update(ct.Key("G"))
	v := view(d)
	if !strings.Contains(v, "line 27/48") || !regexp.MustCompile(`│}\s+│`).MatchString(v) || !strings.Contains(v, "#2 tools/list 10 tools") {
		t.Fatalf("bottom: the last line, under the head\n%s", v)
	}
	d.Update(ct.Key("pgup"))
	d.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if v := view(d); !strings.Contains(v, "line 14/48") {
		t.Fatalf("a page (10) and the wheel (3) up:\n%s", v)
	}
	d.Update(ct.Key("tab"))
	if v := view(d); !strings.Contains(v, "Event #7") || strings.Contains(v, " · line ") {
		t.Fatalf("another view starts at the top (raw fits):\n%s", v)
	}
	d.Update(ct.Key("shift+tab"))
	d.Update(ct.Key("j"))
	d.Show(answer(8, 10))
	if v := view(d); !strings.Contains(v, "Event #8 · line 1/48") {
		t.Fatalf("another event starts at the top:\n%s", v)
	}
}

func TestActions(t *testing.T) {
	c := commontest.New()
	d := New(c, answer(7, 1), nil)
	for k, want := range map[string]component.Action{
		"left":  Step{Dialog: d, By: -1},
		"h":     Step{Dialog: d, By: -1},
		"right": Step{Dialog: d, By: 1},
		"%":     Pair{Dialog: d},
		"c":     Copy{Ref: uint64(7)},
		"v":     component.Batch{component.Close{}, AsResult{Ref: uint64(7)}},
		"esc":   component.Close{},
		"q":     component.Close{},
	} {
		if a, _ := d.Update(ct.Key(k)); fmt.Sprint(a) != fmt.Sprint(want) {
			t.Errorf("%s: %#v, want %#v", k, a, want)
		}
	}
	a, _ := d.Update(ct.Key("s"))
	ask, ok := a.(saveas.Ask)
	if !ok || ask.Subject != "event-7" || ask.Item.Label != "event #7" || !strings.Contains(string(ask.Item.Data), `"name": "tool0"`) {
		t.Fatalf("s: %#v", a)
	}
	// an event with no message saves its facts
	st := SaveEvent(&mcp.Event{Seq: 3, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected})
	if !strings.Contains(string(st.Item.Data), `"state": "connected"`) {
		t.Fatalf("facts saved: %s", st.Item.Data)
	}
}

// Related lines head a message; hostile bytes are drawn harmless in the
// raw view; a message cut by the wire core says so.
func TestHeadsAndHostileText(t *testing.T) {
	e := &mcp.Event{Seq: 4, Time: t0, Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Method: "sampling/createMessage", ID: "9", Truncated: 9000,
		Raw: json.RawMessage("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"sampling/createMessage\",\"params\":{\"x\":\"\x1b]52;c;AAAA\x07\"}}")}
	var asked *mcp.Event
	d := New(commontest.New(), Entry{Event: e, Label: "sampling/createMessage"}, func(e *mcp.Event) []string {
		asked = e
		return []string{"during tools/call slow #3"}
	})
	v := view(d)
	if asked != e || !strings.Contains(v, "during tools/call slow #3") || !strings.Contains(v, "originally 9000 bytes") {
		t.Fatalf("heads:\n%s", v)
	}
	d.Update(ct.Key("tab"))
	if raw := d.View(100, 30); strings.Contains(raw, "\x1b]52") || strings.Contains(raw, "\x07") {
		t.Fatalf("the raw view draws the escape sequence: %q", raw)
	}
}

// A message larger than the views draw says how to get all of it.
func TestLargeMessage(t *testing.T) {
	big := strings.Repeat("x", MaxBytes)
	e := &mcp.Event{Seq: 5, Time: t0, Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, ID: "1",
		Raw: json.RawMessage(`{"jsonrpc":"2.0","id":1,"result":{"text":"` + big + `"}}`)}
	d := New(commontest.New(), Entry{Event: e, Label: "result"}, nil)
	if v := view(d); !strings.Contains(v, fmt.Sprintf("showing the first 512 KiB of %d; s saves all of it", len(e.Raw))) {
		t.Fatalf("note:\n%s", v)
	}
}

func TestHelpIsHonest(t *testing.T) {
	c := commontest.New()
	ct.HelpHonesty(t, []ct.Fixture{func() component.Component {
		d := New(c, answer(7, 10), nil)
		d.View(100, 30)
		d.Update(ct.Key("j")) // rows above and below
		return d
	}})
}
