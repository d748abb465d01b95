package common

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/form"
)

// Styles is every style the UI draws with, built once from a theme palette
// and the terminal background by [NewStyles]. Mono themes use attributes
// only, so the UI stays fully usable without colour.
type Styles struct {
	Theme  themes.Theme
	IsDark bool
	Chroma string

	Text, Muted, Faint lipgloss.Style
	Accent, Accent2    lipgloss.Style
	Title, TitleFocus  lipgloss.Style
	Border, BorderFoc  lipgloss.Style
	Selected           lipgloss.Style // selected row in a focused pane
	SelectedBlur       lipgloss.Style // selected row in an unfocused pane
	Match              lipgloss.Style // fuzzy-matched characters
	OK, Warn, Err      lipgloss.Style
	In, Out, Meta      lipgloss.Style
	Keepalive          lipgloss.Style
	Badge, BadgeWarn   lipgloss.Style
	Tab, TabActive     lipgloss.Style
	Key, KeyDesc       lipgloss.Style
	Flash, FlashErr    lipgloss.Style
	Dialog             lipgloss.Style
	ProgressFull       lipgloss.Style
	ProgressEmpty      lipgloss.Style
	Form               form.Styles
	// Frame and FrameFocus are the box lines of a pane and of the focused
	// pane (and dialogs). Mono themes draw focus with heavy lines: bold
	// alone hardly shows on box-drawing characters.
	Frame, FrameFocus Frame
}

// Frame is the set of box-drawing characters a pane is drawn with.
type Frame struct {
	TopLeft, TopRight, BottomLeft, BottomRight, Horizontal, Vertical string
}

var (
	roundFrame = Frame{"╭", "╮", "╰", "╯", "─", "│"}
	heavyFrame = Frame{"┏", "┓", "┗", "┛", "━", "┃"}
)

// NewStyles builds the styles for theme t on a dark or light background.
func NewStyles(t themes.Theme, isDark bool) *Styles {
	p := t.Palette(isDark)
	s := &Styles{Theme: t, IsDark: isDark, Chroma: p.Chroma}
	fg := func(c color.Color) lipgloss.Style {
		st := lipgloss.NewStyle()
		if c != nil && !t.Mono {
			st = st.Foreground(c)
		}
		return st
	}
	s.Text = fg(p.Fg)
	s.Muted = fg(p.Muted)
	s.Faint = fg(p.Keepalive)
	s.Accent = fg(p.Accent).Bold(true)
	s.Accent2 = fg(p.Accent2)
	s.Title = fg(p.Muted).Bold(true)
	s.TitleFocus = fg(p.Accent).Bold(true)
	s.Border = fg(p.Border)
	s.BorderFoc = fg(p.Accent)
	s.OK = fg(p.OK)
	s.Warn = fg(p.Warn)
	s.Err = fg(p.Err).Bold(true)
	s.In = fg(p.In)
	s.Out = fg(p.Out)
	s.Meta = fg(p.Meta)
	s.Keepalive = fg(p.Keepalive)
	s.Key = fg(p.Accent2).Bold(true)
	s.KeyDesc = fg(p.Muted)
	s.Flash = fg(p.OK)
	s.FlashErr = fg(p.Err).Bold(true)
	s.Match = fg(p.Accent).Underline(true)
	s.TabActive = fg(p.Accent).Bold(true).Underline(true)
	s.Tab = fg(p.Muted)
	s.ProgressFull = fg(p.Accent)
	s.ProgressEmpty = fg(p.Border)
	if t.Mono {
		s.Selected = lipgloss.NewStyle().Reverse(true)
		s.SelectedBlur = lipgloss.NewStyle().Underline(true)
		s.Badge = lipgloss.NewStyle().Reverse(true)
		s.BadgeWarn = lipgloss.NewStyle().Reverse(true).Bold(true)
		s.Err = lipgloss.NewStyle().Bold(true)
		s.Muted = lipgloss.NewStyle().Faint(true)
		s.Faint = lipgloss.NewStyle().Faint(true)
		s.Keepalive = lipgloss.NewStyle().Faint(true)
		s.KeyDesc = lipgloss.NewStyle()
		s.Title = lipgloss.NewStyle()
		s.TitleFocus = lipgloss.NewStyle().Reverse(true).Bold(true)
		s.BorderFoc = lipgloss.NewStyle().Bold(true)
		s.Tab = lipgloss.NewStyle()
		s.FlashErr = lipgloss.NewStyle().Bold(true).Reverse(true)
		s.Meta = lipgloss.NewStyle().Faint(true)
	} else {
		s.Selected = lipgloss.NewStyle().Background(p.SelBg).Foreground(p.SelFg)
		s.SelectedBlur = lipgloss.NewStyle().Background(p.SelBg)
		s.Badge = lipgloss.NewStyle().Background(p.BadgeBg).Foreground(p.BadgeFg)
		s.BadgeWarn = lipgloss.NewStyle().Background(p.Warn).Foreground(p.BadgeFg).Bold(true)
	}
	s.Frame, s.FrameFocus = roundFrame, roundFrame
	if t.Mono {
		s.FrameFocus = heavyFrame
	}
	s.Dialog = s.BorderFoc
	s.Form = formStyles(s, t.Mono)
	return s
}

func formStyles(s *Styles, mono bool) form.Styles {
	if mono {
		b := lipgloss.NewStyle()
		return form.Styles{
			Label: b, FocusedLabel: b.Bold(true).Underline(true), Required: b.Bold(true),
			Cursor: b.Bold(true), Value: b, Placeholder: b.Faint(true), Null: b.Italic(true),
			Hint: b.Faint(true), Description: b.Faint(true), Error: b.Bold(true), Valid: b,
			Warning: b.Bold(true), Selected: b.Bold(true), PickerCursor: b.Reverse(true), Footer: b.Faint(true),
		}
	}
	return form.Styles{
		Label:        s.Text,
		FocusedLabel: s.Accent,
		Required:     s.Err.UnsetBold(),
		Cursor:       s.Accent,
		Value:        s.Text,
		Placeholder:  s.Muted,
		Null:         s.Muted.Italic(true),
		Hint:         s.Muted,
		Description:  s.Muted,
		Error:        s.Err.UnsetBold(),
		Valid:        s.OK,
		Warning:      s.Warn,
		Selected:     s.Accent.UnsetBold(),
		PickerCursor: s.Accent,
		Footer:       s.Muted,
	}
}
