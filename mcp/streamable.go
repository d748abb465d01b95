package mcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// streamable is the Streamable HTTP transport of revisions 2025-03-26,
// 2025-06-18 and 2025-11-25: every frame is a POST to one endpoint, a
// request's answer comes back as JSON or as an SSE stream, the server may
// open a standalone GET stream for its own messages, and a session id
// (Mcp-Session-Id) ties it together.
type streamable struct {
	httpBase
	url string

	mu       sync.Mutex
	sid      string
	protocol string
	modern   bool // 2026-07-28: no session, no GET stream, headers per message
	getOn    bool
	// getAnswered closes when the standalone GET stream's request is
	// answered (or failed); getBy is how long a request waits for it.
	getAnswered chan struct{}
	getBy       time.Time

	life   context.Context // everything this transport started
	stop   context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

func newStreamable(cfg *Config, l link) *streamable {
	life, stop := context.WithCancel(context.Background())
	return &streamable{httpBase: newHTTPBase(cfg, l), url: cfg.URL, life: life, stop: stop}
}

func (t *streamable) kind() TransportKind { return TransportHTTP }

func (t *streamable) connect(context.Context) error { return nil }

func (t *streamable) sessionID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sid
}

func (t *streamable) negotiated(protocol string) {
	t.mu.Lock()
	if IsModern(protocol) {
		// Stateless: the version travels with each message (outMsg.header).
		t.modern = true
	} else {
		t.protocol = protocol
	}
	t.mu.Unlock()
}

// ready opens the optional standalone GET stream once the session is up.
// Servers such as the TypeScript SDK drop a server-initiated request when no
// GET stream is open, so a request that may lead to one waits for the
// stream's answer (awaitGet); listings and pings do not, so that a one-shot
// call's tools/list and the UI's first listings overlap the GET's round trip
// instead of following it.
func (t *streamable) ready() {
	t.mu.Lock()
	if t.getOn || t.closed || t.modern {
		t.mu.Unlock()
		return
	}
	t.getOn = true
	answered := make(chan struct{})
	t.getAnswered, t.getBy = answered, time.Now().Add(min(t.cfg.timeout(), 5*time.Second))
	// Added under the lock close takes first: a close racing with a
	// recovery's ready either waits for the loop or prevents it.
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		t.getLoop(answered)
	}()
}

// awaitGet holds a request that may lead the server to send a request of
// its own until the standalone GET stream is answered (briefly: a server
// that never answers the GET costs at most the bound ready set, once).
func (t *streamable) awaitGet(ctx context.Context, m *outMsg) {
	if m.rpc != RPCRequest || !mayPrompt(m.method) {
		return
	}
	t.mu.Lock()
	answered, by := t.getAnswered, t.getBy
	t.mu.Unlock()
	if answered == nil {
		return
	}
	select {
	case <-answered:
		return
	default:
	}
	timer := time.NewTimer(time.Until(by))
	defer timer.Stop()
	select {
	case <-answered:
	case <-timer.C:
	case <-ctx.Done():
	case <-t.life.Done():
	}
}

// mayPrompt reports whether a request may lead the server to send requests
// of its own outside its answer's stream (an elicitation, a sampling
// request): everything but listings and pings.
func mayPrompt(method string) bool {
	return method != "ping" && !strings.HasSuffix(method, "/list")
}

// sessionHeaders adds the session id and negotiated version.
func (t *streamable) sessionHeaders(req *http.Request) {
	t.mu.Lock()
	sid, proto := t.sid, t.protocol
	t.mu.Unlock()
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
	}
	if proto != "" {
		req.Header.Set("MCP-Protocol-Version", proto)
	}
}

