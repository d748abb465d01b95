package mcp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sse "github.com/tmaxmax/go-sse"
)

// longLineServer is a hostile server: every POST is answered with one SSE
// event whose data line is a JSON-RPC answer of size bytes, written in 4 KiB
// pieces; with asJSON the same answer comes as application/json.
func longLineServer(size int, asJSON bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := DecodeMessage(mustRead(r.Body))
		if r.Method != http.MethodPost || err != nil {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if len(m.ID) == 0 {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		id := string(m.ID)
		head := `{"jsonrpc":"2.0","id":` + id + `,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"long","version":"1"},"x":"`
		if asJSON {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, head)
		} else {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: "+head)
		}
		chunk := bytes.Repeat([]byte("a"), 4096)
		for n := len(head); n < size; n += len(chunk) {
			w.Write(chunk)
		}
		if asJSON {
			io.WriteString(w, `"}}`)
		} else {
			io.WriteString(w, "\"}}\n\n")
		}
	}
}

func mustRead(r io.Reader) []byte {
	b, _ := io.ReadAll(r)
	return b
}

// countReads counts the reads go-sse makes.
type countReads struct {
	r     io.Reader
	reads int
}

func (c *countReads) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// One long SSE line reaches go-sse in a few large reads, however the
// network cuts it: go-sse's scanner looks at its whole buffer again after
// every read, so a 64 MiB line fed 32 KiB at a time cost 2,048 scans of up
// to 64 MiB each (25 s).
func TestLongSSELineFewReads(t *testing.T) {
	const size = 16 << 20
	srv := httptest.NewServer(longLineServer(size, false))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	tp := newTap(resp.Body, 0)
	defer tp.Close()
	cr := &countReads{r: tp}
	events := 0
	for ev, err := range sse.Read(cr, &sse.ReadConfig{MaxEventSize: size + 4096}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Data) < size {
			t.Fatalf("event of %d bytes", len(ev.Data))
		}
		events++
	}
	if events != 1 {
		t.Fatalf("%d events", events)
	}
	// The scanner's buffer starts at 4 KiB and doubles: 13 reads fill it
	// to 16 MiB when each read fills what is free.
	t.Logf("%d reads", cr.reads)
	if cr.reads > 40 {
		t.Fatalf("go-sse needed %d reads for one %d MiB line", cr.reads, size>>20)
	}
}

// BenchmarkLongSSELine is a whole call whose answer is one long line, as
// an SSE event and as application/json, against a loopback server: time
// must grow linearly with the size.
func BenchmarkLongSSELine(b *testing.B) {
	for _, kind := range []string{"sse", "json"} {
		for _, mib := range []int{8, 16, 32, 64} {
			b.Run(fmt.Sprintf("%s-%dMiB", kind, mib), func(b *testing.B) {
				size := mib << 20
				srv := httptest.NewServer(longLineServer(size, kind == "json"))
				defer srv.Close()
				b.SetBytes(int64(size))
				for b.Loop() {
					s, err := Dial(b.Context(), Config{URL: srv.URL, Transport: TransportHTTP, Protocol: "2025-11-25",
						Keepalive: -1, MaxMessage: size + 1<<20})
					if err != nil {
						b.Fatal(err)
					}
					s.Close()
				}
			})
		}
	}
}
