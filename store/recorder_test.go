package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/mcp"
)

func TestRecordAndReadBack(t *testing.T) {
	evs := synth(1000)
	path := writeRecording(t, t.TempDir(), evs)
	got, r := readAll(t, path)
	diffEvents(t, got, evs)
	h := r.Header()
	if h.Format != FormatName || h.Version != FormatVersion || h.Sonde != mcp.Version || !h.Start.Equal(t0) {
		t.Fatalf("header %+v", h)
	}
	// Derived from the connected event.
	if h.Protocol != "2025-11-25" || h.Transport != mcp.TransportHTTP || h.Server != "synth 1.0" {
		t.Fatalf("derived header %+v", h)
	}
	if r.Skipped() != 0 || r.Len() != 1000 {
		t.Fatalf("skipped %d len %d", r.Skipped(), r.Len())
	}
	tr := r.Trailer()
	if tr == nil || tr.Events != 1000 || tr.End != 999*time.Millisecond {
		t.Fatalf("trailer %+v", tr)
	}
	errs := 0
	for i := range evs {
		if IsError(&evs[i]) {
			errs++
		}
	}
	if errs == 0 || tr.Errors != int64(errs) || r.Stats().Errors != errs {
		t.Fatalf("errors: trailer %d stats %d want %d", tr.Errors, r.Stats().Errors, errs)
	}
}

func TestRecorderFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "s.jsonl")
	rec, err := NewRecorder(RecorderOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	rec.Record(synth(1)[0])
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("file mode %o", m)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if m := fileMode(t, d); m != 0o700 {
			t.Fatalf("dir %s mode %o", d, m)
		}
	}

	// An existing, too open file is tightened; an existing sessions
	// directory too.
	os.Chmod(path, 0o644)
	sessions := filepath.Join(t.TempDir(), "sessions")
	os.Mkdir(sessions, 0o755)
	rec, err = NewRecorder(RecorderOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	rec.Close()
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("rewritten file mode %o", m)
	}
	rec, err = NewRecorder(RecorderOptions{Dir: sessions})
	if err != nil {
		t.Fatal(err)
	}
	rec.Record(synth(1)[0])
	rec.Close()
	if m := fileMode(t, sessions); m != 0o700 {
		t.Fatalf("sessions dir mode %o", m)
	}
	if m := fileMode(t, rec.Path()); m != 0o600 {
		t.Fatalf("session file mode %o", m)
	}
}

// A sessions directory that is a symbolic link, or that belongs to
// someone else, is refused with a clear error, and what it points at keeps
// its mode (a link to a sticky, world-writable directory used to lose the
// sticky bit and become 0700).
func TestRecorderRefusesForeignDirs(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(shared, 0o777)
	os.Chmod(shared, 0o777|os.ModeSticky)
	link := filepath.Join(t.TempDir(), "sessions")
	if err := os.Symlink(shared, link); err != nil {
		t.Fatal(err)
	}
	_, err := NewRecorder(RecorderOptions{Dir: link})
	if err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
		t.Fatalf("a symlinked directory: %v", err)
	}
	if fi, _ := os.Stat(shared); fi.Mode()&os.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Fatalf("the link's target changed to %v", fi.Mode())
	}
	if os.Geteuid() != 0 {
		return // only root can make a directory someone else's
	}
	theirs := filepath.Join(t.TempDir(), "theirs")
	os.Mkdir(theirs, 0o755)
	if err := os.Chown(theirs, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	_, err = NewRecorder(RecorderOptions{Dir: theirs})
	if err == nil || !strings.Contains(err.Error(), "belongs to another user (uid 4242)") {
		t.Fatalf("a foreign directory: %v", err)
	}
	if m := fileMode(t, theirs); m != 0o755 {
		t.Fatalf("the foreign directory changed to %o", m)
	}
}

