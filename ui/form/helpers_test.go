package form

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

// press sends named keys.
func press(f *Form, keys ...string) {
	for _, k := range keys {
		f.Update(ct.Key(k))
	}
}

// typeText types each character of s.
func typeText(f *Form, s string) {
	for _, r := range s {
		f.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func newForm(t *testing.T, schemaJSON string, opts ...Options) *Form {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	f, err := New(json.RawMessage(schemaJSON), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

// focusedPath is the JSON pointer of the focused field plus, for a
// multiselect option row, "#option".
func focusedPath(f *Form) string {
	r, ok := f.currentRow()
	if !ok {
		return "<none>"
	}
	p := r.f.path()
	if r.opt >= 0 {
		p += "#" + strconv.Itoa(r.opt)
	}
	return p
}

// tabTo presses tab until the field at path (and option row opt, or -1)
// has focus.
func tabTo(t *testing.T, f *Form, path string) {
	t.Helper()
	for _, k := range []string{"tab", "shift+tab"} {
		for range len(f.rows) + 1 {
			if focusedPath(f) == path {
				return
			}
			press(f, k)
		}
	}
	t.Fatalf("could not tab to %q; rows: %v", path, rowPaths(f))
}

func rowPaths(f *Form) []string {
	var out []string
	for _, r := range f.rows {
		p := r.f.path()
		if r.opt >= 0 {
			p += "#" + strconv.Itoa(r.opt)
		}
		out = append(out, p)
	}
	return out
}

// value returns the form's value, failing on a parse error.
func value(t *testing.T, f *Form) string {
	t.Helper()
	v, err := f.Value()
	if err != nil {
		t.Fatalf("Value: %v", err)
	}
	if !json.Valid(v) {
		t.Fatalf("Value is not JSON: %s", v)
	}
	return string(v)
}

// requireJSON compares JSON semantically (key order and number spelling
// aside).
func requireJSON(t *testing.T, got, want string) {
	t.Helper()
	if !jsonEq(got, want) {
		t.Fatalf("value\n got: %s\nwant: %s", got, want)
	}
}

func jsonEq(a, b string) bool {
	x, err1 := decodeAny([]byte(a))
	y, err2 := decodeAny([]byte(b))
	if err1 != nil || err2 != nil {
		return false
	}
	return equalJSON(x, y)
}

// plainView is the view without styling.
func plainView(f *Form) string { return ansi.Strip(f.View()) }

// lineAfter returns the view line that follows the line containing s.
func lineAfter(t *testing.T, view, s string) string {
	t.Helper()
	lines := strings.Split(view, "\n")
	for i, l := range lines {
		if strings.Contains(l, s) && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	t.Fatalf("no line containing %q in\n%s", s, view)
	return ""
}

func lineWith(t *testing.T, view, s string) string {
	t.Helper()
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line containing %q in\n%s", s, view)
	return ""
}

// requireFits checks the view has exactly h lines none wider than w.
func requireFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Fatalf("view has %d lines, want %d:\n%s", len(lines), h, ansi.Strip(view))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("line %d is %d cells wide (max %d): %q", i, lw, w, ansi.Strip(l))
		}
	}
}

func compact(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}

// focusedLineAfter returns the view line after the focused row's line.
func focusedLineAfter(t *testing.T, view string) string {
	t.Helper()
	return lineAfter(t, view, "▸ ")
}
