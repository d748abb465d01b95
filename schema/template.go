package schema

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yosida95/uritemplate/v3"
)

// ExpandTemplate expands an RFC 6570 URI template (all four levels) with
// the values of a template's argument form: a string is a value, an array
// a list, an object a list of pairs (sorted by key, so the URI does not
// change from run to run), anything else its JSON text. Undefined (missing
// or null) variables are left out as the RFC says. A template that does not
// parse is an error, not a URI sent as written.
//
// The expansion is github.com/yosida95/uritemplate/v3's, with two of its
// v3.0.2 faults worked around, both about text that is not ASCII: it
// percent-encodes a character's code point instead of its UTF-8 octets
// (RFC 6570 §1.6: "São" must become S%C3%A3o, it wrote S%E3o), and a prefix
// modifier ({city:3}) counts bytes, not characters, so it could cut one in
// half. So every value reaches it as octets (octetRunes), and a prefixed
// variable already cut, its modifier taken out of the template (prefixes).
func ExpandTemplate(tpl string, vars map[string]any) (string, error) {
	tpl, cuts, err := prefixes(tpl)
	if err != nil {
		return "", err
	}
	t, err := uritemplate.New(tpl)
	if err != nil {
		return "", fmt.Errorf("URI template %q: %w", tpl, err)
	}
	vals := uritemplate.Values{}
	for name, v := range vars {
		switch v := v.(type) {
		case nil:
		case string:
			if n, ok := cuts[name]; ok && utf8.RuneCountInString(v) > n {
				v = string([]rune(v)[:n])
			}
			vals.Set(name, uritemplate.String(octetRunes(v)))
		case []any:
			list := make([]string, 0, len(v))
			for _, e := range v {
				list = append(list, octetRunes(scalar(e)))
			}
			vals.Set(name, uritemplate.List(list...))
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			kv := make([]string, 0, 2*len(keys))
			for _, k := range keys {
				kv = append(kv, octetRunes(k), octetRunes(scalar(v[k])))
			}
			vals.Set(name, uritemplate.KV(kv...))
		default:
			vals.Set(name, uritemplate.String(octetRunes(scalar(v))))
		}
	}
	return t.Expand(vals)
}

// prefixes takes the prefix modifiers out of tpl ("{city:3}" → "{city}")
// and says how many characters each variable keeps. A variable used with
// two different prefixes ("{city}{city:1}") is an error: its value is cut
// once for all its uses.
func prefixes(tpl string) (string, map[string]int, error) {
	cuts := map[string]int{}
	uses := map[string]string{}
	var b strings.Builder
	for {
		open := strings.IndexByte(tpl, '{')
		end := strings.IndexByte(tpl, '}')
		if open < 0 || end < open {
			b.WriteString(tpl)
			return b.String(), cuts, nil
		}
		b.WriteString(tpl[:open+1])
		specs := strings.Split(tpl[open+1:end], ",")
		for i, spec := range specs {
			name, p, _ := strings.Cut(spec, ":")
			if i == 0 {
				name = strings.TrimLeft(name, "+#./;?&")
			}
			name = strings.TrimSuffix(name, "*")
			if u, ok := uses[name]; ok && u != p {
				return "", nil, fmt.Errorf("URI template uses {%s} with two different prefixes (%q and %q), which sonde cannot expand", name, u, p)
			}
			uses[name] = p
			if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 10000 {
				specs[i], _, _ = strings.Cut(spec, ":")
				cuts[name] = n
			}
		}
		b.WriteString(strings.Join(specs, ","))
		b.WriteByte('}')
		tpl = tpl[end+1:]
	}
}

// octetRunes spells each byte of s past ASCII as the rune of that value, so
// that the library, which percent-encodes a rune's value, writes s's UTF-8
// octets one by one. ASCII (all the library copies or keeps) is unchanged.
func octetRunes(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			r := make([]rune, 0, len(s))
			for j := 0; j < len(s); j++ {
				r = append(r, rune(s[j]))
			}
			return string(r)
		}
	}
	return s
}

// scalar is a value's text in a URI: a string as it is, anything else as JSON.
func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
