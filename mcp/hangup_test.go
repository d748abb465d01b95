package mcp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// A server that closes the connection after reading a call's POST and
// before answering (a crash, a restart, a proxy dropping it): the call
// fails with words that say so and that the request may have run, not a
// bare "EOF"; it is not sent again (it may have reached the server); and
// the next call works.
func TestServerHangingUpBeforeAnswering(t *testing.T) {
	newServer := func(*http.Request) *sdk.Server { return goSDKServer() }
	for _, tc := range []struct {
		name  string
		inner http.Handler
		kind  TransportKind
	}{
		{"streamable", sdk.NewStreamableHTTPHandler(newServer, nil), TransportHTTP},
		{"legacy-sse", sdk.NewSSEHandler(newServer, nil), TransportSSE},
	} {
		t.Run(tc.name, func(t *testing.T) { hangUpOnce(t, tc.inner, tc.kind) })
	}
}

func hangUpOnce(t *testing.T, inner http.Handler, kind TransportKind) {
	var hangups atomic.Int32
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte(`"tools/call"`)) {
				if calls.Add(1) == 1 {
					hangups.Add(1)
					c, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						c.Close()
					}
					return
				}
			}
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s, log := dialT(t, Config{URL: srv.URL, Transport: kind})
	_, err := s.Call(context.Background(), "tools/call", map[string]any{"name": "sum", "arguments": map[string]any{"a": 2, "b": 3}})
	if err == nil {
		t.Fatal("the call succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "closed the connection without answering") || !strings.Contains(msg, "not sent again") {
		t.Errorf("error %q does not say what happened", msg)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the call reached the server %d times", n)
	}
	found := false
	for _, e := range log.all() {
		found = found || (e.Kind == KindError && strings.Contains(e.Err, "closed the connection without answering"))
	}
	if !found {
		t.Error("no error event says it")
	}
	callSum(t, s)
	if hangups.Load() != 1 {
		t.Errorf("%d hang-ups", hangups.Load())
	}
}
