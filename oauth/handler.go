// Package oauth signs sonde in to MCP servers that want OAuth 2.1: the
// authorization code flow with PKCE of the MCP specification (protected
// resource metadata, authorization server metadata, client ID metadata
// documents, pre-registered clients, dynamic registration, resource
// indicators, scopes and step-up, refresh with rotation, RFC 9207 iss
// checks) and the grants of the auth extensions (client credentials,
// workload identity JWT bearer, enterprise-managed authorization), with
// DPoP when the authorization server offers it.
//
// It builds on the go-sdk's oauthex types and registration and on
// golang.org/x/oauth2 (PKCE, the code exchange, refresh), and implements
// the go-sdk's OAuthHandler contract ([mcp.OAuthHandler]): sonde's
// transports call Authorize on a 401 or 403 and send the request once
// more. Every request of a sign-in and every step's verdict is reported to
// the session as an event of kind auth, with every secret learned by the
// session's scrubber first.
package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/sonde-mcp/sonde/mcp"
)

// Grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Options configure a [Handler].
type Options struct {
	// Server is the MCP server's URL.
	Server string
	// ClientID and ClientSecret are a pre-registered client (--client-id,
	// --client-secret). A client without a secret is public.
	ClientID, ClientSecret string
	// ClientKey, with ClientID, authenticates the client with a signed JWT
	// (private_key_jwt) instead of a secret: a PEM private key.
	ClientKey []byte
	// ClientMetadataURL is the client ID metadata document sonde is known
	// by (an https URL), used when the authorization server supports them.
	ClientMetadataURL string
	// Scopes, if set, are asked for instead of what the server names.
	Scopes []string
	// Grant picks the flow: "" (the authorization code flow), or one of
	// the extension grants: client_credentials, the JWT bearer grant
	// (workload identity: Assertion), token exchange (Enterprise).
	Grant string
	// Assertion returns the JWT presented in the JWT bearer grant
	// (workload identity federation), read afresh each time.
	Assertion func() (string, error)
	// Enterprise configures enterprise-managed authorization.
	Enterprise *Enterprise
	// NoDPoP keeps sonde from binding tokens with DPoP even when the
	// authorization server offers it.
	NoDPoP bool
	// Browser takes the person signing in to the authorization server and
	// back. Nil means no interaction: a sign-in that needs a person fails
	// with an *InteractionRequired error.
	Browser Browser
	// Store keeps credentials between runs (nil: this run only).
	Store *Store
	// HTTPClient is the client whose transport (proxy, TLS) the sign-in's
	// requests use.
	HTTPClient *http.Client
	// AllowCrossOrigin lets the server's resource_metadata name another
	// origin.
	AllowCrossOrigin bool
	// MaxStepUps bounds the sign-ins a 403 insufficient_scope may start
	// during one handler's life (default 2).
	MaxStepUps int
}

// InteractionRequired is the error of a sign-in that needs a person at a
// browser when none may be asked (--no-interactive-auth).
type InteractionRequired struct{ Server string }

func (e *InteractionRequired) Error() string {
	return "signing in to " + mcp.RedactURL(e.Server) + " needs a browser, and --no-interactive-auth forbids one; run 'sonde auth login " +
		mcp.RedactURL(e.Server) + "' first"
}

// Handler signs sonde in to one MCP server. It implements
// [mcp.OAuthHandler], [mcp.RequestSigner] and [mcp.AuthAttacher]. Its
// methods are safe for concurrent use; one sign-in runs at a time.
type Handler struct {
	opts   Options
	server *url.URL
	client *http.Client

	repMu sync.Mutex
	rep_  *reporter

	flow sync.Mutex // one sign-in at a time

	mu      sync.Mutex
	cred    *Credential    // the current sign-in, if any
	conf    *oauth2.Config // for refreshing cred
	granted []string       // scopes granted so far (step-up asks for more)
	stepUps int
	dpop    *dpopState
	rsNonce string
	ti      tokenInfo
	// rsDPoP is set when the protected resource says it takes DPoP.
	rsDPoP bool
}

// The contracts Handler fulfils for the transports.
var (
	_ mcp.OAuthHandler  = (*Handler)(nil)
	_ mcp.RequestSigner = (*Handler)(nil)
	_ mcp.AuthAttacher  = (*Handler)(nil)
)

