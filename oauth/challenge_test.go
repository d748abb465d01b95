package oauth

import (
	"reflect"
	"testing"
)

func TestParseChallenges(t *testing.T) {
	cases := []struct {
		in   string
		want []Challenge
	}{
		{`Bearer resource_metadata="https://a.example/.well-known/oauth-protected-resource/mcp", scope="a b"`,
			[]Challenge{{Scheme: "bearer", Params: map[string]string{"resource_metadata": "https://a.example/.well-known/oauth-protected-resource/mcp", "scope": "a b"}}}},
		{`Negotiate abc==, Bearer error="insufficient_scope", scope="mcp:write"`,
			[]Challenge{{Scheme: "negotiate", Params: map[string]string{}, Token68: "abc=="},
				{Scheme: "bearer", Params: map[string]string{"error": "insufficient_scope", "scope": "mcp:write"}}}},
		{`Basic realm="x", DPoP algs="ES256", error=use_dpop_nonce`,
			[]Challenge{{Scheme: "basic", Params: map[string]string{"realm": "x"}},
				{Scheme: "dpop", Params: map[string]string{"algs": "ES256", "error": "use_dpop_nonce"}}}},
		{`Bearer`, []Challenge{{Scheme: "bearer", Params: map[string]string{}}}},
		{`Bearer realm="a \"quoted\" \\ one"`, []Challenge{{Scheme: "bearer", Params: map[string]string{"realm": `a "quoted" \ one`}}}},
		{`Bearer realm="unterminated`, []Challenge{{Scheme: "bearer", Params: map[string]string{}}}},
		{`,,, Bearer  scope = "x" ,`, []Challenge{{Scheme: "bearer", Params: map[string]string{"scope": "x"}}}},
		{`"junk", Bearer scope=x`, []Challenge{{Scheme: "bearer", Params: map[string]string{"scope": "x"}}}},
		{`Bearer scope="a", scope="b"`, []Challenge{{Scheme: "bearer", Params: map[string]string{"scope": "a"}}}},
		{``, nil},
	}
	for _, c := range cases {
		got := ParseChallenges([]string{c.in})
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseChallenges(%q)\n got %#v\nwant %#v", c.in, got, c.want)
		}
	}
}

func TestParamBySchemes(t *testing.T) {
	cs := ParseChallenges([]string{`Basic realm=x`, `Bearer resource_metadata="https://m"`})
	if got := Param(cs, "resource_metadata", "bearer", "dpop"); got != "https://m" {
		t.Fatalf("got %q", got)
	}
	if got := Param(cs, "realm", "bearer"); got != "" {
		t.Fatalf("realm of Basic taken for Bearer: %q", got)
	}
}

// FuzzParseChallenges: any header parses without panicking, every scheme
// is a lower-case token, and parsing is bounded.
func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{`Bearer resource_metadata="x", scope="a b"`, `Negotiate abc==, Bearer error=x`,
		`Bearer realm="a \"b\""`, `"`, `=,=`, `Bearer ,,= "`, `a b=c d, e=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ParseChallenges([]string{s}) {
			if c.Scheme == "" {
				t.Fatalf("empty scheme from %q", s)
			}
			for i := 0; i < len(c.Scheme); i++ {
				if !isTchar(c.Scheme[i]) || c.Scheme[i] >= 'A' && c.Scheme[i] <= 'Z' {
					t.Fatalf("scheme %q from %q", c.Scheme, s)
				}
			}
			if c.Params == nil {
				t.Fatalf("nil params from %q", s)
			}
		}
	})
}
