package mcp

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// A hostile server sends megabytes of headers with every answer: each
// event keeps at most maxHeaderKept bytes of them and says what it left
// out, whether they come as one huge value or as many headers.
func TestHugeResponseHeadersAreCapped(t *testing.T) {
	for name, junk := range map[string]func(http.Header){
		"one value": func(h http.Header) { h.Set("X-Junk", strings.Repeat("j", 8<<20)) },
		"many headers": func(h http.Header) {
			v := strings.Repeat("j", 4<<10)
			for i := range 2048 {
				h.Set("X-Junk-"+strings.Repeat("k", i%7)+string(rune('a'+i%26))+strings.Repeat("x", i/26), v)
			}
		},
		"long name": func(h http.Header) { h.Set("X-"+strings.Repeat("n", 1<<20), "v") },
	} {
		t.Run(name, func(t *testing.T) {
			f := &streamFake{}
			f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
				junk(w.Header())
				return false
			}
			s, log := dialT(t, Config{URL: startStream(t, f).URL, Keepalive: -1})
			for range 3 {
				if _, err := s.Call(context.Background(), "tools/list", nil); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			capped := 0
			for _, e := range log.all() {
				if n := headerSize(e.Header); n > maxHeaderKept {
					t.Fatalf("%s event keeps %d bytes of headers", e.Label(), n)
				}
				if e.Kind == KindHTTP && e.Dir == DirIn && strings.HasPrefix(e.Text, "headers truncated: ") && strings.Contains(e.Text, ", kept ") {
					capped++
				}
			}
			if capped < 4 { // initialize, notifications/initialized, 3 × tools/list
				t.Fatalf("%d responses say their headers were truncated", capped)
			}
		})
	}
}

// An 8 MB session id would go back to the server with every request and
// into every connection info: the session is refused with a clear error.
func TestHugeSessionIDRefused(t *testing.T) {
	f := &streamFake{}
	f.custom = func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool {
		if m.Method == "initialize" {
			w.Header().Set("Mcp-Session-Id", strings.Repeat("s", 1<<20))
		}
		return false
	}
	_, err := Dial(ctxT(t), Config{URL: startStream(t, f).URL, Transport: TransportHTTP, Protocol: "2025-11-25", Keepalive: -1})
	if err == nil || !strings.Contains(err.Error(), "Mcp-Session-Id is 1 MiB long") {
		t.Fatalf("got %v", err)
	}
}

func TestKeepHeader(t *testing.T) {
	h := http.Header{"A": {"small"}, "B": {strings.Repeat("b", maxHeaderValue+1)}}
	got, note := keepHeader(h)
	if got["A"][0] != "small" || got["B"][0] != "[8.0 KiB not kept]" || note != "headers truncated: 8.0 KiB, kept 25 B" {
		t.Fatalf("%v %q", got, note)
	}
	small := http.Header{"A": {"x"}}
	if got, note := keepHeader(small); note != "" || got["A"][0] != "x" {
		t.Fatalf("%v %q", got, note)
	}
}
