package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/media"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
)

// checkArgs validates a headless command's positionals and arguments
// before it connects, as far as they can be without the server (a tool's
// schema converts KEY=VALUE later): a mistake costs no connection and
// leaves --record FILE untouched.
func checkArgs(id cmdSet, c *runCtx) error {
	switch id {
	case cmdCall, cmdPrompt:
		cmd, what := "call", "TOOL"
		if id == cmdPrompt {
			cmd, what = "prompt", "NAME"
		}
		_, pairs, err := c.named(cmd, what)
		if err == nil {
			_, err = buildArgs(c.o.args, pairs, nil, true)
		}
		return err
	case cmdRead:
		_, err := c.readURI()
		return err
	case cmdRaw:
		_, err := rawMessage(c.pos, nil)
		return err
	case cmdShell:
		if len(c.pos) > 0 {
			return usagef("shell: unexpected argument %q (commands come from stdin)", c.pos[0])
		}
	default:
		if len(c.pos) > 0 {
			return usagef("unexpected argument %q", c.pos[0])
		}
	}
	return nil
}

func runList(method, key string) func(context.Context, *runCtx) error {
	return func(ctx context.Context, c *runCtx) error {
		l, err := listing(ctx, c, method, key)
		if err != nil {
			return err
		}
		if l.note != "" {
			if c.o.json {
				fmt.Fprintln(c.env.Stderr, "sonde: "+termsafe.Line(l.note))
			} else if _, err := fmt.Fprintf(c.out, "(%s)\n", termsafe.Line(l.note)); err != nil {
				return err
			}
		}
		if l.raw != nil {
			if c.o.json {
				_, err := fmt.Fprintf(c.out, "{\"raw\":%s}\n", compactJSON(l.raw))
				return err
			}
			_, err := fmt.Fprintln(c.out, prettyJSON(l.raw))
			return err
		}
		if l.items == nil && !c.o.json && l.note != "" {
			return nil // the note said why there is nothing
		}
		return printList(c.out, key, l.items, c.o.json)
	}
}

// compactJSON is raw on one line (valid JSON from the wire; anything
// else is quoted as a string).
func compactJSON(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		q, _ := json.Marshal(string(raw))
		return q
	}
	return b.Bytes()
}

// undeclared says why a list method is not for this server: its
// capabilities do not declare the listing ("" when they do).
func undeclared(s *mcp.Session, method string) string {
	k, ok := session.ListFor(method)
	if !ok || session.ParseCapabilities(s.Info().Capabilities).Has(k.Capability()) {
		return ""
	}
	return fmt.Sprintf("no %s: the server does not declare the %s capability", k.Name(), k.Capability())
}

