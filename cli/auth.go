package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/termsafe"
)

// Signing in: every command that connects to an http(s) server signs in
// when the server answers 401 (package oauth), with the credentials kept
// in config.CredentialsPath() when there are some; sonde auth login,
// status and logout manage them.

// grants maps --grant to the OAuth grant.
var grants = map[string]string{
	"": oauth.GrantAuthorizationCode, "authorization-code": oauth.GrantAuthorizationCode,
	"client-credentials": oauth.GrantClientCredentials, "jwt-bearer": oauth.GrantJWTBearer, "enterprise": oauth.GrantTokenExchange,
}

// ownAuthorization reports whether the user gave credentials of their own
// for the server (then sonde does not sign in).
func ownAuthorization(cfg *mcp.Config) bool {
	return cfg.Bearer != "" || cfg.Header.Get("Authorization") != ""
}

// authHandler builds the sign-in for cfg's server. Unless
// --no-interactive-auth, it runs the browser step with prompts on out
// and, for --no-browser, the pasted URL read from env's stdin (the UI
// replaces that asker with its sign-in dialog: see uiOptions).
func (o *options) authHandler(cfg *mcp.Config, env Env, out io.Writer) (*oauth.Handler, error) {
	opts, err := o.authOptions(cfg, env, out)
	if err != nil {
		return nil, err
	}
	return oauth.New(opts)
}

// authOptions are the options of cfg's sign-in (see authHandler).
func (o *options) authOptions(cfg *mcp.Config, env Env, out io.Writer) (oauth.Options, error) {
	grant, ok := grants[o.grant]
	if !ok {
		return oauth.Options{}, usagef("unknown --grant %q (authorization-code, client-credentials, jwt-bearer or enterprise)", o.grant)
	}
	secret := o.clientSecret
	if secret == "" {
		secret = os.Getenv("SONDE_CLIENT_SECRET")
	}
	opts := oauth.Options{Server: cfg.URL, ClientID: o.clientID, ClientSecret: secret, ClientMetadataURL: o.clientMetadataURL,
		Grant: grant, NoDPoP: o.noDPoP, Store: oauth.NewStore(config.CredentialsPath()), HTTPClient: cfg.Client(),
		AllowCrossOrigin: cfg.AllowCrossOrigin}
	if o.scope != "" {
		opts.Scopes = strings.Fields(o.scope)
	}
	if o.clientKey != "" {
		key, err := os.ReadFile(o.clientKey)
		if err != nil {
			return opts, usagef("--client-key: %v", err)
		}
		opts.ClientKey = key
	}
	if (secret != "" || o.clientKey != "") && o.clientID == "" {
		return opts, usagef("--client-secret and --client-key need --client-id")
	}
	if o.assertion != "" {
		opts.Assertion = readToken(o.assertion)
	}
	if o.idToken != "" || o.idp != "" {
		if o.idToken == "" || o.idp == "" {
			return opts, usagef("--grant enterprise needs both --id-token FILE and --idp URL")
		}
		opts.Enterprise = &oauth.Enterprise{IDToken: readToken(o.idToken), Issuer: o.idp, ClientID: o.idpClientID}
	}
	switch {
	case grant == oauth.GrantJWTBearer && opts.Assertion == nil:
		return opts, usagef("--grant jwt-bearer needs --assertion FILE")
	case grant == oauth.GrantTokenExchange && opts.Enterprise == nil:
		return opts, usagef("--grant enterprise needs --id-token FILE and --idp URL")
	case grant == oauth.GrantClientCredentials && (o.clientID == "" || secret == "" && o.clientKey == ""):
		return opts, usagef("--grant client-credentials needs --client-id with --client-secret or --client-key")
	}
	if !o.noInteractiveAuth {
		opts.Browser = &oauth.Loopback{Out: out, In: env.Stdin, NoBrowser: o.noBrowser, Open: openURL}
	}
	return opts, nil
}

// openURL opens the browser (nil: the system's; tests replace it).
var openURL func(url string) error

// readToken reads a token file afresh each time (workload identity tokens
// are rotated in place).
func readToken(path string) func() (string, error) {
	return func() (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
}

// attachAuth sets up signing in for a command's session, unless the
// target is not http(s) or the user gave credentials of their own.
func (o *options) attachAuth(cfg *mcp.Config, env Env) error {
	if cfg.URL == "" || ownAuthorization(cfg) {
		return nil
	}
	h, err := o.authHandler(cfg, env, env.Stderr)
	if err != nil {
		return err
	}
	cfg.OAuth = h
	return nil
}

// runAuth is sonde auth login|status|logout.
func runAuth(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(command) > 0 {
		return usagef("sonde auth signs in to http(s) servers; a stdio server needs no sign-in")
	}
	if len(pos) == 0 {
		return usagef("sonde auth needs login TARGET, status [TARGET] or logout TARGET")
	}
	sub, rest := pos[0], pos[1:]
	switch sub {
	case "status":
		if len(rest) > 1 {
			return usagef("auth status: unexpected argument %q", rest[1])
		}
		return authStatus(o, rest, env)
	case "login", "logout":
		if len(rest) != 1 {
			return usagef("auth %s needs one TARGET (an http(s) URL)", sub)
		}
		if !isURL(rest[0]) {
			return usagef("TARGET %q is not an http(s) URL", mcp.RedactURL(rest[0]))
		}
		if sub == "logout" {
			return authLogout(ctx, rest[0], env)
		}
		return authLogin(ctx, o, rest[0], env)
	}
	return usagef("unknown auth command %q (login, status or logout)", sub)
}

// authLogin connects to the server and signs in as its 401 asks (or, if
// it asks for nothing, as its metadata says), and keeps the credentials.
func authLogin(ctx context.Context, o *options, url string, env Env) error {
	cfg, err := o.config(url, nil)
	if err != nil {
		return err
	}
	if ownAuthorization(&cfg) {
		return usagef("sonde auth login obtains a token; --bearer or an Authorization header gives one already")
	}
	h, err := o.authHandler(&cfg, env, env.Stderr)
	if err != nil {
		return err
	}
	cfg.OAuth = h
	cfg.Keepalive = -1
	if o.verbose {
		p := &eventPrinter{w: &syncWriter{w: env.Stderr}}
		cfg.OnEvent = p.print
	}
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		return &connectFailure{err}
	}
	defer s.Close()
	if h.Credential() == nil {
		// The server let sonde in without a token: sign in all the same
		// (a login is asked for), from its metadata.
		if err := h.SignIn(ctx); err != nil {
			return &mcp.AuthError{Method: "GET", URL: mcp.RedactURL(url), Cause: err}
		}
	}
	c := h.Credential()
	fmt.Fprintf(env.Stdout, "signed in to %s\n  %s\n", mcp.RedactURL(url), strings.Join(describeCredential(c), "\n  "))
	if p := config.CredentialsPath(); p != "" {
		fmt.Fprintf(env.Stdout, "  kept in %s\n", p)
	}
	return nil
}

