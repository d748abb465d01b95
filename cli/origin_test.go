package cli

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/mcp"
)

// The demo's origin fixtures, as a user would meet them: a redirect or a
// legacy endpoint to another origin is refused in one line naming both
// origins (exit 4, nothing on stdout); --allow-cross-origin follows it
// (without credentials: see mcp's tests); a redirect within the origin
// just works; -v shows the hops.
func TestCrossOriginRefusedUnlessAllowed(t *testing.T) {
	d := startDemo(t, demo.Options{})
	origin := func(raw string) string { u, _ := url.Parse(raw); return mcp.Origin(u) }
	for _, target := range []string{d.CrossOriginRedirectURL, d.CrossOriginSSEURL} {
		r := run(t, "", "tools", target, "--bearer", "tok-cli-4242", "-H", "X-Api-Key: key-cli-4242")
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != ExitUnreachable || r.stdout != "" || len(lines) != 1 {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", target, r.code, r.stdout, r.stderr)
		}
		want := []string{origin(target), strings.Replace(origin(target), "127.0.0.1", "localhost", 1), "--allow-cross-origin"}
		for _, w := range want {
			if !strings.Contains(lines[0], w) {
				t.Errorf("%s: %q does not name %q", target, lines[0], w)
			}
		}
		if strings.Contains(r.stderr, "4242") {
			t.Errorf("a credential in the error: %q", r.stderr)
		}
		r = run(t, "", "tools", target, "--allow-cross-origin", "--bearer", "tok-cli-4242")
		if r.code != ExitOK || !strings.Contains(r.stdout, "echo") {
			t.Fatalf("%s with --allow-cross-origin: exit %d, %q %q", target, r.code, r.stdout, r.stderr)
		}
	}
	r := run(t, "", "tools", d.RedirectURL, "-v", "--bearer", "tok-cli-4242")
	if r.code != ExitOK || !strings.Contains(r.stdout, "echo") {
		t.Fatalf("same-origin redirect: exit %d, %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "HTTP 307") || !strings.Contains(r.stderr, "redirect to "+d.URL) || !strings.Contains(r.stderr, "following HTTP 307") {
		t.Fatalf("-v does not show the hops:\n%s", r.stderr)
	}
}
