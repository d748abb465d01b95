package mcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrClosed is returned by calls on a session that was closed.
var ErrClosed = errors.New("session closed")

// HTTPError is an HTTP answer sonde could not use: a wrong status or a wrong
// content type. It names both, so an HTML error page from a proxy reads as
// what it is.
type HTTPError struct {
	Method      string
	URL         string // redacted
	Status      int
	ContentType string
	// Body is the start of the body, with control characters removed.
	Body string
	// RPC is the JSON-RPC error the body carried, if any.
	RPC *RPCError
	// Reason is set when the status was fine but something else was not
	// (e.g. "expected text/event-stream").
	Reason string
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.URL, e.Status)
	if e.ContentType != "" {
		fmt.Fprintf(&b, " (%s)", e.ContentType)
	} else {
		b.WriteString(" (no content type)")
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	switch {
	case e.RPC != nil:
		b.WriteString(": " + e.RPC.Error())
	case e.Body != "":
		b.WriteString(": " + e.Body)
	}
	return b.String()
}

// Unwrap returns the JSON-RPC error in the body, if any.
func (e *HTTPError) Unwrap() error {
	if e.RPC != nil {
		return e.RPC
	}
	return nil
}

// AuthError is a 401 or 403: the server wants credentials or refused them.
// It never triggers transport fallback.
type AuthError struct {
	Method string
	URL    string // redacted
	Status int
	// WWWAuthenticate is the server's challenge, shown to the user as is.
	WWWAuthenticate string
	// HadCredentials is true when the request carried credentials.
	HadCredentials bool
	// Sent names the credentials the request carried (header names, never
	// values): Authorization from --bearer, -H headers sonde treats as secret.
	Sent []string
	// Withheld is set when the user gave credentials but the request
	// carried none: it was sent on to another origin (a redirect or an
	// endpoint --allow-cross-origin allowed). It names the user's origin.
	Withheld string
	// Cause is set when sonde tried to sign in (Config.OAuth) and could
	// not: why, in one line.
	Cause error
}

// Unwrap returns the sign-in's failure, if any.
func (e *AuthError) Unwrap() error { return e.Cause }

func (e *AuthError) Error() string {
	if e.Cause != nil {
		s := "sign-in failed"
		if e.Status != 0 {
			s += fmt.Sprintf(" (HTTP %d from %s %s)", e.Status, e.Method, e.URL)
		}
		return s + ": " + e.Cause.Error()
	}
	what := "authentication required"
	switch {
	case e.Status == 403:
		what = "access denied"
	case e.HadCredentials:
		what = "credentials rejected"
	}
	s := fmt.Sprintf("%s (HTTP %d from %s %s)", what, e.Status, e.Method, e.URL)
	if len(e.Sent) > 0 {
		s += "; sonde sent " + strings.Join(e.Sent, ", ")
	}
	if e.WWWAuthenticate != "" {
		s += "; WWW-Authenticate: " + e.WWWAuthenticate
	}
	switch {
	case e.Withheld != "":
		s += "; sonde sent no credentials: they go only to " + e.Withheld + " and this request left it"
	case !e.HadCredentials && e.Status == 401:
		s += "; try --bearer TOKEN or -H 'Authorization: ...'"
	}
	return s
}

// ConnectError means the server could not be reached at all.
type ConnectError struct {
	Target string
	Err    error
}

func (e *ConnectError) Error() string {
	return "cannot reach " + e.Target + ": " + describeNetErr(e.Err)
}

// Unwrap returns the underlying error.
func (e *ConnectError) Unwrap() error { return e.Err }

// LostError means the connection broke while a request waited for its
// answer; the answer is lost.
type LostError struct {
	Method string
	Err    error
}

func (e *LostError) Error() string {
	var xe *ExitError
	if errors.As(e.Err, &xe) { // a stdio server: say how it ended
		return xe.describe(e.Method)
	}
	s := "connection lost"
	if e.Method != "" {
		s += " before the answer to " + e.Method + " arrived"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *LostError) Unwrap() error { return e.Err }

// TimeoutError means a request got no answer in time.
type TimeoutError struct {
	Method string
	After  time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s timed out after %s with no answer from the server", e.Method, e.After.Round(time.Millisecond))
}

// Timeout reports true, for net.Error-style checks.
func (e *TimeoutError) Timeout() bool { return true }

// errSessionExpired is returned by a transport when the server no longer
// knows the session (404, or a 400 that says so); the session re-initializes
// and retries once.
type sessionExpiredError struct{ cause error }

func (e *sessionExpiredError) Error() string { return "session expired: " + e.cause.Error() }
func (e *sessionExpiredError) Unwrap() error { return e.cause }

// describeNetErr turns a dial error into a short phrase.
func describeNetErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "unknown host " + dnsErr.Name
	}
	return err.Error()
}

// isDialError reports whether err happened before any byte reached a server.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) || errors.Is(err, syscall.ECONNREFUSED)
}
