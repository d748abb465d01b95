package form

import (
	"charm.land/bubbles/v2/key"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Suggestions: the caller can offer values for a text field (sonde asks
// the server's completion/complete as the user types a prompt argument or
// a URI template variable). They show in a small list under the focused
// field; up and down move in it, tab or enter takes a value, esc closes
// it. A list shown for an empty field is passive until the user moves in
// it: tab still goes to the next field, so tabbing through a form never
// fills it by accident. The form never asks for suggestions itself: the caller watches
// [Form.FocusedText] after each update and calls [Form.SetSuggestions].

// suggestRows is the height of the suggestion list.
const suggestRows = 6

// suggestions are values offered for one text field.
type suggestions struct {
	path   string
	values []string
	total  int  // what the server says it has (0: unknown)
	more   bool // the server has more than it sent
	// list is the cursor over the values on show (those the text typed
	// so far keeps): its length is set as a key is handled
	list   list.Model
	closed bool // esc closed the list
	moved  bool // the user moved in the list
}

// passive reports a list the user has not engaged with: shown for an
// empty field and not moved in.
func (m *Form) passive() bool {
	_, text, _ := m.FocusedText()
	return m.sugg != nil && !m.sugg.moved && text == ""
}

// FocusedText returns the JSON pointer and the text of the focused text
// field (a string, number or integer input); ok is false when the focus
// is elsewhere (a boolean, an enum, an array header, the raw editor).
func (m *Form) FocusedText() (path, text string, ok bool) {
	if m.raw || m.picker != nil {
		return "", "", false
	}
	r, has := m.currentRow()
	if !has || r.opt >= 0 || !r.f.hasInput || !isTextKind(r.f.kind) || r.f.kind == schema.KindUnknown {
		return "", "", false
	}
	return r.f.path(), r.f.input.Value(), true
}

// SetSuggestions offers values for the text field at path (a JSON pointer
// such as "/city"). They show while that field has the focus; typing
// narrows them until new ones are set. total and more are what the source
// says about values it did not send. No values clear the list.
func (m *Form) SetSuggestions(path string, values []string, total int, more bool) {
	if len(values) == 0 {
		m.sugg = nil
		m.relayout()
		return
	}
	vs := make([]string, 0, len(values))
	seen := map[string]bool{}
	for _, v := range values {
		v = schema.SanitizeLine(v)
		if !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	l := list.NewCentered()
	l.SetHeight(suggestRows)
	m.sugg = &suggestions{path: path, values: vs, total: total, more: more, list: l}
	m.relayout()
}

// Suggestions returns the values on show for the focused field: those
// containing the text typed so far, nothing when the list is closed or
// belongs to another field, or when the only value is the text itself.
func (m *Form) Suggestions() []string {
	s := m.sugg
	if s == nil || s.closed {
		return nil
	}
	path, text, ok := m.FocusedText()
	if !ok || path != s.path {
		return nil
	}
	needle := strings.ToLower(text)
	var out []string
	for _, v := range s.values {
		if needle == "" || strings.Contains(strings.ToLower(v), needle) {
			out = append(out, v)
		}
	}
	if len(out) == 1 && out[0] == text {
		return nil
	}
	return out
}

// suggestKey handles a key while suggestions show; it reports whether the
// key was theirs.
func (m *Form) suggestKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	vs := m.Suggestions()
	if len(vs) == 0 {
		return nil, false
	}
	s := m.sugg
	s.list.SetLen(len(vs))
	passive := m.passive()
	k := m.keys
	switch {
	case key.Matches(msg, k.SuggestUp):
		if passive {
			return nil, false // the previous field, as usual
		}
		s.list.Move(-1)
	case key.Matches(msg, k.SuggestDown):
		if !passive {
			s.list.Move(1)
		}
		s.moved = true
	case key.Matches(msg, k.PageUp):
		s.list.Move(-suggestRows)
		s.moved = true
	case key.Matches(msg, k.PageDown):
		s.list.Move(suggestRows)
		s.moved = true
	case key.Matches(msg, k.Close):
		s.closed = true
	case key.Matches(msg, k.SuggestTake):
		if passive {
			return nil, false
		}
		r, _ := m.currentRow()
		f := r.f
		f.input.SetValue(vs[s.list.Cursor()])
		f.input.CursorEnd()
		f.null, f.set = false, true
		f.checkLocal()
		m.sugg = nil
		m.changed()
		return nil, true
	default:
		return nil, false
	}
	m.relayout()
	return nil, true
}

// suggestLines render the list under the focused field.
func (m *Form) suggestLines(w int) []string {
	vs := m.Suggestions()
	if len(vs) == 0 {
		return nil
	}
	st := m.styles
	s := m.sugg
	// a copy: the text typed since the last key may show fewer values,
	// and the cursor comes back when it shows more again
	l := s.list
	l.SetLen(len(vs))
	cur := l.Cursor()
	first, to := l.Visible()
	passive := m.passive()
	var out []string
	for i := first; i < to; i++ {
		v := ansi.Truncate(vs[i], max(1, w-2), "…")
		if i == cur && !passive {
			out = append(out, st.PickerCursor.Render("› "+v))
		} else {
			out = append(out, "  "+st.Value.Render(v))
		}
	}
	foot := fmt.Sprintf("%d/%d", cur+1, len(vs))
	switch {
	case s.more && s.total > len(s.values):
		foot += fmt.Sprintf(" of %d", s.total)
	case s.more:
		foot += " (more)"
	}
	if passive {
		foot += " · ↓ chooses · tab goes on"
	} else {
		foot += " · tab takes · esc closes"
	}
	out = append(out, st.Hint.Render(ansi.Truncate(foot, w, "…")))
	return out
}

// SuggestionsEngaged reports whether tab and enter take a suggestion now
// (the list shows and is not passive).
func (m *Form) SuggestionsEngaged() bool { return len(m.Suggestions()) > 0 && !m.passive() }
