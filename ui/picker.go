package ui

import (
	"net/http"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// picker is the server picker screen: saved and imported servers, and a
// field to type a new target.
type picker struct {
	entries []serverEntry
	errs    []string
	cursor  int
	offset  int
	typing  bool
	input   textinput.Model
	width   int
	height  int
}

func newPicker(entries []serverEntry, errs []error) *picker {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "http://localhost:3000/mcp  or  npx -y @modelcontextprotocol/server-everything"
	ti.CharLimit = 2000
	p := &picker{entries: entries, input: ti}
	for _, e := range errs {
		p.errs = append(p.errs, termsafe.Line(e.Error()))
	}
	if len(entries) == 0 {
		p.typing = true
		p.input.Focus()
	}
	return p
}

func (p *picker) editing() bool { return p.typing }

func (p *picker) setSize(w, h int) { p.width, p.height = w, h }

func (p *picker) forward(msg tea.Msg) tea.Cmd {
	if !p.typing {
		return nil
	}
	var c tea.Cmd
	p.input, c = p.input.Update(msg)
	return c
}

func (p *picker) help(k KeyMap) []key.Binding {
	if p.typing {
		return []key.Binding{kb("enter", "connect"), kb("tab", "saved servers"), kb("ctrl+c", "quit")}
	}
	return []key.Binding{kb("enter", "connect"), kb("↓↑", "choose"), kb("tab", "type a target"), kb("q", "quit")}
}

func (p *picker) rows() int { return max(1, p.height-8-len(p.errs)) }

func (p *picker) render(st *Styles) []string {
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
	rows := p.rows()
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
	for i := p.offset; i < len(p.entries) && i < p.offset+rows; i++ {
		e := p.entries[i]
		name := termsafe.Line(e.Name)
		src := termsafe.Line(e.Source)
		tgt := termsafe.Line(e.Target())
		line := padRight(ansi.Truncate(name, 24, "…"), 25) + padRight(ansi.Truncate(src, 15, "…"), 16) + tgt
		line = ansi.Truncate(line, w-6, "…")
		if i == p.cursor && !p.typing {
			out = append(out, "  "+st.Selected.Render("▸ "+padRight(line, w-6)))
		} else {
			out = append(out, "    "+st.Text.Render(line))
		}
	}
	for _, e := range p.errs {
		out = append(out, st.Warn.Render(ansi.Truncate("  ! "+e, w, "…")))
	}
	return out
}

// pickerKey handles keys on the picker screen.
func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.picker
	switch msg.String() {
	case "tab", "shift+tab":
		if len(p.entries) > 0 {
			p.typing = !p.typing
			if p.typing {
				return p.input.Focus()
			}
			p.input.Blur()
		}
		return nil
	case "enter":
		if p.typing {
			cfg, err := parseTarget(p.input.Value())
			if err != nil {
				m.setFlash(err.Error(), true)
				return nil
			}
			name := nameFor(cfg)
			return tea.Batch(m.connectTo(serverEntry{Name: name, Source: "typed", Config: cfg}), saveServerCmd(name, cfg))
		}
		if p.cursor < len(p.entries) {
			return m.connectTo(p.entries[p.cursor])
		}
		return nil
	case "esc":
		if p.typing && p.input.Value() != "" {
			p.input.SetValue("")
			return nil
		}
		if m.sess != nil || m.info != nil {
			m.picker = nil // back to the current server
			return nil
		}
		if !p.typing {
			return m.quit()
		}
		return nil
	}
	if p.typing {
		var c tea.Cmd
		p.input, c = p.input.Update(msg)
		return c
	}
	switch msg.String() {
	case "up", "k":
		p.cursor = max(0, p.cursor-1)
	case "down", "j":
		p.cursor = min(len(p.entries)-1, p.cursor+1)
	case "q":
		return m.quit()
	case "home", "g":
		p.cursor = 0
	case "end", "G":
		p.cursor = max(0, len(p.entries)-1)
	}
	return nil
}

func saveServerCmd(name string, cfg mcp.Config) tea.Cmd {
	return func() tea.Msg {
		if err := saveServer(name, cfg); err != nil {
			return flashMsg{text: "could not save the server: " + err.Error(), err: true}
		}
		return nil
	}
}

// connectTo leaves the picker and dials the chosen server. Connection
// flags given on the command line (bearer, headers, timeouts) still apply.
func (m *Model) connectTo(e serverEntry) tea.Cmd {
	base := m.opts.Config
	cfg := e.Config
	cfg.Bearer = firstNonEmpty(cfg.Bearer, base.Bearer)
	if len(base.Header) > 0 {
		if cfg.Header == nil {
			cfg.Header = http.Header{}
		}
		for k, vs := range base.Header {
			for _, v := range vs {
				cfg.Header.Add(k, v)
			}
		}
	}
	if cfg.Transport == "" {
		cfg.Transport = base.Transport
	}
	cfg.SecretHeaders, cfg.Insecure, cfg.HTTPClient = base.SecretHeaders, base.Insecure, base.HTTPClient
	cfg.Timeout, cfg.Keepalive, cfg.IdleTimeout, cfg.MaxMessage, cfg.MaxReconnects = base.Timeout, base.Keepalive, base.IdleTimeout, base.MaxMessage, base.MaxReconnects
	cfg.Protocol, cfg.ClientInfo, cfg.Capabilities = base.Protocol, base.ClientInfo, base.Capabilities
	m.resetServer()
	m.opts.Config = cfg
	m.picker = nil
	m.live = true
	m.layout()
	m.setFlash("connecting to "+strings.TrimSpace(e.Name)+"…", false)
	return m.dial()
}

// pickerMsg carries the servers found on disk to the picker.
type pickerMsg struct {
	entries []serverEntry
	errs    []error
}

// openPicker reads the server files (in a command: no IO in Update) and
// shows the picker; the current session stays until another is chosen.
func (m *Model) openPicker() tea.Cmd {
	file := m.opts.ConfigFile
	return func() tea.Msg {
		entries, errs := discoverServers(file)
		return pickerMsg{entries, errs}
	}
}

// resetServer forgets everything about the current server.
func (m *Model) resetServer() {
	if m.sess != nil {
		old := m.sess
		m.sess = nil
		go old.Close()
	}
	for _, c := range m.calls {
		if c.cancel != nil {
			c.cancel()
		}
	}
	m.gen++
	m.dialing = false
	m.calls = nil
	m.connErr = nil
	m.info = nil
	m.state = ""
	m.server = serverIdent{}
	m.lastIn = time.Time{}
	m.kaIn, m.kaOut, m.pingRTT, m.reconnects = 0, 0, 0, 0
	m.br = newBrowser()
	m.work = newWorkPane()
	clear(m.flights)
	m.focus = paneBrowser
}
