package ui

import (
	"regexp"
	"strings"
	"testing"
)

// The bottom of an event's detail shows its last lines: the view used to
// stop two lines short (the scroll bound counted the two head lines as
// body), so G never showed a message's closing brace.
func TestDetailBottomShowsTheLastLine(t *testing.T) {
	m := newTestModel(t, 80, 24, "")
	press(m, "tab", "tab", "/")
	typeText(m, "method:initialize dir:in")
	press(m, "enter", "enter", "G")
	s := plain(m)
	if !strings.Contains(s, `"instructions": "Try create_booking."`) || !regexp.MustCompile(`│}\s+│`).MatchString(s) {
		t.Fatalf("G should show the closing brace:\n%s", s)
	}
}

// The detail's keys reach the log: ← → walk it, % jumps to the pair, c
// and s open the copy and save dialogs over it, v shows the answer as a
// result.
func TestDetailWalksTheLog(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	press(m, "tab", "tab", "g", "enter")
	title := func() string {
		s := plain(m)
		i := strings.Index(s, "Event #")
		if i < 0 {
			t.Fatalf("no detail:\n%s", s)
		}
		return strings.Fields(s[i:])[1]
	}
	if got := title(); got != "#1" {
		t.Fatalf("g enter: %s", got)
	}
	press(m, "right")
	if got := title(); got != "#2" || !strings.Contains(plain(m), `"method": "initialize"`) {
		t.Fatalf("→: %s\n%s", got, plain(m))
	}
	press(m, "%")
	if got := title(); got != "#3" {
		t.Fatalf("%%: %s", got)
	}
	press(m, "left")
	if got := title(); got != "#2" {
		t.Fatalf("←: %s", got)
	}
	press(m, "c")
	if s := plain(m); !strings.Contains(s, "Copy to the clipboard") {
		t.Fatalf("c:\n%s", s)
	}
	run(m, press(m, "j"))
	if !strings.Contains(m.flash.text, "JSON") || title() != "#2" {
		t.Fatalf("copied: flash %q\n%s", m.flash.text, plain(m))
	}
	press(m, "s")
	if s := plain(m); !strings.Contains(s, "Save to a file") || !strings.Contains(s, "event #2 · ") {
		t.Fatalf("s:\n%s", s)
	}
	press(m, "esc")
	if got := title(); got != "#2" {
		t.Fatalf("esc: back to the detail, %s", got)
	}
	press(m, "v")
	if s := plain(m); strings.Contains(s, "Event #") || !strings.Contains(s, "─ Result ─") || !strings.Contains(s, "✓ initialize  3.2ms") {
		t.Fatalf("v: the answer as a result\n%s", s)
	}
}
