package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/sonde-mcp/sonde/mcp"
)

// authorizationCode runs the authorization code flow with PKCE (S256):
// register (or reuse a registration), send the person to the
// authorization endpoint with the resource indicator, check the callback
// (state, error, RFC 9207 iss), and redeem the code.
func (h *Handler) authorizationCode(ctx context.Context, rm *resourceMeta, as *asMeta, scopes, stepUp []string) (*Credential, error) {
	if h.opts.Browser == nil {
		return nil, h.fail("authorize", &InteractionRequired{Server: h.opts.Server})
	}
	prev := h.stored(as.Issuer, rm.Resource)
	preferred := ""
	if prev != nil {
		preferred = prev.RedirectURI
	}
	cb, err := h.opts.Browser.Begin(ctx, preferred)
	if err != nil {
		return nil, h.fail("authorize", fmt.Errorf("cannot wait for the browser's redirect: %w", err))
	}
	defer cb.Close()
	redirect := cb.RedirectURI()

	reg, err := h.register(ctx, as, rm, prev, redirect, []string{GrantAuthorizationCode, "refresh_token"})
	if err != nil {
		return nil, h.fail("register", err)
	}
	conf := &oauth2.Config{ClientID: reg.id, ClientSecret: reg.secret, RedirectURL: redirect, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: as.AuthorizationEndpoint, TokenURL: as.TokenEndpoint, AuthStyle: authStyle(reg.method)}}
	if err := h.setupDPoP(as); err != nil {
		return nil, h.fail("dpop", err)
	}

	verifier := oauth2.GenerateVerifier()
	state := newState()
	h.rep().learn(verifier)
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", rm.Resource))
	h.rep().step("authorize", "sending you to the authorization server: "+authURL, nil)
	back, err := cb.Wait(withStep(ctx, "authorize"), SignIn{Server: h.opts.Server, Issuer: as.Issuer, Scopes: scopes, StepUp: stepUp, URL: authURL})
	if err != nil {
		return nil, h.fail("callback", err)
	}
	h.rep().learn(querySecrets(back)...)
	code, err := checkCallback(back, state, as)
	if err != nil {
		return nil, h.fail("callback", err)
	}
	h.rep().step("callback", "the authorization server sent a code back (state matches"+issNote(back, as)+")", nil)

	h.tokenCtx(as, rm.Resource, reg)
	tok, err := conf.Exchange(h.tokenContext(ctx), code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", rm.Resource))
	return h.issued(rm, as, reg, tok, err, scopes, conf)
}

// stored is the credential kept for (issuer, resource): the one in use, or
// the store's.
func (h *Handler) stored(issuer, resource string) *Credential {
	h.mu.Lock()
	c := h.cred
	h.mu.Unlock()
	if c != nil && c.Issuer == issuer && c.Resource == resource {
		return c
	}
	c, _ = h.opts.Store.Get(issuer, resource)
	return c
}

// credential starts the record of a sign-in at as for rm.
func (h *Handler) credential(rm *resourceMeta, as *asMeta, reg registration) *Credential {
	c := &Credential{Server: h.opts.Server, Resource: rm.Resource, Issuer: as.Issuer, TokenEndpoint: as.TokenEndpoint,
		RevocationEndpoint: as.RevocationEndpoint, ClientID: reg.id, ClientSecret: reg.secret, ClientSecretExpiresAt: reg.expires,
		Registration: reg.kind, AuthMethod: reg.method, RedirectURI: reg.redirect}
	h.mu.Lock()
	if h.dpop != nil && h.dpop.active {
		c.DPoPKey = h.dpop.private()
	}
	h.mu.Unlock()
	return c
}

// checkCallback reads the authorization response: RFC 9207 first (the
// iss of an answer, error or not, must be the issuer sonde recorded,
// compared exactly, and must be there when the server says it sends it),
// then the state, then an error, then the code.
func checkCallback(back *url.URL, state string, as *asMeta) (string, error) {
	q := back.Query()
	iss, hasIss := q["iss"]
	switch {
	case hasIss && (len(iss) != 1 || iss[0] != as.Issuer):
		return "", fmt.Errorf("the authorization response names issuer %q, not %q (RFC 9207): refusing its code (a mix-up attack, or a misconfigured server)",
			strings.Join(iss, ","), as.Issuer)
	case !hasIss && as.AuthorizationResponseIssParameterSupported:
		return "", fmt.Errorf("the authorization server says it sends iss in its answers (RFC 9207) but this one has none: refusing its code")
	}
	if got := q.Get("state"); got != state {
		return "", errors.New("the callback's state does not match the one sonde sent: refusing it (it did not come from this sign-in)")
	}
	if e := q.Get("error"); e != "" {
		s := "the authorization server refused: " + e
		if d := q.Get("error_description"); d != "" {
			s += " (" + d + ")"
		}
		return "", errors.New(s)
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("the callback carries no code")
	}
	return code, nil
}

