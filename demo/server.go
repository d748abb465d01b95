package demo

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Server identity reported in initialize / server/discover.
const (
	// ServerName is the demo server's implementation name.
	ServerName = "sonde-demo"
	// ServerTitle is the demo server's display title.
	ServerTitle = "Sonde Demo Server"
	// ServerVersion is the demo server's version.
	ServerVersion = "1.0.0"
)

const instructions = `This is sonde's built-in demo server. Everything here is synthetic and safe to call.

- Tools cover rich input schemas (create_booking), every tool annotation, progress and
  cancellation (long_running), images, audio, structured output, resource links, tool errors,
  a 2 MB result (large_text), log messages (emit_logs), and server-to-client requests:
  sampling (ask_llm), elicitation (elicit_form, elicit_url), roots (list_roots) and ping (ping_client).
- manage_extras adds and removes a tool, a prompt and a resource so list_changed notifications fire.
- Resources include markdown, JSON, plain text, a PNG and a binary blob; demo://live/clock changes
  every few seconds and supports subscriptions. Templates: demo://weather/{city} and
  demo://docs/{section}/{page}, both with argument completion.
- Prompts: summarize, code_review, plan_trip (context-aware completions) and welcome.`

// demo holds the state behind one demo server.
type demo struct {
	opts   Options
	server *mcp.Server
	// baseURL is the http://host:port the server is reachable at, or "" when
	// the server was built by NewServer and is not served by this package.
	baseURL string

	life     context.Context // cancelled by shutdown
	stopLife context.CancelFunc

	stateKey []byte // HMAC key for requestState values
	clock    *clock
	extras   sync.Mutex      // guards extraOn
	extraOn  map[string]bool // run-time extras present, by kind

	elicitations *urlElicitations

	// longRunning counts long_running calls in progress (for tests).
	longRunning atomic.Int32
}

// NewServer builds the demo MCP server: tools, resources, templates, prompts,
// completions, logging and subscriptions as listed in the package
// documentation. Serve it with [Serve] or any go-sdk transport; [Start] does
// both and also serves the URL-mode elicitation landing pages.
//
// A server built by NewServer sends resource-updated notifications only while
// a client is subscribed to demo://live/clock (a goroutine runs only during
// that time), and its elicit_url tool points at a page nobody serves.
func NewServer(opts Options) *mcp.Server {
	return newDemo(opts, "").server
}

func newDemo(opts Options, baseURL string) *demo {
	d := &demo{opts: opts, baseURL: baseURL, extraOn: map[string]bool{}}
	d.life, d.stopLife = context.WithCancel(context.Background())
	d.stateKey = make([]byte, 32)
	_, _ = rand.Read(d.stateKey)
	d.elicitations = newURLElicitations()

	d.server = mcp.NewServer(&mcp.Implementation{
		Name:        ServerName,
		Title:       ServerTitle,
		Version:     ServerVersion,
		Description: "A synthetic MCP server that exercises every feature an inspector can show.",
		WebsiteURL:  "https://github.com/sonde-mcp/sonde",
		Icons:       demoIcons(),
	}, &mcp.ServerOptions{
		Instructions:       instructions,
		Logger:             opts.Logger,
		PageSize:           opts.PageSize,
		CompletionHandler:  d.complete,
		SubscribeHandler:   d.subscribe,
		UnsubscribeHandler: d.unsubscribe,
		Capabilities: &mcp.ServerCapabilities{
			Logging: &mcp.LoggingCapabilities{},
		},
		SetCacheable: func(_ context.Context, req mcp.Request, c *mcp.Cacheable) {
			// server/discover results may be cached for an hour; everything else
			// is "immediately stale", because the lists change at run time.
			if _, ok := req.GetParams().(*mcp.DiscoverParams); ok {
				c.TTLMs = int(time.Hour / time.Millisecond)
			}
		},
	})
	d.clock = newClock(d)
	d.server.AddReceivingMiddleware(d.middleware)
	d.addTools()
	d.addResources()
	d.addPrompts()
	return d
}

// shutdown cancels in-flight tool calls and stops background goroutines.
func (d *demo) shutdown() {
	d.stopLife()
	d.clock.wait()
}

