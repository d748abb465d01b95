package oauth_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/oauthtest"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
)

// events collects a session's events.
type events struct{ mcp.EventLog }

func (c *events) json(t *testing.T) string {
	b, err := json.Marshal(c.All())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func signIn(t *testing.T, srv *oauthtest.Server, store *oauth.Store, kind ...mcp.TransportKind) (*mcp.Session, *events, *oauth.Handler) {
	t.Helper()
	h, err := oauth.New(oauth.Options{Server: srv.URL, Store: store,
		Browser: &oauth.Loopback{Open: oauthtest.FollowRedirect, Timeout: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := mcp.Config{URL: srv.URL, OAuth: h, OnEvent: ev.Add, Keepalive: -1}
	if len(kind) > 0 {
		cfg.Transport = kind[0]
	}
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, ev.json(t))
	}
	t.Cleanup(func() { s.Close() })
	return s, ev, h
}

func TestSignInCallRefresh(t *testing.T) {
	for _, sse := range []bool{false, true} {
		name := "streamable"
		if sse {
			name = "legacy-sse"
		}
		t.Run(name, func(t *testing.T) {
			srv := oauthtest.New(t, oauthtest.Options{SSE: sse})
			path := filepath.Join(t.TempDir(), "state", "credentials.json")
			store := oauth.NewStore(path)
			kind := mcp.TransportAuto
			if sse {
				kind = mcp.TransportSSE // the GET stream's 401 starts the sign-in
			}
			s, ev, _ := signIn(t, srv, store, kind)
			ctx := context.Background()
			if first := firstAuthAnswer(ev.All()); sse && first != "GET" || !sse && first != "POST" {
				t.Fatalf("the sign-in started on a %s", first)
			}
			if _, err := s.Call(ctx, "tools/call", map[string]any{"name": "whoami", "arguments": map[string]any{}}); err != nil {
				t.Fatalf("call: %v", err)
			}
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("credentials file: %v %v", err, st)
			}
			creds, _ := store.ForServer(srv.URL)
			if len(creds) != 1 || creds[0].RefreshToken == "" || creds[0].Issuer != srv.Issuer {
				t.Fatalf("stored: %+v", creds)
			}
			// The token expires: the next call refreshes it (rotation) and goes on.
			srv.ExpireAll()
			if _, err := s.Call(ctx, "tools/call", map[string]any{"name": "whoami", "arguments": map[string]any{}}); err != nil {
				t.Fatalf("call after expiry: %v", err)
			}
			if srv.Refreshs.Load() != 1 {
				t.Fatalf("refreshes = %d, want 1", srv.Refreshs.Load())
			}
			if srv.Calls() != 2 {
				t.Fatalf("calls = %d", srv.Calls())
			}
			after, _ := store.ForServer(srv.URL)
			if after[0].RefreshToken == creds[0].RefreshToken {
				t.Fatal("the rotated refresh token was not kept")
			}
			steps := map[string]bool{}
			for _, e := range ev.All() {
				if e.Kind == mcp.KindAuth {
					steps[e.Method] = true
				}
			}
			for _, want := range []string{"discover-resource", "discover-as", "register", "authorize", "callback", "token", "refresh", "signed-in"} {
				if !steps[want] {
					t.Errorf("no %s step in the log: %v", want, steps)
				}
			}
			log := ev.json(t)
			for _, sec := range srv.Secrets() {
				if sec != "" && strings.Contains(log, sec) {
					t.Errorf("the event log shows the secret %q", sec)
				}
			}
		})
	}
}

// A second run signs in with the kept credentials: no browser.
func TestStoredCredentials(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{})
	store := oauth.NewStore(filepath.Join(t.TempDir(), "credentials.json"))
	s, _, _ := signIn(t, srv, store)
	s.Close()
	h, _ := oauth.New(oauth.Options{Server: srv.URL, Store: store}) // no browser
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s2, err := mcp.Dial(ctx, mcp.Config{URL: srv.URL, OAuth: h, Keepalive: -1})
	if err != nil {
		t.Fatalf("dial with kept credentials: %v", err)
	}
	defer s2.Close()
	if _, err := s2.Call(ctx, "tools/call", map[string]any{"name": "whoami", "arguments": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	// Without a browser and without credentials: a clear error.
	h3, _ := oauth.New(oauth.Options{Server: srv.URL})
	_, err = mcp.Dial(ctx, mcp.Config{URL: srv.URL, OAuth: h3, Keepalive: -1})
	var ir *oauth.InteractionRequired
	var ae *mcp.AuthError
	if !errorsAs(err, &ir) || !errorsAs(err, &ae) {
		t.Fatalf("want InteractionRequired inside an AuthError, got %v", err)
	}
}

// A token that lives seconds is used, not refreshed before every request
// (x/oauth2's Valid keeps a 10 s margin: a 6 s token was never valid).
func TestShortLivedTokenIsUsed(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{ExpiresIn: 6 * time.Second})
	s, _, _ := signIn(t, srv, nil)
	for range 3 {
		if _, err := s.Call(context.Background(), "tools/call", map[string]any{"name": "whoami", "arguments": map[string]any{}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Refreshs.Load(); n != 0 {
		t.Fatalf("%d refreshes for a fresh 6 s token", n)
	}
}

// The auth events of a sign-in fold into its steps, each request paired
// with its answer, and who sonde is signed in as; a refresh updates it.
func TestFlowFromEvents(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{})
	s, ev, _ := signIn(t, srv, nil)
	var f oauth.Flow
	for _, e := range ev.All() {
		f.Apply(e)
	}
	if len(f.Attempts) != 1 || !f.Attempts[0].Done || f.Attempts[0].Failed != "" {
		t.Fatalf("attempts: %+v", f.Attempts)
	}
	var names []string
	for _, st := range f.Attempts[0].Steps {
		names = append(names, st.Name)
		for _, x := range st.Exchanges {
			if x.Request == nil || x.Answer == nil {
				t.Errorf("step %s: an exchange without its request or answer", st.Name)
			}
		}
	}
	if got := strings.Join(names, " "); got != "discover-resource discover-as register authorize callback token signed-in" {
		t.Fatalf("steps: %s", got)
	}
	if f.Signed == nil || f.Signed.Issuer != srv.Issuer || !f.Signed.Refresh || f.Signed.Expiry.IsZero() {
		t.Fatalf("signed in as %+v", f.Signed)
	}
	first := f.Signed.Expiry
	srv.ExpireAll()
	n := len(ev.All())
	if _, err := s.Call(context.Background(), "tools/call", map[string]any{"name": "whoami", "arguments": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	for _, e := range ev.All()[n:] {
		f.Apply(e)
	}
	if len(f.Attempts) != 2 || f.Attempts[1].Steps[0].Name != "refresh" || !f.Signed.Expiry.After(first.Add(-time.Second)) {
		t.Fatalf("after a refresh: %d attempts, signed %+v", len(f.Attempts), f.Signed)
	}
}

// A failure is explained in plain words.
func TestFlowExplainsFailure(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{NoPKCE: true})
	h, _ := oauth.New(oauth.Options{Server: srv.URL, Browser: &oauth.Loopback{Open: oauthtest.FollowRedirect}})
	var f oauth.Flow
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := mcp.Dial(ctx, mcp.Config{URL: srv.URL, OAuth: h, Keepalive: -1, OnEvent: func(e mcp.Event) { f.Apply(e) }}); err == nil {
		t.Fatal("signed in without PKCE")
	}
	a := f.Attempts[len(f.Attempts)-1]
	if !strings.Contains(a.Failed, "PKCE") || !strings.Contains(a.Explanation, "stolen authorization code") {
		t.Fatalf("failure %q explained as %q", a.Failed, a.Explanation)
	}
}

// firstAuthAnswer is the HTTP method of the first 401 of a log.
func firstAuthAnswer(es []mcp.Event) string {
	for _, e := range es {
		if e.Kind == mcp.KindHTTP && e.Status == 401 {
			return e.HTTPMethod
		}
	}
	return ""
}
