package demo

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Era selects which protocol generations the Streamable HTTP endpoint
// ([Running.URL]) serves. The legacy HTTP+SSE endpoint ([Running.SSEURL]) is
// legacy-only by nature and is unaffected except that [EraModern] turns it off.
//
// go-sdk v1.8.0 serves the 2026-07-28 stateless era only from a
// [mcp.StreamableHTTPHandler] built with [mcp.StreamableHTTPOptions.Stateless]
// set. A stateful handler answers any request that carries 2026-era metadata
// (except server/discover) with HTTP 400 and JSON-RPC error -32022 listing the
// legacy versions, and its server/discover result lists only legacy versions.
// A stateless handler does serve legacy requests too, but only in a degraded
// way: every POST gets a throw-away session (no Mcp-Session-Id, no
// initialize required, log level "info"), GET and DELETE answer 405, and the
// server cannot send requests (sampling, elicitation, roots, ping) or
// out-of-band notifications to a legacy client. So no single go-sdk handler
// serves both eras fully; [EraDual] routes between two handlers instead.
type Era int

const (
	// EraDual (the default) serves both eras on one URL. A request whose
	// MCP-Protocol-Version header is 2026-07-28 or later goes to a stateless
	// handler (server/discover, per-request _meta, multi round-trip
	// input_required results, subscriptions/listen, 405 on GET/DELETE). Every
	// other request, including initialize (which never carries that header),
	// goes to a stateful handler with sessions, a standalone GET stream,
	// server-to-client requests and, with [Options.Resumable], resumption.
	// A 2026-era client must send the header on every POST (the spec requires
	// it), so the routing is exact for well-behaved clients.
	EraDual Era = iota
	// EraLegacy serves only the stateful (2024-11-05 … 2025-11-25) era, like a
	// pre-2026 server. Use it to exercise a client's fallback from
	// server/discover to initialize: discover answers with legacy versions
	// only and other 2026-era requests get 400 / -32022.
	EraLegacy
	// EraModern serves the stateless handler only, like a 2026-only server,
	// and does not mount the legacy HTTP+SSE endpoint ([Running.SSEURL] is
	// empty). Legacy requests are still answered statelessly as described on
	// [Era], so legacy clients can list and call simple tools but every
	// feature that needs a server-to-client request fails.
	EraModern
)

// String returns the name of the era option.
func (e Era) String() string {
	switch e {
	case EraDual:
		return "dual"
	case EraLegacy:
		return "legacy"
	case EraModern:
		return "modern"
	}
	return fmt.Sprintf("Era(%d)", int(e))
}

// modernVersion is the first protocol revision of the stateless era.
const modernVersion = "2026-07-28"

// Options configures [NewServer], [Start] and [Serve]. The zero value is
// ready to use.
type Options struct {
	// Addr is the TCP address to listen on. The default is "127.0.0.1:0"
	// (an ephemeral loopback port). The host must be a loopback address or
	// "localhost"; an empty host means 127.0.0.1. Anything else is refused.
	Addr string

	// Era selects the protocol generations served; see [Era].
	Era Era

	// JSONResponse makes the Streamable HTTP handlers answer POSTed requests
	// with a single application/json body instead of an SSE stream. With
	// go-sdk v1.8.0 everything else the server sends while handling the
	// request (progress, log messages, sampling/elicitation/roots requests)
	// then goes to the session's standalone GET stream instead: a legacy
	// client without that stream never sees it, and 2026-07-28 clients (which
	// have no GET stream) lose progress and log messages. Multi round-trip
	// input requests are unaffected in 2026-07-28, since they are results.
	JSONResponse bool

	// Resumable gives the stateful Streamable HTTP handler an in-memory event
	// store (8 MiB, shared by all sessions). Responses then carry SSE event ids
	// ("<stream>_<n>"), 2025-11-25 sessions get a priming event, and a client
	// can resume a broken stream with GET + Last-Event-ID. The long_running
	// tool's disconnectAtStep argument needs this. It has no effect on the
	// 2026-07-28 era, which has no resumption.
	Resumable bool

	// PageSize limits the number of items per page of the list methods
	// (tools, prompts, resources, templates). Zero means the go-sdk default
	// (1000, so everything fits on one page); a small value such as 5 makes
	// the server paginate with nextCursor.
	PageSize int

	// PingInterval, if positive, makes the server send a "ping" request to
	// every legacy session at this interval. Failures are ignored (they never
	// close a session). go-sdk's own ServerOptions.KeepAlive is not used,
	// because it would also ping the throw-away sessions of the stateless
	// handler and close them mid-request.
	PingInterval time.Duration

	// SessionTimeout, if positive, closes stateful Streamable HTTP sessions
	// that receive no POST for this long; the next request with the old
	// Mcp-Session-Id then gets 404. Zero keeps sessions until the client
	// deletes them or the server closes.
	SessionTimeout time.Duration

	// TickInterval is how often the demo://live/clock resource changes and, while
	// someone is subscribed to it, how often notifications/resources/updated is
	// sent. The default is 3s.
	TickInterval time.Duration

	// LongRunDuration is the default duration of the long_running tool when the
	// caller does not pass durationMs. The default is 10s.
	LongRunDuration time.Duration

	// Logger, if non-nil, receives the go-sdk's internal server and transport
	// logs. It is unrelated to the MCP notifications/message log messages.
	Logger *slog.Logger
}

