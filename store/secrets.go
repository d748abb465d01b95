package store

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// SecretsOf returns the secret values a session configuration carries: the
// bearer token and the values of secret headers (see [mcp.IsSecretHeader]),
// with and without their auth scheme. A [Recorder] scrubs them from
// everything it writes.
func SecretsOf(cfg *mcp.Config) []string {
	var out []string
	if cfg.Bearer != "" {
		out = append(out, cfg.Bearer)
	}
	for k, vs := range cfg.Header {
		if !mcp.IsSecretHeader(k, cfg.SecretHeaders) {
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			if scheme, rest, ok := strings.Cut(v, " "); ok && scheme != "" {
				out = append(out, strings.TrimSpace(rest))
			}
		}
	}
	return out
}

// minSecret is the shortest value scrubbed: shorter ones would redact
// ordinary text (mcp uses the same limit).
const minSecret = 4

// scrubber is the recorder's second line of defence after mcp's own
// redaction: it replaces known secret values (in the forms they may take on
// the wire: plain, JSON-escaped, URL-escaped), values of secret headers,
// credentials in URLs, bearer tokens and OAuth token fields. It never
// modifies the event it is given in place: slices and maps are copied
// before they change, because the UI holds the same event.
type scrubber struct {
	values        []string // as given, before the wire forms are derived
	secrets       [][]byte // longest first
	secretHeaders []string
}

func newScrubber(values, secretHeaders []string) *scrubber {
	s := &scrubber{values: slices.Clone(values), secretHeaders: slices.Clone(secretHeaders)}
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) < minSecret || seen[v] {
			return
		}
		seen[v] = true
		s.secrets = append(s.secrets, []byte(v))
	}
	for _, v := range values {
		add(v)
		if b, err := json.Marshal(v); err == nil {
			add(string(b[1 : len(b)-1]))
		}
		add(jsonEscapeNoHTML(v))
		add(url.QueryEscape(v))
		add(url.PathEscape(v))
	}
	slices.SortFunc(s.secrets, func(a, b []byte) int { return len(b) - len(a) })
	return s
}

func jsonEscapeNoHTML(v string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	out := bytes.TrimSpace(b.Bytes())
	return string(out[1 : len(out)-1])
}

// with returns a scrubber that also knows values. It starts again from the
// values as given: deriving the wire forms of forms already derived would
// escape them again (%25…) on every call, and the recorder calls it on
// every reconnect.
func (s *scrubber) with(values []string) *scrubber {
	return newScrubber(append(slices.Clone(s.values), values...), s.secretHeaders)
}

var redacted = []byte(mcp.Redacted)

// bytes scrubs b, returning b itself when nothing changed.
func (s *scrubber) bytes(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	for _, sec := range s.secrets {
		if bytes.Contains(b, sec) {
			b = bytes.ReplaceAll(b, sec, redacted)
		}
	}
	return redactTokens(b)
}

// known replaces the known secret values in v.
func (s *scrubber) known(v string) string {
	for _, sec := range s.secrets {
		if len(v) >= len(sec) && strings.Contains(v, string(sec)) {
			v = strings.ReplaceAll(v, string(sec), mcp.Redacted)
		}
	}
	return v
}

// str replaces known secrets and token patterns in v.
func (s *scrubber) str(v string) string {
	if v == "" {
		return v
	}
	v = s.known(v)
	if hasTokenHintString(v) {
		v = string(redactTokens([]byte(v)))
	}
	return v
}

// event scrubs every text-bearing field of e (e is a copy owned by the
// caller; the slices and maps it shares with others are replaced, never
// written to).
func (s *scrubber) event(e *mcp.Event) {
	e.Raw = s.bytes(e.Raw)
	e.Text = s.str(e.Text)
	e.Err = s.str(e.Err)
	if e.URL != "" {
		e.URL = s.str(mcp.RedactURL(e.URL))
	}
	// Short protocol fields: only known secrets (a server could echo one
	// into an id or an event name), no token patterns.
	if len(s.secrets) > 0 {
		e.Method = s.known(e.Method)
		e.ReqMethod = s.known(e.ReqMethod)
		e.ID = s.known(e.ID)
		e.SSEEvent = s.known(e.SSEEvent)
		e.SSEID = s.known(e.SSEID)
		e.ContentType = s.known(e.ContentType)
		e.Stream = s.known(e.Stream)
	}
	if e.Header != nil {
		e.Header = s.header(e.Header)
	}
	if e.Info != nil {
		in := *e.Info
		in.Endpoint = s.str(mcp.RedactURL(in.Endpoint))
		in.SessionID = s.str(in.SessionID)
		in.Instructions = s.str(in.Instructions)
		in.Reason = s.str(in.Reason)
		in.Protocol = s.str(in.Protocol)
		in.Server = s.bytes(in.Server)
		in.Capabilities = s.bytes(in.Capabilities)
		e.Info = &in
	}
}

