package tap

import (
	"bytes"

	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

// scripted is a server that answers every request with the same status,
// headers and body, written in the pieces given (each flushed), and then,
// if broken, breaks the connection instead of ending the body.
type scripted struct {
	status int
	header http.Header
	pieces [][]byte
	broken bool
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	for k, vs := range s.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(s.status)
	rc := http.NewResponseController(w)
	for _, p := range s.pieces {
		w.Write(p)
		rc.Flush()
	}
	if s.broken {
		panic(http.ErrAbortHandler)
	}
}

// fetch makes the same request to base+path and returns what the client
// got: status, the end-to-end headers, the body and how it ended.
func fetch(t *testing.T, method, url string, body []byte) (int, http.Header, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, rerr := io.ReadAll(resp.Body)
	h := resp.Header.Clone()
	h.Del("Date")
	return resp.StatusCode, h, got, rerr
}

// differential serves script directly and through the tap, and fails
// unless the client gets the same status, headers and bytes both ways.
func differential(t *testing.T, script *scripted, method string, reqBody []byte) []mcp.Event {
	t.Helper()
	srv := httptest.NewServer(script)
	defer srv.Close()
	tapURL, c, p := startTap(t, srv.URL+"/mcp")
	st1, h1, b1, e1 := fetch(t, method, srv.URL+"/mcp", reqBody)
	st2, h2, b2, e2 := fetch(t, method, tapURL, reqBody)
	if st1 != st2 {
		t.Fatalf("status %d direct, %d through the tap", st1, st2)
	}
	if !sameHeaders(h1, h2) {
		t.Fatalf("headers differ:\ndirect %v\ntapped %v", h1, h2)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("bytes differ:\ndirect %q\ntapped %q", b1, b2)
	}
	if (e1 == nil) != (e2 == nil) {
		t.Fatalf("the body ended with %v directly, %v through the tap", e1, e2)
	}
	p.Close()
	return c.events(1)
}

// sameHeaders compares headers, the framing ones aside (a proxy may send
// a body chunked that came with a length, or the reverse).
func sameHeaders(a, b http.Header) bool {
	clean := func(h http.Header) map[string][]string {
		m := map[string][]string{}
		for k, vs := range h {
			if k != "Content-Length" && k != "Transfer-Encoding" {
				m[k] = vs
			}
		}
		return m
	}
	ca, cb := clean(a), clean(b)
	if len(ca) != len(cb) {
		return false
	}
	for k, vs := range ca {
		if !slices.Equal(vs, cb[k]) {
			return false
		}
	}
	return true
}

// A stream of everything real servers send: comments (sse-starlette's
// pings, a BOM), unknown and gateway events, ids, retry, priming events,
// CRLF, CR and LF endings, an event split across writes.
var quirkyStream = [][]byte{
	[]byte("\xef\xbb\xbf: ping - 2025-06-01 12:00:00\r\n\r\n"),
	[]byte("retry: 1500\r\nid: 0\r\ndata:\r\n\r\n"),
	[]byte("event: keepalive\ndata: \n\n"),
	[]byte("event: heartbeat\rid: 7\rdata: {\"type\":\"keepalive\"}\r\r"),
	[]byte("id: 8\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"a\"}}\n"),
	[]byte("\n: half"),
	[]byte(" a comment\n\nfoo: bar\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"line1\\nline2\"}]}}\n\n"),
}

func TestForwardsSSEByteForByte(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			h := http.Header{"Content-Type": {"text/event-stream"}, "Cache-Control": {"no-cache"}, "X-Gateway": {"v1", "v2"}, "Mcp-Session-Id": {"abc"}}
			evs := differential(t, &scripted{status: 200, header: h, pieces: quirkyStream}, method,
				[]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}`))
			var kinds []string
			for _, e := range evs {
				kinds = append(kinds, e.Label())
			}
			all := strings.Join(kinds, " ")
			for _, want := range []string{"comment", "sse:prime", "sse:keepalive", "sse:heartbeat", "notifications/message", "result"} {
				if !strings.Contains(all, want) {
					t.Errorf("no %s in the log: %s", want, all)
				}
			}
		})
	}
}

func TestForwardsJSONAndErrorsByteForByte(t *testing.T) {
	for _, sc := range []*scripted{
		{status: 200, header: http.Header{"Content-Type": {"application/json"}, "Mcp-Session-Id": {"s1"}},
			pieces: [][]byte{[]byte(`{"jsonrpc":"2.0","id":1,`), []byte(`"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"x","version":"1"}}}` + "\n")}},
		{status: 202, header: http.Header{}},
		{status: 404, header: http.Header{"Content-Type": {"text/html"}}, pieces: [][]byte{[]byte("<html><title>Not here</title></html>")}},
		{status: 401, header: http.Header{"Www-Authenticate": {`Bearer resource_metadata="http://x/.well-known/oauth-protected-resource"`}}},
	} {
		differential(t, sc, http.MethodPost, []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
	}
}

// TestBrokenStreamStaysBroken: a stream the server breaks is broken for
// the client too, after the same bytes; the log says so.
func TestBrokenStreamStaysBroken(t *testing.T) {
	evs := differential(t, &scripted{status: 200, header: http.Header{"Content-Type": {"text/event-stream"}},
		pieces: quirkyStream[:3], broken: true}, http.MethodGet, nil)
	found := false
	for _, e := range evs {
		found = found || strings.Contains(e.Text, "stream broke")
	}
	if !found {
		t.Fatal("the log does not say the stream broke")
	}
}

// FuzzTapForwardsBytes: whatever a server sends, in whatever pieces, the
// client gets the same bytes with and without the tap.
func FuzzTapForwardsBytes(f *testing.F) {
	f.Add(bytes.Join(quirkyStream, nil), []byte{3, 50, 7}, true, false)
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":{}}`), []byte{5}, false, true)
	f.Add([]byte("event: endpoint\ndata: /messages?sessionId=1\n\nevent: message\r\ndata: {}\r\n\r\n"), []byte{1}, true, false)
	f.Fuzz(func(t *testing.T, body, cuts []byte, sse, post bool) {
		var pieces [][]byte
		for i := 0; len(body) > 0; i++ {
			n := len(body)
			if len(cuts) > 0 {
				n = min(n, int(cuts[i%len(cuts)])%64+1)
			}
			pieces = append(pieces, body[:n])
			body = body[n:]
		}
		ct := "application/json"
		if sse {
			ct = "text/event-stream"
		}
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		differential(t, &scripted{status: 200, header: http.Header{"Content-Type": {ct}}, pieces: pieces}, method,
			[]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	})
}
