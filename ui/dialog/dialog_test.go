package dialog

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

type picked struct{ i int }

func TestConfirm(t *testing.T) {
	c := commontest.New()
	d := NewConfirm(c, "Delete it?\nIt cannot be undone.", picked{7})
	if v := ansi.Strip(d.View(80, 20)); !strings.Contains(v, "Delete it?") || !strings.Contains(v, "y yes · n no") {
		t.Fatalf("view:\n%s", v)
	}
	if a, _ := d.Update(ct.Key("y")); fmt.Sprint(a) != fmt.Sprint(component.Batch{component.Close{}, picked{7}}) {
		t.Fatalf("y: %#v", a)
	}
	if a, _ := d.Update(ct.Key("esc")); a != (component.Close{}) {
		t.Fatalf("esc: %#v", a)
	}
	if a, _ := d.Update(ct.Key("x")); a != nil {
		t.Fatalf("x: %#v", a)
	}
	ct.HelpHonesty(t, []ct.Fixture{func() component.Component { return NewConfirm(c, "?", picked{1}) }})
}

func TestChoice(t *testing.T) {
	c := commontest.New()
	mk := func() *Choice {
		return NewChoice(c, "Copy", []string{"as JSON", "as curl", "as sonde"}, func(i int) component.Action { return picked{i} }).WithHotkeys("j", "", "s").Select(1)
	}
	d := mk()
	if v := ansi.Strip(d.View(80, 20)); !strings.Contains(v, "▸ as curl") || !strings.Contains(v, "j   as JSON") {
		t.Fatalf("view:\n%s", v)
	}
	d.Update(ct.Key("down"))
	if a, _ := d.Update(ct.Key("enter")); fmt.Sprint(a) != fmt.Sprint(component.Batch{component.Close{}, picked{2}}) {
		t.Fatalf("down enter: %#v", a)
	}
	// an option's own key chooses it (j is its hotkey, not down)
	if a, _ := mk().Update(ct.Key("j")); fmt.Sprint(a) != fmt.Sprint(component.Batch{component.Close{}, picked{0}}) {
		t.Fatalf("j: %#v", a)
	}
	if a, _ := mk().Update(ct.Key("q")); a != (component.Close{}) {
		t.Fatalf("q: %#v", a)
	}
	ct.HelpHonesty(t, []ct.Fixture{func() component.Component { return mk() }})
}

func TestReaderScrollsAndCloses(t *testing.T) {
	c := commontest.New()
	body := func(int, int) []string {
		var l []string
		for i := range 100 {
			l = append(l, fmt.Sprintf("line %d", i))
		}
		return l
	}
	mk := func() *Reader {
		d := NewReader(c, "Text", body)
		d.View(80, 20)
		d.Update(ct.Key("pgdown"))
		return d
	}
	d := mk()
	if v := ansi.Strip(d.View(80, 20)); !strings.Contains(v, "│line 10 ") || strings.Contains(v, "line 9 ") {
		t.Fatalf("page down:\n%s", v)
	}
	d.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	d.Update(ct.Key("k"))
	if d.Offset() != 12 {
		t.Fatalf("wheel and up: offset %d", d.Offset())
	}
	d.Update(ct.Key("G"))
	if v := ansi.Strip(d.View(80, 20)); !strings.Contains(v, "line 99") {
		t.Fatalf("bottom:\n%s", v)
	}
	if a, _ := d.Update(ct.Key("esc")); a != (component.Close{}) {
		t.Fatalf("esc: %#v", a)
	}
	ct.HelpHonesty(t, []ct.Fixture{func() component.Component { return mk() }})
	help := func() component.Component {
		var keys []key.Binding
		for i := range 200 {
			keys = append(keys, key.NewBinding(key.WithKeys(fmt.Sprint(i)), key.WithHelp(fmt.Sprint(i), "a key")))
		}
		d := NewHelp(c, []common.HelpGroup{{Title: "Keys", Keys: keys}})
		d.View(60, 20)
		d.Update(ct.Key("pgdown"))
		return d
	}
	ct.HelpHonesty(t, []ct.Fixture{help})
}
