package tap

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/fault"
	"github.com/sonde-mcp/sonde/mcp"
)

// Options configure a [Proxy].
type Options struct {
	// Upstream is the server's URL; the tap serves its paths.
	Upstream string
	// Faults are injected into every session's traffic (nil: none).
	Faults *fault.Set
	// SecretHeaders names headers whose values are always masked, besides
	// the ones named like credentials.
	SecretHeaders []string
	// MaxMessage caps a message the tap reads to log it (0 =
	// mcp.DefaultMaxMessage); a longer one is forwarded unread.
	MaxMessage int
	// KeepaliveMatch adds rules for keepalive data messages.
	KeepaliveMatch []mcp.KeepaliveRule
	// Insecure skips TLS verification towards the server.
	Insecure bool
	// Transport is the way to the server (nil: sonde's HTTP client, with
	// the proxies the environment names).
	Transport http.RoundTripper
	// OnSession is called as a client's session begins; its events go to
	// the sink it returns.
	OnSession func(SessionInfo) Sink
}

// Proxy is the HTTP tap: an http.Handler that forwards a client's
// requests to the server and the server's answers back, and turns both
// into events, one session per client session.
type Proxy struct {
	o    Options
	up   *url.URL
	base http.RoundTripper

	mu       sync.Mutex
	sessions map[string]*session // by "sid:ID", "legacy:ID", "stateless:CLIENT"
	all      []*session
	n        int
	closed   bool
}

// New returns a tap for o.Upstream.
func New(o Options) (*Proxy, error) {
	u, err := url.Parse(o.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--upstream %q is not an http(s) URL", mcp.RedactURL(o.Upstream))
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = mcp.DefaultMaxMessage
	}
	base := o.Transport
	if base == nil {
		base = (&mcp.Config{URL: o.Upstream, Insecure: o.Insecure}).Client().Transport
	}
	return &Proxy{o: o, up: u, base: base, sessions: map[string]*session{}}, nil
}

// Close ends every session (their last events are delivered before it
// returns, or after 5 s at most while requests are still under way).
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	all := p.all
	p.all = nil
	p.mu.Unlock()
	timeout := time.After(5 * time.Second)
	for _, s := range all {
		s.end("sonde tap stopped")
		select {
		case <-s.done:
		case <-timeout:
		}
	}
}

// message is what routing needs of one message a client sent.
type message struct {
	rpc        mcp.RPCType
	method, id string
}

func messagesIn(body []byte) []message {
	frames, err := mcp.DecodeFrame(body)
	if err != nil {
		return nil
	}
	var out []message
	for _, f := range frames {
		if rpc, method, id, err := mcp.Classify(f); err == nil {
			out = append(out, message{rpc, method, id})
		}
	}
	return out
}

// opens reports a request that begins a session: initialize, or the
// 2026-07-28 server/discover.
func opens(msgs []message) bool {
	for _, m := range msgs {
		if m.rpc == mcp.RPCRequest && (m.method == "initialize" || m.method == "server/discover") {
			return true
		}
	}
	return false
}

// clientOf says who sent r.
func clientOf(r *http.Request) string {
	c := r.RemoteAddr
	if ua := r.Header.Get("User-Agent"); ua != "" {
		c += " (" + ua + ")"
	}
	return c
}

// statelessKeys are the keys of a client that sends no session id
// (2026-07-28, or a stateless server): its address and User-Agent, and
// with them the client info a 2026-07-28 request carries in its _meta
// (or an initialize in its params) when there is one. A request is found
// by the most precise key it has; two copies of one client on one host
// are one session to the tap.
func statelessKeys(r *http.Request, body []byte) []string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	base := "stateless:" + host + " " + r.Header.Get("User-Agent")
	if c := clientName(body); c != "" {
		return []string{base + " " + c, base}
	}
	return []string{base}
}

