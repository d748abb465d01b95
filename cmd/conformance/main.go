// Command conformance drives sonde's wire layer through the official MCP
// conformance suite's client scenarios. The suite runs it as
// `conformance URL` with MCP_CONFORMANCE_SCENARIO (and, in 0.2.0-alpha,
// MCP_CONFORMANCE_PROTOCOL_VERSION and MCP_CONFORMANCE_CONTEXT) in the
// environment; the mock server scores what it observes. The event log goes
// to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/policy"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: conformance SERVER_URL (with MCP_CONFORMANCE_SCENARIO set)")
		os.Exit(1)
	}
	url := os.Args[len(os.Args)-1]
	scenario := os.Getenv("MCP_CONFORMANCE_SCENARIO")
	ctx, cancel := context.WithTimeout(context.Background(), 28*time.Second)
	defer cancel()
	if err := run(ctx, url, scenario); err != nil {
		fmt.Fprintf(os.Stderr, "conformance %s: %v\n", scenario, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, scenario string) error {
	version := os.Getenv("MCP_CONFORMANCE_PROTOCOL_VERSION")
	if version == "" {
		version = mcp.LatestProtocol
	}
	pol := policy.Policy{Elicitation: policy.ElicitAcceptDefaults, Sampling: "reply:conformance"}
	cfg := mcp.Config{
		URL:          url,
		Protocol:     version,
		Timeout:      20 * time.Second,
		Keepalive:    -1,
		Handler:      pol.Handler(),
		Capabilities: pol.Capabilities(),
		ClientInfo:   mcp.Implementation{Name: "sonde-conformance", Version: mcp.Version},
		OnEvent:      func(e mcp.Event) { fmt.Fprintln(os.Stderr, mcp.FormatLine(e)) },
	}
	h, err := authHandler(url, scenario)
	if err != nil {
		return err
	}
	cfg.OAuth = h
	s, err := mcp.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()

	if strings.HasPrefix(scenario, "auth/") {
		return callFirstTool(ctx, s, map[string]any{})
	}
	switch scenario {
	case "initialize", "request-metadata", "json-schema-ref-no-deref":
		_, err = s.ListAll(ctx, "tools/list", "tools")
		return err
	case "tools_call":
		return callFirstTool(ctx, s, map[string]any{"a": 2, "b": 3})
	case "sse-retry", "elicitation-sep1034-client-defaults":
		return callFirstTool(ctx, s, map[string]any{})
	case "sep-2322-client-request-state", "http-invalid-tool-headers":
		return callEveryTool(ctx, s)
	case "http-standard-headers":
		return exerciseEverything(ctx, s)
	case "http-custom-headers":
		return callFromContext(ctx, s)
	case "json-schema-2020-12-preservation":
		return echoFocalSchema(ctx, s)
	}
	return fmt.Errorf("unknown scenario %q", scenario)
}

// callEveryTool lists the tools (invalid ones are dropped from the view by
// the session) and calls each with arguments made from its schema.
func callEveryTool(ctx context.Context, s *mcp.Session) error {
	tools, err := s.ListAll(ctx, "tools/list", "tools")
	if err != nil {
		return err
	}
	for _, raw := range tools {
		var t struct {
			Name        string `json:"name"`
			InputSchema struct {
				Properties map[string]struct {
					Type string `json:"type"`
				} `json:"properties"`
				Required []string `json:"required"`
			} `json:"inputSchema"`
		}
		json.Unmarshal(raw, &t)
		args := map[string]any{}
		for _, name := range t.InputSchema.Required {
			switch t.InputSchema.Properties[name].Type {
			case "integer", "number":
				args[name] = 1
			case "boolean":
				args[name] = true
			default:
				args[name] = "x"
			}
		}
		if _, err := s.Call(ctx, "tools/call", map[string]any{"name": t.Name, "arguments": args}); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return nil
}

// exerciseEverything sends each method once per target: every tool, every
// resource, every prompt.
func exerciseEverything(ctx context.Context, s *mcp.Session) error {
	if err := callEveryTool(ctx, s); err != nil {
		return err
	}
	resources, err := s.ListAll(ctx, "resources/list", "resources")
	if err != nil {
		return err
	}
	for _, raw := range resources {
		var r struct {
			URI string `json:"uri"`
		}
		json.Unmarshal(raw, &r)
		if _, err := s.Call(ctx, "resources/read", map[string]string{"uri": r.URI}); err != nil {
			return fmt.Errorf("%s: %w", r.URI, err)
		}
	}
	prompts, err := s.ListAll(ctx, "prompts/list", "prompts")
	if err != nil {
		return err
	}
	for _, raw := range prompts {
		var p struct {
			Name string `json:"name"`
		}
		json.Unmarshal(raw, &p)
		if _, err := s.Call(ctx, "prompts/get", map[string]string{"name": p.Name}); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return nil
}

// callFromContext makes the tool calls MCP_CONFORMANCE_CONTEXT lists, with
// exactly those arguments.
func callFromContext(ctx context.Context, s *mcp.Session) error {
	var c struct {
		ToolCalls []struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"toolCalls"`
	}
	if err := json.Unmarshal([]byte(os.Getenv("MCP_CONFORMANCE_CONTEXT")), &c); err != nil {
		return fmt.Errorf("MCP_CONFORMANCE_CONTEXT: %w", err)
	}
	if _, err := s.ListAll(ctx, "tools/list", "tools"); err != nil {
		return err
	}
	for _, tc := range c.ToolCalls {
		params, _ := json.Marshal(map[string]json.RawMessage{"name": mustJSON(tc.Name), "arguments": tc.Arguments})
		if _, err := s.Call(ctx, "tools/call", json.RawMessage(params)); err != nil {
			return fmt.Errorf("%s: %w", tc.Name, err)
		}
	}
	return nil
}

// echoFocalSchema sends the focal tool's inputSchema back exactly as the
// server gave it.
func echoFocalSchema(ctx context.Context, s *mcp.Session) error {
	tools, err := s.ListAll(ctx, "tools/list", "tools")
	if err != nil {
		return err
	}
	var focal json.RawMessage
	for _, raw := range tools {
		var t struct {
			Name        string          `json:"name"`
			InputSchema json.RawMessage `json:"inputSchema"`
		}
		json.Unmarshal(raw, &t)
		if t.Name == "json_schema_2020_12_tool" {
			focal = t.InputSchema
		}
	}
	if focal == nil {
		return errors.New("json_schema_2020_12_tool is not listed")
	}
	params, _ := json.Marshal(map[string]any{"name": "json_schema_echo", "arguments": map[string]json.RawMessage{"schema": focal}})
	_, err = s.Call(ctx, "tools/call", json.RawMessage(params))
	return err
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// callFirstTool lists the tools and calls the first one.
func callFirstTool(ctx context.Context, s *mcp.Session, args map[string]any) error {
	raw, err := s.Call(ctx, "tools/list", nil)
	if err != nil {
		return err
	}
	var list struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return err
	}
	if len(list.Tools) == 0 {
		return errors.New("the server offers no tools")
	}
	res, err := s.Call(ctx, "tools/call", map[string]any{"name": list.Tools[0].Name, "arguments": args})
	if err != nil {
		return err
	}
	fmt.Println(strings.TrimSpace(string(res)))
	return nil
}

// authHandler builds the sign-in for a scenario from MCP_CONFORMANCE_CONTEXT
// (pre-registered clients, keys, assertions, the enterprise IdP). The
// suite's authorization endpoint redirects straight back with a code, so
// the browser step is an HTTP request that does not follow the redirect.
func authHandler(server, scenario string) (*oauth.Handler, error) {
	var c struct {
		ClientID         string `json:"client_id"`
		ClientSecret     string `json:"client_secret"`
		PrivateKeyPEM    string `json:"private_key_pem"`
		ValidJWT         string `json:"valid_jwt"`
		IdPClientID      string `json:"idp_client_id"`
		IdPIDToken       string `json:"idp_id_token"`
		IdPIssuer        string `json:"idp_issuer"`
		IdPTokenEndpoint string `json:"idp_token_endpoint"`
	}
	if raw := os.Getenv("MCP_CONFORMANCE_CONTEXT"); raw != "" {
		json.Unmarshal([]byte(raw), &c)
	}
	opts := oauth.Options{Server: server, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		ClientMetadataURL: "https://conformance-test.local/client-metadata.json"}
	switch {
	case strings.HasPrefix(scenario, "auth/client-credentials"):
		opts.Grant = oauth.GrantClientCredentials
		opts.ClientKey = []byte(c.PrivateKeyPEM)
	case c.ValidJWT != "":
		opts.Grant = oauth.GrantJWTBearer
		opts.Assertion = func() (string, error) { return c.ValidJWT, nil }
	case c.IdPIDToken != "":
		opts.Grant = oauth.GrantTokenExchange
		opts.Enterprise = &oauth.Enterprise{IDToken: func() (string, error) { return c.IdPIDToken, nil },
			TokenEndpoint: c.IdPTokenEndpoint, Issuer: c.IdPIssuer, ClientID: c.IdPClientID}
	}
	h, err := oauth.New(opts)
	if err != nil {
		return nil, err
	}
	h.SetBrowser(&redirectBrowser{client: h.Client()})
	return h, nil
}

// redirectBrowser is the browser step against the suite's authorization
// endpoint: a GET whose redirect is the answer.
type redirectBrowser struct{ client *http.Client }

func (b *redirectBrowser) Begin(context.Context, string) (oauth.Callback, error) { return b, nil }
func (b *redirectBrowser) RedirectURI() string                                   { return "http://localhost:3000/callback" }
func (b *redirectBrowser) Close()                                                {}
func (b *redirectBrowser) Wait(ctx context.Context, s oauth.SignIn) (*neturl.URL, error) {
	c := *b.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("the authorization endpoint answered HTTP %d without a redirect", resp.StatusCode)
	}
	return req.URL.Parse(loc)
}
