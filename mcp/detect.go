package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// legacyServer is what an era probe concludes when the server answered
// server/discover the way only a legacy server does; why says how.
type legacyServer struct {
	why       string
	supported []string // legacy versions the server named, if any
}

func (e *legacyServer) Error() string { return "legacy server: " + e.why }

// DefaultProbeTimeout bounds the wait for a stdio server's answer to
// server/discover; a legacy server may never answer it.
const DefaultProbeTimeout = 3 * time.Second

func (c *Config) probeTimeout() time.Duration {
	if c.ProbeTimeout > 0 {
		return c.ProbeTimeout
	}
	return DefaultProbeTimeout
}

// forcedEra says whether Config.Protocol pins an era: "modern", "legacy" or "".
func (c *Config) forcedEra() string {
	switch {
	case c.Protocol == "":
		return ""
	case IsModern(c.Protocol):
		return "modern"
	}
	return "legacy"
}

// detectHTTP follows the specification's backwards-compatibility procedure
// for a URL. First POST server/discover (2026-07-28): a DiscoverResult or a
// modern JSON-RPC error means a modern server. Anything a legacy server
// answers (400/404/405 without a modern error, -32601, other 4xx, a 202 or
// 204 without a body) leads to POST initialize (legacy Streamable HTTP); and
// if that gets 202, 204, 400, 404 or 405 without a modern error, GET
// expecting an `endpoint` event (legacy HTTP+SSE). 401/403 never lead to a fallback. Each step is logged.
func (s *Session) detectHTTP(ctx context.Context) (transport, ConnInfo, string, error) {
	var why string
	if s.cfg.forcedEra() != "legacy" {
		s.note("detecting the era: POST server/discover (" + s.modernOffer() + ")")
		st := s.newTransport(TransportHTTP)
		info, err := s.discoverOn(ctx, st, s.modernOffer(), s.cfg.forcedEra() == "")
		if err == nil {
			return st, info, "server/discover answered: stateless Streamable HTTP (" + info.Protocol + ")", nil
		}
		st.close(context.Background())
		var ls *legacyServer
		if !errors.As(err, &ls) || s.cfg.forcedEra() == "modern" {
			return nil, ConnInfo{}, "", err
		}
		why = ls.why + "; "
		if len(ls.supported) > 0 && s.cfg.Protocol == "" {
			s.legacyOffer = newestKnown(ls.supported)
		}
	}
	s.note(why + "trying the legacy handshake: POST initialize (Streamable HTTP)")
	st := s.newTransport(TransportHTTP)
	info, err := s.initialize(ctx, st, true)
	if err == nil {
		return st, info, why + "POST initialize was answered: Streamable HTTP", nil
	}
	st.close(context.Background())
	var he *HTTPError
	if !errors.As(err, &he) || !fallbackStatus(he) {
		return nil, ConnInfo{}, "", err
	}
	postWhy := fmt.Sprintf("POST initialize answered HTTP %d", he.Status)
	s.note(postWhy + "; trying legacy HTTP+SSE: GET, expecting an endpoint event")
	ls := s.newTransport(TransportSSE)
	if gerr := ls.connect(ctx); gerr != nil {
		var ae *AuthError
		var ce *CrossOriginError
		if errors.As(gerr, &ae) || errors.As(gerr, &ce) {
			return nil, ConnInfo{}, "", gerr
		}
		if herr := s.withSplitHint(ctx, gerr); herr != gerr {
			// a stream, but no legacy one: say what it looks like
			return nil, ConnInfo{}, "", fmt.Errorf("neither transport answered: %w; and legacy HTTP+SSE: %w", err, herr)
		}
		return nil, ConnInfo{}, "", fmt.Errorf("neither transport answered: %w; and legacy HTTP+SSE: %v", err, gerr)
	}
	info, err = s.initialize(ctx, ls, false)
	if err != nil {
		return ls, ConnInfo{}, "", err
	}
	return ls, info, why + postWhy + "; GET opened an SSE stream that announced an endpoint: legacy HTTP+SSE", nil
}

