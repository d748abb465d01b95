package store

import (
	"errors"
	"io"
	"sync"
	"testing"
)

// Cursors started anywhere read the same events as At, concurrently with
// each other and with the reader's own cursor.
func TestCursorsReadIndependently(t *testing.T) {
	evs := synth(3*IndexStride + 17)
	path := writeRecording(t, t.TempDir(), evs)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	for _, from := range []int{0, 1, IndexStride - 1, IndexStride, 2*IndexStride + 5, len(evs), len(evs) + 9} {
		wg.Go(func() {
			c, err := r.Cursor(from)
			if err != nil {
				t.Errorf("Cursor(%d): %v", from, err)
				return
			}
			want := min(from, len(evs))
			for {
				e, i, _, err := c.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Errorf("from %d: %v", from, err)
					return
				}
				if i != want || !sameEvent(e, evs[i]) {
					t.Errorf("from %d: got event %d (seq %d), want %d", from, i, e.Seq, want)
					return
				}
				want++
			}
			if want != len(evs) {
				t.Errorf("from %d: stopped at %d of %d", from, want, len(evs))
			}
		})
	}
	for range 100 { // the reader's own cursor moves meanwhile
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

// NextWhere returns the events keep accepts, with their numbers.
func TestCursorNextWhere(t *testing.T) {
	evs := synth(2*IndexStride + 3)
	path := writeRecording(t, t.TempDir(), evs)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := r.Cursor(5)
	if err != nil {
		t.Fatal(err)
	}
	want := 5
	for {
		e, i, _, err := c.NextWhere(func(i int) bool { return i%7 == 3 })
		if errors.Is(err, io.EOF) {
			break
		}
		for want%7 != 3 {
			want++
		}
		if err != nil || i != want || !sameEvent(e, evs[i]) {
			t.Fatalf("got event %d (%v), want %d", i, err, want)
		}
		want++
	}
	if want < len(evs)-7 {
		t.Fatalf("stopped at %d of %d", want, len(evs))
	}
}
