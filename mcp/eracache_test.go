package mcp

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The era cache remembers what detection found: the next connection goes
// straight to it, and a remembered choice that fails is detected again.
func TestEraCache(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "sonde", "eras.json")
	cfg := stdioConfig("silent")
	cfg.ProbeTimeout = 400 * time.Millisecond
	cfg.EraCache = cache
	s, _ := dialT(t, cfg)
	if s.Info().Era != "legacy" {
		t.Fatalf("era %s", s.Info().Era)
	}
	s.Close()
	if fi, err := os.Stat(cache); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v %v", fi, err)
	}
	// Second time: no probe, and the header says why.
	s, log := dialT(t, cfg)
	if n := log.count(func(e Event) bool { return e.Method == "server/discover" }); n != 0 || s.Info().Era != "legacy" {
		t.Fatalf("cache not used: %d server/discover probes, era %s", n, s.Info().Era)
	}
	if r := s.Info().Reason; !strings.Contains(r, "era cache") || strings.Contains(r, "forced") {
		t.Fatalf("reason %q; want it to name the era cache", r)
	}
	if log.count(func(e Event) bool { return strings.HasPrefix(e.Text, "era cache: stdio legacy") }) != 1 {
		t.Fatalf("cache use not logged")
	}
	s.Close()
	// A wrong entry (the server changed): the remembered era fails within
	// the probe timeout, detection runs and corrects the cache.
	silentAsModern := cfg
	storeEra(&silentAsModern, eraRecord{Transport: TransportStdio, Era: "modern", Protocol: ModernProtocol})
	s, log = dialT(t, silentAsModern)
	if s.Info().Era != "legacy" || log.count(func(e Event) bool { return strings.Contains(e.Text, "detecting again") }) == 0 {
		t.Fatalf("a wrong cache entry was not corrected: era %s", s.Info().Era)
	}
	if rec, ok := lookupEra(&silentAsModern); !ok || rec.Era != "legacy" {
		t.Fatalf("cache not corrected: %+v", rec)
	}
}

// A legacy SSE server found by detection is remembered; the next
// connection goes straight to its GET stream and says it came from the
// cache, not that the user forced it.
func TestEraCacheLegacySSEReason(t *testing.T) {
	srv := httptest.NewServer(sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return goSDKServer() }, nil))
	defer srv.Close()
	cfg := Config{URL: srv.URL, Keepalive: -1, EraCache: filepath.Join(t.TempDir(), "eras.json")}
	s, first := dialT(t, cfg)
	if s.Info().Transport != TransportSSE || strings.Contains(s.Info().Reason, "forced") {
		t.Fatalf("detected %s, reason %q", s.Info().Transport, s.Info().Reason)
	}
	s.Close()
	s, log := dialT(t, cfg)
	defer s.Close()
	probes := func(l *eventLog) int {
		return l.count(func(e Event) bool {
			return e.Dir == DirOut && (e.Method == "server/discover" || e.Method == "initialize" && e.URL == srv.URL)
		})
	}
	if n := probes(first); n == 0 {
		t.Fatal("detection sent no probe: the test does not see probes")
	}
	if n := probes(log); n != 0 {
		t.Fatalf("%d probes to the URL before the GET stream: the cache was not used", n)
	}
	if r := s.Info().Reason; !strings.Contains(r, "era cache") || strings.Contains(r, "forced") {
		t.Fatalf("reason %q; want it to name the era cache", r)
	}
	callSum(t, s)
}
