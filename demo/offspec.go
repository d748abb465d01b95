package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Servers that do not follow the specification, as they exist in the
// wild, for sonde's --endpoint, --lenient and raw composer to be tried on.
//
// The split-endpoint server ([SplitStreamPath], [SplitPostPath]) is the
// FastMCP-style pattern: GET /notifications opens an SSE stream whose
// first event is the plain line `data: Connected to session ID` (no
// `endpoint` event); JSON-RPC is POSTed to /mcp?session_id=ID, answered
// 202 Accepted, and the answers come down the stream. Its initialize
// answer uses snake_case (protocol_version, server_info); it takes plain
// methods (echo, add) as well as tools/list and tools/call (whose tools
// have an input_schema, not an inputSchema); it sends `data:
// {"type":"keepalive"}` every [OffSpecOptions.Keepalive].
//
// The event-named server ([EventsStreamPath], [EventsPostPath]) is not
// JSON-RPC at all: GET /events sends `event: session` with
// {"session_id":ID}, then `event: tools` with its tool list (a JSON
// array); calls are POSTs of {"session_id", "tool", "args"} to /call,
// answered 202, and their outcome arrives as `event: result` or `event:
// error`; `data: heartbeat` keeps the stream busy.

// Paths of the off-spec servers.
const (
	SplitStreamPath  = "/notifications"
	SplitPostPath    = "/mcp"
	EventsStreamPath = "/events"
	EventsPostPath   = "/call"
)

// SplitEndpoint and EventsEndpoint are the --endpoint templates of the two
// servers, relative to their stream URLs.
const (
	SplitEndpoint  = SplitPostPath + "?session_id={session}"
	EventsEndpoint = EventsPostPath
)

// OffSpecOptions configure [NewOffSpecHandler].
type OffSpecOptions struct {
	// Keepalive is the interval of the keepalive data messages (0: 30 s,
	// as the pattern's servers do; <0: none).
	Keepalive time.Duration
	// KeepaliveData is the keepalive message of the split-endpoint
	// server (empty: {"type":"keepalive"}); a shape sonde does not know by
	// itself is what --keepalive-match is for.
	KeepaliveData string
}

// OffSpec serves both off-spec servers; it is an http.Handler.
type OffSpec struct {
	opts OffSpecOptions
	mux  *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*offSession
	posts    []OffSpecPost
}

// OffSpecPost is one POST an off-spec server received, for tests.
type OffSpecPost struct {
	Path, Query string
	Header      http.Header
	Body        string
}

type offSession struct {
	kind string      // "split" or "events"
	out  chan string // SSE blocks to write
}

// NewOffSpecHandler returns the two off-spec servers on one handler.
func NewOffSpecHandler(opts OffSpecOptions) *OffSpec {
	if opts.Keepalive == 0 {
		opts.Keepalive = 30 * time.Second
	}
	o := &OffSpec{opts: opts, mux: http.NewServeMux(), sessions: map[string]*offSession{}}
	o.mux.HandleFunc("GET "+SplitStreamPath, func(w http.ResponseWriter, r *http.Request) { o.stream(w, r, "split") })
	o.mux.HandleFunc("GET "+EventsStreamPath, func(w http.ResponseWriter, r *http.Request) { o.stream(w, r, "events") })
	o.mux.HandleFunc("POST "+SplitPostPath, o.splitPost)
	o.mux.HandleFunc("POST "+EventsPostPath, o.eventsPost)
	return o
}

func (o *OffSpec) ServeHTTP(w http.ResponseWriter, r *http.Request) { o.mux.ServeHTTP(w, r) }

// Posts returns the POSTs received so far.
func (o *OffSpec) Posts() []OffSpecPost {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OffSpecPost(nil), o.posts...)
}

// Sessions counts the streams open now.
func (o *OffSpec) Sessions() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sessions)
}

