package store

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// hostileMarkdown is server text that tries to become Markdown or HTML in
// a transcript: images that load on view, links, autolinks, raw HTML,
// headings, a fence that closes the block, table cells, backtick runs.
var hostileMarkdown = []string{
	`<img src="http://evil.example/track.png">`,
	`![x](http://evil.example/pixel.png)`,
	`[click me](javascript:alert(1))`,
	`<http://evil.example/autolink>`,
	`http://evil.example/bare www.evil.example`,
	`<script>alert(1)</script>`,
	"`code` `` double `` ``` triple ````",
	"```\n# Heading from the server\n<img src=x>\n```",
	"~~~\n# tilde fence\n~~~",
	`| cell | break |`,
	`**bold** _em_ \` + "\\" + ` &amp; &lt;b&gt;`,
	"`",
	" leading and trailing ",
}

// exportHostile exports a recording whose server-provided fields all hold
// s, and renders the Markdown to HTML with a CommonMark + GFM parser
// (tables, autolinks), as a viewer would.
func exportHostile(t *testing.T, s string) (md, out string) {
	t.Helper()
	id, _ := json.Marshal(s)
	raw, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": json.RawMessage(id), "method": s,
		"params": map[string]any{"name": s, "uri": s}})
	evs := []mcp.Event{
		{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnecting, Text: "http://127.0.0.1:9/mcp"},
		{Dir: mcp.DirMeta, Kind: mcp.KindState, State: mcp.StateConnected, Info: &mcp.ConnInfo{
			Transport: mcp.TransportHTTP, Protocol: s, Era: "legacy", Instructions: s,
			Server: json.RawMessage(`{"name":` + string(id) + `,"version":` + string(id) + `}`)}},
		{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "GET", RPC: mcp.RPCRequest, Method: s, ID: string(id), Raw: raw},
		{Dir: mcp.DirOut, Kind: mcp.KindMessage, Stream: "POST", RPC: mcp.RPCResponse, ID: string(id), ReqMethod: s, Err: s,
			Raw: json.RawMessage(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":{}}`)},
		{Dir: mcp.DirIn, Kind: mcp.KindMessage, Stream: "GET", RPC: mcp.RPCErrorResponse, ID: string(id), ReqMethod: s,
			Raw: json.RawMessage(`{"jsonrpc":"2.0","id":` + string(id) + `,"error":{"code":1,"message":` + string(id) + `}}`)},
		{Dir: mcp.DirIn, Kind: mcp.KindHTTP, Stream: "POST", HTTPMethod: "POST", Status: 200, ContentType: s},
		{Dir: mcp.DirOut, Kind: mcp.KindHTTP, Stream: "GET", HTTPMethod: "GET", URL: s},
		{Dir: mcp.DirMeta, Kind: mcp.KindError, Err: s},
		{Dir: mcp.DirIn, Kind: mcp.KindStderr, Stream: "stderr", Text: s},
		{Dir: mcp.DirIn, Kind: mcp.KindSSE, Stream: "GET", SSEEvent: s, Text: s},
		{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Text: s},
	}
	for i := range evs {
		evs[i].Seq = uint64(i + 1)
		evs[i].Time = t0.Add(0)
	}
	r := openT(t, writeRecording(t, t.TempDir(), evs))
	var b bytes.Buffer
	if err := ExportMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	var h bytes.Buffer
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
	if err := gm.Convert(b.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	return b.String(), h.String()
}

var htmlTag = regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)`)

// Server text in a Markdown export stays text: rendered (raw HTML
// allowed, as GitHub-like viewers do for safe tags), the transcript has
// no image, link, script or tag the server chose, and only the headings
// and blocks sonde writes.
func TestExportMarkdownNeutralisesServerText(t *testing.T) {
	allowed := map[string]bool{"h1": true, "h3": true, "h4": true, "h2": true, "p": true, "ul": true, "li": true, "code": true,
		"pre": true, "strong": true, "em": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "blockquote": true}
	for _, s := range hostileMarkdown {
		md, out := exportHostile(t, s)
		for _, m := range htmlTag.FindAllStringSubmatch(out, -1) {
			if !allowed[strings.ToLower(m[2])] {
				t.Errorf("%q made a <%s> element:\n%s\n---\n%s", s, m[2], md, out)
				break
			}
		}
		// Headings: the title, "Transcript", "At the end", and one per
		// message (3).
		if n := strings.Count(out, "<h"); n != 3+3+strings.Count(out, "<hr") {
			t.Errorf("%q: %d headings:\n%s", s, n, out)
		}
		// The text survives, as code (HTML-escaped by the renderer).
		if !strings.Contains(out, "<code>") {
			t.Errorf("%q: no code span", s)
		}
		// Every table row has two cells.
		for _, row := range strings.Split(out, "<tr>")[1:] {
			if n := strings.Count(row, "<td") + strings.Count(row, "<th>") + strings.Count(row, "<th "); n != 2 {
				t.Errorf("%q: a table row with %d cells:\n%s", s, n, md)
			}
		}
	}
}

// A server instruction survives the export verbatim (in a block), however
// many backticks it holds.
func TestExportMarkdownKeepsInstructions(t *testing.T) {
	s := "Use `tool` then:\n````\n# not a heading\n````"
	md, out := exportHostile(t, s)
	if !strings.Contains(md, "\n`````text\n"+s+"\n`````\n") {
		t.Fatalf("instructions not fenced verbatim:\n%s", md)
	}
	if !strings.Contains(out, "# not a heading") {
		t.Fatalf("instructions lost:\n%s", out)
	}
}