func issNote(back *url.URL, as *asMeta) string {
	if back.Query().Has("iss") {
		return ", iss is " + as.Issuer
	}
	return ""
}

// register finds the client to use at as, in the specification's order:
// the pre-registered client the user gave, then a registration kept from
// before (for this issuer only: credentials never travel between
// authorization servers), then a client ID metadata document, then
// dynamic registration.
func (h *Handler) register(ctx context.Context, as *asMeta, rm *resourceMeta, prev *Credential, redirect string, grants []string) (registration, error) {
	if h.opts.ClientID != "" {
		method := pickAuthMethod(as.TokenEndpointAuthMethodsSupported, h.opts.ClientSecret != "", len(h.opts.ClientKey) > 0)
		h.rep().step("register", "using the pre-registered client "+h.opts.ClientID+" ("+method+")", nil)
		return registration{id: h.opts.ClientID, secret: h.opts.ClientSecret, method: method, kind: "pre-registered", redirect: redirect}, nil
	}
	if prev != nil && prev.ClientID != "" && prev.Registration != "pre-registered" &&
		(prev.ClientSecretExpiresAt.IsZero() || time.Until(prev.ClientSecretExpiresAt) > time.Minute) &&
		(prev.RedirectURI == "" || prev.RedirectURI == redirect || prev.Registration == "client-id-metadata-document") {
		h.rep().step("register", "using the client registered before at "+as.Issuer+": "+prev.ClientID, nil)
		return registration{id: prev.ClientID, secret: prev.ClientSecret, method: prev.AuthMethod, kind: prev.Registration,
			redirect: redirect, expires: prev.ClientSecretExpiresAt}, nil
	}
	if h.opts.ClientMetadataURL != "" && as.ClientIDMetadataDocumentSupported {
		h.rep().step("register", "using sonde's client ID metadata document "+h.opts.ClientMetadataURL, nil)
		return registration{id: h.opts.ClientMetadataURL, method: "none", kind: "client-id-metadata-document", redirect: redirect}, nil
	}
	if as.RegistrationEndpoint == "" {
		return registration{}, fmt.Errorf("the authorization server %s takes no dynamic registration and no client ID metadata document: register sonde there and pass --client-id (and --client-secret)", as.Issuer)
	}
	meta := &oauthex.ClientRegistrationMetadata{
		RedirectURIs:            []string{redirect},
		ClientName:              "sonde",
		ClientURI:               "https://github.com/sonde-mcp/sonde",
		GrantTypes:              grants,
		ResponseTypes:           []string{"code"},
		TokenEndpointAuthMethod: "none",
		ApplicationType:         "native",
		SoftwareID:              "sonde",
		SoftwareVersion:         mcp.Version,
	}
	if !slices.Contains(grants, GrantAuthorizationCode) {
		meta.ResponseTypes = nil
	}
	resp, err := oauthex.RegisterClient(withStep(ctx, "register"), as.RegistrationEndpoint, meta, h.client)
	if err != nil {
		return registration{}, fmt.Errorf("dynamic registration at %s failed: %s", mcp.RedactURL(as.RegistrationEndpoint), oneLine(err.Error()))
	}
	h.rep().learn(resp.ClientSecret)
	method := resp.TokenEndpointAuthMethod
	if method == "" {
		method = "client_secret_basic" // RFC 7591 §2's default
		if resp.ClientSecret == "" {
			method = "none"
		}
	}
	h.rep().step("register", "registered sonde dynamically: client "+resp.ClientID+" ("+method+")", nil)
	return registration{id: resp.ClientID, secret: resp.ClientSecret, method: method, kind: "dynamic", redirect: redirect,
		expires: resp.ClientSecretExpiresAt}, nil
}

// pickAuthMethod chooses how a pre-registered client authenticates at the
// token endpoint, among what the server supports.
func pickAuthMethod(supported []string, secret, key bool) string {
	var prefs []string
	switch {
	case key:
		prefs = []string{"private_key_jwt"}
	case secret:
		prefs = []string{"client_secret_basic", "client_secret_post"}
	default:
		prefs = []string{"none"}
	}
	for _, p := range prefs {
		if slices.Contains(supported, p) {
			return p
		}
	}
	if len(supported) == 0 || key {
		return prefs[0]
	}
	return prefs[0]
}

// oneLine folds a library's error (which may quote a whole body) into one
// short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
