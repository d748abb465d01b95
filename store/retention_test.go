package store

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// makeSessions records n small sessions into dir, one hour apart, oldest
// first, and returns their paths.
func makeSessions(t *testing.T, dir string, n int) []string {
	t.Helper()
	var paths []string
	for i := 0; i < n; i++ {
		evs := synth(20)
		for j := range evs {
			evs[j].Time = evs[j].Time.Add(time.Duration(i) * time.Hour)
		}
		rec, err := NewRecorder(RecorderOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			rec.Record(e)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, rec.Path())
	}
	return paths
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestPruneKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	paths := makeSessions(t, dir, 6)
	other := filepath.Join(dir, "notes.jsonl")
	os.WriteFile(other, []byte("{\"not\":\"a recording\"}\n"), 0o600)

	removed, err := Prune(dir, Retention{MaxSessions: 4})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	if !slices.Equal(removed, paths[:2]) {
		t.Fatalf("removed %v, want the two oldest %v", removed, paths[:2])
	}
	for _, p := range paths[2:] {
		if !exists(p) {
			t.Fatalf("%s was removed", p)
		}
	}
	if !exists(other) {
		t.Fatal("a file that is not a recording was removed")
	}

	// By size: keep two files' worth. The excluded file (being written)
	// counts as the newest and survives; then the newest others fit.
	fi, _ := os.Stat(paths[5])
	removed, _ = Prune(dir, Retention{MaxBytes: 2 * fi.Size()}, paths[2])
	slices.Sort(removed)
	if !slices.Equal(removed, paths[3:5]) || !exists(paths[2]) || !exists(paths[5]) {
		t.Fatalf("by size removed %v", removed)
	}
	// The newest file is kept even when alone it is over the limit.
	removed, _ = Prune(dir, Retention{MaxBytes: 1})
	if !exists(paths[5]) || !slices.Equal(removed, paths[2:3]) {
		t.Fatalf("removed %v", removed)
	}
}

func TestRecorderAppliesRetention(t *testing.T) {
	dir := t.TempDir()
	old := makeSessions(t, dir, 3)
	rec, err := NewRecorder(RecorderOptions{Dir: dir, Retention: Retention{MaxSessions: 2}})
	if err != nil {
		t.Fatal(err)
	}
	evs := synth(5)
	for j := range evs {
		evs[j].Time = evs[j].Time.Add(24 * time.Hour)
	}
	for _, e := range evs {
		rec.Record(e)
	}
	rec.Close()
	list, _ := List(dir)
	if len(list) != 2 || list[0].Path != rec.Path() || list[1].Path != old[2] {
		t.Fatalf("after a new session with MaxSessions 2: %+v", list)
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	paths := makeSessions(t, dir, 2)
	list, err := List(dir)
	if err != nil || len(list) != 2 {
		t.Fatalf("%v %v", list, err)
	}
	s := list[0]
	if s.Path != paths[1] || s.Server != "synth 1.0" || s.Events != 20 || s.Duration != 19*time.Millisecond ||
		s.Errors != 0 || !s.Complete || s.Transport != "http" || s.Protocol != "2025-11-25" || !s.Start.Equal(t0.Add(time.Hour)) {
		t.Fatalf("summary %+v", s)
	}
	if l, err := List(filepath.Join(dir, "missing")); err != nil || len(l) != 0 {
		t.Fatalf("missing dir: %v %v", l, err)
	}
}

// Files named like recordings that are not (empty, other JSON, a cut
// header) are listed as unreadable, with the reason, not skipped without
// a word; other files are not listed.
func TestListUnreadable(t *testing.T) {
	dir := t.TempDir()
	makeSessions(t, dir, 1)
	os.WriteFile(filepath.Join(dir, "empty.jsonl"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "notes.jsonl"), []byte("{\"hello\":1}\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("hi\n"), 0o600)
	list, err := List(dir)
	if err != nil || len(list) != 3 {
		t.Fatalf("%d listed: %+v %v", len(list), list, err)
	}
	why := map[string]string{}
	for _, s := range list {
		why[filepath.Base(s.Path)] = s.Unreadable
	}
	if !strings.Contains(why["empty.jsonl"], "empty") || !strings.Contains(why["notes.jsonl"], "not a sonde recording") {
		t.Fatalf("reasons: %q", why)
	}
	for name, w := range why {
		if strings.Contains(w, dir) {
			t.Errorf("%s: the reason repeats the path: %q", name, w)
		}
	}
}

func TestFileName(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 10, 1, 0, time.Local)
	for target, want := range map[string]string{
		"http://127.0.0.1:3102/mcp":             "20261122-031001-127.0.0.1-3102-mcp.jsonl",
		"https://api.example.com/v1/sse?k=xxxx": "20261122-031001-api.example.com-v1-sse.jsonl",
		"node /srv/my server/index.js stdio":    "20261122-031001-node-my.jsonl",
		"../../etc/passwd":                      "20261122-031001-passwd.jsonl",
		"":                                      "20261122-031001-session.jsonl",
	} {
		if got := FileName(at, target); got != want {
			t.Errorf("%q: %s, want %s", target, got, want)
		}
	}
}
