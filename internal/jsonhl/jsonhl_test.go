package jsonhl

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
	"github.com/alecthomas/chroma/v2/lexers"
	chromastyles "github.com/alecthomas/chroma/v2/styles"

	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/termsafe"
)

// viaChroma is what the UI drew before this package: chroma's JSON lexer,
// coalesced, through the terminal16m formatter, each coloured line reset.
func viaChroma(t testing.TB, src, style string) []string {
	it, err := chroma.Coalesce(lexers.Get("json")).Tokenise(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := formatters.TTY16m.Format(&b, chromastyles.Get(style), it); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		if strings.Contains(l, "\x1b[") {
			lines[i] = l + "\x1b[0m"
		}
	}
	return lines
}

func styleNames() []string {
	var out []string
	for name := range styles {
		out = append(out, name)
	}
	return out
}

func checkSame(t *testing.T, src string) {
	t.Helper()
	src = termsafe.Text(src) // the UI's input
	for _, style := range styleNames() {
		got, want := Lines(src, style), viaChroma(t, src, style)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("style %s, src %q:\n got %q\nwant %q", style, src, got, want)
		}
	}
}

var seeds = []string{
	``,
	`{}`,
	`[]`,
	`{"a": 1, "b": [true, false, null, -0.5e+10, 1E5, 0.25, 01, -], "c": {"d": "e\"f\\"}}`,
	`{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}}`,
	"{\n  \"a\": \"multi\nline\"\n}",
	`{"unclosed": "abc`,
	`{"unclosed": "ab\"c`,
	`"a\"b\"c`,
	`{"a" "b" : : , }`,
	`[1, 2 ] ] } {`,
	`trueish true_ true1 null. false-`,
	"true\u00e9 null\u0301 false\u200d true\u2028",
	"{\u00a0\"a\":\u3000 1\u0085}",
	"1\u0663 -\u0661 0\u0663 1.\u0663e\u0663",
	"// a comment\n{\"a\": 1 // inline\n}",
	"{// c\n\"a\"://x\n 2}",
	"[ // not closed",
	"{\"k\": \"v\"\n\"next\": 1}",
	"plain text that is no JSON at all\nwith lines",
	"\t{\t\"tab\":\t1\t}\t",
	"{\"emoji\": \"😀 中文\", \"😀\": 1}",
	"\n\n{\"a\":1}\n\n",
	`{"a":1}}}}`,
	`[[[[`,
	`"\\" "\\\"" "\\\\"`,
}

func TestLinesMatchChroma(t *testing.T) {
	for _, s := range seeds {
		checkSame(t, s)
	}
	// Indented, as the views show JSON.
	for _, s := range seeds {
		if json.Valid([]byte(s)) {
			text, _ := prettyjson.Indent([]byte(s), 0)
			checkSame(t, text)
		}
	}
}

// FuzzLinesMatchChroma holds the highlighter to chroma's output for any
// text the UI can pass it.
func FuzzLinesMatchChroma(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSame(t, s)
	})
}

// TestStylesMatchChroma checks the colour table against the chroma styles
// it was taken from.
func TestStylesMatchChroma(t *testing.T) {
	types := map[kind]chroma.TokenType{
		kText: chroma.Text, kPunct: chroma.Punctuation, kKey: chroma.NameTag,
		kString: chroma.LiteralStringDouble, kInt: chroma.LiteralNumberInteger,
		kFloat: chroma.LiteralNumberFloat, kKeyword: chroma.KeywordConstant,
		kComment: chroma.CommentSingle, kError: chroma.Error,
	}
	for name, p := range styles {
		st := chromastyles.Get(name)
		if st.Name != name {
			t.Fatalf("chroma has no style %q", name)
		}
		for k := range nKinds {
			// one token of this kind alone, through the real formatter
			var b strings.Builder
			it := chroma.Literator(chroma.Token{Type: types[k], Value: "x"})
			if err := formatters.TTY16m.Format(&b, st, it); err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSuffix(b.String(), "x"+reset)
			if b.String() == "x" {
				want = ""
			}
			if p[k] != want {
				t.Errorf("style %s kind %d: table %q, chroma %q", name, k, p[k], want)
			}
		}
	}
}

func TestUnknownStyleIsPlain(t *testing.T) {
	got := Lines("{\"a\": 1}\nx", "bw")
	if len(got) != 2 || got[0] != `{"a": 1}` || got[1] != "x" {
		t.Fatalf("got %q", got)
	}
}

func BenchmarkLines(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 2000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":%d,"name":"item %d","ok":true,"score":%d.5,"tags":["a","b"],"none":null}`, i, i, i)
	}
	sb.WriteString("]")
	text, _ := prettyjson.Indent([]byte(sb.String()), 0)
	b.Run("jsonhl", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			Lines(text, "dracula")
		}
	})
	b.Run("chroma", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			viaChroma(b, text, "dracula")
		}
	})
}
