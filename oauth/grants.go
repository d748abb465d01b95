package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// The grants of the auth extensions (modelcontextprotocol/ext-auth), which
// sign sonde in without a person at a browser:
//   - client credentials (SEP-1046), the client authenticating with its
//     secret (client_secret_basic or _post) or a signed JWT
//     (private_key_jwt, RFC 7523);
//   - the JWT bearer grant (RFC 7523) with a workload's identity token
//     (workload identity federation, SEP-1933): no retry and no other
//     grant after a refusal;
//   - enterprise-managed authorization (SEP-990, cross-app access): the
//     enterprise IdP's ID token is exchanged at the IdP (RFC 8693) for an
//     identity assertion grant (ID-JAG), redeemed at the MCP server's
//     authorization server with the JWT bearer grant.

// Enterprise configures enterprise-managed authorization.
type Enterprise struct {
	// IDToken returns the person's ID token from the enterprise IdP.
	IDToken func() (string, error)
	// TokenEndpoint is the IdP's token endpoint; Issuer, when
	// TokenEndpoint is empty, is the IdP whose metadata names it.
	TokenEndpoint, Issuer string
	// ClientID and ClientSecret authenticate sonde at the IdP.
	ClientID, ClientSecret string
}

// tokenInfo is what token requests need beyond x/oauth2's form.
type tokenInfo struct {
	tokenURL, issuer, resource string
}

// tokenCtx records the token endpoint the next token requests go to.
func (h *Handler) tokenCtx(as *asMeta, resource string, reg registration) {
	h.mu.Lock()
	h.ti = tokenInfo{tokenURL: as.TokenEndpoint, issuer: as.Issuer, resource: resource}
	h.mu.Unlock()
}

// prepareTokenRequest adds to a request to the token endpoint what
// x/oauth2 does not: the resource indicator on a refresh, a client
// assertion for private_key_jwt, and a DPoP proof.
func (h *Handler) prepareTokenRequest(req *http.Request) error {
	h.mu.Lock()
	ti, d := h.ti, h.dpop
	if ti.tokenURL == "" && h.cred != nil {
		ti = tokenInfo{tokenURL: h.cred.TokenEndpoint, issuer: h.cred.Issuer, resource: h.cred.Resource}
	}
	h.mu.Unlock()
	if req.Method != http.MethodPost || req.GetBody == nil || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return err
	}
	raw, _ := io.ReadAll(rc)
	q, err := url.ParseQuery(string(raw))
	if err != nil || q.Get("grant_type") == "" {
		return nil
	}
	if q.Get("grant_type") != GrantAuthorizationCode && q.Has("code") && q.Get("code") == "" {
		q.Del("code") // x/oauth2's Exchange, used for the other grants, adds it
	}
	toAS := ti.tokenURL != "" && req.URL.String() == ti.tokenURL
	if !toAS {
		setForm(req, q)
		return nil
	}
	if q.Get("grant_type") == "refresh_token" && ti.resource != "" && !q.Has("resource") {
		q.Set("resource", ti.resource)
	}
	if len(h.opts.ClientKey) > 0 && q.Get("client_id") == h.opts.ClientID && !q.Has("client_assertion") {
		a, err := h.clientAssertion(ti.issuer)
		if err != nil {
			return err
		}
		q.Del("client_secret")
		q.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		q.Set("client_assertion", a)
	}
	setForm(req, q)
	if d != nil && d.active {
		d.mu.Lock()
		nonce := d.asNonce
		d.mu.Unlock()
		proof, err := d.proof(http.MethodPost, req.URL, "", nonce)
		if err != nil {
			return err
		}
		req.Header.Set("DPoP", proof)
	}
	return nil
}

// setForm replaces a request's form body.
func setForm(req *http.Request, q url.Values) {
	body := q.Encode()
	req.Body = io.NopCloser(strings.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
}

// againForNonce takes the DPoP nonce a token endpoint asks for.
func (h *Handler) againForNonce(req *http.Request, resp *http.Response, body []byte) bool {
	h.mu.Lock()
	d := h.dpop
	h.mu.Unlock()
	nonce := resp.Header.Get("DPoP-Nonce")
	if d == nil || !d.active || nonce == "" || resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
		return false
	}
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(body, &e)
	if e.Error != "use_dpop_nonce" {
		return false
	}
	d.mu.Lock()
	d.asNonce = nonce
	d.mu.Unlock()
	return true
}

