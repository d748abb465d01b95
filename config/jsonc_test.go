package config

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestStandardJSON(t *testing.T) {
	cases := map[string]string{
		`{"a":1}`:                            `{"a":1}`,
		"// top\n{\"a\":1}":                  "      \n{\"a\":1}",
		`{"a":1,}`:                           `{"a":1 }`,
		`[1,2,]`:                             `[1,2 ]`,
		"{\"a\":[1, /* x */ 2,\n],\n}":       "{\"a\":[1,         2 \n] \n}",
		`{"u":"http://x//y","c":"/* no */"}`: `{"u":"http://x//y","c":"/* no */"}`,
		`{"q":"a\"//b",}`:                    `{"q":"a\"//b" }`,
		`{"a":1, // c` + "\n}":               `{"a":1      ` + "\n}",
		"\xEF\xBB\xBF{}":                     "   {}",
		`[1,,]`:                              `[1, ]`, // only the trailing one goes: the decoder reports the other
	}
	for in, want := range cases {
		got, err := standardJSON([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("%q → %q (%v), want %q", in, got, err, want)
		}
	}
	if _, err := standardJSON([]byte(`{"a":1 /* open`)); err == nil {
		t.Error("an unterminated comment is an error")
	}
}

// FuzzStandardJSON: the output has the input's length, JSON passes through
// unchanged, only spaces replace bytes and newlines stay, and converting
// the JSON it produces changes nothing.
func FuzzStandardJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "// c\n{\"a\":[1,2,],}", `{"s":"a\\\"/*"}`, "/* x */[]", `[1,/**/]`, "\xEF\xBB\xBF[]", `"//"`, `/`, `{"a":"\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := standardJSON(in)
		if err != nil {
			return
		}
		if len(out) != len(in) {
			t.Fatalf("length %d → %d", len(in), len(out))
		}
		if json.Valid(in) && !bytes.Equal(out, in) {
			t.Fatalf("valid JSON changed: %q → %q", in, out)
		}
		// Once converted to JSON, nothing is left to convert (a comma run
		// like ",,]" is not JSON after one pass and is left to the decoder).
		if again, err := standardJSON(out); json.Valid(out) && (err != nil || !bytes.Equal(again, out)) {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", in, out, again, err)
		}
		for i := range in {
			if out[i] != in[i] && out[i] != ' ' {
				t.Fatalf("byte %d became %q, not a space", i, out[i])
			}
			if in[i] == '\n' && out[i] != '\n' {
				t.Fatalf("newline %d removed", i)
			}
		}
	})
}
