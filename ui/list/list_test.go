package list

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

func TestSelectionKeepsTheCursorVisible(t *testing.T) {
	l := New()
	l.SetHeight(5)
	l.SetLen(100)
	for _, k := range []string{"j", "j", "j", "j", "j", "j"} {
		if !l.HandleKey(press(k)) {
			t.Fatalf("%s was not a list key", k)
		}
	}
	if l.Cursor() != 6 || l.Offset() != 2 {
		t.Fatalf("cursor %d offset %d after six downs", l.Cursor(), l.Offset())
	}
	l.HandleKey(press("pgdown"))
	if l.Cursor() != 11 || l.Offset() != 7 {
		t.Fatalf("page down: cursor %d offset %d", l.Cursor(), l.Offset())
	}
	l.HandleKey(press("G"))
	if from, to := l.Visible(); l.Cursor() != 99 || from != 95 || to != 100 {
		t.Fatalf("bottom: cursor %d rows %d-%d", l.Cursor(), from, to)
	}
	l.HandleKey(press("g"))
	if l.Cursor() != 0 || l.Offset() != 0 {
		t.Fatalf("top: cursor %d offset %d", l.Cursor(), l.Offset())
	}
	if l.HandleKey(press("x")) {
		t.Fatal("x is no list key")
	}
	// fewer rows than fit: never scrolled
	l.SetLen(3)
	l.HandleKey(press("G"))
	if l.Cursor() != 2 || l.Offset() != 0 {
		t.Fatalf("short list: cursor %d offset %d", l.Cursor(), l.Offset())
	}
	// emptied
	l.SetLen(0)
	l.HandleKey(press("j"))
	if l.Cursor() != 0 || l.Offset() != 0 {
		t.Fatalf("empty: cursor %d offset %d", l.Cursor(), l.Offset())
	}
}

func TestFollowingStaysOnTheNewestUntilMovedUp(t *testing.T) {
	l := NewFollowing()
	l.SetHeight(3)
	l.SetLen(10)
	if l.Cursor() != 9 || l.Offset() != 7 || !l.Following() {
		t.Fatalf("cursor %d offset %d follow %v", l.Cursor(), l.Offset(), l.Following())
	}
	l.SetLen(12)
	if l.Cursor() != 11 {
		t.Fatalf("grew: cursor %d", l.Cursor())
	}
	l.Move(-1)
	l.SetLen(20)
	if l.Cursor() != 10 || l.Following() {
		t.Fatalf("moved up then grew: cursor %d follow %v", l.Cursor(), l.Following())
	}
	l.Bottom()
	l.SetLen(21)
	if l.Cursor() != 20 || !l.Following() {
		t.Fatalf("back at the bottom: cursor %d follow %v", l.Cursor(), l.Following())
	}
	// the oldest rows go: positions move with the rows
	l.SetCursor(10)
	l.Shift(4)
	if l.Cursor() != 6 || l.Len() != 17 {
		t.Fatalf("shifted: cursor %d len %d", l.Cursor(), l.Len())
	}
}

func TestPagerScrollsWithoutASelection(t *testing.T) {
	p := NewPager()
	p.PageSize = 10
	p.HandleKey(press("j")) // before it is drawn it does not know its length
	p.HandleKey(press("pgdown"))
	if p.Offset() != 11 {
		t.Fatalf("offset %d", p.Offset())
	}
	p.SetHeight(5)
	p.SetLen(12) // drawn: the window cannot go past the end
	if p.Offset() != 7 {
		t.Fatalf("clamped offset %d", p.Offset())
	}
	p.HandleKey(press("k"))
	if from, to := p.Visible(); from != 6 || to != 11 {
		t.Fatalf("rows %d-%d", from, to)
	}
	if p.Click(1) {
		t.Fatal("a pager has no rows to click")
	}
}

func TestClickSelects(t *testing.T) {
	l := NewFollowing()
	l.SetHeight(4)
	l.SetLen(10)
	if !l.Click(0) || l.Cursor() != 6 || l.Following() {
		t.Fatalf("click row 0: cursor %d follow %v", l.Cursor(), l.Following())
	}
	if l.Click(4) || l.Click(-1) {
		t.Fatal("a click below or above the rows selected something")
	}
	if !l.Click(3) || !l.Following() {
		t.Fatal("a click on the newest row follows again")
	}
}

// The mouse: the wheel moves by the step asked for, either way, and a
// second click on the selected row is told from a first one.
func TestWheelAndClickAgain(t *testing.T) {
	l := New()
	l.SetLen(20)
	l.SetHeight(5)
	l.Wheel(tea.MouseWheelMsg{Button: tea.MouseWheelDown}, 3)
	if l.Cursor() != 3 {
		t.Fatalf("wheel down 3: cursor %d", l.Cursor())
	}
	l.Wheel(tea.MouseWheelMsg{Button: tea.MouseWheelUp}, 1)
	if l.Cursor() != 2 {
		t.Fatalf("wheel up 1: cursor %d", l.Cursor())
	}
	l.Wheel(tea.MouseWheelMsg{Button: tea.MouseWheelLeft}, 3)
	if l.Cursor() != 2 {
		t.Fatalf("a sideways wheel moved the cursor to %d", l.Cursor())
	}
	if l.ClickAgain(l.Cursor()-l.Offset()+1) || l.Cursor() != 3 {
		t.Fatalf("a click on another row is a first click: cursor %d", l.Cursor())
	}
	if !l.ClickAgain(l.Cursor() - l.Offset()) {
		t.Fatal("a click on the selected row is a second click")
	}
	if l.ClickAgain(99) {
		t.Fatal("a click below the rows")
	}
}

func TestCenteredKeepsTheCursorInTheMiddle(t *testing.T) {
	l := NewCentered()
	l.SetHeight(6)
	l.SetLen(20)
	for _, c := range []struct{ cursor, offset int }{{0, 0}, {3, 0}, {4, 1}, {10, 7}, {16, 13}, {17, 14}, {19, 14}} {
		l.SetCursor(c.cursor)
		if l.Cursor() != c.cursor || l.Offset() != c.offset {
			t.Fatalf("cursor %d: offset %d, want %d", l.Cursor(), l.Offset(), c.offset)
		}
	}
	l.SetLen(4) // fewer rows than fit: never scrolled
	if l.Cursor() != 3 || l.Offset() != 0 {
		t.Fatalf("short: cursor %d offset %d", l.Cursor(), l.Offset())
	}
	l.HandleKey(press("pgup"))
	if l.Cursor() != 0 || l.Offset() != 0 || l.Following() {
		t.Fatalf("page up: cursor %d offset %d", l.Cursor(), l.Offset())
	}
}
