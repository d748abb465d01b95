package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// fakeClipboard is a machine with some environment and some programs on
// PATH; it records what was run.
type fakeClipboard struct {
	vars  map[string]string
	have  map[string]bool  // programs on PATH
	fails map[string]error // programs that fail
	goos  string
	ran   []string // argv, joined
	got   string   // the stdin of the last successful run
}

func (f *fakeClipboard) env() clipboardEnv {
	return clipboardEnv{
		getenv: func(k string) string { return f.vars[k] },
		lookPath: func(name string) (string, error) {
			if f.have[name] {
				return "/usr/bin/" + name, nil
			}
			return "", errors.New("not found")
		},
		run: func(_ context.Context, stdin, name string, args ...string) error {
			f.ran = append(f.ran, strings.Join(append([]string{name}, args...), " "))
			if err := f.fails[name]; err != nil {
				return err
			}
			f.got = stdin
			return nil
		},
		goos: f.goos,
	}
}

// copyResult copies text the way the UI does and returns the status line
// and what would be written to the terminal.
func copyResult(t *testing.T, f *fakeClipboard) (flash, raw string) {
	t.Helper()
	m := newTestModel(t, 120, 40, "")
	m.env.clip = f.env()
	for _, msg := range run(m, m.env.copy("the result", `{"a":1}`, "s")) {
		if r, ok := msg.(tea.RawMsg); ok {
			raw += r.Msg.(string)
		}
	}
	return m.flash.text, raw
}

func osc52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\x07"
}

func TestCopyPrefersAClipboardProgram(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *fakeClipboard
		ran  string
		says string
	}{
		{"x11", &fakeClipboard{vars: map[string]string{"DISPLAY": ":0"}, have: map[string]bool{"xclip": true, "xsel": true}},
			"xclip -selection clipboard -in", "copied the result (7 bytes) with xclip"},
		{"x11 without xclip", &fakeClipboard{vars: map[string]string{"DISPLAY": ":0"}, have: map[string]bool{"xsel": true}},
			"xsel --clipboard --input", "with xsel"},
		{"wayland", &fakeClipboard{vars: map[string]string{"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, have: map[string]bool{"wl-copy": true, "xclip": true}},
			"wl-copy", "with wl-copy"},
		{"macOS", &fakeClipboard{goos: "darwin", have: map[string]bool{"pbcopy": true}}, "pbcopy", "with pbcopy"},
		{"WSL", &fakeClipboard{vars: map[string]string{"WSL_DISTRO_NAME": "Debian"}, have: map[string]bool{"clip.exe": true}}, "clip.exe", "with clip.exe"},
		{"tmux", &fakeClipboard{vars: map[string]string{"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color"}, have: map[string]bool{"tmux": true}},
			"tmux load-buffer -w -", "into tmux's buffer"},
		{"a failing xclip falls through to tmux", &fakeClipboard{vars: map[string]string{"DISPLAY": ":0", "TMUX": "x"}, have: map[string]bool{"xclip": true, "tmux": true},
			fails: map[string]error{"xclip": errors.New("xclip: Can't open display: :0")}}, "tmux load-buffer -w -", "into tmux's buffer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flash, raw := copyResult(t, tc.f)
			if raw != "" {
				t.Fatalf("OSC 52 was sent although %s worked: %q", tc.ran, raw)
			}
			if len(tc.f.ran) == 0 || tc.f.ran[len(tc.f.ran)-1] != tc.ran || tc.f.got != `{"a":1}` {
				t.Fatalf("ran %q with %q, want %q", tc.f.ran, tc.f.got, tc.ran)
			}
			if !strings.Contains(flash, tc.says) || strings.Contains(flash, "OSC 52") {
				t.Fatalf("status %q, want %q", flash, tc.says)
			}
		})
	}
}

func TestCopyFallsBackToOSC52Honestly(t *testing.T) {
	// no programs: plain OSC 52, and the status says it was only sent
	flash, raw := copyResult(t, &fakeClipboard{})
	if raw != osc52(`{"a":1}`) {
		t.Fatalf("raw %q", raw)
	}
	if !strings.Contains(flash, "sent the result (7 bytes) to the terminal's clipboard (OSC 52)") || !strings.Contains(flash, "s saves it to a file") || strings.Contains(flash, "copied") {
		t.Fatalf("status %q", flash)
	}
	// over ssh, this machine's pbcopy would fill the wrong clipboard
	f := &fakeClipboard{goos: "darwin", vars: map[string]string{"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}, have: map[string]bool{"pbcopy": true}}
	if _, raw := copyResult(t, f); len(f.ran) != 0 || raw == "" {
		t.Fatalf("over ssh ran %q, raw %q", f.ran, raw)
	}
	// tmux across ssh (no $TMUX, a tmux TERM): plain and passthrough
	flash, raw = copyResult(t, &fakeClipboard{vars: map[string]string{"TERM": "tmux-256color"}})
	plain := osc52(`{"a":1}`)
	wrapped := "\x1bPtmux;" + strings.ReplaceAll(plain, "\x1b", "\x1b\x1b") + "\x1b\\"
	if raw != plain+wrapped {
		t.Fatalf("tmux: raw %q", raw)
	}
	if !strings.Contains(flash, "allow-passthrough") {
		t.Fatalf("tmux status %q", flash)
	}
	// GNU screen: DCS passthrough
	_, raw = copyResult(t, &fakeClipboard{vars: map[string]string{"STY": "1234.pts-0.host", "TERM": "screen"}})
	if raw != "\x1bP"+plain+"\x1b\\" {
		t.Fatalf("screen: raw %q", raw)
	}
	// a failing program is named
	flash, _ = copyResult(t, &fakeClipboard{vars: map[string]string{"DISPLAY": ":0"}, have: map[string]bool{"xclip": true}, fails: map[string]error{"xclip": errors.New("xclip: Can't open display: :0")}})
	if !strings.Contains(flash, "Can't open display") {
		t.Fatalf("status %q", flash)
	}
}

func TestRunWithStdinRealProgram(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// a program that forks a child holding stderr open, like xclip
	script := filepath.Join(dir, "fakeclip")
	os.WriteFile(script, []byte("#!/bin/sh\ncat > \""+out+"\"\n(sleep 5) &\nexit 0\n"), 0o700)
	if err := runWithStdin(context.Background(), "hello", script); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "hello" {
		t.Fatalf("stdin %q", b)
	}
	fail := filepath.Join(dir, "failclip")
	os.WriteFile(fail, []byte("#!/bin/sh\necho 'Error: no display' >&2\nexit 1\n"), 0o700)
	if err := runWithStdin(context.Background(), "x", fail); err == nil || !strings.Contains(err.Error(), "failclip: Error: no display") {
		t.Fatalf("err %v", err)
	}
}
