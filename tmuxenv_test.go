//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNoTmuxInfoAtInit runs this binary's package initialisation with
// stdout on a terminal, inside a pretend tmux (TMUX set, a tmux on PATH
// that leaves a mark when run), and fails if any init ran tmux. Before
// internal/tmuxenv, lipgloss's init ran `tmux info` in every sonde process
// started in tmux.
func TestNoTmuxInfoAtInit(t *testing.T) {
	if os.Getenv("SONDE_TMUXENV_CHILD") == "1" {
		return // package initialisation has run: that was the test
	}
	dir := t.TempDir()
	mark := filepath.Join(dir, "ran")
	fake := "#!/bin/sh\necho \"$@\" >> " + mark + "\necho 'Tc: [missing]'\n"
	if err := os.WriteFile(filepath.Join(dir, "tmux"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	ptmx, pts := openPTY(t)
	defer ptmx.Close()
	defer pts.Close()
	go func() { // drain whatever the child writes to the terminal
		buf := make([]byte, 4096)
		for {
			if _, err := ptmx.Read(buf); err != nil {
				return
			}
		}
	}()
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoTmuxInfoAtInit$", "-test.count=1")
	cmd.Env = []string{
		"SONDE_TMUXENV_CHILD=1", "PATH=" + dir + ":/usr/bin:/bin", "HOME=" + dir,
		"TMUX=/tmp/tmux-0/default,1,0", "TERM=xterm-256color",
	}
	cmd.Stdout, cmd.Stdin = pts, pts
	out := &limitedBuffer{}
	cmd.Stderr = out
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, out.b)
	}
	if b, err := os.ReadFile(mark); err == nil {
		t.Fatalf("package initialisation ran tmux (%q): every sonde process in tmux paid a fork and exec before main", b)
	}
}

type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(l.b) < 1<<16 {
		l.b = append(l.b, p...)
	}
	return len(p), nil
}

// openPTY opens a pseudo-terminal pair.
func openPTY(t *testing.T) (ptmx, pts *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	ptmx = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ptmx, pts
}
