package redact

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestKnownValuesInEveryEscaping(t *testing.T) {
	const secret = "s3cr3t/bearer+Tok=42"
	m := New(secret)
	for _, c := range []struct{ in, want string }{
		{`{"text":"x s3cr3t/bearer+Tok=42 y"}`, `{"text":"x [REDACTED] y"}`},
		{`{"text":"x s3cr3t\/bearer+Tok=42 y"}`, `{"text":"x [REDACTED] y"}`},
		{`{"text":"x \u0073\u0033cr3t\u002Fbearer\u002bTok=42 y"}`, `{"text":"x [REDACTED] y"}`},
		// JSON inside a JSON string: decoded twice
		{`{"text":"{\"t\":\"s3cr3t\\\/bearer+Tok=42\"}"}`, `{"text":"{\"t\":\"[REDACTED]\"}"}`},
		// URL-escaped
		{`{"url":"http://h/?t=s3cr3t%2Fbearer%2BTok%3D42"}`, `{"url":"http://h/?t=[REDACTED]"}`},
		// the bug of issue 15: only the head was matched by the bearer shape
		{`{"h":"Bearer s3cr3t\/bearer+Tok=42"}`, `{"h":"Bearer [REDACTED]"}`},
		{`nothing here \n at all`, `nothing here \n at all`},
	} {
		got := string(m.JSON([]byte(c.in)))
		if got != c.want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(got)) {
			t.Errorf("JSON(%s) broke the JSON: %s", c.in, got)
		}
	}
}

func TestUnchangedTextIsReturnedAsIs(t *testing.T) {
	m := New("abcdefgh")
	b := []byte(`{"a":"x\ny\/z"}`)
	if got := m.JSON(b); &got[0] != &b[0] {
		t.Fatal("an unchanged text was copied")
	}
	s := "plain text"
	if got := m.String(s); got != s {
		t.Fatal(got)
	}
}

func TestShortAndMarkerValuesAreNotSearched(t *testing.T) {
	m := New("1", "abc", "DACT", "true")
	if m.Len() != 1 { // "true" only: long enough, and not part of the marker
		t.Fatalf("%d values", m.Len())
	}
	if got := m.String("1 abc [REDACTED]"); got != "1 abc [REDACTED]" {
		t.Fatal(got)
	}
}

// With runs on every (re)connect: the needles must not grow by escaping
// the already escaped forms again each time.
func TestWithDoesNotGrow(t *testing.T) {
	m := New("a=b c+d/e")
	first := len(m.needles)
	for range 6 {
		m = m.With("a=b c+d/e")
	}
	if len(m.needles) != first || m.Len() != 1 {
		t.Fatalf("%d needles after 6 reconnects, %d at first: %q", len(m.needles), first, m.needles)
	}
	if got := m.String(`token a=b c+d/e and a%3Db+c%2Bd%2Fe`); strings.Contains(got, "a=b") || strings.Contains(got, "a%3Db") {
		t.Fatalf("a form of the secret survived: %s", got)
	}
}

