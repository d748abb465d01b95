package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sonde-mcp/sonde/demo"
	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/internal/oauthtest"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/tap"
)

// The observation windows here are short: what the servers do (a
// keepalive every 100 ms, a cut after 300 ms of silence) happens well
// within them. No assertion depends on how long anything took.
const window = 1500 * time.Millisecond

// goSDK is the official go-sdk server the doctor looks at.
func goSDK() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "doctor-peer", Version: "1.0.0"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "says it back"}, func(ctx context.Context, r *sdk.CallToolRequest, in struct {
		Message string `json:"message"`
	}) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: in.Message}}}, nil, nil
	})
	return s
}

// legacySSE serves the go-sdk server on legacy HTTP+SSE.
func legacySSE(t *testing.T) string {
	srv := goSDK()
	ts := httptest.NewServer(sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	t.Cleanup(ts.Close)
	return ts.URL
}

// streamable serves the go-sdk server on Streamable HTTP (legacy era).
func streamable(t *testing.T) string {
	srv := goSDK()
	ts := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	t.Cleanup(ts.Close)
	return ts.URL
}

// behind puts a tap injecting faults between the doctor and upstream: a
// server that does what the faults say (a gateway's keepalive events, a
// proxy's idle cut), as such servers do in the wild.
func behind(t *testing.T, upstream string, specs ...string) string {
	t.Helper()
	set := fault.NewSet()
	for _, s := range specs {
		sp, err := fault.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		set.Add(sp)
	}
	p, err := tap.New(tap.Options{Upstream: upstream, Faults: set})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(p)
	t.Cleanup(func() { ts.Close(); p.Close(); set.Close() })
	return ts.URL
}

func doctorRun(t *testing.T, o Options) *Report {
	t.Helper()
	if o.Observe == 0 {
		o.Observe = window
	}
	if o.Config.Timeout == 0 {
		o.Config.Timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := Run(ctx, o)
	for _, c := range r.Checks {
		t.Logf("%-5s %-20s %s", c.Status, c.Name, c.Detail)
	}
	for _, f := range r.Diagnosis {
		t.Logf("diagnosis %s: %s", f.ID, f.Text)
	}
	requireShape(t, r)
	return r
}

// requireShape holds the report's JSON to what scripts read: exactly
// target, transport, era, checks (name, status ok|warn|fail, detail) and
// diagnosis.
func requireShape(t *testing.T, r *Report) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"checks", "diagnosis", "era", "target", "transport"}; !slices.Equal(keys, want) {
		t.Fatalf("report members %v, want %v", keys, want)
	}
	var checks []map[string]any
	if err := json.Unmarshal(m["checks"], &checks); err != nil || len(checks) == 0 {
		t.Fatalf("checks: %v (%s)", err, m["checks"])
	}
	for _, c := range checks {
		if len(c) != 3 || c["name"] == "" || c["detail"] == nil {
			t.Errorf("check %v: want name, status, detail", c)
		}
		if s := c["status"]; s != "ok" && s != "warn" && s != "fail" {
			t.Errorf("check %v: status %v", c, s)
		}
	}
	var diag []json.RawMessage
	if err := json.Unmarshal(m["diagnosis"], &diag); err != nil {
		t.Fatalf("diagnosis is not an array: %s", m["diagnosis"])
	}
}

func check(t *testing.T, r *Report, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q", name)
	return Check{}
}

func finding(t *testing.T, r *Report, id string) Finding {
	t.Helper()
	for _, f := range r.Diagnosis {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no diagnosis %q", id)
	return Finding{}
}

func noFinding(t *testing.T, r *Report, id string) {
	t.Helper()
	for _, f := range r.Diagnosis {
		if f.ID == id {
			t.Fatalf("diagnosis %q, want none: %s", id, f.Text)
		}
	}
}

func contains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s %q lacks %q", what, s, sub)
		}
	}
}

// A healthy legacy SSE server: every check passes, nothing to diagnose.
func TestHealthy(t *testing.T) {
	r := doctorRun(t, Options{Config: mcp.Config{URL: legacySSE(t)}})
	if r.Failed() || len(r.Diagnosis) > 0 {
		t.Fatalf("a healthy server: failed %v, diagnosis %v", r.Failed(), r.Diagnosis)
	}
	if r.Transport != "sse" || r.Era != "legacy" {
		t.Errorf("transport %q era %q, want sse legacy", r.Transport, r.Era)
	}
	contains(t, "tcp", check(t, r, "tcp").Detail, "127.0.0.1", "connected")
	contains(t, "GET probe", check(t, r, "GET (legacy SSE)").Detail, "HTTP 200 text/event-stream", "first event: endpoint")
	contains(t, "initialize probe", check(t, r, "POST initialize").Detail, "→ POST initialize answered HTTP 400; trying legacy HTTP+SSE")
	contains(t, "transport", check(t, r, "transport").Detail, "legacy HTTP+SSE", "announced an endpoint")
	contains(t, "round trip", check(t, r, "round trip").Detail, "ping answered in")
	contains(t, "session", check(t, r, "session").Detail, "in the endpoint's query", "still known")
}