func printList(w io.Writer, key string, items []json.RawMessage, asJSON bool) error {
	if asJSON {
		if items == nil {
			items = []json.RawMessage{}
		}
		b, err := json.Marshal(map[string][]json.RawMessage{key: items})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	if len(items) == 0 {
		fmt.Fprintf(w, "(no %s)\n", key)
		return nil
	}
	for _, it := range items {
		fmt.Fprintln(w, describeItem(key, it))
	}
	return nil
}

// describeItem is the one-line text form of a tool, resource, template or prompt.
func describeItem(key string, raw json.RawMessage) string {
	it := mcp.DecodeItem(raw)
	var b strings.Builder
	switch key {
	case "resources":
		b.WriteString(it.URI)
		if it.Name != "" {
			b.WriteString("  " + it.Name)
		}
		if it.MimeType != "" {
			b.WriteString(" (" + it.MimeType + ")")
		}
	case "resourceTemplates":
		b.WriteString(it.URITemplate)
		if it.Name != "" {
			b.WriteString("  " + it.Name)
		}
	case "prompts":
		b.WriteString(it.Name)
		var args []string
		for _, a := range it.Arguments {
			if a.Required {
				args = append(args, a.Name)
			} else {
				args = append(args, a.Name+"?")
			}
		}
		b.WriteString("(" + strings.Join(args, ", ") + ")")
	default:
		b.WriteString(it.Name)
		if title := it.DisplayName(); title != it.Name {
			b.WriteString(" (" + title + ")")
		}
		if badges := it.Annotations.Badges(); len(badges) > 0 {
			b.WriteString(" [" + strings.Join(badges, ", ") + "]")
		}
	}
	if d := mcp.FirstLine(it.Description, 160); d != "" {
		b.WriteString(" — " + d)
	}
	return termsafe.Line(b.String())
}

// ---- arguments ----

// buildArgs merges --args JSON and KEY=VALUE pairs. schemaFor, if it returns
// a schema, converts each VALUE to the type its property wants.
func buildArgs(argsJSON string, pairs []string, schema map[string]any, stringsOnly bool) (map[string]any, error) {
	args := map[string]any{}
	if argsJSON != "" {
		d := json.NewDecoder(strings.NewReader(argsJSON))
		d.UseNumber()
		if err := d.Decode(&args); err != nil {
			return nil, usagef("--args is not a JSON object: %v", err)
		}
	}
	for _, p := range pairs {
		key, value, isJSON, err := splitPair(p)
		if err != nil {
			return nil, err
		}
		path := strings.Split(key, ".")
		var v any
		switch {
		case isJSON:
			d := json.NewDecoder(strings.NewReader(value))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				return nil, usagef("%s:= is not valid JSON: %v", key, err)
			}
		case stringsOnly:
			v = value
		default:
			v, err = coerce(value, propertySchema(schema, path))
			if err != nil {
				return nil, usagef("%s: %v", key, err)
			}
		}
		if err := setPath(args, path, v); err != nil {
			return nil, usagef("%s: %v", key, err)
		}
	}
	return args, nil
}

// needsSchema reports whether a KEY=VALUE pair is there, whose VALUE is
// converted by its property's schema: KEY:=JSON pairs and --args are taken
// as written, so a call with only those needs no tools/list round trip.
func needsSchema(pairs []string) bool {
	for _, p := range pairs {
		if _, _, isJSON, err := splitPair(p); err != nil || !isJSON {
			return true // a bad pair is reported by buildArgs, after the lookup as before
		}
	}
	return false
}

func splitPair(p string) (key, value string, isJSON bool, err error) {
	i := strings.IndexByte(p, '=')
	if i <= 0 {
		return "", "", false, usagef("argument %q is not KEY=VALUE", p)
	}
	key, value = p[:i], p[i+1:]
	if strings.HasSuffix(key, ":") {
		key, isJSON = strings.TrimSuffix(key, ":"), true
	}
	if key == "" {
		return "", "", false, usagef("argument %q has an empty key", p)
	}
	return key, value, isJSON, nil
}

