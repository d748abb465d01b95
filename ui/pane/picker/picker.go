// Package picker is the server picker: the screen sonde opens with no
// target (or on P), listing the saved and imported servers (config.Discover)
// with a field to type a new target. What a choice leads to (dialling,
// saving a typed server, going back, quitting) is the root's: the picker
// asks with [Connect], [Leave] and [Quit].
package picker

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Connect asks the root to dial Server; Save says it was typed and is to
// be saved for next time.
type Connect struct {
	Server config.Server
	Save   bool
}

// Leave asks the root to go back to the current server, if there is one
// (esc with nothing typed to clear).
type Leave struct{}

// Quit asks the root to quit.
type Quit struct{}

// Doctor asks the root to run sonde doctor on Config (d on a server).
type Doctor struct{ Config mcp.Config }

// KeyMap is the picker's keys: the list's while choosing, the text
// field's while typing a target.
type KeyMap struct {
	Nav     list.KeyMap
	Connect key.Binding
	Switch  key.Binding // between the list and the text field
	Back    key.Binding // clear what is typed, else back to the current server
	Quit    key.Binding
	Doctor  key.Binding
	// QuitTyping only shows: the root takes ctrl+c before any component.
	QuitTyping key.Binding
}

// DefaultKeyMap returns the picker's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Nav:        list.DefaultKeyMap(),
		Connect:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "connect")),
		Switch:     key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "type a target")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Doctor:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "doctor")),
		QuitTyping: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// Pane is the picker.
type Pane struct {
	c       *common.Common
	entries []config.Server
	errs    []string
	base    mcp.Config
	Keys    KeyMap
	list    list.Model
	typing  bool
	input   textinput.Model
	width   int
	height  int
}

var _ component.Component = (*Pane)(nil)

// New is the picker over the servers found (and the errors met finding
// them); base is the connection flags of the command line, which apply to
// whatever is chosen.
func New(c *common.Common, entries []config.Server, errs []error, base mcp.Config) *Pane {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "http://localhost:3000/mcp  or  npx -y @modelcontextprotocol/server-everything"
	ti.CharLimit = 2000
	p := &Pane{c: c, entries: entries, base: base, input: ti, Keys: DefaultKeyMap(), list: list.New()}
	for _, e := range errs {
		p.errs = append(p.errs, termsafe.Line(e.Error()))
	}
	p.list.SetLen(len(entries))
	p.setTyping(len(entries) == 0)
	return p
}

// Typing reports whether the text field has the keys.
func (p *Pane) Typing() bool { return p.typing }

// Typed is what the text field holds.
func (p *Pane) Typed() string { return p.input.Value() }

func (p *Pane) setTyping(on bool) tea.Cmd {
	p.typing = on
	p.Keys.Switch.SetEnabled(len(p.entries) > 0)
	p.Keys.Switch.SetHelp("tab", map[bool]string{true: "saved servers", false: "type a target"}[on])
	p.Keys.Quit.SetEnabled(!on)
	p.Keys.Doctor.SetEnabled(!on && len(p.entries) > 0)
	p.Keys.QuitTyping.SetEnabled(on)
	for _, b := range []*key.Binding{&p.Keys.Nav.Up, &p.Keys.Nav.Down, &p.Keys.Nav.PageUp, &p.Keys.Nav.PageDown, &p.Keys.Nav.Top, &p.Keys.Nav.Bottom} {
		b.SetEnabled(!on)
	}
	p.list.KeyMap = p.Keys.Nav
	if on {
		return p.input.Focus()
	}
	p.input.Blur()
	return nil
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.list.SetHeight(max(1, h-8-len(p.errs)))
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.key(msg)
	case tea.MouseWheelMsg:
		p.list.Wheel(msg, 1)
		return nil, nil
	}
	if !p.typing {
		return nil, nil
	}
	var c tea.Cmd
	p.input, c = p.input.Update(msg) // a paste, the cursor's blink
	return nil, c
}

func (p *Pane) key(msg tea.KeyPressMsg) (component.Action, tea.Cmd) {
	switch {
	case key.Matches(msg, p.Keys.Switch):
		return nil, p.setTyping(!p.typing)
	case key.Matches(msg, p.Keys.Connect):
		return p.connect()
	case key.Matches(msg, p.Keys.Back):
		if p.typing && p.input.Value() != "" {
			p.input.SetValue("")
			return nil, nil
		}
		return Leave{}, nil
	}
	if p.typing {
		var c tea.Cmd
		p.input, c = p.input.Update(msg)
		return nil, c
	}
	if p.list.HandleKey(msg) {
		return nil, nil
	}
	switch {
	case key.Matches(msg, p.Keys.Quit):
		return Quit{}, nil
	case key.Matches(msg, p.Keys.Doctor):
		return p.doctor(), nil
	}
	return nil, nil
}