// New returns a handler for the server opts names, with the credentials
// the store keeps for it (if any) already in use.
func New(opts Options) (*Handler, error) {
	u, err := url.Parse(opts.Server)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("oauth: bad server URL %q", mcp.RedactURL(opts.Server))
	}
	if opts.MaxStepUps == 0 {
		opts.MaxStepUps = 2
	}
	h := &Handler{opts: opts, server: u, rep_: &reporter{}}
	h.client = newClient(opts.HTTPClient, &wire{rep: h.rep, prepare: h.prepareTokenRequest, again: h.againForNonce})
	if creds, err := opts.Store.ForServer(opts.Server); err == nil && len(creds) > 0 {
		c := creds[0]
		h.use(&c, nil)
	}
	return h, nil
}

// Client is the sign-in's HTTP client: what goes through it is logged as
// the flow's events, with its secrets learned first.
func (h *Handler) Client() *http.Client { return h.client }

// SetBrowser replaces the browser step (Options.Browser).
func (h *Handler) SetBrowser(b Browser) {
	h.flow.Lock()
	h.opts.Browser = b
	h.flow.Unlock()
}

// Attach implements [mcp.AuthAttacher].
func (h *Handler) Attach(r mcp.AuthReporter) {
	h.repMu.Lock()
	h.rep_ = &reporter{r: r}
	h.repMu.Unlock()
	h.mu.Lock()
	c := h.cred
	h.mu.Unlock()
	if c != nil {
		r.Learn(c.Secrets()...)
	}
	r.Learn(h.opts.ClientSecret) // --client-secret, from the start
	if e := h.opts.Enterprise; e != nil {
		r.Learn(e.ClientSecret)
	}
}

func (h *Handler) rep() *reporter {
	h.repMu.Lock()
	defer h.repMu.Unlock()
	return h.rep_
}

// Credential returns the current sign-in (a copy), or nil.
func (h *Handler) Credential() *Credential {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cred == nil {
		return nil
	}
	c := *h.cred
	return &c
}

// use makes c the current sign-in; conf refreshes it (built from c when nil).
func (h *Handler) use(c *Credential, conf *oauth2.Config) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cred = c
	if conf == nil {
		conf = &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: c.TokenEndpoint, AuthStyle: authStyle(c.AuthMethod)}}
	}
	h.conf = conf
	h.granted = slices.Clone(c.Scopes)
	if len(c.DPoPKey) > 0 && h.dpop == nil {
		if d, err := loadDPoP(c.DPoPKey); err == nil {
			h.dpop = d
		}
	}
}

// token returns the current token, refreshing it when it expired and a
// refresh token is at hand (a rotated refresh token is kept).
func (h *Handler) token(ctx context.Context) (*oauth2.Token, error) {
	h.mu.Lock()
	c, conf := h.cred, h.conf
	h.mu.Unlock()
	if c == nil || c.AccessToken == "" {
		return nil, nil
	}
	tok := &oauth2.Token{AccessToken: c.AccessToken, RefreshToken: c.RefreshToken, TokenType: c.TokenType, Expiry: c.Expiry}
	if fresh(tok) || c.RefreshToken == "" || conf == nil || conf.Endpoint.TokenURL == "" {
		return tok, nil
	}
	return h.refresh(ctx, c, conf)
}

// expiryMargin is how long before its expiry a token is refreshed: enough
// for a request to reach the server, small enough for tokens that live
// seconds (x/oauth2's Valid allows 10 s, which makes a 6 s token never
// valid and every request refresh).
const expiryMargin = 2 * time.Second

// fresh reports a token worth sending.
func fresh(t *oauth2.Token) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || time.Until(t.Expiry) > expiryMargin)
}

// refresh redeems c's refresh token and keeps the answer.
func (h *Handler) refresh(ctx context.Context, c *Credential, conf *oauth2.Config) (*oauth2.Token, error) {
	rctx := context.WithValue(withStep(context.WithoutCancel(ctx), "refresh"), oauth2.HTTPClient, h.client)
	old := &oauth2.Token{RefreshToken: c.RefreshToken, Expiry: time.Unix(1, 0)}
	tok, err := conf.TokenSource(rctx, old).Token()
	if err != nil {
		err = describeTokenErr(err)
		h.rep().step("refresh", "", fmt.Errorf("refreshing the token failed: %w", err))
		h.mu.Lock()
		if h.cred == c { // a dead refresh token is not tried again
			cc := *c
			cc.RefreshToken = ""
			h.cred = &cc
		}
		h.mu.Unlock()
		return nil, err
	}
	nc := *c
	h.keepToken(&nc, tok, nil)
	rotated := ""
	if tok.RefreshToken != "" && tok.RefreshToken != c.RefreshToken {
		rotated = "; the refresh token was rotated"
	}
	h.rep().emit(&mcp.Event{Dir: mcp.DirMeta, Method: "refresh", Body: summaryOf(&nc), Text: "token refreshed, valid " + validity(nc.Expiry) + rotated})
	h.mu.Lock()
	h.cred = &nc
	h.mu.Unlock()
	h.save(&nc)
	return tok, nil
}

