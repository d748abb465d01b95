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

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/media"
	"github.com/sonde-mcp/sonde/termsafe"
)

func runList(method, key string) func(context.Context, *runCtx) error {
	return func(ctx context.Context, c *runCtx) error {
		if len(c.pos) > 0 {
			return usagef("unexpected argument %q", c.pos[0])
		}
		items, err := c.session.ListAll(ctx, method, key)
		if err != nil {
			return err
		}
		return printList(c.out, key, items, c.o.json)
	}
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

func runCall(ctx context.Context, c *runCtx) error {
	if len(c.pos) == 0 {
		return usagef("call: missing TOOL")
	}
	name, pairs := c.pos[0], c.pos[1:]
	var tool json.RawMessage
	if len(pairs) > 0 {
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
		opts := []mcp.CallOption{mcp.WithProgress(func(mcp.Progress) {})}
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

func prettyJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return termsafe.Text(string(raw))
	}
	return termsafe.Text(b.String())
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

func runRead(ctx context.Context, c *runCtx) error {
	if len(c.pos) != 1 {
		return usagef("read: give exactly one URI")
	}
	raw, err := c.session.Call(ctx, "resources/read", map[string]string{"uri": c.pos[0]})
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
			fmt.Fprintln(c.out, termsafe.Line(fmt.Sprintf("[blob %s %s, %s] (save it with -o FILE)", cont.URI, cont.MimeType, sizeText(len(d)))))
		}
	}
	if c.o.output != "" {
		return saveFirstContent(c.o.output, res.Contents)
	}
	return nil
}

func runPrompt(ctx context.Context, c *runCtx) error {
	if len(c.pos) == 0 {
		return usagef("prompt: missing NAME")
	}
	args, err := buildArgs(c.o.args, c.pos[1:], nil, true)
	if err != nil {
		return err
	}
	raw, err := getPrompt(ctx, c.session, c.pos[0], args)
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
