package session

import (
	"encoding/json"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// Servers that do not follow the specification may announce their tools
// on the stream (`event: tools` with a JSON list) instead of answering
// tools/list. Such a list is kept apart from the listings (State.Offered):
// it is what the server said, not what tools/list answered, and a screen
// that offers it says so.

// maxOffered bounds the items taken from one announcement.
const maxOffered = 4096

// OfferedList reads an SSE event that announces a listing: an event named
// like the listing (tools; resources; templates, resource_templates or
// resourceTemplates; prompts) whose data is a JSON list of items, or an
// object holding one under the listing's key. It reports false for any
// other event.
func OfferedList(e *mcp.Event) (ListKind, []Item, bool) {
	if e.Kind != mcp.KindSSE || e.Dir != mcp.DirIn || len(e.Raw) == 0 {
		return 0, nil, false
	}
	var k ListKind
	switch strings.ToLower(e.SSEEvent) {
	case "tools":
		k = Tools
	case "resources":
		k = Resources
	case "templates", "resource_templates", "resourcetemplates":
		k = Templates
	case "prompts":
		k = Prompts
	default:
		return 0, nil, false
	}
	var raws []json.RawMessage
	if json.Unmarshal(e.Raw, &raws) != nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(e.Raw, &obj) != nil || json.Unmarshal(obj[k.Key()], &raws) != nil {
			return 0, nil, false
		}
	}
	if len(raws) > maxOffered {
		raws = raws[:maxOffered]
	}
	items := make([]Item, 0, len(raws))
	for _, r := range raws {
		it := Item{Raw: r, Item: mcp.DecodeItem(r)}
		if it.Name == "" && it.URI == "" && it.URITemplate == "" {
			continue // not an item: a list of something else
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return 0, nil, false
	}
	return k, items, true
}