func (o Options) tickInterval() time.Duration {
	if o.TickInterval > 0 {
		return o.TickInterval
	}
	return 3 * time.Second
}

func (o Options) longRunDuration() time.Duration {
	if o.LongRunDuration > 0 {
		return o.LongRunDuration
	}
	return 10 * time.Second
}

// Paths of the HTTP endpoints on the listener.
const (
	// StreamablePath is the path of the Streamable HTTP endpoint.
	StreamablePath = "/mcp"
	// SSEPath is the path of the legacy HTTP+SSE endpoint. go-sdk v1.8.0
	// announces the POST endpoint as a relative URI on the same path,
	// "/sse?sessionid=<id>".
	SSEPath = "/sse"
	// ElicitPath is the path prefix of the demo's URL-mode elicitation
	// landing pages.
	ElicitPath = "/elicit/"
)

// Running is a server started by [Start] or [Serve].
type Running struct {
	// URL is the Streamable HTTP endpoint, e.g. http://127.0.0.1:PORT/mcp.
	URL string
	// SSEURL is the legacy HTTP+SSE endpoint on the same listener, e.g.
	// http://127.0.0.1:PORT/sse. It is empty with [EraModern].
	SSEURL string
	// RedirectURL, CrossOriginRedirectURL and CrossOriginSSEURL are the
	// origin fixtures ([RedirectPath], [CrossOriginRedirectPath],
	// [CrossOriginSSEPath]; the last is empty with [EraModern]).
	RedirectURL, CrossOriginRedirectURL, CrossOriginSSEURL string
	// Server is the MCP server being served.
	Server *mcp.Server

	httpServer *http.Server
	demo       *demo // nil for [Serve]
	stopPing   context.CancelFunc
	pingDone   chan struct{}
	serveDone  chan struct{}
	stopCtx    func() bool

	mu        sync.Mutex
	closing   bool
	handlers  sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start builds the demo server ([NewServer]) and serves it on loopback over
// Streamable HTTP ([Running.URL]) and legacy HTTP+SSE ([Running.SSEURL]) on one
// listener. The server stops when ctx is done or [Running.Close] is called.
func Start(ctx context.Context, opts Options) (*Running, error) {
	ln, err := listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	d := newDemo(opts, "http://"+ln.Addr().String())
	r, err := serve(ctx, d.server, opts, ln, d)
	if err != nil {
		d.shutdown()
		return nil, err
	}
	return r, nil
}

// Serve serves an arbitrary MCP server (for example the hostile fixture of internal/hostile) on
// loopback exactly as [Start] serves the demo server. [Running.Close] closes
// every session of srv.
func Serve(ctx context.Context, srv *mcp.Server, opts Options) (*Running, error) {
	if srv == nil {
		return nil, errors.New("demo: Serve needs a server")
	}
	ln, err := listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	return serve(ctx, srv, opts, ln, nil)
}

// listen opens a TCP listener on a loopback address.
func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("demo: bad address %q: %w", addr, err)
	}
	switch {
	case host == "":
		host = "127.0.0.1"
	case strings.EqualFold(host, "localhost"):
	default:
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("demo: refusing to listen on non-loopback address %q", addr)
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("demo: %q resolved to non-loopback address %v", addr, ln.Addr())
	}
	return ln, nil
}

