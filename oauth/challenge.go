package oauth

import (
	"strings"
)

// Challenge is one challenge of a WWW-Authenticate header (RFC 9110
// §11.6.1): an auth scheme (lower-cased) with its parameters (names
// lower-cased) or a token68.
type Challenge struct {
	Scheme  string
	Params  map[string]string
	Token68 string
}

// maxChallengeHeader bounds what is parsed of a header: a challenge is a
// few hundred bytes, and the parser must never be the slow part of a 401.
const maxChallengeHeader = 16 << 10

// ParseChallenges reads every challenge of the given WWW-Authenticate
// header values. It never fails: what does not parse is skipped, so one
// odd challenge (Negotiate's token68, a stray comma) never hides the
// Bearer challenge beside it.
func ParseChallenges(values []string) []Challenge {
	var out []Challenge
	for _, v := range values {
		if len(v) > maxChallengeHeader {
			v = v[:maxChallengeHeader]
		}
		out = append(out, parseHeader(v)...)
	}
	return out
}

// parseHeader parses one header value:
//
//	challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param  = token BWS "=" BWS ( token / quoted-string )
//
// A list element that is an auth-param belongs to the challenge before it;
// anything else starts a new challenge.
func parseHeader(s string) []Challenge {
	var out []Challenge
	p := &lexer{s: s}
	var cur *Challenge
	for {
		p.skipSpaceAndCommas()
		if p.done() {
			break
		}
		start := p.i
		tok := p.token()
		if tok == "" {
			p.skipElement() // not a token: skip to the next comma
			continue
		}
		save := p.i
		p.skipSpace()
		if p.peek() == '=' && cur != nil && !p.isToken68End() {
			// name=value: a parameter of the current challenge
			p.i++
			p.skipSpace()
			val, ok := p.value()
			if ok {
				name := strings.ToLower(tok)
				if _, dup := cur.Params[name]; !dup { // the first one counts
					cur.Params[name] = val
				}
			}
			p.skipElement()
			continue
		}
		p.i = save
		// A new challenge: scheme, then a token68 or parameters.
		out = append(out, Challenge{Scheme: strings.ToLower(tok), Params: map[string]string{}})
		cur = &out[len(out)-1]
		if p.peek() != ' ' && p.peek() != '\t' {
			if p.i == start {
				p.skipElement()
			}
			continue
		}
		p.skipSpace()
		if t68, ok := p.token68(); ok {
			cur.Token68 = t68
			p.skipElement()
		}
	}
	return out
}

// lexer walks a header value.
type lexer struct {
	s string
	i int
}

func (p *lexer) done() bool { return p.i >= len(p.s) }

func (p *lexer) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}

func (p *lexer) skipSpace() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *lexer) skipSpaceAndCommas() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

// skipElement moves to the next comma outside a quoted string.
func (p *lexer) skipElement() {
	for !p.done() {
		switch p.s[p.i] {
		case ',':
			return
		case '"':
			p.quoted()
			continue
		}
		p.i++
	}
}

func isTchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isT68 is a token68 character (RFC 9110 §11.2), padding aside.
func isT68(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

func (p *lexer) token() string {
	start := p.i
	for !p.done() && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// isToken68End tells "abc=" (a token68 ending in padding, followed by the
// end or a comma) from "name=value".
func (p *lexer) isToken68End() bool {
	j := p.i
	for j < len(p.s) && p.s[j] == '=' {
		j++
	}
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	return j >= len(p.s) || p.s[j] == ','
}

// token68 reads a token68 when one stands here (and is not the start of
// an auth-param).
func (p *lexer) token68() (string, bool) {
	start := p.i
	for !p.done() && isT68(p.s[p.i]) {
		p.i++
	}
	end := p.i
	for !p.done() && p.s[p.i] == '=' {
		p.i++
	}
	rest := p.i
	p.skipSpace()
	if end > start && (p.done() || p.peek() == ',') && (rest > end || !p.paramAhead(start)) {
		return p.s[start:rest], true
	}
	p.i = start
	return "", false
}

// paramAhead reports whether the text at start reads as name=value.
func (p *lexer) paramAhead(start int) bool {
	j := start
	for j < len(p.s) && isTchar(p.s[j]) {
		j++
	}
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	return j < len(p.s) && p.s[j] == '='
}

// value reads a token or a quoted string.
func (p *lexer) value() (string, bool) {
	if p.peek() == '"' {
		return p.quoted()
	}
	v := p.token()
	return v, v != ""
}

// quoted reads a quoted-string, undoing quoted-pairs; an unterminated one
// runs to the end of the value and is refused.
func (p *lexer) quoted() (string, bool) {
	p.i++ // opening quote
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		switch {
		case c == '\\' && p.i+1 < len(p.s):
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case c == '"':
			p.i++
			return b.String(), true
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", false
}

// Param returns the first value of a parameter among the challenges of
// the given schemes (all when none is given).
func Param(cs []Challenge, name string, schemes ...string) string {
	for _, c := range cs {
		if len(schemes) > 0 && !contains(schemes, c.Scheme) {
			continue
		}
		if v := c.Params[name]; v != "" {
			return v
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
