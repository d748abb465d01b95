package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

// ErrNotHTTP is returned by [ExportHAR] for a recording of a stdio session.
var ErrNotHTTP = errors.New("HAR needs an HTTP transport (Streamable HTTP or legacy HTTP+SSE); this recording is of a stdio server")

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the subset
// browser devtools import.
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
	Comment string     `json:"comment,omitempty"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Comment         string      `json:"comment,omitempty"`
}

type harRequest struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []harNV     `json:"cookies"`
	Headers     []harNV     `json:"headers"`
	QueryString []harNV     `json:"queryString"`
	PostData    *harPostDat `json:"postData,omitempty"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

type harPostDat struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type harTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harBodyLimit caps one entry's body (a long SSE stream).
const harBodyLimit = 16 << 20

// build is an entry under construction.
type harBuild struct {
	method, url string
	reqHeader   http.Header
	reqBody     []byte
	start       time.Time
	status      int
	statusAt    time.Time
	end         time.Time
	respHeader  http.Header
	ctype       string
	sse         bool
	body        strings.Builder
	truncated   bool
	errBody     string // an HTTP error answer's body, from its status event
	errCut      int64  // its original size when the event holds only the start
	notes       []string
	redirectURL string // a 3xx's Location, resolved
}

func (b *harBuild) appendBody(s string) {
	if b.body.Len()+len(s) > harBodyLimit {
		b.truncated = true
		return
	}
	b.body.WriteString(s)
}

