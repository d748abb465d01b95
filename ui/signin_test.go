package ui

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/internal/oauthtest"
	"github.com/sonde-mcp/sonde/internal/rectest"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/dialog/signin"
)

// startAuthLive is startLive against an OAuth-protected server
// (internal/oauthtest): the session's handler asks through the UI, as
// sonde's own (cli) does.
func startAuthLive(t *testing.T, srv *oauthtest.Server, noBrowser bool, rec *store.Recorder) *live {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("SONDE_ERA_CACHE", "off")
	ctx, cancel := context.WithCancel(context.Background())
	opts := Options{Config: mcp.Config{URL: srv.URL, Keepalive: -1}}
	if rec != nil { // as sonde records every session
		opts.Tee, opts.Config.OnSecrets = rec.Record, func(v []string) { rec.AddSecrets(v...) }
	}
	opts.OAuthFor = func(cfg mcp.Config, ask oauth.Asker) mcp.OAuthHandler {
		h, err := oauth.New(oauth.Options{Server: cfg.URL, Browser: &oauth.Loopback{Asker: ask, NoBrowser: noBrowser, Timeout: 30 * time.Second}})
		if err != nil {
			t.Error(err)
			return nil
		}
		return h
	}
	m := newLive(ctx, opts)
	m.conn.manual, m.conn.reqs, m.ticking = true, nil, true
	m.env.consentGuard = 0
	m.env.opener = func(string) error { return nil }
	l := &live{cmds: newCmds(), t: t, m: m}
	t.Cleanup(func() {
		if m.conn.sess != nil {
			m.conn.sess.Close()
		}
		m.conn.feed.close()
		cancel()
		close(l.done)
		l.wg.Wait()
	})
	upd(m, tea.WindowSizeMsg{Width: 140, Height: 40})
	l.async(m.conn.asker.listen())
	l.async(m.conn.dial(&m.opts))
	return l
}

// replayOf is a replay model of the recording at path, with every event
// applied.
func replayOf(t *testing.T, path string) *Model {
	t.Helper()
	evs := rectest.Events(t, path)
	m := New(context.Background(), Options{}, nil)
	m.ticking = true
	upd(m, tea.WindowSizeMsg{Width: 140, Height: 40})
	upd(m, eventsMsg(evs))
	return m
}

