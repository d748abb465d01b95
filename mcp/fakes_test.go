package mcp

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAnswer is the behaviour shared by the fake servers below: it answers
// initialize, ping, tools/list and tools/call (echo, big, hang, fail).
// It returns nil for notifications, answers and requests it leaves unanswered.
func fakeAnswer(frame []byte) []byte {
	m, err := DecodeMessage(frame)
	if err != nil || m.Type() != RPCRequest {
		return nil
	}
	var result any
	switch m.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		json.Unmarshal(m.Params, &p)
		result = map[string]any{"protocolVersion": p.ProtocolVersion, "capabilities": map[string]any{"tools": map[string]any{}},
			"serverInfo": map[string]any{"name": "fake", "version": "1.0"}}
	case "ping":
		result = map[string]any{}
	case "tools/list":
		result = map[string]any{"tools": []any{map[string]any{"name": "echo", "inputSchema": map[string]any{"type": "object",
			"properties": map[string]any{"message": map[string]any{"type": "string"}, "n": map[string]any{"type": "integer"}}}}}}
	case "tools/call":
		var p struct {
			Name      string         `json:"name"`
			Arguments map[string]any `json:"arguments"`
		}
		json.Unmarshal(m.Params, &p)
		switch p.Name {
		case "hang":
			return nil
		case "big":
			n, _ := p.Arguments["size"].(float64)
			result = map[string]any{"content": []any{map[string]any{"type": "text", "text": strings.Repeat("x", int(n))}}}
		case "fail":
			result = map[string]any{"isError": true, "content": []any{map[string]any{"type": "text", "text": "it broke"}}}
		default:
			msg, _ := p.Arguments["message"].(string)
			result = map[string]any{"content": []any{map[string]any{"type": "text", "text": msg}}}
		}
	default:
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": m.ID, "error": map[string]any{"code": -32601, "message": "no such method"}})
		return b
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result})
	return b
}

// legacyFake is a 2024-11-05 HTTP+SSE server with the quirks of real ones:
// CRLF framing, an absolute or relative endpoint, `event: keepalive` and
// `: ping` comments, bearer auth on GET and POST.
type legacyFake struct {
	t        *testing.T
	base     string // set after httptest starts, for absolute endpoints
	crlf     bool
	absolute bool
	endpoint string // path of the POST endpoint, e.g. /servers/2/message
	query    string // session query parameter name
	bearer   string
	// keepaliveEvent sends `event: keepalive` + `data: {}` + retry at
	// connect and then this often; comment sends `: ping - <ts>` this often.
	keepaliveEvent time.Duration
	comment        time.Duration
	// onFrame lets a test answer differently (return nil to use fakeAnswer).
	onFrame func(frame []byte) [][]byte
	// answerFirst sends the answer on the stream before the POST's 202
	// (real servers often do); hold, if set, runs between the two, so a
	// test can keep the 202 back until the answer has done its work.
	answerFirst bool
	hold        func(frame []byte)

	mu       sync.Mutex
	sessions map[string]chan []byte
	gets     atomic.Int32
	posts    atomic.Int32
	postConn map[string]bool // client addresses POSTs came from
	seen     []http.Header
	nextSID  atomic.Int32
}

func (f *legacyFake) nl() string {
	if f.crlf {
		return "\r\n"
	}
	return "\n"
}

func (f *legacyFake) authOK(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	f.seen = append(f.seen, r.Header.Clone())
	f.mu.Unlock()
	if f.bearer != "" && r.Header.Get("Authorization") != "Bearer "+f.bearer {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gateway", error="invalid_token"`)
		http.Error(w, `{"detail":"Not authenticated"}`, http.StatusUnauthorized)
		return false
	}
	return true
}

func (f *legacyFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !f.authOK(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		f.serveStream(w, r)
	case http.MethodPost:
		if r.URL.Path != f.endpoint {
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		f.posts.Add(1)
		sid := r.URL.Query().Get(f.query)
		f.mu.Lock()
		if f.postConn == nil {
			f.postConn = map[string]bool{}
		}
		f.postConn[r.RemoteAddr] = true
		ch := f.sessions[sid]
		f.mu.Unlock()
		if ch == nil {
			http.Error(w, "Could not find session", http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var out [][]byte
		if f.onFrame != nil {
			out = f.onFrame(body)
		}
		if out == nil {
			if a := fakeAnswer(body); a != nil {
				out = [][]byte{a}
			}
		}
		push := func() {
			for _, o := range out {
				select {
				case ch <- o:
				case <-time.After(5 * time.Second):
				}
			}
		}
		if f.answerFirst {
			push()
			if f.hold != nil {
				f.hold(body)
			}
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte("Accepted"))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte("Accepted"))
		push()
	default:
		http.Error(w, "no", http.StatusMethodNotAllowed)
	}
}

func (f *legacyFake) serveStream(w http.ResponseWriter, r *http.Request) {
	f.gets.Add(1)
	sid := fmt.Sprintf("%032x", f.nextSID.Add(1))
	ch := make(chan []byte, 64)
	f.mu.Lock()
	if f.sessions == nil {
		f.sessions = map[string]chan []byte{}
	}
	f.sessions[sid] = ch
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.sessions, sid)
		f.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	nl := f.nl()
	ep := f.endpoint + "?" + f.query + "=" + sid
	if f.absolute {
		ep = f.base + ep
	}
	fmt.Fprintf(w, "event: endpoint%sdata: %s%s%s", nl, ep, nl, nl)
	if f.keepaliveEvent > 0 {
		fmt.Fprintf(w, "event: keepalive%sdata: {}%sretry: 5000%s%s", nl, nl, nl, nl)
	}
	fl.Flush()
	var kaC, cmC <-chan time.Time
	if f.keepaliveEvent > 0 {
		t := time.NewTicker(f.keepaliveEvent)
		defer t.Stop()
		kaC = t.C
	}
	if f.comment > 0 {
		t := time.NewTicker(f.comment)
		defer t.Stop()
		cmC = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case m := <-ch:
			fmt.Fprintf(w, "event: message%sdata: %s%s%s", nl, m, nl, nl)
		case <-kaC:
			fmt.Fprintf(w, "event: keepalive%sdata: {}%s%s", nl, nl, nl)
		case <-cmC:
			fmt.Fprintf(w, ": ping - %s%s%s", time.Now().UTC().Format("2006-01-02 15:04:05.000000+00:00"), nl, nl)
		}
		fl.Flush()
	}
}

