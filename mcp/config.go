package mcp

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
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
	// Env adds KEY=VALUE entries to a stdio server's environment.
	Env []string
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
	// MaxReconnects bounds consecutive failed reconnects (0 = default, <0 = never reconnect).
	MaxReconnects int
	// EraCache is a file remembering, per server, the transport and era
	// detection found, so later connections skip the probes ("" = none;
	// see DefaultEraCache). A cached choice that fails is detected again.
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
	// OnEvent receives every event, in order, from the session's
	// goroutines. It must be quick; it may block briefly for backpressure.
	OnEvent func(Event)
}

// Version is sonde's version, sent as clientInfo.version.
var Version = "0.1.0"

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
}
