package mcp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sonde-mcp/sonde/internal/testenv"
)

// idleProxy is a proxy that cuts a connection when no byte has crossed it
// in either direction for idle, like a load balancer's idle timeout. It
// runs on the in-memory network inside a synctest bubble: on loopback, a
// loaded machine that stalls the whole test process for longer than idle
// looked like an idle stream to the proxy's own clock (the keepalive case
// failed that way under load).
type idleProxy struct {
	ln   *memListener
	idle time.Duration
	cuts atomic.Int32
}

func newIdleProxy(t *testing.T, backend *memListener, idle time.Duration) *idleProxy {
	t.Helper()
	p := &idleProxy{ln: newMemListener(), idle: idle}
	go func() {
		for {
			c, err := p.ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c, backend)
		}
	}()
	t.Cleanup(func() { p.ln.Close() })
	return p
}

func (p *idleProxy) serve(c net.Conn, backend *memListener) {
	b, err := backend.Dial(context.Background(), "", "")
	if err != nil {
		c.Close()
		return
	}
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done); c.Close(); b.Close() }) }
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				last.Store(time.Now().UnixNano())
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		stop()
	}
	go pipe(b, c)
	go pipe(c, b)
	tick := time.NewTicker(p.idle / 10)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			if time.Since(time.Unix(0, last.Load())) > p.idle {
				p.cuts.Add(1)
				stop()
				return
			}
		}
	}
}

// The seed report: behind a proxy that cuts streams idle for a while, the
// next tool call after a long pause must still succeed. With the default
// keepalive the stream never looks idle; with keepalive off the cut is
// noticed at once and the session re-established before the call.
func TestProxyIdleCutNeverCostsACall(t *testing.T) {
	t.Run("keepalive", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &legacyFake{endpoint: "/message", query: "sessionId"}
			p := newIdleProxy(t, serveMem(t, f), 1500*time.Millisecond)
			s, _ := dialT(t, Config{URL: "http://proxy.test/sse", HTTPClient: p.ln.client(), Keepalive: 100 * time.Millisecond})
			time.Sleep(3500 * time.Millisecond) // sleep: the bubble's clock, the pause between two calls
			callEcho(t, s)
			// The proxy may cut idle pooled POST connections; the stream must
			// survive.
			if s.Info().Reconnects != 0 || f.gets.Load() != 1 {
				t.Fatalf("reconnects %d, GETs %d: keepalive did not keep the stream busy", s.Info().Reconnects, f.gets.Load())
			}
			s.Close()
		})
	})
	t.Run("no keepalive", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &legacyFake{endpoint: "/message", query: "sessionId"}
			p := newIdleProxy(t, serveMem(t, f), 400*time.Millisecond)
			s, log := dialT(t, Config{URL: "http://proxy.test/sse", HTTPClient: p.ln.client(), Keepalive: -1})
			time.Sleep(1500 * time.Millisecond) // sleep: the bubble's clock, long enough for the proxy's cut
			callEcho(t, s)
			if p.cuts.Load() == 0 || s.Info().Reconnects == 0 {
				t.Fatalf("cuts %d, reconnects %d: the test did not exercise a cut", p.cuts.Load(), s.Info().Reconnects)
			}
			if log.count(func(e Event) bool { return e.Kind == KindState && e.State == StateReconnecting }) == 0 {
				t.Fatalf("no reconnecting state event")
			}
			s.Close()
		})
	})
}

// A legacy stream that dies with a request in flight: the request fails
// with a clear message, the session is re-established (new GET, new
// endpoint, initialize again) and the next call works.
func TestLegacyStreamLostMidCall(t *testing.T) {
	f := &legacyFake{endpoint: "/message", query: "sessionId"}
	release := make(chan struct{})
	f.onFrame = func(frame []byte) [][]byte {
		m, _ := DecodeMessage(frame)
		if m != nil && m.Method == "tools/call" && strings.Contains(string(m.Params), `"hang"`) {
			close(release)
			return [][]byte{}
		}
		return nil
	}
	srv := startLegacy(t, f)
	s, log := dialT(t, Config{URL: srv.URL + "/sse", Keepalive: -1})
	go func() {
		<-release
		// the stream dies once the call's POST has its 202: the request
		// is then in flight with nothing left to fail but the stream
		testenv.Poll(5*time.Second, func() bool { return accepted(log) >= int(f.posts.Load()) })
		srv.CloseClientConnections()
	}()
	_, err := s.Call(ctxT(t), "tools/call", map[string]any{"name": "hang"})
	var le *LostError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "connection lost before the answer to tools/call arrived") {
		t.Fatalf("got %v", err)
	}
	callEcho(t, s)
	if f.gets.Load() < 2 || s.Info().Reconnects < 1 {
		t.Fatalf("gets %d reconnects %d", f.gets.Load(), s.Info().Reconnects)
	}
	inits := 0
	for _, e := range log.all() {
		if e.RPC == RPCResponse && e.ReqMethod == "initialize" {
			inits++
		}
	}
	if inits != 2 {
		for _, e := range log.all() {
			t.Logf("%s %s %s %s", e.Dir, e.Label(), e.Summary(), e.Err)
		}
		t.Fatalf("%d initialize requests", inits)
	}
}

