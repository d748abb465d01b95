package mcp

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces secrets in everything sonde logs, records or shows.
const Redacted = "[REDACTED]"

// alwaysSecret lists headers whose values are secret whatever the user says.
var alwaysSecret = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// IsSecretHeader reports whether a header's value must be hidden: the
// well-known credential headers, anything named like a token or key, and
// the names in extra.
func IsSecretHeader(name string, extra []string) bool {
	for _, s := range alwaysSecret {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	for _, s := range extra {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	l := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "password", "api-key", "apikey", "api_key", "auth"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// RedactHeader returns a copy of h with secret values replaced.
func RedactHeader(h http.Header, extra []string) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if IsSecretHeader(k, extra) {
			out[k] = []string{redactValue(k, vs)}
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// redactValue keeps the auth scheme ("Bearer") so the log still says what
// kind of credential went out.
func redactValue(name string, vs []string) string {
	if len(vs) == 0 {
		return Redacted
	}
	if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") {
		if scheme, _, ok := strings.Cut(vs[0], " "); ok {
			return scheme + " " + Redacted
		}
	}
	return Redacted
}

// secretQuery reports whether a query parameter name looks like a credential.
func secretQuery(name string) bool {
	l := strings.ToLower(name)
	for _, w := range []string{"token", "key", "secret", "password", "auth", "signature", "sig", "code"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// RedactURL hides a URL's password and credential-like query parameters.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretQuery(k) {
				q[k] = []string{"xxxxx"}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return raw
	}
	return u.String()
}

// scrubber removes known secret values (the bearer token, secret header
// values) from an event about to be logged, in case a server echoes them
// back. Session.emit applies it to the event itself, before the message is
// routed, so a call's result and a server request's params lose the
// secrets too: they reach the screen and the CLI's output as well.
type scrubber struct{ secrets [][]byte }

func newScrubber(c *Config) *scrubber {
	s := &scrubber{}
	add := func(v string) {
		if len(v) >= 4 { // shorter values would redact ordinary text
			s.secrets = append(s.secrets, []byte(v))
		}
	}
	add(c.Bearer)
	for k, vs := range c.Header {
		if IsSecretHeader(k, c.SecretHeaders) {
			for _, v := range vs {
				add(v)
				if scheme, rest, ok := strings.Cut(v, " "); ok && scheme != "" {
					add(rest)
				}
			}
		}
	}
	return s
}

func (s *scrubber) bytes(b []byte) []byte {
	for _, sec := range s.secrets {
		if bytes.Contains(b, sec) {
			b = bytes.ReplaceAll(b, sec, []byte(Redacted))
		}
	}
	return b
}

func (s *scrubber) str(v string) string {
	for _, sec := range s.secrets {
		if strings.Contains(v, string(sec)) {
			v = strings.ReplaceAll(v, string(sec), Redacted)
		}
	}
	return v
}

// event scrubs every text-bearing field of e.
func (s *scrubber) event(e *Event) {
	if len(s.secrets) == 0 {
		return
	}
	e.Raw = s.bytes(e.Raw)
	e.Text = s.str(e.Text)
	e.Err = s.str(e.Err)
	e.URL = s.str(e.URL)
	for k, vs := range e.Header {
		for i, v := range vs {
			vs[i] = s.str(v)
		}
		e.Header[k] = vs
	}
}