// sseText renders an event as the SSE block it came in.
func sseText(e *mcp.Event) string {
	var sb strings.Builder
	switch e.Kind {
	case mcp.KindComment:
		return ": " + e.Text + "\n\n"
	case mcp.KindMessage:
		if e.SSEEvent != "" {
			sb.WriteString("event: " + e.SSEEvent + "\n")
		}
		if e.SSEID != "" {
			sb.WriteString("id: " + e.SSEID + "\n")
		}
		sb.WriteString("data: " + strings.ReplaceAll(string(e.Raw), "\n", "\ndata: ") + "\n\n")
	case mcp.KindSSE:
		if e.SSEEvent != "" {
			sb.WriteString("event: " + e.SSEEvent + "\n")
		}
		if e.SSEID != "" {
			sb.WriteString("id: " + e.SSEID + "\n")
		}
		if e.SSERetry > 0 {
			fmt.Fprintf(&sb, "retry: %d\n", e.SSERetry)
		}
		if e.Text != "" && e.Text != "(empty data)" && !strings.HasPrefix(e.Text, "retry: ") {
			sb.WriteString("data: " + strings.ReplaceAll(e.Text, "\n", "\ndata: ") + "\n")
		} else if e.SSERetry == 0 || e.Text == "(empty data)" {
			sb.WriteString("data:\n")
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// ExportHAR writes the HTTP exchanges of a recording as a HAR 1.2 file that
// browser devtools can import: one entry per POST (the JSON-RPC message as
// its body, the answer, JSON or SSE, as the response), one per GET stream
// (the SSE stream as received, keepalive comments included) and one per
// DELETE. Headers appear as recorded (secrets already removed). Answers
// that arrived on another stream (legacy HTTP+SSE) are in that stream's
// entry, and the POST's comment says so.
func ExportHAR(w io.Writer, r *Reader) error {
	if r.Header().Transport == mcp.TransportStdio {
		return ErrNotHTTP
	}
	if err := r.Seek(0); err != nil {
		return err
	}
	type reqKey struct {
		seq uint64
		at  time.Time // sequence numbers restart with each session
	}
	var (
		all      []*harBuild
		awaiting = map[string][]*harBuild{} // "METHOD url" → entries waiting for a status
		posts    = map[reqKey]*harBuild{}   // JSON-RPC request event → the POST carrying it
		stream   *harBuild                  // the current GET stream
		sseOpen  []*harBuild                // POSTs answering with SSE, newest last
		hopTo    = map[string]*harBuild{}   // "METHOD url" → the redirect leading there
		st       = session.New()            // pairs answers with requests, as the UI does
	)
	key := func(method, u string) string { return method + " " + u }
	for e, err := range r.Events() {
		if err != nil {
			return err
		}
		ch := st.Apply(e)
		// the POST that carried the request this event answers, cancels
		// or reports lost
		var asked *harBuild
		if sp := ch.Span; sp != nil && sp.Done && sp.EndSeq == e.Seq {
			asked = posts[reqKey{sp.StartSeq, sp.Start}]
		}
		switch {
		case e.Dir == mcp.DirOut && e.HTTPMethod != "" && (e.Kind == mcp.KindMessage || e.Kind == mcp.KindHTTP):
			b := &harBuild{method: e.HTTPMethod, url: e.URL, reqHeader: e.Header, start: e.Time, end: e.Time}
			if e.Kind == mcp.KindMessage {
				b.reqBody = e.Raw
				if e.RPC == mcp.RPCRequest {
					posts[reqKey{e.Seq, e.Time}] = b
				}
			}
			k := key(e.HTTPMethod, e.URL)
			if prev := hopTo[k]; prev != nil && e.Kind == mcp.KindHTTP {
				// The next hop of a redirected request: it carries the
				// body (307/308 repeat it) and gets the answers.
				delete(hopTo, k)
				if prev.method == e.HTTPMethod {
					b.reqBody = prev.reqBody
				}
				for k, x := range posts {
					if x == prev {
						posts[k] = b
					}
				}
			}
			if e.HTTPMethod == http.MethodGet {
				stream = b
			}
			all = append(all, b)
			awaiting[k] = append(awaiting[k], b)
		case e.Dir == mcp.DirIn && e.Kind == mcp.KindHTTP && e.Status != 0:
			k := key(e.HTTPMethod, e.URL)
			q := awaiting[k]
			if len(q) == 0 {
				continue
			}
			b := q[0]
			awaiting[k] = q[1:]
			b.status, b.statusAt, b.end = e.Status, e.Time, e.Time
			b.respHeader, b.ctype = e.Header, e.ContentType
			b.errBody, b.errCut = e.Body, e.Truncated
			if loc := e.Header.Get("Location"); e.Status >= 300 && e.Status < 400 && loc != "" {
				if u, err := url.Parse(e.URL); err == nil {
					if l, err := u.Parse(loc); err == nil {
						b.redirectURL = l.String()
						// Go's rule: 301/302/303 turn a POST into a GET.
						next := b.method
						if e.Status <= http.StatusSeeOther && next != http.MethodGet && next != http.MethodHead {
							next = http.MethodGet
						}
						hopTo[key(next, mcp.RedactURL(b.redirectURL))] = b
					}
				}
			}
			mt, _, _ := mime.ParseMediaType(e.ContentType)
			b.sse = mt == "text/event-stream"
			if b.sse && b.method == http.MethodPost {
				sseOpen = append(sseOpen, b)
			}
		case e.Kind == mcp.KindMessage && e.Dir == mcp.DirIn && e.Stream == "POST":
			var b *harBuild
			if e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse {
				b = asked
			} else if len(sseOpen) > 0 {
				b = sseOpen[len(sseOpen)-1]
			}
			if b == nil {
				continue
			}
			if b.sse {
				b.appendBody(sseText(&e))
			} else {
				b.appendBody(string(e.Raw))
			}
			b.end = e.Time
			if e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse {
				sseOpen = slices.DeleteFunc(sseOpen, func(x *harBuild) bool { return x == b })
			}
		case e.Dir == mcp.DirIn && e.Stream == "GET" && stream != nil:
			stream.appendBody(sseText(&e))
			stream.end = e.Time
			if b := asked; b != nil && b != stream && e.Kind == mcp.KindMessage {
				b.notes = append(b.notes, fmt.Sprintf("the JSON-RPC answer arrived on the GET stream %s after the request", fmtMillis(e.Time.Sub(b.start))))
			}
		case e.Kind == mcp.KindError && e.ID != "":
			if b := asked; b != nil {
				b.notes = append(b.notes, e.Err)
			}
		}
	}
	out := harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: "sonde", Version: mcp.Version},
		Entries: []harEntry{}}}
	h := r.Header()
	out.Log.Comment = fmt.Sprintf("sonde recording of %s (%s, protocol %s)", h.Target, h.Transport, h.Protocol)
	for _, b := range all {
		out.Log.Entries = append(out.Log.Entries, b.entry())
	}
	slices.SortStableFunc(out.Log.Entries, func(a, b harEntry) int { return strings.Compare(a.StartedDateTime, b.StartedDateTime) })
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (b *harBuild) entry() harEntry {
	e := harEntry{StartedDateTime: b.start.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	e.Request = harRequest{Method: b.method, URL: b.url, HTTPVersion: "HTTP/1.1", Cookies: []harNV{},
		Headers: harHeaders(b.reqHeader), QueryString: []harNV{}, HeadersSize: -1, BodySize: len(b.reqBody)}
	if u, err := url.Parse(b.url); err == nil {
		for k, vs := range u.Query() {
			for _, v := range vs {
				e.Request.QueryString = append(e.Request.QueryString, harNV{k, v})
			}
		}
		slices.SortFunc(e.Request.QueryString, func(a, b harNV) int { return strings.Compare(a.Name, b.Name) })
	}
	if len(b.reqBody) > 0 {
		e.Request.PostData = &harPostDat{MimeType: "application/json", Text: string(b.reqBody)}
	}
	text := b.body.String()
	if text == "" {
		text = b.errBody // an error answer that was no JSON-RPC message
	}
	mimeType := b.ctype
	if mimeType == "" {
		mimeType = "x-unknown"
	}
	e.Response = harResponse{Status: b.status, StatusText: http.StatusText(b.status), HTTPVersion: "HTTP/1.1",
		Cookies: []harNV{}, Headers: harHeaders(b.respHeader), HeadersSize: -1, BodySize: len(text),
		Content: harContent{Size: len(text), MimeType: mimeType, Text: text}, RedirectURL: mcp.RedactURL(b.redirectURL)}
	if b.status == 0 {
		e.Response.StatusText = "(no response recorded)"
		e.Response.BodySize = -1
	}
	switch {
	case b.truncated:
		e.Response.Content.Comment = fmt.Sprintf("body truncated at %d bytes", harBodyLimit)
	case text == b.errBody && b.errCut != 0:
		e.Response.Content.Comment = fmt.Sprintf("error body: the recording keeps its first %d bytes", mcp.MaxErrorBody)
		if b.errCut > 0 {
			e.Response.BodySize, e.Response.Content.Size = int(b.errCut), int(b.errCut)
			e.Response.Content.Comment += fmt.Sprintf(" of %d", b.errCut)
		}
	}
	statusAt := b.statusAt
	if statusAt.IsZero() {
		statusAt = b.start
	}
	end := b.end
	if end.Before(statusAt) {
		end = statusAt
	}
	e.Timings = harTimings{Blocked: -1, DNS: -1, Connect: -1, Send: 0,
		Wait: millis(statusAt.Sub(b.start)), Receive: millis(end.Sub(statusAt))}
	e.Time = e.Timings.Send + e.Timings.Wait + e.Timings.Receive
	e.Comment = strings.Join(b.notes, "; ")
	return e
}

func harHeaders(h http.Header) []harNV {
	out := []harNV{}
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, harNV{k, v})
		}
	}
	slices.SortFunc(out, func(a, b harNV) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func millis(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return float64(d.Microseconds()) / 1000
}

func fmtMillis(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
