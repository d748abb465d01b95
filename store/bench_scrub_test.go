package store

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/sonde-mcp/sonde/internal/benchdata"
	"github.com/sonde-mcp/sonde/mcp"
)

// BenchmarkRecorderScrub: the recorder's work per event (scrub, encode,
// write) with and without secrets to look for, on the SSE ingest stream
// and on its variant whose texts hold JSON escapes. The events are
// decoded before the clock starts.
func BenchmarkRecorderScrub(b *testing.B) {
	const n = 3000
	secrets := []string{"s3cr3t-bearer-7f2a91", "k3y-0a1b2c3d4e", "env/Tok+en=7f2a91", "hunter2-p/ss"}
	for _, in := range []struct {
		name string
		data []byte
	}{{"plain", benchdata.IngestStream(n)}, {"escaped", benchdata.EscapedIngestStream(n)}} {
		var evs []mcp.Event
		if err := mcp.DecodeSSE(bytes.NewReader(in.data), 0, func(e mcp.Event) { evs = append(evs, e) }); err != nil {
			b.Fatal(err)
		}
		for _, sec := range []struct {
			name   string
			values []string
		}{{"no-secrets", nil}, {"secrets", secrets}} {
			b.Run(in.name+"/"+sec.name, func(b *testing.B) {
				rec, err := NewRecorder(RecorderOptions{Path: filepath.Join(b.TempDir(), "r.jsonl"), Secrets: sec.values, SyncEvery: -1})
				if err != nil {
					b.Fatal(err)
				}
				defer rec.Close()
				for b.Loop() {
					for _, e := range evs {
						rec.Record(e)
					}
					if err := rec.Flush(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
			})
		}
	}
}
