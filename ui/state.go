package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// The last arguments per tool, prompt and template are remembered across
// sessions, per server, in $XDG_STATE_HOME/sonde/last-args.json (mode 0600).
// Only argument values the user typed are stored; nothing from headers or
// tokens.

// maxRememberedArgs bounds one stored value.
const maxRememberedArgs = 64 << 10

var argsFileMu sync.Mutex

func stateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "sonde")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "sonde")
	}
	return ""
}

func argsFile() string {
	d := stateDir()
	if d == "" {
		return ""
	}
	return filepath.Join(d, "last-args.json")
}

// loadLastArgs reads the remembered arguments of every server.
func loadLastArgs() map[string]map[string]json.RawMessage {
	out := map[string]map[string]json.RawMessage{}
	p := argsFile()
	if p == "" {
		return out
	}
	argsFileMu.Lock()
	defer argsFileMu.Unlock()
	data, err := os.ReadFile(p)
	if err != nil {
		return out
	}
	json.Unmarshal(data, &out)
	return out
}

// saveLastArgsCmd stores one value (IO happens in the command).
func saveLastArgsCmd(server, key string, val json.RawMessage) tea.Cmd {
	if server == "" || len(val) > maxRememberedArgs {
		return nil
	}
	val = append(json.RawMessage(nil), val...)
	return func() tea.Msg {
		p := argsFile()
		if p == "" {
			return nil
		}
		all := loadLastArgs()
		argsFileMu.Lock()
		defer argsFileMu.Unlock()
		if all[server] == nil {
			all[server] = map[string]json.RawMessage{}
		}
		all[server][key] = val
		data, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			return nil
		}
		os.Rename(tmp, p)
		return nil
	}
}
