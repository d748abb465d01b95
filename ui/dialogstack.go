package ui

import (
	"slices"

	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
)

// dialogStack is the root model's overlay of dialogs, drawn over the panes
// in order; the top one gets every key. The root carries out what they ask
// (Model.act); the stack only keeps their order.
type dialogStack []component.Dialog

// top is the top dialog, or nil.
func (ds dialogStack) top() component.Dialog {
	if len(ds) == 0 {
		return nil
	}
	return ds[len(ds)-1]
}

// open opens a dialog over the others.
func (ds *dialogStack) open(d component.Dialog) { *ds = append(*ds, d) }

// remove takes d off the stack wherever it is (a request dialog may
// have been covered by another one by the time it is answered).
func (ds *dialogStack) remove(d component.Dialog) {
	if i := slices.Index(*ds, d); i >= 0 {
		*ds = slices.Delete(*ds, i, i+1)
	}
}

// pop closes the top dialog.
func (ds *dialogStack) pop() {
	if n := len(*ds); n > 0 {
		*ds = (*ds)[:n-1]
	}
}

// openRequest puts a request's dialog on top, or under the queue's list
// and rule editor when they are open (the next request must not cover the
// list the user is working in).
func (ds *dialogStack) openRequest(d component.Dialog) {
	for i, x := range *ds {
		switch x.(type) {
		case *serverreq.List, *serverreq.Rule:
			*ds = slices.Insert(*ds, i, d)
			return
		}
	}
	ds.open(d)
}

// holds reports whether d is on the stack (covered or not).
func (ds dialogStack) holds(d component.Dialog) bool { return slices.Contains(ds, d) }
