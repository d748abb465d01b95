package work

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Large texts are paged at line starts: no page begins in the middle of
// a line, and the pages add up to the text.
func TestLargeTextPagesAreWholeLines(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 3*pageBytes; i++ {
		fmt.Fprintf(&b, "line %06d %s\n", i, strings.Repeat("x", 50))
	}
	big := b.String()
	raw, _ := json.Marshal(map[string]any{"content": []any{map[string]any{"type": "text", "text": big}}})
	r := NewResult("tools/call", "large_text", raw, nil, 0, nil)
	var joined strings.Builder
	for r.Page = 0; r.Page < r.Pages; r.Page++ {
		p := r.pageOf(big)
		if p == "" || !strings.HasPrefix(p, "line ") || !strings.HasSuffix(p, "\n") {
			t.Fatalf("page %d is not whole lines: starts %q, ends %q", r.Page, p[:min(12, len(p))], p[max(0, len(p)-12):])
		}
		joined.WriteString(p)
	}
	if joined.String() != big {
		t.Fatal("the pages do not add up to the text")
	}
}
