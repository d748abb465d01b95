package oauth

import (
	"net/url"
	"strings"
	"testing"
)

func TestCheckCallback(t *testing.T) {
	as := &asMeta{}
	as.Issuer = "https://as.example"
	as.AuthorizationResponseIssParameterSupported = true
	plain := &asMeta{}
	plain.Issuer = "https://as.example"
	cases := []struct {
		q    string
		as   *asMeta
		want string // "" = ok, else a piece of the error
	}{
		{"code=c1&state=s1&iss=https%3A%2F%2Fas.example", as, ""},
		{"code=c1&state=s1", plain, ""},
		{"code=c1&state=s1&iss=https%3A%2F%2Fas.example", plain, ""},
		{"code=c1&state=s1", as, "sends iss"},
		{"code=c1&state=s1&iss=https%3A%2F%2Fevil.example", as, "not \"https://as.example\""},
		{"code=c1&state=s1&iss=https%3A%2F%2Fevil.example", plain, "RFC 9207"},
		{"code=c1&state=s1&iss=https%3A%2F%2Fas.example%2F", as, "RFC 9207"}, // no normalisation
		{"code=c1&state=other&iss=https%3A%2F%2Fas.example", as, "state does not match"},
		{"error=access_denied&error_description=no+way&state=s1&iss=https%3A%2F%2Fas.example", as, "refused: access_denied (no way)"},
		{"error=access_denied&state=s1&iss=https%3A%2F%2Fevil.example", as, "RFC 9207"},
		{"state=s1", plain, "no code"},
	}
	for _, c := range cases {
		u := &url.URL{Scheme: "http", Host: "127.0.0.1:1", Path: "/callback", RawQuery: c.q}
		code, err := checkCallback(u, "s1", c.as)
		switch {
		case c.want == "" && (err != nil || code != "c1"):
			t.Errorf("%s: got %q, %v", c.q, code, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error with %q", c.q, err, c.want)
		}
	}
}

func TestParsePastedCallback(t *testing.T) {
	const redirect = "http://127.0.0.1:8765/callback"
	for _, ok := range []string{"http://127.0.0.1:8765/callback?code=abc&state=x", "  ?code=abc&state=x ", "code=abc&state=x", "http://127.0.0.1:8765/callback?error=access_denied"} {
		if _, err := ParsePastedCallback(ok, redirect); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://evil.example/callback?code=abc", "http://127.0.0.1:8765/other?code=abc", "hello", "http://127.0.0.1:8765/callback?state=x", "%zz=1"} {
		if _, err := ParsePastedCallback(bad, redirect); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParsePastedCallback: whatever is pasted, no panic, and what is
// accepted leads to the redirect URI and carries a code or an error.
func FuzzParsePastedCallback(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8765/callback?code=a&state=b", "?code=a", "code=%", "http://127.0.0.1:8765/callback#code=a", "://", "?error=x&error=y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParsePastedCallback(s, "http://127.0.0.1:8765/callback")
		if err != nil {
			return
		}
		if u.Scheme != "http" || u.Host != "127.0.0.1:8765" || u.Path != "/callback" {
			t.Fatalf("%q accepted as %v", s, u)
		}
		if q := u.Query(); !q.Has("code") && !q.Has("error") {
			t.Fatalf("%q accepted without code or error", s)
		}
	})
}
