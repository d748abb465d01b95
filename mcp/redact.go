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

// RedactURL hides a URL's password and the values of credential-like
// query and fragment parameters (see [IsSecretQuery]), as "xxxxx".
//
// It works on the text rather than on url.Parse's result, so that what the
// user typed is hidden even where parsing fails or drops it: a URL with a
// typo ("http://[::1/mcp?token=…", echoed back in a usage error), a
// parameter whose escaping is broken ("token=ab%zz", which url.ParseQuery
// skips), an OAuth fragment ("#access_token=…"). Everything else is kept as
// written, in its order.
func RedactURL(raw string) string {
	body, frag, hasFrag := strings.Cut(raw, "#")
	body, query, hasQuery := strings.Cut(body, "?")
	body = redactUserinfo(body)
	out := body
	if hasQuery {
		out += "?" + redactParams(query)
	}
	if hasFrag {
		out += "#" + redactParams(frag)
	}
	return out
}

// redactUserinfo hides the password of "scheme://user:password@host/…"
// (and of a scheme-less "user:password@host/…"). The authority ends at the
// first "/": a password holding a raw "/" is no URL, and an "@" further on
// belongs to the path.
func redactUserinfo(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	auth := s[start:]
	if end := strings.IndexByte(auth, '/'); end >= 0 {
		auth = auth[:end]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return s
	}
	user, _, hasPassword := strings.Cut(auth[:at], ":")
	if !hasPassword {
		return s
	}
	return s[:start] + user + ":xxxxx" + s[start+at:]
}

// redactParams hides the values of credential-like "name=value" pairs of a
// query or fragment, leaving every other byte as it was.
func redactParams(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	parts := strings.Split(s, "&")
	changed := false
	for i, p := range parts {
		name, value, ok := strings.Cut(p, "=")
		if !ok || value == "" || value == "xxxxx" {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if IsSecretQuery(name) {
			parts[i] = p[:len(p)-len(value)] + "xxxxx"
			changed = true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(parts, "&")
}
