package mcp

import (
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/sonde-mcp/sonde/redact"
)

// Secrets returns the secret values c carries, which no output of a
// session may show: the bearer token; the values of secret headers (see
// [IsSecretHeader]), with and without their auth scheme; the URL's
// password and its credential-like query values (see [RedactURL]); and
// what a stdio server's environment holds (see [Config.EnvSecrets]).
func (c *Config) Secrets() []string {
	var out []string
	if c.Bearer != "" {
		out = append(out, c.Bearer)
	}
	for k, vs := range c.Header {
		if !IsSecretHeader(k, c.SecretHeaders) {
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			if scheme, rest, ok := strings.Cut(v, " "); ok && scheme != "" {
				out = append(out, strings.TrimSpace(rest))
			}
		}
	}
	out = append(out, urlSecrets(c.URL)...)
	return append(out, c.EnvSecrets()...)
}

// urlSecrets are the password and the credential-like query values of a
// URL, decoded and as written.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return nil
	}
	var out []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if v == "" || !IsSecretQuery(k) {
			continue
		}
		out = append(out, v)
		if dv, err := url.QueryUnescape(v); err == nil && dv != v {
			out = append(out, dv)
		}
	}
	return out
}

// EnvSecrets returns the values of a stdio server's environment that are
// searched for and replaced in everything sonde shows or records. Every
// value given in Env is a secret unless its name is in EnvPlain: the
// connection facts show names only ([Config.EnvFacts]). But only values
// that can be told from ordinary text are searched for in text, lest "1"
// or "production" turn a log into [REDACTED] noise:
//
//   - never values shorter than [redact.MinSecret] bytes, nor true, false,
//     yes, no, on, off, null or none;
//   - any other value of a variable named like a credential (a part of its
//     name is TOKEN, SECRET, PASSWORD, PASSWD, PASS, KEY, APIKEY, AUTH,
//     CREDENTIAL(S), COOKIE, SIG, SIGNATURE or PAT, or it ends in TOKEN,
//     SECRET, PASSWORD or KEY);
//   - for other names, values of at least 8 bytes that are not a number,
//     letters only, or a file system path; of a URL only its password and
//     credential-like query values.
//
// A stdio server also inherits sonde's own environment: the variables
// named like credentials among those (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY)
// are searched for too, unless their value is a path.
func (c *Config) EnvSecrets() []string {
	if len(c.Command) == 0 {
		return nil
	}
	var out []string
	given := map[string]bool{}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		given[k] = true
		if !c.envPlain(k) {
			out = append(out, envHunted(k, v)...)
		}
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		// (a path is where a credential lives, not one: SSH_AUTH_SOCK,
		// GOOGLE_APPLICATION_CREDENTIALS)
		if !given[k] && !c.envPlain(k) && credentialName(k) && !isPath(v) {
			out = append(out, envHunted(k, v)...)
		}
	}
	return out
}

func (c *Config) envPlain(name string) bool {
	return slices.ContainsFunc(c.EnvPlain, func(p string) bool { return strings.EqualFold(p, name) })
}

