package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/sonde-mcp/sonde/mcp"
)

// Discovery: where the protected resource's metadata (RFC 9728) is, which
// authorization server it names, and that server's metadata (RFC 8414 and
// OpenID Connect discovery), with the fallbacks of the 2025-03-26
// revision. The documents are decoded into the go-sdk's oauthex types.

// errNotFound says a metadata location answered 4xx: try the next one.
var errNotFound = errors.New("not found")

// fetchJSON GETs a metadata document into v. A 4xx answer is errNotFound;
// anything else unusable (5xx, HTML, malformed or huge JSON, a network
// failure, redirects in a loop) is an error saying what came back.
func (h *Handler) fetchJSON(ctx context.Context, step, u string, v any) error {
	req, err := http.NewRequestWithContext(withStep(ctx, step), http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("bad URL %s: %v", mcp.RedactURL(u), err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %s", mcp.RedactURL(u), describeNetErr(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: %s", mcp.RedactURL(u), describeNetErr(err))
	}
	switch {
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return errNotFound
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: HTTP %d (%s)", mcp.RedactURL(u), resp.StatusCode, describeAnswer(resp.Header.Get("Content-Type"), body))
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return fmt.Errorf("GET %s answered %s (%s) instead of a JSON document", mcp.RedactURL(u), describeAnswer(ct, body), orNone(ct))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: malformed JSON: %v", mcp.RedactURL(u), shortJSONErr(err))
	}
	return nil
}

func orNone(ct string) string {
	if ct == "" {
		return "no content type"
	}
	return ct
}

func shortJSONErr(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// resourceMeta is what discovery found about the protected resource.
type resourceMeta struct {
	oauthex.ProtectedResourceMetadata
	// URL is where the document was found ("" when none was: the
	// 2025-03-26 fallback, where the server's origin is the
	// authorization server).
	URL string `json:"-"`
}

// discoverResource finds the protected resource metadata of server: the
// resource_metadata URL of the challenge, then the well-known locations at
// the MCP endpoint's path and at the root. A location answering 4xx is
// passed over; any other failure ends discovery. When no document exists
// at all, the 2025-03-26 rule applies: the server's origin is the
// authorization server.
func (h *Handler) discoverResource(ctx context.Context, server *url.URL, cs []Challenge) (*resourceMeta, error) {
	var candidates []string
	if rm := Param(cs, "resource_metadata", "bearer", "dpop"); rm != "" {
		u, err := server.Parse(rm)
		if err != nil {
			return nil, fmt.Errorf("the server's resource_metadata %q is no URL", rm)
		}
		if err := h.allowedMetadataURL(server, u); err != nil {
			return nil, err
		}
		candidates = append(candidates, u.String())
	}
	wk := *server
	wk.RawQuery, wk.Fragment, wk.RawPath = "", "", ""
	if p := strings.Trim(server.Path, "/"); p != "" {
		wk.Path = "/.well-known/oauth-protected-resource/" + p
		candidates = append(candidates, wk.String())
	}
	wk.Path = "/.well-known/oauth-protected-resource"
	candidates = append(candidates, wk.String())

	for _, c := range candidates {
		var m resourceMeta
		err := h.fetchJSON(ctx, "discover-resource", c, &m)
		if errors.Is(err, errNotFound) {
			h.rep().step("discover-resource", "no protected resource metadata at "+mcp.RedactURL(c), nil)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("protected resource metadata: %w", err)
		}
		m.URL = c
		if err := checkResource(server, m.Resource); err != nil {
			return nil, err
		}
		if len(m.AuthorizationServers) == 0 {
			return nil, fmt.Errorf("the protected resource metadata at %s names no authorization server", mcp.RedactURL(c))
		}
		for _, as := range m.AuthorizationServers {
			if err := checkEndpoint("authorization server", as); err != nil {
				return nil, err
			}
		}
		h.rep().step("discover-resource", fmt.Sprintf("protected resource metadata at %s: resource %s, authorization servers %s",
			mcp.RedactURL(c), m.Resource, strings.Join(m.AuthorizationServers, ", ")), nil)
		return &m, nil
	}
	origin := *server
	origin.Path, origin.RawPath, origin.RawQuery, origin.Fragment = "", "", "", ""
	h.rep().step("discover-resource", "no protected resource metadata anywhere: using the 2025-03-26 rule, the server's origin "+
		origin.String()+" is its authorization server", nil)
	m := &resourceMeta{}
	m.Resource = canonicalResource(server)
	m.AuthorizationServers = []string{origin.String()}
	return m, nil
}

// allowedMetadataURL refuses a resource_metadata URL that sonde must not
// fetch: on another origin than the server's (a server could send sonde
// anywhere, an address on the user's network included), or plain http
// off the loopback interface.
func (h *Handler) allowedMetadataURL(server, u *url.URL) error {
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return fmt.Errorf("refused the server's resource_metadata %s: metadata is fetched over https only (or http on loopback)", mcp.RedactURL(u.String()))
	}
	if mcp.Origin(u) != mcp.Origin(server) && !h.opts.AllowCrossOrigin {
		return fmt.Errorf("refused the server's resource_metadata %s: it is on another origin than the server (%s); --allow-cross-origin allows it",
			mcp.RedactURL(u.String()), mcp.Origin(server))
	}
	return nil
}

