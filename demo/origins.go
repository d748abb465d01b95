package demo

import (
	"bytes"
	"net"
	"net/http"
	"net/url"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Paths of the origin fixtures: a server that tries to move its client
// (and the client's credentials) to another origin. "Another origin" is
// the same listener under another host name: http://localhost:PORT when
// served on 127.0.0.1 or ::1, http://127.0.0.1:PORT otherwise. A careful
// client refuses both moves, or follows them without credentials.
const (
	// RedirectPath answers every request with 307 to [StreamablePath] on
	// the same origin (a client should follow it, credentials included).
	RedirectPath = "/redirect/mcp"
	// CrossOriginRedirectPath answers every request with 307 to
	// [StreamablePath] on the other origin.
	CrossOriginRedirectPath = "/redirect/other-origin/mcp"
	// CrossOriginSSEPath is a legacy HTTP+SSE endpoint whose `endpoint`
	// event names the other origin (absolute URL) instead of its own.
	CrossOriginSSEPath = "/sse/other-origin"
)

// otherOrigin is base (http://HOST:PORT) under the other host name.
func otherOrigin(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	host := "127.0.0.1"
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
		host = "localhost"
	}
	u.Host = net.JoinHostPort(host, u.Port())
	return u.String()
}

// mountOrigins adds the origin fixtures to mux and names their URLs in r.
func mountOrigins(mux *http.ServeMux, r *Running, base string, getServer func(*http.Request) *mcp.Server, legacy bool) {
	other := otherOrigin(base)
	mux.Handle(RedirectPath, http.RedirectHandler(StreamablePath, http.StatusTemporaryRedirect))
	mux.Handle(CrossOriginRedirectPath, http.RedirectHandler(other+StreamablePath, http.StatusTemporaryRedirect))
	r.RedirectURL = base + RedirectPath
	r.CrossOriginRedirectURL = base + CrossOriginRedirectPath
	if legacy {
		sse := mcp.NewSSEHandler(getServer, nil)
		mux.Handle(CrossOriginSSEPath, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			sse.ServeHTTP(&endpointRewriter{ResponseWriter: w, origin: other}, req)
		}))
		r.CrossOriginSSEURL = base + CrossOriginSSEPath
	}
}

// endpointRewriter makes go-sdk's relative endpoint event ("/sse/...?sessionid=")
// an absolute URL on another origin. go-sdk writes an event in one Write.
type endpointRewriter struct {
	http.ResponseWriter
	origin string
	done   bool
}

func (w *endpointRewriter) Write(b []byte) (int, error) {
	if !w.done && bytes.HasPrefix(b, []byte("event: endpoint\n")) {
		w.done = true
		_, err := w.ResponseWriter.Write(bytes.Replace(b, []byte("data: /"), []byte("data: "+w.origin+"/"), 1))
		return len(b), err
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush the stream.
func (w *endpointRewriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
