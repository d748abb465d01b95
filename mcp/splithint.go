package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// When detection meets an SSE stream whose first event is not `endpoint`,
// it looks again with ProbeSplit: a stream that gives a session id in its
// first events is probably a split-endpoint server's, and a ping POSTed to
// the usual places, while the stream is open, tells where it takes its
// POSTs. The error then names the exact --endpoint flag.

// splitCandidates are where split-endpoint servers usually take POSTs,
// tried in order after any path the stream itself named.
var splitCandidates = []string{
	"/mcp?session_id=" + SessionPlaceholder,
	"/messages/?session_id=" + SessionPlaceholder,
	"/messages?session_id=" + SessionPlaceholder,
	"/message?sessionId=" + SessionPlaceholder,
}

// maxSplitTries bounds the pings ProbeSplit sends.
const maxSplitTries = 5

// splitProbeWait bounds ProbeSplit's wait for the stream's first events,
// and for each ping's answer.
const splitProbeWait = 3 * time.Second

// SplitHint is what ProbeSplit found on an SSE stream that names no
// endpoint.
type SplitHint struct {
	// SessionID is the session id the stream's first events gave (""
	// when none did).
	SessionID string
	// First is the start of the stream's first event with data, as
	// "event: NAME data: DATA" (terminal-unsafe: server text).
	First string
	// Endpoint is the template of the place a ping was answered at (a 2xx
	// status), "" when none was.
	Endpoint string
	// Tried lists each template tried with its answer ("/mcp?session_id=
	// {session}: HTTP 404").
	Tried []string
}

// Flags are the flags that attach sonde to the server (nil when the probe
// found no endpoint): --endpoint TEMPLATE.
func (h *SplitHint) Flags() []string {
	if h == nil || h.Endpoint == "" {
		return nil
	}
	return []string{"--endpoint", h.Endpoint}
}

// String says in one sentence what the probe found and what to try.
func (h *SplitHint) String() string {
	switch {
	case h == nil || h.SessionID == "" && h.First == "":
		return "the stream sent no event to look at"
	case h.SessionID == "":
		return fmt.Sprintf("its first events (%s) give no session id: if it is a split-endpoint server, give --endpoint TEMPLATE and --session-from REGEX",
			truncateText(h.First, 120))
	case h.Endpoint != "":
		return fmt.Sprintf("it looks like a split-endpoint server (session id %s in its first events; a ping POSTed to %s was answered): try --endpoint '%s'",
			truncateID(h.SessionID), h.Endpoint, h.Endpoint)
	}
	return fmt.Sprintf("it looks like a split-endpoint server (session id %s in its first events) but no usual endpoint answered a ping (%s): give --endpoint TEMPLATE, with {session} where the id goes",
		truncateID(h.SessionID), strings.Join(h.Tried, "; "))
}

func truncateText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ProbeSplit looks at cfg.URL as an SSE stream that may belong to a
// split-endpoint server: it opens it, reads its first events for a session
// id (SessionIDIn, or cfg.SessionFrom), and with one POSTs a ping to the
// path the stream named, if any, then to the usual places
// (/mcp?session_id={session}, /messages/?session_id=..., ...) on the same
// origin, while the stream is open. Every request is an event to
// cfg.OnEvent. Detection calls it when a stream's first event is not
// `endpoint`; so can a diagnosis of its own.
func ProbeSplit(ctx context.Context, cfg Config) (*SplitHint, error) {
	if cfg.URL == "" {
		return nil, errors.New("ProbeSplit needs a URL")
	}
	s := newSession(cfg)
	if cfg.OnEvent != nil {
		s.disp = newDispatcher(cfg.OnEvent)
		defer s.stopEvents()
	}
	defer s.cancel()
	return s.probeSplit(ctx)
}

