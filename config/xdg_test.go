package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestXDGDirs(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	abs := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", abs)
	t.Setenv("XDG_STATE_HOME", "relative/state") // the spec: ignore relative paths
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("XDG_DATA_HOME", "")
	cases := map[string][2]string{
		"config": {ConfigDir(), filepath.Join(abs, "sonde")},
		"state":  {StateDir(), filepath.Join(home, ".local", "state", "sonde")},
		"cache":  {CacheDir(), filepath.Join(home, ".cache", "sonde")},
		"data":   {DataDir(), filepath.Join(home, ".local", "share", "sonde")},
		"saved":  {SavedPath(), filepath.Join(abs, "sonde", "servers.json")},
		"args":   {LastArgsPath(), filepath.Join(home, ".local", "state", "sonde", "last-args.json")},
	}
	for name, c := range cases {
		if c[0] != c[1] {
			t.Errorf("%s: %s, want %s", name, c[0], c[1])
		}
	}
	if d, err := SessionsDir(); err != nil || d != filepath.Join(home, ".local", "share", "sonde", "sessions") {
		t.Errorf("sessions: %s %v", d, err)
	}
	if p := EraCachePath(); p != filepath.Join(home, ".cache", "sonde", "eras.json") {
		t.Errorf("era cache: %s", p)
	}
	t.Setenv("SONDE_ERA_CACHE", "off")
	if p := EraCachePath(); p != "" {
		t.Errorf("SONDE_ERA_CACHE=off: %q", p)
	}
	t.Setenv("SONDE_ERA_CACHE", "/elsewhere/eras.json")
	if p := EraCachePath(); p != "/elsewhere/eras.json" {
		t.Errorf("SONDE_ERA_CACHE=FILE: %q", p)
	}
}

// The composer's history is kept per server, newest last, bounded, in a
// 0600 file.
func TestComposerHistory(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var msgs []string
	for i := 0; i < MaxComposerHistory+5; i++ {
		msgs = append(msgs, fmt.Sprintf(`{"n":%d}`, i))
	}
	if err := SaveComposerHistory("a", msgs); err != nil {
		t.Fatal(err)
	}
	if err := SaveComposerHistory("b", []string{`{"b":1}`, strings.Repeat("x", MaxRememberedArgs+1)}); err != nil {
		t.Fatal(err)
	}
	h := LoadComposerHistory()
	if len(h["a"]) != MaxComposerHistory || h["a"][0] != `{"n":5}` || len(h["b"]) != 1 {
		t.Fatalf("history: %d %q, %v", len(h["a"]), h["a"][0], h["b"])
	}
	fi, err := os.Stat(ComposerHistoryPath())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
}
