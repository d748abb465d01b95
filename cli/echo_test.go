package cli

import (
	"strings"
	"testing"
)

// A mistyped TARGET, --upstream or -H is echoed in the usage error, which
// goes to the screen and to CI logs: the credentials typed into it are not.
func TestUsageErrorsHideTypedCredentials(t *testing.T) {
	const secret = "s3cr3t-4711"
	for _, args := range [][]string{
		{"tools", "htp:/x?api_key=" + secret},
		{"tools", "localhost:9999/mcp?api_key=" + secret},
		{"tools", "localhost:9999/mcp?x=1&access_token=" + secret + "&y=2"},
		{"tools", "u:" + secret + "@localhost:9999/mcp"},
		{"tools", "server.js?token=" + secret},
		{"tools", "http://[::1/mcp?token=" + secret},
		{"tools", "http://u:" + secret + "@[::1/mcp"},
		{"tools", "http://127.0.0.1:1/mcp?token=" + secret + "%zz"},
		{"auth", "login", "x?token=" + secret},
		{"tap", "--upstream", "htp://x?token=" + secret},
		{"tools", "http://127.0.0.1:1/mcp", "-H", "Authorization Bearer " + secret},
		{"tools", "http://127.0.0.1:1/mcp", "-H", "X-Api-Key=" + secret},
	} {
		r := run(t, "", args...)
		if r.code == ExitOK {
			t.Errorf("%q: exit 0", args)
		}
		if strings.Contains(r.stderr+r.stdout, secret) {
			t.Errorf("%q: the credential is echoed: %s", args, r.stderr)
		}
	}
	// what is not a credential is still shown, to say what is wrong
	r := run(t, "", "tools", "localhost:9999/mcp?api_key="+secret+"&page=2")
	if !strings.Contains(r.stderr, "did you mean http://localhost:9999/mcp?api_key=xxxxx&page=2?") {
		t.Errorf("the suggestion: %s", r.stderr)
	}
	r = run(t, "", "tools", "http://127.0.0.1:1/mcp", "-H", "Authorization Bearer "+secret)
	if !strings.Contains(r.stderr, `bad header "Authorization …"`) {
		t.Errorf("the header hint: %s", r.stderr)
	}
}