func (s *Session) probeSplit(ctx context.Context) (*SplitHint, error) {
	l := &probeLink{s: s, found: make(chan struct{}), ended: make(chan struct{})}
	h := newHTTPBase(&s.cfg, l)
	life, stop := context.WithCancel(ctx)
	defer stop()
	req, err := h.newRequest(life, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if err := h.sign(req); err != nil {
		return nil, err
	}
	h.requestEvent(req, "GET")
	resp, err := h.do(req)
	if err != nil {
		return nil, err
	}
	h.responseEvent(req, resp, "GET")
	if resp.StatusCode != http.StatusOK || mediaType(resp) != "text/event-stream" {
		return nil, h.failure(req, resp, "expected an SSE stream")
	}
	tp := newTap(resp.Body, 0)
	defer tp.Close()
	go func() {
		defer close(l.ended)
		readSSEStream(l, tp, "GET", "", s.cfg.maxMessage(), func(string) {})
	}()
	timer := time.NewTimer(splitProbeWait)
	select {
	case <-l.found:
	case <-l.ended:
	case <-timer.C:
	case <-ctx.Done():
	}
	timer.Stop()
	hint := l.hint()
	if hint.SessionID == "" {
		return hint, ctx.Err()
	}
	base := req.URL
	for i, tmpl := range l.candidates() {
		if i >= maxSplitTries || ctx.Err() != nil {
			break
		}
		ep, err := ExpandEndpoint(tmpl, base, hint.SessionID)
		if err != nil || Origin(ep) != h.origin {
			continue
		}
		status, err := s.probePing(ctx, &h, ep.String(), i)
		if err != nil {
			hint.Tried = append(hint.Tried, tmpl+": "+err.Error())
			continue
		}
		hint.Tried = append(hint.Tried, fmt.Sprintf("%s: HTTP %d", tmpl, status))
		if status >= 200 && status < 300 {
			hint.Endpoint = tmpl
			break
		}
	}
	s.note("split-endpoint probe: " + hint.String())
	return hint, ctx.Err()
}

// probePing POSTs a ping to url and returns the answer's status.
func (s *Session) probePing(ctx context.Context, h *httpBase, url string, n int) (int, error) {
	pctx, cancel := context.WithTimeout(ctx, splitProbeWait)
	defer cancel()
	id := fmt.Sprintf(`"sonde-probe-%d"`, n+1)
	m := &outMsg{raw: encodeRequest(json.RawMessage(id), "ping", nil), rpc: RPCRequest, method: "ping", id: id}
	req, err := h.newRequest(pctx, http.MethodPost, url, m.raw)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if err := h.sign(req); err != nil {
		return 0, err
	}
	h.l.emit(h.messageEvent(req, m))
	resp, err := h.do(req)
	if err != nil {
		return 0, err
	}
	h.responseEvent(req, resp, "POST")
	drainClose(resp.Body)
	return resp.StatusCode, nil
}

// probeLink takes the events of the stream ProbeSplit looks at: logged as
// they are (data that is no JSON-RPC as text or JSON, never as an error),
// the first ones searched for a session id.
type probeLink struct {
	s     *Session
	found chan struct{} // closed once an id was found, or enough events seen
	ended chan struct{} // closed when the stream ended

	mu    sync.Mutex
	seen  int
	done  bool
	sid   string
	first string
	datas []string // the data of the events up to the id's
}

func (p *probeLink) emit(e *Event) { p.look(e); p.s.emit(e) }

func (p *probeLink) receive(e *Event) {
	if env, err := scanEnvelope(e.Raw); err == nil {
		e.RPC, e.Method, e.ID = env.rpc, env.method, env.id
		if e.Kind == KindSSE {
			e.Kind = KindMessage
		}
	} else if e.Kind == KindMessage {
		e.Kind = KindSSE
		if !json.Valid(e.Raw) {
			e.Text, e.Raw = string(e.Raw), nil
		}
	}
	p.look(e)
	p.s.emit(e)
}

func (p *probeLink) lost(transport, error)    {}
func (p *probeLink) expired(transport, error) {}
func (p *probeLink) orphan(string, error)     {}

func (p *probeLink) look(e *Event) {
	if e.Kind != KindSSE && e.Kind != KindMessage {
		return
	}
	data := e.Text
	if len(e.Raw) > 0 {
		data = string(e.Raw[:min(len(e.Raw), maxSessionScan)])
	}
	if data == "" || data == "(empty data)" || e.IsKeepalive() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	if p.first == "" {
		name := e.SSEEvent
		if name == "" {
			name = "message"
		}
		p.first = truncateText("event: "+name+" data: "+data, 200)
	}
	p.datas = append(p.datas, data)
	if id, ok := SessionIDIn(data, p.s.cfg.SessionFrom); ok {
		p.sid = id
	}
	p.seen++
	if p.sid != "" || p.seen >= maxSessionEvents {
		p.done = true
		close(p.found)
	}
}

func (p *probeLink) hint() *SplitHint {
	p.mu.Lock()
	defer p.mu.Unlock()
	return &SplitHint{SessionID: p.sid, First: p.first}
}

// pathRE finds a URL or an absolute path in a stream's text; compiled on
// first use, not at package initialisation.
var pathRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`https?://[^\s"'<>]+|/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*`)
})

// candidates are the templates to try: a path the stream named with the
// session id in it (the id made {session}), then the usual ones.
func (p *probeLink) candidates() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, d := range p.datas {
		for _, m := range pathRE().FindAllString(d, 8) {
			if strings.Contains(m, p.sid) && len(m) > len(p.sid) {
				out = append(out, strings.Replace(m, p.sid, SessionPlaceholder, 1))
			}
		}
	}
	return append(out, splitCandidates...)
}

// withSplitHint adds to err, the failure of a legacy GET whose stream
// named no endpoint, what ProbeSplit finds on the stream.
func (s *Session) withSplitHint(ctx context.Context, err error) error {
	var ne *noEndpointError
	if !errors.As(err, &ne) || s.cfg.Endpoint != "" || ctx.Err() != nil {
		return err
	}
	s.note("the SSE stream names no endpoint; looking for a split endpoint (a session id in its first events, a ping to the usual places)")
	hint, herr := s.probeSplit(ctx)
	if herr != nil || hint == nil {
		return err
	}
	return &SplitError{Err: err, Hint: hint}
}

// SplitError is a connection that failed because the SSE stream named no
// endpoint, with what a look for a split endpoint found (Hint).
type SplitError struct {
	Err  error
	Hint *SplitHint
}

func (e *SplitError) Error() string { return e.Err.Error() + "; " + e.Hint.String() }
func (e *SplitError) Unwrap() error { return e.Err }
