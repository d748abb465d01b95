package mcp

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
)

// memListener is an in-memory network: Dial hands one end of a net.Pipe
// to Accept. Unlike loopback sockets, a goroutine blocked on a pipe is
// durably blocked, so a whole HTTP conversation (server, proxies, client)
// can run inside a testing/synctest bubble on its fake clock, where a
// loaded machine's stalls cannot pass for idle time.
type memListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

// Dial connects to the listener (whatever the address says).
func (l *memListener) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// client is an HTTP client whose every connection is dialled to l.
func (l *memListener) client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: l.Dial}}
}

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

// serveMem serves h on a new in-memory listener until the test ends.
func serveMem(t *testing.T, h http.Handler) *memListener {
	t.Helper()
	l := newMemListener()
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l
}
