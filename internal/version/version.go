// Package version says which sonde this is: the version, commit, dates and
// Go version, from the build information Go embeds in every binary and
// from what a release build stamps in.
//
// A release build stamps these variables (scripts that build releases set
// all three):
//
//	go build -ldflags "-X github.com/sonde-mcp/sonde/internal/version.version=v1.2.3 \
//	  -X github.com/sonde-mcp/sonde/internal/version.commit=$(git rev-parse HEAD) \
//	  -X github.com/sonde-mcp/sonde/internal/version.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
//
// Without them, `go install module@v1.2.3` gives the module's version, and a
// build from a git checkout gives Go's VCS stamp (vcs.revision, vcs.time,
// vcs.modified) and a pseudo-version.
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Stamped by -ldflags -X (see the package doc); empty otherwise.
var (
	version string
	commit  string
	date    string
)

// Info describes this build.
type Info struct {
	Version    string `json:"version"`              // v1.2.3, a pseudo-version, or "devel"
	Commit     string `json:"commit,omitempty"`     // the full revision
	Modified   bool   `json:"modified,omitempty"`   // built from a tree with uncommitted changes
	CommitTime string `json:"commitTime,omitempty"` // the commit's time (RFC 3339)
	Date       string `json:"date,omitempty"`       // the build's date, when stamped
	Go         string `json:"go"`                   // the Go version that built it
	Platform   string `json:"platform"`             // GOOS/GOARCH
}

// Get returns this build's information (read once).
var Get = sync.OnceValue(func() Info {
	bi, ok := debug.ReadBuildInfo()
	return build(bi, ok, version, commit, date)
})

// build merges the embedded build information with the stamped values;
// a stamped value wins.
func build(bi *debug.BuildInfo, ok bool, version, commit, date string) Info {
	info := Info{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok && bi != nil {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			info.Go = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				info.CommitTime = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		info.Version = "devel"
	}
	return info
}

// String is the long form `sonde version` prints.
func (i Info) String() string {
	var b strings.Builder
	b.WriteString("sonde " + i.Version + "\n")
	line := func(label, value string) {
		if value != "" {
			b.WriteString(label + strings.Repeat(" ", 11-len(label)) + value + "\n")
		}
	}
	if i.Modified {
		line("commit", i.Commit+" (modified)")
	} else {
		line("commit", i.Commit)
	}
	line("committed", i.CommitTime)
	line("built", i.Date)
	line("go", i.Go+" "+i.Platform)
	return b.String()
}
