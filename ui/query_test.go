package ui

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

func TestQueryLanguage(t *testing.T) {
	evs := session().evs
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

func TestExpandTemplate(t *testing.T) {
	vars := map[string]any{"city": "São Paulo", "section": "api", "page": "x/y", "q": "a b", "empty": ""}
	cases := map[string]string{
		"demo://weather/{city}":        "demo://weather/S%C3%A3o%20Paulo",
		"demo://docs/{section}/{page}": "demo://docs/api/x%2Fy",
		"demo://docs/{+page}":          "demo://docs/x/y",
		"demo://s{?q,empty,missing}":   "demo://s?q=a%20b&empty=",
		"demo://p{/section,page}":      "demo://p/api/x%2Fy",
		"demo://x{#page}":              "demo://x#x/y",
		"demo://c/{city:3}":            "demo://c/S%C3%A3o",
		"demo://none{missing}":         "demo://none",
		"demo://unclosed{city":         "demo://unclosed{city",
	}
	for tpl, want := range cases {
		if got := expandTemplate(tpl, vars); got != want {
			t.Errorf("%s → %s, want %s", tpl, got, want)
		}
	}
}

func TestServerFiles(t *testing.T) {
	t.Setenv("SONDE_TEST_TOKEN", "tok")
	claude := `{"mcpServers":{
		"files":{"command":"npx","args":["-y","@modelcontextprotocol/server-filesystem","/tmp"],"env":{"A":"1"}},
		"remote":{"type":"http","url":"https://example.com/mcp","headers":{"Authorization":"Bearer ${SONDE_TEST_TOKEN}"}},
		"legacy":{"type":"sse","url":"http://localhost:4444/servers/2/sse"},
		"off":{"command":"x","disabled":true}}}`
	es, err := parseServerFile([]byte(claude), "Claude Desktop", "/x/claude_desktop_config.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%s|%s|%s", e.Name, e.Config.Transport, e.Target()))
	}
	want := "files||npx -y @modelcontextprotocol/server-filesystem /tmp;legacy|sse|http://localhost:4444/servers/2/sse;remote|http|https://example.com/mcp"
	if strings.Join(got, ";") != want {
		t.Fatalf("got %v", got)
	}
	if es[2].Config.Header.Get("Authorization") != "Bearer tok" {
		t.Fatalf("header env expansion: %v", es[2].Config.Header)
	}
	vscode := `{"inputs":[],"servers":{"gh":{"type":"stdio","command":"gh-mcp","args":["--x"],"cwd":"sub"}}}`
	es, err = parseServerFile([]byte(vscode), "VS Code", "/proj/.vscode/mcp.json")
	if err != nil || len(es) != 1 || es[0].Config.Dir != "/proj/.vscode/sub" {
		t.Fatalf("vscode: %v %+v", err, es)
	}
	if _, err := parseServerFile([]byte(`{"x":1}`), "bad", "bad.json"); err == nil {
		t.Fatal("a file without servers should be an error")
	}
	// saving a typed server round-trips through the same format
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := saveServer("local", mcp.Config{URL: "http://127.0.0.1:9/mcp", Transport: mcp.TransportSSE}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "sonde", "servers.json"))
	es, err = parseServerFile(data, "saved", "servers.json")
	if err != nil || len(es) != 1 || es[0].Config.URL != "http://127.0.0.1:9/mcp" || es[0].Config.Transport != mcp.TransportSSE {
		t.Fatalf("saved: %v %+v", err, es)
	}
	st, _ := os.Stat(filepath.Join(dir, "sonde", "servers.json"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
}

func TestParseTarget(t *testing.T) {
	c, err := parseTarget(`node "my server.js" --flag 'a b'`)
	if err != nil || strings.Join(c.Command, "|") != "node|my server.js|--flag|a b" {
		t.Fatalf("%v %q", err, c.Command)
	}
	c, _ = parseTarget("http://localhost:3000/mcp")
	if c.URL != "http://localhost:3000/mcp" {
		t.Fatal(c)
	}
	if _, err := parseTarget(`node "unclosed`); err == nil {
		t.Fatal("unclosed quote")
	}
	_ = http.Header{}
}
