package session

import (
	"encoding/json"

	"github.com/sonde-mcp/sonde/mcp"
)

// ListKind is one of the four listings a server may offer.
type ListKind int

// The listings, in the browser's order.
const (
	Tools ListKind = iota
	Resources
	Templates
	Prompts
	NumLists
)

var listFacts = [NumLists]struct{ method, key, capability, name string }{
	{"tools/list", "tools", "tools", "tools"},
	{"resources/list", "resources", "resources", "resources"},
	{"resources/templates/list", "resourceTemplates", "resources", "resource templates"},
	{"prompts/list", "prompts", "prompts", "prompts"},
}

// Method is the list request: "tools/list", "resources/list",
// "resources/templates/list" or "prompts/list".
func (k ListKind) Method() string { return listFacts[k].method }

// Key is the member of the result holding the items ("tools",
// "resources", "resourceTemplates", "prompts").
func (k ListKind) Key() string { return listFacts[k].key }

// Capability is the server capability that offers the listing.
func (k ListKind) Capability() string { return listFacts[k].capability }

// Name is the listing in prose ("resource templates").
func (k ListKind) Name() string { return listFacts[k].name }

// ListFor returns the listing a list method asks for.
func ListFor(method string) (ListKind, bool) {
	for k := ListKind(0); k < NumLists; k++ {
		if k.Method() == method {
			return k, true
		}
	}
	return 0, false
}

// Item is one tool, resource, template or prompt as listed.
type Item struct {
	// Raw is the item exactly as the server sent it.
	Raw json.RawMessage
	// Item is Raw decoded (leniently; raw text: make it terminal-safe).
	mcp.Item
	// TaskSupport is a tool's execution.taskSupport ("" for other items).
	TaskSupport string
}

// Listing is what the latest listing of one kind returned: the items of
// every page received so far. A list request without a cursor starts
// over; one with a cursor (a later page) adds to it.
type Listing struct {
	// Items are the items, in the server's order.
	Items []Item
	// Loaded reports that at least one page arrived.
	Loaded bool
	// Next is the latest page's nextCursor ("" on the last page).
	Next string
}

// applyPage takes one page of a list result into l.
func (l *Listing) applyPage(k ListKind, result json.RawMessage, later bool) {
	var page map[string]json.RawMessage
	if json.Unmarshal(result, &page) != nil {
		return
	}
	var raws []json.RawMessage
	json.Unmarshal(page[k.Key()], &raws)
	l.Next = ""
	json.Unmarshal(page["nextCursor"], &l.Next)
	items := make([]Item, 0, len(raws))
	for _, r := range raws {
		it := Item{Raw: r, Item: mcp.DecodeItem(r)}
		if k == Tools {
			it.TaskSupport = mcp.ToolTaskSupport(r)
		}
		items = append(items, it)
	}
	if later {
		items = append(append([]Item(nil), l.Items...), items...)
	}
	l.Items, l.Loaded = items, true
}