// header returns h with secret header values replaced (the auth scheme is
// kept, as mcp does) and known secrets removed from the others; h itself
// is returned when nothing changes.
func (s *scrubber) header(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		secret := mcp.IsSecretHeader(k, s.secretHeaders)
		for i, v := range vs {
			nv := v
			if secret {
				nv = redactHeaderValue(k, v)
			} else {
				nv = s.str(v)
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

func redactHeaderValue(name, v string) string {
	if v == mcp.Redacted || strings.HasSuffix(v, " "+mcp.Redacted) && !strings.Contains(strings.TrimSuffix(v, " "+mcp.Redacted), " ") {
		return v // already redacted by mcp
	}
	if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") {
		if scheme, _, ok := strings.Cut(v, " "); ok && scheme != "" {
			return scheme + " " + mcp.Redacted
		}
	}
	return mcp.Redacted
}

// oauthKeys are JSON keys whose string values are OAuth credentials.
var oauthKeys = [][]byte{
	[]byte(`"access_token"`), []byte(`"refresh_token"`), []byte(`"id_token"`),
	[]byte(`"client_secret"`), []byte(`"code_verifier"`),
}

// hasTokenHint reports text that may hold a bearer token or an OAuth
// field. It runs on every event the recorder writes, so it looks for the
// rare letter B/b first rather than for a whole word.
func hasTokenHint(b []byte) bool {
	if hasBearer(b, 'B') || hasBearer(b, 'b') {
		return true
	}
	if bytes.IndexByte(b, '_') < 0 {
		return false
	}
	return bytes.Contains(b, []byte(`_token"`)) || bytes.Contains(b, []byte(`client_secret"`)) ||
		bytes.Contains(b, []byte(`code_verifier"`))
}

// hasBearer reports "bearer " in any letter case after the letter first.
func hasBearer(b []byte, first byte) bool {
	for {
		i := bytes.IndexByte(b, first)
		if i < 0 || len(b)-i < 7 {
			return false
		}
		if w := b[i+1 : i+7]; w[5] == ' ' && (w[0]|0x20) == 'e' && (w[1]|0x20) == 'a' && (w[2]|0x20) == 'r' && (w[3]|0x20) == 'e' && (w[4]|0x20) == 'r' {
			return true
		}
		b = b[i+1:]
	}
}

// redactTokens replaces bearer tokens ("Bearer <token>") and the string
// values of OAuth token fields. It returns b itself when nothing matched.
func redactTokens(b []byte) []byte {
	if !hasTokenHint(b) {
		return b
	}
	out := b
	copied := false
	ensure := func() {
		if !copied {
			out = bytes.Clone(out)
			copied = true
		}
	}
	// OAuth fields: "access_token" : "value"
	for _, key := range oauthKeys {
		from := 0
		for {
			i := bytes.Index(out[from:], key)
			if i < 0 {
				break
			}
			j := from + i + len(key)
			j = skipSpace(out, j)
			if j >= len(out) || out[j] != ':' {
				from = from + i + len(key)
				continue
			}
			j = skipSpace(out, j+1)
			if j >= len(out) || out[j] != '"' {
				from = j
				continue
			}
			k := j + 1
			for k < len(out) && out[k] != '"' {
				if out[k] == '\\' {
					k++
				}
				k++
			}
			if k > len(out) {
				k = len(out)
			}
			if string(out[j+1:k]) != mcp.Redacted {
				ensure()
				out = append(out[:j+1], append(bytes.Clone(redacted), out[k:]...)...)
			}
			from = j + 1 + len(redacted)
		}
	}
	// Bearer tokens, in any letter case.
	lower := bytes.ToLower(out)
	from := 0
	for {
		i := bytes.Index(lower[from:], []byte("bearer "))
		if i < 0 {
			break
		}
		start := from + i + len("bearer ")
		for start < len(out) && out[start] == ' ' {
			start++
		}
		end := start
		hasDigitOrSym := false
		for end < len(out) && isTokenByte(out[end]) {
			c := out[end]
			if c >= '0' && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0 {
				hasDigitOrSym = true
			}
			end++
		}
		if end-start >= 8 && hasDigitOrSym {
			ensure()
			tail := bytes.Clone(out[end:])
			out = append(append(out[:start], redacted...), tail...)
			lower = bytes.ToLower(out)
			end = start + len(redacted)
		}
		from = end
	}
	return out
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// isTokenByte: the characters of an RFC 6750 b64token.
func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-._~+/=", c) >= 0
}
