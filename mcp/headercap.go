package mcp

import (
	"fmt"
	"net/http"
	"slices"
)

// Limits on what an event keeps of a server's response headers. net/http
// accepts up to 10 MB of them per response, and every response is logged
// and recorded: without a cap, a server answering each request with 8 MB
// of headers took the UI to 1.4 GB and its recording to 790 MB in 30
// refreshes of the lists.
const (
	// maxHeaderKept bounds the header bytes (names and values) one event
	// keeps.
	maxHeaderKept = 64 << 10
	// maxHeaderValue bounds one value kept; a longer value is replaced by
	// a note of its size. Values are never cut: half a value could end in
	// half a secret, which the scrubber would no longer recognise.
	maxHeaderValue = 8 << 10
	// maxHeaderName bounds a header name kept; a longer one is dropped.
	maxHeaderName = 256
)

// headerSize is the bytes of h's names and values.
func headerSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

// keepHeader returns what an event keeps of a server's headers: h itself
// when it is within the limits, else the headers in name order up to
// maxHeaderKept bytes, over-long values replaced by a note of their size
// and over-long names dropped, and a note saying so for the event.
func keepHeader(h http.Header) (http.Header, string) {
	total := headerSize(h)
	fits := total <= maxHeaderKept
	for k, vs := range h {
		fits = fits && len(k) <= maxHeaderName
		for _, v := range vs {
			fits = fits && len(v) <= maxHeaderValue
		}
	}
	if fits {
		return h, ""
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make(http.Header)
	kept := 0
outer:
	for _, k := range names {
		if len(k) > maxHeaderName {
			continue
		}
		for _, v := range h[k] {
			v = keepValue(v)
			if kept+len(k)+len(v) > maxHeaderKept {
				break outer
			}
			out[k] = append(out[k], v)
			kept += len(k) + len(v)
		}
	}
	return out, fmt.Sprintf("headers truncated: %s, kept %s", humanBytes(int64(total)), humanBytes(int64(kept)))
}

// keepValue is a header value as an event keeps it: whole, or a note of
// its size when it is longer than maxHeaderValue.
func keepValue(v string) string {
	if len(v) <= maxHeaderValue {
		return v
	}
	return fmt.Sprintf("[%s not kept]", humanBytes(int64(len(v))))
}

// contentType is the response's Content-Type as events and errors keep it.
func contentType(resp *http.Response) string {
	return keepValue(resp.Header.Get("Content-Type"))
}

// KeepHeader is what an event keeps of headers a peer sent, within the
// limits above, and a note for the event when something was left out:
// for the events of a session sonde watches (sonde tap) as for its own.
func KeepHeader(h http.Header) (http.Header, string) { return keepHeader(h) }
