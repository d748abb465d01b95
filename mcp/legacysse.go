package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// legacySSE is the HTTP+SSE transport of revision 2024-11-05: a GET opens an
// SSE stream, its first event (`endpoint`) names the URL to POST messages
// to, and every answer and server message arrives on the stream.
type legacySSE struct {
	httpBase
	url string

	mu       sync.Mutex
	endpoint *url.URL
	protocol string
	announce chan struct{} // closed at the first endpoint event
	tap      *tap

	life     context.Context
	stop     context.CancelFunc
	done     chan struct{} // the reader ended
	closed   bool
	detectOK func(first string) // detection: first event name seen

	// split is set for a split-endpoint server (Config.Endpoint): the POST
	// URL comes from the template, with the session id the stream gives.
	split bool
	sid   string // the session id the stream gave (split)
	// sidKnown is closed once sid is set: a raw message naming {session}
	// waits for it when the template itself needed no id (the connection
	// is up before the stream has said its session).
	sidKnown chan struct{}
}

func newLegacySSE(cfg *Config, l link) *legacySSE {
	life, stop := context.WithCancel(context.Background())
	return &legacySSE{httpBase: newHTTPBase(cfg, l), url: cfg.URL, life: life, stop: stop,
		announce: make(chan struct{}), done: make(chan struct{}), split: cfg.Endpoint != "", sidKnown: make(chan struct{})}
}

func (t *legacySSE) kind() TransportKind { return TransportSSE }

// errNotLegacySSE says a GET did not open a legacy stream (used by detection).
var errNotLegacySSE = errors.New("not a legacy HTTP+SSE stream")

// noEndpointError is a GET that opened an SSE stream whose first event was
// not `endpoint` (or that sent none): perhaps a split-endpoint server's
// (see ProbeSplit).
type noEndpointError struct{ error }

func (e *noEndpointError) Unwrap() error { return e.error }

// connect opens the stream and waits for the endpoint event. The first
// event must be `endpoint`; comments before it are fine. A split-endpoint
// server (Config.Endpoint) instead gives its session id in one of its
// first events, when the template needs one.
func (t *legacySSE) connect(ctx context.Context) error {
	req, err := t.newRequest(t.life, http.MethodGet, t.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	t.sign(req)
	t.requestEvent(req, "GET")
	type answer struct {
		resp *http.Response
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		resp, err := t.doAuth(req, "GET", nil) // the stream's 401 starts a sign-in too
		ch <- answer{resp, err}
	}()
	var resp *http.Response
	select {
	case a := <-ch:
		if a.err != nil {
			return a.err
		}
		resp = a.resp
	case <-ctx.Done():
		t.stop()
		return ctx.Err()
	}
	t.responseEvent(req, resp, "GET")
	if resp.StatusCode != http.StatusOK {
		t.stop()
		return t.failure(req, resp, "")
	}
	if mt := mediaType(resp); mt != "text/event-stream" {
		t.stop()
		return fmt.Errorf("%w: %w", errNotLegacySSE, t.failure(req, resp, "expected text/event-stream"))
	}
	tp := newTap(resp.Body, t.cfg.idleTimeout())
	t.mu.Lock()
	t.tap = tp
	t.mu.Unlock()
	firstErr := make(chan error, 1)
	if t.split && !t.cfg.needsSession() {
		if err := t.useTemplate(""); err != nil {
			tp.Close()
			t.stop()
			return err
		}
	}
	go t.read(tp, firstErr)

	wait := t.cfg.timeout()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-t.announce:
		return nil
	case err := <-firstErr:
		t.stop()
		return err
	case <-timer.C:
		t.stop()
		if t.split {
			return fmt.Errorf("GET %s opened an SSE stream but gave no session id within %s (--session-from REGEX picks it out of the stream's first events)", RedactURL(t.url), wait)
		}
		return &noEndpointError{fmt.Errorf("%w: GET %s opened an SSE stream but sent no endpoint event within %s", errNotLegacySSE, RedactURL(t.url), wait)}
	case <-ctx.Done():
		t.stop()
		return ctx.Err()
	}
}

