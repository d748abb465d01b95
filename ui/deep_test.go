package ui

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// A tool whose 18 KB schema nests 9,000 arrays: browsing it and opening
// its full schema costs what a screen shows, not the 0.8–1.6 GB that
// indenting all of it took.
func TestDeepSchemaIsBounded(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	deep := strings.Repeat("[", 9000) + strings.Repeat("]", 9000)
	f := &fx{seq: 100, at: t0.Add(time.Second)}
	f.req(50, "tools/list", "")
	f.resp(50, "tools/list", `{"tools":[{"name":"deep","inputSchema":{"type":"object","properties":{"x":{"type":"array","default":`+deep+`}}}}]}`)
	m.Update(eventsMsg(f.evs))
	m.panes.br.SetTab(listTools)
	m.panes.br.SetFilter("")
	found := false
	for i, mt := range m.panes.br.Shown() {
		if mt.Name == "deep" {
			m.panes.br.Select(i)
			found = true
		}
	}
	if !found {
		t.Fatal("the deep tool is not listed")
	}
	m.screen.focus = paneBrowser
	n := allocated(func() {
		m.panes.preview(m.screen.focus == paneWork)
		m.Render()
		press(m, "i")
		m.Render()
	})
	t.Logf("allocated %d MB", n>>20)
	if n > 64<<20 {
		t.Fatalf("browsing and opening the schema allocated %d MB", n>>20)
	}
	if !strings.Contains(plain(m), "deep") {
		t.Fatalf("the schema dialog is not shown:\n%s", plain(m))
	}
}
