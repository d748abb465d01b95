package mcp

import (
	"bytes"
	"io"
	"testing"

	sse "github.com/tmaxmax/go-sse"

	"github.com/sonde-mcp/sonde/internal/benchdata"
)

// BenchmarkIngestStages breaks the ingest path down: go-sse alone (the
// floor sonde is compared with), the tap's own SSE parser alone, plus the
// envelope scan, and the full path with events.
func BenchmarkIngestStages(b *testing.B) {
	data := benchdata.IngestStream(10000)
	b.Run("1-bare", func(b *testing.B) {
		for b.Loop() {
			for range sse.Read(bytes.NewReader(data), nil) {
			}
		}
	})
	b.Run("2-tap", func(b *testing.B) {
		for b.Loop() {
			tp := newTap(io.NopCloser(bytes.NewReader(data)), 0)
			tp.parse(1<<20, func(sseEvent) {})
		}
	})
	b.Run("3-tap-envelope", func(b *testing.B) {
		for b.Loop() {
			tp := newTap(io.NopCloser(bytes.NewReader(data)), 0)
			tp.parse(1<<20, func(ev sseEvent) { scanEnvelope([]byte(ev.Data)) })
		}
	})
	b.Run("4-full", func(b *testing.B) {
		for b.Loop() {
			DecodeSSE(bytes.NewReader(data), 0, func(Event) {})
		}
	})
}
