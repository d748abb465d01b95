package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

func TestQueryLanguage(t *testing.T) {
	evs := demoSession().evs
	count := func(q string) int {
		pq := parseQuery(q)
		n := 0
		for i := range evs {
			if pq.match(&entry{ev: evs[i]}) {
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

func TestLogWindowIsBounded(t *testing.T) {
	l := newEventLog(1000)
	l.height, l.width = 20, 100
	for i := 0; i < 50; i++ {
		batch := make([]mcp.Event, 100)
		for j := range batch {
			batch[j] = mcp.Event{Seq: uint64(i*100 + j), Dir: mcp.DirIn, Kind: mcp.KindComment, Text: "ping"}
		}
		l.append(batch)
	}
	if l.len() != 1000 || l.evicted != 4000 || l.visible() != 1000 {
		t.Fatalf("len %d evicted %d visible %d", l.len(), l.evicted, l.visible())
	}
	if l.selected().ev.Seq != 4999 {
		t.Fatalf("follow lost: selected %d", l.selected().ev.Seq)
	}
	if cap(l.entries) > 3000 {
		t.Fatalf("backing array grew to %d", cap(l.entries))
	}
	l.setQuery("kind:comment")
	if l.visible() != 1000 {
		t.Fatal("refilter after eviction")
	}
}

// The window's byte budget counts headers: a replayed recording whose
// responses carry megabytes of headers each evicts as large bodies do.
func TestLogWindowCountsHeaders(t *testing.T) {
	l := newEventLog(1000)
	l.height, l.width = 20, 100
	h := http.Header{"X-Junk": {strings.Repeat("j", 8<<20)}}
	for i := range 100 {
		l.append([]mcp.Event{{Seq: uint64(i + 1), Dir: mcp.DirIn, Kind: mcp.KindHTTP, Status: 200, Header: h}})
	}
	if l.bytes > l.maxBytes || l.len() > l.maxBytes/(8<<20) {
		t.Fatalf("%d entries holding %d MB of headers kept (budget %d MB)", l.len(), 100*8, l.maxBytes>>20)
	}
}

// A key that is not one is free text, and the log says so (issue 9 item
// 21): nonsense:foo used to filter as text without a word.
func TestUnknownFilterKeyIsNamed(t *testing.T) {
	if u := parseQuery("nonsense:foo method:ping http://x Zz:1 -bogus:2").unknown; len(u) != 3 || u[0] != "nonsense" || u[1] != "zz" || u[2] != "bogus" {
		t.Fatalf("unknown %q", u)
	}
	if u := parseQuery("method:ping kind:error is:error 12:30").unknown; len(u) != 0 {
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
