package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// The last arguments per tool, prompt and template are remembered across
// sessions, per server, in StateDir()/last-args.json (mode 0600). Only
// argument values the user typed are stored; nothing from headers or
// tokens.

// MaxRememberedArgs bounds one stored value; larger ones are not kept.
const MaxRememberedArgs = 64 << 10

var argsFileMu sync.Mutex

var errNoHome = errors.New("no home directory")

// LastArgsPath is StateDir()/last-args.json ("" without a home).
func LastArgsPath() string { return join(StateDir(), "last-args.json") }

// LoadLastArgs reads the remembered arguments of every server: server →
// key (e.g. "tools:echo") → arguments. A missing or unreadable file is an
// empty map.
func LoadLastArgs() map[string]map[string]json.RawMessage {
	argsFileMu.Lock()
	defer argsFileMu.Unlock()
	return loadLastArgs()
}

func loadLastArgs() map[string]map[string]json.RawMessage {
	out := map[string]map[string]json.RawMessage{}
	readPrivate(LastArgsPath(), &out)
	return out
}

// readPrivate decodes the JSON file p into v; a missing or unreadable
// file (or p "") leaves v as it is.
func readPrivate(p string, v any) {
	if p == "" {
		return
	}
	if data, err := os.ReadFile(p); err == nil {
		json.Unmarshal(data, v)
	}
}

// SaveLastArgs remembers one value, replacing the file atomically. Values
// over MaxRememberedArgs and an empty server are ignored.
func SaveLastArgs(server, key string, val json.RawMessage) error {
	if server == "" || len(val) > MaxRememberedArgs {
		return nil
	}
	p := LastArgsPath()
	if p == "" {
		return errNoHome
	}
	argsFileMu.Lock()
	defer argsFileMu.Unlock()
	all := loadLastArgs()
	if all[server] == nil {
		all[server] = map[string]json.RawMessage{}
	}
	all[server][key] = val
	data, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(p, data)
}

// writePrivate replaces the file p with data atomically, mode 0600, in a
// 0700 directory it creates if need be.
func writePrivate(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}
