package ui

import (
	"fmt"
	"strings"
)

// expandTemplate expands an RFC 6570 URI template (levels 1-3, plus the
// prefix modifier) with string values. Unknown or empty variables are
// left out as the RFC says.
func expandTemplate(tpl string, vars map[string]any) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tpl, '{')
		if open < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		end := strings.IndexByte(tpl[open:], '}')
		if end < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		b.WriteString(tpl[:open])
		b.WriteString(expandExpr(tpl[open+1:open+end], vars))
		tpl = tpl[open+end+1:]
	}
}

func expandExpr(expr string, vars map[string]any) string {
	op := byte(0)
	if expr != "" && strings.IndexByte("+#./;?&", expr[0]) >= 0 {
		op, expr = expr[0], expr[1:]
	}
	first, sep, named, ifemp, reserved := "", ",", false, "", false
	switch op {
	case '+':
		reserved = true
	case '#':
		first, reserved = "#", true
	case '.':
		first, sep = ".", "."
	case '/':
		first, sep = "/", "/"
	case ';':
		first, sep, named = ";", ";", true
	case '?':
		first, sep, named, ifemp = "?", "&", true, "="
	case '&':
		first, sep, named, ifemp = "&", "&", true, "="
	}
	var parts []string
	for _, spec := range strings.Split(expr, ",") {
		name := strings.TrimSuffix(strings.TrimSpace(spec), "*")
		prefix := 0
		if n, p, ok := strings.Cut(name, ":"); ok {
			name = n
			fmt.Sscanf(p, "%d", &prefix)
		}
		v, ok := vars[name]
		if !ok || v == nil {
			continue
		}
		s := fmt.Sprint(v)
		if prefix > 0 {
			if r := []rune(s); len(r) > prefix {
				s = string(r[:prefix])
			}
		}
		enc := pctEncode(s, reserved)
		switch {
		case named && s == "":
			parts = append(parts, name+ifemp)
		case named:
			parts = append(parts, name+"="+enc)
		default:
			parts = append(parts, enc)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return first + strings.Join(parts, sep)
}

// pctEncode percent-encodes everything but unreserved characters (and
// reserved ones too when allowed).
func pctEncode(s string, allowReserved bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		case allowReserved && strings.IndexByte(":/?#[]@!$&'()*+,;=", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
