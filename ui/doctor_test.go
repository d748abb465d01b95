package ui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	dr "github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/mcp"
	doctorui "github.com/sonde-mcp/sonde/ui/dialog/doctor"
)

// fakeDoctor makes one check and reports; it records the target it was
// given.
type fakeDoctor struct{ target string }

func (f *fakeDoctor) run(_ context.Context, o dr.Options) *dr.Report {
	f.target = o.Config.Target()
	o.OnCheck(dr.Check{Name: "tcp", Status: dr.OK, Detail: "connected"})
	return &dr.Report{Target: f.target, Checks: []dr.Check{{Name: "tcp", Status: dr.OK}}, Diagnosis: []dr.Finding{}}
}

// feedDoctor runs the doctor's commands and hands their messages to the
// root, as the program would, until the run ends.
func feedDoctor(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	for i := 0; cmd != nil && i < 20; i++ {
		msg, ok := cmd().(doctorui.Msg)
		if !ok {
			return
		}
		cmd = upd(m, msg)
	}
}

// The connection dialog's d runs the doctor on the session's server; its
// progress reaches its checklist even under another dialog.
func TestDoctorFromConnectionDialog(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	m.opts.Config.URL = "http://127.0.0.1:8080/mcp"
	f := &fakeDoctor{}
	m.env.doctorRunner = f.run
	press(m, "D")
	if !strings.Contains(plain(m), "d doctor") {
		t.Fatalf("the connection dialog does not offer the doctor:\n%s", plain(m))
	}
	cmd := press(m, "d")
	d, ok := m.dialogs.top().(*doctorui.Dialog)
	if !ok || cmd == nil {
		t.Fatalf("d opened %T", m.dialogs.top())
	}
	m.dialogs.open(newConnDialog(m.look.com, m.opts.Config, m.s)) // another dialog, over the checklist
	feedDoctor(t, m, cmd)
	if d.Report() == nil || f.target != "http://127.0.0.1:8080/mcp" {
		t.Fatalf("the run did not reach its checklist under another dialog (report %v, target %q)", d.Report(), f.target)
	}
	press(m, "esc") // the dialog over it
	if v := plain(m); !strings.Contains(v, "Doctor · http://127.0.0.1:8080/mcp · ok") || !strings.Contains(v, "✓ tcp") {
		t.Fatalf("checklist:\n%s", v)
	}
	press(m, "esc")
	if _, ok := m.dialogs.top().(*doctorui.Dialog); ok {
		t.Fatal("esc did not close the checklist")
	}
}

// On the server picker, d runs the doctor on the server under the cursor.
func TestDoctorFromPicker(t *testing.T) {
	m := newTestModel(t, 120, 40, "")
	f := &fakeDoctor{}
	m.env.doctorRunner = f.run
	m.picker = newPicker(m.look.com, m.opts.Config, []config.Server{{Name: "one", Source: "saved", Config: mcp.Config{URL: "http://127.0.0.1:1/a"}},
		{Name: "two", Source: "saved", Config: mcp.Config{URL: "http://127.0.0.1:2/b"}}}, nil)
	m.layout()
	if !strings.Contains(plain(m), "d doctor") {
		t.Fatalf("the picker does not offer the doctor:\n%s", plain(m))
	}
	press(m, "down")
	feedDoctor(t, m, press(m, "d"))
	if f.target != "http://127.0.0.1:2/b" {
		t.Fatalf("doctor ran on %q", f.target)
	}
	if _, ok := m.dialogs.top().(*doctorui.Dialog); !ok || !strings.Contains(plain(m), "Doctor · http://127.0.0.1:2/b") {
		t.Fatalf("checklist:\n%s", plain(m))
	}
}
