package schema

import "testing"

// The cases of the hand-written expander this replaced (ui/uritemplate.go,
// levels 1-3), plus what it could not do: level 4 (explode, lists, pairs)
// and a clear error for a template that does not parse (it sent it as written).
func TestExpandTemplate(t *testing.T) {
	vars := map[string]any{"city": "São Paulo", "section": "api", "page": "x/y", "q": "a b", "empty": "",
		"list": []any{"red", "green"}, "keys": map[string]any{"semi": ";", "dot": "."}, "n": 3.5, "null": nil, "e": "🌊x"}
	cases := map[string]string{
		"demo://weather/{city}":        "demo://weather/S%C3%A3o%20Paulo",
		"demo://docs/{section}/{page}": "demo://docs/api/x%2Fy",
		"demo://docs/{+page}":          "demo://docs/x/y",
		"demo://s{?q,empty,missing}":   "demo://s?q=a%20b&empty=",
		"demo://p{/section,page}":      "demo://p/api/x%2Fy",
		"demo://x{#page}":              "demo://x#x/y",
		"demo://c/{city:3}":            "demo://c/S%C3%A3o",
		"demo://none{missing}":         "demo://none",
		"demo://nul{null}":             "demo://nul",
		"demo://l{/list*}":             "demo://l/red/green",
		"demo://l{?list}":              "demo://l?list=red,green",
		"demo://k{?keys*}":             "demo://k?dot=.&semi=%3B",
		"demo://n/{n}":                 "demo://n/3.5",
		"demo://r/{+city}{#page}":      "demo://r/S%C3%A3o%20Paulo#x/y",
		"demo://q{?city:2,q}":          "demo://q?city=S%C3%A3&q=a%20b",
		"demo://emoji/{e:1}":           "demo://emoji/%F0%9F%8C%8A",
	}
	for tpl, want := range cases {
		got, err := ExpandTemplate(tpl, vars)
		if err != nil || got != want {
			t.Errorf("%s → %q (%v), want %s", tpl, got, err, want)
		}
	}
	for _, bad := range []string{"demo://unclosed{city", "demo://x/{a b}", "demo://{city}/{city:1}"} {
		if got, err := ExpandTemplate(bad, vars); err == nil {
			t.Errorf("%s → %q, want an error", bad, got)
		}
	}
}

func FuzzExpandTemplate(f *testing.F) {
	for _, s := range []string{"demo://weather/{city}", "{+a}{#b}{.c}{/d*}{;e}{?f}{&g:3}", "x{", "{a:99999999999}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tpl string) {
		ExpandTemplate(tpl, map[string]any{"a": "x", "city": "y", "d": []any{"1", "2"}, "f": map[string]any{"k": "v"}})
	})
}
