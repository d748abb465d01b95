package store

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Summary describes one recording, for `sonde sessions`.
type Summary struct {
	// Path is the recording's file.
	Path string `json:"path"`
	// Start is when the session started.
	Start time.Time `json:"start"`
	// Target is the server's URL or command line (credentials removed).
	Target string `json:"target"`
	// Server is the server's name and version, if it connected.
	Server string `json:"server,omitempty"`
	// Transport is the transport used (or asked for).
	Transport mcp.TransportKind `json:"transport,omitempty"`
	// Protocol is the negotiated protocol revision.
	Protocol string `json:"protocol,omitempty"`
	// Duration is the time from the first to the last event.
	Duration time.Duration `json:"duration_ns"`
	// Events is the number of events.
	Events int `json:"events"`
	// Errors is how many of them [IsError] reports.
	Errors int `json:"errors"`
	// Dropped is how many events the recorder could not keep.
	Dropped int64 `json:"dropped,omitempty"`
	// Size is the file size in bytes.
	Size int64 `json:"size"`
	// Complete reports that the recorder closed the file cleanly (it has
	// a trailer); an incomplete file was cut by a crash or is still being
	// written.
	Complete bool `json:"complete"`
	// Skipped counts lines that could not be read (incomplete files only).
	Skipped int `json:"skipped,omitempty"`
	// Unreadable says why a file named like a recording could not be read
	// as one (empty, not a recording, a newer format...); Path, Start (the
	// file's modification time) and Size are then all there is.
	Unreadable string `json:"unreadable,omitempty"`
}

// Summarize describes one recording. A cleanly closed file is described
// from its header, first lines and trailer, without reading the rest; an
// incomplete one is scanned.
func Summarize(path string) (Summary, error) {
	r, err := Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer r.Close()
	h := r.Header()
	s := Summary{Path: path, Start: h.Start, Target: h.Target, Server: h.Server, Transport: h.Transport, Protocol: h.Protocol}
	if fi, err := r.f.Stat(); err == nil {
		s.Size = fi.Size()
	}
	if tr, ok := tailTrailer(r.f, s.Size); ok {
		s.Duration, s.Events, s.Errors, s.Dropped, s.Complete = tr.End, int(tr.Events), int(tr.Errors), tr.Dropped, true
		return s, nil
	}
	st := r.Stats()
	s.Duration, s.Events, s.Errors, s.Dropped, s.Complete, s.Skipped = st.Duration, st.Events, st.Errors, st.Dropped, st.Complete, st.Skipped
	return s, nil
}

// tailTrailer reads the trailer from the end of a file, if it is there.
func tailTrailer(f io.ReaderAt, size int64) (Trailer, bool) {
	n := min(size, 4096)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return Trailer{}, false
	}
	buf = bytes.TrimRight(buf, "\r\n")
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 {
		return Trailer{}, false
	}
	line := buf[i+1:]
	if len(line) == 0 || !isTrailerLine(line) {
		return Trailer{}, false
	}
	tr, err := decodeTrailer(line)
	return tr, err == nil
}

// List describes the recordings in dir, newest first. A file named like a
// recording that cannot be read as one is listed too, with the reason
// (Summary.Unreadable), rather than left out without a word. A directory
// that does not exist holds no recordings.
func List(dir string) ([]Summary, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Summary
	for _, de := range ents {
		if !de.Type().IsRegular() || !strings.HasSuffix(de.Name(), Extension) {
			continue
		}
		p := filepath.Join(dir, de.Name())
		s, err := Summarize(p)
		if err != nil {
			s = Summary{Path: p, Unreadable: strings.TrimPrefix(err.Error(), p+": ")}
			if fi, ierr := de.Info(); ierr == nil {
				s.Start, s.Size = fi.ModTime(), fi.Size()
			}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Summary) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return strings.Compare(b.Path, a.Path)
	})
	return out, nil
}