// keepToken copies tok into c (a refresh without a new refresh token keeps
// the old one; granted scopes come from the answer, else requested).
func (h *Handler) keepToken(c *Credential, tok *oauth2.Token, requested []string) {
	c.AccessToken = tok.AccessToken
	if tok.RefreshToken != "" {
		c.RefreshToken = tok.RefreshToken
	}
	c.TokenType = tok.Type()
	c.Expiry = tok.Expiry
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		c.Scopes = strings.Fields(s)
	} else if requested != nil {
		c.Scopes = requested
	}
	h.rep().learn(c.Secrets()...)
}

func (h *Handler) save(c *Credential) {
	if err := h.opts.Store.Put(*c); err != nil {
		h.rep().step("store", "", fmt.Errorf("keeping the credentials in %s failed: %w", h.opts.Store.Path(), err))
	}
}

// TokenSource implements [mcp.OAuthHandler]: the current token, refreshed
// when it expires.
func (h *Handler) TokenSource(ctx context.Context) (oauth2.TokenSource, error) {
	h.mu.Lock()
	signedIn := h.cred != nil && h.cred.AccessToken != ""
	h.mu.Unlock()
	if !signedIn {
		return nil, nil
	}
	return tokenSource{h, ctx}, nil
}

type tokenSource struct {
	h   *Handler
	ctx context.Context
}

func (t tokenSource) Token() (*oauth2.Token, error) {
	tok, err := t.h.token(t.ctx)
	if err == nil && tok == nil {
		return nil, errors.New("not signed in")
	}
	return tok, err
}