// read consumes the stream until it ends, then reports the loss.
func (t *legacySSE) read(tp *tap, firstErr chan<- error) {
	defer close(t.done)
	first := true
	onEndpoint := func(data string) {
		first = false
		t.setEndpoint(data, firstErr)
	}
	var sink link = &firstEventLink{link: t.l, onFirst: func(name string) {
		if first && name != "endpoint" {
			first = false
			firstErr <- &noEndpointError{fmt.Errorf("%w: the first SSE event was %q, not \"endpoint\"", errNotLegacySSE, name)}
		}
	}}
	if t.split {
		first = false // the splitLink watches for the session id
		sink = &splitLink{link: t.l, t: t, firstErr: firstErr}
		onEndpoint = func(data string) { t.ignoredEndpoint(data) }
	}
	res := readSSEStream(sink, tp, "GET", "", t.cfg.maxMessage(), onEndpoint)
	tp.Close()
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	var cause error
	switch {
	case res.idled:
		cause = fmt.Errorf("the SSE stream was silent for %s (idle timeout)", t.cfg.idleTimeout())
	case res.err != nil:
		cause = fmt.Errorf("the SSE stream broke: %w", res.err)
	default:
		cause = errors.New("the server closed the SSE stream")
	}
	if first {
		firstErr <- fmt.Errorf("%w: %v before the endpoint event", errNotLegacySSE, cause)
		return
	}
	if !t.announced() {
		select {
		case firstErr <- fmt.Errorf("%v before it gave a session id", cause):
		default:
		}
		return
	}
	if !closed && t.life.Err() == nil {
		t.l.lost(t, cause)
	}
}

// setEndpoint resolves the announced endpoint against the SSE URL and uses
// it exactly as announced (never rebuilt).
func (t *legacySSE) setEndpoint(data string, firstErr chan<- error) {
	base, _ := url.Parse(t.url)
	ref, err := url.Parse(data)
	if err != nil || data == "" {
		t.l.emit(&Event{Dir: DirMeta, Kind: KindError, Stream: "GET", Err: fmt.Sprintf("unusable endpoint event %q: %v", RedactURL(data), err)})
		select {
		case firstErr <- fmt.Errorf("the server announced an unusable endpoint %q", RedactURL(data)):
		default:
		}
		return
	}
	ep := base.ResolveReference(ref)
	// The specification wants the endpoint on the stream's origin; the
	// user's credentials go nowhere else (see checkOrigin).
	if err := t.checkOrigin("an endpoint event", base, ep); err != nil {
		if t.endpointURL() == "" {
			select {
			case firstErr <- err: // connect fails with it
			default: // it failed already
			}
		} else {
			t.l.emit(&Event{Dir: DirMeta, Kind: KindError, Stream: "GET", Err: err.Error() + "; keeping the endpoint"})
		}
		return
	}
	if Origin(ep) != t.origin {
		t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Text: "the endpoint is on another origin, " + Origin(ep) +
			": messages go there without credentials (--allow-cross-origin)"})
	}
	t.mu.Lock()
	old := t.endpoint
	t.endpoint = ep
	t.mu.Unlock()
	if old == nil {
		t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Text: "POST endpoint: " + RedactURL(ep.String())})
		close(t.announce)
	} else if old.String() != ep.String() {
		t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Text: "POST endpoint changed to " + RedactURL(ep.String())})
	}
}

func (t *legacySSE) endpointURL() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.endpoint == nil {
		return ""
	}
	return t.endpoint.String()
}

// sessionID is the session query parameter of the endpoint, whatever its
// spelling (sessionId, session_id, sessionid); for a split-endpoint
// server, the id its stream gave.
func (t *legacySSE) sessionID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sid != "" {
		return t.sid
	}
	if t.endpoint == nil {
		return ""
	}
	return LegacySessionID(t.endpoint)
}

