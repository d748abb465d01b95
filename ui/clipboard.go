package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// How copied text reaches the user's clipboard. OSC 52 alone is not
// enough: tmux's default (set-clipboard external) drops it without a word,
// so does a terminal that does not implement it, and nothing comes back to
// say so. sonde therefore prefers a program that sets a clipboard it can
// see succeed (wl-copy, xclip, xsel, pbcopy, clip.exe, or tmux's own
// load-buffer -w inside tmux), and only then sends OSC 52, wrapped for
// tmux or screen when it runs inside one, saying it cannot confirm it.
// Everything here runs in a tea.Cmd: never in Update.

// clipboardEnv is what the choice depends on; tests replace it.
type clipboardEnv struct {
	getenv   func(string) string
	lookPath func(string) (string, error)
	// run runs a program with text on its stdin.
	run  func(ctx context.Context, stdin string, name string, args ...string) error
	goos string
}

func systemClipboard() clipboardEnv {
	return clipboardEnv{getenv: os.Getenv, lookPath: exec.LookPath, run: runWithStdin, goos: runtime.GOOS}
}

// runWithStdin runs name with stdin and no terminal: output is discarded
// except stderr, which explains a failure. xclip and wl-copy leave a child
// behind that serves the selection and keeps the pipes open, so Wait gives
// up on the pipes shortly after the program itself exits.
func runWithStdin(ctx context.Context, stdin string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 512}
	cmd.WaitDelay = 300 * time.Millisecond
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // exited fine; its child still holds stderr
	}
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%s: %s", filepath.Base(name), firstLine(msg))
		}
		return fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	return nil
}

type limitedWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// clipboardTool is a program that copies its stdin.
type clipboardTool struct {
	how  string   // where it copies to, for the status line
	argv []string // the command
}

// tools lists the clipboard programs that apply here, best first. A
// program that writes this machine's clipboard is skipped over SSH (it
// would fill the remote one); X11 and Wayland tools follow DISPLAY and
// WAYLAND_DISPLAY, which point at the user's screen even when forwarded.
func (e clipboardEnv) tools() []clipboardTool {
	var out []clipboardTool
	ssh := e.getenv("SSH_CONNECTION") != "" || e.getenv("SSH_TTY") != ""
	if e.getenv("WAYLAND_DISPLAY") != "" {
		out = append(out, clipboardTool{"with wl-copy", []string{"wl-copy"}})
	}
	if e.getenv("DISPLAY") != "" {
		out = append(out, clipboardTool{"with xclip", []string{"xclip", "-selection", "clipboard", "-in"}},
			clipboardTool{"with xsel", []string{"xsel", "--clipboard", "--input"}})
	}
	if !ssh && e.goos == "darwin" {
		out = append(out, clipboardTool{"with pbcopy", []string{"pbcopy"}})
	}
	if !ssh && (e.getenv("WSL_DISTRO_NAME") != "" || e.getenv("WSL_INTEROP") != "") {
		out = append(out, clipboardTool{"with clip.exe", []string{"clip.exe"}})
	}
	if e.getenv("TMUX") != "" {
		// tmux's own copy: its paste buffer, and with -w the terminal's
		// clipboard through tmux (which set-clipboard external allows)
		out = append(out, clipboardTool{"into tmux's buffer (load-buffer -w also offers it to the terminal)", []string{"tmux", "load-buffer", "-w", "-"}})
	}
	return out
}

// multiplexer says which terminal multiplexer sonde runs in, if any:
// "tmux" ($TMUX, or a tmux/screen TERM with no $STY: the usual sign of
// tmux across ssh), "screen" ($STY), or "".
func (e clipboardEnv) multiplexer() string {
	term := e.getenv("TERM")
	switch {
	case e.getenv("TMUX") != "":
		return "tmux"
	case e.getenv("STY") != "":
		return "screen"
	case strings.HasPrefix(term, "tmux"), strings.HasPrefix(term, "screen"):
		return "tmux"
	}
	return ""
}

// osc52 is the OSC 52 sequence that sets the system clipboard to text,
// wrapped for the multiplexer in between, and how it was sent (with what
// it needs to arrive).
// Inside tmux both forms go out: plain OSC 52 arrives with set-clipboard
// on, the passthrough with allow-passthrough on; either is harmless where
// the other works.
func (e clipboardEnv) osc52(text string) (seq, how string) {
	plain := ansi.SetSystemClipboard(text)
	switch e.multiplexer() {
	case "tmux":
		return plain + ansi.TmuxPassthrough(plain), "as OSC 52 through tmux (needs set-clipboard on or allow-passthrough on)"
	case "screen":
		// screen cuts string sequences at 768 bytes
		return ansi.ScreenPassthrough(plain, 768), "as OSC 52 through screen"
	}
	return plain, "to the terminal's clipboard (OSC 52)"
}

// copiedMsg is the outcome of a copy: how it was done, or the OSC 52
// sequence Update should send.
type copiedMsg struct {
	what string // "the result (312 bytes)"
	how  string // "with xclip", "to the terminal's clipboard (OSC 52)", …
	osc  string // to write to the terminal (the OSC 52 path)
	// save names the key that saves the same thing to a file ("" if
	// none applies where the copy was made)
	save string
	// failed: the programs that were tried and failed
	failed []string
}

// copy puts text on a clipboard: the first local program that works,
// else OSC 52. what describes the text for the status line; saveKey is
// the key that saves it to a file instead, when there is one.
func (e *environment) copy(what, text, saveKey string) tea.Cmd {
	env := e.clip
	what = fmt.Sprintf("%s (%d bytes)", what, len(text))
	return func() tea.Msg {
		msg := copiedMsg{what: what, save: saveKey}
		for _, t := range env.tools() {
			if _, err := env.lookPath(t.argv[0]); err != nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := env.run(ctx, text, t.argv[0], t.argv[1:]...)
			cancel()
			if err == nil {
				msg.how = t.how
				return msg
			}
			msg.failed = append(msg.failed, err.Error())
		}
		msg.osc, msg.how = env.osc52(text)
		return msg
	}
}

// report says how a copy went, honestly: a program's success is a copy;
// OSC 52 is only sent, since no terminal confirms it (and cmd sends it).
func (msg copiedMsg) report() (text string, cmd tea.Cmd) {
	if msg.osc == "" {
		return "copied " + msg.what + " " + msg.how, nil
	}
	text = "sent " + msg.what + " " + msg.how
	if msg.save != "" {
		text += " · " + msg.save + " saves it to a file"
	}
	if len(msg.failed) > 0 {
		text += " · " + strings.Join(msg.failed, "; ")
	}
	return text, tea.Raw(msg.osc)
}