// A gateway that sends `event: keepalive`: the diagnosis names the
// client libraries that die on it, and the fix.
func TestKeepaliveEvent(t *testing.T) {
	u := behind(t, legacySSE(t), "inject-event every=100ms name=keepalive")
	r := doctorRun(t, Options{Config: mcp.Config{URL: u}})
	contains(t, "keepalives", check(t, r, "keepalives").Detail, "event: keepalive", "times, every")
	f := finding(t, r, "keepalive-event")
	contains(t, "finding", f.Text, "`event: keepalive`", "Unknown SSE event", "Fix:", "`: keepalive`")
	if r.Failed() {
		t.Error("keepalive events are a warning for clients, not a failure of the connection")
	}
}

// Keepalive comments are what every client skips: no diagnosis.
func TestKeepaliveComment(t *testing.T) {
	u := behind(t, legacySSE(t), "inject-comment every=100ms text=ping")
	r := doctorRun(t, Options{Config: mcp.Config{URL: u}})
	contains(t, "keepalives", check(t, r, "keepalives").Detail, "comments (`: ping`)", "times, every")
	noFinding(t, r, "keepalive-event")
}

// A proxy that cuts a stream silent for 300 ms, and a client whose
// keepalive comes every 20 s: the stream is lost every time.
func TestIdleCut(t *testing.T) {
	u := behind(t, legacySSE(t), "idle-cut after=300ms")
	r := doctorRun(t, Options{Config: mcp.Config{URL: u}})
	c := check(t, r, "idle cut")
	if c.Status != Fail {
		t.Errorf("idle cut: %s, want fail", c.Status)
	}
	contains(t, "idle cut", c.Detail, "the GET stream was cut after", "of silence")
	contains(t, "session", check(t, r, "session").Detail, "it ended when the stream was cut")
	contains(t, "finding", finding(t, r, "idle-cut").Text, "every 20.0 s", "keepalive")
}

// The same cut weighed against a client that sends its keepalive often
// enough: a warning, no diagnosis.
func TestIdleCutLongerThanKeepalive(t *testing.T) {
	u := behind(t, legacySSE(t), "idle-cut after=300ms")
	r := doctorRun(t, Options{Config: mcp.Config{URL: u}, ClientKeepalive: 100 * time.Millisecond})
	if c := check(t, r, "idle cut"); c.Status != Warn {
		t.Errorf("idle cut: %s, want warn", c.Status)
	}
	noFinding(t, r, "idle-cut")
}

// A server that wants authorization answers 401 where a client that
// falls back on any 4xx would try legacy SSE: the diagnosis says it is
// auth, and the auth check what the server's metadata says.
func TestAuthNotFallback(t *testing.T) {
	srv := oauthtest.New(t, oauthtest.Options{Scope: "mcp:read"})
	r := doctorRun(t, Options{Config: mcp.Config{URL: srv.URL}})
	if !r.Failed() {
		t.Error("a 401 is a failed check")
	}
	contains(t, "probe", check(t, r, "POST server/discover").Detail, "HTTP 401")
	a := check(t, r, "auth")
	contains(t, "auth", a.Detail, "challenge: bearer", "scope mcp:read", "protected resource metadata at", "authorization server "+srv.Issuer, "its metadata found (issuer "+srv.Issuer+", PKCE S256, dynamic registration)")
	contains(t, "finding", finding(t, r, "auth-not-fallback").Text, "answers 401", "falls back", "sonde auth login")
}