func setPath(m map[string]any, path []string, v any) error {
	for i, k := range path {
		if i == len(path)-1 {
			m[k] = v
			return nil
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			if _, exists := m[k]; exists {
				return fmt.Errorf("%s is not an object", strings.Join(path[:i+1], "."))
			}
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return nil
}

// propertySchema walks properties along path.
func propertySchema(schema map[string]any, path []string) map[string]any {
	cur := schema
	for _, k := range path {
		if cur == nil {
			return nil
		}
		props, _ := cur["properties"].(map[string]any)
		cur, _ = props[k].(map[string]any)
	}
	return cur
}

// schemaTypes lists the JSON types a property schema allows.
func schemaTypes(prop map[string]any) []string {
	switch t := prop["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if _, ok := prop["enum"]; ok {
		return []string{"string"}
	}
	return nil
}

// coerce converts a command-line value to what its property wants. Without
// a schema, valid JSON (numbers, booleans, null, objects, arrays, quoted
// strings) is taken as JSON and anything else as a string.
func coerce(value string, prop map[string]any) (any, error) {
	types := schemaTypes(prop)
	has := func(t string) bool {
		for _, x := range types {
			if x == t {
				return true
			}
		}
		return false
	}
	if len(types) == 0 {
		var v any
		d := json.NewDecoder(strings.NewReader(value))
		d.UseNumber()
		if err := d.Decode(&v); err == nil && !d.More() {
			return v, nil
		}
		return value, nil
	}
	if value == "null" && has("null") {
		return nil, nil
	}
	switch {
	case has("integer"):
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			return n, nil
		}
		if !has("string") && !has("number") {
			return nil, fmt.Errorf("%q is not an integer", value)
		}
	}
	if has("number") {
		if _, err := strconv.ParseFloat(value, 64); err == nil {
			return json.Number(value), nil
		}
		if !has("string") {
			return nil, fmt.Errorf("%q is not a number", value)
		}
	}
	if has("boolean") {
		if b, err := strconv.ParseBool(value); err == nil {
			return b, nil
		}
		if !has("string") {
			return nil, fmt.Errorf("%q is not a boolean (true or false)", value)
		}
	}
	if has("string") {
		return value, nil
	}
	if has("object") || has("array") {
		var v any
		d := json.NewDecoder(strings.NewReader(value))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			if has("array") && !strings.HasPrefix(strings.TrimSpace(value), "[") {
				// a,b,c for an array of strings
				var out []any
				for _, part := range strings.Split(value, ",") {
					out = append(out, part)
				}
				return out, nil
			}
			return nil, fmt.Errorf("%q is not valid JSON", value)
		}
		return v, nil
	}
	return value, nil
}

// findTool returns a tool's entry from tools/list (nil if it is not listed).
func findTool(ctx context.Context, s *mcp.Session, name string) (json.RawMessage, error) {
	tools, err := s.ListAll(ctx, "tools/list", "tools")
	if err != nil {
		return nil, err
	}
	for _, raw := range tools {
		var t struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &t) == nil && t.Name == name {
			return raw, nil
		}
	}
	return nil, nil
}

// inputSchema reads a tool entry's inputSchema.
func inputSchema(tool json.RawMessage) map[string]any {
	var t struct {
		InputSchema map[string]any `json:"inputSchema"`
	}
	json.Unmarshal(tool, &t)
	return t.InputSchema
}

// ---- call, read, prompt ----

// named returns the tool or prompt name (--name, else the first
// positional) and the KEY=VALUE pairs after it. --name exists for names the
// flag parser would read as a flag (a tool called "--record=FILE"): "Copy as
// sonde command" writes such names with it.
func (c *runCtx) named(cmd, what string) (string, []string, error) {
	if c.o.name != "" {
		return c.o.name, c.pos, nil
	}
	if len(c.pos) == 0 {
		return "", nil, usagef("%s: missing %s", cmd, what)
	}
	return c.pos[0], c.pos[1:], nil
}

func runCall(ctx context.Context, c *runCtx) error {
	name, pairs, err := c.named("call", "TOOL")
	if err != nil {
		return err
	}
	var tool json.RawMessage
	if needsSchema(pairs) {
		var err error
		if tool, err = findTool(ctx, c.session, name); err != nil {
			return err
		}
	}
	args, err := buildArgs(c.o.args, pairs, inputSchema(tool), false)
	if err != nil {
		return err
	}
	raw, err := callTool(ctx, c.session, name, args, tool)
	if err != nil {
		return err
	}
	return printToolResult(c.out, raw, c.o.json, c.o.output)
}