func TestCredentialShapes(t *testing.T) {
	var m *Matcher // shapes need no values
	for _, c := range []struct{ in, want string }{
		{`Authorization: Bearer abc.def-123`, `Authorization: Bearer [REDACTED]`},
		{`authorization: bEaReR abc.def-123`, `authorization: bEaReR [REDACTED]`},
		{`Bearer [REDACTED]`, `Bearer [REDACTED]`},
		{`the Bearer token goes here`, `the Bearer token goes here`},
		{`{"access_token": "abc\"def", "x": 1}`, `{"access_token": "[REDACTED]", "x": 1}`},
		{`{"a":"Bearer abc\/def+123"}`, `{"a":"Bearer [REDACTED]"}`},
		{`{"a":"\u0042earer abcdef+123"}`, `{"a":"\u0042earer [REDACTED]"}`},
		{`uses Bearer authentication`, `uses Bearer authentication`},
		// challenges are not tokens
		{`WWW-Authenticate: Bearer resource_metadata="http://x/.well-known/oauth-protected-resource"`, `WWW-Authenticate: Bearer resource_metadata="http://x/.well-known/oauth-protected-resource"`},
		{`{"h":"Bearer error_description=\"expired\""}`, `{"h":"Bearer error_description=\"expired\""}`},
		{`Bearer error=invalid_token`, `Bearer error=invalid_token`},
		{`"Bearer YWJjZGVmZ2hp=="`, `"Bearer [REDACTED]"`},
		{`bearer  0123456789`, `bearer  [REDACTED]`},
		{`{"refresh_token" : "r1\"x", "a":1}`, `{"refresh_token" : "[REDACTED]", "a":1}`},
		{`{"id_token":null}`, `{"id_token":null}`},
		{`Bearer [REDACTED] and BEARER zz9zz9zz`, `Bearer [REDACTED] and BEARER [REDACTED]`},
	} {
		if got := m.String(c.in); got != c.want {
			t.Errorf("String(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	if got := New("abcdefgh").Known("Bearer abc.def-123"); got != "Bearer abc.def-123" {
		t.Fatalf("Known matched a shape: %s", got)
	}
}

// A match that would cross a JSON string's quotes is not replaced: the
// text would no longer be JSON.
func TestJSONStructureIsKept(t *testing.T) {
	m := New(`a","b":"c`)
	in := []byte(`{"x":"a","b":"c"}`)
	if got := m.JSON(in); string(got) != string(in) {
		t.Fatalf("%s", got)
	}
	// inside a string, escaped, it goes
	in = []byte(`{"x":"a\",\"b\":\"c"}`)
	if got := m.JSON(in); string(got) != `{"x":"[REDACTED]"}` {
		t.Fatalf("%s", got)
	}
}

func TestPartialEscapeIsWidened(t *testing.T) {
	// the value's literal text starts inside an escape of the text
	m := New("u0041BCDE")
	got := m.JSON([]byte(`{"x":"\u0041BCDE"}`))
	if !json.Valid(got) || strings.Contains(string(got), "u0041BCDE") {
		t.Fatalf("%s", got)
	}
}

// escapeRandomly writes s as the contents of a JSON string, each rune in
// a way chosen by rng: literal where JSON allows it, a short escape where
// one exists, \u with either hex case, surrogate pairs above the BMP.
func escapeRandomly(rng *rand.Rand, s string) string {
	var b strings.Builder
	for _, r := range s {
		short := map[rune]string{'"': `\"`, '\\': `\\`, '/': `\/`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}[r]
		literalOK := r >= 0x20 && r != '"' && r != '\\'
		switch k := rng.IntN(3); {
		case k == 0 && literalOK:
			b.WriteRune(r)
		case k == 1 && short != "":
			b.WriteString(short)
		default:
			hex := "%04x"
			if rng.IntN(2) == 0 {
				hex = "%04X"
			}
			if r > 0xffff {
				a, c := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u`+hex+`\u`+hex, a, c)
			} else {
				fmt.Fprintf(&b, `\u`+hex, r)
			}
		}
	}
	return b.String()
}

// decodedStrings collects every string in a JSON document, and the strings
// of any string that itself holds JSON.
func decodedStrings(t *testing.T, doc []byte, depth int) []string {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
			if depth > 0 {
				out = append(out, decodedStrings(t, []byte(x), depth-1)...)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// holds reports secret in s outside the markers: a secret that ends with
// '[' would otherwise be "found" in text before a marker.
func holds(s, secret string) bool {
	for _, piece := range strings.Split(s, Redacted) {
		if strings.Contains(piece, secret) {
			return true
		}
	}
	return false
}

// FuzzEscapedSecretNeverSurvives: for a random secret, escaped at random
// (once, or inside JSON inside a string) and embedded in a message, the
// scrubbed message is valid JSON and no string in it, decoded once or
// twice, holds the secret; the same text scrubbed as free text loses it
// too.
func FuzzEscapedSecretNeverSurvives(f *testing.F) {
	f.Add("s3cr3t/bearer+Tok=42", "echo: ", " done", uint64(1), false)
	f.Add("env/Tok+en=7f2a91", `{"a":`, `}`, uint64(7), true)
	f.Add(`quo"te\back/slash`, "", "", uint64(3), true)
	f.Add("é😀/ü+=", "x", "y", uint64(11), false)
	f.Fuzz(func(t *testing.T, secret, pre, post string, seed uint64, nested bool) {
		if len(secret) < MinSecret || !utf8.ValidString(secret+pre+post) || strings.Contains(Redacted, secret) || strings.Contains(secret, Redacted) {
			t.Skip()
		}
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		m := New(secret)
		inner := escapeRandomly(rng, pre) + escapeRandomly(rng, secret) + escapeRandomly(rng, post)
		if nested { // JSON inside a JSON string
			inner = escapeRandomly(rng, `{"v":"`+inner+`"}`)
		}
		msg := []byte(`{"jsonrpc":"2.0","id":1,"result":{"text":"` + inner + `"}}`)
		if !json.Valid(msg) {
			t.Fatalf("the test built invalid JSON: %s", msg)
		}
		got := m.JSON(msg)
		if !json.Valid(got) {
			t.Fatalf("scrubbing broke the JSON:\n in %s\nout %s", msg, got)
		}
		for _, s := range decodedStrings(t, got, 2) {
			if holds(s, secret) {
				t.Fatalf("the secret survived:\n in %s\nout %s", msg, got)
			}
		}
		text := m.Bytes([]byte("log: " + inner))
		for _, s := range append(decodedStrings(t, []byte(`"`+string(text[5:])+`"`), 2), string(text)) {
			if holds(s, secret) {
				t.Fatalf("the secret survived in text:\n in %s\nout %s", inner, text)
			}
		}
	})
}

// adversarialTexts are n-byte texts built to make a scrubber work: every
// byte an escape, every few bytes a match, JSON escapes of every kind.
func adversarialTexts(n int) map[string][]byte {
	out := map[string][]byte{}
	for name, p := range map[string]string{
		"backslashes": `\\`, "echoes": `\"abcd\"`, "unicode": `\u0061`, "bearers": "Bearer abcdefgh1 ",
		"oauth": `"access_token":"x",`, "nested": `\\\/\\\"`, "text": `lorem ipsum dolor sit amet\n`,
	} {
		out[name] = []byte(strings.Repeat(p, n/len(p)))
	}
	return out
}

// What a scrub allocates is bounded by the size of the text, whatever it
// holds (an index of every escape cost 16 times a text of backslashes).
func TestScrubMemoryIsBounded(t *testing.T) {
	const n = 4 << 20
	m := New("s3cr3t/bearer+Tok=42", "abcd")
	for name, in := range adversarialTexts(n) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m.JSON(in)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 20*n {
			t.Errorf("%s: %d MiB allocated for a %d MiB text", name, got>>20, n>>20)
		}
	}
}

// BenchmarkScrubAdversarial: time per byte should stay flat from 1 to 16
// MiB (linear growth) for each adversarial text.
func BenchmarkScrubAdversarial(b *testing.B) {
	m := New("s3cr3t/bearer+Tok=42", "abcd")
	for _, n := range []int{1 << 20, 4 << 20, 16 << 20} {
		for name, in := range adversarialTexts(n) {
			b.Run(fmt.Sprintf("%s/%dMiB", name, n>>20), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				for b.Loop() {
					m.JSON(in)
				}
			})
		}
	}
}

// The common case costs no allocation: a text without escapes and without
// a secret.
func TestNoAllocationWithoutMatch(t *testing.T) {
	m := New("s3cr3t/bearer+Tok=42", "env/Tok+en=7f2a91")
	msg := []byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"result number 7, bearing no token"}]}}`)
	if n := testing.AllocsPerRun(100, func() { m.JSON(msg); m.String("a stderr line") }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// Without secrets to look for, a text is decoded only when a decoding may
// show a credential shape it hides.
func TestShapesHiddenByEscapes(t *testing.T) {
	var m *Matcher
	for in, want := range map[string]string{
		`{"a":"\u0042earer abcdef+123"}`:                            `{"a":"\u0042earer [REDACTED]"}`,
		`{"a":"Bearer abc\/def+123"}`:                               `{"a":"Bearer [REDACTED]"}`,
		`{"t":"{\"access_token\":\"abc\\\/def\"}"}`:                 `{"t":"{\"access_token\":\"[REDACTED]\"}"}`,
		`{"t":"{\"refresh\u005ftoken\":\"abc\"}"}`:                  `{"t":"{\"refresh\u005ftoken\":\"[REDACTED]\"}"}`,
		`{"t":"line one\nline two \"quoted\" and a path C:\\temp"}`: `{"t":"line one\nline two \"quoted\" and a path C:\\temp"}`,
	} {
		if got := string(m.JSON([]byte(in))); got != want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}

// FuzzEscapedBearerNeverSurvives: a bearer token sonde was never given,
// escaped at random (once, or inside JSON inside a string), is found by
// its shape alone.
func FuzzEscapedBearerNeverSurvives(f *testing.F) {
	f.Add("abc/def+123=", "echo ", uint64(1), false)
	f.Add("eyJhbGciOi.J9x-_~", "", uint64(5), true)
	f.Fuzz(func(t *testing.T, token, pre string, seed uint64, nested bool) {
		token = strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf && isTokenByte(byte(r)) && r != '=' {
				return r
			}
			return -1
		}, token)
		if len(token) < 8 || !utf8.ValidString(pre) || strings.ContainsAny(pre, `\`) {
			t.Skip()
		}
		token = "9" + token // a digit: a token, not a word
		if strings.Contains(pre, token) {
			t.Skip() // only the one after "Bearer " is a token
		}
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		inner := escapeRandomly(rng, pre+" Bearer "+token+" done")
		if nested {
			inner = escapeRandomly(rng, `{"v":"`+inner+`"}`)
		}
		msg := []byte(`{"jsonrpc":"2.0","id":1,"result":{"text":"` + inner + `"}}`)
		var m *Matcher
		got := m.JSON(msg)
		if !json.Valid(got) {
			t.Fatalf("scrubbing broke the JSON:\n in %s\nout %s", msg, got)
		}
		for _, s := range decodedStrings(t, got, 2) {
			if holds(s, token) {
				t.Fatalf("the token survived:\n in %s\nout %s", msg, got)
			}
		}
	})
}

// A value hidden only by the escapes that decode to its own characters is
// found; a text whose escapes cannot spell any is not decoded (and the
// value found as it stands).
func TestHiders(t *testing.T) {
	m := New("no-special-chars", "with/slash")
	for in, want := range map[string]string{
		`{"a":"no-special-chars\n"}`:           `{"a":"[REDACTED]\n"}`,
		`{"a":"{\"t\":\"no-special-chars\"}"}`: `{"a":"{\"t\":\"[REDACTED]\"}"}`,
		`{"a":"with\/slash"}`:                  `{"a":"[REDACTED]"}`,
		`{"a":"with\\\/slash"}`:                `{"a":"[REDACTED]"}`,
		`{"a":"no-sp\u0065cial-chars"}`:        `{"a":"[REDACTED]"}`,
		`{"a":"no-sp\\u0065cial-chars"}`:       `{"a":"[REDACTED]"}`,
	} {
		if got := string(m.JSON([]byte(in))); got != want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}
