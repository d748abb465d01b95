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

func pings(from, n int) []mcp.Event {
	evs := make([]mcp.Event, n)
	for i := range evs {
		evs[i] = mcp.Event{Seq: uint64(from + i), Dir: mcp.DirIn, Kind: mcp.KindComment, Text: "ping"}
	}
	return evs
}

// A selection the user made stays on its event, and on screen, while the
// oldest events leave the window in front of it; once its own event has
// left, the oldest one held is selected.
func TestLogWindowEvictionKeepsTheSelection(t *testing.T) {
	l := New(commontest.New(), 100)
	l.SetSize(100, 10)
	l.Append(pings(0, 100))
	press(l, "k", "k", "k", "k", "k") // seq 94
	l.Append(pings(100, 50))
	if l.Following() || l.Selected().Ev.Seq != 94 || l.Evicted() != 50 {
		t.Fatalf("selected %d (following %v, evicted %d)", l.Selected().Ev.Seq, l.Following(), l.Evicted())
	}
	from, to := l.list.Visible()
	if c := l.list.Cursor(); c < from || c >= to {
		t.Fatalf("selection %d off screen (%d-%d)", c, from, to)
	}
	l.Append(pings(150, 100))
	if l.Following() || l.Selected().Ev.Seq != 150 {
		t.Fatalf("after its event left: selected %d", l.Selected().Ev.Seq)
	}
}

// A filter that leaves the user's selection as the newest row shown does
// not turn following on: the next event does not move it.
func TestRefilterOntoTheNewestDoesNotFollow(t *testing.T) {
	p := newPane(3)
	press(p, "k") // the last answer, #3
	was := p.Selected()
	p.SetFilter("-kind:comment")
	if p.Following() || p.Selected() != was {
		t.Fatalf("refilter: following %v", p.Following())
	}
	p.Append(session(1)[:2])
	if p.Selected() != was {
		t.Fatal("a new event moved a selection that was not following")
	}
}

// g in an empty log stops following and G follows again, as in a full one.
func TestTopAndBottomInAnEmptyLog(t *testing.T) {
	p := New(commontest.New(), 0)
	p.SetSize(100, 10)
	press(p, "g")
	if p.Following() {
		t.Fatal("g kept following")
	}
	press(p, "G")
	if !p.Following() {
		t.Fatal("G did not follow")
	}
}
