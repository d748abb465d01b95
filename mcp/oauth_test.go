package mcp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"golang.org/x/oauth2"
)

// countingAuth is an OAuthHandler that hands out a token on Authorize.
type countingAuth struct {
	calls atomic.Int64
	token string
	err   error
}

func (a *countingAuth) TokenSource(context.Context) (oauth2.TokenSource, error) {
	if a.calls.Load() == 0 {
		return nil, nil
	}
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: a.token}), nil
}

func (a *countingAuth) Authorize(_ context.Context, _ *http.Request, resp *http.Response) error {
	resp.Body.Close()
	a.calls.Add(1)
	return a.err
}

// The go-sdk's contract: a 401 starts Authorize once per request; a
// request that fails again is not authorized a second time, and the 401
// is reported as an AuthError.
func TestOAuthAuthorizeOncePerRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="x"`)
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer srv.Close()
	a := &countingAuth{token: "tok-1234567"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Dial(ctx, Config{URL: srv.URL, Transport: TransportHTTP, Protocol: LatestProtocol, OAuth: a, Keepalive: -1})
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("want an AuthError 401, got %v", err)
	}
	if n := a.calls.Load(); n != 1 {
		t.Fatalf("Authorize called %d times, want 1", n)
	}
}

// A token obtained by Authorize goes on the retried request, and only to
// the user's origin.
func TestOAuthTokenSentAfterAuthorize(t *testing.T) {
	var withToken atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-1234567" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		withToken.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"t","version":"1"}}}`))
	}))
	defer srv.Close()
	a := &countingAuth{token: "tok-1234567"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var sawToken atomic.Bool
	s, err := Dial(ctx, Config{URL: srv.URL, Transport: TransportHTTP, Protocol: LatestProtocol, OAuth: a, Keepalive: -1,
		OnEvent: func(e Event) {
			for _, v := range e.Header["Authorization"] {
				if v != "Bearer "+Redacted {
					sawToken.Store(true)
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if withToken.Load() == 0 || a.calls.Load() != 1 {
		t.Fatalf("token requests %d, authorize %d", withToken.Load(), a.calls.Load())
	}
	if sawToken.Load() {
		t.Fatal("an event shows the token")
	}
}

// A 403 the handler says is not for it is reported as the server's 403.
func TestOAuthNotForAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	defer srv.Close()
	a := &countingAuth{err: ErrNotForAuth}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Dial(ctx, Config{URL: srv.URL, Transport: TransportHTTP, Protocol: LatestProtocol, OAuth: a, Keepalive: -1})
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != 403 || ae.Cause != nil {
		t.Fatalf("want the server's 403, got %v", err)
	}
}

// staticAuth is signed in from the start (benchmarks).
type staticAuth struct{ token string }

func (a staticAuth) TokenSource(context.Context) (oauth2.TokenSource, error) {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: a.token}), nil
}

func (a staticAuth) Authorize(_ context.Context, _ *http.Request, resp *http.Response) error {
	resp.Body.Close()
	return errors.New("refused")
}

// The request sent again after a sign-in can fail too (the server went
// away): its error is returned, not a nil answer.
func TestOAuthRetryFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	a := &closingAuth{close: srv.CloseClientConnections, stop: func() { srv.Listener.Close() }}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Dial(ctx, Config{URL: srv.URL, Transport: TransportHTTP, Protocol: LatestProtocol, OAuth: a, Keepalive: -1})
	var ce *ConnectError
	var ae *AuthError
	if err == nil || errors.As(err, &ae) || !errors.As(err, &ce) && !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("want the retry's connection failure, got %v", err)
	}
}

// closingAuth signs in, and stops the server while doing so.
type closingAuth struct{ close, stop func() }

func (a *closingAuth) TokenSource(context.Context) (oauth2.TokenSource, error) { return nil, nil }
func (a *closingAuth) Authorize(_ context.Context, _ *http.Request, resp *http.Response) error {
	resp.Body.Close()
	a.stop()
	a.close()
	return nil
}

// The go-sdk's own handlers fit Config.OAuth: the contract is theirs.
var (
	_ OAuthHandler = (*sdkauth.AuthorizationCodeHandler)(nil)
	_ OAuthHandler = (sdkauth.OAuthHandler)(nil)
)
