// Package oauthtest runs, for tests, an MCP server (the go-sdk's, on
// Streamable HTTP or legacy SSE) behind a small OAuth 2.1 authorization
// server on loopback: protected resource metadata, authorization server
// metadata, dynamic registration, an authorization endpoint that
// redirects straight back with a code, a token endpoint that checks PKCE
// and the resource indicator and rotates refresh tokens. It remembers
// every secret it handed out or received, so tests can look for them in
// sonde's outputs.
package oauthtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options shape the server.
type Options struct {
	// SSE serves the MCP server on legacy HTTP+SSE instead of Streamable HTTP.
	SSE bool
	// ExpiresIn is the access tokens' lifetime (default an hour).
	ExpiresIn time.Duration
	// NoPKCE leaves code_challenge_methods_supported out of the metadata.
	NoPKCE bool
	// Scope is asked for in the challenge ("" for none).
	Scope string
	// ASMetadata, if set, replaces the metadata answer (bad input tests).
	ASMetadata http.HandlerFunc
	// Token, if set, replaces the token endpoint (bad input tests).
	Token http.HandlerFunc
	// ResourceMetadataURL, if set, is named in the challenge instead of
	// the server's own.
	ResourceMetadataURL string
	// ClientID and ClientSecret are a pre-registered client, which may
	// use the client credentials grant.
	ClientID, ClientSecret string
	// AdminScope, if set, is the scope the tool "admin" needs: a token
	// without it is refused with 403 insufficient_scope naming it (a
	// step-up). DenyAdmin makes the authorization server never grant it.
	AdminScope string
	DenyAdmin  bool
	// NoMetadata makes the MCP server a bare one that answers 401 and
	// says nothing else: no protected resource metadata, and nothing but
	// the MCP endpoint on its origin (404), so the 2025-03-26 fallbacks
	// find nothing either.
	NoMetadata bool
}

// Server is the pair of servers.
type Server struct {
	// URL is the MCP endpoint.
	URL string
	// Issuer is the authorization server.
	Issuer string

	opts Options
	mu   sync.Mutex
	// tokens maps live access tokens to their expiry.
	tokens   map[string]time.Time
	scopes   map[string]string // granted scope, by access and refresh token
	refresh  map[string]bool
	codes    map[string]codeGrant
	secrets  []string
	calls    atomic.Int64
	Refreshs atomic.Int64
	Denied   atomic.Int64
}

type codeGrant struct {
	challenge, resource, redirect, scope string
}

func randText() string { return rand.Text() }

// New starts the servers; they stop when the test ends.
func New(t testing.TB, opts Options) *Server {
	if opts.ExpiresIn == 0 {
		opts.ExpiresIn = time.Hour
	}
	s := &Server{opts: opts, tokens: map[string]time.Time{}, scopes: map[string]string{}, refresh: map[string]bool{}, codes: map[string]codeGrant{}}
	as := httptest.NewServer(http.HandlerFunc(s.serveAS))
	t.Cleanup(as.Close)
	s.Issuer = as.URL
	mcpSrv := sdk.NewServer(&sdk.Implementation{Name: "oauthtest", Version: "1.0.0"}, nil)
	sdk.AddTool(mcpSrv, &sdk.Tool{Name: "whoami", Description: "says who is signed in"},
		func(ctx context.Context, r *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, any, error) {
			s.calls.Add(1)
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "signed in"}}}, nil, nil
		})
	if opts.AdminScope != "" {
		sdk.AddTool(mcpSrv, &sdk.Tool{Name: "admin", Description: "needs the admin scope"},
			func(ctx context.Context, r *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, any, error) {
				s.calls.Add(1)
				return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "admin done"}}}, nil, nil
			})
	}
	var h http.Handler
	if opts.SSE {
		h = sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return mcpSrv }, nil)
	} else {
		h = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return mcpSrv }, &sdk.StreamableHTTPOptions{Stateless: false})
	}
	rs := httptest.NewServer(s.guard(h))
	t.Cleanup(rs.Close)
	s.URL = rs.URL + "/mcp"
	return s
}

// Secrets are every secret the servers handed out or received: tokens,
// refresh tokens, codes, verifiers, client secrets.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}

func (s *Server) keep(v ...string) {
	s.mu.Lock()
	for _, x := range v {
		if x != "" {
			s.secrets = append(s.secrets, x)
		}
	}
	s.mu.Unlock()
}

// ExpireAll makes every access token expire now (the server refuses them).
func (s *Server) ExpireAll() {
	s.mu.Lock()
	for k := range s.tokens {
		s.tokens[k] = time.Now().Add(-time.Second)
	}
	s.mu.Unlock()
}

