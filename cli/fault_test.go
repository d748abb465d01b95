package cli

import (
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
)

// TestFaultFlag: --fault acts on sonde's own connection, and the -v log
// shows the fault event.
func TestFaultFlag(t *testing.T) {
	d := startDemo(t, demo.Options{})
	r := run(t, "", "call", d.URL, "echo", "text=hi", "-v", "--fault", "status method=tools/call code=503")
	if r.code != ExitUnreachable || !strings.Contains(r.stderr, "503") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "fault:status") || !strings.Contains(r.stderr, "answered tools/call") {
		t.Fatalf("no fault event in the -v log:\n%s", r.stderr)
	}
	r = run(t, "", "call", d.URL, "echo", "text=hi", "--fault", "status method=prompts/get code=503")
	if r.code != 0 {
		t.Fatalf("a fault on another method stopped the call: exit %d: %s", r.code, r.stderr)
	}
}

func TestFaultFlagErrors(t *testing.T) {
	for args, want := range map[string]string{
		"tools http://127.0.0.1:1/mcp --fault explode":     "unknown fault",
		"tools http://127.0.0.1:1/mcp --fault drop-stream": "needs after=",
		"tools --fault inject-comment,every=1s -- cat":     "needs HTTP",
	} {
		r := run(t, "", strings.Fields(args)...)
		if r.code != ExitError || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", args, r.code, r.stderr, want)
		}
	}
}