// connectStdio starts the server and finds its era: server/discover first
// (unless the era is known or forced); a DiscoverResult or a modern error
// means modern; any other error, or no answer within the probe timeout,
// means legacy (initialize). The fallback is not keyed to one error code.
func (s *Session) connectStdio(ctx context.Context, era string) (transport, ConnInfo, string, error) {
	tr := s.newTransport(TransportStdio)
	if err := tr.connect(ctx); err != nil {
		return tr, ConnInfo{}, "", err
	}
	if era == "" {
		era = s.cfg.forcedEra()
	}
	switch era {
	case "legacy":
		info, err := s.initialize(ctx, tr, false)
		return tr, info, "stdio command (legacy handshake)", err
	case "modern":
		pctx := ctx
		if s.cfg.forcedEra() == "" {
			// A remembered guess: bounded like a probe.
			var cancel context.CancelFunc
			pctx, cancel = context.WithTimeout(ctx, s.cfg.probeTimeout())
			defer cancel()
		}
		info, err := s.discoverOn(pctx, tr, s.modernOffer(), false)
		return tr, info, "stdio command (stateless, " + info.Protocol + ")", err
	}
	s.note("detecting the era: server/discover on stdio, and ping (waiting up to " + s.cfg.probeTimeout().String() + ")")
	pctx, cancel := context.WithTimeout(ctx, s.cfg.probeTimeout())
	dctx, stop := context.WithCancelCause(pctx)
	go s.pingSignal(dctx, tr, stop)
	info, err := s.discoverOn(dctx, tr, s.modernOffer(), true)
	pingOnly := errors.Is(context.Cause(dctx), errPingOnly)
	stop(nil)
	cancel()
	if err == nil {
		return tr, info, "stdio command: server/discover answered (stateless, " + info.Protocol + ")", nil
	}
	var ls *legacyServer
	var te *TimeoutError
	switch {
	case pingOnly:
		ls = &legacyServer{why: "the server answered ping but not server/discover"}
	case errors.As(err, &ls):
	case errors.As(err, &te), errors.Is(err, context.DeadlineExceeded):
		ls = &legacyServer{why: "no answer to server/discover within " + s.cfg.probeTimeout().String()}
	default:
		var le *LostError
		if !errors.As(err, &le) || ctx.Err() != nil {
			return tr, ConnInfo{}, "", err
		}
		// The probe killed a strict legacy server: start it again.
		ls = &legacyServer{why: "the server exited on server/discover"}
		cctx, c2 := context.WithTimeout(context.Background(), 3*time.Second)
		tr.close(cctx)
		c2()
		tr = s.newTransport(TransportStdio)
		if err := tr.connect(ctx); err != nil {
			return tr, ConnInfo{}, "", err
		}
	}
	if len(ls.supported) > 0 && s.cfg.Protocol == "" {
		s.legacyOffer = newestKnown(ls.supported)
	}
	s.note(ls.why + "; using the legacy handshake (initialize)")
	info, err = s.initialize(ctx, tr, false)
	return tr, info, "stdio command: " + ls.why + "; legacy handshake", err
}

// errPingOnly ends the stdio era probe early: the server answered ping but
// not server/discover.
var errPingOnly = errors.New("ping answered, server/discover not")

// pingGrace is how long server/discover may still take after the ping sent
// behind it was answered: a server handling requests concurrently may
// answer the ping first.
const pingGrace = 250 * time.Millisecond

// pingSignal is the stdio probe's earlier fallback signal. The probe's
// ping goes right behind server/discover; the legacy lifecycle allows ping
// before initialize, and a server answers it (a result, or an error: the
// 2026-07-28 era has no ping) while a legacy one that ignores methods it
// does not know before initialize says nothing to server/discover. A ping
// answered while server/discover is not, pingGrace (or four round trips)
// later, ends the probe with errPingOnly instead of waiting out the probe
// timeout on every first contact.
//
// The ping is not cancelled when server/discover is answered first (that
// would send the server a notifications/cancelled for it): it is left to
// its answer, or to the probe timeout.
func (s *Session) pingSignal(ctx context.Context, tr transport, stop context.CancelCauseFunc) {
	t0 := time.Now()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.probeTimeout())
	defer cancel()
	_, err := s.roundTrip(pctx, tr, "ping", nil, callOpts{probe: true})
	var re *RPCError
	if err != nil && !errors.As(err, &re) {
		return // no answer (the probe ended, or the server is gone)
	}
	select {
	case <-ctx.Done():
	case <-time.After(max(pingGrace, 4*time.Since(t0))):
		stop(errPingOnly)
	}
}

// modernOffer is the modern revision sonde asks for.
func (s *Session) modernOffer() string {
	if IsModern(s.cfg.Protocol) {
		return s.cfg.Protocol
	}
	return ModernProtocol
}

