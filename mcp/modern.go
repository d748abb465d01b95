package mcp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ModernProtocol is the first stateless revision: no initialize, every
// request carries its version and capabilities in params._meta.
const ModernProtocol = "2026-07-28"

// Meta keys of the 2026-07-28 revision.
const (
	MetaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	MetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	MetaClientInfo         = "io.modelcontextprotocol/clientInfo"
	MetaServerInfo         = "io.modelcontextprotocol/serverInfo"
	MetaSubscriptionID     = "io.modelcontextprotocol/subscriptionId"
	MetaLogLevel           = "io.modelcontextprotocol/logLevel"
)

// IsModern reports whether a revision is stateless (2026-07-28 or later).
func IsModern(protocol string) bool { return protocol >= ModernProtocol }

// setMeta merges keys into params._meta, creating what is missing. Other
// members keep their exact bytes.
func setMeta(params json.RawMessage, kv map[string]json.RawMessage) json.RawMessage {
	obj := map[string]json.RawMessage{}
	if len(params) > 0 && json.Unmarshal(params, &obj) != nil {
		return params // not an object: leave it alone
	}
	meta := map[string]json.RawMessage{}
	if m, ok := obj["_meta"]; ok {
		json.Unmarshal(m, &meta)
	}
	for k, v := range kv {
		meta[k] = v
	}
	mb, _ := json.Marshal(meta)
	obj["_meta"] = mb
	out, _ := json.Marshal(obj)
	return out
}

// setMembers sets top-level members of params (raw values, echoed exactly).
func setMembers(params json.RawMessage, kv map[string]json.RawMessage) json.RawMessage {
	obj := map[string]json.RawMessage{}
	if len(params) > 0 && json.Unmarshal(params, &obj) != nil {
		return params
	}
	for k, v := range kv {
		if v == nil {
			delete(obj, k)
		} else {
			obj[k] = v
		}
	}
	out, _ := json.Marshal(obj)
	return out
}

// ---- headers (SEP-2243) ----

// headerValue encodes a value for Mcp-Name or Mcp-Param-*: plain when it is
// printable ASCII without edge whitespace, else =?base64?...?= (also when the
// plain value itself looks like that form). Tabs are base64-encoded too: the
// specification allows them plain, the conformance harness does not, and
// base64 is always acceptable.
func headerValue(v string) string {
	plain := v == strings.TrimSpace(v)
	for i := 0; plain && i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			plain = false
		}
	}
	if plain && strings.HasPrefix(v, "=?base64?") && strings.HasSuffix(v, "?=") {
		plain = false
	}
	if plain {
		return v
	}
	return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(v)) + "?="
}

// headerParam is one x-mcp-header mapping: the header name and the path of
// the argument it mirrors.
type headerParam struct {
	Name string
	Path []string
}

