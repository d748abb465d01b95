package mcp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Credentials go only to the origin the user named (scheme, host and port
// of Config.URL). A server can try to send sonde elsewhere in two ways: a
// legacy `endpoint` event naming another origin, and an HTTP redirect. Both
// are refused unless Config.AllowCrossOrigin is set, and even then nothing
// the user gave (--bearer, every -H header) nor any header IsSecretHeader
// names reaches the other origin. https→http is refused always.

// maxRedirects bounds the hops of one request (Go's client stops at 10 too).
const maxRedirects = 10

// Origin is the origin of u as scheme://host:port, lower-cased, with the
// scheme's default port written out, so that http://h and http://h:80
// compare equal.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// originOf is Origin of a URL string ("" when it does not parse).
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return Origin(u)
}

// CrossOriginError is a server's attempt to move sonde to another origin
// than the one the user named, refused: by a legacy endpoint event or an
// HTTP redirect.
type CrossOriginError struct {
	// What moved: "an endpoint event" or "a redirect (HTTP 307)".
	What string
	// From and To are the origins.
	From, To string
	// Downgrade is set for https→http, refused even with --allow-cross-origin.
	Downgrade bool
}

func (e *CrossOriginError) Error() string {
	if e.Downgrade {
		return fmt.Sprintf("refused %s from %s to %s: sonde never goes from https to http", e.What, e.From, e.To)
	}
	return fmt.Sprintf("refused %s from %s to another origin, %s: credentials go only to the origin you named "+
		"(--allow-cross-origin goes there without them)", e.What, e.From, e.To)
}

// checkOrigin decides whether sonde may go from the origin from to the URL
// to: nil when it is the user's origin, a *CrossOriginError when it is
// another one and the user did not allow that (or it is https→http).
func (h *httpBase) checkOrigin(what string, from, to *url.URL) error {
	if strings.EqualFold(from.Scheme, "https") && !strings.EqualFold(to.Scheme, "https") {
		return &CrossOriginError{What: what, From: Origin(from), To: Origin(to), Downgrade: true}
	}
	if Origin(to) != h.origin && !h.cfg.AllowCrossOrigin {
		return &CrossOriginError{What: what, From: Origin(from), To: Origin(to)}
	}
	return nil
}

// stripCredentials removes from hd everything that must not leave the
// user's origin: the headers the user gave (-H, which includes any cookie),
// Authorization from --bearer, and any header IsSecretHeader names.
func (h *httpBase) stripCredentials(hd http.Header) {
	for k := range hd {
		if _, given := h.creds[k]; given || IsSecretHeader(k, h.cfg.SecretHeaders) {
			delete(hd, k)
		}
	}
}

// credentialsSent names the credentials req carried (names only, never
// values), for an error that says which ones the server rejected: the
// headers the user gave that sonde treats as secret (--bearer's
// Authorization among them), and a password in the URL.
func (h *httpBase) credentialsSent(req *http.Request) []string {
	var names []string
	for k := range req.Header {
		if _, given := h.creds[k]; given && IsSecretHeader(k, h.cfg.SecretHeaders) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if _, has := req.URL.User.Password(); has {
		names = append(names, "the URL's password")
	}
	return names
}

// withheld reports whether the user gave credentials and req carries
// none of them: it left the user's origin on the way (a redirect or an
// endpoint the user allowed).
func (h *httpBase) withheld(req *http.Request) bool {
	for k := range h.creds {
		if req.Header[k] != nil {
			return false
		}
	}
	return len(h.creds) > 0
}

// isRedirect reports whether status is a redirect sonde follows (the ones
// Go's client follows).
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirect builds the request that follows resp, a redirect answering
// req, or says why it must not be followed. It mirrors what Go's client
// does (301/302/303 turn a POST into a bodiless GET; 307/308 repeat the
// method and body) with sonde's origin rule: a hop to another origin is
// refused unless allowed. The new request carries req's headers; the
// caller strips the credentials.
func (h *httpBase) redirect(req *http.Request, resp *http.Response, hops int) (*http.Request, error) {
	loc, err := req.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("%s %s: HTTP %d with an unusable Location: %v", req.Method, RedactURL(req.URL.String()), resp.StatusCode, err)
	}
	if hops >= maxRedirects {
		return nil, fmt.Errorf("%s %s: stopped after %d redirects", req.Method, RedactURL(req.URL.String()), hops)
	}
	if err := h.checkOrigin(fmt.Sprintf("a redirect (HTTP %d)", resp.StatusCode), req.URL, loc); err != nil {
		return nil, err
	}
	method, body := req.Method, true
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		if method != http.MethodGet && method != http.MethodHead {
			method, body = http.MethodGet, false
		}
	}
	next, err := http.NewRequestWithContext(req.Context(), method, loc.String(), nil)
	if err != nil {
		return nil, err
	}
	next.Header = req.Header.Clone()
	if body && req.GetBody != nil {
		if next.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
		next.GetBody, next.ContentLength = req.GetBody, req.ContentLength
	} else if body && req.ContentLength != 0 {
		return nil, errors.New("cannot repeat the request body for a redirect")
	}
	if !body {
		next.Header.Del("Content-Type")
		next.Header.Del("Content-Length")
	}
	return next, nil
}