// guard answers 401 with a challenge unless a live token is presented.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.NoMetadata && r.URL.Path != "/mcp" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/.well-known/oauth-protected-resource/mcp" || r.URL.Path == "/.well-known/oauth-protected-resource" {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"resource": s.URL, "authorization_servers": []string{s.Issuer}})
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		exp, ok := s.tokens[tok]
		s.mu.Unlock()
		if !ok || time.Now().After(exp) {
			s.Denied.Add(1)
			rm := s.opts.ResourceMetadataURL
			if rm == "" {
				rm = strings.TrimSuffix(s.URL, "/mcp") + "/.well-known/oauth-protected-resource/mcp"
			}
			ch := fmt.Sprintf(`Bearer resource_metadata="%s"`, rm)
			if s.opts.NoMetadata {
				ch = `Bearer realm="mcp"`
			}
			if s.opts.Scope != "" {
				ch += fmt.Sprintf(`, scope="%s"`, s.opts.Scope)
			}
			if ok {
				ch += `, error="invalid_token"`
			}
			w.Header().Set("WWW-Authenticate", ch)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if s.opts.AdminScope != "" && r.Method == http.MethodPost {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
			var call struct {
				Method string `json:"method"`
				Params struct {
					Name string `json:"name"`
				} `json:"params"`
			}
			json.Unmarshal(body, &call)
			s.mu.Lock()
			granted := strings.Fields(s.scopes[tok])
			s.mu.Unlock()
			if call.Method == "tools/call" && call.Params.Name == "admin" && !slices.Contains(granted, s.opts.AdminScope) {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope="%s", resource_metadata="%s"`,
					s.opts.AdminScope, strings.TrimSuffix(s.URL, "/mcp")+"/.well-known/oauth-protected-resource/mcp"))
				http.Error(w, "insufficient scope", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) serveAS(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/oauth-authorization-server":
		if s.opts.ASMetadata != nil {
			s.opts.ASMetadata(w, r)
			return
		}
		m := map[string]any{"issuer": s.Issuer, "authorization_endpoint": s.Issuer + "/authorize", "token_endpoint": s.Issuer + "/token",
			"registration_endpoint": s.Issuer + "/register", "response_types_supported": []string{"code"},
			"grant_types_supported": []string{"authorization_code", "refresh_token", "client_credentials"}, "token_endpoint_auth_methods_supported": []string{"none", "client_secret_basic"},
			"scopes_supported": []string{"mcp", "offline_access"}}
		if !s.opts.NoPKCE {
			m["code_challenge_methods_supported"] = []string{"S256"}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(m)
	case "/register":
		var meta map[string]any
		json.NewDecoder(r.Body).Decode(&meta)
		id, secret := "client-"+randText()[:8], "secret-"+randText()
		s.keep(secret)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"client_id": id, "client_secret": secret, "redirect_uris": meta["redirect_uris"],
			"token_endpoint_auth_method": "client_secret_basic"})
	case "/authorize":
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE required", http.StatusBadRequest)
			return
		}
		code := "code-" + randText()
		s.mu.Lock()
		s.codes[code] = codeGrant{challenge: q.Get("code_challenge"), resource: q.Get("resource"), redirect: q.Get("redirect_uri"), scope: s.grant(q.Get("scope"))}
		s.secrets = append(s.secrets, code)
		s.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		bq := back.Query()
		bq.Set("code", code)
		bq.Set("state", q.Get("state"))
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	case "/token":
		if s.opts.Token != nil {
			s.opts.Token(w, r)
			return
		}
		s.token(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	s.keep(r.PostForm.Get("code_verifier"), r.PostForm.Get("client_secret"))
	if _, sec, ok := r.BasicAuth(); ok {
		s.keep(sec)
	}
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	s.mu.Lock()
	scope := "mcp offline_access"
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g, ok := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || r.PostForm.Get("resource") != g.resource || g.resource != s.URL {
			s.mu.Unlock()
			fail("invalid_grant")
			return
		}
		scope = g.scope
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !s.refresh[rt] {
			s.mu.Unlock()
			fail("invalid_grant")
			return
		}
		delete(s.refresh, rt) // rotation: each refresh token works once
		s.Refreshs.Add(1)
		scope = s.scopes[rt]
	case "client_credentials":
		id, sec, ok := r.BasicAuth()
		if !ok {
			id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if s.opts.ClientID == "" || id != s.opts.ClientID || sec != s.opts.ClientSecret {
			s.mu.Unlock()
			fail("invalid_client")
			return
		}
	default:
		s.mu.Unlock()
		fail("unsupported_grant_type")
		return
	}
	access, refresh := "at-"+randText(), "rt-"+randText()
	s.tokens[access] = time.Now().Add(s.opts.ExpiresIn)
	s.refresh[refresh] = true
	s.scopes[access], s.scopes[refresh] = scope, scope
	s.secrets = append(s.secrets, access, refresh)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
		"expires_in": int(s.opts.ExpiresIn / time.Second), "scope": scope})
}

// grant is the scope granted for the scope asked for: mcp and
// offline_access, and what was asked (the admin scope only unless
// DenyAdmin).
func (s *Server) grant(asked string) string {
	out := []string{"mcp", "offline_access"}
	for _, sc := range strings.Fields(asked) {
		if !slices.Contains(out, sc) && !(s.opts.DenyAdmin && sc == s.opts.AdminScope) {
			out = append(out, sc)
		}
	}
	return strings.Join(out, " ")
}

// Calls counts the tool calls the MCP server answered.
func (s *Server) Calls() int64 { return s.calls.Load() }

// FollowRedirect is a browser for tests: it visits the authorization URL
// and follows its redirect to the loopback listener.
func FollowRedirect(u string) error {
	go func() {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
		}
	}()
	return nil
}

// Visit plays the browser at an authorization URL: it asks for it without
// following the redirect and returns the URL the browser was sent back to
// (the code, the state and, when the server adds one, iss).
func Visit(authURL string) (string, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", fmt.Errorf("no redirect from the authorization endpoint (HTTP %d)", resp.StatusCode)
	}
	return loc, nil
}
