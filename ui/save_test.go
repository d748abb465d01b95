package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveAsksForTheFileName(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SONDE_SAVE_DIR", dir)
	m := newTestModel(t, 120, 40, "")
	m.conn.sess = &fakeBackend{answers: map[string]json.RawMessage{"tools/call": json.RawMessage(`{"content":[{"type":"text","text":"token=abc"}]}`)}}
	press(m, "/")
	typeText(m, "echo")
	press(m, "enter")
	typeText(m, "hi")
	run(m, press(m, "ctrl+r"))
	press(m, "s") // one thing to save: the whole result
	// nothing is written yet: the name is asked for, prefilled
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("s wrote before asking: %v", entries)
	}
	screen := plain(m)
	if !strings.Contains(screen, "Save to a file") || !strings.Contains(screen, filepath.Join(dir, "sonde-echo-")) {
		t.Fatalf("no prefilled prompt:\n%s", screen)
	}
	// a name of one's own
	for range 200 {
		press(m, "backspace")
	}
	want := filepath.Join(dir, "mine.txt")
	typeText(m, want)
	run(m, press(m, "enter"))
	b, err := os.ReadFile(want)
	if err != nil || !strings.Contains(string(b), `"text": "token=abc"`) {
		t.Fatalf("saved %q, %v", b, err)
	}
	if fi, _ := os.Stat(want); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if m.dialogs.top() != nil || !strings.Contains(m.flash.text, "bytes to "+want) {
		t.Fatalf("after saving: dialog %T, flash %q", m.dialogs.top(), m.flash.text)
	}
	// the same name again: refused, the prompt stays to choose another
	press(m, "s")
	for range 200 {
		press(m, "backspace")
	}
	typeText(m, want)
	run(m, press(m, "enter"))
	if s := plain(m); !strings.Contains(s, "Save to a file") || !strings.Contains(s, "exists: choose another name") {
		t.Fatalf("an existing file:\n%s", plain(m))
	}
	press(m, "esc")
	if m.dialogs.top() != nil {
		t.Fatal("esc should cancel")
	}
}

func TestSaveAnEventFromTheLog(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SONDE_SAVE_DIR", dir)
	m := newTestModel(t, 120, 40, "")
	m.update(altKey('3'))
	press(m, "s")
	if s := plain(m); !strings.Contains(s, "Save to a file") || !strings.Contains(s, "event #") {
		t.Fatalf("s in the log:\n%s", s)
	}
	run(m, press(m, "enter"))
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "sonde-event-") {
		t.Fatalf("saved %v", entries)
	}
	b, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if !strings.Contains(string(b), `"jsonrpc": "2.0"`) {
		t.Fatalf("content %s", b)
	}
	// a prompt cancelled while its file is written still says it was
	press(m, "up", "s")
	write := press(m, "enter")
	press(m, "esc")
	if m.dialogs.top() != nil || strings.Contains(m.flash.text, "sonde-event-18-") {
		t.Fatalf("esc: dialog %T, flash %q", m.dialogs.top(), m.flash.text)
	}
	run(m, write)
	if !strings.Contains(m.flash.text, "saved ") || !strings.Contains(m.flash.text, "sonde-event-18-") {
		t.Fatalf("after the write: flash %q", m.flash.text)
	}
}
