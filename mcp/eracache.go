package mcp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// eraRecord is what detection found for one server.
type eraRecord struct {
	Transport TransportKind `json:"transport"`
	Era       string        `json:"era"`
	Protocol  string        `json:"protocol"`
	Seen      time.Time     `json:"seen"`
}

// eraTTL is how long a detection result is trusted without being used.
const eraTTL = 30 * 24 * time.Hour

var eraCacheMu sync.Mutex

// eraKey names a server in the cache: its URL with credentials hidden, or
// its command line.
func (c *Config) eraKey() string {
	if c.URL != "" {
		return RedactURL(c.URL)
	}
	return "stdio:" + strings.Join(c.Command, " ")
}

func readEraCache(path string) map[string]eraRecord {
	m := map[string]eraRecord{}
	b, err := os.ReadFile(path)
	if err == nil {
		json.Unmarshal(b, &m)
	}
	return m
}

// lookupEra returns a fresh cached detection result for cfg's server.
func lookupEra(cfg *Config) (eraRecord, bool) {
	if cfg.EraCache == "" {
		return eraRecord{}, false
	}
	eraCacheMu.Lock()
	defer eraCacheMu.Unlock()
	r, ok := readEraCache(cfg.EraCache)[cfg.eraKey()]
	if !ok || time.Since(r.Seen) > eraTTL || (r.Era != "legacy" && r.Era != "modern") {
		return eraRecord{}, false
	}
	return r, true
}

// storeEra records (or, with rec zero, forgets) a detection result. The
// file is replaced atomically; it is private (0600 in a 0700 directory)
// because URLs can say more than their owners want shown.
func storeEra(cfg *Config, rec eraRecord) {
	if cfg.EraCache == "" {
		return
	}
	eraCacheMu.Lock()
	defer eraCacheMu.Unlock()
	m := readEraCache(cfg.EraCache)
	if rec.Era == "" {
		delete(m, cfg.eraKey())
	} else {
		rec.Seen = time.Now().UTC()
		m[cfg.eraKey()] = rec
	}
	for k, r := range m {
		if time.Since(r.Seen) > eraTTL {
			delete(m, k)
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(cfg.EraCache), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(cfg.EraCache), ".eras-*.json")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return
	}
	os.Rename(tmp.Name(), cfg.EraCache)
}
