package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// The header names the era and version the server speaks ("2026-07-28
// stateless", "2025-11-25 session a1b2c3d4"); the connection dialog (D, or
// a click on the header) says how sonde found out: the detection steps the
// session logged as info events, and the reason it settled on.

// maxDetectNotes bounds the detection notes kept for the dialog.
const maxDetectNotes = 64

// detectNote is one info event from the session, kept for the dialog.
type detectNote struct {
	at   string
	text string
}

// noteDetection records info events from the moment a connection starts;
// a new connection attempt starts a new list.
func (m *Model) noteDetection(e *mcp.Event) {
	switch {
	case e.Kind == mcp.KindState && e.State == mcp.StateConnecting:
		m.detect = m.detect[:0]
	case e.Kind == mcp.KindInfo:
		if len(m.detect) >= maxDetectNotes {
			copy(m.detect, m.detect[1:])
			m.detect = m.detect[:len(m.detect)-1]
		}
		m.detect = append(m.detect, detectNote{at: e.Time.Format("15:04:05.000"), text: termsafe.Line(e.Text)})
	}
}

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

// connDialog shows the connection: era, version, transport, session, how
// they were detected, and the capabilities on both sides.
type connDialog struct{ scrolling }

func (d *connDialog) help(*Model) []key.Binding {
	return []key.Binding{kb("↓↑", "scroll"), kb("esc", "close")}
}

func (d *connDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd { return d.readKeys(m, msg) }

func (d *connDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := max(30, min(W-4, 110)), max(8, H-2)
	iw := w - 2
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }
	kv := func(k, v string) {
		add(ansi.Truncate(st.Muted.Render(padRight(k, 13))+st.Text.Render(v), iw, "…"))
	}
	kv("target", termsafe.Line(m.opts.Config.Target()))
	if m.info == nil {
		add("", st.Muted.Render("not connected yet"))
	} else {
		i := m.info
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
		if m.server.name != "" {
			kv("server", strings.TrimSpace(m.server.name+" "+m.server.version))
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
	if len(m.detect) > 0 {
		add("", st.Accent2.Render("detection steps (info events in the log)"))
		for _, n := range m.detect {
			for j, l := range wrapLines(n.text, iw-13) {
				pre := st.Muted.Render(n.at + " ")
				if j > 0 {
					pre = strings.Repeat(" ", 13)
				}
				add(pre + st.Text.Render(l))
			}
		}
	}
	if m.info != nil && len(m.info.Capabilities) > 0 {
		add("", st.Accent2.Render("server capabilities"))
		add(m.hl.pretty(st.Chroma, m.info.Capabilities)...)
	}
	caps := m.opts.Config.Capabilities
	if len(caps) == 0 {
		caps = uiCapabilities
	}
	add("", st.Accent2.Render("client capabilities sonde declares"))
	add(m.hl.pretty(st.Chroma, caps)...)
	rows := h - 3
	d.offset = max(0, min(d.offset, len(lines)-rows))
	return frame(st, "Connection", lines[d.offset:], bindingHelp(st, d.help(m)...), w, h)
}

// capability reports whether the server declared a capability (a
// top-level member of its capabilities).
func (m *Model) capability(name string) bool {
	if m.info == nil {
		return false
	}
	_, ok := jsonObject(m.info.Capabilities)[name]
	return ok
}

// serverCapability returns a server capability's object, or nil.
func (m *Model) serverCapability(name string) map[string]json.RawMessage {
	if m.info == nil {
		return nil
	}
	return jsonObject(jsonObject(m.info.Capabilities)[name])
}
