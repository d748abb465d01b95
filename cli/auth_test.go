package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/internal/oauthtest"
)

// signInHere makes sign-ins of this test keep their credentials in a
// file of its own and take the browser step over HTTP.
func signInHere(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials.json")
	t.Setenv("SONDE_CREDENTIALS", path)
	openURL = oauthtest.FollowRedirect
	t.Cleanup(func() { openURL = nil })
	return path
}

// Item 6 of issue 11: no output of a signed-in session (stdout as text and
// --json, -v, the recording, the md/har/json exports, replay --print and
// --json, sonde auth login and status) holds a token, refresh token, code,
// verifier or client secret the sign-in handled.
func TestSignedInSessionLeaksNothing(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{})
	path := signInHere(t)
	login := run(t, "", "auth", "login", srv.URL)
	if login.code != 0 || !strings.Contains(login.stdout, "signed in to") {
		t.Fatalf("login: exit %d\n%s\n%s", login.code, login.stdout, login.stderr)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", err, st)
	}
	srv.ExpireAll() // the sessions below refresh (rotation), then call
	outs := sessionOutputs(t, "call", srv.URL, "whoami")
	if !strings.Contains(outs["text recording"], `"kind":"auth"`) || !strings.Contains(outs["text stderr -v"], "auth:refresh") {
		t.Fatalf("the session did not refresh its token: %s", outs["text stderr -v"])
	}
	outs["auth login stdout"], outs["auth login stderr"] = login.stdout, login.stderr
	status := run(t, "", "auth", "status")
	outs["auth status"] = status.stdout + status.stderr
	statusJSON := run(t, "", "auth", "status", srv.URL, "--json")
	outs["auth status --json"] = statusJSON.stdout + statusJSON.stderr
	secrets := srv.Secrets()
	if len(secrets) < 6 {
		t.Fatalf("the servers handed out only %d secrets", len(secrets))
	}
	assertNoLeak(t, outs, secrets...)
	if srv.Calls() != 2 {
		t.Fatalf("calls = %d, want 2", srv.Calls())
	}
}

// --no-interactive-auth never opens a browser: without kept credentials
// the command exits 3 with one line saying why.
func TestNoInteractiveAuthExits3(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{})
	signInHere(t)
	opened := false
	openURL = func(string) error { opened = true; return nil }
	r := run(t, "", "tools", srv.URL, "--no-interactive-auth")
	if r.code != ExitAuth || opened {
		t.Fatalf("exit %d (want 3), browser opened %v: %s", r.code, opened, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "sonde auth login") {
		t.Fatalf("want one line naming sonde auth login, got %q", r.stderr)
	}
}

// login, status and logout: status names issuer, client and scopes,
// logout forgets the server.
func TestAuthLoginStatusLogout(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{})
	signInHere(t)
	if r := run(t, "", "auth", "login", srv.URL); r.code != 0 {
		t.Fatalf("login: %d %s", r.code, r.stderr)
	}
	st := run(t, "", "auth", "status", srv.URL)
	for _, want := range []string{srv.URL, "issuer   " + srv.Issuer, "(dynamic)", "refresh token kept"} {
		if !strings.Contains(st.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, st.stdout)
		}
	}
	// Headless commands use the kept credentials, without a browser.
	if r := run(t, "", "call", srv.URL, "whoami", "--no-interactive-auth"); r.code != 0 {
		t.Fatalf("call with kept credentials: %d %s", r.code, r.stderr)
	}
	out := run(t, "", "auth", "logout", srv.URL)
	if out.code != 0 || !strings.Contains(out.stdout, "signed out of") {
		t.Fatalf("logout: %d %s %s", out.code, out.stdout, out.stderr)
	}
	if st := run(t, "", "auth", "status", srv.URL); !strings.Contains(st.stdout, "not signed in") {
		t.Fatalf("after logout: %s", st.stdout)
	}
	if r := run(t, "", "call", srv.URL, "whoami", "--no-interactive-auth"); r.code != ExitAuth {
		t.Fatalf("after logout the call should need a sign-in: %d %s", r.code, r.stderr)
	}
}

// A client secret given on the command line never shows either
// (client credentials: no browser, no refresh token).
func TestClientSecretFlagLeaksNothing(t *testing.T) {
	const secret = "cs-Very-Secret-0123456789"
	srv := oauthtest.New(t, oauthtest.Options{ClientID: "ci-client", ClientSecret: secret})
	signInHere(t)
	outs := sessionOutputs(t, "call", srv.URL, "whoami", "--grant", "client-credentials", "--client-id", "ci-client", "--client-secret", secret)
	if !strings.Contains(outs["text stderr -v"], "auth:signed-in") {
		t.Fatalf("no sign-in: %s", outs["text stderr -v"])
	}
	assertNoLeak(t, outs, append(srv.Secrets(), secret)...)
}