// isToken reports an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// headerParams validates a tool's x-mcp-header annotations (2026-07-28)
// and returns the mappings, or why the tool must be dropped: a value that is
// not a token, duplicates (case-insensitive), a non-primitive or number
// property, or an annotation not reachable through `properties` alone.
func headerParams(inputSchema json.RawMessage) ([]headerParam, error) {
	if len(inputSchema) == 0 || !bytes.Contains(inputSchema, []byte("x-mcp-header")) {
		return nil, nil
	}
	var root any
	if err := json.Unmarshal(inputSchema, &root); err != nil {
		return nil, fmt.Errorf("unreadable inputSchema: %v", err)
	}
	var out []headerParam
	seen := map[string]bool{}
	var walk func(node any, path []string, reachable bool) error
	walk = func(node any, path []string, reachable bool) error {
		switch n := node.(type) {
		case []any:
			for _, x := range n {
				if err := walk(x, path, false); err != nil {
					return err
				}
			}
		case map[string]any:
			if raw, ok := n["x-mcp-header"]; ok {
				name, isStr := raw.(string)
				switch {
				case !reachable || len(path) == 0:
					return fmt.Errorf("x-mcp-header %v is not reachable through properties alone", raw)
				case !isStr || !isToken(name):
					return fmt.Errorf("x-mcp-header %q on %s is not a valid header name", raw, strings.Join(path, "."))
				case seen[strings.ToLower(name)]:
					return fmt.Errorf("x-mcp-header %q is used twice", name)
				}
				switch t, _ := n["type"].(string); t {
				case "string", "integer", "boolean":
				default:
					return fmt.Errorf("x-mcp-header %q is on a %q property (only string, integer and boolean)", name, t)
				}
				seen[strings.ToLower(name)] = true
				out = append(out, headerParam{Name: name, Path: append([]string(nil), path...)})
			}
			for k, v := range n {
				if k == "properties" {
					if props, ok := v.(map[string]any); ok {
						for pk, pv := range props {
							if err := walk(pv, append(path, pk), reachable); err != nil {
								return err
							}
						}
						continue
					}
				}
				if k == "x-mcp-header" || k == "enum" || k == "const" || k == "default" || k == "examples" {
					continue
				}
				if err := walk(v, path, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(root, nil, true); err != nil {
		return nil, err
	}
	return out, nil
}

// paramHeaders builds the Mcp-Param-* headers for a tools/call: each
// annotated argument that is present and not null, converted (integers in
// decimal, booleans as true/false) and encoded.
func paramHeaders(h http.Header, params []headerParam, args map[string]any) {
	for _, p := range params {
		var v any = args
		for _, k := range p.Path {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[k]
		}
		var s string
		switch x := v.(type) {
		case nil:
			continue
		case string:
			s = x
		case bool:
			s = strconv.FormatBool(x)
		case json.Number:
			s = x.String()
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53-1 {
				continue
			}
			s = strconv.FormatInt(int64(x), 10)
		default:
			continue
		}
		h.Set("Mcp-Param-"+p.Name, headerValue(s))
	}
}

// ---- results ----

// resultType reads a result's resultType; absent means "complete".
func resultType(raw json.RawMessage) string {
	var r struct {
		ResultType string `json:"resultType"`
	}
	json.Unmarshal(raw, &r)
	if r.ResultType == "" {
		return "complete"
	}
	return r.ResultType
}

// ErrInvalidResultType reports a result whose resultType sonde does not know
// (the specification says such a result is invalid).
var ErrInvalidResultType = errors.New("unknown resultType")

// inputRequired is the 2026-07-28 multi round-trip result.
type inputRequired struct {
	InputRequests map[string]struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	} `json:"inputRequests"`
	RequestState json.RawMessage `json:"requestState"`
}

// ---- dressing requests for the modern era ----

// clientCaps are the capabilities sonde declares.
func (s *Session) clientCaps() json.RawMessage {
	caps := s.cfg.Capabilities
	if len(caps) == 0 {
		caps = json.RawMessage(`{}`)
	}
	if s.cfg.Tasks {
		caps = setMembers(caps, map[string]json.RawMessage{"extensions": json.RawMessage(`{"` + TasksExtension + `":{}}`)})
	}
	return caps
}

// modernParams adds the per-request _meta every 2026-07-28 request carries:
// the protocol version, the client's capabilities and its identity.
func (s *Session) modernParams(proto string, params json.RawMessage) json.RawMessage {
	v, _ := json.Marshal(proto)
	info, _ := json.Marshal(s.cfg.clientInfo())
	meta := map[string]json.RawMessage{
		MetaProtocolVersion:    v,
		MetaClientCapabilities: s.clientCaps(),
		MetaClientInfo:         info,
	}
	s.mu.Lock()
	if s.logLevel != "" {
		meta[MetaLogLevel], _ = json.Marshal(s.logLevel)
	}
	s.mu.Unlock()
	return setMeta(params, meta)
}

// modernHeaders are the HTTP headers of a 2026-07-28 request: the version
// (equal to the _meta one), Mcp-Method, Mcp-Name for the methods that name
// a target, and Mcp-Param-* for annotated tool arguments.
func (s *Session) modernHeaders(proto, method string, params json.RawMessage) http.Header {
	h := http.Header{}
	h.Set("MCP-Protocol-Version", proto)
	h.Set("Mcp-Method", method)
	var p struct {
		Name      *string         `json:"name"`
		URI       *string         `json:"uri"`
		TaskID    *string         `json:"taskId"`
		Arguments json.RawMessage `json:"arguments"`
	}
	json.Unmarshal(params, &p)
	var name *string
	switch method {
	case "tools/call", "prompts/get":
		name = p.Name
	case "resources/read":
		name = p.URI
	case "tasks/get", "tasks/update", "tasks/cancel", "tasks/result":
		name = p.TaskID
	}
	if name != nil {
		h.Set("Mcp-Name", headerValue(*name))
	}
	if method == "tools/call" && p.Name != nil {
		s.mu.Lock()
		hp := s.toolHeaders[*p.Name]
		s.mu.Unlock()
		if len(hp) > 0 {
			var args map[string]any
			d := json.NewDecoder(bytes.NewReader(p.Arguments))
			d.UseNumber()
			d.Decode(&args)
			paramHeaders(h, hp, args)
		}
	}
	return h
}

// maxInputRounds bounds multi round-trip requests.
const maxInputRounds = 10

// callModern runs one 2026-07-28 request: it fulfils input_required results
// through Config.Handler (a new id each round, requestState echoed exactly
// and only on that retry), retries once with a supported version on -32022,
// re-reads the tools and retries once on -32020 for tools/call, and gives
// back the complete result. tools/list results are filtered: tools with
// invalid x-mcp-header annotations are dropped from the view.
func (s *Session) callModern(ctx context.Context, tr transport, method string, params json.RawMessage, o callOpts) (json.RawMessage, error) {
	var extra map[string]json.RawMessage
	versionRetried, headerRetried := false, false
	// roundID is the id of the round in flight: its input requests came
	// with it (ServerRequest.Via)
	var roundID string
	onID := o.onID
	o.onID = func(id string) {
		roundID = id
		if onID != nil {
			onID(id)
		}
	}
	for round := 0; ; round++ {
		p := params
		if extra != nil {
			p = setMembers(params, extra)
		}
		res, err := s.roundTrip(ctx, tr, method, p, o)
		if err != nil {
			var re *RPCError
			if errors.As(err, &re) {
				switch {
				case re.Code == CodeUnsupportedVersion && !versionRetried:
					if v := s.switchVersion(re); v != "" {
						versionRetried = true
						round--
						continue
					}
				case re.Code == CodeHeaderMismatch && method == "tools/call" && !headerRetried:
					headerRetried = true
					s.note("the server says the request headers do not match (-32020); re-reading tools/list and retrying once")
					if _, lerr := s.listAll(ctx, tr, "tools/list", "tools"); lerr == nil {
						round--
						continue
					}
				}
			}
			return nil, err
		}
		switch rt := resultType(res); rt {
		case "complete":
			if method == "tools/list" {
				res = s.filterTools(res)
			}
			return res, nil
		case "input_required":
			if round+1 >= maxInputRounds {
				return nil, fmt.Errorf("%s still needs input after %d rounds; giving up", method, maxInputRounds)
			}
			extra, err = s.fulfil(ctx, method, roundID, res)
			if err != nil {
				// The log says why the call went no further: the round's
				// input requests end here (Via names the round).
				s.emit(&Event{Dir: DirMeta, Kind: KindError, Via: roundID, ReqMethod: method, Err: err.Error()})
				return nil, err
			}
		case "task":
			return res, nil
		default:
			return nil, fmt.Errorf("%w %q in the answer to %s", ErrInvalidResultType, rt, method)
		}
	}
}

// switchVersion takes a version from a -32022's data.supported (the one in
// use if listed: some servers reject the first request whatever it says).
func (s *Session) switchVersion(re *RPCError) string {
	var data struct {
		Supported []string `json:"supported"`
	}
	json.Unmarshal(re.Data, &data)
	s.mu.Lock()
	cur := s.protocol
	s.mu.Unlock()
	next := pickVersion(data.Supported, cur)
	if next == "" {
		return ""
	}
	s.mu.Lock()
	s.protocol = next
	s.info.Protocol = next
	s.mu.Unlock()
	s.note(fmt.Sprintf("the server rejected version %s (-32022, supported %v); retrying with %s", cur, data.Supported, next))
	return next
}

// maxInputRequests bounds the input requests of one input_required
// result: a hostile server asking for a million would otherwise cost a
// goroutine each.
const maxInputRequests = 4096

// fulfil answers every input request of an input_required result (the
// answer to request id) through the handler, all at once so that a person
// sees them together (the UI queues them), and returns the members of the
// retry. The first failure ends the others.
func (s *Session) fulfil(ctx context.Context, method, id string, res json.RawMessage) (map[string]json.RawMessage, error) {
	var ir inputRequired
	if err := json.Unmarshal(res, &ir); err != nil {
		return nil, fmt.Errorf("unreadable input_required result: %w", err)
	}
	if len(ir.InputRequests) > maxInputRequests {
		return nil, fmt.Errorf("%s needs %d inputs at once; sonde answers at most %d", method, len(ir.InputRequests), maxInputRequests)
	}
	keys := make([]string, 0, len(ir.InputRequests))
	for k := range ir.InputRequests {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	note := strings.Join(keys, ", ")
	if len(keys) > 20 {
		note = strings.Join(keys[:20], ", ") + fmt.Sprintf(" and %d more", len(keys)-20)
	}
	s.note(fmt.Sprintf("%s needs input: %s; answering and retrying", method, note))
	if s.cfg.Handler == nil && len(keys) > 0 {
		k := keys[0]
		return nil, fmt.Errorf("%s needs input (%s %s) and sonde has no handler for it", method, k, ir.InputRequests[k].Method)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		key string
		raw json.RawMessage
		err error
	}
	done := make(chan answer, len(keys))
	for _, k := range keys {
		req := ir.InputRequests[k]
		go func() {
			ans, err := s.cfg.Handler(ctx, &ServerRequest{Method: req.Method, Params: req.Params, Via: id})
			if err != nil {
				done <- answer{key: k, err: fmt.Errorf("%s needs input %q (%s): %w", method, k, req.Method, err)}
				return
			}
			b, err := json.Marshal(ans)
			done <- answer{key: k, raw: b, err: err}
		}()
	}
	answers := map[string]json.RawMessage{}
	var first error
	for range keys {
		a := <-done
		if a.err != nil && first == nil {
			first = a.err
			cancel() // the others are withdrawn
		}
		answers[a.key] = a.raw
	}
	if first != nil {
		return nil, first
	}
	out := map[string]json.RawMessage{"inputResponses": nil, "requestState": nil}
	if len(ir.InputRequests) > 0 {
		out["inputResponses"], _ = json.Marshal(answers)
	}
	if len(ir.RequestState) > 0 && string(ir.RequestState) != "null" {
		out["requestState"] = ir.RequestState
	}
	return out, nil
}

// filterTools drops tools with invalid x-mcp-header annotations (the
// specification says the client MUST) and remembers the valid mappings.
// The log keeps the result as received.
func (s *Session) filterTools(res json.RawMessage) json.RawMessage {
	var r map[string]json.RawMessage
	if json.Unmarshal(res, &r) != nil {
		return res
	}
	var tools []json.RawMessage
	if json.Unmarshal(r["tools"], &tools) != nil {
		return res
	}
	kept := make([]json.RawMessage, 0, len(tools))
	s.mu.Lock()
	if s.toolHeaders == nil {
		s.toolHeaders = map[string][]headerParam{}
	}
	s.mu.Unlock()
	dropped := false
	for _, t := range tools {
		var tool struct {
			Name        string          `json:"name"`
			InputSchema json.RawMessage `json:"inputSchema"`
		}
		json.Unmarshal(t, &tool)
		hp, err := headerParams(tool.InputSchema)
		if err != nil {
			dropped = true
			s.emit(&Event{Dir: DirMeta, Kind: KindError, Err: fmt.Sprintf("dropping tool %q from the list: %v", tool.Name, err)})
			continue
		}
		s.mu.Lock()
		s.toolHeaders[tool.Name] = hp
		s.mu.Unlock()
		kept = append(kept, t)
	}
	if !dropped {
		return res
	}
	r["tools"], _ = json.Marshal(kept)
	out, _ := json.Marshal(r)
	return out
}

// listAll follows nextCursor through every page of a list method and
// returns the items (the modern tools/list view is filtered).
func (s *Session) listAll(ctx context.Context, tr transport, method, key string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < 10000; page++ {
		var params json.RawMessage
		if cursor != "" {
			params, _ = json.Marshal(map[string]string{"cursor": cursor})
		}
		var raw json.RawMessage
		var err error
		if tr != nil {
			raw, err = s.callModern(ctx, tr, method, params, callOpts{})
		} else {
			raw, err = s.Call(ctx, method, params)
		}
		if err != nil {
			return nil, err
		}
		var res map[string]json.RawMessage
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("%s: unreadable result: %w", method, err)
		}
		var items []json.RawMessage
		if v, ok := res[key]; ok && string(v) != "null" {
			if err := json.Unmarshal(v, &items); err != nil {
				return nil, fmt.Errorf("%s: %q is not a list: %w", method, key, err)
			}
		}
		all = append(all, items...)
		var next string
		json.Unmarshal(res["nextCursor"], &next)
		if next == "" {
			return all, nil
		}
		if seen[next] {
			return all, fmt.Errorf("%s: the server repeated cursor %q; stopped after %d items", method, next, len(all))
		}
		seen[next] = true
		cursor = next
	}
	return all, fmt.Errorf("%s: too many pages", method)
}

// pickVersion chooses from a server's supported versions: the one in use if
// it is listed (some servers reject the first request whatever it says),
// else the newest modern revision sonde knows; "" if there is none.
func pickVersion(supported []string, cur string) string {
	if slices.Contains(supported, cur) {
		return cur
	}
	best := ""
	for _, v := range supported {
		if IsModern(v) && slices.Contains(KnownProtocols, v) && v > best {
			best = v
		}
	}
	return best
}
