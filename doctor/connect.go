package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
)

// connect makes sonde's own connection the way detection does (no era
// cache, no sign-in, no keepalive of its own), turns its detection
// probes into checks, then observes the session.
func (x *run) connect(ctx context.Context) {
	cfg := x.o.Config
	cfg.EraCache = ""
	cfg.OAuth = nil
	// Nothing asks a person: a server request gets an error, and the
	// capabilities say sonde offers none (the UI's, in its config, would).
	cfg.Handler, cfg.Capabilities, cfg.Tasks = nil, json.RawMessage(`{}`), false
	cfg.Keepalive = -1   // what keeps the connection alive is the server's doing
	cfg.IdleTimeout = -1 // and whether a silent stream is cut, someone else's
	cfg.OnEvent = func(e mcp.Event) {
		x.events.Add(e)
		if x.o.OnEvent != nil {
			x.o.OnEvent(e)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.Timeout+30*time.Second)
	s, err := mcp.Dial(dctx, cfg)
	cancel()
	x.probes()
	if err != nil {
		x.failed(ctx, err)
		return
	}
	defer s.Close()
	info := s.Info()
	x.r.Transport, x.r.Era = string(info.Transport), info.Era
	x.add("transport", OK, fmt.Sprintf("%s, %s era (protocol %s): %s", info.Transport.Long(), info.Era, info.Protocol, info.Reason))
	x.endpoint(info)
	if x.facts.status401 != nil {
		x.auth(ctx, x.facts.status401.challenge)
	} else {
		x.add("auth", OK, authOK(cfg))
	}
	x.observe(ctx, s)
}

func authOK(cfg mcp.Config) string {
	if cfg.Bearer != "" || cfg.Header.Get("Authorization") != "" {
		return "the credentials given were accepted"
	}
	return "none required: the server answered without credentials"
}

// probes turns the requests detection sent, and their answers, into one
// check each.
func (x *run) probes() {
	evs := x.events.All()
	gets := 0
	for i, e := range evs {
		if e.Kind == mcp.KindState && e.State == mcp.StateConnected {
			break
		}
		var name string
		switch {
		case e.Dir == mcp.DirOut && e.Kind == mcp.KindMessage && (e.Method == "server/discover" || e.Method == "initialize"):
			name = e.Stream + " " + e.Method
			if e.Stream == "stdin" {
				name = "stdio " + e.Method
			}
		case e.Dir == mcp.DirOut && e.Kind == mcp.KindHTTP && e.HTTPMethod == http.MethodGet && e.Stream == "GET":
			name = "GET (legacy SSE)"
			if gets++; gets > 1 {
				name = "GET (split probe)" // detection looks again, for a split-endpoint server
			}
		default:
			continue
		}
		st, detail := x.probe(evs[i+1:], e)
		x.add(name, st, detail)
	}
}

// probe describes what one detection request got: the HTTP status and
// content type, the answer, then detection's verdict.
func (x *run) probe(evs []mcp.Event, req mcp.Event) (Status, string) {
	var parts []string
	st := OK
	seenStatus, firstSeen := false, false
	for _, e := range evs {
		if e.Kind == mcp.KindState {
			break
		}
		if e.Dir == mcp.DirOut && (e.Kind == mcp.KindMessage || e.Kind == mcp.KindHTTP) && e.Stream == req.Stream {
			break // the next request on that stream
		}
		switch {
		case e.Kind == mcp.KindHTTP && e.Dir == mcp.DirIn && e.Stream == req.Stream && e.Status != 0 && !seenStatus:
			seenStatus = true
			h := fmt.Sprintf("HTTP %d", e.Status)
			if e.ContentType != "" {
				h += " " + e.ContentType
			}
			if b := strings.TrimSpace(e.Body); b != "" {
				h += fmt.Sprintf(" (%q)", clip(b, 80))
			}
			parts = append(parts, h)
			switch {
			case e.Status == 401 || e.Status == 403:
				st = Fail
				if x.facts.status401 == nil {
					x.facts.status401 = &authAnswer{url: e.URL}
				}
			case e.Status >= 500:
				st = Warn
			}
		case e.Kind == mcp.KindMessage && e.Dir == mcp.DirIn && req.ID != "" && e.ID == req.ID:
			if e.RPC == mcp.RPCErrorResponse {
				parts = append(parts, "JSON-RPC error "+rpcError(e.Raw))
			} else {
				parts = append(parts, "answered")
			}
		case e.Kind == mcp.KindSSE && e.SSEEvent == "endpoint":
			parts = append(parts, "first event: endpoint "+e.Text)
			firstSeen = true
		case req.Kind == mcp.KindHTTP && e.Stream == "GET" && e.Kind != mcp.KindHTTP && !firstSeen:
			// the stream's first event, which is not `endpoint`
			firstSeen = true
			what := e.Text
			if what == "" {
				what = string(e.Raw)
			}
			label := e.Label()
			if e.Kind == mcp.KindError {
				label = "sse:data" // data detection could not read
			}
			parts = append(parts, fmt.Sprintf("first event: %s %q, not endpoint", label, clip(what, 60)))
		case e.Kind == mcp.KindInfo && strings.Contains(e.Text, "; trying "):
			// detection's verdict: "... answered HTTP 400; trying the legacy handshake: ..."
			parts = append(parts, "→ "+e.Text)
			return st, strings.Join(parts, "; ")
		case e.Kind == mcp.KindError && e.Err != "" && !firstSeen:
			parts = append(parts, e.Err)
			if st == OK {
				st = Warn
			}
		}
	}
	if len(parts) == 0 {
		return Warn, "no answer"
	}
	return st, strings.Join(parts, "; ")
}

func rpcError(raw []byte) string {
	var m struct {
		Error *mcp.RPCError `json:"error"`
	}
	if json.Unmarshal(raw, &m) != nil || m.Error == nil {
		return "unreadable"
	}
	return fmt.Sprintf("%d %s", m.Error.Code, m.Error.Message)
}

// failed reports a connection that could not be made and why.
func (x *run) failed(ctx context.Context, err error) {
	x.add("transport", Fail, err.Error())
	var (
		ae *mcp.AuthError
		se *mcp.SplitError
		ce *mcp.CrossOriginError
		he *mcp.HTTPError
		xe *mcp.ExitError
	)
	switch {
	case errors.As(err, &ae):
		x.auth(ctx, ae.WWWAuthenticate)
		if ae.HadCredentials {
			return // the credentials were refused: that is what it is
		}
		x.find("auth-not-fallback", fmt.Sprintf("The server answers %d to a %s without credentials: it wants authorization. "+
			"That is not \"no Streamable HTTP here\": a client that falls back to legacy SSE on any 4xx ends with a puzzling SSE error "+
			"instead of signing in. Sign in (sonde auth login %s) or give a token (--bearer); "+
			"a client library doing that fallback should treat 401 and 403 as auth, as the specification says.", ae.Status, ae.Method, x.r.Target))
	case errors.As(err, &se):
		text := "The URL is an SSE stream whose first event is not `endpoint`: " + se.Hint.String() + ". " +
			"A split-endpoint server takes its POSTs at a URL its stream does not name, so no client finds it on its own."
		if f := se.Hint.Flags(); len(f) == 2 {
			text += " sonde attaches with: sonde " + x.r.Target + " " + f[0] + " '" + f[1] + "'."
		}
		x.find("split-endpoint", text)
	case errors.As(err, &ce):
		x.find("endpoint-origin", fmt.Sprintf("The server sends sonde to another origin (%s, from %s): a client that follows sends its credentials there. "+
			"sonde refuses; --allow-cross-origin follows without the credentials. On a server behind a gateway, it usually means the gateway "+
			"rewrites the host (set its public URL), or the endpoint names an internal host.", ce.To, ce.From))
	case errors.As(err, &xe):
		text := "The server process " + exitWords(xe) + " before it answered: it failed to start (a missing dependency, a wrong path or argument, a variable it needs unset). Run the command yourself to see why"
		if len(xe.Stderr) > 0 {
			text += "; its last stderr line: " + xe.Stderr[len(xe.Stderr)-1]
		}
		x.find("exited", text+".")
	case errors.As(err, &he) && he.Status >= 502 && he.Status <= 504:
		x.find("server-error", fmt.Sprintf("HTTP %d is a proxy's or gateway's answer: it could not get one from the server behind it "+
			"(down, restarting, or unreachable from the gateway). The connection to the gateway is fine; the server's and the gateway's logs say why.", he.Status))
	case errors.As(err, &he) && he.Status >= 500:
		x.find("server-error", fmt.Sprintf("The server answers HTTP %d: it is failing, not the connection. Its logs say why.", he.Status))
	}
}

// exitWords says how a process ended: "exited with status 3", "was
// killed by SIGKILL".
func exitWords(xe *mcp.ExitError) string {
	switch {
	case xe.Signal != "":
		return "was killed by " + xe.Signal
	case xe.Code >= 0 && xe.Err == nil:
		return fmt.Sprintf("exited with status %d", xe.Code)
	}
	return "ended"
}

// authAnswer is the first 401 or 403 a probe got.
type authAnswer struct {
	challenge string
	url       string
}

// auth explains what the server wants for authorization: the challenge,
// the protected resource metadata it points to, the authorization
// server's metadata.
func (x *run) auth(ctx context.Context, challenge string) {
	cs := oauth.ParseChallenges([]string{challenge})
	var parts []string
	if challenge == "" {
		parts = append(parts, "401 without a WWW-Authenticate challenge (the specification asks for one)")
	} else {
		var schemes []string
		for _, c := range cs {
			schemes = append(schemes, c.Scheme)
		}
		parts = append(parts, "challenge: "+strings.Join(schemes, ", "))
		if sc := oauth.Param(cs, "scope"); sc != "" {
			parts = append(parts, "scope "+sc)
		}
		if e := oauth.Param(cs, "error"); e != "" {
			parts = append(parts, "error "+e)
		}
	}
	// The sign-in's own discovery, with its checks (metadata only on
	// the server's origin, https off loopback): a server cannot send the
	// doctor anywhere it could not send a sign-in.
	d, err := oauth.Discover(ctx, x.o.Config.Client(), x.o.Config.URL, challenge, x.o.Config.AllowCrossOrigin)
	switch {
	case d == nil:
		parts = append(parts, "discovery failed: "+err.Error())
	default:
		if d.ResourceMetadata != "" {
			parts = append(parts, "protected resource metadata at "+d.ResourceMetadata)
		} else {
			parts = append(parts, "no protected resource metadata (the 2025-03-26 rule: the server's origin signs in)")
		}
		parts = append(parts, "authorization server "+d.AuthorizationServer)
		switch {
		case err != nil:
			parts = append(parts, "its metadata: "+err.Error())
		case d.ASMetadata:
			parts = append(parts, fmt.Sprintf("its metadata found (issuer %s, PKCE S256, %s)", d.Issuer, d.Registration))
		default:
			parts = append(parts, "no metadata: the 2025-03-26 default endpoints")
		}
	}
	x.add("auth", Warn, "sign-in required: "+strings.Join(parts, "; ")+" (sonde auth login signs in)")
}

// endpoint checks a legacy endpoint's origin (when the user allowed one
// on another origin, sonde went there).
func (x *run) endpoint(info mcp.ConnInfo) {
	if info.Transport != mcp.TransportSSE || info.Endpoint == "" {
		return
	}
	eu, err1 := url.Parse(info.Endpoint)
	tu, err2 := url.Parse(x.o.Config.URL)
	if err1 != nil || err2 != nil {
		return
	}
	if mcp.Origin(eu) == mcp.Origin(tu) {
		x.add("endpoint", OK, "the legacy endpoint is on the server's origin: "+info.Endpoint)
		return
	}
	x.add("endpoint", Warn, "the legacy endpoint is on another origin: "+info.Endpoint)
	x.find("endpoint-origin", fmt.Sprintf("The server's endpoint is on another origin (%s) than its URL (%s): a client that follows sends its credentials there. "+
		"sonde went there only because --allow-cross-origin said so, without the credentials.", mcp.Origin(eu), mcp.Origin(tu)))
}
