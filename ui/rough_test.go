package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// header is the first line of the screen.
func header(m *Model) string { return strings.Split(plain(m), "\n")[0] }

// A replay's header counts "last byte" from the replay's position, not
// from the wall clock (it said 17m02s for a recording made 17 minutes ago).
func TestReplayHeaderCountsFromThePosition(t *testing.T) {
	r := &fakeReplay{st: store.PlayerStatus{Pos: 19, Len: 19, At: 5 * time.Second, Duration: 10 * time.Second, Speed: 1}}
	m := New(context.Background(), Options{Replay: r, ReplayStart: t0}, nil)
	m.ticking = true
	m.update(tea.WindowSizeMsg{Width: 160, Height: 40})
	m.update(eventsMsg(demoSession().evs)) // the last byte came at about t0+130ms
	if h := header(m); !strings.Contains(h, "last byte 4s") {
		t.Fatalf("header %q, want last byte 4s (position 5s)", h)
	}
	r.st.At = 65 * time.Second
	if h := header(m); !strings.Contains(h, "last byte 1m04s") {
		t.Fatalf("header %q, want last byte 1m04s", h)
	}
}

// Keys that need a live server are not offered (nor bound) in a replay.
func TestReplayHelpHasNoLiveOnlyKeys(t *testing.T) {
	r := &fakeReplay{st: store.PlayerStatus{Len: 19, Speed: 1}}
	m := New(context.Background(), Options{Replay: r, ReplayStart: t0}, nil)
	m.ticking = true
	m.update(tea.WindowSizeMsg{Width: 160, Height: 60})
	m.update(eventsMsg(demoSession().evs))
	press(m, "?")
	help := plain(m)
	for _, live := range []string{"ctrl+r", "reconnect", "alt+r", "cancel call", "watch:", "cancel request"} {
		if strings.Contains(help, live) {
			t.Errorf("the replay's help lists %q", live)
		}
	}
	if !strings.Contains(help, "play/pause") || !strings.Contains(help, "next pane") {
		t.Fatalf("the replay's help lost its keys:\n%s", help)
	}
	press(m, "esc")
	// in a form the help line offers no call
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	if footer := strings.Split(plain(m), "\n"); strings.Contains(footer[len(footer)-1], "call / send") {
		t.Fatalf("a replay's form offers to call: %q", footer[len(footer)-1])
	}
	// a live model keeps them
	live := newTestModel(t, 160, 60, "")
	press(live, "?")
	if !strings.Contains(plain(live), "reconnect") {
		t.Fatal("a live session's help lost reconnect")
	}
}

// Large texts are paged at line starts (see the work package's test of
// the pages); what the work pane shows on page 2 starts with a whole line.
func TestLargeTextPagesAreWholeLines(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 3*work.PageBytes; i++ {
		fmt.Fprintf(&b, "line %06d %s\n", i, strings.Repeat("x", 50))
	}
	raw, _ := json.Marshal(map[string]any{"content": []any{map[string]any{"type": "text", "text": b.String()}}})
	m := newTestModel(t, 120, 40, "")
	m.panes.work.ShowResult(work.NewResult("tools/call", "large_text", raw, nil, 0, nil))
	m.update(altKey('2'))
	press(m, "]")
	if !regexp.MustCompile(`│line \d{6} x+`).MatchString(plain(m)) || regexp.MustCompile(`│x+ *│`).MatchString(plain(m)) {
		t.Fatalf("page 2 does not start at a line:\n%s", plain(m))
	}
}

// Long resource URIs keep their distinguishing end in the browser.
func TestLongURIsAreCutInTheMiddle(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	f := &fx{at: t0.Add(time.Second), seq: 100}
	f.req(40, "resources/list", "")
	f.resp(40, "resources/list", `{"resources":[
	  {"uri":"file:///home/ada/projects/sonde/reports/2026/december/summary-0042.json","name":"a","annotations":{"audience":["user"],"priority":0.5}},
	  {"uri":"file:///home/ada/projects/sonde/reports/2026/december/summary-0043.json","name":"b"}]}`)
	m.update(eventsMsg(f.evs))
	press(m, "2")
	s := plain(m)
	for _, end := range []string{"summary-0042.json", "summary-0043.json"} {
		if !strings.Contains(s, end) {
			t.Fatalf("the browser lost %q:\n%s", end, s)
		}
	}
	if !strings.Contains(s, "file:///…") && !strings.Contains(s, "file://…") && !regexp.MustCompile(`file:/+\S*…`).MatchString(s) {
		t.Fatalf("the URI's start is gone:\n%s", s)
	}
	// the preview shows the resource's annotations
	if !strings.Contains(s, "⌁ for user · priority 0.5") {
		t.Fatalf("the resource's annotations are not shown:\n%s", s)
	}
	if got := truncateMiddle("abcdefghijklmnopqrstuvwxyz", 10); got != "abc…uvwxyz" {
		t.Fatalf("truncateMiddle = %q", got)
	}
}

// At 120 columns the header shows the session id; where it does not fit,
// no "session" label stands without it.
func TestHeaderSessionID(t *testing.T) {
	for _, w := range []int{80, 100, 120, 160} {
		h := header(newTestModel(t, w, 30, ""))
		if w >= 120 && !strings.Contains(h, "2025-11-25 session S3SSIONI") {
			t.Errorf("%d columns: %q", w, h)
		}
		if strings.Contains(h, "session") && !strings.Contains(h, "session S3SSIONI") {
			t.Errorf("%d columns: a session label without its id: %q", w, h)
		}
	}
}

// Content annotations (audience, priority, lastModified) are shown.
func TestResultShowsContentAnnotations(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	raw := json.RawMessage(`{"content":[
	  {"type":"text","text":"for your eyes","annotations":{"audience":["user"],"priority":0.9,"lastModified":"2026-11-20T10:00:00Z"}},
	  {"type":"text","text":"plain"},
	  {"type":"text","text":"odd","annotations":{"audience":"everyone"}}]}`)
	m.panes.work.ShowResult(work.NewResult("tools/call", "x", raw, nil, 0, nil))
	s := plain(m)
	if !strings.Contains(s, "for user · priority 0.9 · modified 2026-11-20T10:00:00Z") {
		t.Fatalf("annotations not shown:\n%s", s)
	}
	if !strings.Contains(s, `annotations {"audience":"everyone"}`) {
		t.Fatalf("unreadable annotations not shown as they came:\n%s", s)
	}
	if strings.Count(s, "⌁") != 1 {
		t.Fatalf("a block without annotations got a line:\n%s", s)
	}
}
