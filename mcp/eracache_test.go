package mcp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	// Second time: no probe, no probe timeout.
	start := time.Now()
	s, log := dialT(t, cfg)
	if time.Since(start) >= 400*time.Millisecond || s.Info().Era != "legacy" {
		t.Fatalf("cache not used: %s, era %s", time.Since(start), s.Info().Era)
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
