package store

import (
	"os"
	"path/filepath"
	"testing"
)

// A recording file may be cut anywhere, edited by hand or not a recording
// at all: opening and reading it must never panic or hang, and every event
// the reader counts must be readable by index too.
func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"format":"sonde-recording","version":1,"sonde":"0.1.0","start":"2026-11-22T00:00:00Z","target":"http://x","transport":"http"}` + "\n" +
		`{"seq":1,"t_ns":1000,"dir":"meta","kind":"state","state":"connecting"}` + "\n" +
		`{"seq":2,"t_ns":2000,"dir":"out","kind":"message","rpc":"request","method":"tools/list","id":"1","raw":{"jsonrpc":"2.0","id":1,"method":"tools/list"}}` + "\n" +
		`{"seq":3,"t_ns":3000,"dir":"in","kind":"message","rpc":"response","id":"1","raw":{"jsonrpc":"2.0","id":1,"res`))
	f.Add([]byte("not a recording\n"))
	f.Add([]byte(""))
	f.Add([]byte("{}\n{\"seq\":\"x\"}\n\n\n{\"t_ns\":-5}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "rec.jsonl")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			return // refused with an error: fine
		}
		defer r.Close()
		for n := 0; n < 10000; n++ {
			if _, err := r.Next(); err != nil {
				break // io.EOF, or a line it could not read: both end the walk
			}
		}
		total := r.Len()
		if total < 0 || total > len(data) {
			t.Fatalf("Len %d for %d bytes", total, len(data))
		}
		for i := 0; i < total && i < 50; i++ {
			if _, err := r.At(i); err != nil {
				t.Fatalf("At(%d) of %d: %v", i, total, err)
			}
		}
		if err := r.Seek(total); err != nil && total > 0 {
			t.Fatalf("Seek(%d): %v", total, err)
		}
	})
}
