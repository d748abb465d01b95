package prettyjson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Up to MaxIndent levels the text is json.Indent's.
func TestLikeEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`{"a":[1,2,{"b":null}],"c":{},"d":[],"e":"x\"y\\\\","f":{ "g" : [ ] }}`,
		` [ 1 , "two" , [ [ ] ] , { } ] `,
		`"just a string"`, `12.5e3`, `{"héllo":"wörld \u2028"}`,
	} {
		var want bytes.Buffer
		if err := json.Indent(&want, []byte(s), "", "  "); err != nil {
			t.Fatal(err)
		}
		got, cut := Indent([]byte(s), 0)
		if cut || got != strings.TrimRight(want.String(), " ") {
			t.Errorf("%s:\ngot  %q\nwant %q", s, got, want.String())
		}
	}
}

// A schema of 9,000 nested arrays (18 KB) indents to text that grows
// linearly with it, not to the 160 MB json.Indent writes; with a limit the
// text stops there.
func TestDeepNestingIsBounded(t *testing.T) {
	const depth = 9000
	src := []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
	full, cut := Indent(src, 0)
	if cut {
		t.Fatal("cut without a limit")
	}
	if max := len(src) * (2*MaxIndent + 2); len(full) > max {
		t.Fatalf("%d bytes of text from %d of input", len(full), len(src))
	}
	var compact bytes.Buffer
	json.Compact(&compact, []byte(full))
	if compact.String() != string(src) {
		t.Fatal("not the same JSON")
	}
	got, cut := Indent(src, 4096)
	if !cut || len(got) != 4096 || !strings.HasPrefix(full, got) {
		t.Fatalf("cut=%v, %d bytes", cut, len(got))
	}
}

// The start of a JSON text cut anywhere (in a string, in an escape, after
// an open bracket) indents as far as it goes.
func TestIndentStart(t *testing.T) {
	src := []byte(`{"content":[{"type":"text","text":"abc\"de`)
	got, _ := IndentStart(src, 0)
	want := "{\n  \"content\": [\n    {\n      \"type\": \"text\",\n      \"text\": \"abc\\\"de"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range src {
		IndentStart(src[:i], 0)
	}
}

// A limit never cuts a character in half, and invalid JSON comes back as
// it was, cut to the limit.
func TestLimitKeepsCharacters(t *testing.T) {
	src := []byte(`{"k":"` + strings.Repeat("é", 100) + `"}`)
	for limit := 1; limit < 60; limit++ {
		got, cut := Indent(src, limit)
		if !cut || !utf8.ValidString(got) || len(got) > limit || limit-len(got) > 1 {
			t.Fatalf("limit %d: %q", limit, got)
		}
	}
	if got, cut := Indent([]byte("{not json"), 0); got != "{not json" || cut {
		t.Fatalf("invalid JSON changed: %q", got)
	}
	if got, cut := Indent([]byte("{not json"), 4); got != "{not" || !cut {
		t.Fatalf("invalid JSON not cut: %q", got)
	}
}

// Whatever the input: the text is the same JSON (or the input itself), a
// limit gives a prefix of it, and the levels below MaxIndent are
// json.Indent's.
func FuzzIndent(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":null}],"c":{},"d":[]}`), uint16(10))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`), uint16(100))
	f.Add([]byte(`{"é":"\u00e9\\\"x"}`), uint16(7))
	f.Fuzz(func(t *testing.T, src []byte, limit uint16) {
		full, cut := Indent(src, 0)
		if cut {
			t.Fatal("cut without a limit")
		}
		if !json.Valid(src) {
			if full != string(src) {
				t.Fatalf("invalid input changed")
			}
		} else {
			var a, b bytes.Buffer
			json.Compact(&a, src)
			if err := json.Compact(&b, []byte(full)); err != nil || a.String() != b.String() {
				t.Fatalf("%q became %q", src, full)
			}
			var want bytes.Buffer
			json.Indent(&want, bytes.TrimSpace(src), "", "  ")
			if maxDepth(src) <= MaxIndent && want.String() != full {
				t.Fatalf("%q: got %q, json.Indent %q", src, full, want.String())
			}
		}
		// the start of any text, cut anywhere, indents without a panic
		if start, _ := IndentStart(src[:len(src)/2], int(limit)); limit > 0 && len(start) > int(limit) {
			t.Fatalf("IndentStart wrote %d bytes past its limit %d", len(start), limit)
		}
		part, pcut := Indent(src, int(limit))
		if limit > 0 && (len(part) > int(limit) || !strings.HasPrefix(full, part) || pcut != (len(full) > int(limit))) {
			t.Fatalf("limit %d: %q (cut %v) of %q", limit, part, pcut, full)
		}
	})
}

func maxDepth(src []byte) int {
	d, m := 0, 0
	in, esc := false, false
	for _, c := range src {
		switch {
		case in && esc:
			esc = false
		case in && c == '\\':
			esc = true
		case in && c == '"':
			in = false
		case in:
		case c == '"':
			in = true
		case c == '{' || c == '[':
			d++
			m = max(m, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return m
}
