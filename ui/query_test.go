package ui

import (
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/ui/pane/eventlog"
)

func TestQueryLanguage(t *testing.T) {
	evs := demoSession().evs
	count := func(q string) int {
		pq := eventlog.ParseQuery(q)
		n := 0
		for i := range evs {
			if pq.Match(&entry{Ev: evs[i]}) {
				n++
			}
		}
		return n
	}
	cases := []struct {
		q    string
		want int
	}{
		{"", len(evs)},
		{"method:tools/call", 2},              // request and its answer
		{"method:tools/*", 4},                 // tools/list and tools/call, both ways
		{"method:tools/call dir:in", 1},       // AND across keys
		{"dir:out", 7},                        // seven requests
		{"dir:in dir:out", 7 + 10},            // OR within a key
		{"kind:keepalive", 4},                 // comment, sse keepalive, ping, its answer
		{"-kind:keepalive", len(evs) - 4},     // negation
		{"id:6", 2},                           // request and answer
		{`id:"6"`, 2},                         // quotes ignored
		{"kind:state", 2},                     // connecting, connected
		{"kind:notification", 1},              // the log message
		{"hello", 1},                          // free text in the summary
		{"HELLO server", 1},                   // words, case-insensitive, all must match
		{`"from the server"`, 1},              // a phrase
		{"kind:request method:initialize", 1}, // request only
		{"stream:GET", 3},
		{"is:error", 0},
		{"unknownkey:value", 0}, // unknown keys are free text
	}
	for _, c := range cases {
		if got := count(c.q); got != c.want {
			t.Errorf("%q matched %d, want %d", c.q, got, c.want)
		}
	}
}

// A key that is not one is free text, and the log says so (issue 9 item
// 21): nonsense:foo used to filter as text without a word.
func TestUnknownFilterKeyIsNamed(t *testing.T) {
	if u := eventlog.ParseQuery("nonsense:foo method:ping http://x Zz:1 -bogus:2").Unknown(); len(u) != 3 || u[0] != "nonsense" || u[1] != "zz" || u[2] != "bogus" {
		t.Fatalf("unknown %q", u)
	}
	if u := eventlog.ParseQuery("method:ping kind:error is:error 12:30").Unknown(); len(u) != 0 {
		t.Fatalf("known keys reported unknown: %q", u)
	}
	m := newTestModel(t, 120, 40, "")
	m.update(altKey('3'))
	press(m, "/")
	typeText(m, "nonsense:foo")
	press(m, "enter")
	s := plain(m)
	if lines := strings.Split(s, "\n"); !strings.Contains(lines[len(lines)-1], "unknown key nonsense:") {
		t.Fatalf("the status line does not say the key is unknown:\n%s", s)
	}
	if !strings.Contains(s, "filter: nonsense:foo  ⚠ unknown key nonsense: (matched as text") {
		t.Fatalf("the filter line does not say the key is unknown:\n%s", s)
	}
}
