package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/demo"
)

// --elicitation accept-defaults declines a form whose required email has
// no default, with a stderr line saying why (it sent "email": "" before);
// accept:JSON supplies it.
func TestElicitationAcceptDefaultsDeclines(t *testing.T) {
	d := startDemo(t, demo.Options{})
	r := run(t, "", "call", d.URL, demo.ToolElicitForm, "--elicitation", "accept-defaults")
	if r.code != 0 || !strings.Contains(r.stdout, `The user chose "decline"`) {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, `sonde: declined the elicitation`) || !strings.Contains(r.stderr, `required field "email" has no default`) {
		t.Fatalf("stderr: %q", r.stderr)
	}
	r = run(t, "", "call", d.URL, demo.ToolElicitForm, "--elicitation", `accept:{"email":"ada@example.com"}`)
	if r.code != 0 || !strings.Contains(r.stdout, "The user accepted") || !strings.Contains(r.stdout, "ada@example.com") || r.stderr != "" {
		t.Fatalf("accept: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

// sonde read -o FILE does not tell the user to save it with -o FILE.
func TestReadToFileHasNoSaveHint(t *testing.T) {
	d := startDemo(t, demo.Options{})
	for _, uri := range demo.ResourceURIs() {
		r := run(t, "", "read", d.URL, uri)
		if !strings.Contains(r.stdout, "(save it with -o FILE)") {
			continue // a text resource
		}
		out := t.TempDir() + "/blob"
		r = run(t, "", "read", d.URL, uri, "-o", out)
		if fi, err := os.Stat(out); r.code != 0 || err != nil || fi.Size() == 0 || strings.Contains(r.stdout, "-o FILE") || !strings.Contains(r.stdout, "[blob ") {
			t.Fatalf("read -o: exit %d %v: %q", r.code, err, r.stdout)
		}
		return
	}
	t.Fatal("no blob resource in the demo")
}

// The shell's call and prompt take KEY=VALUE like sonde call, converted by
// the tool's schema (repeat=2 must be an integer, or the server refuses).
func TestShellKeyValue(t *testing.T) {
	d := startDemo(t, demo.Options{})
	r := run(t, "call echo text='two words' repeat=2 uppercase=true\nprompt summarize text=x\ncall echo repeat=notanumber\n", "shell", d.URL)
	if strings.Count(r.stdout, "TWO WORDS") != 2 {
		t.Fatalf("call with KEY=VALUE: %q %q", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "error: repeat: \"notanumber\" is not an integer") {
		t.Fatalf("bad value: %q", r.stdout)
	}
	if strings.Contains(r.stdout, "error: prompt") {
		t.Fatalf("prompt with KEY=VALUE: %q", r.stdout)
	}
}
