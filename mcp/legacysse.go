package mcp

import (
	"context"
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
}

func newLegacySSE(cfg *Config, l link) *legacySSE {
	life, stop := context.WithCancel(context.Background())
	return &legacySSE{httpBase: newHTTPBase(cfg, l), url: cfg.URL, life: life, stop: stop,
		announce: make(chan struct{}), done: make(chan struct{})}
}

func (t *legacySSE) kind() TransportKind { return TransportSSE }

// errNotLegacySSE says a GET did not open a legacy stream (used by detection).
var errNotLegacySSE = errors.New("not a legacy HTTP+SSE stream")

// connect opens the stream and waits for the endpoint event. The first
// event must be `endpoint`; comments before it are fine.
func (t *legacySSE) connect(ctx context.Context) error {
	req, err := t.newRequest(t.life, http.MethodGet, t.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	t.requestEvent(req, "GET")
	type answer struct {
		resp *http.Response
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		resp, err := t.do(req)
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
		return fmt.Errorf("%w: GET %s opened an SSE stream but sent no endpoint event within %s", errNotLegacySSE, RedactURL(t.url), wait)
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
	sink := &firstEventLink{link: t.l, onFirst: func(name string) {
		if first && name != "endpoint" {
			first = false
			firstErr <- fmt.Errorf("%w: the first SSE event was %q, not \"endpoint\"", errNotLegacySSE, name)
		}
	}}
	res := readSSEStream(sink, tp, "GET", t.cfg.maxMessage(), onEndpoint)
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
// spelling (sessionId, session_id, sessionid).
func (t *legacySSE) sessionID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.endpoint == nil {
		return ""
	}
	for k, v := range t.endpoint.Query() {
		switch k {
		case "sessionId", "session_id", "sessionid", "session":
			if len(v) > 0 {
				return v[0]
			}
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
	proto := t.protocol
	t.mu.Unlock()
	// The version header is defined for "HTTP" from 2025-06-18 on.
	if proto >= "2025-06-18" {
		req.Header.Set("MCP-Protocol-Version", proto)
	}
	t.l.emit(t.messageEvent(req, m))
	resp, err := t.do(req)
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
				ContentType: resp.Header.Get("Content-Type"), Raw: body, Bytes: int64(len(body))})
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
