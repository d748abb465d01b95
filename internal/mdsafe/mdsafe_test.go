package mdsafe

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

func TestInline(t *testing.T) {
	for in, want := range map[string]string{
		"":        "",
		"a":       "`a`",
		"a`b":     "``a`b``",
		"`":       "`` ` ``",
		" x ":     "`  x  `",
		"a\nb":    "`a b`",
		"x``y`":   "``` x``y` ```",
		"<img/>":  "`<img/>`",
		"![i](u)": "`![i](u)`",
	} {
		if got := Inline(in); got != want {
			t.Errorf("Inline(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzInline: whatever the text, its code span renders (CommonMark +
// GFM) as one code element in one paragraph holding the text itself.
func FuzzInline(f *testing.F) {
	for _, s := range []string{`<img src="http://evil.example/t.png">`, `![x](http://evil.example/p.png)`, "`a` `` b ``", "```\n# h\n```", `| a | b |`, " x "} {
		f.Add(s)
	}
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
	f.Fuzz(func(t *testing.T, s string) {
		span := Inline(s)
		if span == "" {
			return
		}
		var out bytes.Buffer
		if err := gm.Convert([]byte("x "+span), &out); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		inner, ok := strings.CutPrefix(got, "<p>x <code>")
		if !ok || !strings.HasSuffix(inner, "</code></p>\n") || strings.Count(got, "<") != 4 {
			t.Fatalf("%q → %q → %q", s, span, got)
		}
	})
}

// A cell's | never ends the cell.
func TestCell(t *testing.T) {
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM))
	var out bytes.Buffer
	if err := gm.Convert([]byte("| a | b |\n|---|---|\n| "+Cell("x | y")+" | z |\n"), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "<td>") != 2 || !strings.Contains(out.String(), "<code>x | y</code>") {
		t.Errorf("%s", out.String())
	}
}
