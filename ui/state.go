package ui

import (
	"encoding/json"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
)

// saveLastArgsCmd remembers one value across sessions (IO happens in the
// command; see config.SaveLastArgs).
func saveLastArgsCmd(server, key string, val json.RawMessage) tea.Cmd {
	if server == "" || len(val) > config.MaxRememberedArgs {
		return nil
	}
	val = append(json.RawMessage(nil), val...)
	return func() tea.Msg {
		config.SaveLastArgs(server, key, val)
		return nil
	}
}
