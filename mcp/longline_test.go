package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

// One long SSE line is one event, whole, and a line over the limit ends
// the stream as soon as the limit is passed: the tap never holds more than
// the limit and one read, whatever a hostile server sends.
func TestLongSSELine(t *testing.T) {
	const size = 16 << 20
	srv := httptest.NewServer(longLineServer(size, false))
	defer srv.Close()
	read := func(limit int) (events []string, total int64, err error) {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		tp := newTap(resp.Body, 0)
		defer tp.Close()
		err = tp.parse(limit, func(ev sseEvent) { events = append(events, ev.Data) })
		return events, tp.total.Load(), err
	}
	events, _, err := read(size + 4096)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || len(events[0]) < size || !json.Valid([]byte(events[0])) {
		t.Fatalf("%d events, the first of %d bytes", len(events), len(events[0]))
	}
	events, total, err := read(1 << 20)
	if !errors.Is(err, errSSETooLong) || len(events) != 0 {
		t.Fatalf("over the limit: %d events, err %v", len(events), err)
	}
	if total > 1<<20+tapChunk {
		t.Fatalf("read %d bytes past a limit of 1 MiB", total)
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
