package cli

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/doctor"
)

// sonde doctor --json prints the report as scripts read it and exits 0
// when no check failed; the plain text shows the checks and the
// diagnosis.
func TestDoctor(t *testing.T) {
	d := startDemo(t, demo.Options{Era: demo.EraLegacy})
	r := run(t, "", "doctor", d.SSEURL, "--json", "--observe", "200ms")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Target, Transport, Era string
		Checks                 []struct{ Name, Status, Detail string }
		Diagnosis              []json.RawMessage
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if rep.Target != d.SSEURL || rep.Transport != "sse" || rep.Era != "legacy" || len(rep.Checks) < 8 || rep.Diagnosis == nil {
		t.Errorf("report: %+v", rep)
	}

	r = run(t, "", "doctor", d.URL, "--observe", "200ms")
	for _, want := range []string{"sonde doctor " + d.URL, "  ok    tcp", "  ok    POST initialize", "transport: Streamable HTTP, legacy era", "diagnosis: nothing known"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != ExitOK || r.stderr != "" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// A failed check exits 1; the report says why, on stdout, and nothing
// more goes to stderr.
func TestDoctorFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String() + "/mcp"
	ln.Close()
	r := run(t, "", "doctor", u)
	if r.code != ExitError || !strings.Contains(r.stdout, "  fail  tcp") || !strings.Contains(r.stdout, "[refused] Nothing listens") || r.stderr != "" {
		t.Fatalf("exit %d: %s / %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "doctor", u, "--json")
	if r.code != ExitError || !strings.Contains(r.stdout, `"status":"fail"`) {
		t.Fatalf("--json: exit %d: %s", r.code, r.stdout)
	}
	// The doctor turns sonde's own idle timeout off: the flag is refused.
	r = run(t, "", "doctor", u, "--idle-timeout", "5s")
	if r.code != ExitError || !strings.Contains(r.stderr, "--idle-timeout does not apply to sonde doctor") {
		t.Fatalf("--idle-timeout: exit %d: %s", r.code, r.stderr)
	}
}

// On a terminal, sonde doctor shows the checklist; once it closes, the
// report stays on the terminal as text, and the exit code is the report's.
// --headless keeps the text report.
func TestDoctorOnTerminal(t *testing.T) {
	onTerm, ui := doctorOnTerminal, runDoctorUI
	t.Cleanup(func() { doctorOnTerminal, runDoctorUI = onTerm, ui })
	doctorOnTerminal = func(Env) bool { return true }
	shown := 0
	runDoctorUI = func(_ context.Context, o doctor.Options, theme string) (*doctor.Report, error) {
		shown++
		if theme != "dark" || o.Config.URL != "http://127.0.0.1:1/mcp" {
			t.Errorf("the checklist got theme %q, target %q", theme, o.Config.URL)
		}
		return &doctor.Report{Target: o.Config.URL, Checks: []doctor.Check{{Name: "tcp", Status: doctor.Fail, Detail: "refused"}},
			Diagnosis: []doctor.Finding{{ID: "refused", Text: "Nothing listens"}}}, nil
	}
	r := run(t, "", "doctor", "http://127.0.0.1:1/mcp", "--theme", "dark")
	if shown != 1 || r.code != ExitError || !strings.Contains(r.stdout, "  fail  tcp                  refused") || !strings.Contains(r.stdout, "[refused] Nothing listens") {
		t.Fatalf("shown %d, exit %d: %s", shown, r.code, r.stdout)
	}
	r = run(t, "", "doctor", "http://127.0.0.1:1/mcp", "--headless")
	if shown != 1 || !strings.Contains(r.stdout, "[refused] Nothing listens on 127.0.0.1 port 1") {
		t.Fatalf("--headless: shown %d: %s", shown, r.stdout)
	}
}