// closeSessions ends every open stream (as a server restart would).
func (f *legacyFake) dropSessions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.sessions {
		delete(f.sessions, k)
	}
}

func (f *legacyFake) headers() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.seen...)
}

// streamFake is a Streamable HTTP server (2025-03-26 … 2025-11-25) whose
// quirks tests switch on.
type streamFake struct {
	json      bool // answer with application/json instead of SSE
	priming   bool // start SSE answers with a priming event (id, empty data)
	retryMS   int  // send retry: with the priming event
	goneCode  int  // status for an unknown session: 404 (spec) or 400 (TS SDK)
	getStatus int  // answer GET with this status (0 = open a stream)
	// getHeld, if set, receives each GET request; the GET is answered only
	// once getGate closes.
	getHeld chan struct{}
	getGate chan struct{}
	// custom handles a POSTed frame first; it returns true if it answered.
	custom func(w http.ResponseWriter, r *http.Request, m *Message, frame []byte) bool

	mu       sync.Mutex
	sessions map[string]bool
	resume   map[string][]byte // Last-Event-ID → answer frame to replay
	push     chan []byte       // messages for the GET stream
	nextSID  atomic.Int32
	nextEID  atomic.Int32
	posts    atomic.Int32
	gets     atomic.Int32
	deletes  atomic.Int32
	inits    atomic.Int32
	seen     []*http.Request
}

func (f *streamFake) expireAll() {
	f.mu.Lock()
	f.sessions = map[string]bool{}
	f.mu.Unlock()
}

func (f *streamFake) gone(w http.ResponseWriter) {
	code := f.goneCode
	if code == 0 {
		code = http.StatusNotFound
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if code == http.StatusBadRequest {
		w.Write([]byte(`{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}`))
	} else {
		w.Write([]byte(`{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}`))
	}
}

func (f *streamFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r)
	if f.sessions == nil {
		f.sessions = map[string]bool{}
	}
	known := f.sessions[r.Header.Get("Mcp-Session-Id")]
	f.mu.Unlock()
	switch r.Method {
	case http.MethodDelete:
		f.deletes.Add(1)
		w.WriteHeader(http.StatusOK)
		return
	case http.MethodGet:
		f.gets.Add(1)
		if !known {
			f.gone(w)
			return
		}
		if f.getGate != nil {
			if f.getHeld != nil {
				f.getHeld <- struct{}{}
			}
			select {
			case <-f.getGate:
			case <-r.Context().Done():
				return
			}
		}
		if f.getStatus != 0 {
			w.WriteHeader(f.getStatus)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		if last := r.Header.Get("Last-Event-ID"); last != "" {
			f.mu.Lock()
			frame := f.resume[last]
			f.mu.Unlock()
			if frame != nil {
				fmt.Fprintf(w, "id: r%d\ndata: %s\n\n", f.nextEID.Add(1), frame)
				w.(http.Flusher).Flush()
				return
			}
		}
		for {
			select {
			case <-r.Context().Done():
				return
			case m := <-f.push:
				fmt.Fprintf(w, "event: message\ndata: %s\n\n", m)
				w.(http.Flusher).Flush()
			}
		}
	case http.MethodPost:
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	f.posts.Add(1)
	frame, _ := io.ReadAll(r.Body)
	m, _ := DecodeMessage(frame)
	if m == nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if m.Method == "initialize" {
		f.inits.Add(1)
		sid := fmt.Sprintf("sess-%d", f.nextSID.Add(1))
		f.mu.Lock()
		f.sessions[sid] = true
		f.mu.Unlock()
		w.Header().Set("Mcp-Session-Id", sid)
	} else if !known {
		f.gone(w)
		return
	}
	if f.custom != nil && f.custom(w, r, m, frame) {
		return
	}
	answer := fakeAnswer(frame)
	if answer == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	f.writeAnswer(w, answer)
}

func (f *streamFake) writeAnswer(w http.ResponseWriter, answer []byte) {
	if f.json {
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	if f.priming {
		fmt.Fprintf(w, "id: p%d\n", f.nextEID.Add(1))
		if f.retryMS > 0 {
			fmt.Fprintf(w, "retry: %d\n", f.retryMS)
		}
		fmt.Fprint(w, "data: \n\n")
	}
	fmt.Fprintf(w, ": keepalive\n\nevent: message\nid: e%d\ndata: %s\n\n", f.nextEID.Add(1), answer)
}
