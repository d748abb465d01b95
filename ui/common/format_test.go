package common

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
)

// A split-endpoint server met without --endpoint: the error says which
// flag attaches, on a line of its own (it showed the HTTP 405 alone).
func TestDescribeErrSplitHint(t *testing.T) {
	// as Dial returns it: both transports' errors, the legacy one split
	split := &mcp.SplitError{Err: fmt.Errorf(`not a legacy HTTP+SSE stream: the first SSE event was "message", not "endpoint"`),
		Hint: &mcp.SplitHint{SessionID: "d8a41c6f", Endpoint: "/mcp?session_id={session}"}}
	err := fmt.Errorf("neither transport answered: %w; and legacy HTTP+SSE: %w",
		&mcp.HTTPError{Status: 405, Method: "POST", URL: "http://127.0.0.1:1/notifications"}, split)
	got := DescribeErr(err)
	if !strings.Contains(got, "neither transport answered: POST") || !strings.Contains(got, `not "endpoint"`+"\n\nit looks like a split-endpoint server") ||
		!strings.HasSuffix(got, "try --endpoint '/mcp?session_id={session}'") {
		t.Fatalf("DescribeErr: %q", got)
	}
}
