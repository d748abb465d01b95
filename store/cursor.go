package store

import (
	"errors"
	"io"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// Cursor reads a recording's events in file order from a given event on,
// independently of the reader's own cursor ([Reader.Next]) and of other
// cursors: each has its own buffer and position, so several goroutines can
// walk one recording at once (a mock server serving several clients).
// A Cursor is not safe for concurrent use.
type Cursor struct {
	r   *Reader
	lr  lineReader
	ord int
	max int
}

// Cursor returns a cursor whose Next returns event i first (clamped to
// [0, Len]). Starting anywhere but 0 waits for the index scan to reach i.
func (r *Reader) Cursor(i int) (*Cursor, error) {
	c := &Cursor{r: r, lr: newLineReader(r.f, r.first, 64<<10)}
	if i <= 0 {
		return c, nil
	}
	off, ord, err := r.locate(i)
	if err != nil {
		return nil, err
	}
	c.lr.reset(off)
	c.ord = ord
	for c.ord < i {
		if _, err := r.skipEvent(&c.lr, nil); err != nil {
			if errors.Is(err, io.EOF) {
				return c, nil
			}
			return nil, err
		}
		c.ord++
	}
	return c, nil
}

// Next returns the next event, its number and its offset from the
// recording's start, and io.EOF at the end. An event line that cannot be
// decoded is returned as an error event, as [Reader.Next] does.
func (c *Cursor) Next() (e mcp.Event, i int, t time.Duration, err error) {
	e, t, err = c.r.nextEvent(&c.lr, c.max)
	if err != nil {
		return mcp.Event{}, c.ord, 0, err
	}
	i = c.ord
	c.ord++
	return e, i, t, nil
}

// UpTo makes the cursor decode a line longer than max bytes from its
// first max bytes, as [Reader.EventsUpTo] does (0: whole lines).
func (c *Cursor) UpTo(max int) { c.max = max }

// Pos returns the number of the event Next returns next.
func (c *Cursor) Pos() int { return c.ord }

// NextWhere is Next for the events whose number keep accepts: the others
// are passed over without being decoded (a player of one kind of event
// through a recording of millions).
func (c *Cursor) NextWhere(keep func(i int) bool) (e mcp.Event, i int, t time.Duration, err error) {
	for !keep(c.ord) {
		if _, err := c.r.skipEvent(&c.lr, nil); err != nil {
			return mcp.Event{}, c.ord, 0, err
		}
		c.ord++
	}
	return c.Next()
}
