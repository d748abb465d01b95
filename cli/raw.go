package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// sonde raw and the shell's raw: one message sent as it is.

// rawIDs numbers the requests `raw METHOD [PARAMS]` builds; a string id
// never collides with sonde's own numbers.
var rawIDs atomic.Int64

// rawMessage reads raw's arguments: one JSON value (sent as it is), or a
// METHOD with optional PARAMS (a JSON object or array), which becomes a
// JSON-RPC request with an id of its own and meta (the session's
// RequestMeta: a 2026-07-28 server answers no request without it) as its
// params' _meta unless PARAMS has one.
func rawMessage(args []string, meta json.RawMessage) ([]byte, error) {
	if len(args) == 0 {
		return nil, usagef("raw: give a JSON message, or METHOD [PARAMS]: sonde raw TARGET '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}'")
	}
	first := strings.TrimSpace(args[0])
	if strings.HasPrefix(first, "{") || strings.HasPrefix(first, "[") {
		if len(args) > 1 {
			return nil, usagef("raw: one JSON message (quote it), then nothing: unexpected %q", args[1])
		}
		if !json.Valid([]byte(first)) {
			var v any
			err := json.Unmarshal([]byte(first), &v)
			return nil, usagef("raw: the message is not JSON: %v", err)
		}
		return []byte(first), nil
	}
	if len(args) > 2 {
		return nil, usagef("raw: METHOD [PARAMS], then nothing: unexpected %q", args[2])
	}
	req := map[string]any{"jsonrpc": "2.0", "id": fmt.Sprintf("raw-%d", rawIDs.Add(1)), "method": first}
	obj := map[string]json.RawMessage{}
	if len(args) == 2 {
		p := strings.TrimSpace(args[1])
		if !(strings.HasPrefix(p, "{") || strings.HasPrefix(p, "[")) || !json.Valid([]byte(p)) {
			return nil, usagef("raw: PARAMS must be a JSON object or array, not %q", p)
		}
		req["params"] = json.RawMessage(p)
		if json.Unmarshal([]byte(p), &obj) != nil {
			obj = nil // an array: nowhere to put _meta
		}
	}
	if len(meta) > 0 && obj != nil && obj["_meta"] == nil {
		obj["_meta"] = meta
		req["params"] = obj
	}
	return json.Marshal(req)
}

func runRaw(ctx context.Context, c *runCtx) error {
	msg, err := rawMessage(c.pos, c.session.RequestMeta())
	if err != nil {
		return err
	}
	res, err := c.session.SendRaw(ctx, msg, c.o.rawWait)
	if c.o.json {
		if b, merr := rawJSON(res); merr == nil && (err == nil || len(res.Events) > 0) {
			fmt.Fprintf(c.out, "%s\n", b)
		}
		return err
	}
	printRaw(c.out, res, c.o.rawWait)
	return err
}

// rawJSON is the --json form of a raw result: {"sent", "answer"} for a
// request, {"sent", "events"} (each an event as recordings write it)
// otherwise.
func rawJSON(res mcp.RawResult) (json.RawMessage, error) {
	out := map[string]any{"sent": res.Sent}
	switch {
	case res.Answer != nil:
		out["answer"] = res.Answer.Raw
	default:
		evs := res.Events
		if evs == nil {
			evs = []mcp.Event{}
		}
		out["events"] = evs
	}
	return json.Marshal(out)
}

// printRaw writes a raw result for a person: the answer as indented JSON,
// or one line per event that arrived, its payload whole.
func printRaw(w io.Writer, res mcp.RawResult, wait interface{ String() string }) {
	if res.Answer != nil {
		fmt.Fprintln(w, prettyJSON(res.Answer.Raw))
		return
	}
	if res.ID != "" && len(res.Events) == 0 {
		return // the error says it
	}
	if len(res.Events) == 0 {
		fmt.Fprintf(w, "(nothing arrived within %s)\n", wait)
		return
	}
	for _, e := range res.Events {
		fmt.Fprintln(w, rawEventLine(&e))
	}
}

// rawEventLine is one event that arrived: its label, then its payload
// whole (JSON on one line, text, an HTTP error's body) or its summary.
func rawEventLine(e *mcp.Event) string {
	label := e.Label()
	switch {
	case len(e.Raw) > 0:
		return termsafe.Line(label + "  " + string(compactJSON(e.Raw)))
	case e.Kind == mcp.KindHTTP && e.Body != "":
		return termsafe.Line(label + "  " + e.Body)
	case e.Kind == mcp.KindSSE && e.Text != "":
		return termsafe.Line(label + "  " + e.Text)
	}
	return label + "  " + e.Summary()
}
