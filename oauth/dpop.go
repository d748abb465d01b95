package oauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DPoP (RFC 9449): when the authorization server offers it, sonde binds
// its tokens to a key of its own (ES256) and proves it holds the key with
// a fresh signed proof on every token request and every request to the
// server; a server that wants a nonce in the proofs says so with
// use_dpop_nonce and a DPoP-Nonce header, and the request is sent again
// with it.

// dpopState is the key and the nonces of DPoP.
type dpopState struct {
	key    *ecdsa.PrivateKey
	active bool // the authorization server offered DPoP for this sign-in

	mu      sync.Mutex
	asNonce string
}

func newDPoP() (*dpopState, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &dpopState{key: k}, nil
}

// loadDPoP restores a key kept with a credential.
func loadDPoP(raw json.RawMessage) (*dpopState, error) {
	var k jose.JSONWebKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, err
	}
	priv, ok := k.Key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("the kept DPoP key is not an EC private key")
	}
	return &dpopState{key: priv, active: true}, nil
}

// private is the key as a JWK, kept with the credential (0600).
func (d *dpopState) private() json.RawMessage {
	b, _ := json.Marshal(jose.JSONWebKey{Key: d.key, Algorithm: string(jose.ES256)})
	return b
}

// proof signs a DPoP proof for a request: its method and URL (without
// query and fragment), a unique id, the time, the hash of the access
// token it goes with (if any) and the server's nonce (if any).
func (d *dpopState) proof(method string, u *url.URL, accessToken, nonce string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: d.key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		return "", err
	}
	htu := *u
	htu.RawQuery, htu.Fragment, htu.ForceQuery = "", "", false
	claims := map[string]any{"jti": rand.Text(), "htm": method, "htu": htu.String(), "iat": time.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// setupDPoP decides whether this sign-in binds its token: when the
// authorization server lists ES256 among its DPoP algorithms, the
// protected resource says it takes DPoP (its metadata's DPoP members, or
// a DPoP challenge) and the user did not say --no-dpop. An authorization
// server offering DPoP is not enough: a resource that knows only Bearer
// (the TypeScript SDK's middleware) would refuse a DPoP-bound token.
func (h *Handler) setupDPoP(as *asMeta) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	rsTakesDPoP := h.rsDPoP
	if h.opts.NoDPoP || !slices.Contains(as.DPoPAlgs, string(jose.ES256)) || !rsTakesDPoP {
		if h.dpop != nil {
			h.dpop.active = false
		}
		return nil
	}
	if h.dpop == nil {
		d, err := newDPoP()
		if err != nil {
			return fmt.Errorf("cannot make a DPoP key: %w", err)
		}
		h.dpop = d
	}
	h.dpop.active = true
	h.rep().step("dpop", "the authorization server offers DPoP: the token will be bound to a key of sonde's (ES256)", nil)
	return nil
}
