package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
)

// Servers that do not follow the specification (--endpoint, --lenient):
// listings that show whatever the server answers, and the lists a stream
// announced (`event: tools`) when the server has no list method.

// streamLists keeps the latest listings a session's stream announced (see
// session.OfferedList). It sits in the OnEvent chain of a lenient session.
type streamLists struct {
	mu    sync.Mutex
	lists [session.NumLists][]json.RawMessage
	next  func(mcp.Event)
	// changed is closed (and replaced) at each announcement.
	changed chan struct{}
}

func (o *streamLists) see(e mcp.Event) {
	if k, items, ok := session.OfferedList(&e); ok {
		raws := make([]json.RawMessage, len(items))
		for i, it := range items {
			raws[i] = it.Raw
		}
		o.mu.Lock()
		o.lists[k] = raws
		if o.changed != nil {
			close(o.changed)
			o.changed = nil
		}
		o.mu.Unlock()
	}
	if o.next != nil {
		o.next(e)
	}
}

// await is the list of kind k the stream announced, waiting up to d for
// it: the stream's announcement and the answer to a listing race (a
// listing can fail before the stream has said its tools).
func (o *streamLists) await(ctx context.Context, k session.ListKind, d time.Duration) []json.RawMessage {
	if o == nil {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		o.mu.Lock()
		items := o.lists[k]
		if o.changed == nil {
			o.changed = make(chan struct{})
		}
		changed := o.changed
		o.mu.Unlock()
		if items != nil {
			return items
		}
		select {
		case <-changed:
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// listed is what a listing command found: the items, or (from a lenient
// session) an answer of another shape as it came; note says what the
// output is when it is not simply the listing.
type listed struct {
	items []json.RawMessage
	raw   json.RawMessage
	note  string
}

// listing lists method's items (all pages) when the server declares the
// listing. A lenient session asks whatever the capabilities say, and takes
// what comes: a result of another shape is returned raw; a failure, when
// the stream announced such a list, gives that list instead.
func listing(ctx context.Context, c *runCtx, method, key string) (listed, error) {
	s := c.session
	if !s.Info().Lenient {
		if why := undeclared(s, method); why != "" {
			// Listing what the server never declared only earns a -32601.
			return listed{note: why}, nil
		}
		items, err := s.ListAll(ctx, method, key)
		return listed{items: items}, err
	}
	k, _ := session.ListFor(method)
	res, err := s.Call(ctx, method, nil)
	if err != nil {
		if items := c.announced.await(ctx, k, c.o.rawWait); items != nil {
			return listed{items: items, note: fmt.Sprintf("%s failed (%v); these %s are what the stream announced (event: %s)",
				method, err, k.Name(), key)}, nil
		}
		return listed{}, err
	}
	var page map[string]json.RawMessage
	var items []json.RawMessage
	if json.Unmarshal(res, &page) == nil && json.Unmarshal(page[key], &items) == nil && page[key] != nil {
		if _, more := page["nextCursor"]; !more {
			return listed{items: items}, nil
		}
		items, err := s.ListAll(ctx, method, key)
		return listed{items: items}, err
	}
	return listed{raw: res, note: fmt.Sprintf("the server's answer to %s is not a list of %s; as it came", method, k.Name())}, nil
}
