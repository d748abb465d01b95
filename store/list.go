package store

import (
	"bytes"
	"io"
	"os"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Summary describes one recording, for `sonde sessions`.
type Summary struct {
	Path      string            `json:"path"`
	Start     time.Time         `json:"start"`
	Target    string            `json:"target"`
	Server    string            `json:"server,omitempty"`
	Transport mcp.TransportKind `json:"transport,omitempty"`
	Protocol  string            `json:"protocol,omitempty"`
	Duration  time.Duration     `json:"duration_ns"`
	Events    int               `json:"events"`
	Errors    int               `json:"errors"`
	Dropped   int64             `json:"dropped,omitempty"`
	Size      int64             `json:"size"`
	// Complete reports that the recorder closed the file cleanly (it has
	// a trailer); an incomplete file was cut by a crash or is still being
	// written.
	Complete bool `json:"complete"`
	// Skipped counts lines that could not be read (incomplete files only).
	Skipped int `json:"skipped,omitempty"`
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

// List describes the recordings in dir, newest first. A directory that
// does not exist holds no recordings.
func List(dir string) ([]Summary, error) {
	files, err := recordings(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(files))
	for _, f := range files {
		s, err := Summarize(f.path)
		if err != nil {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}
