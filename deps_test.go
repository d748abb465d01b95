package main

import (
	"os/exec"
	"strings"
	"testing"
)

// Test fixtures stay out of the product binary: the hostile server (every
// escape sequence a terminal obeys) is for tests and scripts/e2e-hostile only.
func TestFixturesNotLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list listed %d packages: %q", len(deps), deps)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "github.com/sonde-mcp/sonde/internal/") && strings.HasSuffix(p, "test") || p == "github.com/sonde-mcp/sonde/internal/hostile" {
			t.Errorf("sonde links the test fixture %s", p)
		}
	}
}
