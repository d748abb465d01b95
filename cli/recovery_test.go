package cli

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/sonde-mcp/sonde/demo"

	"github.com/sonde-mcp/sonde/internal/testenv"
)

// restartingServer serves the demo server over Streamable HTTP on one
// loopback address; restart replaces it with a new one, which knows none of
// the old session ids (as a restarted process would).
type restartingServer struct {
	addr string
	srv  *http.Server
}

func startRestarting(t *testing.T) *restartingServer {
	r := &restartingServer{addr: "127.0.0.1:0"}
	r.start(t)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *restartingServer) url() string { return "http://" + r.addr + "/mcp" }

func (r *restartingServer) start(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	// the old socket may linger for a moment
	if !testenv.Poll(5*time.Second, func() bool { ln, err = net.Listen("tcp", r.addr); return err == nil }) {
		t.Fatal(err)
	}
	peer := demo.NewServer(demo.Options{})
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return peer }, nil)}
	go r.srv.Serve(ln)
}

func (r *restartingServer) restart(t *testing.T) {
	r.srv.Close()
	r.start(t)
}

// String is what was written so far (lockedBuffer: ui_test.go).
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !testenv.Poll(15*time.Second, cond) {
		t.Fatalf("no %s", what)
	}
}

// A shell that survives a server restart says so: one line on stderr per
// recovery and, with --json, an event line between the command lines; -v
// shows it in the event log instead of the extra line.
func TestShellReportsRecoveries(t *testing.T) {
	line := regexp.MustCompile(`(?m)^sonde: reconnected after \d+\.\d s: session expired$`)
	for _, mode := range []string{"--json", "text", "-v"} {
		t.Run(mode, func(t *testing.T) {
			srv := startRestarting(t)
			args := []string{"shell", srv.url()}
			if mode != "text" {
				args = append(args, mode)
			}
			stdin, feed := io.Pipe()
			var out, errb lockedBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan int, 1)
			go func() { done <- Run(ctx, args, Env{Stdin: stdin, Stdout: &out, Stderr: &errb}) }()
			io.WriteString(feed, "ping\n")
			waitUntil(t, "answer to ping", func() bool { return strings.Contains(out.String(), "rtt_ms") || strings.Contains(out.String(), "pong") })
			srv.restart(t)
			waitUntil(t, "recovery", func() bool { return strings.Contains(errb.String(), "reconnected after") })
			io.WriteString(feed, "ping\n")
			feed.Close()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
			}
			n := len(line.FindAllString(errb.String(), -1))
			switch {
			case mode == "-v" && (n != 0 || !strings.Contains(errb.String(), "reconnected after")):
				t.Fatalf("-v: %d extra lines; the event log should say it:\n%s", n, errb.String())
			case mode != "-v" && n != 1:
				t.Fatalf("%d recovery lines on stderr, want 1:\n%s", n, errb.String())
			}
			if mode != "--json" {
				return
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 3 {
				t.Fatalf("want ping, event, ping:\n%s", out.String())
			}
			var ev struct {
				Event      string  `json:"event"`
				AfterMS    float64 `json:"after_ms"`
				Cause      string  `json:"cause"`
				Reconnects int     `json:"reconnects"`
			}
			if err := json.Unmarshal([]byte(lines[1]), &ev); err != nil || ev.Event != "reconnected" || ev.Cause != "session expired" || ev.AfterMS <= 0 || ev.Reconnects != 1 {
				t.Fatalf("event line %s (%v)", lines[1], err)
			}
			for _, i := range []int{0, 2} {
				if !strings.HasPrefix(lines[i], `{"cmd":"ping","ok":true`) {
					t.Fatalf("line %d: %s", i, lines[i])
				}
			}
		})
	}
}

// The shell's exit status is its last command's, as in sh: a failure the
// script went past does not fail a run that ended well, and a last command
// that failed does.
func TestShellExitsWithTheLastCommand(t *testing.T) {
	d := startDemo(t, demo.Options{})
	if r := run(t, "call no_such_tool {}\nping\n", "shell", d.URL); r.code != 0 || !strings.Contains(r.stdout, "error:") {
		t.Fatalf("failure then success: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "ping\ncall no_such_tool {}\nquit\n", "shell", d.URL); r.code == 0 {
		t.Fatalf("success then failure: exit 0\n%s%s", r.stdout, r.stderr)
	}
}