// callTool calls a tool, asking for progress, and follows a task to its
// result: a 2025-11-25 tool whose taskSupport is "required" is called as a
// task (looked up when the server refuses the plain call), and a task
// handle from a 2026 server is awaited. tool may be nil (not looked up yet).
func callTool(ctx context.Context, s *mcp.Session, name string, args map[string]any, tool json.RawMessage) (json.RawMessage, error) {
	params := map[string]any{"name": name, "arguments": args}
	call := func(asTask bool) (json.RawMessage, error) {
		opts := []mcp.CallOption{mcp.WithProgressToken()}
		if asTask {
			opts = append(opts, mcp.WithTask(0))
		}
		return s.Call(ctx, "tools/call", params, opts...)
	}
	asTask := tool != nil && s.Era() == "legacy" && mcp.ToolTaskSupport(tool) == "required"
	raw, err := call(asTask)
	var re *mcp.RPCError
	if err != nil && !asTask && tool == nil && s.Era() == "legacy" && errors.As(err, &re) && re.Code == mcp.CodeMethodNotFound {
		// A task-only tool called plainly answers -32601: look it up.
		if t, ferr := findTool(ctx, s, name); ferr == nil && t != nil && mcp.ToolTaskSupport(t) == "required" {
			raw, err = call(true)
		}
	}
	if err != nil {
		return nil, err
	}
	if task, ok := mcp.TaskOf(raw); ok {
		return s.AwaitTask(ctx, task, nil)
	}
	return raw, nil
}

// printToolResult prints a CallToolResult: as received with --json, else
// its content as readable, terminal-safe text. isError becomes toolError.
func printToolResult(w io.Writer, raw json.RawMessage, asJSON bool, outFile string) error {
	res, err := mcp.DecodeToolResult(raw)
	if err != nil {
		return fmt.Errorf("unreadable tool result: %w", err)
	}
	if asJSON {
		fmt.Fprintf(w, "%s\n", bytes.TrimSpace(raw))
	} else {
		hasText := false
		for _, b := range res.Content {
			text, isText := renderBlock(b)
			hasText = hasText || isText
			fmt.Fprintln(w, text)
		}
		if !hasText && len(res.StructuredContent) > 0 {
			fmt.Fprintln(w, prettyJSON(res.StructuredContent))
		}
	}
	if outFile != "" {
		if err := saveFirstContent(outFile, res.Content); err != nil {
			return err
		}
	}
	if res.IsError {
		return toolError{}
	}
	return nil
}

// renderBlock renders one content block; isText reports a text block.
func renderBlock(raw json.RawMessage) (out string, isText bool) {
	b := mcp.DecodeContent(raw)
	switch b.Type {
	case "text":
		return termsafe.Text(b.Text), true
	case "image", "audio":
		n, about := base64.StdEncoding.DecodedLen(len(b.Data)), ""
		if d, err := base64.StdEncoding.DecodeString(b.Data); err == nil {
			n = len(d)
			if about = media.ImageDims(d); about == "" {
				about = media.WAVInfo(d)
			}
		}
		if about != "" {
			about = " " + about
		}
		return termsafe.Line(fmt.Sprintf("[%s %s%s, %s]", b.Type, b.MimeType, about, sizeText(n))), false
	case "resource_link":
		s := "[link] " + b.URI
		if b.Name != "" {
			s += "  " + b.Name
		}
		if b.MimeType != "" {
			s += " (" + b.MimeType + ")"
		}
		return termsafe.Line(s), false
	case "resource":
		if r := b.Resource; r != nil {
			if r.Text != nil {
				return termsafe.Line("[resource "+r.URI+"]") + "\n" + termsafe.Text(*r.Text), true
			}
			n, _ := base64.StdEncoding.DecodeString(r.Blob)
			return termsafe.Line(fmt.Sprintf("[resource %s %s, %s]", r.URI, r.MimeType, sizeText(len(n)))), false
		}
	}
	return termsafe.Text("[" + b.Type + "] " + string(raw)), false
}

func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// prettyJSON is raw indented (deeper levels flattened, see prettyjson)
// and terminal-safe; invalid JSON comes back as it was, made safe.
func prettyJSON(raw json.RawMessage) string {
	s, _ := prettyjson.Indent(raw, 0)
	return termsafe.Text(s)
}

