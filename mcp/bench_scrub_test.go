package mcp

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/sonde-mcp/sonde/internal/benchdata"
)

// BenchmarkEventScrub: what a session's scrubber costs per event (it runs
// on every event before anything sees it), with no secrets and with a
// bearer token, a secret header and env values, on the SSE ingest stream
// and on its variant whose texts hold JSON escapes.
func BenchmarkEventScrub(b *testing.B) {
	const n = 3000
	withSecrets := Config{Bearer: "s3cr3t-bearer-7f2a91", Header: http.Header{"X-Api-Key": {"k3y-0a1b2c3d4e"}},
		Command: []string{"server"}, Env: []string{"API_TOKEN=env/Tok+en=7f2a91", "DB_PASSWORD=hunter2-p/ss"}}
	for _, in := range []struct {
		name string
		data []byte
	}{{"plain", benchdata.IngestStream(n)}, {"escaped", benchdata.EscapedIngestStream(n)}} {
		var evs []Event
		if err := DecodeSSE(bytes.NewReader(in.data), 0, func(e Event) { evs = append(evs, e) }); err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name string
			cfg  Config
		}{{"no-secrets", Config{}}, {"secrets", withSecrets}} {
			b.Run(in.name+"/"+c.name, func(b *testing.B) {
				scrub := benchScrubber(&c.cfg)
				for b.Loop() {
					for _, e := range evs {
						scrub(&e)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
			})
		}
	}
}

func benchScrubber(cfg *Config) func(*Event) {
	return NewScrubber(cfg.Secrets(), cfg.SecretHeaders).Event
}
