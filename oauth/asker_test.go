package oauth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/oauthtest"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
)

// chanAsker hands each prompt to the test, as the UI's asker hands it to
// the event loop.
type chanAsker chan *oauth.Prompt

func (a chanAsker) Ask(p *oauth.Prompt) { a <- p }

func redirectOf(t *testing.T, authURL string) string {
	t.Helper()
	loc, err := oauthtest.Visit(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// dialAsking dials srv with a handler whose browser step asks through a
// channel; it returns the prompts and the dial's outcome.
func dialAsking(t *testing.T, srv *oauthtest.Server, noBrowser bool) (chanAsker, chan error, *events) {
	t.Helper()
	ask := make(chanAsker, 1)
	h, err := oauth.New(oauth.Options{Server: srv.URL, Browser: &oauth.Loopback{Asker: ask, NoBrowser: noBrowser, Timeout: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	go func() {
		s, err := mcp.Dial(ctx, mcp.Config{URL: srv.URL, OAuth: h, OnEvent: ev.Add, Keepalive: -1})
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		done <- err
	}()
	return ask, done, ev
}

func waitPrompt(t *testing.T, ask chanAsker) *oauth.Prompt {
	t.Helper()
	select {
	case p := <-ask:
		return p
	case <-time.After(20 * time.Second):
		t.Fatal("no prompt for the person")
	}
	return nil
}

// The person's side of the browser step is an Asker: it gets who the
// sign-in is for and where to go, and answers by pasting the URL the
// browser was sent back to. A paste that is no such URL is refused and
// the prompt still waits.
func TestAskerPastes(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{Scope: "mcp"})
	ask, done, ev := dialAsking(t, srv, true)
	p := waitPrompt(t, ask)
	if p.Server != srv.URL || p.Issuer != srv.Issuer || !slices.Contains(p.Scopes, "mcp") || !p.NoBrowser || len(p.StepUp) > 0 {
		t.Fatalf("prompt: %+v", p)
	}
	if !strings.HasPrefix(p.URL, srv.Issuer+"/authorize?") || !strings.HasPrefix(p.Redirect, "http://127.0.0.1:") {
		t.Fatalf("prompt URLs: %s → %s", p.URL, p.Redirect)
	}
	if err := p.Paste("http://127.0.0.1:1/elsewhere?code=x&state=y"); err == nil {
		t.Fatal("a URL leading elsewhere was taken")
	}
	select {
	case <-p.Done():
		t.Fatal("a refused paste ended the prompt")
	default:
	}
	if err := p.Paste(redirectOf(t, p.URL)); err != nil {
		t.Fatalf("paste: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("dial after the paste: %v", err)
	}
	<-p.Done()
	var f oauth.Flow
	for _, e := range ev.All() {
		f.Apply(e)
	}
	if f.Signed == nil || f.Signed.Issuer != srv.Issuer {
		t.Fatalf("signed in as %+v", f.Signed)
	}
}

// Cancelling ends the sign-in at once: the dial fails as auth required,
// and the flow explains it.
func TestAskerCancels(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{})
	ask, done, ev := dialAsking(t, srv, false)
	p := waitPrompt(t, ask)
	p.Cancel()
	err := <-done
	var ae *mcp.AuthError
	if !errors.As(err, &ae) || !errors.Is(err, oauth.ErrCancelled) {
		t.Fatalf("want an AuthError for the cancelled sign-in, got %v", err)
	}
	<-p.Done()
	// a paste after the cancel changes nothing
	p.Paste(redirectOf(t, p.URL))
	var f oauth.Flow
	for _, e := range ev.All() {
		f.Apply(e)
	}
	a := f.Attempts[len(f.Attempts)-1]
	if !a.Done || !strings.Contains(a.Failed, "cancelled") || !strings.Contains(a.Explanation, "not authorised") {
		t.Fatalf("attempt: failed %q, explained %q", a.Failed, a.Explanation)
	}
	if f.Signed != nil {
		t.Fatalf("signed in after a cancel: %+v", f.Signed)
	}
}

// The prompt ends when the session's context does (the UI quit): its
// dialog closes.
func TestPromptEndsWithContext(t *testing.T) {
	p := oauth.NewPrompt(oauth.SignIn{URL: "http://127.0.0.1:1/authorize"}, "http://127.0.0.1:2/callback", false)
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() {
		_, err := p.Answer(ctx)
		res <- err
	}()
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("answer: %v", err)
	}
	<-p.Done()
}

// A 403 insufficient_scope asks the person again, saying which scopes the
// server wants on top; the step-up's end shows in the flow. A server that
// still refuses after the step-ups allowed is a failure the flow shows
// too (it returned without an event before).
func TestStepUpPrompt(t *testing.T) {
	for _, deny := range []bool{false, true} {
		t.Run(map[bool]string{false: "granted", true: "denied"}[deny], func(t *testing.T) {
			srv := oauthtest.New(t, oauthtest.Options{AdminScope: "mcp:admin", DenyAdmin: deny})
			ask := make(chanAsker, 1)
			browse := func() {
				for p := range ask {
					p.Paste(redirectOf(t, p.URL))
				}
			}
			go browse()
			h, _ := oauth.New(oauth.Options{Server: srv.URL, Browser: &oauth.Loopback{Asker: prompts{ask, t}, Timeout: 20 * time.Second}})
			ev := &events{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := mcp.Dial(ctx, mcp.Config{URL: srv.URL, OAuth: h, OnEvent: ev.Add, Keepalive: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_, err = s.Call(ctx, "tools/call", map[string]any{"name": "admin", "arguments": map[string]any{}})
			close(ask)
			var f oauth.Flow
			for _, e := range ev.All() {
				f.Apply(e)
			}
			last := f.Attempts[len(f.Attempts)-1]
			if !deny {
				if err != nil || !last.StepUp() || last.Failed != "" || !slices.Contains(f.Signed.Scopes, "mcp:admin") {
					t.Fatalf("step-up: err %v, last attempt %+v, signed %+v", err, last, f.Signed)
				}
				return
			}
			if err == nil || !last.StepUp() || !strings.Contains(last.Failed, "insufficient_scope") || !strings.Contains(last.Explanation, "scopes") {
				t.Fatalf("a refused step-up: err %v, failed %q, explained %q", err, last.Failed, last.Explanation)
			}
		})
	}
}

// prompts checks every step-up prompt names the scope the server wants.
type prompts struct {
	ch chanAsker
	t  *testing.T
}

func (p prompts) Ask(pr *oauth.Prompt) {
	if len(pr.StepUp) > 0 && !slices.Equal(pr.StepUp, []string{"mcp:admin"}) {
		p.t.Errorf("step-up prompt asks for %v", pr.StepUp)
	}
	p.ch <- pr
}