// saveFirstContent writes a result's payload to a file: the first binary
// block (image or audio data, a blob) if there is one, else the first text.
// Blocks may be content blocks or resources/read contents.
func saveFirstContent(path string, blocks []json.RawMessage) error {
	var text *string
	for _, raw := range blocks {
		b := mcp.DecodeContent(raw)
		var rc mcp.ResourceContents
		json.Unmarshal(raw, &rc)
		if b.Resource != nil {
			rc = *b.Resource
		}
		var data string
		switch {
		case b.Data != "":
			data = b.Data
		case rc.Blob != "":
			data = rc.Blob
		case text == nil && rc.Text != nil:
			text = rc.Text
			continue
		case text == nil && b.Type == "text":
			t := b.Text
			text = &t
			continue
		default:
			continue
		}
		d, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return fmt.Errorf("content is not valid base64: %w", err)
		}
		return os.WriteFile(path, d, 0o644)
	}
	if text == nil {
		return errors.New("nothing to save: the result has no content")
	}
	return os.WriteFile(path, []byte(*text), 0o644)
}

// readURI is the URI of sonde read: --uri (for a URI beginning with -),
// else the one positional.
func (c *runCtx) readURI() (string, error) {
	switch {
	case c.o.uri != "" && len(c.pos) == 0:
		return c.o.uri, nil
	case c.o.uri == "" && len(c.pos) == 1:
		return c.pos[0], nil
	}
	return "", usagef("read: give exactly one URI")
}

func runRead(ctx context.Context, c *runCtx) error {
	uri, err := c.readURI()
	if err != nil {
		return err
	}
	raw, err := c.session.Call(ctx, "resources/read", map[string]string{"uri": uri})
	if err != nil {
		return err
	}
	var res struct {
		Contents []json.RawMessage `json:"contents"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("unreadable resources/read result: %w", err)
	}
	if c.o.json {
		fmt.Fprintf(c.out, "%s\n", bytes.TrimSpace(raw))
	} else {
		for _, r := range res.Contents {
			var cont mcp.ResourceContents
			json.Unmarshal(r, &cont)
			if cont.Text != nil {
				fmt.Fprintln(c.out, termsafe.Text(*cont.Text))
				continue
			}
			d, _ := base64.StdEncoding.DecodeString(cont.Blob)
			hint := " (save it with -o FILE)"
			if c.o.output != "" {
				hint = "" // -o saves it
			}
			fmt.Fprintln(c.out, termsafe.Line(fmt.Sprintf("[blob %s %s, %s]%s", cont.URI, cont.MimeType, sizeText(len(d)), hint)))
		}
	}
	if c.o.output != "" {
		return saveFirstContent(c.o.output, res.Contents)
	}
	return nil
}

func runPrompt(ctx context.Context, c *runCtx) error {
	name, pairs, err := c.named("prompt", "NAME")
	if err != nil {
		return err
	}
	args, err := buildArgs(c.o.args, pairs, nil, true)
	if err != nil {
		return err
	}
	raw, err := getPrompt(ctx, c.session, name, args)
	if err != nil {
		return err
	}
	return printPrompt(c.out, raw, c.o.json)
}

func getPrompt(ctx context.Context, s *mcp.Session, name string, args map[string]any) (json.RawMessage, error) {
	// Prompt arguments are strings on the wire.
	sargs := map[string]string{}
	for k, v := range args {
		switch x := v.(type) {
		case string:
			sargs[k] = x
		default:
			b, _ := json.Marshal(x)
			sargs[k] = string(b)
		}
	}
	params := map[string]any{"name": name}
	if len(sargs) > 0 {
		params["arguments"] = sargs
	}
	return s.Call(ctx, "prompts/get", params)
}

func printPrompt(w io.Writer, raw json.RawMessage, asJSON bool) error {
	if asJSON {
		fmt.Fprintf(w, "%s\n", bytes.TrimSpace(raw))
		return nil
	}
	var res struct {
		Description string `json:"description"`
		Messages    []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("unreadable prompts/get result: %w", err)
	}
	if res.Description != "" {
		fmt.Fprintln(w, termsafe.Text(res.Description))
		fmt.Fprintln(w)
	}
	for _, m := range res.Messages {
		text, _ := renderBlock(m.Content)
		fmt.Fprintf(w, "%s: %s\n", termsafe.Line(m.Role), text)
	}
	return nil
}
