package redact

import (
	"bytes"
	"strings"
)

// Credential shapes: secrets recognised by what surrounds them rather than
// by value, for tokens sonde was never given (a server that hands out or
// echoes someone's token).

// oauthKeys are JSON keys whose string values are OAuth credentials.
var oauthKeys = [][]byte{
	[]byte(`"access_token"`), []byte(`"refresh_token"`), []byte(`"id_token"`),
	[]byte(`"client_secret"`), []byte(`"code_verifier"`),
}

// findShapes appends to found each bearer token ("Bearer <b64token>",
// any letter case, at least 8 characters with a digit or symbol) and each
// string value of an OAuth token field in b.
func findShapes(b []byte, found []span) []span {
	if hasBearer(b, 'B') || hasBearer(b, 'b') {
		found = findBearers(b, found)
	}
	if bytes.IndexByte(b, '_') >= 0 && (bytes.Contains(b, []byte(`_token"`)) || bytes.Contains(b, []byte(`client_secret"`)) ||
		bytes.Contains(b, []byte(`code_verifier"`))) {
		found = findOAuthFields(b, found)
	}
	return found
}

// mayHideShape reports whether a decoding of b may hold a credential shape
// that b does not show as such. Without \u escapes, decoding changes no
// letter, digit or space: the words that start a shape ("bearer ",
// "_token", "client_secret", "code_verifier") are in b as they will be
// decoded, if anywhere.
func mayHideShape(b []byte) bool {
	return bytes.Contains(b, []byte(`\u`)) || hasBearer(b, 'B') || hasBearer(b, 'b') ||
		bytes.IndexByte(b, '_') >= 0 && (bytes.Contains(b, []byte("_token")) || bytes.Contains(b, []byte("client_secret")) ||
			bytes.Contains(b, []byte("code_verifier")))
}

// hasBearer reports "bearer " in any letter case after the letter first.
// It runs on every event, so it looks for the rare letter B/b first rather
// than for a whole word.
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

func findBearers(b []byte, found []span) []span {
	for from := 0; ; {
		i := indexFold(b[from:], "bearer ")
		if i < 0 {
			return found
		}
		start := from + i + len("bearer ")
		for start < len(b) && b[start] == ' ' {
			start++
		}
		// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
		end := start
		digitOrSym := false
		for end < len(b) && isTokenByte(b[end]) && b[end] != '=' {
			if c := b[end]; c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0 {
				digitOrSym = true
			}
			end++
		}
		pad := end
		for end < len(b) && b[end] == '=' {
			end++
		}
		// Not a token: `key=value` or a challenge's `realm="..."`
		// (auth-params, as in WWW-Authenticate: Bearer resource_metadata="...").
		param := end < len(b) && isTokenByte(b[end]) ||
			end > pad && end < len(b) && (b[end] == '"' || b[end] == '\\') && isParamName(b[start:pad])
		if end-start >= 8 && (digitOrSym || end > pad) && !param {
			found = append(found, span{start, end})
		}
		from = max(end, from+i+1)
	}
}

// indexFold is bytes.Index for an ASCII lower-case word in any letter case.
func indexFold(b []byte, word string) int {
	for i := 0; i+len(word) <= len(b); i++ {
		j := bytes.IndexAny(b[i:], word[:1]+strings.ToUpper(word[:1]))
		if j < 0 {
			return -1
		}
		i += j
		if i+len(word) > len(b) {
			return -1
		}
		ok := true
		for k := 1; k < len(word); k++ {
			if b[i+k]|0x20 != word[k] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

func findOAuthFields(b []byte, found []span) []span {
	for _, key := range oauthKeys {
		for from := 0; ; {
			i := bytes.Index(b[from:], key)
			if i < 0 {
				break
			}
			j := skipSpace(b, from+i+len(key))
			from += i + len(key)
			if j >= len(b) || b[j] != ':' {
				continue
			}
			j = skipSpace(b, j+1)
			if j >= len(b) || b[j] != '"' {
				continue
			}
			k := j + 1
			for k < len(b) && b[k] != '"' {
				if b[k] == '\\' {
					k++
				}
				k++
			}
			k = min(k, len(b))
			if v := b[j+1 : k]; len(v) > 0 && string(v) != Redacted {
				found = append(found, span{j + 1, k})
			}
			from = k
		}
	}
	return found
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// isParamName: an auth-param's name (letters, '_' and '-'), which a
// random token almost never is.
func isParamName(b []byte) bool {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isTokenByte: the characters of an RFC 6750 b64token.
func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-._~+/=", c) >= 0
}
