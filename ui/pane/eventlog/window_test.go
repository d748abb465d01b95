package eventlog

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common/commontest"
)

func TestLogWindowIsBounded(t *testing.T) {
	l := New(commontest.New(), 1000)
	l.height, l.width = 20, 100
	for i := 0; i < 50; i++ {
		batch := make([]mcp.Event, 100)
		for j := range batch {
			batch[j] = mcp.Event{Seq: uint64(i*100 + j), Dir: mcp.DirIn, Kind: mcp.KindComment, Text: "ping"}
		}
		l.Append(batch)
	}
	if l.Len() != 1000 || l.evicted != 4000 || l.Shown() != 1000 {
		t.Fatalf("len %d evicted %d visible %d", l.Len(), l.evicted, l.Shown())
	}
	if l.Selected().Ev.Seq != 4999 {
		t.Fatalf("follow lost: selected %d", l.Selected().Ev.Seq)
	}
	if cap(l.entries) > 3000 {
		t.Fatalf("backing array grew to %d", cap(l.entries))
	}
	l.SetFilter("kind:comment")
	if l.Shown() != 1000 {
		t.Fatal("refilter after eviction")
	}
}

// The window's byte budget counts headers: a replayed recording whose
// responses carry megabytes of headers each evicts as large bodies do.
func TestLogWindowCountsHeaders(t *testing.T) {
	l := New(commontest.New(), 1000)
	l.height, l.width = 20, 100
	h := http.Header{"X-Junk": {strings.Repeat("j", 8<<20)}}
	for i := range 100 {
		l.Append([]mcp.Event{{Seq: uint64(i + 1), Dir: mcp.DirIn, Kind: mcp.KindHTTP, Status: 200, Header: h}})
	}
	if l.bytes > l.maxBytes || l.Len() > l.maxBytes/(8<<20) {
		t.Fatalf("%d entries holding %d MB of headers kept (budget %d MB)", l.Len(), 100*8, l.maxBytes>>20)
	}
}
