package mcp

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/sonde-mcp/sonde/internal/version"
)

// Defaults chosen so that a proxy that cuts streams idle for 60 s never costs
// the user a call: a ping every 20 s keeps a legacy SSE stream busy (its
// answer travels down that stream), and a stream silent for 45 s is treated
// as dead and re-opened before the user's next call needs it.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultKeepalive   = 20 * time.Second
	DefaultIdleTimeout = 45 * time.Second
	DefaultMaxMessage  = 64 << 20
	// DefaultMaxReconnects bounds consecutive failed reconnect attempts.
	DefaultMaxReconnects = 10
)

// LatestProtocol is the newest legacy (initialize-handshake) revision sonde
// offers by default.
const LatestProtocol = "2025-11-25"

// KnownProtocols lists the revisions sonde understands, oldest first.
var KnownProtocols = []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"}

// Implementation is the name/version pair MCP peers exchange.
type Implementation struct {
	Name    string `json:"name"`
	Title   string `json:"title,omitempty"`
	Version string `json:"version"`
}

// Config says what to connect to and how.
type Config struct {
	// URL is an http(s) target. Exactly one of URL and Command is set.
	URL string
	// Command is a stdio server: program and arguments, run without a shell.
	Command []string
	// Env adds KEY=VALUE entries to a stdio server's environment. Their
	// values are secrets (see [Config.EnvSecrets]) unless named in EnvPlain.
	Env []string
	// EnvPlain names Env variables whose values are not secret.
	EnvPlain []string
	// Dir is a stdio server's working directory.
	Dir string

	// Transport forces a transport; "" or auto detects it for URLs.
	Transport TransportKind
	// Protocol forces a revision: a legacy one is offered in initialize, a
	// modern one (2026-07-28) skips the handshake. "" detects the era.
	Protocol string

	// Bearer is sent as "Authorization: Bearer <token>" on every request.
	Bearer string
	// Header is sent on every HTTP request, including the SSE GET.
	Header http.Header
	// SecretHeaders names extra headers whose values must never be logged.
	SecretHeaders []string
	// AllowCrossOrigin lets a legacy endpoint event or an HTTP redirect
	// take sonde to another origin than URL's; requests there carry none of
	// the user's headers (Bearer, Header) nor any secret header. Without
	// it such a move is refused. https→http is refused always.
	AllowCrossOrigin bool
	// OAuth signs sonde in when the server answers 401 or 403 (see
	// [OAuthHandler] and package oauth); its token goes only to URL's
	// origin. Unused when the user gave credentials of their own (Bearer,
	// an Authorization header).
	OAuth OAuthHandler
	// OnSecrets receives the secret values a session learns while it runs
	// (the tokens, codes and client secrets of a sign-in), for outputs that
	// scrub what they keep on their own, such as a recorder. It is called
	// before any event that could carry them is delivered.
	OnSecrets func(values []string)
	// Endpoint is, for a server that takes its POSTs at a URL no `endpoint`
	// event names (a split-endpoint server), where to POST: a URL relative
	// to URL (the SSE stream) or absolute, with {session} filled from the
	// stream's first events (see SessionIDIn). It implies the legacy
	// HTTP+SSE transport and Lenient. The origin rule applies as to an
	// endpoint event.
	Endpoint string
	// SessionFrom picks the session id out of the stream's first events
	// (its first capture group); nil: the common shapes (SessionIDIn).
	SessionFrom *regexp.Regexp
	// SessionHeader, when set, carries the session id on every POST.
	SessionHeader string
	// Lenient takes a server as it comes: an initialize answer that is
	// not a valid InitializeResult (or none) is a warning and the session
	// goes on; answers without "jsonrpc" are matched by id; data that is
	// not JSON-RPC is shown as it is, not as an error.
	Lenient bool
	// Faults injects faults on purpose into sonde's own traffic (package
	// fault; --fault): each is logged as an event of kind fault.
	Faults Faults
	// Insecure skips TLS verification.
	Insecure bool
	// HTTPClient replaces the client sonde builds (tests).
	HTTPClient *http.Client

	// Timeout bounds each request (0 = DefaultTimeout). Progress
	// notifications restart the clock.
	Timeout time.Duration
	// Keepalive is the ping interval (0 = DefaultKeepalive, <0 = off).
	Keepalive time.Duration
	// IdleTimeout re-opens an SSE stream silent for this long
	// (0 = DefaultIdleTimeout, <0 = off).
	IdleTimeout time.Duration
	// MaxMessage caps one message in bytes (0 = DefaultMaxMessage).
	MaxMessage int
	// KeepaliveMatch adds rules for keepalive data messages to the built-in
	// ones ({"type":"keepalive"}, a bare `heartbeat`...): a message a rule
	// matches is logged as a keepalive, not as invalid JSON-RPC.
	KeepaliveMatch []KeepaliveRule
	// MaxReconnects bounds consecutive failed reconnects (0 = default, <0 = never reconnect).
	MaxReconnects int
	// EraCache is a file remembering, per server, the transport and era
	// detection found, so later connections skip the probes ("" = none;
	// sonde uses config.EraCachePath). A cached choice that fails is detected again.
	EraCache string
	// ProbeTimeout bounds the wait for a stdio server's answer to
	// server/discover before assuming a legacy server (0 = DefaultProbeTimeout).
	ProbeTimeout time.Duration

	// ClientInfo is sent in initialize (default: sonde and its version).
	ClientInfo Implementation
	// Capabilities overrides the client capabilities sent in initialize.
	Capabilities json.RawMessage
	// Handler answers server-to-client requests other than ping.
	Handler RequestHandler
	// Listen keeps a subscriptions/listen stream open in the 2026-07-28 era
	// for the list_changed notifications the server offers (the UI wants
	// them; one-shot commands do not).
	Listen bool
	// Tasks declares task support (the 2026-07-28 tasks extension); the
	// caller then handles task results (see TaskOf, Session.AwaitTask).
	Tasks bool
	// OnEvent receives every event, in order, one at a time, on the
	// session's dispatcher goroutine: emitting never waits for it, so a
	// slow consumer does not hold up the wire (events queue; only past
	// 64 MiB queued do emitters wait). Dial returns, and each call
	// returns, only after OnEvent has received the events up to its
	// outcome. OnEvent must not call the session.
	OnEvent func(Event)

	// testBackoff replaces the reconnect backoff schedule in tests.
	testBackoff func(attempt, retryMS int) time.Duration
}

