// Package roots is the roots the user lets the server see and the dialog
// that edits them (F). They come from --root, answer roots/list (and the
// 2026-07-28 roots input request) without asking, and every edit makes the
// root send notifications/roots/list_changed in the legacy eras (2026-07-28
// has no such notification: the server asks again when it needs them).
// What an edit leads to beyond the list (telling the server, checking the
// paths on disk) is the root's: the dialog asks with [Changed].
package roots

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Root is one root as sent: a file:// URI and an optional name.
type Root struct {
	URI  string `json:"uri"`
	Name string `json:"name,omitempty"`
}

// Set is the roots and what is known about them; the root model owns it
// and the dialog edits it.
type Set struct {
	Roots   []Root
	Missing map[string]bool // file:// roots not found on this machine, by URI
	Asked   int             // how many times the server asked for them
	Env     Env             // turns what the user types into roots
}

// Result is the answer to roots/list: a copy of the roots.
func (s *Set) Result() map[string]any {
	return map[string]any{"roots": append(make([]Root, 0, len(s.Roots)), s.Roots...)}
}

// Env is what turning a path into a URI needs, captured once so that
// Update does no IO.
type Env struct {
	Cwd, Home string
}

// NewEnv reads the working and home directories.
func NewEnv() Env {
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	return Env{Cwd: cwd, Home: home}
}

// Make turns what the user typed (a path, ~/path, or a URI) into a root.
// A URI with a scheme is kept as typed; a path becomes an absolute file://
// URI. The name defaults to the last path element.
func (env Env) Make(typed, name string) (Root, error) {
	typed = strings.TrimSpace(typed)
	name = strings.TrimSpace(name)
	if typed == "" {
		return Root{}, fmt.Errorf("empty path")
	}
	if u, err := url.Parse(typed); err == nil && len(u.Scheme) > 1 && strings.Contains(typed, "://") {
		if name == "" {
			name = filepath.Base(strings.TrimSuffix(u.Path, "/"))
			if name == "." || name == "/" {
				name = ""
			}
		}
		return Root{URI: typed, Name: name}, nil
	}
	p := typed
	if p == "~" || strings.HasPrefix(p, "~/") {
		if env.Home == "" {
			return Root{}, fmt.Errorf("no home directory to expand ~")
		}
		p = filepath.Join(env.Home, strings.TrimPrefix(p, "~"))
	}
	if !filepath.IsAbs(p) {
		if env.Cwd == "" {
			return Root{}, fmt.Errorf("relative path and no working directory")
		}
		p = filepath.Join(env.Cwd, p)
	}
	p = filepath.Clean(p)
	if name == "" {
		name = filepath.Base(p)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(p)}
	return Root{URI: u.String(), Name: name}, nil
}

// Path is the local path of a file:// root ("" for other URIs).
func Path(r Root) string {
	u, err := url.Parse(r.URI)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return filepath.FromSlash(u.Path)
}

// Missing stats every file:// root and returns those that are not
// directories here, by URI. It does IO: call it in a command.
func Missing(roots []Root) map[string]bool {
	missing := map[string]bool{}
	for _, r := range roots {
		if p := Path(r); p != "" {
			if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
				missing[r.URI] = true
			}
		}
	}
	return missing
}
