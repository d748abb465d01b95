package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	sse "github.com/tmaxmax/go-sse"

	"github.com/sonde-mcp/sonde/internal/benchdata"
)

// BenchmarkSSEIngest compares sonde's full decode path (tap, go-sse,
// JSON-RPC decoding, events) with go-sse's bare sse.Read over the same
// bytes, which is the upper limit. Run both in one go and compare events/s.
func BenchmarkSSEIngest(b *testing.B) {
	const n = 10000
	data := benchdata.IngestStream(n)
	b.Run("bare-sse.Read", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		events := 0
		for b.Loop() {
			for _, err := range sse.Read(bytes.NewReader(data), nil) {
				if err != nil {
					b.Fatal(err)
				}
				events++
			}
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("sonde-DecodeSSE", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		events := 0
		for b.Loop() {
			err := DecodeSSE(bytes.NewReader(data), 0, func(e Event) {
				if e.Kind == KindMessage {
					events++
				}
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkWarmCall compares a warm tools/call through sonde with a bare
// net/http POST doing the same exchange (same headers, SSE answer read and
// decoded) against the go-sdk Streamable HTTP handler over loopback. The
// p50 of each is reported.
func BenchmarkWarmCall(b *testing.B) {
	srv := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return goSDKServer() }, nil))
	defer srv.Close()
	params := map[string]any{"name": "sum", "arguments": map[string]any{"a": 2, "b": 3}}
	p50 := func(b *testing.B, ds []time.Duration) {
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
		b.ReportMetric(0, "ns/op")
	}

	sonde := func(onEvent func(Event), oauth ...OAuthHandler) func(b *testing.B) {
		return func(b *testing.B) {
			cfg := Config{URL: srv.URL, Keepalive: -1, Transport: TransportHTTP, OnEvent: onEvent}
			if len(oauth) > 0 {
				cfg.OAuth = oauth[0]
			}
			s, err := Dial(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var ds []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := s.Call(context.Background(), "tools/call", params); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			p50(b, ds)
		}
	}
	b.Run("sonde", sonde(nil))
	// with a consumer of the events (the recorder, the UI): the call
	// returns once the dispatcher has delivered its answer
	b.Run("sonde-with-events", sonde(func(Event) {}))
	// signed in: every request carries the token of the sign-in
	b.Run("sonde-signed-in", sonde(nil, staticAuth{token: "tok-1234567"}))

	b.Run("bare-net/http", func(b *testing.B) {
		hc := &http.Client{}
		post := func(sid string, body string) (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if sid != "" {
				req.Header.Set("Mcp-Session-Id", sid)
				req.Header.Set("MCP-Protocol-Version", LatestProtocol)
			}
			return hc.Do(req)
		}
		resp, err := post("", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bare","version":"0"}}}`)
		if err != nil {
			b.Fatal(err)
		}
		sid := resp.Header.Get("Mcp-Session-Id")
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		resp, _ = post(sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		pb, _ := json.Marshal(params)
		var ds []time.Duration
		id := 1
		for b.Loop() {
			id++
			t0 := time.Now()
			resp, err := post(sid, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":%s}`, id, pb))
			if err != nil {
				b.Fatal(err)
			}
			// Read the SSE answer and decode its data line, as a client must.
			sc := bufio.NewScanner(resp.Body)
			var result struct {
				Result json.RawMessage `json:"result"`
			}
			for sc.Scan() {
				if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok && line != "" {
					if err := json.Unmarshal([]byte(line), &result); err != nil {
						b.Fatal(err)
					}
					break
				}
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if result.Result == nil {
				b.Fatal("no result")
			}
			ds = append(ds, time.Since(t0))
		}
		p50(b, ds)
	})
}

// BenchmarkScanEnvelope measures the envelope scan on typical messages.
func BenchmarkScanEnvelope(b *testing.B) {
	msgs := [][]byte{
		[]byte(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":33,"total":10000,"message":"step 33 of the long operation"}}`),
		[]byte(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","logger":"worker","data":"processed item 34"}}`),
		[]byte(`{"jsonrpc":"2.0","id":35,"result":{"content":[{"type":"text","text":"result number 35"}]}}`),
	}
	for b.Loop() {
		for _, m := range msgs {
			if _, err := scanEnvelope(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
