package store

import (
	"encoding/json"

	"github.com/sonde-mcp/sonde/mcp"
)

// Catalog is what a server offered, rebuilt from the listings among a
// session's events (live or replayed): the tools, resources, resource
// templates and prompts of the latest tools/list, resources/list,
// resources/templates/list and prompts/list answers (all pages), and the
// connection info of the latest `connected` event. Items are kept as the
// raw JSON the server sent. The zero value is ready to use; it is not safe
// for concurrent use.
type Catalog struct {
	// Tools are the items of the latest tools/list (all pages).
	Tools []json.RawMessage
	// Resources are the items of the latest resources/list.
	Resources []json.RawMessage
	// Templates are the items of the latest resources/templates/list.
	Templates []json.RawMessage
	// Prompts are the items of the latest prompts/list.
	Prompts []json.RawMessage
	// Info is the connection info of the latest `connected` event.
	Info *mcp.ConnInfo

	reqs map[string]listReq // outstanding list requests by id
}

type listReq struct {
	method string
	cursor bool // asks for a later page
}

// listKey is the result key of each listing.
var listKey = map[string]string{
	"tools/list":               "tools",
	"resources/list":           "resources",
	"resources/templates/list": "resourceTemplates",
	"prompts/list":             "prompts",
}

// Add takes one event into account and reports whether the catalog
// changed.
func (c *Catalog) Add(e mcp.Event) bool {
	switch {
	case e.Kind == mcp.KindState && e.State == mcp.StateConnected && e.Info != nil:
		c.Info = e.Info
		return true
	case e.Kind != mcp.KindMessage:
		return false
	case e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest:
		if _, ok := listKey[e.Method]; ok {
			if c.reqs == nil {
				c.reqs = map[string]listReq{}
			}
			c.reqs[e.ID] = listReq{method: e.Method, cursor: hasCursor(e.Raw)}
		}
		return false
	case e.Dir == mcp.DirIn && e.RPC == mcp.RPCResponse:
		req, ok := c.reqs[e.ID]
		if !ok {
			req, ok = c.reqs[altID(e.ID)]
		}
		if !ok {
			// The request is not among the events (a replay's context
			// window cut it): trust the answer's own method.
			if _, known := listKey[e.ReqMethod]; !known {
				return false
			}
			req = listReq{method: e.ReqMethod}
		}
		delete(c.reqs, e.ID)
		delete(c.reqs, altID(e.ID))
		var res map[string]json.RawMessage
		if json.Unmarshal(e.Raw, &struct {
			Result *map[string]json.RawMessage `json:"result"`
		}{&res}) != nil {
			return false
		}
		var items []json.RawMessage
		if v, ok := res[listKey[req.method]]; ok {
			json.Unmarshal(v, &items)
		}
		dst := c.list(req.method)
		if !req.cursor {
			*dst = nil
		}
		*dst = append(*dst, items...)
		return true
	}
	return false
}

func (c *Catalog) list(method string) *[]json.RawMessage {
	switch method {
	case "tools/list":
		return &c.Tools
	case "resources/list":
		return &c.Resources
	case "resources/templates/list":
		return &c.Templates
	}
	return &c.Prompts
}