// LegacySessionID is the session a legacy POST URL names in its query,
// whatever the spelling (sessionId, session_id, sessionid, session): ""
// when it names none. The tap and the faults tell sessions apart by it.
func LegacySessionID(u *url.URL) string {
	q := u.Query()
	for _, k := range []string{"sessionId", "session_id", "sessionid", "session"} {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func (t *legacySSE) negotiated(protocol string) {
	t.mu.Lock()
	t.protocol = protocol
	t.mu.Unlock()
}

func (t *legacySSE) ready() {}

// retryHint is the server's latest retry value in ms, or -1.
func (t *legacySSE) retryHint() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tap == nil {
		return -1
	}
	return t.tap.LastRetry()
}

func (t *legacySSE) send(ctx context.Context, m *outMsg) error {
	ep := t.endpointURL()
	if ep == "" {
		return errors.New("no endpoint announced yet")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The answer comes down the GET stream, often before this POST's 202,
	// and the call returns then. That must not cut the POST: net/http can
	// close a connection it has already handed to the next request when a
	// request is cancelled just as its response arrives (the next POST then
	// fails with "context canceled"), and a cut POST costs its connection.
	// The POST ends with its response, the transport, or the timeout.
	pctx, cancel := context.WithTimeout(t.life, t.cfg.timeout())
	defer cancel()
	req, err := t.newRequest(pctx, http.MethodPost, ep, m.raw)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	t.mu.Lock()
	proto, sid := t.protocol, t.sid
	t.mu.Unlock()
	if h := t.cfg.SessionHeader; h != "" && sid != "" {
		req.Header.Set(h, sid)
	}
	// The version header is defined for "HTTP" from 2025-06-18 on.
	if proto >= "2025-06-18" {
		req.Header.Set("MCP-Protocol-Version", proto)
	}
	if err := t.sign(req); err != nil {
		return err
	}
	t.l.emit(t.messageEvent(req, m))
	resp, err := t.doAuth(req, "POST", m.hold)
	if err != nil {
		return err
	}
	t.responseEvent(req, resp, "POST")
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		err := t.failure(req, resp, "")
		var he *HTTPError
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			return &sessionExpiredError{cause: err}
		}
		return err
	}
	defer drainClose(resp.Body)
	// The answer belongs on the stream; a server that puts it in the POST
	// body instead is tolerated.
	if mediaType(resp) == "application/json" {
		body, err := readLimited(resp.Body, t.cfg.maxMessage())
		if err == nil && len(body) > 0 {
			t.l.receive(&Event{Dir: DirIn, Kind: KindMessage, Stream: "POST", Status: resp.StatusCode,
				ContentType: contentType(resp), Raw: body, Bytes: int64(len(body))})
		}
	}
	return nil
}

func (t *legacySSE) close(ctx context.Context) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	tp := t.tap
	t.mu.Unlock()
	t.stop()
	if tp != nil {
		tp.Close()
		select {
		case <-t.done:
		case <-ctx.Done():
		}
	}
	return nil
}

// firstEventLink reports the name of the first dispatched SSE event, so the
// legacy transport can tell a legacy stream (endpoint first) from anything
// else during detection.
type firstEventLink struct {
	link
	onFirst func(name string)
	seen    bool
}

func (f *firstEventLink) check(e *Event) {
	if f.seen || (e.Kind != KindSSE && e.Kind != KindMessage) || (e.Kind == KindSSE && e.SSEEvent == "" && e.SSERetry > 0 && e.Text != "(empty data)") {
		return
	}
	f.seen = true
	name := e.SSEEvent
	if name == "" {
		name = "message"
	}
	f.onFirst(name)
}

func (f *firstEventLink) emit(e *Event)    { f.check(e); f.link.emit(e) }
func (f *firstEventLink) receive(e *Event) { f.check(e); f.link.receive(e) }

// announced reports whether the POST endpoint is known.
func (t *legacySSE) announced() bool {
	select {
	case <-t.announce:
		return true
	default:
		return false
	}
}