// middleware ties every request to the server's lifetime (so that Close does
// not wait for a long tool call) and logs each tools/call at debug level as a
// notifications/message, which the client sees if its log level allows.
func (d *demo) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (res mcp.Result, err error) {
		// No request may take the server down: the go-sdk handles each
		// request on its own goroutine, where a panic (it has one for
		// "arguments": null) would kill the process.
		defer func() {
			if r := recover(); r != nil {
				res, err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("internal error in %s: %v", method, r)}
			}
		}()
		if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && method == "tools/call" && (len(p.Arguments) == 0 || string(p.Arguments) == "null") {
			p.Arguments = json.RawMessage(`{}`)
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(d.life, cancel)
		defer stop()
		if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && method == "tools/call" {
			if ss, ok := req.GetSession().(*mcp.ServerSession); ok {
				_ = ss.Log(ctx, &mcp.LoggingMessageParams{
					Level:  "debug",
					Logger: "demo.calls",
					Data: map[string]any{
						"event":     "tools/call",
						"tool":      p.Name,
						"argsBytes": len(p.Arguments),
						"retry":     len(p.InputResponses) > 0,
					},
				})
			}
		}
		return next(ctx, method, req)
	}
}

// sendLog sends a notifications/message for a request, ignoring failures (a
// message below the client's level is silently dropped by go-sdk).
func sendLog(ctx context.Context, ss *mcp.ServerSession, level mcp.LoggingLevel, logger string, data any) {
	if ss != nil {
		_ = ss.Log(ctx, &mcp.LoggingMessageParams{Level: level, Logger: logger, Data: data})
	}
}

// isModern reports whether a request follows the 2026-07-28 (stateless) era.
func isModern[P mcp.Params](req *mcp.ServerRequest[P]) bool {
	return req.ProtocolVersion() >= modernVersion
}

// sealState builds an opaque, HMAC-signed requestState for a multi
// round-trip tool call. The spec asks unauthenticated servers to protect it
// against tampering; clients must echo it byte for byte.
func (d *demo) sealState(tool, payload string) string {
	body := strings.Join([]string{tool, payload, strconv.FormatInt(time.Now().Add(10*time.Minute).Unix(), 10)}, "\x00")
	mac := hmac.New(sha256.New, d.stateKey)
	mac.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString([]byte(body)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// openState verifies a requestState made by sealState for tool and returns
// its payload.
func (d *demo) openState(tool, state string) (string, error) {
	b64body, b64mac, ok := strings.Cut(state, ".")
	if !ok {
		return "", errors.New("malformed requestState")
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64body)
	sum, err2 := base64.RawURLEncoding.DecodeString(b64mac)
	if err1 != nil || err2 != nil {
		return "", errors.New("malformed requestState")
	}
	mac := hmac.New(sha256.New, d.stateKey)
	mac.Write(body)
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return "", errors.New("requestState signature mismatch (was it modified?)")
	}
	parts := strings.Split(string(body), "\x00")
	if len(parts) != 3 || parts[0] != tool {
		return "", errors.New("requestState belongs to another tool")
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return "", errors.New("requestState expired")
	}
	return parts[1], nil
}

// missingCapability reports a client capability a tool needs; need is the
// JSON of the required capabilities, e.g. {"sampling":{}}. In the 2026-07-28
// era it is the protocol error -32021 with data.requiredCapabilities; before
// that it is a tool error, since -32021 did not exist.
func missingCapability[P mcp.Params](req *mcp.ServerRequest[P], what, need string) (*mcp.CallToolResult, error) {
	msg := fmt.Sprintf("this tool needs the client's %q capability, which the client did not declare", what)
	if isModern(req) {
		// Not mcp.MissingRequiredClientCapabilityData: marshalling a
		// ClientCapabilities always emits "roots":{}.
		data := json.RawMessage(`{"requiredCapabilities":` + need + `}`)
		return nil, &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapabilities, Message: msg, Data: data}
	}
	return toolError(msg), nil
}

// toolError returns a tool execution error (isError: true) with a text message.
func toolError(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}

// text returns a CallToolResult holding one text block.
func text(format string, args ...any) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf(format, args...)}}}
}
