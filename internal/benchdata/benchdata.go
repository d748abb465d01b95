// Package benchdata holds the inputs that benchmarks in several packages
// share, so that their figures stay comparable (the recording overhead is
// measured on the wire core's SSE ingest stream).
package benchdata

import (
	"bytes"
	"fmt"
)

// IngestStream is a realistic server SSE stream of n events (CRLF
// framing): progress and log notifications, answers with SSE ids, and a
// comment keepalive every 50 events.
func IngestStream(n int) []byte { return ingest(n, plainTexts) }

// EscapedIngestStream is IngestStream with the JSON escapes real servers
// write in their texts (\n, \t, \" and \/ as some encoders do), which a
// secret scrubber has to decode.
func EscapedIngestStream(n int) []byte { return ingest(n, escapedTexts) }

// The texts of the three kinds of message, as formats of the event number.
var (
	plainTexts   = [3]string{"step %d of the long operation", "processed item %d", "result number %d"}
	escapedTexts = [3]string{`step %d of the long operation\nat https:\/\/example.com\/jobs`, `processed \"item\" %d\n`, `result number %d\nline two\tand a path C:\\temp`}
)

func ingest(n int, texts [3]string) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch {
		case i%50 == 49:
			b.WriteString(": ping - 2025-06-01 12:00:00.000000+00:00\r\n\r\n")
		case i%3 == 0:
			fmt.Fprintf(&b, "event: message\r\nid: %d\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":7,\"progress\":%d,\"total\":%d,\"message\":\""+texts[0]+"\"}}\r\n\r\n", i, i, n, i)
		case i%3 == 1:
			fmt.Fprintf(&b, "event: message\r\nid: %d\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"logger\":\"worker\",\"data\":\""+texts[1]+"\"}}\r\n\r\n", i, i)
		default:
			fmt.Fprintf(&b, "event: message\r\nid: %d\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\""+texts[2]+"\"}]}}\r\n\r\n", i, i, i)
		}
	}
	return b.Bytes()
}
