package form

import (
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Styles is how the form draws. The root UI fills it from its theme;
// [DefaultStyles] is a reasonable stand-alone choice. The zero value draws
// without colour.
type Styles struct {
	Label        lipgloss.Style // field label
	FocusedLabel lipgloss.Style // label of the focused field
	Required     lipgloss.Style // the "*" after a required field's label
	Cursor       lipgloss.Style // "▸" before the focused field; text cursor colour
	Value        lipgloss.Style // values and typed text
	Placeholder  lipgloss.Style // format hints in empty text fields, "not set"
	Null         lipgloss.Style // the word null on a field set to null
	Hint         lipgloss.Style // bounds, counts, item numbers, line numbers
	Description  lipgloss.Style // help text under the focused field
	Error        lipgloss.Style // validation errors
	Valid        lipgloss.Style // the "valid" summary
	Warning      lipgloss.Style // schema problems, values the form cannot show
	Selected     lipgloss.Style // chosen enum option, checked box, chosen variant
	PickerCursor lipgloss.Style // highlighted entry of an open option list
	Footer       lipgloss.Style // the status line
}

// DefaultStyles returns styles for a dark or light background.
func DefaultStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	muted := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A"))
	accent := ld(lipgloss.Color("#5A3FD6"), lipgloss.Color("#9D8CFF"))
	text := ld(lipgloss.Color("#1E1E1E"), lipgloss.Color("#E6E6E6"))
	red := ld(lipgloss.Color("#C0262D"), lipgloss.Color("#FF6B6B"))
	green := ld(lipgloss.Color("#1E7F3A"), lipgloss.Color("#5FD37A"))
	yellow := ld(lipgloss.Color("#8A6100"), lipgloss.Color("#E8C15A"))
	return Styles{
		Label:        lipgloss.NewStyle().Foreground(text),
		FocusedLabel: lipgloss.NewStyle().Foreground(accent).Bold(true),
		Required:     lipgloss.NewStyle().Foreground(red),
		Cursor:       lipgloss.NewStyle().Foreground(accent),
		Value:        lipgloss.NewStyle().Foreground(text),
		Placeholder:  lipgloss.NewStyle().Foreground(muted),
		Null:         lipgloss.NewStyle().Foreground(muted).Italic(true),
		Hint:         lipgloss.NewStyle().Foreground(muted),
		Description:  lipgloss.NewStyle().Foreground(muted),
		Error:        lipgloss.NewStyle().Foreground(red),
		Valid:        lipgloss.NewStyle().Foreground(green),
		Warning:      lipgloss.NewStyle().Foreground(yellow),
		Selected:     lipgloss.NewStyle().Foreground(accent),
		PickerCursor: lipgloss.NewStyle().Foreground(accent).Bold(true),
		Footer:       lipgloss.NewStyle().Foreground(muted),
	}
}

// inputStyles derives the text input's styles from ours.
func (s Styles) inputStyles() textinput.Styles {
	var ts textinput.Styles
	ts.Focused = textinput.StyleState{Text: s.Value, Placeholder: s.Placeholder, Prompt: s.Hint, Suggestion: s.Placeholder}
	ts.Blurred = ts.Focused
	ts.Cursor = textinput.CursorStyle{Color: s.Cursor.GetForeground(), Blink: false}
	return ts
}

// rawStyles derives the raw JSON editor's styles from ours.
func (s Styles) rawStyles() textarea.Styles {
	st := textarea.StyleState{
		Base:             lipgloss.NewStyle(),
		Text:             s.Value,
		LineNumber:       s.Hint,
		CursorLineNumber: s.Cursor,
		CursorLine:       lipgloss.NewStyle(),
		EndOfBuffer:      s.Hint,
		Placeholder:      s.Placeholder,
		Prompt:           s.Hint,
	}
	return textarea.Styles{Focused: st, Blurred: st, Cursor: textarea.CursorStyle{Color: s.Cursor.GetForeground(), Blink: false}}
}

// InputStyles returns text input styles matching s, for text fields drawn
// next to a form (dialogs that mix a form with their own inputs).
func (s Styles) InputStyles() textinput.Styles { return s.inputStyles() }

// TextareaStyles returns textarea styles matching s (the raw JSON editor's).
func (s Styles) TextareaStyles() textarea.Styles { return s.rawStyles() }
