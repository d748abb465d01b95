package tap

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/internal/benchdata"
	"github.com/sonde-mcp/sonde/mcp"
)

// BenchmarkTapToolsCall: a loopback tools/call by the go-sdk client,
// straight to the demo server and through the tap (events decoded and
// delivered), side by side; p50-µs is the median call. The tap's cost is
// the difference of the two medians.
func BenchmarkTapToolsCall(b *testing.B) {
	for _, jsonAnswers := range []bool{false, true} {
		name := "sse-answers"
		if jsonAnswers {
			name = "json-answers"
		}
		d, err := demo.Start(context.Background(), demo.Options{JSONResponse: jsonAnswers})
		if err != nil {
			b.Fatal(err)
		}
		var delivered atomic.Int64
		p, err := New(Options{Upstream: d.URL, OnSession: func(SessionInfo) Sink {
			return Sink{OnEvent: func(mcp.Event) { delivered.Add(1) }}
		}})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(p)
		for _, via := range []struct{ name, url string }{{"direct", d.URL}, {"tap", ts.URL + "/mcp"}} {
			b.Run(name+"/"+via.name, func(b *testing.B) {
				ctx := context.Background()
				cs, err := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: via.url}, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer cs.Close()
				params := &sdk.CallToolParams{Name: demo.ToolEcho, Arguments: map[string]any{"text": "bench"}}
				var lat []time.Duration
				for b.Loop() {
					t0 := time.Now()
					if _, err := cs.CallTool(ctx, params); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			})
		}
		ts.Close()
		p.Close()
		d.Close()
	}
}

// BenchmarkTapSSEIngest: the SSE ingest benchmark's stream (10,000
// events) from a loopback server, read by a client directly and through
// the tap (which decodes every event and delivers it), next to sonde's
// own decoding of the same bytes in memory (BenchmarkSSEIngest's
// sonde-DecodeSSE). events/s counts the client's events; through the
// tap, an op ends only when the tap has delivered all of them.
func BenchmarkTapSSEIngest(b *testing.B) {
	const n = 10000
	data := benchdata.IngestStream(n)
	messages := int64(n - n/50)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.Write(data)
	}))
	defer up.Close()
	b.Run("decode-in-memory", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			mcp.DecodeSSE(bytes.NewReader(data), 0, func(mcp.Event) {})
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	get := func(b *testing.B, url string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Mcp-Session-Id", "bench") // a Streamable GET stream: no endpoint to wait for
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	b.Run("direct", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			get(b, up.URL+"/mcp")
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("tap", func(b *testing.B) {
		var got atomic.Int64
		more := make(chan struct{}, 1) // got grew since the last look
		p, err := New(Options{Upstream: up.URL + "/mcp", OnSession: func(SessionInfo) Sink {
			return Sink{OnEvent: func(e mcp.Event) {
				if e.Kind == mcp.KindMessage {
					got.Add(1)
					select {
					case more <- struct{}{}:
					default:
					}
				}
			}}
		}})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(p)
		defer ts.Close()
		defer p.Close()
		b.SetBytes(int64(len(data)))
		want := int64(0)
		for b.Loop() {
			get(b, ts.URL+"/mcp")
			want += messages
			for got.Load() < want {
				<-more
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
