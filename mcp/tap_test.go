package mcp

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// tapTrace runs input through the tap's parser and returns what was seen,
// in order: comments, standalone retries and dispatched events.
func tapTrace(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	tp := newTap(io.NopCloser(r), 0)
	tp.onComment = func(text string, n int) { out = append(out, "comment:"+text) }
	tp.onRetry = func(ms int) { out = append(out, fmt.Sprintf("retry:%d", ms)) }
	err := tp.parse(1<<20, func(ev sseEvent) {
		s := fmt.Sprintf("event:%s/%s/%q", ev.Type, ev.LastEventID, ev.Data)
		if ev.Retry > 0 {
			s += fmt.Sprintf("/retry=%d", ev.Retry)
		}
		out = append(out, s)
	})
	if err != nil {
		out = append(out, "err:"+err.Error())
	}
	return out
}

func TestTapOrderAndKeepalives(t *testing.T) {
	in := "\xEF\xBB\xBF: ping - 2025\r\n\r\n" +
		"retry: 5000\r\n\r\n" +
		"event: endpoint\r\ndata: /messages?session_id=ab\r\n\r\n" +
		"id: 41\nevent: message\ndata: {\"a\":1}\n\n" +
		": keepalive\n\n" +
		"event: keepalive\ndata: {}\nretry: 300\n\n" +
		"data: line1\n: inside\ndata: line2\n\n" +
		"id: p1\nretry: 500\ndata:\n\n" +
		"id: 42\rdata: bare cr\r\r"
	want := []string{
		"comment:ping - 2025",
		"retry:5000",
		`event:endpoint//"/messages?session_id=ab"`,
		`event:message/41/"{\"a\":1}"`,
		"comment:keepalive",
		`event:keepalive/41/"{}"/retry=300`,
		"comment:inside",
		`event:/41/"line1\nline2"`,
		`event:/p1/""/retry=500`,
		`event:/42/"bare cr"`,
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
	}
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			got := tapTrace(t, wrap(strings.NewReader(in)))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