// useTemplate sets the endpoint of a split-endpoint server from
// Config.Endpoint and the session id sid (the stream's; "" when the
// template needs none). The origin rule is the one of an endpoint event.
func (t *legacySSE) useTemplate(sid string) error {
	base, err := url.Parse(t.url)
	if err != nil {
		return err
	}
	ep, err := ExpandEndpoint(t.cfg.Endpoint, base, sid)
	if err != nil {
		return err
	}
	if err := t.checkOrigin("--endpoint", base, ep); err != nil {
		return err
	}
	if Origin(ep) != t.origin {
		t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Text: "the endpoint is on another origin, " + Origin(ep) +
			": messages go there without credentials (--allow-cross-origin)"})
	}
	t.mu.Lock()
	t.endpoint = ep
	t.setSID(sid)
	t.mu.Unlock()
	text := "POST endpoint: " + RedactURL(ep.String()) + " (--endpoint)"
	if sid != "" {
		text = "session id " + sid + " (from the stream); " + text
		if h := t.cfg.SessionHeader; h != "" {
			text += "; the id goes in " + h
		}
	}
	t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Text: text})
	close(t.announce)
	return nil
}

// setSID takes the stream's session id, the first one only (t.mu held).
func (t *legacySSE) setSID(id string) {
	if t.sid != "" || id == "" {
		return
	}
	t.sid = id
	close(t.sidKnown)
}

// sessionKnown is closed once the stream has given its session id.
func (t *legacySSE) sessionKnown() <-chan struct{} { return t.sidKnown }

// ignoredEndpoint notes an endpoint event that --endpoint overrides.
func (t *legacySSE) ignoredEndpoint(data string) {
	t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET",
		Text: "the server announced the endpoint " + RedactURL(data) + "; sonde POSTs to --endpoint's instead"})
}

// splitLink watches the first events of a split-endpoint server's stream
// for its session id. The event that gives it is shown as the text (or
// JSON) it is, never as invalid JSON-RPC.
type splitLink struct {
	link
	t        *legacySSE
	firstErr chan<- error
	seen     int
	done     bool
}

func (f *splitLink) emit(e *Event) {
	id, ok := f.look(e)
	f.link.emit(e)
	if ok {
		f.found(id)
	}
}

func (f *splitLink) receive(e *Event) {
	id, ok := f.look(e)
	if ok && e.Kind == KindMessage {
		if _, err := scanEnvelope(e.Raw); err != nil {
			// "Connected to session ID": an announcement, not a message
			e.Kind = KindSSE
			if !json.Valid(e.Raw) {
				e.Text, e.Raw = string(e.Raw), nil
			}
		}
	}
	f.link.receive(e)
	if ok {
		f.found(id)
	}
}

// look searches one of the first events for the session id.
func (f *splitLink) look(e *Event) (string, bool) {
	if f.done || (e.Kind != KindSSE && e.Kind != KindMessage) {
		return "", false
	}
	data := e.Text
	if len(e.Raw) > 0 {
		data = string(e.Raw[:min(len(e.Raw), maxSessionScan)])
	}
	if data == "" || data == "(empty data)" {
		return "", false
	}
	if id, ok := SessionIDIn(data, f.t.cfg.SessionFrom); ok {
		f.done = true
		return id, true
	}
	f.seen++
	if f.seen >= maxSessionEvents {
		f.done = true
		f.fail(fmt.Errorf("the stream's first %d events gave no session id (--session-from REGEX picks it out of them)", f.seen))
	}
	return "", false
}

func (f *splitLink) found(id string) {
	if f.t.announced() {
		// the template needs no id: it is only shown
		f.t.mu.Lock()
		if usableSessionID(id) {
			f.t.setSID(id)
		}
		f.t.mu.Unlock()
		return
	}
	if err := f.t.useTemplate(id); err != nil {
		f.fail(err)
	}
}

func (f *splitLink) fail(err error) {
	if f.t.announced() {
		return
	}
	select {
	case f.firstErr <- err:
	default:
	}
}