// describeCredential says what a sign-in holds, secrets left out.
func describeCredential(c *oauth.Credential) []string {
	token := "valid " + validFor(c.Expiry)
	if strings.EqualFold(c.TokenType, "DPoP") {
		token = "DPoP-bound " + token
	}
	if c.RefreshToken != "" {
		token += ", refresh token kept"
	} else {
		token += ", no refresh token"
	}
	scopes := "(none named)"
	if len(c.Scopes) > 0 {
		scopes = strings.Join(c.Scopes, " ")
	}
	client := c.ClientID
	if c.Registration != "" {
		client += " (" + c.Registration + ")"
	}
	return []string{"issuer   " + termsafe.Line(c.Issuer), "client   " + termsafe.Line(client),
		"scopes   " + termsafe.Line(scopes), "token    " + token}
}

func validFor(exp time.Time) string {
	if exp.IsZero() {
		return "(no expiry stated)"
	}
	d := time.Until(exp).Round(time.Second)
	if d <= 0 {
		return "no longer (expired " + (-d).String() + " ago)"
	}
	return "for " + d.String()
}

// authStatus lists the kept sign-ins (of one server).
func authStatus(o *options, rest []string, env Env) error {
	store := oauth.NewStore(config.CredentialsPath())
	if store == nil {
		return fmt.Errorf("SONDE_CREDENTIALS=off: sonde keeps no credentials")
	}
	var cs []oauth.Credential
	var err error
	if len(rest) == 1 {
		cs, err = store.ForServer(rest[0])
	} else {
		cs, err = store.All()
	}
	if err != nil {
		return err
	}
	if o.json {
		type entry struct {
			Server       string    `json:"server"`
			Issuer       string    `json:"issuer"`
			Resource     string    `json:"resource"`
			ClientID     string    `json:"client_id"`
			Registration string    `json:"registration,omitempty"`
			Scopes       []string  `json:"scopes,omitempty"`
			TokenType    string    `json:"token_type,omitempty"`
			Expiry       time.Time `json:"expiry,omitzero"`
			Refresh      bool      `json:"refresh_token"`
		}
		out := []entry{}
		for _, c := range cs {
			out = append(out, entry{c.Server, c.Issuer, c.Resource, c.ClientID, c.Registration, c.Scopes, c.TokenType, c.Expiry, c.RefreshToken != ""})
		}
		b, _ := json.Marshal(map[string]any{"credentials": out})
		fmt.Fprintf(env.Stdout, "%s\n", b)
		return nil
	}
	if len(cs) == 0 {
		what := "any server"
		if len(rest) == 1 {
			what = mcp.RedactURL(rest[0])
		}
		fmt.Fprintf(env.Stdout, "(not signed in to %s)\n", what)
		return nil
	}
	for _, c := range cs {
		fmt.Fprintf(env.Stdout, "%s\n  %s\n", termsafe.Line(mcp.RedactURL(c.Server)), strings.Join(describeCredential(&c), "\n  "))
	}
	return nil
}

// authLogout forgets the server's credentials and asks the authorization
// server to revoke them where it offers that (RFC 7009).
func authLogout(ctx context.Context, url string, env Env) error {
	store := oauth.NewStore(config.CredentialsPath())
	gone, err := store.Delete(url)
	if err != nil {
		return err
	}
	if len(gone) == 0 {
		fmt.Fprintf(env.Stdout, "(not signed in to %s)\n", mcp.RedactURL(url))
		return nil
	}
	for _, c := range gone {
		note := "no revocation endpoint: the tokens stay valid until they expire"
		if c.RevocationEndpoint != "" {
			rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			what, err := oauth.Revoke(rctx, &c, http.DefaultClient)
			cancel()
			if err != nil {
				note = "revoking at " + mcp.RedactURL(c.RevocationEndpoint) + " failed: " + termsafe.Line(err.Error())
			} else {
				note = "revoked at " + mcp.RedactURL(c.RevocationEndpoint) + ": " + what
			}
		}
		fmt.Fprintf(env.Stdout, "signed out of %s (issuer %s): %s\n", mcp.RedactURL(url), termsafe.Line(c.Issuer), note)
	}
	return nil
}