// clientKey reads the PEM private key of private_key_jwt.
func (h *Handler) clientKey() (crypto.Signer, jose.SignatureAlgorithm, error) {
	block, _ := pem.Decode(h.opts.ClientKey)
	if block == nil {
		return nil, "", errors.New("the client key is not PEM")
	}
	var key any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, "", fmt.Errorf("the client key does not parse: %v", err)
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		switch k.Curve.Params().BitSize {
		case 384:
			return k, jose.ES384, nil
		case 521:
			return k, jose.ES512, nil
		}
		return k, jose.ES256, nil
	case *rsa.PrivateKey:
		return k, jose.RS256, nil
	case ed25519.PrivateKey:
		return k, jose.EdDSA, nil
	}
	return nil, "", fmt.Errorf("the client key is a %T, not an EC, RSA or Ed25519 key", key)
}

// clientAssertion signs the JWT that authenticates the client (RFC 7523
// §2.2): issued by and about the client, for the authorization server's
// issuer, valid for a minute.
func (h *Handler) clientAssertion(issuer string) (string, error) {
	key, alg, err := h.clientKey()
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	a, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: h.opts.ClientID, Subject: h.opts.ClientID, Audience: jwt.Audience{issuer},
		ID: rand.Text(), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
	if err == nil {
		h.rep().learn(a)
	}
	return a, err
}

// clientCredentials runs the client credentials grant with the
// pre-registered client.
func (h *Handler) clientCredentials(ctx context.Context, rm *resourceMeta, as *asMeta, scopes []string) (*Credential, error) {
	if h.opts.ClientID == "" || h.opts.ClientSecret == "" && len(h.opts.ClientKey) == 0 {
		return nil, h.fail("token", errors.New("the client credentials grant needs --client-id with --client-secret or --client-key"))
	}
	if err := h.setupDPoP(as); err != nil {
		return nil, h.fail("dpop", err)
	}
	method := pickAuthMethod(as.TokenEndpointAuthMethodsSupported, h.opts.ClientSecret != "", len(h.opts.ClientKey) > 0)
	reg := registration{id: h.opts.ClientID, secret: h.opts.ClientSecret, method: method, kind: "pre-registered"}
	h.rep().step("register", "client credentials of the pre-registered client "+reg.id+" ("+method+")", nil)
	cc := &clientcredentials.Config{ClientID: reg.id, ClientSecret: reg.secret, TokenURL: as.TokenEndpoint, Scopes: scopes,
		AuthStyle: authStyle(method), EndpointParams: url.Values{"resource": {rm.Resource}}}
	if method == "private_key_jwt" {
		cc.ClientSecret = ""
	}
	h.tokenCtx(as, rm.Resource, reg)
	tok, err := cc.Token(h.tokenContext(ctx))
	return h.issued(rm, as, reg, tok, err, scopes, nil)
}

// jwtBearer redeems an assertion with the JWT bearer grant (RFC 7523 §2.1).
// A refusal is final: no retry, no other grant (SEP-1933).
func (h *Handler) jwtBearer(ctx context.Context, rm *resourceMeta, as *asMeta, scopes []string) (*Credential, error) {
	if h.opts.Assertion == nil {
		return nil, h.fail("token", errors.New("the JWT bearer grant needs an assertion (--assertion FILE)"))
	}
	assertion, err := h.opts.Assertion()
	if err != nil {
		return nil, h.fail("token", fmt.Errorf("reading the assertion: %w", err))
	}
	h.rep().learn(assertion)
	return h.redeemAssertion(ctx, rm, as, scopes, assertion)
}

// redeemAssertion is the JWT bearer grant's token request.
func (h *Handler) redeemAssertion(ctx context.Context, rm *resourceMeta, as *asMeta, scopes []string, assertion string) (*Credential, error) {
	if err := h.setupDPoP(as); err != nil {
		return nil, h.fail("dpop", err)
	}
	method := "none"
	if h.opts.ClientID != "" {
		method = pickAuthMethod(as.TokenEndpointAuthMethodsSupported, h.opts.ClientSecret != "", len(h.opts.ClientKey) > 0)
	}
	reg := registration{id: h.opts.ClientID, secret: h.opts.ClientSecret, method: method, kind: "pre-registered"}
	conf := &oauth2.Config{ClientID: reg.id, ClientSecret: reg.secret, Endpoint: oauth2.Endpoint{TokenURL: as.TokenEndpoint, AuthStyle: authStyle(method)}}
	if reg.id == "" {
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	h.tokenCtx(as, rm.Resource, reg)
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("grant_type", GrantJWTBearer), oauth2.SetAuthURLParam("assertion", assertion),
		oauth2.SetAuthURLParam("resource", rm.Resource)}
	if len(scopes) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("scope", strings.Join(scopes, " ")))
	}
	tok, err := exchangeGrant(h.tokenContext(ctx), conf, opts...)
	return h.issued(rm, as, reg, tok, err, scopes, nil)
}

