package session

import (
	"encoding/json"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Conn is the connection as the events describe it.
type Conn struct {
	// State is the latest connection state ("" before any).
	State mcp.State
	// Attempt is the reconnect attempt of a reconnecting state.
	Attempt int
	// Info is the latest established connection (nil before one): the
	// transport, era, protocol, session id, server and its capabilities.
	Info *mcp.ConnInfo
	// Server is Info.Server decoded (raw text: make it terminal-safe).
	Server mcp.Implementation
	// Caps are Info.Capabilities decoded.
	Caps Capabilities
	// Reconnects counts how often the session was re-established.
	Reconnects int
	// LastIn is when the server last sent anything.
	LastIn time.Time
	// KeepaliveIn counts the keepalives the server sent (comments,
	// keepalive events, its pings); KeepaliveOut sonde's pings.
	KeepaliveIn, KeepaliveOut int
	// PingRTT is the round trip of sonde's latest answered ping.
	PingRTT time.Duration
}

// Era is "legacy", "modern" (2026-07-28) or "" before a connection.
func (c *Conn) Era() string {
	if c.Info == nil {
		return ""
	}
	return c.Info.Era
}

// Capabilities are the capabilities a server declared.
type Capabilities struct {
	// Known reports that a connection stated them (before it, nothing is
	// known, and nothing is declared).
	Known bool
	m     map[string]json.RawMessage
}

// ParseCapabilities decodes a capabilities object as sent.
func ParseCapabilities(raw json.RawMessage) Capabilities {
	c := Capabilities{Known: true}
	json.Unmarshal(raw, &c.m)
	return c
}

// Has reports whether the server declared the capability (a top-level
// member: "tools", "resources", "prompts", "logging", "completions"...).
func (c Capabilities) Has(name string) bool {
	_, ok := c.m[name]
	return ok
}

// Object returns a declared capability's members (nil when not declared
// or not an object).
func (c Capabilities) Object(name string) map[string]json.RawMessage {
	var o map[string]json.RawMessage
	json.Unmarshal(c.m[name], &o)
	return o
}

// Lists reports which listings the server offers: tools/list with
// "tools", resources/list and resources/templates/list with "resources",
// prompts/list with "prompts".
func (c Capabilities) Lists() [NumLists]bool {
	var out [NumLists]bool
	for k := ListKind(0); k < NumLists; k++ {
		out[k] = c.Has(k.Capability())
	}
	return out
}