func (t *streamable) send(ctx context.Context, m *outMsg) error {
	t.awaitGet(ctx, m)
	req, err := t.newRequest(ctx, http.MethodPost, t.url, m.raw)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	t.sessionHeaders(req)
	for k, vs := range m.header {
		req.Header[k] = vs
	}
	hadSession := req.Header.Get("Mcp-Session-Id") != ""
	if err := t.sign(req); err != nil { // so that the logged request shows it
		return err
	}
	t.l.emit(t.messageEvent(req, m))

	resp, err := t.doAuth(req, "POST", m.hold)
	if err != nil {
		return err
	}
	t.responseEvent(req, resp, "POST")
	if sid := resp.Header.Get("Mcp-Session-Id"); len(sid) > maxHeaderValue {
		// Sent back on every request and kept in the connection info: a
		// session id is an identifier, never megabytes.
		drainClose(resp.Body)
		return &HTTPError{Method: req.Method, URL: RedactURL(req.URL.String()), Status: resp.StatusCode, ContentType: contentType(resp),
			Reason: fmt.Sprintf("the server's Mcp-Session-Id is %s long; sonde accepts at most %s", humanBytes(int64(len(sid))), humanBytes(maxHeaderValue))}
	} else if sid != "" {
		t.mu.Lock()
		if t.sid != sid {
			t.sid = sid
		}
		t.mu.Unlock()
	}

	switch {
	case (resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusNoContent) && m.rpc == RPCRequest:
		// 202/204 acknowledge notifications and answers; a request's
		// answer would never come. A legacy server that accepts any POST
		// answers the detection probes this way.
		drainClose(resp.Body)
		return &HTTPError{Method: req.Method, URL: RedactURL(req.URL.String()), Status: resp.StatusCode,
			ContentType: contentType(resp), Reason: "a request was answered without a body, which is no Streamable HTTP answer"}
	case resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusNoContent:
		drainClose(resp.Body)
		return nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	case m.rpc == RPCRequest && resp.StatusCode >= 400 && resp.StatusCode != 401 && resp.StatusCode != 403 && mediaType(resp) == "application/json":
		// A JSON-RPC error answer sent with an HTTP error status (the
		// 2026-07-28 way): it is the answer, logged and routed as one.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, int64(t.cfg.maxMessage())))
		resp.Body.Close()
		if env, err := scanEnvelope(body); err == nil && env.rpc == RPCErrorResponse && env.id == m.id {
			t.l.receive(&Event{Dir: DirIn, Kind: KindMessage, Stream: "POST", Via: m.id, Status: resp.StatusCode,
				ContentType: contentType(resp), Raw: body, Bytes: int64(len(body))})
			return nil
		}
		resp.Body = io.NopCloser(bytes.NewReader(body)) // not the answer: an HTTP failure
		fallthrough
	default:
		err := t.failure(req, resp, "")
		if hadSession && errIsSessionGone(err) {
			return &sessionExpiredError{cause: err}
		}
		return err
	}

	switch mt := mediaType(resp); mt {
	case "application/json":
		defer resp.Body.Close()
		body, err := readLimited(resp.Body, t.cfg.maxMessage())
		if err != nil {
			return fmt.Errorf("POST %s: reading the JSON answer: %w", RedactURL(t.url), err)
		}
		if len(body) == 0 {
			if m.rpc == RPCRequest {
				return &HTTPError{Method: req.Method, URL: RedactURL(req.URL.String()), Status: resp.StatusCode,
					ContentType: contentType(resp), Reason: "a request was answered with an empty body"}
			}
			return nil // some servers answer notifications with an empty 200
		}
		t.l.receive(&Event{Dir: DirIn, Kind: KindMessage, Stream: "POST", Via: m.id, Status: resp.StatusCode,
			ContentType: contentType(resp), Raw: body, Bytes: int64(len(body))})
		return nil
	case "text/event-stream":
		// The answer streams in; read it in the background so that the
		// caller can wait for it (or cancel) while it arrives.
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			resp.Body.Close()
			return errors.New("the transport was closed")
		}
		t.wg.Add(1) // under the lock close takes before it waits
		t.mu.Unlock()
		go func() {
			defer t.wg.Done()
			t.readPostStream(ctx, resp, m)
		}()
		return nil
	default:
		if m.rpc != RPCRequest && resp.ContentLength == 0 {
			resp.Body.Close()
			return nil
		}
		return t.failure(req, resp, "expected application/json or text/event-stream")
	}
}