// newestKnown picks the newest revision in list that sonde knows.
func newestKnown(list []string) string {
	best := ""
	for _, v := range list {
		if slices.Contains(KnownProtocols, v) && v > best {
			best = v
		}
	}
	return best
}

// discoverOn sends server/discover on tr and reads the era from the
// answer. A -32022 naming a modern version is retried once with it (some
// servers reject the first request whatever it says); one naming only
// legacy versions means a legacy server.
func (s *Session) discoverOn(ctx context.Context, tr transport, version string, probe bool) (ConnInfo, error) {
	for attempt := 0; ; attempt++ {
		raw, err := s.roundTrip(ctx, tr, "server/discover", nil, callOpts{protocol: version, probe: probe})
		if err == nil {
			return s.discovered(tr, version, raw)
		}
		var re *RPCError
		var he *HTTPError
		errors.As(err, &he)
		switch {
		case errors.As(err, &re) && re.Code == CodeUnsupportedVersion:
			var data struct {
				Supported []string `json:"supported"`
			}
			json.Unmarshal(re.Data, &data)
			next := pickVersion(data.Supported, version)
			if next == "" {
				return ConnInfo{}, &legacyServer{why: fmt.Sprintf("server/discover: the server supports only %v", data.Supported), supported: data.Supported}
			}
			if attempt > 0 {
				return ConnInfo{}, err
			}
			s.note(fmt.Sprintf("the server rejected version %s (-32022, supported %v); retrying server/discover with %s", version, data.Supported, next))
			version = next
			continue
		case errors.As(err, &re) && (re.Code == CodeHeaderMismatch || re.Code == CodeMissingCapability):
			return ConnInfo{}, err // a modern server that wants a different request
		case errors.As(err, &re) && re.Code == CodeMethodNotFound:
			return ConnInfo{}, &legacyServer{why: "server/discover: method not found (-32601)"}
		case he != nil && (he.Status == 202 || he.Status == 204 || he.Status >= 400 && he.Status < 500 && he.Status != 401 && he.Status != 403):
			return ConnInfo{}, &legacyServer{why: fmt.Sprintf("server/discover answered HTTP %d", he.Status)}
		case errors.As(err, &re):
			return ConnInfo{}, &legacyServer{why: fmt.Sprintf("server/discover answered error %d", re.Code)}
		}
		return ConnInfo{}, err
	}
}

// discovered reads a DiscoverResult.
func (s *Session) discovered(tr transport, version string, raw json.RawMessage) (ConnInfo, error) {
	var res struct {
		SupportedVersions []string                   `json:"supportedVersions"`
		Capabilities      json.RawMessage            `json:"capabilities"`
		Instructions      string                     `json:"instructions"`
		ServerInfo        json.RawMessage            `json:"serverInfo"`
		Meta              map[string]json.RawMessage `json:"_meta"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return ConnInfo{}, fmt.Errorf("unreadable server/discover result: %w", err)
	}
	if len(res.SupportedVersions) > 0 && !slices.Contains(res.SupportedVersions, version) {
		best := pickVersion(res.SupportedVersions, version)
		if best == "" {
			return ConnInfo{}, &legacyServer{why: fmt.Sprintf("server/discover lists only %v", res.SupportedVersions), supported: res.SupportedVersions}
		}
		s.note(fmt.Sprintf("the server supports %v; using %s", res.SupportedVersions, best))
		version = best
	}
	server := res.ServerInfo
	if si, ok := res.Meta[MetaServerInfo]; ok {
		server = si
	}
	tr.negotiated(version)
	return ConnInfo{Protocol: version, Era: "modern", Server: server, Capabilities: res.Capabilities, Instructions: res.Instructions}, nil
}

// fallbackStatus: 400/404/405 lead to the legacy SSE probe unless the body
// is a JSON-RPC error with a modern (2026-07-28) code, which proves the
// server speaks Streamable HTTP; so do 202 and 204, which no Streamable
// HTTP server answers to a request.
func fallbackStatus(he *HTTPError) bool {
	switch he.Status {
	case 202, 204, 400, 404, 405:
	default:
		return false
	}
	if he.RPC != nil {
		switch he.RPC.Code {
		case CodeHeaderMismatch, CodeMissingCapability, CodeUnsupportedVersion:
			return false
		}
	}
	return true
}
