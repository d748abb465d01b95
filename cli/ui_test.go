package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui"
)

// lockedBuffer is an output the test reads while the UI writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// withTerminal makes runTUI draw into a pipe-driven terminal of its own
// for the test: it returns where to type.
func withTerminal(t *testing.T) io.Writer {
	t.Helper()
	inR, inW := io.Pipe()
	orig := runTUI
	t.Cleanup(func() { runTUI = orig; inW.Close() })
	runTUI = func(ctx context.Context, opts ui.Options) error {
		opts.ProgramOptions = []tea.ProgramOption{tea.WithInput(inR), tea.WithOutput(&lockedBuffer{}), tea.WithWindowSize(100, 30), tea.WithoutSignals()}
		return ui.Run(ctx, opts)
	}
	return inW
}

// A server chosen in the UI's picker (here from --config, whose entry
// carries an Authorization header the recorder was never told about)
// has its token scrubbed from the recording: the UI hands the recorder
// the configuration it dials. The server echoes the token it received
// URL-escaped in its instructions (as in a redirect URL): the session's
// own scrubbing knows only the plain form, so without the recorder's
// knowing the token this form would reach the file.
func TestPickedServerSecretsStayOutOfTheRecording(t *testing.T) {
	const token = "s3cr3t/T0KEN+picked=in-the-UI"
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, ".state"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".data"))
	srv := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(r *http.Request) *sdk.Server {
		seen := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		return sdk.NewServer(&sdk.Implementation{Name: "echo-token", Version: "1"}, &sdk.ServerOptions{Instructions: "token seen: " + url.QueryEscape(seen)})
	}, nil))
	defer srv.Close()
	cfgFile := filepath.Join(home, "servers.json")
	os.WriteFile(cfgFile, []byte(`{"mcpServers":{"picked":{"type":"http","url":"`+srv.URL+`","headers":{"Authorization":"Bearer `+token+`"}}}}`), 0o600)

	keys := withTerminal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"--config", cfgFile}, Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb})
	}()
	keys.Write([]byte("\r")) // the picker: connect to the first server
	dir, _ := config.SessionsDir()
	var file string
	if !testenv.Poll(20*time.Second, func() bool {
		list, _ := store.List(dir)
		if len(list) == 1 {
			if b, _ := os.ReadFile(list[0].Path); bytes.Contains(b, []byte("token seen: ")) {
				file = list[0].Path
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the session never reached the recording (%s)", errb.String())
	}
	keys.Write([]byte("q"))
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("q did not quit")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(token)) || bytes.Contains(b, []byte(url.QueryEscape(token))) {
		t.Fatalf("the token reached the recording:\n%s", b)
	}
	if !bytes.Contains(b, []byte("token seen: "+mcp.Redacted)) {
		t.Fatalf("the server's echo is not in the recording (the test proves nothing):\n%.2000s", b)
	}
}

// `sonde replay` with no FILE opens the recordings picker on the sessions
// directory, at the speed asked for (0: instant).
func TestReplayWithoutFileOpensThePicker(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	var gotDir string
	var gotSpeed float64
	orig := replayPicker
	defer func() { replayPicker = orig }()
	replayPicker = func(ctx context.Context, o *options, env Env, dir string, speed float64) error {
		gotDir, gotSpeed = dir, speed
		return nil
	}
	if res := run(t, "", "replay"); res.code != 0 || gotDir != filepath.Join(data, "sonde", "sessions") || gotSpeed != 1 {
		t.Fatalf("exit %d (%s): dir %q speed %v", res.code, res.stderr, gotDir, gotSpeed)
	}
	if res := run(t, "", "replay", "--speed", "0"); res.code != 0 || gotSpeed != store.Instant {
		t.Fatalf("--speed 0: exit %d, speed %v", res.code, gotSpeed)
	}
	if res := run(t, "", "replay", "--print"); res.code == 0 {
		t.Fatal("replay --print needs a FILE")
	}
}

// `sonde demo` starts the demo server, opens the UI on it and records the
// session; q ends both.
func TestDemoLifecycle(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, ".state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	keys := withTerminal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"demo"}, Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb})
	}()
	dir, _ := config.SessionsDir()
	if !testenv.Poll(20*time.Second, func() bool {
		list, _ := store.List(dir)
		if len(list) == 1 {
			b, _ := os.ReadFile(list[0].Path)
			return bytes.Contains(b, []byte("create_booking"))
		}
		return false
	}) {
		t.Fatalf("the demo's tools never reached the recording (%s)", errb.String())
	}
	keys.Write([]byte("q"))
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("q did not quit")
	}
}