func serve(ctx context.Context, srv *mcp.Server, opts Options, ln net.Listener, d *demo) (*Running, error) {
	base := "http://" + ln.Addr().String()
	getServer := func(*http.Request) *mcp.Server { return srv }

	var eventStore mcp.EventStore
	if opts.Resumable {
		es := mcp.NewMemoryEventStore(nil)
		es.SetMaxBytes(8 << 20)
		eventStore = es
	}
	stateful := mcp.NewStreamableHTTPHandler(getServer, &mcp.StreamableHTTPOptions{
		JSONResponse:   opts.JSONResponse,
		EventStore:     eventStore,
		SessionTimeout: opts.SessionTimeout,
		Logger:         opts.Logger,
	})
	stateless := decodeMcpName(mcp.NewStreamableHTTPHandler(getServer, &mcp.StreamableHTTPOptions{
		Stateless:    true,
		JSONResponse: opts.JSONResponse,
		Logger:       opts.Logger,
		// In the 2026 era closing the response stream is the cancellation.
		PropagateRequestCancellation: true,
	}))

	var streamable http.Handler
	switch opts.Era {
	case EraLegacy:
		streamable = stateful
	case EraModern:
		streamable = stateless
	default:
		streamable = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if isModernRequest(req) {
				stateless.ServeHTTP(w, req)
			} else {
				stateful.ServeHTTP(w, req)
			}
		})
	}

	mux := http.NewServeMux()
	mux.Handle(StreamablePath, streamable)
	r := &Running{
		URL:       base + StreamablePath,
		Server:    srv,
		demo:      d,
		serveDone: make(chan struct{}),
	}
	if opts.Era != EraModern {
		mux.Handle(SSEPath, mcp.NewSSEHandler(getServer, nil))
		r.SSEURL = base + SSEPath
	}
	mountOrigins(mux, r, base, getServer, opts.Era != EraModern)
	if d != nil {
		mux.Handle(ElicitPath, d.elicitations)
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "MCP demo server\nStreamable HTTP: %s\n", r.URL)
		if r.SSEURL != "" {
			fmt.Fprintf(w, "HTTP+SSE:        %s\n", r.SSEURL)
		}
	})

	// Browsers' cross-origin POSTs (Origin / Sec-Fetch-Site) get 403, as the
	// 2025-11-25 transport spec asks of local servers; non-browser clients
	// send neither header and are unaffected.
	r.httpServer = &http.Server{
		Handler:           r.track(http.NewCrossOriginProtection().Handler(mux)),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	go func() {
		defer close(r.serveDone)
		_ = r.httpServer.Serve(ln)
	}()

	if opts.PingInterval > 0 {
		pingCtx, cancel := context.WithCancel(context.Background())
		r.stopPing = cancel
		r.pingDone = make(chan struct{})
		go func() {
			defer close(r.pingDone)
			pingLoop(pingCtx, srv, opts.PingInterval)
		}()
	}
	r.stopCtx = context.AfterFunc(ctx, func() { r.Close() })
	return r, nil
}

// isModernRequest reports whether req announces a 2026-07-28-or-later protocol
// version in its MCP-Protocol-Version header. Dated versions compare correctly
// as strings.
func isModernRequest(req *http.Request) bool {
	v := req.Header.Get("Mcp-Protocol-Version")
	return v != "" && v >= modernVersion
}

// decodeMcpName undoes the spec's =?base64?…?= encoding of the Mcp-Name
// header before go-sdk sees it. 2026-07-28 clients must send a tool, prompt
// or resource name that is not plain visible ASCII in that form, but go-sdk
// v1.8.0 compares Mcp-Name with the body verbatim (it decodes only
// Mcp-Param-* headers) and would answer 400 / -32020.
func decodeMcpName(next http.Handler) http.Handler {
	const prefix, suffix = "=?base64?", "?="
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		v := req.Header.Get("Mcp-Name")
		if len(v) >= len(prefix)+len(suffix) && strings.HasPrefix(v, prefix) && strings.HasSuffix(v, suffix) {
			if b, err := base64.StdEncoding.DecodeString(v[len(prefix) : len(v)-len(suffix)]); err == nil && utf8.Valid(b) {
				req = req.WithContext(req.Context())
				req.Header = req.Header.Clone()
				req.Header.Set("Mcp-Name", string(b))
			}
		}
		next.ServeHTTP(w, req)
	})
}

// track counts in-flight HTTP handlers so that Close can wait for them, and
// refuses new requests once Close has begun.
func (r *Running) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if r.closing {
			r.mu.Unlock()
			http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
			return
		}
		r.handlers.Add(1)
		r.mu.Unlock()
		defer r.handlers.Done()
		next.ServeHTTP(w, req)
	})
}

// Close stops the server: it cancels in-flight demo tool calls, closes every
// MCP session of [Running.Server], closes the listener and all connections,
// and waits (up to a few seconds) for HTTP handlers to return. It is safe to
// call more than once and from several goroutines.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		if r.stopCtx != nil {
			r.stopCtx()
		}
		r.mu.Lock()
		r.closing = true
		r.mu.Unlock()
		if r.stopPing != nil {
			r.stopPing()
			<-r.pingDone
		}
		if r.demo != nil {
			r.demo.shutdown()
		}
		closeSessions(r.Server, 3*time.Second)
		r.closeErr = r.httpServer.Close()
		<-r.serveDone
		waited := make(chan struct{})
		go func() {
			r.handlers.Wait()
			close(waited)
		}()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			if r.closeErr == nil {
				r.closeErr = errors.New("demo: timed out waiting for HTTP handlers")
			}
		}
	})
	return r.closeErr
}

// closeSessions closes all sessions of srv concurrently, giving up after
// timeout (a session's Close waits for its in-flight requests).
func closeSessions(srv *mcp.Server, timeout time.Duration) {
	var wg sync.WaitGroup
	for ss := range srv.Sessions() {
		wg.Go(func() { ss.Close() })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// pingLoop pings every legacy session of srv each interval until ctx is done.
func pingLoop(ctx context.Context, srv *mcp.Server, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ss := range srv.Sessions() {
			ip := ss.InitializeParams()
			if ip == nil || ip.ProtocolVersion >= modernVersion {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, min(interval/2, 5*time.Second))
			_ = ss.Ping(pctx, nil)
			cancel()
		}
	}
}
