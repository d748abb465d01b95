package fault

import (
	"bytes"
	"io"
	"testing"
)

// chunked hands out its bytes in pieces of the sizes given (cycled).
type chunked struct {
	b     []byte
	sizes []byte
	i     int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(c.sizes) > 0 {
		n = int(c.sizes[c.i%len(c.sizes)])%97 + 1
		c.i++
	}
	n = min(n, len(p), len(c.b))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

func (c *chunked) Close() error { return nil }

// passThrough runs in through a stream whose faults act on no message in
// it and returns what comes out.
func passThrough(t *testing.T, in, sizes []byte, fr framing) []byte {
	set := NewSet()
	for _, s := range []string{"corrupt method=never/this", "duplicate method=never/this", "reorder method=never/this"} {
		sp, _ := Parse(s)
		set.Add(sp)
	}
	st := newStream(&conn{set: set}, &chunked{b: in, sizes: sizes}, fr, "GET", "", "")
	st.start("")
	out, err := io.ReadAll(st)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return out
}

// FuzzStreamPassThrough: what no fault acts on comes out byte for byte,
// however upstream cuts it: CR, LF and CRLF endings, comments, unknown
// fields, events without an end, answers to other methods.
func FuzzStreamPassThrough(f *testing.F) {
	f.Add([]byte("event: endpoint\ndata: /m?sessionId=1\n\n: ping\r\n\r\nid: 4\nretry: 50\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\r\rdata: tail"), []byte{1, 2, 3})
	f.Add([]byte("\xef\xbb\xbfdata: x\r\n\r\n\n\n\rdata: {}\n\n"), []byte{0})
	f.Add([]byte("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n{\"jsonrpc\":\"2.0\",\"method\":\"n\"}\r\nno newline"), []byte{5, 90})
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		for _, fr := range []framing{sseFrames, lineFrames} {
			if out := passThrough(t, in, sizes, fr); !bytes.Equal(out, in) {
				t.Fatalf("framing %d: out %q, want %q", fr, out, in)
			}
		}
	})
}
