package ui

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// focusedPane names the pane drawn as focused. It reads the screen of a
// mono model: only the focused pane has heavy lines.
func focusedPane(t *testing.T, m *Model) string {
	t.Helper()
	titles := regexp.MustCompile(`┏━ ([A-Za-z]+)`).FindAllStringSubmatch(plain(m), -1)
	if len(titles) != 1 {
		t.Fatalf("want exactly one pane drawn focused, got %d:\n%s", len(titles), plain(m))
	}
	return titles[0][1]
}

func altKey(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModAlt} }

func TestMonoFocusIsHeavyLines(t *testing.T) {
	t.Setenv("NO_COLOR", "1") // any theme becomes mono
	m := newTestModel(t, 100, 30, "dracula")
	if got := focusedPane(t, m); got != "Browse" {
		t.Fatalf("focused pane %q", got)
	}
	press(m, "tab")
	if got := focusedPane(t, m); got == "Browse" {
		t.Fatalf("tab left the focus drawn on %q", got)
	}
	press(m, "tab")
	if got := focusedPane(t, m); got != "Log" {
		t.Fatalf("focused pane %q after two tabs", got)
	}
}

func TestPaneJumpKeys(t *testing.T) {
	m := newTestModel(t, 100, 30, "mono")
	m.update(altKey('3'))
	if got := focusedPane(t, m); got != "Log" {
		t.Fatalf("alt+3 focused %q", got)
	}
	m.update(altKey('1'))
	if got := focusedPane(t, m); got != "Browse" {
		t.Fatalf("alt+1 focused %q", got)
	}
	// from inside a text field: the form keeps its text, the focus moves
	m.conn.sess = &fakeBackend{}
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	typeText(m, "hi")
	m.update(altKey('3'))
	if got := focusedPane(t, m); got != "Log" {
		t.Fatalf("alt+3 from the form focused %q", got)
	}
	if v, _ := m.panes.work.Form().Value(); string(v) != `{"text":"hi"}` {
		t.Fatalf("the jump typed into the form: %s", v)
	}
	m.update(altKey('2'))
	typeText(m, "!")
	if v, _ := m.panes.work.Form().Value(); string(v) != `{"text":"hi!"}` {
		t.Fatalf("alt+2 did not go back into the form: %s", v)
	}
	// from the fuzzy filter: the filter stays, typing no longer goes there
	m.update(altKey('1'))
	press(m, "esc", "/")
	typeText(m, "get")
	m.update(altKey('3'))
	if !strings.Contains(plain(m), "filter: get") {
		t.Fatalf("the filter was lost:\n%s", plain(m))
	}
	press(m, "q")
	if !m.quitting {
		t.Fatal("after leaving the filter with alt+3, q should quit")
	}
}

func TestZoomInsideAForm(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	m.conn.sess = &fakeBackend{}
	press(m, "/")
	typeText(m, "create_booking")
	press(m, "enter")
	// the first row is the guest object's header: not a text field
	before := plain(m)
	press(m, "z")
	after := plain(m)
	if strings.Contains(after, "Browse") || !strings.Contains(after, "Arguments: create_booking") {
		t.Fatalf("z in a form did not zoom it:\n%s", after)
	}
	press(m, "z")
	if plain(m) != before {
		t.Fatalf("z again did not unzoom:\n%s", plain(m))
	}
	// in a text field z is text
	press(m, "tab")
	typeText(m, "z")
	if !strings.Contains(plain(m), "Browse") {
		t.Fatal("z in a text field zoomed")
	}
	if v, _ := m.panes.work.Form().Value(); !strings.Contains(string(v), `"name":"z"`) {
		t.Fatalf("z did not reach the text field: %s", v)
	}
}

func TestEscFromResultDoesNotLandKeysInTheForm(t *testing.T) {
	m := newTestModel(t, 100, 30, "mono")
	be := &fakeBackend{answers: map[string]json.RawMessage{"tools/call": json.RawMessage(`{"content":[{"type":"text","text":"HELLO"}]}`)}}
	m.conn.sess = be
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	typeText(m, "hello")
	run(m, press(m, "ctrl+r"))
	if !strings.Contains(plain(m), "HELLO") {
		t.Fatalf("no result:\n%s", plain(m))
	}
	press(m, "esc")
	if !strings.Contains(plain(m), "Arguments: echo") {
		t.Fatalf("esc from the result does not show the form:\n%s", plain(m))
	}
	typeText(m, "jk")
	if v, _ := m.panes.work.Form().Value(); string(v) != `{"text":"hello"}` {
		t.Fatalf("keys after esc landed in the form: %s", v)
	}
	if got := focusedPane(t, m); got != "Browse" {
		t.Fatalf("after esc the keys go to %q", got)
	}
	// enter on the tool is back in the form, as it was
	press(m, "enter")
	typeText(m, "!")
	if v, _ := m.panes.work.Form().Value(); string(v) != `{"text":"hello!"}` {
		t.Fatalf("the form did not come back as it was: %s", v)
	}
}

func TestEnterOnResourceFocusesItsResult(t *testing.T) {
	m := newTestModel(t, 100, 30, "mono")
	m.conn.sess = &fakeBackend{answers: map[string]json.RawMessage{"resources/read": json.RawMessage(`{"contents":[{"uri":"demo://readme.md","mimeType":"text/markdown","text":"# Read me"}]}`)}}
	press(m, "2") // resources
	run(m, press(m, "enter"))
	if !strings.Contains(plain(m), "# Read me") {
		t.Fatalf("not read:\n%s", plain(m))
	}
	if got := focusedPane(t, m); got != "Result" {
		t.Fatalf("after enter on a resource the keys go to %q", got)
	}
	// s (save) acts on the result without a tab
	press(m, "s")
	if m.dialogs.top() == nil || !strings.Contains(plain(m), "Save") {
		t.Fatalf("s did not offer to save the resource:\n%s", plain(m))
	}
}

func TestWorkPanePreviewsTheSelectionUnlessAResultIsPinned(t *testing.T) {
	m := newTestModel(t, 100, 30, "")
	m.conn.sess = &fakeBackend{answers: map[string]json.RawMessage{"tools/call": json.RawMessage(`{"content":[{"type":"text","text":"HELLO"}]}`)}}
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter") // echo's form
	press(m, "esc")   // keys to the browser, the form stays in view
	press(m, "esc")   // clear the filter: echo stays selected, so does its form
	if s := plain(m); !strings.Contains(s, "Arguments: echo") {
		t.Fatalf("clearing the filter moved off the form's item:\n%s", s)
	}
	press(m, "g", "j") // delete_records
	if s := plain(m); !strings.Contains(s, "Deletes nothing") || strings.Contains(s, "Arguments: echo") {
		t.Fatalf("the work pane does not preview the selection:\n%s", s)
	}
	// a result stays while the browser moves
	press(m, "j", "enter")
	typeText(m, "hi")
	run(m, press(m, "ctrl+r"))
	m.update(altKey('1'))
	press(m, "g")
	if s := plain(m); !strings.Contains(s, "HELLO") || strings.Contains(s, "Book hotel rooms") {
		t.Fatalf("the result was not kept:\n%s", s)
	}
}