func newSessionID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// stream serves one SSE stream until the client goes.
func (o *OffSpec) stream(w http.ResponseWriter, r *http.Request, kind string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "no streaming", http.StatusInternalServerError)
		return
	}
	id := newSessionID()
	s := &offSession{kind: kind, out: make(chan string, 64)}
	o.mu.Lock()
	o.sessions[id] = s
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		delete(o.sessions, id)
		o.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	keepalive := `data: {"type":"keepalive"}`
	if o.opts.KeepaliveData != "" {
		keepalive = "data: " + o.opts.KeepaliveData
	}
	if kind == "split" {
		fmt.Fprintf(w, "data: Connected to session %s\n\n", id)
	} else {
		keepalive = "data: heartbeat"
		fmt.Fprintf(w, "event: session\ndata: {\"session_id\":%q}\n\n", id)
		tools, _ := json.Marshal(eventTools)
		fmt.Fprintf(w, "event: tools\ndata: %s\n\n", tools)
	}
	fl.Flush()
	var tick <-chan time.Time
	if o.opts.Keepalive > 0 {
		t := time.NewTicker(o.opts.Keepalive)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case b := <-s.out:
			io.WriteString(w, b)
		case <-tick:
			io.WriteString(w, keepalive+"\n\n")
		}
		fl.Flush()
	}
}

// session finds the stream a POST belongs to and records the POST.
func (o *OffSpec) session(r *http.Request, id, kind string, body []byte) *offSession {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.posts = append(o.posts, OffSpecPost{Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)})
	if s := o.sessions[id]; s != nil && s.kind == kind {
		return s
	}
	return nil
}