// Version is sonde's version (see internal/version), sent as
// clientInfo.version and written into recordings.
var Version = version.Get().Version

func (c *Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Config) keepalive() time.Duration {
	switch {
	case c.Keepalive < 0:
		return 0
	case c.Keepalive == 0:
		return DefaultKeepalive
	}
	return c.Keepalive
}

func (c *Config) idleTimeout() time.Duration {
	switch {
	case c.IdleTimeout < 0:
		return 0
	case c.IdleTimeout == 0:
		return DefaultIdleTimeout
	}
	return c.IdleTimeout
}

func (c *Config) maxMessage() int {
	if c.MaxMessage > 0 {
		return c.MaxMessage
	}
	return DefaultMaxMessage
}

func (c *Config) maxReconnects() int {
	switch {
	case c.MaxReconnects < 0:
		return 0
	case c.MaxReconnects == 0:
		return DefaultMaxReconnects
	}
	return c.MaxReconnects
}

func (c *Config) clientInfo() Implementation {
	if c.ClientInfo.Name != "" {
		return c.ClientInfo
	}
	return Implementation{Name: "sonde", Version: Version}
}

// Target describes the target for messages: the URL (redacted) or the command.
func (c *Config) Target() string {
	if c.URL != "" {
		return RedactURL(c.URL)
	}
	s := ""
	for i, a := range c.Command {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

// Client is the HTTP client sonde's transports use for c (proxies from the
// environment, TLS as Insecure says); a sign-in's requests use its
// transport too.
func (c *Config) Client() *http.Client { return c.httpClient() }

// httpClient builds the client for HTTP transports: proxies from the
// environment (read now, not cached for the process), TLS verification on
// unless Insecure, and no overall timeout because SSE streams live long;
// requests are bounded by their contexts instead.
func (c *Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	proxy := httpproxy.FromEnvironment().ProxyFunc()
	tr := &http.Transport{
		Proxy: func(r *http.Request) (*url.URL, error) { return proxy(r.URL) },
		DialContext: (&net.Dialer{
			Timeout:   15 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if c.Insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	}
	return &http.Client{Transport: tr}
}

// Faults injects deliberate faults into a connection's traffic (package
// fault implements it). report logs each fault as it is injected.
type Faults interface {
	// HTTP wraps the round tripper every HTTP request of the connection
	// goes through.
	HTTP(next http.RoundTripper, report func(Event)) http.RoundTripper
	// Stdio wraps a stdio server's stdin and stdout.
	Stdio(stdin io.WriteCloser, stdout io.Reader, report func(Event)) (io.WriteCloser, io.Reader)
}

// RequestHandler answers a server-to-client request (roots/list,
// sampling/createMessage, elicitation/create, ...). Return a result to be
// marshalled, or an error; an *RPCError is sent as is, other errors become
// -32603. ctx ends when the server cancels the request or the session ends.
type RequestHandler func(ctx context.Context, req *ServerRequest) (any, error)

// ServerRequest is a request the server sent to sonde. ID is in the server's
// own id space and is echoed exactly in the answer.
type ServerRequest struct {
	ID     json.RawMessage
	Method string
	Params json.RawMessage
	// Via is the id (JSON text) of the request of sonde's this one came
	// with, when the wire says: for a 2026-07-28 input request, the
	// request whose input_required result carried it; for a request on a
	// POST's response stream, that POST's request ([Event.Via]).
	Via string
}
