package ui

import (
	"encoding/json"
	"fmt"
	"image/color"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

var sizes = [][2]int{{80, 24}, {120, 40}}

// requireScreen compares the screen, as text, with the test's golden file
// (go test ./ui -run Golden -update writes them): the goldens are what a
// user reads, reviewable in a diff; colour has goldens of its own
// (TestGoldenThemes).
func requireScreen(t *testing.T, m *Model) {
	t.Helper()
	golden.RequireEqual(t, ansi.Strip(m.View().Content))
}

// TestGoldenThemes snapshots the main screen (a tool selected, the log
// following) as text at both sizes, and in colour (the escape sequences
// as they are) once per theme at 80×24, the default theme on both
// backgrounds.
func TestGoldenThemes(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("text_%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1], "")
			press(m, "j") // create_booking → delete_records (badges)
			requireScreen(t, m)
		})
	}
	type variant struct {
		theme  string
		isDark bool
	}
	var vs []variant
	for _, name := range themes.Names() {
		vs = append(vs, variant{name, true})
	}
	vs = append(vs, variant{"default", false})
	for _, v := range vs {
		name := v.theme
		if !v.isDark {
			name += "-light"
		}
		t.Run(name, func(t *testing.T) {
			m := newTestModel(t, 80, 24, v.theme)
			m.update(tea.BackgroundColorMsg{Color: bg(v.isDark)})
			press(m, "j") // create_booking → delete_records (badges)
			golden.RequireEqual(t, m.View().Content)
		})
	}
}

// TestGoldenScreens snapshots the other main screens in the default theme.
func TestGoldenScreens(t *testing.T) {
	screens := map[string]func(m *Model){
		"form": func(m *Model) {
			press(m, "enter") // create_booking
			typeText(m, "Ada")
		},
		"result": func(m *Model) {
			m.panes.work.ShowResult(work.NewResult("tools/call", "get_weather",
				json.RawMessage(`{"content":[{"type":"text","text":"Sunny, 21 °C in Paris."},{"type":"resource_link","uri":"demo://weather/Paris","name":"paris"}],"structuredContent":{"city":"Paris","temperature":21}}`),
				nil, 3200000, m.panes.br.Find(listTools, "get_weather").OutputSchema))
			m.screen.focus = paneWork
		},
		"detail": func(m *Model) {
			press(m, "tab", "tab", "/")
			typeText(m, "method:initialize dir:in")
			press(m, "enter", "enter")
		},
		"logfilter": func(m *Model) {
			press(m, "tab", "tab", "K", "/")
			typeText(m, "method:tools/*")
		},
		"help": func(m *Model) { press(m, "?") },
		"prompts": func(m *Model) {
			press(m, "4")
		},
		"picker": func(m *Model) {
			m.picker = newPicker(m.look.com, m.opts.Config, []config.Server{
				{Name: "everything", Source: "Claude Desktop", Config: mustTarget("npx -y @modelcontextprotocol/server-everything")},
				{Name: "gateway", Source: ".mcp.json", Config: mustTarget("http://localhost:4444/servers/2/sse")},
			}, nil)
			m.layout()
		},
	}
	for name, setup := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				m := newTestModel(t, sz[0], sz[1], "")
				setup(m)
				requireScreen(t, m)
			})
		}
	}
}

func mustTarget(s string) mcp.Config {
	c, err := config.ParseTarget(s)
	if err != nil {
		panic(err)
	}
	return c
}

var colourSGR = regexp.MustCompile(`\x1b\[[0-9;]*(38|48);`)

// TestNoColor: with NO_COLOR the mono theme is used whatever --theme says,
// nothing is coloured, and the selection is still visible (reverse video).
func TestNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	m := newTestModel(t, 100, 30, "dracula")
	if m.look.theme.Name != "mono" {
		t.Fatalf("theme %q", m.look.theme.Name)
	}
	press(m, "tab", "tab") // the log, whose JSON detail would be highlighted
	press(m, "enter")
	out := m.Render()
	if colourSGR.MatchString(out) {
		t.Fatalf("colour in monochrome: %q", colourSGR.FindString(out))
	}
	if !strings.Contains(out, "\x1b[7m") {
		t.Fatal("no reverse video: the selection is invisible without colour")
	}
	press(m, "esc", "T")
	if m.look.theme.Name != "mono" {
		t.Fatal("T must not leave monochrome under NO_COLOR")
	}
}

func bg(isDark bool) color.Color {
	if isDark {
		return color.Black
	}
	return color.White
}
