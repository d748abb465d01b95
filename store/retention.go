package store

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Retention bounds the recordings kept in a directory. The newest files are
// kept; a zero field is no limit.
type Retention struct {
	// MaxSessions is how many recordings to keep.
	MaxSessions int
	// MaxBytes is how many bytes of recordings to keep. The newest
	// recording is always kept, however large.
	MaxBytes int64
}

// Default retention for the sessions directory.
const (
	DefaultKeepSessions = 200
	DefaultKeepBytes    = 1 << 30
)

// FileName names a recording by its start time (local time, to the second)
// and its target: "20261122-031001-127.0.0.1-3000-mcp.jsonl",
// "20261122-031001-node-server.js.jsonl".
func FileName(start time.Time, target string) string {
	return start.Local().Format("20060102-150405") + "-" + slug(target) + Extension
}

// slug turns a target into a short, safe file name part: host, port and
// path of a URL, or the base names of a command's first two words.
func slug(target string) string {
	var parts []string
	if u, err := url.Parse(target); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		parts = append(parts, u.Hostname())
		if p := u.Port(); p != "" {
			parts = append(parts, p)
		}
		parts = append(parts, strings.Split(strings.Trim(u.Path, "/"), "/")...)
	} else {
		for i, w := range strings.Fields(target) {
			if i == 2 {
				break
			}
			parts = append(parts, filepath.Base(w))
		}
	}
	var b strings.Builder
	for _, p := range parts {
		for _, c := range p {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
			switch {
			case ok:
				b.WriteRune(c)
			case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
				b.WriteByte('-')
			}
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-.")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-.")
	}
	if s == "" {
		s = "session"
	}
	return s
}

// recordingFile is one recording found in a directory.
type recordingFile struct {
	path  string
	size  int64
	start time.Time
}

// recordings lists the sonde recordings in dir (files whose first line is
// a recording header), newest first. Other files are never touched.
func recordings(dir string) ([]recordingFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []recordingFile
	for _, de := range ents {
		if !de.Type().IsRegular() || !strings.HasSuffix(de.Name(), Extension) {
			continue
		}
		p := filepath.Join(dir, de.Name())
		h, err := readHeaderOnly(p)
		if err != nil {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue
		}
		start := h.Start
		if start.IsZero() {
			start = fi.ModTime()
		}
		out = append(out, recordingFile{path: p, size: fi.Size(), start: start})
	}
	slices.SortFunc(out, func(a, b recordingFile) int {
		if c := b.start.Compare(a.start); c != 0 {
			return c
		}
		return strings.Compare(b.path, a.path)
	})
	return out, nil
}

// readHeaderOnly reads and checks the first line of a file.
func readHeaderOnly(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil {
		return Header{}, ErrNotRecording
	}
	return decodeHeader(line)
}

// Prune deletes the oldest recordings in dir beyond what keep allows and
// returns the paths it removed. Only sonde recordings are considered (files
// with the recording header). The files in exclude (the one being written)
// are never removed and count as the newest kept.
func Prune(dir string, keep Retention, exclude ...string) ([]string, error) {
	if keep.MaxSessions <= 0 && keep.MaxBytes <= 0 {
		return nil, nil
	}
	files, err := recordings(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	var total int64
	kept := 0
	for _, p := range exclude {
		if fi, err := os.Stat(p); err == nil {
			kept++
			total += fi.Size()
		}
	}
	for _, f := range files {
		if slices.Contains(exclude, f.path) {
			continue
		}
		over := keep.MaxSessions > 0 && kept >= keep.MaxSessions ||
			keep.MaxBytes > 0 && kept > 0 && total+f.size > keep.MaxBytes
		if over {
			if err := os.Remove(f.path); err == nil {
				removed = append(removed, f.path)
			}
			continue
		}
		kept++
		total += f.size
	}
	return removed, nil
}

// jsonLine marshals v as one line.
func jsonLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
