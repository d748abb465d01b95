package rerun

import (
	"path/filepath"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
)

// Target asks which server to re-run a recording against (a URL or a
// command, as the server picker takes them), offering the recorded one;
// enter replaces it with the report of the run.
type Target struct {
	c     *common.Common
	path  string
	base  mcp.Config
	input textinput.Model
	err   string
	Keys  TargetKeys
}

var _ component.Dialog = (*Target)(nil)

// NewTarget asks where to re-run the recording at path; recorded is the
// target it was recorded against (offered, "" for none); base carries the
// connection flags the target is dialled with (headers, timeouts).
func NewTarget(c *common.Common, path, recorded string, base mcp.Config) *Target {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "http://127.0.0.1:3000/mcp  or  node server.js"
	ti.CharLimit = 2000
	ti.SetValue(termsafe.Line(recorded))
	ti.Focus()
	return &Target{c: c, path: path, base: base, input: ti, Keys: DefaultTargetKeys()}
}

// Update implements [component.Component].
func (d *Target) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok { // the cursor's blink
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(msg)
		return nil, cmd
	}
	switch {
	case key.Matches(k, d.Keys.Run):
		cfg, err := config.ParseTarget(d.input.Value())
		if err != nil {
			d.err = termsafe.Line(err.Error())
			return nil, nil
		}
		cfg = withTarget(d.base, cfg)
		rep := New(d.c, d.path, cfg)
		return component.Replace{Dialog: rep}, rep.Start()
	case key.Matches(k, d.Keys.Cancel):
		return component.Close{}, nil
	case key.Matches(k, d.Keys.Type):
		d.err = ""
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(msg)
		return nil, cmd
	}
	return nil, nil
}

// withTarget is base (the connection flags) aimed at target's server.
func withTarget(base, target mcp.Config) mcp.Config {
	base.URL, base.Command = target.URL, target.Command
	return base
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Target) SetSize(int, int) {}

// View implements [component.Component].
func (d *Target) View(W, H int) string {
	st := d.c.Styles
	w := max(30, min(W-4, 90))
	d.input.SetWidth(max(10, w-6))
	lines := []string{
		st.Text.Render(termsafe.Line("Re-send the requests of " + filepath.Base(d.path) + " to a server and compare its answers with the recorded ones.")),
		"",
		st.Accent2.Render("Server (a URL, or a command):"),
		d.input.View(),
	}
	if d.err != "" {
		lines = append(lines, st.Err.Render(d.err))
	} else {
		lines = append(lines, "")
	}
	var body []string
	for _, l := range lines {
		body = append(body, common.WrapLines(l, w-2)...)
	}
	return common.DialogBox(st, "Rerun", body, common.HelpLine(st, d.ShortHelp(), w-2), w, H)
}

// ShortHelp implements [help.KeyMap].
func (d *Target) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Run, d.Keys.Type, d.Keys.Cancel}
}

// FullHelp implements [help.KeyMap].
func (d *Target) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
