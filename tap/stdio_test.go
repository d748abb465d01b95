package tap

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/mcp"
)

// TestMain lets the test binary act as the demo server over stdio.
func TestMain(m *testing.M) {
	switch os.Getenv("SONDE_TAP_STDIO") {
	case "demo":
		os.Stderr.WriteString("demo server on stdio\n")
		demo.NewServer(demo.Options{}).Run(context.Background(), &sdk.StdioTransport{})
		os.Exit(0)
	case "fail":
		os.Stderr.WriteString("cannot start: no config\n")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// tapStdio runs ServeStdio with the test binary as the server, connected
// to a go-sdk client through pipes.
func tapStdio(t *testing.T, mode string, set *fault.Set) (*sdk.ClientSession, *sessions, *strings.Builder, chan error, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := &sessions{evs: map[int][]mcp.Event{}, ended: map[int]bool{}}
	cr, tw := io.Pipe() // tap → client
	tr, cw := io.Pipe() // client → tap
	stderr := &syncBuilder{}
	done := make(chan error, 1)
	go func() {
		done <- ServeStdio(context.Background(), StdioOptions{Command: []string{exe, "-test.run=^$"}, Env: []string{"SONDE_TAP_STDIO=" + mode},
			Faults: set, Stderr: stderr, OnSession: c.sink}, tr, tw)
		tw.Close()
	}()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "stdio-client", Version: "2"}, nil).Connect(ctxT(t), &sdk.IOTransport{Reader: cr, Writer: cw}, nil)
	return cs, c, &stderr.b, done, err
}

type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func TestStdioTap(t *testing.T) {
	cs, c, stderr, done, err := tapStdio(t, "demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctxT(t), &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "over stdio"}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res); !strings.Contains(string(b), "over stdio") {
		t.Fatalf("echo: %s", b)
	}
	cs.Close()
	if err := <-done; err != nil {
		t.Fatalf("ServeStdio: %v", err)
	}
	conn := c.waitFor(t, 1, "connected", isConnected)
	if conn.Info.Transport != mcp.TransportStdio || mcp.ServerName(conn.Info.Client) != "stdio-client 2" {
		t.Fatalf("connected %+v", conn.Info)
	}
	c.waitFor(t, 1, "the call on stdin", func(e mcp.Event) bool { return isMsg(mcp.DirOut, "tools/call")(e) && e.Stream == "stdin" })
	c.waitFor(t, 1, "its answer on stdout", func(e mcp.Event) bool {
		return isMsg(mcp.DirIn, "tools/call")(e) && e.Stream == "stdout" && e.RPC == mcp.RPCResponse
	})
	c.waitFor(t, 1, "the server's stderr", func(e mcp.Event) bool { return e.Kind == mcp.KindStderr && e.Text == "demo server on stdio" })
	c.waitFor(t, 1, "the end", func(e mcp.Event) bool { return e.Kind == mcp.KindState && e.State == mcp.StateClosed })
	if !strings.Contains(stderr.String(), "demo server on stdio") {
		t.Errorf("the server's stderr did not reach the tap's: %q", stderr.String())
	}
}

// TestStdioTapServerFails: a server that exits at once is reported, its
// stderr passed on, and the tap exits with its status.
func TestStdioTapServerFails(t *testing.T) {
	_, c, stderr, done, err := tapStdio(t, "fail", nil)
	if err == nil {
		t.Fatal("the client connected to a server that exited")
	}
	var xe *mcp.ExitError
	if e := <-done; e == nil || !asExit(e, &xe) || xe.Code != 3 {
		t.Fatalf("ServeStdio: %v, want exit status 3", e)
	}
	if !strings.Contains(stderr.String(), "cannot start") {
		t.Errorf("stderr %q", stderr.String())
	}
	c.waitFor(t, 1, "the exit", func(e mcp.Event) bool { return strings.Contains(e.Text, "status 3") })
}

func TestStdioTapFault(t *testing.T) {
	set := fault.NewSet()
	sp, _ := fault.Parse("duplicate method=tools/call")
	set.Add(sp)
	cs, c, _, done, err := tapStdio(t, "demo", set)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(ctxT(t), &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "twice"}}); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, 1, "the fault", func(e mcp.Event) bool { return e.Kind == mcp.KindFault && e.Method == "duplicate" })
	c.waitFor(t, 1, "the second answer", func(e mcp.Event) bool { return strings.Contains(e.Err, "duplicate answer") })
	cs.Close()
	<-done
}

func asExit(err error, xe **mcp.ExitError) bool {
	e, ok := err.(*mcp.ExitError)
	*xe = e
	return ok
}