// EnvFacts describes a stdio server's added environment for the
// connection facts: NAME=[REDACTED] for each secret value, NAME=value for
// those named in EnvPlain, in the order given.
func (c *Config) EnvFacts() string {
	var parts []string
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		if !c.envPlain(k) {
			v = Redacted
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

// envHunted returns what of an env value is searched for in text (see
// [Config.EnvSecrets]).
func envHunted(name, v string) []string {
	if len(v) < redact.MinSecret {
		return nil
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "null", "none":
		return nil
	}
	if credentialName(name) {
		return []string{v}
	}
	if len(v) < 8 || isNumber(v) || isLetters(v) || isPath(v) {
		return nil
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
		return urlSecrets(v)
	}
	return []string{v}
}

// credentialName reports an environment variable named like a credential.
func credentialName(name string) bool {
	n := strings.ToUpper(name)
	for _, suffix := range []string{"TOKEN", "SECRET", "PASSWORD", "KEY"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	for _, part := range strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		switch part {
		case "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS", "KEY", "APIKEY", "AUTH",
			"CREDENTIAL", "CREDENTIALS", "COOKIE", "SIG", "SIGNATURE", "PAT":
			return true
		}
	}
	return false
}

func isNumber(v string) bool {
	return strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' }) < 0
}

func isLetters(v string) bool {
	return strings.IndexFunc(v, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) < 0
}

// isPath: an absolute or home-relative path, or a list of them (PATH).
func isPath(v string) bool {
	return strings.HasPrefix(v, "/") || strings.HasPrefix(v, "~/") || strings.HasPrefix(v, "./") ||
		len(v) > 2 && v[1] == ':' && (v[2] == '\\' || v[2] == '/')
}

// Scrubber removes secrets from events, texts and errors: the values it
// was given (see [Config.Secrets]) and credential shapes, in every JSON
// escaping (see package redact). A session applies it to every event
// before anything sees it (so call results, server requests, the log and
// the screen lose the secrets), and a recorder applies it again to what it
// writes. It never writes to the slices and maps of the event it is given:
// they are replaced when they change, because others may hold the same.
// It is immutable and safe for concurrent use.
type Scrubber struct {
	m             *redact.Matcher
	secretHeaders []string
}

// NewScrubber returns a scrubber for the secret values and the names of
// the headers whose values are always replaced.
func NewScrubber(values, secretHeaders []string) *Scrubber {
	return &Scrubber{m: redact.New(values...), secretHeaders: slices.Clone(secretHeaders)}
}

// With returns a scrubber that also knows values.
func (s *Scrubber) With(values ...string) *Scrubber {
	return &Scrubber{m: s.m.With(values...), secretHeaders: s.secretHeaders}
}

// Text replaces secrets in free text.
func (s *Scrubber) Text(v string) string { return s.m.String(v) }

// Err returns err, or an error with the same chain whose message has
// its secrets replaced.
func (s *Scrubber) Err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := s.m.String(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// Event scrubs every text-bearing field of e.
func (s *Scrubber) Event(e *Event) {
	e.Raw = s.m.JSON(e.Raw)
	e.Text = s.m.String(e.Text)
	e.Body = s.m.String(e.Body)
	e.Err = s.m.String(e.Err)
	if e.URL != "" {
		e.URL = s.m.String(RedactURL(e.URL))
	}
	// Short protocol fields: only known secrets (a server could echo one
	// into an id or an event name), no credential shapes.
	if s.m.Len() > 0 {
		e.Method = s.m.Known(e.Method)
		e.ReqMethod = s.m.Known(e.ReqMethod)
		e.ID = s.m.Known(e.ID)
		e.SSEEvent = s.m.Known(e.SSEEvent)
		e.SSEID = s.m.Known(e.SSEID)
		e.ContentType = s.m.Known(e.ContentType)
		e.Stream = s.m.Known(e.Stream)
	}
	if e.Header != nil {
		e.Header = s.header(e.Header)
	}
	if e.Info != nil {
		in := s.Info(*e.Info)
		e.Info = &in
	}
}

// Info returns i with its secrets replaced.
func (s *Scrubber) Info(i ConnInfo) ConnInfo {
	i.Endpoint = s.m.String(RedactURL(i.Endpoint))
	i.SessionID = s.m.String(i.SessionID)
	i.Instructions = s.m.String(i.Instructions)
	i.Reason = s.m.String(i.Reason)
	i.Protocol = s.m.String(i.Protocol)
	i.Server = s.m.JSON(i.Server)
	i.Capabilities = s.m.JSON(i.Capabilities)
	i.Client = s.m.JSON(i.Client)
	return i
}

// header returns h with secret header values replaced (the auth scheme is
// kept, as [RedactHeader] does) and secrets removed from the others; h
// itself when nothing changes.
func (s *Scrubber) header(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		secret := IsSecretHeader(k, s.secretHeaders)
		for i, v := range vs {
			nv := v
			if secret {
				nv = redactHeaderValue(k, v)
			} else {
				nv = s.m.String(v)
			}
			if nv == v {
				continue
			}
			if out == nil {
				out = h.Clone()
			}
			out[k][i] = nv
		}
	}
	if out == nil {
		return h
	}
	return out
}

// redactHeaderValue is [redactValue] for one value, leaving a value that
// is already redacted as it is.
func redactHeaderValue(name, v string) string {
	if v == Redacted || strings.HasSuffix(v, " "+Redacted) && !strings.Contains(strings.TrimSuffix(v, " "+Redacted), " ") {
		return v
	}
	return redactValue(name, []string{v})
}
