package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
)

// The connection facts name a stdio server's env variables and mask
// their values, except those marked --env-plain.
func TestConnFactsMaskEnvValues(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	m.opts.Config.Command = []string{"node", "server.js"}
	m.opts.Config.Env = []string{"API_TOKEN=sk-live-0123456789", "DEBUG=1", "REGION=eu-west-1"}
	m.opts.Config.EnvPlain = []string{"REGION"}
	view := ansi.Strip(newConnDialog(m.look.com, m.opts.Config, m.s).View(120, 40))
	if strings.Contains(view, "sk-live") || !strings.Contains(view, "API_TOKEN=[REDACTED] DEBUG=[REDACTED] REGION=eu-west-1") {
		t.Fatalf("env facts:\n%s", view)
	}
}

// A saved server whose URL secret was not stored: choosing it asks for the
// secret in the target field (the cursor where it goes), connects with it,
// and saves the server without it again.
func TestPickerAsksAgainForAnUnsavedSecret(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	var got []mcp.Config
	m := newLive(context.Background(), Options{OnConnect: func(c mcp.Config) { got = append(got, c) }})
	defer m.conn.feed.close()
	m.conn.live = false
	m.picker = newPicker(m.look.com, m.opts.Config, []config.Server{{Name: "127.0.0.1:1/mcp", Source: "saved",
		Config: mcp.Config{URL: "http://127.0.0.1:1/mcp?token=${input:token}&page=2"}, Inputs: map[string]string{"token": ""}}}, nil)
	run(m, press(m, "enter"))
	if len(got) != 0 {
		t.Fatalf("dialled with the placeholder: %+v", got)
	}
	if m.picker == nil || !m.picker.Typing() || m.picker.Typed() != "http://127.0.0.1:1/mcp?token=&page=2" {
		t.Fatalf("the picker does not ask for the token: %+v", m.picker)
	}
	typeText(m, "tok-0a1b2c")
	run(m, press(m, "enter"))
	if len(got) != 1 || got[0].URL != "http://127.0.0.1:1/mcp?token=tok-0a1b2c&page=2" {
		t.Fatalf("dialled %+v", got)
	}
	data, err := os.ReadFile(filepath.Join(dir, "sonde", "servers.json"))
	if err != nil || strings.Contains(string(data), "tok-0a1b2c") || !strings.Contains(string(data), "token=${input:token}&page=2") {
		t.Fatalf("servers.json (%v):\n%s", err, data)
	}
}
