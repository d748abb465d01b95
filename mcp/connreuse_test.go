package mcp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// closeCounter counts the connections the client closes.
type closeCounter struct {
	net.Conn
	n *atomic.Int64
}

func (c *closeCounter) Close() error {
	c.n.Add(1)
	return c.Conn.Close()
}

// TestWarmCallsKeepTheConnection: warm calls to a Streamable HTTP server
// that answers on an SSE stream and closes it reuse their connections.
// The call returned at the answer and cancelled the stream before net/http
// had read its end, which closed the connection: about one call in eight
// opened a new one (and closed one), measured against the go-sdk.
func TestWarmCallsKeepTheConnection(t *testing.T) {
	srv := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return goSDKServer() }, nil))
	defer srv.Close()
	var closed atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: 16, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &closeCounter{Conn: c, n: &closed}, nil
	}}
	defer tr.CloseIdleConnections()
	s, err := Dial(context.Background(), Config{URL: srv.URL, Keepalive: -1, Transport: TransportHTTP, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	params := map[string]any{"name": "sum", "arguments": map[string]any{"a": 2, "b": 3}}
	const calls = 200
	before := closed.Load()
	for range calls {
		if _, err := s.Call(context.Background(), "tools/call", params); err != nil {
			t.Fatal(err)
		}
	}
	// A stall of the whole process longer than answerGrace could still
	// cut a stream or two on a loaded machine; the fault closed ~25.
	if n := closed.Load() - before; n > 2 {
		t.Errorf("%d connections closed by the client during %d warm calls, want none", n, calls)
	}
}

// TestHeldAnswerStreamIsCut: a server that keeps a call's SSE stream open
// after answering on it gets its answer through at once, and loses the
// stream soon after (answerGrace): held streams never pile up.
func TestHeldAnswerStreamIsCut(t *testing.T) {
	cut := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(r.Body)
		answer := fakeAnswer(body)
		if answer == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if !bytes.Contains(body, []byte(`"tools/call"`)) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(answer)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: message\ndata: %s\n\n", answer)
		w.(http.Flusher).Flush()
		<-r.Context().Done() // held open until the client lets go
		cut <- struct{}{}
	}))
	defer srv.Close()
	s, err := Dial(context.Background(), Config{URL: srv.URL, Keepalive: -1, Transport: TransportHTTP})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := s.Call(context.Background(), "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": "hi"}})
	if err != nil || !bytes.Contains(raw, []byte(`"hi"`)) {
		t.Fatalf("call: %s, %v", raw, err)
	}
	select {
	case <-cut:
	case <-time.After(30 * time.Second):
		t.Fatal("the held answer stream was never cut")
	}
}
