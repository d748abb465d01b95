package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Credential is what sonde keeps of one sign-in, per (issuer, resource):
// the client registration and the tokens. The file holding it is 0600.
type Credential struct {
	// Server is the MCP server URL signed in to (what the user named).
	Server string `json:"server"`
	// Resource is the resource indicator the tokens were issued for.
	Resource string `json:"resource"`
	// Issuer is the authorization server that issued them.
	Issuer string `json:"issuer"`
	// TokenEndpoint is where the tokens are refreshed.
	TokenEndpoint string `json:"token_endpoint,omitempty"`
	// RevocationEndpoint, if the server has one, is where logout revokes.
	RevocationEndpoint string `json:"revocation_endpoint,omitempty"`

	// The client registration at Issuer.
	ClientID              string    `json:"client_id,omitempty"`
	ClientSecret          string    `json:"client_secret,omitempty"`
	ClientSecretExpiresAt time.Time `json:"client_secret_expires_at,omitzero"`
	// Registration says how the client came to be: dynamic,
	// client-id-metadata-document or pre-registered.
	Registration string `json:"registration,omitempty"`
	// AuthMethod is the token endpoint's client authentication.
	AuthMethod  string `json:"token_endpoint_auth_method,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`

	// The tokens.
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scopes       []string  `json:"scopes,omitempty"`
	// DPoPKey is the private key (a JWK) a DPoP-bound token is bound to.
	DPoPKey json.RawMessage `json:"dpop_key,omitempty"`

	Updated time.Time `json:"updated"`
}

// Secrets are the values of c that no output may show.
func (c *Credential) Secrets() []string {
	return []string{c.ClientSecret, c.AccessToken, c.RefreshToken}
}

// Store keeps credentials in one JSON file (mode 0600, in a 0700
// directory), written whole through a temporary file. A nil *Store keeps
// nothing.
type Store struct {
	path string
	mu   sync.Mutex
}

// NewStore returns a store in the file path ("" keeps nothing).
func NewStore(path string) *Store {
	if path == "" {
		return nil
	}
	return &Store{path: path}
}

// Path is the file of the store.
func (s *Store) Path() string {
	if s == nil {
		return ""
	}
	return s.path
}

type storeFile struct {
	Version     int          `json:"version"`
	Credentials []Credential `json:"credentials"`
}

// maxStore bounds the file read (it holds a few KiB per server).
const maxStore = 8 << 20

func (s *Store) load() ([]Credential, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.Size() > maxStore {
		return nil, fmt.Errorf("%s is larger than %d MiB: not a credentials file of sonde's", s.path, maxStore>>20)
	}
	var sf storeFile
	if err := json.NewDecoder(f).Decode(&sf); err != nil {
		return nil, fmt.Errorf("%s is unreadable (%v): remove it to sign in afresh", s.path, err)
	}
	return sf.Credentials, nil
}

func (s *Store) save(cs []Credential) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(storeFile{Version: 1, Credentials: cs}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}

// All returns every credential, in the order kept.
func (s *Store) All() ([]Credential, error) {
	if s == nil {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load()
}

// ForServer returns the credentials kept for the MCP server URL, newest
// first.
func (s *Store) ForServer(server string) ([]Credential, error) {
	all, err := s.All()
	var out []Credential
	for _, c := range all {
		if c.Server == server {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Credential) int { return b.Updated.Compare(a.Updated) })
	return out, err
}

// Get returns the credential for (issuer, resource).
func (s *Store) Get(issuer, resource string) (*Credential, error) {
	all, err := s.All()
	for i := range all {
		if all[i].Issuer == issuer && all[i].Resource == resource {
			return &all[i], err
		}
	}
	return nil, err
}

// Put adds or replaces the credential for (c.Issuer, c.Resource).
func (s *Store) Put(c Credential) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.load()
	if err != nil {
		return err
	}
	c.Updated = time.Now().UTC().Round(time.Second)
	i := slices.IndexFunc(all, func(x Credential) bool { return x.Issuer == c.Issuer && x.Resource == c.Resource })
	if i >= 0 {
		all[i] = c
	} else {
		all = append(all, c)
	}
	return s.save(all)
}

// Delete removes every credential kept for the MCP server URL and returns
// them.
func (s *Store) Delete(server string) ([]Credential, error) {
	if s == nil {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.load()
	if err != nil {
		return nil, err
	}
	var gone, kept []Credential
	for _, c := range all {
		if c.Server == server {
			gone = append(gone, c)
		} else {
			kept = append(kept, c)
		}
	}
	if len(gone) == 0 {
		return nil, nil
	}
	return gone, s.save(kept)
}

// Revoke asks c's authorization server to revoke its refresh token (and
// with it, at most servers, the access token) and its access token (RFC
// 7009). The client authenticates as it did at the token endpoint. It
// says what was revoked; a server that cannot revoke a kind of token
// (self-contained JWT access tokens: unsupported_token_type) is no
// failure.
func Revoke(ctx context.Context, c *Credential, client *http.Client) (string, error) {
	if c.RevocationEndpoint == "" {
		return "", errors.New("the authorization server has no revocation endpoint")
	}
	var done []string
	for _, t := range []struct{ token, hint, name string }{{c.RefreshToken, "refresh_token", "the refresh token"}, {c.AccessToken, "access_token", "the access token"}} {
		if t.token == "" {
			continue
		}
		form := url.Values{"token": {t.token}, "token_type_hint": {t.hint}}
		if c.AuthMethod != "client_secret_basic" || c.ClientSecret == "" {
			form.Set("client_id", c.ClientID)
			if c.ClientSecret != "" {
				form.Set("client_secret", c.ClientSecret)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.RevocationEndpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.AuthMethod == "client_secret_basic" && c.ClientSecret != "" {
			req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", errors.New(describeNetErr(err))
		}
		var e struct {
			Error string `json:"error"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			done = append(done, t.name)
		case e.Error == "unsupported_token_type":
			done = append(done, t.name+" cannot be revoked (it lives until it expires)")
		default:
			if e.Error != "" {
				return "", fmt.Errorf("HTTP %d (%s) for %s", resp.StatusCode, e.Error, t.name)
			}
			return "", fmt.Errorf("HTTP %d for %s", resp.StatusCode, t.name)
		}
	}
	return strings.Join(done, "; "), nil
}