// doctor is d: sonde doctor on the server under the cursor.
func (p *Pane) doctor() component.Action {
	i := p.list.Cursor()
	if i >= len(p.entries) {
		return nil
	}
	e := p.entries[i]
	cfg := e.With(p.base)
	if err := e.Check(cfg); err != nil {
		return component.Flash{Text: err.Error(), Err: true}
	}
	return Doctor{Config: cfg}
}

// connect is enter: the typed target, or the server under the cursor.
func (p *Pane) connect() (component.Action, tea.Cmd) {
	if p.typing {
		cfg, err := config.ParseTarget(p.input.Value())
		if err != nil {
			return component.Flash{Text: err.Error(), Err: true}, nil
		}
		if i := strings.Index(cfg.URL, "${input:"); i >= 0 {
			return component.Flash{Text: "type the value of " + cfg.URL[i:i+strings.IndexByte(cfg.URL[i:], '}')+1] + " in its place", Err: true}, nil
		}
		name := config.NameFor(cfg)
		return Connect{Server: config.Server{Name: name, Source: "typed", Config: cfg}, Save: true}, nil
	}
	i := p.list.Cursor()
	if i >= len(p.entries) {
		return nil, nil
	}
	e := p.entries[i]
	if err := e.Check(e.With(p.base)); err != nil {
		// A value sonde did not store (a saved URL's token) or a VS Code
		// input: never sent as the literal ${input:ID}.
		if v, at, ok := askFor(e.Config.URL); ok {
			c := p.setTyping(true)
			p.input.SetValue(v)
			p.input.SetCursor(at)
			return component.Flash{Text: "sonde did not save this server's secret: type it where the cursor is, then enter"}, c
		}
		return component.Flash{Text: err.Error(), Err: true}, nil
	}
	return Connect{Server: e}, nil
}

// askFor prepares a saved URL for the user to complete: its first
// ${input:ID} removed, and where the value goes.
func askFor(url string) (string, int, bool) {
	i := strings.Index(url, "${input:")
	if i < 0 {
		return "", 0, false
	}
	j := strings.IndexByte(url[i:], '}')
	if j < 0 {
		return "", 0, false
	}
	return url[:i] + url[i+j+1:], utf8.RuneCountInString(url[:i]), true
}

// View implements [component.Component]: the picker fills the body.
func (p *Pane) View(width, height int) string { return strings.Join(p.Lines(), "\n") }

// Lines is the picker's lines at its size.
func (p *Pane) Lines() []string {
	st := p.c.Styles
	w := max(20, p.width)
	var out []string
	out = append(out, "", "  "+st.Accent.Render("Connect to an MCP server"), "")
	label := st.Muted.Render("  Type a URL or a command: ")
	if p.typing {
		label = st.Accent2.Render("  Type a URL or a command: ")
	}
	out = append(out, label)
	p.input.SetWidth(max(10, w-8))
	out = append(out, "  "+p.input.View(), "")
	if len(p.entries) == 0 {
		out = append(out, st.Muted.Render("  No saved servers, and no Claude Desktop, .mcp.json or VS Code mcp.json found."))
	} else {
		out = append(out, st.Muted.Render("  Saved and imported servers:"))
	}
	from, to := p.list.Visible()
	for i := from; i < to; i++ {
		e := p.entries[i]
		tgt := termsafe.Line(e.Target())
		if len(e.Inputs) > 0 { // a value sonde asks for (see askFor)
			tgt += "  · asks for " + termsafe.Line(strings.Join(slices.Sorted(maps.Keys(e.Inputs)), ", "))
		}
		line := common.PadRight(ansi.Truncate(termsafe.Line(e.Name), 24, "…"), 25) + common.PadRight(ansi.Truncate(termsafe.Line(e.Source), 15, "…"), 16) + tgt
		line = ansi.Truncate(line, w-6, "…")
		if i == p.list.Cursor() && !p.typing {
			out = append(out, "  "+st.Selected.Render("▸ "+common.PadRight(line, w-6)))
		} else {
			out = append(out, "    "+st.Text.Render(line))
		}
	}
	for _, e := range p.errs {
		out = append(out, st.Warn.Render(ansi.Truncate("  ! "+e, w, "…")))
	}
	return out
}

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding {
	if p.typing {
		return []key.Binding{p.Keys.Connect, p.Keys.Switch, p.Keys.QuitTyping}
	}
	return []key.Binding{p.Keys.Connect, p.Keys.Nav.Up, p.Keys.Nav.Down, p.Keys.Doctor, p.Keys.Switch, p.Keys.Quit}
}

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.Keys.Connect, p.Keys.Doctor, p.Keys.Switch, p.Keys.Back, p.Keys.Quit, p.Keys.QuitTyping}, p.Keys.Nav.Bindings()}
}