// The idle watchdog closes a stream that stays silent (a half-open
// connection sends nothing at all) and re-opens it.
func TestIdleWatchdogReopens(t *testing.T) {
	f := &legacyFake{endpoint: "/message", query: "sessionId"}
	srv := startLegacy(t, f)
	s, log := dialT(t, Config{URL: srv.URL + "/sse", Keepalive: -1, IdleTimeout: 300 * time.Millisecond})
	eventually(t, "the stream re-opened", func() bool { return f.gets.Load() >= 2 })
	callEcho(t, s)
	if log.count(func(e Event) bool { return strings.Contains(e.Err, "silent for 300ms") }) == 0 {
		t.Fatalf("idle cut not explained")
	}
}

// A server that went away for good: reconnects are bounded and the
// session ends in an error state; a later call makes one more attempt and
// fails with what it found.
func TestReconnectGivesUp(t *testing.T) {
	f := &legacyFake{endpoint: "/message", query: "sessionId"}
	srv := startLegacy(t, f)
	s, log := dialT(t, Config{URL: srv.URL + "/sse", Keepalive: -1, MaxReconnects: 2, Timeout: time.Second})
	srv.CloseClientConnections()
	srv.Listener.Close()
	if !testenv.Poll(10*time.Second, func() bool { return s.State() == StateError }) {
		t.Fatalf("state %s", s.State())
	}
	if n := log.count(func(e Event) bool { return e.Kind == KindState && e.State == StateReconnecting }); n != 2 {
		t.Fatalf("%d reconnect attempts", n)
	}
	if n := log.count(func(e Event) bool {
		return e.State == StateError && strings.Contains(e.Text, "not re-established after 2 attempts")
	}); n != 1 {
		t.Fatalf("giving up not reported")
	}
	_, err := s.Call(ctxT(t), "ping", nil)
	var ce *ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	if n := log.count(func(e Event) bool { return e.Kind == KindState && e.State == StateReconnecting }); n != 3 {
		t.Fatalf("%d reconnect attempts, want one more for the call", n)
	}
	if s.State() != StateError {
		t.Fatalf("state %s", s.State())
	}
}

// HTTP_PROXY/HTTPS_PROXY/NO_PROXY are honoured (read when dialing).
func TestProxyFromEnvironment(t *testing.T) {
	f := &streamFake{json: true}
	target := startStream(t, f)
	var proxied atomic.Int32
	tu, _ := url.Parse(target.URL)
	rp := httputil.NewSingleHostReverseProxy(tu)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Host == "mcp.example.invalid" {
			proxied.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	s, _ := dialT(t, Config{URL: "http://mcp.example.invalid/mcp", Keepalive: -1})
	callEcho(t, s)
	if proxied.Load() < 2 {
		t.Fatalf("%d requests through the proxy", proxied.Load())
	}
	t.Setenv("NO_PROXY", "mcp.example.invalid")
	_, err := Dial(ctxT(t), Config{URL: "http://mcp.example.invalid/mcp", Timeout: 2 * time.Second})
	var ce *ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("with NO_PROXY the name should not resolve: %v", err)
	}
}

// TLS is verified unless --insecure.
func TestTLSVerification(t *testing.T) {
	f := &streamFake{json: true}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	_, err := Dial(ctxT(t), Config{URL: srv.URL, Timeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("got %v", err)
	}
	s, _ := dialT(t, Config{URL: srv.URL, Insecure: true, Keepalive: -1})
	callEcho(t, s)
	_ = tls.VersionTLS12
}

// Unreachable servers give a ConnectError naming the target.
func TestUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := Dial(ctxT(t), Config{URL: "http://" + addr + "/mcp"})
	var ce *ConnectError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v", err)
	}
}

var _ = io.EOF
