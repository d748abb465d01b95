package config

import (
	"encoding/json"
	"sync"
)

// The raw composer's history is remembered across sessions, per server,
// in StateDir()/composer-history.json (mode 0600: a message the user wrote
// may hold anything).

// MaxComposerHistory bounds the messages kept per server (newest kept).
const MaxComposerHistory = 200

var composerFileMu sync.Mutex

// ComposerHistoryPath is StateDir()/composer-history.json ("" without a
// home).
func ComposerHistoryPath() string { return join(StateDir(), "composer-history.json") }

// LoadComposerHistory reads the composer's history of every server:
// server → messages, oldest first. A missing or unreadable file is an
// empty map.
func LoadComposerHistory() map[string][]string {
	composerFileMu.Lock()
	defer composerFileMu.Unlock()
	return loadComposerHistory()
}

func loadComposerHistory() map[string][]string {
	out := map[string][]string{}
	readPrivate(ComposerHistoryPath(), &out)
	return out
}

// SaveComposerHistory replaces one server's history (the newest
// MaxComposerHistory messages; messages over MaxRememberedArgs are left
// out), replacing the file atomically.
func SaveComposerHistory(server string, msgs []string) error {
	if server == "" {
		return nil
	}
	p := ComposerHistoryPath()
	if p == "" {
		return errNoHome
	}
	keep := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if len(m) <= MaxRememberedArgs {
			keep = append(keep, m)
		}
	}
	if len(keep) > MaxComposerHistory {
		keep = keep[len(keep)-MaxComposerHistory:]
	}
	composerFileMu.Lock()
	defer composerFileMu.Unlock()
	all := loadComposerHistory()
	all[server] = keep
	data, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(p, data)
}
