package mcp

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sonde-mcp/sonde/redact"
)

// Redacted replaces secrets in everything sonde logs, records or shows.
const Redacted = redact.Redacted

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

// IsSecretQuery reports whether a query parameter name looks like a
// credential (token, key, secret, password, auth, signature, sig, code).
func IsSecretQuery(name string) bool {
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
			if IsSecretQuery(k) {
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
