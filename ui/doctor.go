package ui

import (
	"context"
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	dr "github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	doctorui "github.com/sonde-mcp/sonde/ui/dialog/doctor"
)

// sonde doctor on a terminal: the doctor's checklist is all the program
// shows (the same dialog the connection dialog and the picker open over
// the UI).

// doctorApp is the program of a checklist shown alone.
type doctorApp struct {
	com    *common.Common
	theme  themes.Theme
	d      *doctorui.Dialog
	w, h   int
	quit   key.Binding
	closed bool
}

func (a *doctorApp) Init() tea.Cmd { return tea.Batch(tea.RequestBackgroundColor, a.d.Start()) }

func (a *doctorApp) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.w, a.h = msg.Width, msg.Height
		return a, nil
	case tea.BackgroundColorMsg:
		a.com.Styles = common.NewStyles(a.theme, msg.IsDark())
		return a, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, a.quit) {
			a.d.Stop()
			return a, tea.Quit
		}
	}
	act, cmd := a.d.Update(msg)
	if _, ok := act.(component.Close); ok {
		a.closed = true
	}
	return a, cmd
}

func (a *doctorApp) View() tea.View {
	v := tea.NewView(a.d.View(max(30, a.w), max(8, a.h)))
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "sonde doctor"
	return v
}

// RunDoctor shows the doctor's checklist for o until the user closes it,
// and returns the report (nil when the run was left before it ended).
func RunDoctor(ctx context.Context, o dr.Options, theme string, popts ...tea.ProgramOption) (*dr.Report, error) {
	th, _ := themes.Get("")
	if theme != "" {
		t, err := themes.Resolve(theme)
		if err != nil {
			return nil, err
		}
		th = t
	}
	com := &common.Common{Styles: common.NewStyles(th, true), HL: common.NewHighlighter()}
	d := doctorui.New(com, o, nil)
	d.Standalone = true
	a := &doctorApp{com: com, theme: th, d: d, quit: key.NewBinding(key.WithKeys("ctrl+c"))}
	p := tea.NewProgram(a, append([]tea.ProgramOption{tea.WithContext(ctx)}, popts...)...)
	_, err := p.Run()
	d.Stop()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = ctx.Err()
	}
	return d.Report(), err
}