// tokenContext is ctx for a token request of the sign-in's client.
func (h *Handler) tokenContext(ctx context.Context) context.Context {
	return context.WithValue(withStep(ctx, "token"), oauth2.HTTPClient, h.client)
}

// issued ends a token request: its failure, or the credential it makes
// (kept in use; conf refreshes it, nil builds one from it).
func (h *Handler) issued(rm *resourceMeta, as *asMeta, reg registration, tok *oauth2.Token, err error, scopes []string, conf *oauth2.Config) (*Credential, error) {
	if err != nil {
		return nil, h.fail("token", describeTokenErr(err))
	}
	c := h.credential(rm, as, reg)
	h.keepToken(c, tok, scopes)
	h.use(c, conf)
	return c, nil
}

// exchangeGrant makes a token request with another grant than the
// authorization code through x/oauth2 (Exchange with grant_type replaced:
// its form builder sends the code parameter empty, which is dropped).
func exchangeGrant(ctx context.Context, conf *oauth2.Config, opts ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	return conf.Exchange(ctx, "", opts...)
}

// enterprise runs enterprise-managed authorization: the IdP's ID token is
// exchanged at the IdP for an ID-JAG for this authorization server and
// resource (RFC 8693), which the JWT bearer grant redeems.
func (h *Handler) enterprise(ctx context.Context, rm *resourceMeta, as *asMeta, scopes []string) (*Credential, error) {
	e := h.opts.Enterprise
	if e == nil || e.IDToken == nil {
		return nil, h.fail("token-exchange", errors.New("enterprise-managed authorization needs the IdP's ID token (--id-token FILE) and its token endpoint (--idp URL)"))
	}
	idToken, err := e.IDToken()
	if err != nil {
		return nil, h.fail("token-exchange", fmt.Errorf("reading the ID token: %w", err))
	}
	h.rep().learn(idToken, e.ClientSecret)
	endpoint := e.TokenEndpoint
	if endpoint == "" {
		if endpoint, err = h.idpTokenEndpoint(ctx, e.Issuer); err != nil {
			return nil, h.fail("token-exchange", err)
		}
	}
	conf := &oauth2.Config{ClientID: e.ClientID, ClientSecret: e.ClientSecret, Endpoint: oauth2.Endpoint{TokenURL: endpoint, AuthStyle: oauth2.AuthStyleInParams}}
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("grant_type", GrantTokenExchange),
		oauth2.SetAuthURLParam("requested_token_type", "urn:ietf:params:oauth:token-type:id-jag"),
		oauth2.SetAuthURLParam("subject_token", idToken),
		oauth2.SetAuthURLParam("subject_token_type", "urn:ietf:params:oauth:token-type:id_token"),
		oauth2.SetAuthURLParam("audience", as.Issuer),
		oauth2.SetAuthURLParam("resource", rm.Resource)}
	if len(scopes) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("scope", strings.Join(scopes, " ")))
	}
	jag, err := exchangeGrant(context.WithValue(withStep(ctx, "token-exchange"), oauth2.HTTPClient, h.client), conf, opts...)
	if err != nil {
		return nil, h.fail("token-exchange", fmt.Errorf("the IdP's token exchange: %w", describeTokenErr(err)))
	}
	h.rep().step("token-exchange", "the IdP issued an identity assertion grant (ID-JAG) for "+as.Issuer, nil)
	return h.redeemAssertion(ctx, rm, as, scopes, jag.AccessToken)
}

// idpTokenEndpoint finds the enterprise IdP's token endpoint in its
// metadata (an IdP's metadata is held to its issuer, not to PKCE: sonde
// runs no authorization code flow there).
func (h *Handler) idpTokenEndpoint(ctx context.Context, issuer string) (string, error) {
	iu, err := url.Parse(issuer)
	if err != nil || iu.Host == "" {
		return "", fmt.Errorf("the IdP %q is no URL", issuer)
	}
	urls := asMetadataURLs(iu)
	// OpenID Connect first: an IdP is an OpenID provider.
	for i := len(urls) - 1; i >= 0; i-- {
		var m asMeta
		err := h.fetchJSON(ctx, "token-exchange", urls[i], &m)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("the IdP's metadata: %w", err)
		}
		if strings.TrimSuffix(m.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
			return "", fmt.Errorf("the IdP metadata at %s is for issuer %q, not %q", urls[i], m.Issuer, issuer)
		}
		if err := checkEndpoint("IdP token endpoint", m.TokenEndpoint); err != nil {
			return "", err
		}
		return m.TokenEndpoint, nil
	}
	return "", fmt.Errorf("the IdP %s publishes no metadata: give its token endpoint", issuer)
}
