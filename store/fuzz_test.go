package store

import (
	"bytes"
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

// The line reader's head mode, over a buffer small enough that lines are
// long, agrees with reading whole lines: the same lines in order, each
// head its start, the right length, last byte and hints, the same cut
// last line. And an event line decoded from its start has the fields the
// whole line has.
func FuzzLineHead(f *testing.F) {
	f.Add([]byte("{\"t_ns\":5,\"seq\":1,\"dir\":\"in\",\"kind\":\"error\",\"err\":\"x\",\"raw\":{\"jsonrpc\":\"2.0\",\"isError\":true}}\r\n\n{\"end\":{\"t_ns\":1}}\ncut"), uint8(3))
	f.Add([]byte("{\"t_ns\":1,\"seq\":1,\"dir\":\"in\",\"kind\":\"message\",\"rpc\":\"request\",\"raw_text\":\"a\\u00e9\\\"b\"}\n"), uint8(40))
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		whole := newLineReader(bytes.NewReader(data), 0, 1<<20)
		small := newLineReader(bytes.NewReader(data), 0, 16)
		var h lineHints
		for {
			line, err := whole.next()
			head, n, last, herr := small.nextHead(int(max)+1, &h)
			if (err == nil) != (herr == nil) {
				t.Fatalf("whole: %v, head: %v", err, herr)
			}
			if err != nil {
				if whole.partial != small.partial || whole.off != small.off {
					t.Fatalf("cut line: partial %d/%d off %d/%d", whole.partial, small.partial, whole.off, small.off)
				}
				return
			}
			if n != int64(len(line)) || !bytes.HasPrefix(line, head) || last != line[len(line)-1] || small.off != whole.off {
				t.Fatalf("line %q: head %q n %d last %q", line, head, n, last)
			}
			if h.err != errorHint(line) || h.state != stateHint(line) || h.request != bytes.Contains(line, hintRequest) {
				t.Fatalf("line %q: hints %+v", line, h)
			}
			if e, _, err := decodeEvent(line, t0); err == nil && isEventLine(line) {
				if i, key := payloadAt(line); i >= 0 && int(max) >= i+len(key)+4 { // the head holds `,"key":`
					eh, _, herr := decodeEventHead(line[:max], int64(len(line)), t0)
					if herr != nil || eh.Kind != e.Kind || eh.Err != e.Err || eh.ID != e.ID || eh.RPC != e.RPC || eh.Seq != e.Seq {
						t.Fatalf("line %q: from its first %d bytes %+v (%v), whole %+v", line, max, eh, herr, e)
					}
				}
			}
		}
	})
}
