package mcp

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://127.0.0.1:3000/mcp", "http://127.0.0.1:3000/mcp"},
		{"http://h/mcp?api_key=abc&page=2", "http://h/mcp?api_key=xxxxx&page=2"},
		{"http://h/mcp?page=2&Token=abc", "http://h/mcp?page=2&Token=xxxxx"},
		{"http://h/mcp?access%5Ftoken=abc", "http://h/mcp?access%5Ftoken=xxxxx"},
		{"http://h/mcp?token=ab%zz&x=%zz", "http://h/mcp?token=xxxxx&x=%zz"},
		{"http://u:pw@h:1/mcp", "http://u:xxxxx@h:1/mcp"},
		{"http://u:p@ss@h/mcp", "http://u:xxxxx@h/mcp"},
		{"http://u@h/mcp", "http://u@h/mcp"},
		{"http://h/users/@me:x", "http://h/users/@me:x"},
		{"u:pw@localhost:9/mcp", "u:xxxxx@localhost:9/mcp"},
		{"http://[::1/mcp?token=abc", "http://[::1/mcp?token=xxxxx"},
		{"http://u:pw@[::1/mcp", "http://u:xxxxx@[::1/mcp"},
		{"http://h/cb#access_token=abc&state=s", "http://h/cb#access_token=xxxxx&state=s"},
		{"http://h/doc#section-2", "http://h/doc#section-2"},
		{"http://h/mcp?token=", "http://h/mcp?token="},
		{"", ""},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Whatever the text before it, a value given to a credential-named query
// parameter does not survive, nor a password before the host; and
// redacting twice changes nothing.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"http://h/x", "http://[::1/x", "a?b=c&d", "localhost:9"} {
		f.Add(s, "s3cr3tvalue", "page=2")
	}
	f.Fuzz(func(t *testing.T, prefix, secret, rest string) {
		if len(secret) < 4 || strings.ContainsAny(secret, "&#") || strings.ContainsAny(prefix, "?#") ||
			strings.Contains(prefix, secret) || strings.Contains(rest, secret) || strings.Contains("xxxxx", secret) {
			return
		}
		if strings.Contains(prefix+"?x=1&api_key=xxxxx&"+rest, secret) {
			return // the secret's text is elsewhere in the URL too
		}
		raw := prefix + "?x=1&api_key=" + secret + "&" + rest
		got := RedactURL(raw)
		if strings.Contains(got, secret) {
			t.Errorf("RedactURL(%q) = %q keeps the secret", raw, got)
		}
		if again := RedactURL(got); again != got {
			t.Errorf("not stable: %q -> %q -> %q", raw, got, again)
		}
		if !strings.ContainsAny(prefix, "/@:") && !strings.ContainsAny(secret, "/@?") && !strings.Contains("http://user:xxxxx@"+prefix+"/mcp", secret) {
			raw = "http://user:" + secret + "@" + prefix + "/mcp"
			if got := RedactURL(raw); strings.Contains(got, secret) {
				t.Errorf("RedactURL(%q) = %q keeps the password", raw, got)
			}
		}
		if again := RedactURL(RedactURL(prefix)); again != RedactURL(prefix) {
			t.Errorf("not stable: %q", prefix)
		}
	})
}
