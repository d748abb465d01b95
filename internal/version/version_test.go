package version

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261201103000-5c90aa8abcde+dirty"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "5c90aa8abcdef0123456789"},
		{Key: "vcs.time", Value: "2026-12-01T10:30:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	got := build(bi, true, "", "", "")
	want := Info{Version: "v0.0.0-20261201103000-5c90aa8abcde+dirty", Commit: "5c90aa8abcdef0123456789", Modified: true, CommitTime: "2026-12-01T10:30:00Z", Go: "go1.26.8", Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if got != want {
		t.Fatalf("from build info: %+v", got)
	}
	// Stamped values win; a go run build is "devel".
	got = build(bi, true, "v1.2.3", "abc", "2026-12-02T00:00:00Z")
	if got.Version != "v1.2.3" || got.Commit != "abc" || got.Date != "2026-12-02T00:00:00Z" || got.CommitTime != "2026-12-01T10:30:00Z" {
		t.Fatalf("stamped: %+v", got)
	}
	if got := build(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "", "", ""); got.Version != "devel" || got.Go != runtime.Version() {
		t.Fatalf("devel: %+v", got)
	}
	s := build(bi, true, "v1.2.3", "", "2026-12-02T00:00:00Z").String()
	for _, want := range []string{"sonde v1.2.3\n", "commit     5c90aa8abcdef0123456789 (modified)\n", "committed  2026-12-01T10:30:00Z\n", "built      2026-12-02T00:00:00Z\n", "go         go1.26.8 "} {
		if !strings.Contains(s, want) {
			t.Errorf("String lacks %q:\n%s", want, s)
		}
	}
}

// The variable names in the package doc are the ones -ldflags -X sets: a
// wrong name is silently ignored by the linker, so build with them.
func TestLdflagsNames(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "print")
	const pkg = "github.com/sonde-mcp/sonde/internal/version"
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags",
		"-X "+pkg+".version=v9.8.7 -X "+pkg+".commit=0123abc -X "+pkg+".date=2026-12-24T00:00:00Z", "./testdata/print")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got Info
	json.Unmarshal(out, &got)
	if got.Version != "v9.8.7" || got.Commit != "0123abc" || got.Date != "2026-12-24T00:00:00Z" {
		t.Fatalf("stamped build says %s", out)
	}
}