// clientName is the name and version of the client a request names: in
// a 2026-07-28 request's _meta, or in an initialize request's params.
func clientName(body []byte) string {
	type impl struct{ Name, Version string }
	var m struct {
		Params struct {
			ClientInfo *impl `json:"clientInfo"`
			Meta       struct {
				Client *impl `json:"io.modelcontextprotocol/clientInfo"`
			} `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	c := m.Params.Meta.Client
	if c == nil {
		c = m.Params.ClientInfo
	}
	if c == nil {
		return ""
	}
	return c.Name + "/" + c.Version
}

// sessionFor finds the session a request belongs to, or begins one; the
// request is counted as under way in it.
func (p *Proxy) sessionFor(r *http.Request, body []byte, msgs []message) *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	sid := r.Header.Get("Mcp-Session-Id")
	find := func(key string) *session {
		if s := p.sessions[key]; s != nil && s.acquire() {
			return s
		}
		return nil
	}
	switch {
	case sid != "":
		if s := find("sid:" + sid); s != nil {
			return s
		}
		return p.begin(r, mcp.TransportHTTP, "sid:"+sid)
	case r.Method == http.MethodGet:
		// A GET without a session opens a legacy HTTP+SSE stream.
		return p.begin(r, mcp.TransportSSE)
	}
	if q := mcp.LegacySessionID(r.URL); q != "" {
		if s := find("legacy:" + q); s != nil {
			return s
		}
	}
	init := initializes(msgs)
	if opens(msgs) && !init {
		return p.begin(r, mcp.TransportHTTP) // server/discover
	}
	keys := statelessKeys(r, body)
	if s := find(keys[0]); s != nil {
		// An initialize goes on with a session that only probed
		// (server/discover answered by a legacy server); any other
		// begins a new one.
		if !init || !s.ob.Connected() && s.initialize() {
			return s
		}
		s.release()
	}
	s := p.begin(r, mcp.TransportHTTP, keys...)
	if init {
		s.initialize()
	}
	return s
}

// initializes reports an initialize request among msgs.
func initializes(msgs []message) bool {
	for _, m := range msgs {
		if m.rpc == mcp.RPCRequest && m.method == "initialize" {
			return true
		}
	}
	return false
}

// begin starts a session (p.mu held) under the keys given, counting the
// request that began it.
func (p *Proxy) begin(r *http.Request, kind mcp.TransportKind, keys ...string) *session {
	p.n++
	info := SessionInfo{N: p.n, Transport: kind, Client: clientOf(r), Target: mcp.RedactURL(p.o.Upstream), Start: time.Now()}
	var sink Sink
	if p.o.OnSession != nil {
		sink = p.o.OnSession(info)
	}
	secrets := (&mcp.Config{URL: p.o.Upstream}).Secrets()
	s := newSession(info, sink, secrets, p.o.SecretHeaders,
		mcp.ObserverOptions{MaxMessage: p.o.MaxMessage, KeepaliveMatch: p.o.KeepaliveMatch})
	s.active = 1
	for _, k := range keys {
		p.bindLocked(s, k)
	}
	if !p.closed {
		p.all = append(p.all, s)
	}
	return s
}

// bind files s under key too (a session id the server gave, a legacy
// endpoint's session).
func (p *Proxy) bind(s *session, key string) {
	p.mu.Lock()
	p.bindLocked(s, key)
	p.mu.Unlock()
}

func (p *Proxy) bindLocked(s *session, key string) {
	if old := p.sessions[key]; old == s {
		return
	}
	p.sessions[key] = s
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
}

// forget removes an ended session's keys.
func (p *Proxy) forget(s *session) {
	s.mu.Lock()
	keys := s.keys
	s.mu.Unlock()
	p.mu.Lock()
	for _, k := range keys {
		if p.sessions[k] == s {
			delete(p.sessions, k)
		}
	}
	for i, x := range p.all {
		if x == s {
			p.all = append(p.all[:i], p.all[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
}

// hopHeaders are the headers of one hop, never forwarded.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// endToEnd copies h without the hop-by-hop headers (and those Connection
// names).
func endToEnd(h http.Header) http.Header {
	out := h.Clone()
	for _, c := range h.Values("Connection") {
		for _, name := range strings.Split(c, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, k := range hopHeaders {
		out.Del(k)
	}
	return out
}

// ServeHTTP forwards one request of a client and its answer.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, whole, err := readBody(r, p.o.MaxMessage)
	if err != nil {
		http.Error(w, "sonde tap: reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var msgs []message
	if whole {
		msgs = messagesIn(body)
	}
	s := p.sessionFor(r, body, msgs)
	defer func() {
		s.release()
		select {
		case <-s.done:
			p.forget(s)
		default:
		}
	}()
	upURL := p.up.Scheme + "://" + p.up.Host + r.URL.RequestURI()
	s.em.Learn((&mcp.Config{URL: upURL, Header: r.Header, SecretHeaders: p.o.SecretHeaders}).Secrets()...)
	if v := r.Header.Get("MCP-Protocol-Version"); v != "" {
		s.ob.SetProtocol(v)
	}
	var rd io.Reader
	if r.Body != nil && r.Body != http.NoBody {
		rd = bytes.NewReader(body)
		if !whole {
			rd = io.MultiReader(rd, r.Body)
		}
	}
	up, err := http.NewRequestWithContext(r.Context(), r.Method, upURL, rd)
	if err != nil {
		http.Error(w, "sonde tap: "+err.Error(), http.StatusBadRequest)
		return
	}
	up.Header = endToEnd(r.Header)
	up.ContentLength = r.ContentLength
	if rd == nil {
		up.ContentLength = 0
	}
	via := p.logRequest(s, r, up, body, whole, msgs)

	resp, err := p.roundTrip(s, up)
	if err != nil {
		if r.Context().Err() != nil {
			s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Stream: r.Method, Text: "the client gave up on its " + r.Method + " before the server answered"})
			return
		}
		s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindError, Stream: r.Method, Err: "the server could not be reached: " + err.Error() + " (the client got 502)"})
		http.Error(w, "sonde tap: the server could not be reached: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid != "" {
		p.bind(s, "sid:"+sid)
		s.ob.SetSessionID(sid)
	} else if opens(msgs) {
		for _, k := range statelessKeys(r, body) { // its later requests carry no session id
			p.bind(s, k)
		}
	}
	header, note := mcp.KeepHeader(resp.Header)
	ev := &mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindHTTP, Stream: r.Method, HTTPMethod: r.Method, URL: upURL,
		Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Header: header, Text: note}
	out := endToEnd(resp.Header)
	p.rewriteLocation(out, r)
	for k, vs := range out {
		w.Header()[k] = vs
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "text/event-stream" {
		s.ob.Emit(ev)
		w.WriteHeader(resp.StatusCode)
		legacy := r.Method == http.MethodGet && r.Header.Get("Mcp-Session-Id") == ""
		p.stream(w, r, resp, s, via, legacy)
	} else {
		w.WriteHeader(resp.StatusCode)
		p.copyBody(w, resp, s, ev, via, mt)
	}
	switch {
	case r.Method == http.MethodDelete && resp.StatusCode < 300:
		s.end("the client ended the session (DELETE)")
	case resp.StatusCode == http.StatusNotFound && r.Header.Get("Mcp-Session-Id") != "":
		s.end("the server no longer knows the session (404)")
	}
}

// roundTrip sends up through the session's faults.
func (p *Proxy) roundTrip(s *session, up *http.Request) (*http.Response, error) {
	rt := p.base
	if p.o.Faults != nil {
		rt = p.o.Faults.HTTP(p.base, func(e mcp.Event) { s.ob.Emit(&e) })
	}
	return rt.RoundTrip(up)
}

// readBody reads a request's body up to max bytes; whole is false when
// there was more (the rest stays in r.Body).
func readBody(r *http.Request, max int) (body []byte, whole bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err != nil {
		return nil, false, err
	}
	if len(body) > max {
		return body, false, nil
	}
	return body, true, nil
}

// logRequest logs what the client sent; it returns the id of the one
// request a POST carried ("" otherwise), for the events of its answer.
func (p *Proxy) logRequest(s *session, r *http.Request, up *http.Request, body []byte, whole bool, msgs []message) (via string) {
	e := &mcp.Event{Stream: r.Method, HTTPMethod: r.Method, URL: up.URL.String(), Header: mcp.RedactHeader(r.Header, p.o.SecretHeaders)}
	switch {
	case !whole:
		e.Dir, e.Kind = mcp.DirOut, mcp.KindError
		e.Err = fmt.Sprintf("a request body over the %d-byte message limit was forwarded unread (raise --max-message)", p.o.MaxMessage)
		s.ob.Emit(e)
	case len(bytes.TrimSpace(body)) > 0 && r.Method == http.MethodPost:
		e.Raw, e.Bytes = body, int64(len(body))
		s.ob.FromClient(e)
	default:
		e.Dir, e.Kind = mcp.DirOut, mcp.KindHTTP
		s.ob.Emit(e)
	}
	n := 0
	for _, m := range msgs {
		if m.rpc == mcp.RPCRequest {
			n++
			via = m.id
		}
	}
	if n != 1 {
		via = ""
	}
	return via
}

// rewriteLocation points a redirect on the server's origin at the tap.
func (p *Proxy) rewriteLocation(h http.Header, r *http.Request) {
	loc := h.Get("Location")
	if loc == "" {
		return
	}
	if u, err := url.Parse(loc); err == nil && u.IsAbs() && mcp.Origin(u) == mcp.Origin(p.up) {
		u.Scheme, u.Host = "http", r.Host
		h.Set("Location", u.String())
	}
}

// copyBody forwards a body that is no SSE stream and logs it: the HTTP
// status (with the start of an error's body), then a JSON answer as the
// messages it holds.
func (p *Proxy) copyBody(w http.ResponseWriter, resp *http.Response, s *session, ev *mcp.Event, via, mt string) {
	keep := &capped{max: p.o.MaxMessage}
	_, err := io.Copy(w, io.TeeReader(resp.Body, keep))
	if resp.StatusCode >= 400 {
		ev.Body, ev.Truncated = keep.head(mcp.MaxErrorBody)
	}
	s.ob.Emit(ev)
	data := keep.b
	if gz := resp.Header.Get("Content-Encoding"); strings.EqualFold(gz, "gzip") && !keep.over {
		if zr, zerr := gzip.NewReader(bytes.NewReader(data)); zerr == nil {
			data, _ = io.ReadAll(io.LimitReader(zr, int64(p.o.MaxMessage)))
		}
	}
	switch {
	case err != nil:
		s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindError, Stream: ev.Stream, Err: "forwarding the answer: " + err.Error()})
	case keep.over:
		s.ob.Emit(&mcp.Event{Dir: mcp.DirIn, Kind: mcp.KindError, Stream: ev.Stream, Bytes: keep.n,
			Err: fmt.Sprintf("an answer over the %d-byte message limit was forwarded unread (raise --max-message)", p.o.MaxMessage)})
	case mt == "application/json" && len(bytes.TrimSpace(data)) > 0:
		s.ob.FromServer(&mcp.Event{Stream: ev.Stream, Via: via, Status: resp.StatusCode, ContentType: ev.ContentType,
			Raw: data, Bytes: int64(len(data))})
	}
}

// capped keeps the first max bytes written to it.
type capped struct {
	b    []byte
	max  int
	n    int64
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if room := c.max - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	if c.n > int64(c.max) {
		c.over = true
	}
	return len(p), nil
}

// head is the start of what was kept, for an error's body.
func (c *capped) head(n int) (string, int64) {
	if len(c.b) <= n && !c.over {
		return string(c.b), 0
	}
	return string(c.b[:min(n, len(c.b))]), c.n
}

// stream forwards an SSE body as it arrives, flushing every read, and
// logs what the client got (comments, unknown events, ids and retry
// included). A stream the server broke (or a fault cut) is broken for the
// client too.
func (p *Proxy) stream(w http.ResponseWriter, r *http.Request, resp *http.Response, s *session, via string, legacy bool) {
	rc := http.NewResponseController(w)
	rc.Flush()
	var rw *endpointRewriter
	if legacy {
		rw = &endpointRewriter{up: p.up, tap: "http://" + r.Host, onEndpoint: func(raw string) {
			if u, err := url.Parse(strings.TrimSpace(raw)); err == nil {
				if q := mcp.LegacySessionID(u); q != "" {
					p.bind(s, "legacy:"+q)
					s.ob.SetSessionID(q)
				}
				if u.IsAbs() && mcp.Origin(u) != mcp.Origin(p.up) {
					s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Stream: "GET",
						Text: "the endpoint is on another origin (" + mcp.Origin(u) + "): the client posts there, past the tap"})
				}
			}
		}}
	}
	f := newFeed()
	decoded := io.Reader(f)
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		decoded = &lazyGzip{r: f}
	}
	analysed := make(chan error, 1)
	go func() {
		err := s.ob.ServerStream(decoded, r.Method, via, func(string) {})
		io.Copy(io.Discard, f) // the analysis may stop early (a broken event): keep the feed flowing
		analysed <- err
	}()
	buf := make([]byte, 32<<10)
	var upErr, werr error
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			out := buf[:n]
			if rw != nil {
				out = rw.process(out)
			}
			if werr = p.send(w, rc, f, out); werr != nil {
				break
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				upErr = err
			}
			break
		}
	}
	if rw != nil && werr == nil {
		werr = p.send(w, rc, f, rw.flush())
	}
	f.close()
	<-analysed
	why := "the server ended the " + r.Method + " stream"
	switch {
	case werr != nil || r.Context().Err() != nil:
		why = "the client closed the " + r.Method + " stream"
		upErr = nil
	case upErr != nil:
		why = "the " + r.Method + " stream broke: " + upErr.Error() + " (broken for the client too)"
	}
	if r.Method != http.MethodPost || upErr != nil {
		// (a POST's stream ends after its answer, by either side: no note)
		s.ob.Emit(&mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Stream: r.Method, Text: why})
	}
	if legacy {
		s.end("the legacy SSE stream ended: " + strings.TrimPrefix(why, "the "))
	}
	if upErr != nil {
		// End the client's stream as broken (no clean end of the chunked
		// body), as the server's was.
		panic(http.ErrAbortHandler)
	}
}

// send writes to the client, flushes, and hands the bytes to the log.
func (p *Proxy) send(w http.ResponseWriter, rc *http.ResponseController, f *feed, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := rc.Flush(); err != nil {
		return err
	}
	f.put(bytes.Clone(b))
	return nil
}

// feed hands a forwarded stream's bytes to its log's reader, in order;
// put waits while the reader is far behind.
type feed struct {
	ch   chan []byte
	cur  []byte
	once sync.Once
}

func newFeed() *feed { return &feed{ch: make(chan []byte, 256)} }

func (f *feed) put(b []byte) { f.ch <- b }

func (f *feed) close() { f.once.Do(func() { close(f.ch) }) }

func (f *feed) Read(p []byte) (int, error) {
	for len(f.cur) == 0 {
		b, ok := <-f.ch
		if !ok {
			return 0, io.EOF
		}
		f.cur = b
	}
	n := copy(p, f.cur)
	f.cur = f.cur[n:]
	return n, nil
}

// lazyGzip decompresses a gzip stream, opening it at the first read (its
// header comes with the first bytes).
type lazyGzip struct {
	r  io.Reader
	zr *gzip.Reader
}

func (l *lazyGzip) Read(p []byte) (int, error) {
	if l.zr == nil {
		zr, err := gzip.NewReader(l.r)
		if err != nil {
			return 0, err
		}
		l.zr = zr
	}
	return l.zr.Read(p)
}