// SignRequest implements [mcp.RequestSigner]: Authorization with the
// current token, as Bearer or, for a DPoP-bound token, as DPoP with a
// fresh proof for this request.
func (h *Handler) SignRequest(req *http.Request) error {
	tok, err := h.token(req.Context())
	if err != nil || tok == nil {
		return nil // the 401 that follows starts a sign-in
	}
	if strings.EqualFold(tok.Type(), "DPoP") {
		h.mu.Lock()
		d, nonce := h.dpop, h.rsNonce
		h.mu.Unlock()
		if d == nil {
			return errors.New("the token is DPoP-bound but its key is gone")
		}
		proof, err := d.proof(req.Method, req.URL, tok.AccessToken, nonce)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "DPoP "+tok.AccessToken)
		req.Header.Set("DPoP", proof)
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

// Authorize implements [mcp.OAuthHandler]: it answers a 401 (sign in, or
// refresh an expired token, or retry with a DPoP nonce) or a 403
// insufficient_scope (step up: sign in again asking for the scopes the
// challenge names as well as those granted). Any other 403 is not for it.
func (h *Handler) Authorize(ctx context.Context, req *http.Request, resp *http.Response) error {
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	cs := ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	errCode := Param(cs, "error", "bearer", "dpop")

	if errCode == "use_dpop_nonce" && resp.Header.Get("DPoP-Nonce") != "" {
		h.mu.Lock()
		h.rsNonce = resp.Header.Get("DPoP-Nonce")
		h.mu.Unlock()
		h.rep().step("dpop-nonce", "the server asks for a DPoP nonce: sending again with it", nil)
		return nil
	}
	h.flow.Lock()
	defer h.flow.Unlock()

	sent := bearerOf(req)
	var scopes, stepUp []string
	switch {
	case resp.StatusCode == http.StatusForbidden && errCode != "insufficient_scope":
		return mcp.ErrNotForAuth
	case resp.StatusCode == http.StatusForbidden:
		wanted := strings.Fields(Param(cs, "scope", "bearer", "dpop"))
		h.mu.Lock()
		granted, n := slices.Clone(h.granted), h.stepUps
		h.mu.Unlock()
		if len(wanted) > 0 && subset(wanted, granted) {
			return h.fail("step-up", fmt.Errorf("the server refuses with insufficient_scope and asks for %s, which the token already has: signing in again would not help",
				strings.Join(wanted, " ")))
		}
		if n >= h.opts.MaxStepUps {
			return h.fail("step-up", fmt.Errorf("the server still refuses with insufficient_scope (%s) after %d step-up sign-ins: giving up", strings.Join(wanted, " "), n))
		}
		h.mu.Lock()
		h.stepUps++
		h.mu.Unlock()
		h.rep().step("step-up", "the server wants more scope ("+strings.Join(wanted, " ")+"): signing in again for it", nil)
		scopes, stepUp = union(granted, wanted), wanted
	default:
		// A token newer than the one the request carried (another request
		// signed in meanwhile): just send again.
		if cur, _ := h.token(ctx); cur != nil && cur.AccessToken != sent && fresh(cur) {
			return nil
		}
		// An expired or revoked token with a refresh token: refresh first.
		h.mu.Lock()
		c, conf := h.cred, h.conf
		h.mu.Unlock()
		if c != nil && c.RefreshToken != "" && conf != nil && conf.Endpoint.TokenURL != "" && c.AccessToken == sent {
			if _, err := h.refresh(ctx, c, conf); err == nil {
				return nil
			}
		}
	}
	if err := h.signIn(ctx, cs, scopes, stepUp); err != nil {
		return err
	}
	if len(stepUp) > 0 {
		// A step-up the authorization server did not grant: sending the
		// request again would only be refused again.
		h.mu.Lock()
		granted := slices.Clone(h.granted)
		h.mu.Unlock()
		if !subset(stepUp, granted) {
			return h.fail("step-up", fmt.Errorf("the authorization server granted %s but not %s, which the server wants (403 insufficient_scope)",
				orNoScope(granted), strings.Join(stepUp, " ")))
		}
	}
	return nil
}

func hasScheme(cs []Challenge, scheme string) bool {
	for _, c := range cs {
		if c.Scheme == scheme {
			return true
		}
	}
	return false
}

// bearerOf is the token a request carried.
func bearerOf(req *http.Request) string {
	_, tok, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	return strings.TrimSpace(tok)
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// SignIn runs a sign-in now, without a 401 to answer (sonde auth login).
func (h *Handler) SignIn(ctx context.Context) error {
	h.flow.Lock()
	defer h.flow.Unlock()
	return h.signIn(ctx, nil, nil, nil)
}

// Refresh redeems the refresh token now, without waiting for the token to
// expire (the UI's "refresh now"); it says why when there is none.
func (h *Handler) Refresh(ctx context.Context) error {
	h.flow.Lock()
	defer h.flow.Unlock()
	h.mu.Lock()
	c, conf := h.cred, h.conf
	h.mu.Unlock()
	if c == nil || c.RefreshToken == "" || conf == nil || conf.Endpoint.TokenURL == "" {
		return errors.New("no refresh token is kept for this server: sign in again instead")
	}
	_, err := h.refresh(ctx, c, conf)
	return err
}

// signIn discovers the authorization server and obtains a token with the
// configured grant. scopes, when set, are asked for; stepUp are the
// scopes a 403 insufficient_scope asked for (a step-up).
func (h *Handler) signIn(ctx context.Context, cs []Challenge, scopes, stepUp []string) error {
	rm, err := h.discoverResource(ctx, h.server, cs)
	if err != nil {
		return h.fail("discover-resource", err)
	}
	h.mu.Lock()
	h.rsDPoP = len(rm.DPOPSigningAlgValuesSupported) > 0 || rm.DPOPBoundAccessTokensRequired || hasScheme(cs, "dpop") ||
		h.cred != nil && strings.EqualFold(h.cred.TokenType, "DPoP")
	h.mu.Unlock()
	issuer := h.pickAS(rm)
	as, err := h.discoverAS(ctx, issuer, rm.URL == "")
	if err != nil {
		return h.fail("discover-as", err)
	}
	if scopes == nil {
		scopes = h.scopesFor(cs, rm, as)
	}
	var c *Credential
	switch h.opts.Grant {
	case "", GrantAuthorizationCode:
		c, err = h.authorizationCode(ctx, rm, as, scopes, stepUp)
	case GrantClientCredentials:
		c, err = h.clientCredentials(ctx, rm, as, scopes)
	case GrantJWTBearer:
		c, err = h.jwtBearer(ctx, rm, as, scopes)
	case GrantTokenExchange:
		c, err = h.enterprise(ctx, rm, as, scopes)
	default:
		err = fmt.Errorf("unknown grant %q", h.opts.Grant)
	}
	if err != nil {
		return err
	}
	h.rep().emit(&mcp.Event{Dir: mcp.DirMeta, Method: "signed-in", Body: summaryOf(c),
		Text: fmt.Sprintf("signed in at %s: %s token, scopes %s, valid %s%s", c.Issuer, tokenKind(c), orNoScope(c.Scopes), validity(c.Expiry), refreshNote(c))})
	h.save(c)
	return nil
}

func (h *Handler) fail(step string, err error) error {
	h.rep().step(step, "", err)
	return err
}

func tokenKind(c *Credential) string {
	if strings.EqualFold(c.TokenType, "DPoP") {
		return "a DPoP-bound"
	}
	return "a bearer"
}

func orNoScope(s []string) string {
	if len(s) == 0 {
		return "(none named)"
	}
	return strings.Join(s, " ")
}

func refreshNote(c *Credential) string {
	if c.RefreshToken != "" {
		return ", with a refresh token"
	}
	return ", no refresh token"
}

// validity says how long a token lasts.
func validity(exp time.Time) string {
	if exp.IsZero() {
		return "with no stated expiry"
	}
	d := time.Until(exp).Round(time.Second)
	if d <= 0 {
		return "expired"
	}
	return "for " + d.String()
}

// pickAS chooses the authorization server: the first the metadata names,
// unless sonde already holds credentials from another one it names.
func (h *Handler) pickAS(rm *resourceMeta) string {
	for _, as := range rm.AuthorizationServers {
		if c, _ := h.opts.Store.Get(as, rm.Resource); c != nil {
			return as
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cred != nil && slices.Contains(rm.AuthorizationServers, h.cred.Issuer) {
		return h.cred.Issuer
	}
	return rm.AuthorizationServers[0]
}

// scopesFor picks the scopes to ask for, as the specification orders it:
// the user's, else the challenge's scope, else everything the resource's
// metadata lists, else none; plus offline_access when the authorization
// server lists it (sonde keeps refresh tokens), and what was granted
// before.
func (h *Handler) scopesFor(cs []Challenge, rm *resourceMeta, as *asMeta) []string {
	var s []string
	switch {
	case len(h.opts.Scopes) > 0:
		s = slices.Clone(h.opts.Scopes)
	case Param(cs, "scope", "bearer", "dpop") != "":
		s = strings.Fields(Param(cs, "scope", "bearer", "dpop"))
	default:
		s = slices.Clone(rm.ScopesSupported)
	}
	if (h.opts.Grant == "" || h.opts.Grant == GrantAuthorizationCode) && slices.Contains(as.ScopesSupported, "offline_access") && !slices.Contains(s, "offline_access") {
		s = append(s, "offline_access")
	}
	h.mu.Lock()
	if h.cred != nil && h.cred.Issuer == as.Issuer {
		s = union(h.granted, s)
	}
	h.mu.Unlock()
	return s
}

// newState returns an unguessable state value.
func newState() string { return rand.Text() }

// authStyle maps a token endpoint auth method to x/oauth2's style.
func authStyle(method string) oauth2.AuthStyle {
	switch method {
	case "client_secret_basic":
		return oauth2.AuthStyleInHeader
	case "", "none", "client_secret_post", "private_key_jwt":
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// describeTokenErr makes a token endpoint's refusal one line: its error
// code and description, or what it answered instead.
func describeTokenErr(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			s := re.ErrorCode
			if re.ErrorDescription != "" {
				s += " (" + re.ErrorDescription + ")"
			}
			return fmt.Errorf("the token endpoint refused: %s", s)
		}
		if re.Response != nil {
			return fmt.Errorf("the token endpoint answered HTTP %d: %s", re.Response.StatusCode, describeAnswer(re.Response.Header.Get("Content-Type"), re.Body))
		}
	}
	return fmt.Errorf("the token request failed: %s", describeNetErr(err))
}

// registration is a client at one authorization server.
type registration struct {
	id, secret string
	method     string // token endpoint auth method
	kind       string // how it came to be (Credential.Registration)
	redirect   string
	expires    time.Time
}