// readPostStream reads the SSE answer to one POST. If the stream breaks
// before the answer and the server gave event ids, it resumes with GET and
// Last-Event-ID after the server's retry delay (2025-11-25 SSE polling);
// otherwise the request is reported as orphaned.
func (t *streamable) readPostStream(ctx context.Context, resp *http.Response, m *outMsg) {
	tp := newTap(resp.Body, 0) // no idle cut: closing a stream without ids loses the call
	stop := context.AfterFunc(t.life, func() { tp.Close() })
	res := readSSEStream(t.l, tp, "POST", m.id, t.cfg.maxMessage(), nil)
	stop()
	tp.Close()
	if m.rpc != RPCRequest || m.pending == nil || !m.pending() || ctx.Err() != nil || t.life.Err() != nil {
		return
	}
	retry := tp.LastRetry()
	lastID := res.lastID
	for attempt := 1; res.sawID && attempt <= 5; attempt++ {
		delay := time.Second
		if retry >= 0 {
			delay = time.Duration(retry) * time.Millisecond
		}
		why := "ended"
		if res.err != nil {
			why = "broke (" + res.err.Error() + ")"
		}
		t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "POST", ID: m.id,
			Text: fmt.Sprintf("response stream for %s %s before the answer; resuming with GET Last-Event-ID %q in %s", m.method, why, lastID, delay)})
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return
		case <-t.life.Done():
			return
		}
		var r2 sseReadResult
		var err error
		r2, retry, err = t.resume(ctx, lastID, retry, m.id)
		if err != nil {
			t.l.orphan(m.id, fmt.Errorf("resuming the response stream failed: %w", err))
			return
		}
		if !m.pending() || ctx.Err() != nil {
			return
		}
		res = r2
		if r2.sawID {
			lastID = r2.lastID
		}
		res.sawID = true // keep the cursor we have
	}
	cause := errors.New("the server closed the response stream without answering")
	if res.err != nil {
		cause = fmt.Errorf("the response stream broke: %w", res.err)
	}
	if res.sawID {
		cause = fmt.Errorf("%w (gave up resuming)", cause)
	}
	t.l.orphan(m.id, cause)
}