// authLines are the auth view's lines of a screen (its box, less the
// times of day and the rest of the screen).
func authLines(screen string) string {
	var out []string
	in := false
	for _, l := range strings.Split(screen, "\n") {
		switch {
		case strings.Contains(l, "╭─ Auth "):
			in = true
		case in && strings.Contains(l, "╰"):
			in = false
		case in:
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// signInDialog waits for the sign-in dialog.
func (l *live) signInDialog() *signin.Dialog {
	l.t.Helper()
	var d *signin.Dialog
	l.pump("the sign-in dialog", func() bool {
		d, _ = l.m.dialogs.top().(*signin.Dialog)
		return d != nil
	})
	return d
}

func browse(t *testing.T, authURL string) string {
	t.Helper()
	loc, err := oauthtest.Visit(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// A server that answers 401 opens the sign-in dialog (the UI does not
// end); the person signs in in the browser, which comes back to sonde's
// listener (or, with --no-browser, pastes the URL it was sent back to):
// the dialog closes, the session connects and lists the tools, the
// header says who sonde is signed in as, and the auth view lists the
// steps. No token, code, verifier or secret is on any screen.
func TestSignInFromTheUI(t *testing.T) {
	for _, noBrowser := range []bool{false, true} {
		t.Run(map[bool]string{false: "browser", true: "paste"}[noBrowser], func(t *testing.T) {
			srv := oauthtest.New(t, oauthtest.Options{Scope: "mcp"})
			path := filepath.Join(t.TempDir(), "session.jsonl")
			rec, err := store.NewRecorder(store.RecorderOptions{Path: path, Header: store.Header{Target: srv.URL}})
			if err != nil {
				t.Fatal(err)
			}
			l := startAuthLive(t, srv, noBrowser, rec)
			m := l.m
			d := l.signInDialog()
			p := d.Prompt()
			screen := plain(m)
			for _, want := range []string{"Sign in", "needs you to sign in (it answered 401)", srv.Issuer, "scopes", "mcp"} {
				if !strings.Contains(screen, want) {
					t.Fatalf("the dialog lacks %q:\n%s", want, screen)
				}
			}
			if noBrowser == strings.Contains(screen, "open in the browser") {
				t.Fatalf("open offered with --no-browser %v:\n%s", noBrowser, screen)
			}
			back := browse(t, p.URL)
			if noBrowser {
				// a wrong paste is refused, and says why
				l.step(tea.PasteMsg{Content: "http://127.0.0.1:1/elsewhere?code=x"})
				if l.m.dialogs.top() != d || !strings.Contains(plain(m), "does not lead to") {
					t.Fatalf("a wrong paste:\n%s", plain(m))
				}
				l.step(tea.PasteMsg{Content: back})
			} else {
				l.press("enter")            // opens the browser (the test's opener)
				resp, err := http.Get(back) // the browser comes back to the listener
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			l.pump("signed in, connected and listed", func() bool {
				return m.dialogs.top() == nil && m.conn.sess != nil && m.panes.br.Loaded(listTools)
			})
			main := plain(m)
			if !strings.Contains(main, "whoami") {
				t.Fatalf("tools not listed:\n%s", main)
			}
			host := strings.TrimPrefix(srv.Issuer, "http://")
			if !strings.Contains(main, "signed in "+host+" │ mcp offline_access · 59m") {
				t.Fatalf("the header does not say who is signed in:\n%s", main)
			}
			screens := []string{screen, main}
			l.press("A")
			auth := plain(m)
			for _, want := range []string{"Sign-in 1", "✓ done", "discovery", "metadata", "registration", "authorize", "token", "signed in"} {
				if !strings.Contains(auth, want) {
					t.Fatalf("the auth view lacks %q:\n%s", want, auth)
				}
			}
			screens = append(screens, auth)
			// r refreshes the token now: a second attempt, a refresh
			l.press("r")
			l.pump("the refresh", func() bool {
				f := &m.s.Auth
				return len(f.Attempts) == 2 && f.Attempts[1].Done && strings.Contains(m.flash.text, "refreshed")
			})
			auth = plain(m)
			if !strings.Contains(auth, "Refresh 2") || !strings.Contains(auth, "✓ refresh       POST ") || m.s.Auth.Attempts[1].Failed != "" {
				t.Fatalf("after r:\n%s", auth)
			}
			screens = append(screens, auth)
			// every step's requests and answers, whole
			m.panes.auth.Sync()
			l.press("g")
			for range m.panes.auth.Len() {
				l.press("enter")
				screens = append(screens, plain(m))
				l.press("esc", "j")
			}
			if !strings.Contains(strings.Join(screens, "\n"), "••••••") {
				t.Fatal("no masked field in any step's detail (the token answer has some)")
			}
			// the replay of the recording shows the same sign-in
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := replayOf(t, path)
			press(r, "A")
			replayed := plain(r)
			if a, b := authLines(auth), authLines(replayed); a != b {
				t.Fatalf("the replay's auth view differs:\n%s\nlive:\n%s", b, a)
			}
			if !strings.Contains(replayed, "signed in "+host) {
				t.Fatalf("the replay's header does not say who was signed in:\n%s", replayed)
			}
			screens = append(screens, replayed, string(file))
			for _, s := range srv.Secrets() {
				for i, sc := range screens {
					if strings.Contains(sc, s) || strings.Contains(sc, url.QueryEscape(s)) {
						t.Fatalf("a secret (%d chars) is on screen %d:\n%s", len(s), i, sc)
					}
				}
			}
		})
	}
}

// Cancelling closes the dialog; the UI stays, says why in the auth view
// (in plain words), and R asks again.
func TestSignInCancelled(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{})
	l := startAuthLive(t, srv, false, nil)
	m := l.m
	l.signInDialog()
	l.press("esc")
	l.pump("the dial's failure", func() bool { return m.conn.err != nil && m.dialogs.top() == nil })
	if !strings.Contains(plain(m), "R retries") {
		t.Fatalf("no retry offered:\n%s", plain(m))
	}
	l.press("A")
	if v := plain(m); !strings.Contains(v, "✗ failed") || !strings.Contains(v, "why: You cancelled the sign-in") {
		t.Fatalf("the auth view does not explain the cancel:\n%s", v)
	}
	l.press("R")
	l.signInDialog()
}

// A call the server refuses with 403 insufficient_scope asks again in the
// dialog, naming the scope the server wants; once granted, the call
// goes on and its result shows. A scope the authorization server will not
// grant ends the call with the failure, explained in the auth view.
func TestStepUpFromTheUI(t *testing.T) {
	for _, deny := range []bool{false, true} {
		t.Run(map[bool]string{false: "granted", true: "denied"}[deny], func(t *testing.T) {
			srv := oauthtest.New(t, oauthtest.Options{AdminScope: "mcp:admin", DenyAdmin: deny})
			l := startAuthLive(t, srv, true, nil)
			m := l.m
			l.step(tea.PasteMsg{Content: browse(t, l.signInDialog().Prompt().URL)})
			l.pump("signed in and listed", func() bool { return m.dialogs.top() == nil && m.conn.sess != nil && m.panes.br.Loaded(listTools) })
			l.open(listTools, "admin")
			l.press("ctrl+r")
			d := l.signInDialog()
			if v := plain(m); !strings.Contains(v, "wants more access: mcp:admin (403 insufficient_scope)") {
				t.Fatalf("the step-up dialog:\n%s", v)
			}
			l.step(tea.PasteMsg{Content: browse(t, d.Prompt().URL)})
			res := l.result("the admin call's result")
			l.press("A")
			auth := plain(m)
			if !deny {
				if !strings.Contains(res, "admin done") || !strings.Contains(auth, "Step-up sign-in 2") || !strings.Contains(plain(m), "mcp:admin") {
					t.Fatalf("after the step-up:\n%s\n%s", res, auth)
				}
				return
			}
			if !strings.Contains(auth, "✗ step-up") || !strings.Contains(auth, "why: The scopes asked for were refused") {
				t.Fatalf("a denied step-up:\n%s\n%s", res, auth)
			}
		})
	}
}

// Over legacy HTTP+SSE the GET stream's 401 opens the same dialog.
func TestSignInFromTheUILegacySSE(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{SSE: true})
	l := startAuthLive(t, srv, true, nil)
	m := l.m
	l.step(tea.PasteMsg{Content: browse(t, l.signInDialog().Prompt().URL)})
	l.pump("signed in and listed", func() bool { return m.dialogs.top() == nil && m.conn.sess != nil && m.panes.br.Loaded(listTools) })
	if v := plain(m); !strings.Contains(v, "whoami") || !strings.Contains(v, "signed in "+strings.TrimPrefix(srv.Issuer, "http://")) ||
		m.s.Conn.Info == nil || m.s.Conn.Info.Transport != mcp.TransportSSE {
		t.Fatalf("over legacy SSE:\n%s", v)
	}
}
