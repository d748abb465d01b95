package termsafe

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"plain":        {"hello, world\n\tok", "hello, world\n\tok"},
		"osc title":    {"a\x1b]0;pwned\x07b", "ab"},
		"osc st":       {"a\x1b]2;pwned\x1b\\b", "ab"},
		"osc52":        {"x\x1b]52;c;ZXZpbA==\x07y", "xy"},
		"clear":        {"\x1b[2J\x1b[Hhi", "hi"},
		"alt screen":   {"\x1b[?1049hhi", "hi"},
		"cursor":       {"a\x1b[10;20Hb\x1b[5Ac", "abc"},
		"sgr":          {"\x1b[31mred\x1b[0m", "red"},
		"bell bs cr":   {"a\x07b\x08c\rd", "abcd"},
		"c1 csi":       {"a\u009b2Jb", "ab"},
		"c1 osc":       {"a\u009d0;t\u009cb", "ab"},
		"dcs":          {"a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		"bidi":         {"abc\u202edcba\u202c", "abcdcba"},
		"invalid utf8": {"a\xffb", "a\ufffdb"},
		"esc charset":  {"\x1b(Bx", "x"},
		"trailing esc": {"x\x1b", "x"},
		"unicode kept": {"héllo 世界 🚀", "héllo 世界 🚀"},
	}
	for name, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("%s: Text(%q) = %q, want %q", name, c.in, got, c.want)
		}
	}
	if got := Line("a\nb\tc"); got != "a b c" {
		t.Errorf("Line = %q", got)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;t\x07", "\x1b[2J", "\u009b1m", "a\xffb", "\x1bP\x1b\\", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) || strings.ContainsRune(out, '\r') {
			t.Fatalf("control survived: %q -> %q", s, out)
		}
		for _, r := range out {
			if r >= 0x80 && r <= 0x9f || r < 0x20 && r != '\n' && r != '\t' {
				t.Fatalf("control rune %U survived: %q -> %q", r, s, out)
			}
		}
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out: %q", out)
		}
		if Text(out) != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, Text(out))
		}
		if IsClean(s) && out != s {
			t.Fatalf("IsClean but changed: %q -> %q", s, out)
		}
	})
}

// JSON escaping keeps JSON the same JSON, and leaves nothing a terminal
// acts on, whatever the input.
func FuzzJSON(f *testing.F) {
	f.Add([]byte("{\"a\":\"\u009b2J\u202e\xff\",\r\n\"b\":[1,\"\u2028\"]}"))
	f.Add([]byte("\x1b]0;title\x07"))
	f.Add([]byte(`"\u001b"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := JSON(b)
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 from %q", b)
		}
		for _, r := range string(out) {
			if IsJSONUnsafe(r) || r == '\r' {
				t.Fatalf("%U left in %q", r, out)
			}
		}
		if !json.Valid(b) {
			return
		}
		var x, y any
		if json.Unmarshal(b, &x) != nil {
			return
		}
		if err := json.Unmarshal(out, &y); err != nil || !reflect.DeepEqual(x, y) {
			t.Fatalf("%q became %q (%v)", b, out, err)
		}
	})
}