// checkResource holds the metadata's resource to the server it describes
// (RFC 9728 §3.3): same origin, no fragment, and a path the server's
// path lies under (the resource is the server's URL, or its origin when
// the metadata is at the root).
func checkResource(server *url.URL, resource string) error {
	r, err := url.Parse(resource)
	if err != nil || resource == "" || r.Scheme == "" || r.Host == "" {
		return fmt.Errorf("the protected resource metadata's resource %q is no absolute URL", resource)
	}
	if r.Fragment != "" {
		return fmt.Errorf("the protected resource metadata's resource %s has a fragment", resource)
	}
	rp, sp := strings.TrimSuffix(r.Path, "/"), strings.TrimSuffix(server.Path, "/")
	if mcp.Origin(r) != mcp.Origin(server) || !(sp == rp || strings.HasPrefix(sp, rp+"/")) {
		return fmt.Errorf("the protected resource metadata is for %s, not for this server (%s): refusing to sign in with it",
			resource, mcp.RedactURL(server.String()))
	}
	return nil
}

// canonicalResource is the server's URL as a resource indicator (RFC
// 8707): no fragment, no query.
func canonicalResource(server *url.URL) string {
	u := *server
	u.Fragment, u.RawQuery = "", ""
	return u.String()
}

// checkEndpoint refuses an endpoint that is not https (http is allowed on
// loopback, for local servers).
func checkEndpoint(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("the %s %q is no absolute URL", what, raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return fmt.Errorf("refused the %s %s: it must be https (or http on loopback)", what, mcp.RedactURL(raw))
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// asMeta is an authorization server's metadata, with the members the
// oauthex type lacks.
type asMeta struct {
	oauthex.AuthServerMeta
	// DPoPAlgs are the DPoP proof algorithms the server takes (RFC 9449).
	DPoPAlgs []string `json:"dpop_signing_alg_values_supported,omitempty"`
	// Fallback is set when no metadata was found (2025-03-26 endpoints).
	Fallback bool `json:"-"`
}

// asMetadataURLs are the locations of an issuer's metadata, in the order
// the specification gives (2025-11-25: RFC 8414 with path insertion,
// then OpenID Connect with path insertion, then appended).
func asMetadataURLs(issuer *url.URL) []string {
	u := *issuer
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	p := strings.Trim(issuer.Path, "/")
	if p == "" {
		u.Path = "/.well-known/oauth-authorization-server"
		a := u.String()
		u.Path = "/.well-known/openid-configuration"
		return []string{a, u.String()}
	}
	var out []string
	for _, path := range []string{"/.well-known/oauth-authorization-server/" + p, "/.well-known/openid-configuration/" + p, "/" + p + "/.well-known/openid-configuration"} {
		u.Path = path
		out = append(out, u.String())
	}
	return out
}

// discoverAS fetches the metadata of the authorization server issuer and
// checks it: its issuer must be the one the URL was built from (no
// normalisation beyond a trailing slash; legacy, the 2025-03-26 rule
// where the server's origin stands for the issuer, accepts an issuer on
// that origin), PKCE with S256 must be offered
// (sonde refuses a server without it), and its endpoints must be https.
// Without any metadata, the 2025-03-26 fallback endpoints are used.
func (h *Handler) discoverAS(ctx context.Context, issuer string, legacy bool) (*asMeta, error) {
	iu, err := url.Parse(issuer)
	if err != nil || iu.Host == "" {
		return nil, fmt.Errorf("the authorization server %q is no URL", issuer)
	}
	for _, c := range asMetadataURLs(iu) {
		var m asMeta
		err := h.fetchJSON(ctx, "discover-as", c, &m)
		if errors.Is(err, errNotFound) {
			h.rep().step("discover-as", "no authorization server metadata at "+mcp.RedactURL(c), nil)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("authorization server metadata: %w", err)
		}
		sameOrigin := func() bool { mu, err := url.Parse(m.Issuer); return err == nil && mcp.Origin(mu) == mcp.Origin(iu) }
		if legacy && m.Issuer != issuer && sameOrigin() {
			// 2025-03-26: the metadata is found from the server's origin,
			// not from an issuer identifier; the issuer it names (on the
			// same origin) is the one recorded.
			h.rep().step("discover-as", "the metadata names issuer "+m.Issuer+" (2025-03-26: found from the server's origin)", nil)
		} else if m.Issuer != issuer && strings.TrimSuffix(m.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
			return nil, fmt.Errorf("the authorization server metadata at %s is for issuer %q, not %q: refusing it (it could send the code elsewhere)",
				mcp.RedactURL(c), m.Issuer, issuer)
		}
		if !slices.Contains(m.CodeChallengeMethodsSupported, "S256") {
			got := "none listed"
			if len(m.CodeChallengeMethodsSupported) > 0 {
				got = strings.Join(m.CodeChallengeMethodsSupported, ", ")
			}
			return nil, fmt.Errorf("the authorization server %s does not support PKCE with S256 (code_challenge_methods_supported: %s): sonde refuses to sign in without it",
				issuer, got)
		}
		for _, ep := range []struct{ what, u string }{{"authorization_endpoint", m.AuthorizationEndpoint}, {"token_endpoint", m.TokenEndpoint}, {"registration_endpoint", m.RegistrationEndpoint}} {
			if ep.u == "" {
				continue
			}
			if err := checkEndpoint(ep.what, ep.u); err != nil {
				return nil, err
			}
		}
		if m.TokenEndpoint == "" {
			return nil, fmt.Errorf("the authorization server metadata at %s has no token_endpoint", mcp.RedactURL(c))
		}
		h.rep().step("discover-as", fmt.Sprintf("authorization server metadata at %s: issuer %s, PKCE S256, registration: %s",
			mcp.RedactURL(c), m.Issuer, registrationWays(&m)), nil)
		return &m, nil
	}
	base := strings.TrimSuffix(issuer, "/")
	m := &asMeta{Fallback: true}
	m.Issuer = issuer
	m.AuthorizationEndpoint = base + "/authorize"
	m.TokenEndpoint = base + "/token"
	m.RegistrationEndpoint = base + "/register"
	h.rep().step("discover-as", "no authorization server metadata: using the 2025-03-26 default endpoints "+
		m.AuthorizationEndpoint+", "+m.TokenEndpoint+", "+m.RegistrationEndpoint, nil)
	return m, nil
}

func registrationWays(m *asMeta) string {
	var w []string
	if m.ClientIDMetadataDocumentSupported {
		w = append(w, "client ID metadata documents")
	}
	if m.RegistrationEndpoint != "" {
		w = append(w, "dynamic registration")
	}
	if len(w) == 0 {
		return "pre-registered clients only"
	}
	return strings.Join(w, ", ")
}

// Discovery is what a sign-in's discovery finds for a server, without
// signing in: where the protected resource metadata is, the
// authorization server it names and what that server's metadata offers.
type Discovery struct {
	// ResourceMetadata is where the protected resource metadata was
	// found ("" when there is none: the 2025-03-26 rule, the server's
	// origin is its authorization server).
	ResourceMetadata string
	// AuthorizationServer is the first authorization server it names.
	AuthorizationServer string
	// Issuer is the authorization server's issuer, from its metadata.
	Issuer string
	// ASMetadata reports that the authorization server's metadata was
	// found (false: the 2025-03-26 default endpoints would be used).
	ASMetadata bool
	// Registration says how a client gets an id there: "dynamic
	// registration", "client ID metadata documents", "pre-registered
	// clients only".
	Registration string
}

// Discover runs the discovery a sign-in to server begins with (the
// challenge's resource_metadata, the well-known locations, the
// authorization server's metadata), with the same checks, and reports
// what it found; sonde doctor explains a server's auth requirements with
// it. challenge is the server's WWW-Authenticate value.
func Discover(ctx context.Context, client *http.Client, server, challenge string, allowCrossOrigin bool) (*Discovery, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad server URL %q", mcp.RedactURL(server))
	}
	h := &Handler{opts: Options{Server: server, AllowCrossOrigin: allowCrossOrigin}, server: u}
	h.client = newClient(client, &wire{rep: h.rep})
	var cs []Challenge
	if challenge != "" {
		cs = ParseChallenges([]string{challenge})
	}
	rm, err := h.discoverResource(ctx, u, cs)
	if err != nil {
		return nil, err
	}
	d := &Discovery{ResourceMetadata: mcp.RedactURL(rm.URL), AuthorizationServer: rm.AuthorizationServers[0]}
	as, err := h.discoverAS(ctx, d.AuthorizationServer, rm.URL == "")
	if err != nil {
		return d, err
	}
	d.Issuer, d.ASMetadata, d.Registration = as.Issuer, !as.Fallback, registrationWays(as)
	return d, nil
}
