package fault

import (
	"bytes"
	"io"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Stdio wraps one stdio connection with the set's faults: stdin carries
// the client's lines to the server (delay holds a request, and everything
// behind it, as a slow pipe would; the requests' methods are remembered),
// stdout carries the server's lines to the client (duplicate, reorder and
// corrupt act on answers). Faults that need HTTP (streams, sessions,
// statuses, SSE injections) do nothing here; see [Set.HTTPOnly]. A set
// without faults returns both as they are. It implements [mcp.Faults]
// for sonde's own connections.
func (s *Set) Stdio(stdin io.WriteCloser, stdout io.Reader, report func(mcp.Event)) (io.WriteCloser, io.Reader) {
	if s.Empty() {
		return stdin, stdout
	}
	c := &conn{set: s, report: report}
	st := newStream(c, io.NopCloser(stdout), lineFrames, "stdout", "", "")
	st.start("")
	return &lineWriter{c: c, w: stdin}, st
}

// HTTPOnly lists the faults of the set that do nothing over stdio.
func (s *Set) HTTPOnly() []*Fault {
	var out []*Fault
	for _, f := range s.Faults() {
		if f.Kind.HTTPOnly() {
			out = append(out, f)
		}
	}
	return out
}

// lineWriter passes a client's lines to a server's stdin, holding the
// requests a delay fault takes.
type lineWriter struct {
	c   *conn
	mu  sync.Mutex
	w   io.WriteCloser
	buf []byte // a line not yet ended
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			return n, nil
		}
		line := p[:i+1]
		if len(l.buf) > 0 {
			line = append(l.buf, line...)
			l.buf = nil
		}
		p = p[i+1:]
		l.request(line)
		if _, err := l.w.Write(line); err != nil {
			return n - len(p), err
		}
	}
	return n, nil
}

// request remembers a request's method and applies delay to it.
func (l *lineWriter) request(line []byte) {
	for _, m := range messagesIn(bytes.TrimRight(line, "\r\n")) {
		if m.rpc != mcp.RPCRequest {
			continue
		}
		l.c.methods.put(m.id, m.method)
		if f := l.c.set.first(Delay, m.method); f != nil && f.take() {
			l.c.emit(event(Delay, "stdin", m.id, m.method, describe(f, "held %s for %s before sending it on", what(m.method, m.id), f.Delay)))
			time.Sleep(f.Delay)
		}
	}
}

func (l *lineWriter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.w.Write(l.buf)
		l.buf = nil
	}
	return l.w.Close()
}
