package ui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"
)

// TestWidthsAgree checks the display widths that the text fields
// (bubbles' textarea, through go-runewidth, whose tables are built on first
// use since v0.0.31) and the rest of the UI (lipgloss, through x/ansi) give
// to wide, combining and emoji text: a field whose cursor thinks a
// character is one cell wide when the screen draws two misplaces every
// character after it.
func TestWidthsAgree(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"abc", 3},
		{"中文", 4},        // CJK: two cells each
		{"日本語のテキスト", 16}, // kana and kanji
		{"한국어", 6},       // hangul syllables
		{"ｶﾀｶﾅ", 4},      // half-width katakana: one cell each
		{"😀", 2},         // emoji
		{"e\u0301", 1},   // e + combining acute: one cell
		{"a\u0300\u0316", 1},
		{"\u200b", 0}, // zero-width space
		{"Ünïcödé", 7},
	} {
		if got := runewidth.StringWidth(c.s); got != c.want {
			t.Errorf("runewidth.StringWidth(%q) = %d, want %d", c.s, got, c.want)
		}
		if got := ansi.StringWidth(c.s); got != c.want {
			t.Errorf("ansi.StringWidth(%q) = %d, want %d", c.s, got, c.want)
		}
	}
	// Per rune, as the textarea moves its cursor.
	for r, want := range map[rune]int{'中': 2, 'a': 1, '\u0301': 0, '😀': 2, 'ｶ': 1, '\u3000': 2} {
		if got := runewidth.RuneWidth(r); got != want {
			t.Errorf("runewidth.RuneWidth(%q) = %d, want %d", r, got, want)
		}
	}
}