// resume opens GET with Last-Event-ID and reads what the server replays.
func (t *streamable) resume(ctx context.Context, lastID string, retry int, via string) (sseReadResult, int, error) {
	req, err := t.newRequest(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return sseReadResult{}, retry, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", lastID)
	t.sessionHeaders(req)
	t.sign(req)
	t.requestEvent(req, "GET")
	resp, err := t.doAuth(req, "GET", nil)
	if err != nil {
		return sseReadResult{}, retry, err
	}
	t.responseEvent(req, resp, "GET")
	if resp.StatusCode != http.StatusOK || mediaType(resp) != "text/event-stream" {
		return sseReadResult{}, retry, t.failure(req, resp, "")
	}
	tp := newTap(resp.Body, 0)
	stop := context.AfterFunc(t.life, func() { tp.Close() })
	res := readSSEStream(t.l, tp, "GET", via, t.cfg.maxMessage(), nil)
	stop()
	tp.Close()
	if r := tp.LastRetry(); r >= 0 {
		retry = r
	}
	return res, retry, nil
}

// getLoop keeps the optional standalone GET stream open: 405 and 409 mean
// the server offers none (not an error); a stream that ends or goes silent
// past the idle timeout is re-opened, resuming from the last event id.
func (t *streamable) getLoop(answered chan struct{}) {
	var once sync.Once
	signal := func() { once.Do(func() { close(answered) }) }
	defer signal()
	lastID := ""
	failures := 0
	for t.life.Err() == nil {
		req, err := t.newRequest(t.life, http.MethodGet, t.url, nil)
		if err != nil {
			return
		}
		req.Header.Set("Accept", "text/event-stream")
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		t.sessionHeaders(req)
		t.sign(req)
		t.requestEvent(req, "GET")
		start := time.Now()
		hadSession := req.Header.Get("Mcp-Session-Id") != ""
		resp, err := t.doAuth(req, "GET", nil)
		if err != nil {
			signal()
			if t.life.Err() != nil {
				return
			}
			var unreachable *ConnectError
			if errors.As(err, &unreachable) {
				// The server cannot be reached: the session recovers
				// (and opens a new stream once it has).
				t.l.lost(t, err)
				return
			}
			failures++
			t.l.emit(&Event{Dir: DirMeta, Kind: KindError, Stream: "GET", Err: "GET stream: " + err.Error()})
			var ce *CrossOriginError
			if errors.As(err, &ce) {
				return // a refused redirect is refused again every time
			}
			if !t.sleep(backoff(failures, -1)) {
				return
			}
			continue
		}
		t.responseEvent(req, resp, "GET")
		signal()
		switch {
		case resp.StatusCode == http.StatusMethodNotAllowed:
			resp.Body.Close()
			t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Status: resp.StatusCode,
				Text: "server offers no standalone GET stream (405); its messages arrive on POST answers"})
			return
		case resp.StatusCode == http.StatusConflict:
			resp.Body.Close()
			t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Status: resp.StatusCode,
				Text: "server refused a standalone GET stream (409: one is already open for this session)"})
			return
		case resp.StatusCode != http.StatusOK || mediaType(resp) != "text/event-stream":
			// The stream is optional: any other answer means the server
			// offers none. Say what it was, without calling it an error;
			// unless it says the server forgot our session (it restarted):
			// then the session is renewed at once, not at the next call.
			err := t.failure(req, resp, "")
			if hadSession && errIsSessionGone(err) {
				t.l.expired(t, err)
				return
			}
			t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET", Status: resp.StatusCode,
				Text: "no standalone GET stream: " + err.Error()})
			return
		}
		tp := newTap(resp.Body, t.cfg.idleTimeout())
		stop := context.AfterFunc(t.life, func() { tp.Close() })
		res := readSSEStream(t.l, tp, "GET", "", t.cfg.maxMessage(), nil)
		stop()
		tp.Close()
		if t.life.Err() != nil {
			return
		}
		if res.sawID {
			lastID = res.lastID
		}
		if time.Since(start) > 10*time.Second {
			failures = 0
		}
		failures++
		delay := backoff(failures, tp.LastRetry())
		why := "ended"
		switch {
		case res.idled:
			why = fmt.Sprintf("was silent for %s", t.cfg.idleTimeout())
		case res.err != nil:
			why = "broke: " + res.err.Error()
		}
		t.l.emit(&Event{Dir: DirMeta, Kind: KindInfo, Stream: "GET",
			Text: fmt.Sprintf("GET stream %s; re-opening in %s", why, delay.Round(time.Millisecond))})
		if !t.sleep(delay) {
			return
		}
	}
}

func (t *streamable) sleep(d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-t.life.Done():
		return false
	}
}

// close ends the session with DELETE (405 is fine) and stops every stream.
func (t *streamable) close(ctx context.Context) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	sid := t.sid
	t.mu.Unlock()
	t.stop()
	if sid != "" {
		if req, err := t.newRequest(ctx, http.MethodDelete, t.url, nil); err == nil {
			t.sessionHeaders(req)
			t.sign(req)
			t.requestEvent(req, "DELETE")
			if resp, err := t.do(req); err == nil {
				t.responseEvent(req, resp, "DELETE")
				resp.Body.Close()
			}
		}
	}
	t.wg.Wait()
	return nil
}

// backoff is the delay before reconnect attempt n (1-based): the server's
// retry if it gave one, else 250 ms doubling up to 30 s.
func backoff(n int, retryMS int) time.Duration {
	if retryMS >= 0 && n <= 1 {
		return time.Duration(retryMS) * time.Millisecond
	}
	d := 250 * time.Millisecond
	for i := 1; i < n && d < 30*time.Second; i++ {
		d *= 2
	}
	if retryMS >= 0 {
		d = max(d, time.Duration(retryMS)*time.Millisecond)
	}
	return min(d, 30*time.Second)
}
