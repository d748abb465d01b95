package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/oauthtest"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
)

// tamperingBrowser visits the authorization URL without following its
// redirect and hands back the redirect changed by tamper.
type tamperingBrowser struct{ tamper func(url.Values) }

func (b *tamperingBrowser) Begin(context.Context, string) (oauth.Callback, error) { return b, nil }
func (b *tamperingBrowser) RedirectURI() string                                   { return "http://127.0.0.1:1/callback" }
func (b *tamperingBrowser) Close()                                                {}
func (b *tamperingBrowser) Wait(ctx context.Context, s oauth.SignIn) (*url.URL, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.URL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	q := u.Query()
	b.tamper(q)
	u.RawQuery = q.Encode()
	return u, nil
}

// Bad input from the servers of a sign-in: each a clear one-line error,
// no crash, nothing kept.
func TestBadInputFailsCleanly(t *testing.T) {
	huge := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"issuer":"` + strings.Repeat("x", 2<<20) + `"}`))
	}
	cases := []struct {
		name    string
		opts    oauthtest.Options
		tamper  func(url.Values)
		crossAS bool // resource_metadata on the authorization server's origin
		want    string
	}{
		{name: "huge metadata", opts: oauthtest.Options{ASMetadata: huge}, want: "larger than 1024 KiB"},
		{name: "malformed metadata", opts: oauthtest.Options{ASMetadata: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"issuer": "x", "token_endpoint": [`))
		}}, want: "malformed JSON"},
		{name: "HTML for metadata", opts: oauthtest.Options{ASMetadata: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><head><title>Sign in to Corp\n</title></head><body>form</body></html>"))
		}}, want: `an HTML page titled "Sign in to Corp" (text/html) instead of a JSON document`},
		{name: "redirect loop", opts: oauthtest.Options{ASMetadata: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}}, want: "stopped after 5 redirects"},
		{name: "metadata on another origin", crossAS: true, want: "on another origin than the server"},
		{name: "no PKCE", opts: oauthtest.Options{NoPKCE: true}, want: "does not support PKCE with S256"},
		{name: "wrong state", tamper: func(q url.Values) { q.Set("state", "forged") }, want: "state does not match"},
		{name: "error parameter", tamper: func(q url.Values) {
			q.Del("code")
			q.Set("error", "access_denied")
			q.Set("error_description", "the user said no")
		}, want: "refused: access_denied (the user said no)"},
		{name: "token endpoint 500", opts: oauthtest.Options{Token: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("<html><title>Internal Server Error</title>\nstack trace...</html>"))
		}}, want: `the token endpoint answered HTTP 500: an HTML page titled "Internal Server Error"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := oauthtest.New(t, c.opts)
			if c.crossAS {
				srv = oauthtest.New(t, oauthtest.Options{ResourceMetadataURL: "http://localhost:1/.well-known/oauth-protected-resource/mcp"})
			}
			store := oauth.NewStore(filepath.Join(t.TempDir(), "credentials.json"))
			var b oauth.Browser = &oauth.Loopback{Open: oauthtest.FollowRedirect, Timeout: 10 * time.Second}
			if c.tamper != nil {
				b = &tamperingBrowser{tamper: c.tamper}
			}
			h, err := oauth.New(oauth.Options{Server: srv.URL, Store: store, Browser: b})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, err := mcp.Dial(ctx, mcp.Config{URL: srv.URL, OAuth: h, Keepalive: -1, Timeout: 15 * time.Second})
			if err == nil {
				s.Close()
				t.Fatal("signed in")
			}
			var ae *mcp.AuthError
			if !errorsAs(err, &ae) || ae.Cause == nil {
				t.Fatalf("want a sign-in failure, got %T %v", err, err)
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || strings.ContainsAny(msg, "\n\r") || len(msg) > 600 {
				t.Fatalf("want one clear line with %q, got:\n%s", c.want, msg)
			}
			if all, _ := store.All(); len(all) != 0 {
				t.Fatalf("kept %+v", all)
			}
		})
	}
}
