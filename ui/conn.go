package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/dialog"
)

// The header names the era and version the server speaks ("2026-07-28
// stateless", "2025-11-25 session a1b2c3d4"); the connection dialog (D, or
// a click on the header) says how sonde found out: the detection steps the
// session logged as info events, and the reason it settled on; d there
// runs the doctor on the server.

// eraLabel is the protocol revision with the era's shape: "2026-07-28
// stateless" or "2025-11-25 session a1b2c3d4" (sid ≤ 8 characters).
func eraLabel(info *mcp.ConnInfo, withSID bool) string {
	proto := termsafe.Line(info.Protocol)
	if proto == "" {
		proto = "?"
	}
	if info.Era == "modern" || (info.Era == "" && mcp.IsModern(info.Protocol)) {
		return proto + " stateless"
	}
	s := proto + " session"
	if withSID && info.SessionID != "" {
		sid := termsafe.Line(info.SessionID)
		if len(sid) > 8 {
			sid = sid[:8]
		}
		s += " " + sid
	}
	return s
}

// headerEra is the era for the header: the revision, "stateless" for
// 2026-07-28, and in the session eras "session" with the session id; with
// no id (stdio) or no room for it the revision stands alone, so the
// header never shows a "session" label without its id.
func headerEra(info *mcp.ConnInfo, withSID bool) string {
	s := eraLabel(info, withSID)
	if strings.HasSuffix(s, " session") {
		return strings.TrimSuffix(s, " session")
	}
	return s
}

// newConnDialog shows the connection: era, version, transport, session,
// how they were detected, and the capabilities on both sides (live: drawn
// from the state each frame).
func newConnDialog(c *common.Common, cfg mcp.Config, s *session.State) *dialog.Reader {
	d := dialog.NewReader(c, "Connection", func(iw, _ int) []string { return connLines(c, cfg, s, iw) })
	d.MaxWidth = 110
	d.Extra = []key.Binding{doctorKey}
	return d
}

// connLines are the connection dialog's lines for width iw.
func connLines(c *common.Common, cfg mcp.Config, s *session.State, iw int) []string {
	st := c.Styles
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }
	kv := func(k, v string) {
		add(ansi.Truncate(st.Muted.Render(padRight(k, 13))+st.Text.Render(v), iw, "…"))
	}
	kv("target", termsafe.Line(cfg.Target()))
	if env := cfg.EnvFacts(); env != "" {
		kv("env", termsafe.Line(env)) // values masked unless --env-plain
	}
	if s.Conn.Info == nil {
		add("", st.Muted.Render("not connected yet"))
	} else {
		i := s.Conn.Info
		era := "legacy (initialize handshake, 2024-11-05 … 2025-11-25)"
		if i.Era == "modern" {
			era = "modern (stateless, no handshake: every request carries its version)"
		}
		kv("era", era)
		kv("version", eraLabel(i, false))
		kv("transport", string(i.Transport))
		if i.SessionID != "" {
			kv("session id", termsafe.Line(i.SessionID))
		}
		if i.Endpoint != "" {
			kv("endpoint", termsafe.Line(i.Endpoint))
		}
		if srv := serverOf(s); srv.name != "" {
			kv("server", strings.TrimSpace(srv.name+" "+srv.version))
		}
		if i.Reconnects > 0 {
			kv("reconnects", fmt.Sprint(i.Reconnects))
		}
		if i.Reason != "" {
			add("", st.Accent2.Render("why this transport and era"))
			for _, l := range wrapLines(termsafe.Text(i.Reason), iw) {
				add(st.Text.Render(l))
			}
		}
	}
	if len(s.Notes) > 0 {
		add("", st.Accent2.Render("detection steps (info events in the log)"))
		for _, n := range s.Notes {
			for j, l := range wrapLines(termsafe.Line(n.Text), iw-13) {
				pre := st.Muted.Render(n.Time.Format("15:04:05.000") + " ")
				if j > 0 {
					pre = strings.Repeat(" ", 13)
				}
				add(pre + st.Text.Render(l))
			}
		}
	}
	if s.Conn.Info != nil && len(s.Conn.Info.Capabilities) > 0 {
		add("", st.Accent2.Render("server capabilities"))
		add(c.HL.Pretty(st.Chroma, s.Conn.Info.Capabilities)...)
	}
	caps := cfg.Capabilities
	if len(caps) == 0 {
		caps = uiCapabilities
	}
	add("", st.Accent2.Render("client capabilities sonde declares"))
	add(c.HL.Pretty(st.Chroma, caps)...)
	return lines
}

// capability reports whether the server declared a capability in s (a
// top-level member of its capabilities).
func capability(s *session.State, name string) bool {
	if s.Conn.Info == nil {
		return false
	}
	_, ok := jsonObject(s.Conn.Info.Capabilities)[name]
	return ok
}

// serverCapability returns a server capability's object in s, or nil.
func serverCapability(s *session.State, name string) map[string]json.RawMessage {
	if s.Conn.Info == nil {
		return nil
	}
	return jsonObject(jsonObject(s.Conn.Info.Capabilities)[name])
}

// jsonObject decodes raw as an object, leniently (nil on failure).
func jsonObject(raw json.RawMessage) map[string]json.RawMessage {
	var o map[string]json.RawMessage
	if json.Unmarshal(raw, &o) != nil {
		return nil
	}
	return o
}
