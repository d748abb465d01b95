package fault

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// maxInspect bounds a body read whole to find its messages; a longer one
// goes on untouched by the faults on messages.
const maxInspect = 64 << 20

// HTTP wraps next (nil: http.DefaultTransport) with the set's faults for
// one connection: a client's HTTP traffic with one server. report gets
// each fault as it is injected. A set without faults returns next as is.
// It implements [mcp.Faults] for sonde's own connections.
func (s *Set) HTTP(next http.RoundTripper, report func(mcp.Event)) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if s.Empty() {
		return next
	}
	return &transport{conn: conn{set: s, report: report}, next: next}
}

// transport is the fault-injecting http.RoundTripper.
type transport struct {
	conn
	next http.RoundTripper
}

// message is what a request body said: one JSON-RPC message's facts.
type message struct {
	rpc        mcp.RPCType
	method, id string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var msgs []message
	if req.Body != nil && req.Body != http.NoBody && req.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(req.Body, maxInspect+1))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		r2 := req.Clone(req.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r2.ContentLength = int64(len(body))
		req = r2
		if len(body) <= maxInspect {
			msgs = messagesIn(body)
		}
		for _, m := range msgs {
			if m.rpc == mcp.RPCRequest {
				t.methods.put(m.id, m.method)
			}
		}
	}
	sid := req.Header.Get("Mcp-Session-Id")
	if sid == "" {
		sid = mcp.LegacySessionID(req.URL)
	}
	if sid != "" {
		t.set.seeSession(sid)
		if f, ok := t.set.expired(sid); ok {
			t.emit(event(ExpireSession, req.Method, "", "", describe(f, "session %s has expired: answered the %s with 404", clip(sid), req.Method)))
			return answer(req, http.StatusNotFound, "application/json",
				`{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found (sonde fault: expire-session)"}}`), nil
		}
	}
	for _, m := range msgs {
		if m.rpc != mcp.RPCRequest {
			continue
		}
		if f := t.set.first(Status, m.method); f != nil && f.take() {
			e := event(Status, req.Method, m.id, m.method, describe(f, "answered %s with HTTP %d instead of sending it on", what(m.method, m.id), f.Code))
			e.Status = f.Code
			t.emit(e)
			return answer(req, f.Code, "text/plain; charset=utf-8",
				fmt.Sprintf("sonde fault: HTTP %d %s\n", f.Code, http.StatusText(f.Code))), nil
		}
	}
	for _, m := range msgs {
		if m.rpc != mcp.RPCRequest {
			continue
		}
		if f := t.set.first(Delay, m.method); f != nil && f.take() {
			t.emit(event(Delay, req.Method, m.id, m.method, describe(f, "held %s for %s before sending it on", what(m.method, m.id), f.Delay)))
			if err := sleep(req.Context(), f.Delay); err != nil {
				return nil, err
			}
			break
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if got := resp.Header.Get("Mcp-Session-Id"); got != "" {
		t.set.seeSession(got)
		if sid == "" {
			sid = got
		}
	}
	var only message // the one request a POST carried: its answer's method
	if n := requests(msgs); n == 1 {
		for _, m := range msgs {
			if m.rpc == mcp.RPCRequest {
				only = m
			}
		}
	}
	switch mediaType(resp) {
	case "text/event-stream":
		st := newStream(&t.conn, resp.Body, sseFrames, req.Method, only.id, only.method)
		resp.Body = st
		st.start(sid)
	case "application/json":
		if only.method != "" {
			return t.jsonAnswer(req, resp, only)
		}
	}
	return resp, nil
}

// jsonAnswer applies the faults on answers to a JSON answer: corrupt cuts
// its body, duplicate turns it into an SSE stream carrying it twice,
// reorder holds it until another answer went out.
func (t *transport) jsonAnswer(req *http.Request, resp *http.Response, m message) (*http.Response, error) {
	set := t.set
	corrupt, dup, reorder := set.first(Corrupt, m.method), set.first(Duplicate, m.method), set.first(Reorder, m.method)
	if corrupt == nil && dup == nil && reorder == nil && !set.swap.holding() {
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInspect+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) > maxInspect {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	if corrupt != nil && corrupt.take() {
		t.emit(event(Corrupt, req.Method, m.id, m.method, describe(corrupt, "truncated the answer to %s to %d of its %d bytes", what(m.method, m.id), len(body)/2, len(body))))
		body = body[:len(body)/2]
	}
	if dup != nil && dup.take() {
		t.emit(event(Duplicate, req.Method, m.id, m.method, describe(dup, "sent the answer to %s twice (as an SSE stream of two events)", what(m.method, m.id))))
		ev := "event: message\ndata: " + strings.ReplaceAll(string(body), "\n", "\ndata: ") + "\n\n"
		body = []byte(ev + ev)
		resp.Header = resp.Header.Clone()
		resp.Header.Set("Content-Type", "text/event-stream")
	}
	resp.Header = resp.Header.Clone()
	resp.Header.Del("Content-Length")
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if after := set.swap.overtake(); after != nil {
		t.emit(event(Reorder, req.Method, m.id, m.method, "sent the answer to "+what(m.method, m.id)+" before the one held back"))
		resp.Body = &afterClose{ReadCloser: resp.Body, after: after}
		return resp, nil
	}
	if reorder != nil && reorder.take() {
		sent := make(chan struct{})
		h, after := set.swap.hold(func() { close(sent) }, reorder.Wait, func() {
			t.emit(event(Reorder, req.Method, m.id, m.method, describe(reorder, "no other answer came within %s: sent the answer to %s on", reorder.Wait, what(m.method, m.id))))
		})
		if h == nil {
			t.emit(event(Reorder, req.Method, m.id, m.method, describe(reorder, "sent the answer to %s before the one held back", what(m.method, m.id))))
			resp.Body = &afterClose{ReadCloser: resp.Body, after: after}
			return resp, nil
		}
		t.emit(event(Reorder, req.Method, m.id, m.method, describe(reorder, "holding the answer to %s until the next answer has gone out", what(m.method, m.id))))
		select {
		case <-sent:
		case <-req.Context().Done():
			set.swap.cancel(h)
			return nil, req.Context().Err()
		}
	}
	return resp, nil
}

// afterClose runs after once its body was read and closed: the answer
// that overtook a held one has been handed over, the held one follows.
type afterClose struct {
	io.ReadCloser
	after func()
	done  bool
}

func (a *afterClose) Close() error {
	err := a.ReadCloser.Close()
	if !a.done {
		a.done = true
		a.after()
	}
	return err
}

// messagesIn lists the JSON-RPC messages of a body (one, or a batch).
func messagesIn(body []byte) []message {
	frames, err := mcp.DecodeFrame(body)
	if err != nil {
		return nil
	}
	out := make([]message, 0, len(frames))
	for _, f := range frames {
		rpc, method, id, err := mcp.Classify(f)
		if err == nil {
			out = append(out, message{rpc, method, id})
		}
	}
	return out
}

func requests(msgs []message) int {
	n := 0
	for _, m := range msgs {
		if m.rpc == mcp.RPCRequest {
			n++
		}
	}
	return n
}

// answer makes the response a fault gives instead of the server's.
func answer(req *http.Request, code int, contentType, body string) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, ContentLength: int64(len(body)),
		Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

func mediaType(resp *http.Response) string {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clip shortens a session id for fault texts.
func clip(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}