func TestRecorderScrubsSecrets(t *testing.T) {
	const token = "tok-3f9a8b7c6d5e"
	const apiKey = "key/with+chars&=="
	const oauth = "ya29.a0AfH6SMB-oauth"
	const stray = "eyJhbGciOiJIUzI1NiJ9.stray"
	var buf bytes.Buffer
	rec, err := NewRecorder(RecorderOptions{Writer: &buf, Secrets: []string{token, apiKey},
		SecretHeaders: []string{"X-Custom"}, Header: Header{Target: "http://u:" + token + "@h/mcp?access_token=" + token}})
	if err != nil {
		t.Fatal(err)
	}
	shared := http.Header{"Authorization": {"Bearer " + token}, "X-Custom": {"plain"}, "Accept": {"x " + apiKey}}
	raw := json.RawMessage(`{"jsonrpc":"2.0","id":1,"result":{"echo":"` + token + `","k":"` + strings.ReplaceAll(apiKey, "&", `\u0026`) +
		`","access_token":"` + oauth + `","note":"Authorization: Bearer ` + stray + `"}}`)
	rawCopy := bytes.Clone(raw)
	events := []mcp.Event{
		{Time: t0, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "http://h/mcp?key=" + token},
		{Time: t0, Dir: mcp.DirOut, Kind: mcp.KindMessage, RPC: mcp.RPCRequest, Header: shared, URL: "http://h/mcp?token=" + token},
		{Time: t0, Dir: mcp.DirIn, Kind: mcp.KindMessage, RPC: mcp.RPCResponse, Raw: raw, Text: "said " + token, Err: apiKey},
		{Time: t0, Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{Endpoint: "http://h/m?sessionId=1&token=" + token, Instructions: urlEsc(apiKey)}},
	}
	for _, e := range events {
		rec.Record(e)
	}
	rec.AddSecrets("late-secret-value")
	rec.Record(mcp.Event{Time: t0, Dir: mcp.DirMeta, Kind: mcp.KindInfo, Text: "late-secret-value"})
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{token, apiKey, strings.ReplaceAll(apiKey, "&", `\u0026`), urlEsc(apiKey), oauth, stray, "plain", "late-secret-value"} {
		if strings.Contains(out, s) {
			t.Errorf("secret %q reached the recording:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "Bearer "+mcp.Redacted) {
		t.Errorf("the auth scheme should survive: %s", out)
	}
	// The caller's event is untouched: the UI holds it too.
	if shared.Get("Authorization") != "Bearer "+token || shared.Get("X-Custom") != "plain" || !bytes.Equal(raw, rawCopy) {
		t.Fatalf("the recorder modified the caller's event: %v %s", shared, raw)
	}
	// The file still parses.
	path := filepath.Join(t.TempDir(), "s.jsonl")
	os.WriteFile(path, buf.Bytes(), 0o600)
	got, r := readAll(t, path)
	if len(got) != len(events)+1 || r.Skipped() != 0 {
		t.Fatalf("read back %d events, skipped %d", len(got), r.Skipped())
	}
	if !json.Valid(got[2].Raw) {
		t.Fatalf("scrubbed raw is not JSON: %s", got[2].Raw)
	}
}

func fmtSscan(s string, n *int64) (int, error) { return fmt.Sscanf(s, "recorder: %d events", n) }

func urlEsc(s string) string {
	return strings.NewReplacer("/", "%2F", "+", "%2B", "&", "%26", "=", "%3D").Replace(s)
}

// blockingWriter blocks every Write until released: a disk that stalls.
type blockingWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	release chan struct{}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestRecorderNeverBlocksOnTheDisk(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{})}
	rec, err := NewRecorder(RecorderOptions{Writer: w})
	if err != nil {
		t.Fatal(err)
	}
	evs := synth(20000)
	done := make(chan struct{})
	go func() {
		for _, e := range evs {
			rec.Record(e)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Record blocked on a stalled writer")
	}
	close(w.release)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.Dropped != 0 || st.Recorded != 20000 || st.Written != 20000 {
		t.Fatalf("stats %+v", st)
	}
	if n := bytes.Count(w.buf.Bytes(), []byte("\n")); n != 20002 { // header, events, trailer
		t.Fatalf("%d lines", n)
	}
}

func TestRecorderMarksWhatItCouldNotKeep(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{})}
	rec, err := NewRecorder(RecorderOptions{Writer: w, MaxQueue: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	evs := synth(2000)
	for _, e := range evs[:1000] {
		rec.Record(e)
	}
	st := rec.Stats()
	if st.Dropped == 0 || st.Recorded+st.Dropped != 1000 {
		t.Fatalf("with a 64 KiB queue and a stalled disk: %+v", st)
	}
	close(w.release)
	// Wait for the queue to drain, then record the rest: all kept.
	testenv.Poll(10*time.Second, func() bool { return rec.Stats().Written >= st.Recorded })
	for _, e := range evs[1000:] {
		rec.Record(e)
	}
	rec.Close()
	dropped := rec.Stats().Dropped
	path := filepath.Join(t.TempDir(), "s.jsonl")
	os.WriteFile(path, w.buf.Bytes(), 0o600)
	got, r := readAll(t, path)
	var markers, lost int64
	for _, e := range got {
		if e.Kind == mcp.KindError && strings.HasPrefix(e.Err, "recorder: ") {
			markers++
			var n int64
			if _, err := fmtSscan(e.Err, &n); err != nil {
				t.Fatal(err)
			}
			lost += n
		}
	}
	if markers == 0 || lost != dropped || int64(len(got))-markers+dropped != 2000 {
		t.Fatalf("markers %d lost %d dropped %d events %d", markers, lost, dropped, len(got))
	}
	if tr := r.Trailer(); tr == nil || tr.Dropped != dropped {
		t.Fatalf("trailer %+v, dropped %d", tr, dropped)
	}
}

func TestRecorderFlushesWithoutClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	rec, err := NewRecorder(RecorderOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if rec.opts.FlushEvery > MaxFlushEvery {
		t.Fatalf("flush interval %v", rec.opts.FlushEvery)
	}
	evs := synth(3)
	rec.Record(evs[0])
	rec.Record(evs[1])
	var b []byte
	if !testenv.Poll(10*time.Second, func() bool { b, _ = os.ReadFile(path); return bytes.Count(b, []byte("\n")) == 3 }) {
		t.Fatalf("not flushed: %q", b)
	}
	// What is on disk already opens.
	got, _ := readAll(t, path)
	if len(got) != 2 {
		t.Fatalf("%d events", len(got))
	}
	// Flush returns once what was recorded before it is written.
	rec.Record(evs[2])
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, _ := readAll(t, path); len(got) != 3 {
		t.Fatalf("after Flush: %d events", len(got))
	}
}

func TestRecorderOneFilePerSession(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.jsonl"), []byte("{\"mine\":1}\n"), 0o644)
	rec, err := NewRecorder(RecorderOptions{Dir: dir, Header: Header{Target: "fallback"}})
	if err != nil {
		t.Fatal(err)
	}
	a := synth(10)
	b := synth(10)
	for i := range b {
		b[i].Time = b[i].Time.Add(time.Hour)
	}
	b[0].Text = "node /srv/server.js stdio"
	for _, e := range append(a, b...) {
		rec.Record(e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	files := rec.Stats().Files
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	if !strings.HasSuffix(files[0], "-127.0.0.1-9-mcp.jsonl") || !strings.HasSuffix(files[1], "-node-server.js.jsonl") {
		t.Fatalf("names %v", files)
	}
	for i, f := range files {
		got, r := readAll(t, f)
		diffEvents(t, got, [][]mcp.Event{a, b}[i])
		if r.Trailer() == nil {
			t.Fatalf("%s has no trailer", f)
		}
	}
	// the other file in the directory is listed as unreadable, by its
	// modification time (today: first)
	list, err := List(dir)
	if err != nil || len(list) != 3 || list[0].Unreadable == "" || list[1].Path != files[1] || list[2].Path != files[0] {
		t.Fatalf("list %+v %v", list, err)
	}
}