// send queues an SSE block on a stream; a stream whose client stopped
// reading loses it rather than holding the POST.
func (s *offSession) send(block string) {
	select {
	case s.out <- block:
	case <-time.After(5 * time.Second):
	}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return b, true
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// splitPost takes one JSON-RPC message for a split-endpoint session.
func (o *OffSpec) splitPost(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	s := o.session(r, r.URL.Query().Get("session_id"), "split", body)
	if s == nil {
		jsonError(w, http.StatusNotFound, "unknown session")
		return
	}
	var msg struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Method == "" {
		jsonError(w, http.StatusBadRequest, "expected a JSON-RPC request")
		return
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "Accepted")
	if len(msg.ID) == 0 || string(msg.ID) == "null" {
		return // a notification: nothing to answer
	}
	result, rpcErr := splitAnswer(msg.Method, msg.Params)
	answer := map[string]any{"jsonrpc": "2.0", "id": msg.ID}
	if rpcErr != nil {
		answer["error"] = rpcErr
	} else {
		answer["result"] = result
	}
	b, _ := json.Marshal(answer)
	go s.send("data: " + string(b) + "\n\n")
}

type offError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// splitTools are the split server's tools, with snake_case schemas.
var splitTools = []map[string]any{
	{"name": "echo", "description": "Echo the text back", "input_schema": map[string]any{"type": "object",
		"properties": map[string]any{"text": map[string]any{"type": "string"}}, "required": []string{"text"}}},
	{"name": "add", "description": "Add two numbers", "input_schema": map[string]any{"type": "object",
		"properties": map[string]any{"a": map[string]any{"type": "number"}, "b": map[string]any{"type": "number"}}, "required": []string{"a", "b"}}},
}

// splitAnswer answers one split-endpoint request.
func splitAnswer(method string, params json.RawMessage) (any, *offError) {
	var args struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	json.Unmarshal(params, &args)
	switch method {
	case "initialize":
		return map[string]any{"protocol_version": "2024-11-05",
			"server_info":  map[string]string{"name": "split-demo", "version": "0.1.0"},
			"capabilities": map[string]any{"tools": map[string]any{}}}, nil
	case "ping":
		return map[string]any{}, nil
	case "tools/list":
		return map[string]any{"tools": splitTools}, nil
	case "echo", "add":
		out, err := splitTool(method, params)
		if err != nil {
			return nil, &offError{-32602, err.Error()}
		}
		return out, nil
	case "tools/call":
		out, err := splitTool(args.Name, args.Arguments)
		if err != nil {
			return map[string]any{"isError": true, "content": []map[string]string{{"type": "text", "text": err.Error()}}}, nil
		}
		b, _ := json.Marshal(out)
		return map[string]any{"content": []map[string]string{{"type": "text", "text": string(b)}}}, nil
	}
	return nil, &offError{-32601, "method not found: " + method}
}

func splitTool(name string, params json.RawMessage) (map[string]any, error) {
	var a struct {
		Text *string  `json:"text"`
		A    *float64 `json:"a"`
		B    *float64 `json:"b"`
	}
	if len(params) > 0 && json.Unmarshal(params, &a) != nil {
		return nil, errors.New("arguments must be an object")
	}
	switch name {
	case "echo":
		if a.Text == nil {
			return nil, errors.New("echo needs text")
		}
		return map[string]any{"text": *a.Text}, nil
	case "add":
		if a.A == nil || a.B == nil {
			return nil, errors.New("add needs a and b")
		}
		return map[string]any{"sum": *a.A + *a.B}, nil
	}
	return nil, errors.New("no such tool: " + name)
}

// eventTools are the event-named server's tools, announced in `event: tools`.
var eventTools = []map[string]any{
	{"name": "add", "description": "Add two numbers", "parameters": map[string]any{"type": "object",
		"properties": map[string]any{"a": map[string]any{"type": "number"}, "b": map[string]any{"type": "number"}}, "required": []string{"a", "b"}}},
	{"name": "shout", "description": "Upper-case the text", "parameters": map[string]any{"type": "object",
		"properties": map[string]any{"text": map[string]any{"type": "string"}}, "required": []string{"text"}}},
}

// eventsPost takes one {session_id, tool, args} call.
func (o *OffSpec) eventsPost(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var call struct {
		SessionID string          `json:"session_id"`
		Tool      string          `json:"tool"`
		Args      json.RawMessage `json:"args"`
	}
	if json.Unmarshal(body, &call) != nil || call.Tool == "" {
		o.session(r, "", "", body)
		jsonError(w, http.StatusBadRequest, "expected {session_id, tool, args}")
		return
	}
	s := o.session(r, call.SessionID, "events", body)
	if s == nil {
		jsonError(w, http.StatusNotFound, "unknown session")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"queued"}`)
	var a struct {
		A    *float64 `json:"a"`
		B    *float64 `json:"b"`
		Text *string  `json:"text"`
	}
	json.Unmarshal(call.Args, &a)
	var out map[string]any
	switch {
	case call.Tool == "add" && a.A != nil && a.B != nil:
		out = map[string]any{"tool": "add", "result": *a.A + *a.B}
	case call.Tool == "shout" && a.Text != nil:
		out = map[string]any{"tool": "shout", "result": strings.ToUpper(*a.Text)}
	case call.Tool == "add" || call.Tool == "shout":
		out = map[string]any{"tool": call.Tool, "error": "missing arguments"}
	default:
		out = map[string]any{"tool": call.Tool, "error": "unknown tool"}
	}
	name := "result"
	if _, bad := out["error"]; bad {
		name = "error"
	}
	b, _ := json.Marshal(out)
	go s.send("event: " + name + "\ndata: " + string(b) + "\n\n")
}

// RunningOffSpec is the off-spec servers served on loopback.
type RunningOffSpec struct {
	// Handler is the servers (their POSTs, for tests).
	*OffSpec
	// SplitURL and EventsURL are the stream URLs to give sonde, with
	// --endpoint SplitEndpoint and --endpoint EventsEndpoint.
	SplitURL, EventsURL string
	srv                 *http.Server
	stop                context.CancelFunc // ends the streams
	done                chan struct{}
}

// ServeOffSpec serves both off-spec servers on a loopback listener (addr
// "" picks a free port on 127.0.0.1) until ctx ends or Close.
func ServeOffSpec(ctx context.Context, addr string, opts OffSpecOptions) (*RunningOffSpec, error) {
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	h := NewOffSpecHandler(opts)
	life, stop := context.WithCancel(context.Background())
	r := &RunningOffSpec{OffSpec: h, SplitURL: base + SplitStreamPath, EventsURL: base + EventsStreamPath, stop: stop,
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
			BaseContext: func(net.Listener) context.Context { return life }}, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.srv.Serve(ln)
	}()
	go func() {
		select {
		case <-ctx.Done():
			r.Close()
		case <-r.done:
		}
	}()
	return r, nil
}

// Close stops the servers and their streams.
func (r *RunningOffSpec) Close() error {
	r.stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	if err != nil {
		err = r.srv.Close()
	}
	<-r.done
	return err
}