// A server that forgets sessions (the demo's session timeout): the
// session check and the diagnosis say after how long.
func TestSessionExpires(t *testing.T) {
	d, err := demo.Start(context.Background(), demo.Options{Era: demo.EraLegacy, SessionTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	r := doctorRun(t, Options{Config: mcp.Config{URL: d.URL}})
	if r.Transport != "http" {
		t.Errorf("transport %q", r.Transport)
	}
	s := check(t, r, "session")
	if s.Status != Warn {
		t.Errorf("session: %s, want warn", s.Status)
	}
	contains(t, "session", s.Detail, "Mcp-Session-Id", "the server forgot it after")
	contains(t, "finding", finding(t, r, "session-expires").Text, "404", "initialize")
	noFinding(t, r, "idle-cut")
}

// A legacy endpoint on another origin: refused, and explained.
func TestEndpointOtherOrigin(t *testing.T) {
	d, err := demo.Start(context.Background(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	r := doctorRun(t, Options{Config: mcp.Config{URL: d.CrossOriginSSEURL}})
	if !r.Failed() {
		t.Error("a refused endpoint is a failed check")
	}
	contains(t, "finding", finding(t, r, "endpoint-origin").Text, "another origin", "credentials", "--allow-cross-origin")

	// Allowed: sonde goes there (without credentials), and still says so.
	r = doctorRun(t, Options{Config: mcp.Config{URL: d.CrossOriginSSEURL, AllowCrossOrigin: true}})
	if c := check(t, r, "endpoint"); c.Status != Warn {
		t.Errorf("endpoint: %s, want warn (%s)", c.Status, c.Detail)
	}
	finding(t, r, "endpoint-origin")
}

// A split-endpoint server: the diagnosis gives the --endpoint that
// attaches sonde to it (the hint detection prints).
func TestSplitEndpoint(t *testing.T) {
	ts := httptest.NewServer(demo.NewOffSpecHandler(demo.OffSpecOptions{Keepalive: -1}))
	t.Cleanup(ts.Close)
	u := ts.URL + demo.SplitStreamPath
	r := doctorRun(t, Options{Config: mcp.Config{URL: u}})
	if !r.Failed() {
		t.Error("no transport is a failed check")
	}
	f := finding(t, r, "split-endpoint")
	contains(t, "finding", f.Text, "split-endpoint", "sonde "+u+" --endpoint '"+demo.SplitEndpoint+"'")
	contains(t, "split probe", check(t, r, "GET (split probe)").Detail, "first event: sse:data \"Connected to session ")

	// Followed, the advice works: sonde attaches, and the doctor is happy.
	r = doctorRun(t, Options{Config: mcp.Config{URL: u, Endpoint: demo.SplitEndpoint, Lenient: true}})
	noFinding(t, r, "split-endpoint")
	if r.Transport != "sse" {
		t.Errorf("with --endpoint: transport %q (checks %v)", r.Transport, r.Checks)
	}
}

// TLS: the version, the certificate's names and expiry; an authority the
// machine does not trust fails, --insecure makes it a warning.
func TestTLS(t *testing.T) {
	srv := goSDK()
	ts := httptest.NewUnstartedServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the tcp check connects and leaves without a handshake
	ts.StartTLS()
	t.Cleanup(ts.Close)

	r := doctorRun(t, Options{Config: mcp.Config{URL: ts.URL, HTTPClient: ts.Client()}}) // trusts the test CA
	c := check(t, r, "tls")
	if c.Status != OK {
		t.Errorf("tls: %s %s", c.Status, c.Detail)
	}
	contains(t, "tls", c.Detail, "TLS 1.3", "certificate for example.com", "127.0.0.1", "valid until "+ts.Certificate().NotAfter.UTC().Format("2006-01-02"))
	if r.Transport != "http" || r.Failed() {
		t.Errorf("over TLS: transport %q, failed %v", r.Transport, r.Failed())
	}

	r = doctorRun(t, Options{Config: mcp.Config{URL: ts.URL}}) // the system's authorities
	if c := check(t, r, "tls"); c.Status != Fail {
		t.Errorf("untrusted: %s %s", c.Status, c.Detail)
	}
	contains(t, "finding", finding(t, r, "tls").Text, "not signed by an authority this machine trusts", "--insecure")

	r = doctorRun(t, Options{Config: mcp.Config{URL: ts.URL, Insecure: true}})
	if c := check(t, r, "tls"); c.Status != Warn {
		t.Errorf("--insecure: %s %s", c.Status, c.Detail)
	}
	if r.Failed() {
		t.Error("--insecure: the connection should be made")
	}
}

// Nothing listens: refused, explained, and nothing after.
func TestRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := doctorRun(t, Options{Config: mcp.Config{URL: "http://" + addr + "/mcp"}})
	if c := check(t, r, "tcp"); c.Status != Fail {
		t.Errorf("tcp: %s", c.Status)
	}
	contains(t, "finding", finding(t, r, "refused").Text, "Nothing listens")
	for _, c := range r.Checks {
		if c.Name == "transport" {
			t.Error("no transport check without a connection")
		}
	}
}

type failingResolver struct{}

func (failingResolver) LookupHost(context.Context, string) ([]string, error) {
	return nil, errors.New("no such host")
}

func TestDNS(t *testing.T) {
	r := doctorRun(t, Options{Config: mcp.Config{URL: "http://mcp.invalid/mcp"}, Resolver: failingResolver{}})
	if c := check(t, r, "dns"); c.Status != Fail {
		t.Errorf("dns: %s", c.Status)
	}
	contains(t, "finding", finding(t, r, "dns").Text, "mcp.invalid does not resolve")
}

// Streamable HTTP with a session id, a server pinging its client: the
// keepalives name the pings.
func TestServerPings(t *testing.T) {
	d, err := demo.Start(context.Background(), demo.Options{Era: demo.EraLegacy, PingInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	r := doctorRun(t, Options{Config: mcp.Config{URL: d.URL}})
	contains(t, "keepalives", check(t, r, "keepalives").Detail, "ping requests", "times, every")
	contains(t, "session", check(t, r, "session").Detail, "Mcp-Session-Id", "still known")
	if r.Failed() || len(r.Diagnosis) > 0 {
		t.Errorf("failed %v, diagnosis %v", r.Failed(), r.Diagnosis)
	}
}

// Each check reaches OnCheck as it is made, in the report's order.
func TestOnCheck(t *testing.T) {
	var got []string
	r := doctorRun(t, Options{Config: mcp.Config{URL: streamable(t)}, Observe: 100 * time.Millisecond, OnCheck: func(c Check) { got = append(got, c.Name) }})
	var want []string
	for _, c := range r.Checks {
		want = append(want, c.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("OnCheck saw %v, the report has %v", got, want)
	}
}

// A gateway whose server is down answers 502: the diagnosis says the
// gateway is reached and the server behind it is not.
func TestGatewayDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/sse"
	ln.Close()
	r := doctorRun(t, Options{Config: mcp.Config{URL: behind(t, down) + "/sse"}})
	if !r.Failed() {
		t.Error("no connection is a failed check")
	}
	contains(t, "finding", finding(t, r, "server-error").Text, "HTTP 502 is a proxy's or gateway's answer")
}

// A stdio server that exits at once: the probes say so, and the diagnosis
// gives its status and last stderr line.
func TestStdioExits(t *testing.T) {
	// The server reads the first message before it fails: one that exits
	// at once may be gone before sonde writes the probe (then there is no
	// probe to report, only the exit), which made this test fail 1 in 3.
	r := doctorRun(t, Options{Config: mcp.Config{Command: []string{"sh", "-c", "read -r line; echo 'cannot find module server.js' >&2; exit 3"}}})
	if !r.Failed() {
		t.Error("a server that exits is a failed check")
	}
	if c := check(t, r, "stdio server/discover"); c.Status != Warn {
		t.Errorf("probe: %s %s", c.Status, c.Detail)
	}
	contains(t, "finding", finding(t, r, "exited").Text, "exited with status 3", "cannot find module server.js")
}

// With a proxy in the environment, the doctor says so (without the
// proxy's password), checks the proxy's address instead of the server's,
// and the probes go through it; NO_PROXY is honoured.
func TestProxy(t *testing.T) {
	tu, _ := url.Parse(legacySSE(t))
	rp := httputil.NewSingleHostReverseProxy(tu)
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Host == "mcp.example.invalid" {
			proxied.Add(1)
		}
		r.Host = tu.Host // the go-sdk refuses a Host that is not its own (DNS rebinding)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword("me", "proxy-secret")
	t.Setenv("HTTP_PROXY", pu.String())
	t.Setenv("NO_PROXY", "")
	r := doctorRun(t, Options{Config: mcp.Config{URL: "http://mcp.example.invalid/sse"}})
	p := check(t, r, "proxy")
	contains(t, "proxy", p.Detail, "through http://"+pu.Host, "from the environment")
	if strings.Contains(p.Detail, "proxy-secret") || strings.Contains(p.Detail, "me:") {
		t.Errorf("the proxy's credentials are shown: %s", p.Detail)
	}
	contains(t, "dns", check(t, r, "dns").Detail, "is an address")
	contains(t, "tcp", check(t, r, "tcp").Detail, "127.0.0.1", "port "+pu.Port())
	if r.Failed() || proxied.Load() == 0 {
		t.Fatalf("through the proxy: failed %v, %d requests proxied", r.Failed(), proxied.Load())
	}

	// NO_PROXY: the name itself is looked up (by a resolver that knows
	// nothing, so no query leaves the machine).
	t.Setenv("NO_PROXY", "mcp.example.invalid")
	r = doctorRun(t, Options{Config: mcp.Config{URL: "http://mcp.example.invalid/sse"}, Resolver: failingResolver{}})
	contains(t, "proxy", check(t, r, "proxy").Detail, "none")
	contains(t, "dns", check(t, r, "dns").Detail, "mcp.example.invalid does not resolve")
}
