package mcp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkFirstContact is what era detection costs on a first contact
// (no era cache, as on a fresh CI machine): Dial to a ready session, for
// servers that answer server/discover (modern), answer it -32601 (legacy),
// or ignore it (legacy servers that say nothing before initialize), over
// stdio and Streamable HTTP. Each op is one whole Dial; compare the ms/op.
// Over stdio the probe's ping (answered before initialize, as the legacy
// lifecycle allows) ends the wait for a server that ignores server/discover
// ("stdio/ignores-answers-ping"); one that ignores ping too costs the probe
// timeout (run with 1 s here; the default is 3 s). Over HTTP a server that
// holds the server/discover POST unanswered costs the request timeout and
// the Dial fails (run with 2 s; the default is 60 s): "failed" counts it.
//
//	go test ./mcp -run '^$' -bench BenchmarkFirstContact -benchtime 5x
func BenchmarkFirstContact(b *testing.B) {
	dial := func(b *testing.B, cfg Config) {
		cfg.Keepalive = -1
		failed := 0
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			s, err := Dial(ctx, cfg)
			cancel()
			if err != nil {
				failed++
				continue
			}
			s.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		b.ReportMetric(float64(failed), "failed")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("stdio/answers", func(b *testing.B) { dial(b, stdioConfig("modern")) })
	b.Run("stdio/-32601", func(b *testing.B) { dial(b, stdioConfig("fake")) })
	b.Run("stdio/ignores-answers-ping", func(b *testing.B) { dial(b, stdioConfig("pings")) })
	b.Run("stdio/ignores", func(b *testing.B) {
		cfg := stdioConfig("silent")
		cfg.ProbeTimeout = time.Second
		dial(b, cfg)
	})

	modern := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return goSDKServer() }, &sdk.StreamableHTTPOptions{Stateless: true}))
	defer modern.Close()
	b.Run("http/answers", func(b *testing.B) { dial(b, Config{URL: modern.URL}) })
	legacy := httptest.NewServer(fakeHTTP(false))
	defer legacy.Close()
	b.Run("http/-32601", func(b *testing.B) { dial(b, Config{URL: legacy.URL}) })
	silent := httptest.NewServer(fakeHTTP(true))
	defer silent.Close()
	b.Run("http/ignores", func(b *testing.B) { dial(b, Config{URL: silent.URL, Timeout: 2 * time.Second}) })
}

// fakeHTTP answers every POSTed request with fakeAnswer in a JSON body;
// with silent, a request other than initialize (or anything after it) gets
// no answer: the POST is held until the client gives up.
func fakeHTTP(silent bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(r.Body)
		m, err := DecodeMessage(body)
		if err != nil || m.Type() != RPCRequest {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if silent && m.Method == "server/discover" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(fakeAnswer(body))
	})
}
