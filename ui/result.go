package ui

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/media"
	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/termsafe"
)

// pageBytes is how much of one large text block is shown at a time: a
// multi-megabyte result shows its head, pages through the rest and can be
// saved, and never costs more than a page to wrap.
const pageBytes = 32 << 10

// result is a response being shown in the work pane: what was asked, the
// raw answer (the source of truth) and the things in it that can be opened
// or saved.
type result struct {
	method  string // tools/call, resources/read, prompts/get, ...
	subject string // tool name, uri or prompt name (display form)
	raw     json.RawMessage
	err     error
	took    time.Duration
	at      time.Time
	output  json.RawMessage // the tool's outputSchema, if any
	call    *call           // the call that produced it (nil from the log)
	uri     string          // resources/read: the exact URI read (watchable)

	isError bool
	links   []link
	saves   []saveable
	page    int
	pages   int

	// rendered lines for the current width and page
	lines   []string
	lw      int
	lpage   int
	lstyle  *Styles
	offset  int
	invalid []schema.Error
	checked bool
}

// link is a resource link the user can open (resources/read).
type link struct {
	uri   string // exact
	label string // display
}

// saveable is something in a result that can be written to a file.
type saveable struct {
	label string
	ext   string
	data  []byte
}

func newResult(method, subject string, raw json.RawMessage, err error, took time.Duration, output json.RawMessage) *result {
	r := &result{method: method, subject: subject, raw: raw, err: err, took: took, at: time.Now(), output: output}
	r.scan()
	return r
}

// resultBody is any result the work pane shows: a tool result (content,
// structuredContent, isError: mcp.ToolResult), resources/read contents,
// a prompt's messages. Content blocks stay raw for mcp.DecodeContent.
type resultBody struct {
	mcp.ToolResult
	Contents    []mcp.ResourceContents `json:"contents"`
	Description string                 `json:"description"`
	Messages    []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

// scan finds links, saveable data and the page count; it does not render.
func (r *result) scan() {
	r.saves = append(r.saves, saveable{label: "whole result (JSON)", ext: "json", data: []byte(prettyJSON(r.raw))})
	var body resultBody
	if json.Unmarshal(r.raw, &body) != nil {
		return
	}
	r.isError = body.IsError
	maxText := 0
	addBlock := func(b mcp.Content) {
		switch b.Type {
		case "text":
			maxText = max(maxText, len(b.Text))
			if len(b.Text) > pageBytes {
				r.saves = append(r.saves, saveable{label: "text block", ext: "txt", data: []byte(b.Text)})
			}
		case "image", "audio":
			if data, err := base64.StdEncoding.DecodeString(b.Data); err == nil {
				r.saves = append(r.saves, saveable{label: b.Type + " " + termsafe.Line(b.MimeType), ext: extFor(b.MimeType, b.Type), data: data})
			}
		case "resource_link":
			r.links = append(r.links, link{uri: b.URI, label: termsafe.Line(firstNonEmpty(b.Name, b.URI))})
		case "resource":
			if b.Resource != nil {
				r.scanResource(*b.Resource, &maxText)
			}
		}
	}
	for _, c := range body.Content {
		addBlock(mcp.DecodeContent(c))
	}
	for _, m := range body.Messages {
		addBlock(mcp.DecodeContent(m.Content))
	}
	for _, c := range body.Contents {
		r.scanResource(c, &maxText)
	}
	r.pages = max(1, (maxText+pageBytes-1)/pageBytes)
}

func (r *result) scanResource(c mcp.ResourceContents, maxText *int) {
	switch {
	case c.Text != nil:
		*maxText = max(*maxText, len(*c.Text))
		if len(*c.Text) > pageBytes {
			r.saves = append(r.saves, saveable{label: "text " + termsafe.Line(c.URI), ext: extFor(c.MimeType, "txt"), data: []byte(*c.Text)})
		}
	case c.Blob != "":
		if data, err := base64.StdEncoding.DecodeString(c.Blob); err == nil {
			r.saves = append(r.saves, saveable{label: "blob " + termsafe.Line(c.URI), ext: extFor(c.MimeType, "bin"), data: data})
		}
	}
}

func extFor(mime, fallback string) string {
	switch strings.ToLower(strings.TrimSpace(strings.Split(mime, ";")[0])) {
	case "image/png":
		return "png"
	case "image/jpeg":
		return "jpg"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	case "image/svg+xml":
		return "svg"
	case "audio/wav", "audio/x-wav", "audio/wave":
		return "wav"
	case "audio/mpeg":
		return "mp3"
	case "audio/ogg":
		return "ogg"
	case "application/json":
		return "json"
	case "text/markdown":
		return "md"
	case "text/plain":
		return "txt"
	case "application/pdf":
		return "pdf"
	}
	if fallback == "image" || fallback == "audio" {
		return "bin"
	}
	return fallback
}

// render returns the lines for width w, re-rendering only when the width,
// page or styles changed.
func (r *result) render(w int, st *Styles, hl *highlighter) []string {
	if r.lines != nil && r.lw == w && r.lpage == r.page && r.lstyle == st {
		return r.lines
	}
	r.lw, r.lpage, r.lstyle = w, r.page, st
	r.lines = r.build(w, st, hl)
	return r.lines
}

func (r *result) build(w int, st *Styles, hl *highlighter) []string {
	return wrapWide(r.buildLines(w, st, hl), w)
}

func (r *result) buildLines(w int, st *Styles, hl *highlighter) []string {
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	wrap := func(s string, style lipglossStyle) {
		for _, l := range wrapLines(s, w) {
			add(style.Render(l))
		}
	}
	head := r.method
	if r.subject != "" {
		head += " " + r.subject
	}
	if r.took > 0 {
		head += "  " + st.Muted.Render(fmtTook(r.took))
	}
	if r.err != nil {
		add(st.Err.Render("✗ ")+st.Text.Render(ansi.Truncate(head, w-2, "…")), "")
		wrap(termsafe.Text(describeErr(r.err)), st.Err)
		var re *mcp.RPCError
		if errors.As(r.err, &re) && len(re.Data) > 0 {
			add("", st.Muted.Render("data:"))
			add(hl.Pretty(st.Chroma, re.Data)...)
		}
		return out
	}
	var body resultBody
	if json.Unmarshal(r.raw, &body) != nil {
		add(st.Warn.Render("unreadable result; raw:"))
		wrap(termsafe.Text(string(r.raw)), st.Text)
		return out
	}
	if r.isError {
		add(st.Err.Render("✗ isError ")+st.Text.Render(ansi.Truncate(head, max(0, w-10), "…")), "")
	} else {
		add(st.OK.Render("✓ ")+st.Text.Render(ansi.Truncate(head, max(0, w-2), "…")), "")
	}
	if r.pages > 1 {
		add(st.Warn.Render(fmt.Sprintf("large result: page %d/%d of %s pages  ([ ] page, s save)", r.page+1, r.pages, humanize.IBytes(pageBytes))), "")
	}
	if body.Description != "" {
		wrap(termsafe.Text(body.Description), st.Muted)
		add("")
	}
	textStyle := st.Text
	if r.isError {
		textStyle = st.Err.UnsetBold()
	}
	for i, c := range body.Content {
		if i > 0 {
			add("")
		}
		out = append(out, r.blockLines(c, w, st, hl, textStyle)...)
	}
	for i, m := range body.Messages {
		if i > 0 || len(body.Content) > 0 {
			add("")
		}
		add(st.Accent2.Render("── " + termsafe.Line(m.Role) + " ──"))
		out = append(out, r.blockLines(m.Content, w, st, hl, st.Text)...)
	}
	for i, c := range body.Contents {
		if i > 0 || len(body.Content) > 0 {
			add("")
		}
		out = append(out, r.resourceLines(c, w, st, hl)...)
	}
	if len(body.StructuredContent) > 0 && string(body.StructuredContent) != "null" {
		add("", st.Accent2.Render("structuredContent"))
		r.validate(body.StructuredContent)
		switch {
		case len(r.output) == 0:
			add(st.Muted.Render("(the tool declares no outputSchema)"))
		case len(r.invalid) == 0:
			add(st.OK.Render("✓ matches the tool's outputSchema"))
		default:
			add(st.Err.Render(fmt.Sprintf("✗ %d outputSchema violation(s):", len(r.invalid))))
			for _, e := range r.invalid {
				wrap("  "+termsafe.Line(e.String()), st.Err.UnsetBold())
			}
		}
		add(hl.Pretty(st.Chroma, body.StructuredContent)...)
	} else if len(r.output) > 0 && r.method == "tools/call" && !r.isError {
		add("", st.Err.Render("✗ the tool declares an outputSchema but sent no structuredContent"))
	}
	if len(r.links) > 0 {
		add("", st.Muted.Render(fmt.Sprintf("%d resource link(s): o opens", len(r.links))))
	}
	if len(body.Content) == 0 && len(body.Contents) == 0 && len(body.Messages) == 0 && len(body.StructuredContent) == 0 {
		add(st.Muted.Render("result:"))
		add(hl.Pretty(st.Chroma, r.raw)...)
	}
	return out
}

func (r *result) validate(sc json.RawMessage) {
	if r.checked || len(r.output) == 0 {
		return
	}
	r.checked = true
	s, err := schema.Compile(r.output)
	if err != nil {
		r.invalid = []schema.Error{{Message: "the outputSchema does not compile: " + err.Error()}}
		return
	}
	r.invalid = s.Validate(sc)
}

// pageOf returns the current page of a long text. Pages are whole lines:
// each starts at the beginning of the line that holds its first byte, so
// a page is between half and one and a half pageBytes long.
func (r *result) pageOf(s string) string {
	if len(s) <= pageBytes {
		if r.page > 0 {
			return ""
		}
		return s
	}
	start := pageStart(s, r.page)
	if start >= len(s) {
		return ""
	}
	return s[start:pageStart(s, r.page+1)]
}

// pageStart is where page k of s begins: at byte k*pageBytes moved back to
// the start of its line, when that line began within half a page; a
// longer line is cut there, on a character boundary.
func pageStart(s string, k int) int {
	x := k * pageBytes
	switch {
	case x <= 0:
		return 0
	case x >= len(s):
		return len(s)
	}
	if i := strings.LastIndexByte(s[x-pageBytes/2:x], '\n'); i >= 0 {
		return x - pageBytes/2 + i + 1
	}
	for x < len(s) && s[x]&0xC0 == 0x80 { // keep UTF-8 intact at the cut
		x++
	}
	return x
}

func (r *result) textLines(text string, w int, st *Styles, hl *highlighter, style lipglossStyle) []string {
	var out []string
	if len(text) > pageBytes {
		out = append(out, st.Muted.Render(fmt.Sprintf("text · %s · page %d/%d", humanize.IBytes(uint64(len(text))), r.page+1, (len(text)+pageBytes-1)/pageBytes)))
	}
	t := r.pageOf(text)
	trim := strings.TrimSpace(t)
	if len(text) <= pageBytes && len(trim) > 1 && (trim[0] == '{' || trim[0] == '[') && json.Valid([]byte(trim)) {
		return append(out, hl.Pretty(st.Chroma, []byte(trim))...)
	}
	for _, l := range wrapLines(termsafe.Text(t), w) {
		out = append(out, style.Render(l))
	}
	return out
}

func (r *result) blockLines(raw json.RawMessage, w int, st *Styles, hl *highlighter, textStyle lipglossStyle) []string {
	b := mcp.DecodeContent(raw)
	out := r.blockBody(b, raw, w, st, hl, textStyle)
	if a := annotationsText(b.Annotations); a != "" {
		out = append(wrapLines(st.Muted.Render(a), w), out...)
	}
	return out
}

// annotationsText describes a content block's annotations (who it is
// for, how much it matters, when it changed), or "" when it has none.
// Annotations it cannot read are shown as they came.
func annotationsText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return ""
	}
	var a struct {
		Audience     []string `json:"audience"`
		Priority     *float64 `json:"priority"`
		LastModified string   `json:"lastModified"`
	}
	if json.Unmarshal(raw, &a) != nil {
		return "annotations " + termsafe.Line(compactJSONString(raw))
	}
	var parts []string
	if len(a.Audience) > 0 {
		parts = append(parts, "for "+termsafe.Line(strings.Join(a.Audience, ", ")))
	}
	if a.Priority != nil {
		parts = append(parts, fmt.Sprintf("priority %g", *a.Priority))
	}
	if a.LastModified != "" {
		parts = append(parts, "modified "+termsafe.Line(a.LastModified))
	}
	if len(parts) == 0 {
		return "annotations " + termsafe.Line(compactJSONString(raw))
	}
	return "⌁ " + strings.Join(parts, " · ")
}

// blockBody renders one content block's own lines.
func (r *result) blockBody(b mcp.Content, raw json.RawMessage, w int, st *Styles, hl *highlighter, textStyle lipglossStyle) []string {
	switch b.Type {
	case "text":
		return r.textLines(b.Text, w, st, hl, textStyle)
	case "image", "audio":
		out := []string{st.Accent2.Render("["+b.Type+"] ") + st.Text.Render(mediaInfo(b))}
		if b.Type == "image" && !st.Theme.Mono {
			if data, err := base64.StdEncoding.DecodeString(b.Data); err == nil {
				out = append(out, imagePreview(data, min(w, 48), 12)...)
			}
		}
		return out
	case "resource_link":
		s := "→ " + termsafe.Line(b.URI)
		var extra []string
		if b.Name != "" && b.Name != b.URI {
			extra = append(extra, termsafe.Line(b.Name))
		}
		if b.MimeType != "" {
			extra = append(extra, termsafe.Line(b.MimeType))
		}
		if b.Size != nil {
			extra = append(extra, humanize.IBytes(uint64(max(0, *b.Size))))
		}
		out := []string{st.Accent2.Render("[resource link] ") + st.Text.Render(ansi.Truncate(s, max(0, w-16), "…"))}
		if len(extra) > 0 {
			out = append(out, st.Muted.Render("  "+strings.Join(extra, " · ")))
		}
		if b.Description != "" {
			for _, l := range wrapLines(termsafe.Text(b.Description), w-2) {
				out = append(out, "  "+st.Muted.Render(l))
			}
		}
		return out
	case "resource":
		if b.Resource == nil {
			return []string{st.Warn.Render("[resource] (no resource member)")}
		}
		out := []string{st.Accent2.Render("[embedded resource]")}
		return append(out, r.resourceLines(*b.Resource, w, st, hl)...)
	}
	// unknown content type: show it raw rather than fail
	return append([]string{st.Warn.Render("[" + termsafe.Line(b.Type) + "] unknown content type")}, hl.Pretty(st.Chroma, raw)...)
}

func (r *result) resourceLines(c mcp.ResourceContents, w int, st *Styles, hl *highlighter) []string {
	head := termsafe.Line(c.URI)
	if c.MimeType != "" {
		head += " · " + termsafe.Line(c.MimeType)
	}
	out := []string{st.Muted.Render(ansi.Truncate(head, w, "…"))}
	switch {
	case c.Text != nil:
		if strings.Contains(c.MimeType, "json") && len(*c.Text) <= pageBytes && json.Valid([]byte(*c.Text)) {
			return append(out, hl.Pretty(st.Chroma, []byte(*c.Text))...)
		}
		return append(out, r.textLines(*c.Text, w, st, hl, st.Text)...)
	case c.Blob != "":
		data, err := base64.StdEncoding.DecodeString(c.Blob)
		if err != nil {
			return append(out, st.Err.Render("blob is not valid base64: "+err.Error()))
		}
		info := "blob · " + humanize.IBytes(uint64(len(data)))
		if dims := media.ImageDims(data); dims != "" {
			info += " · " + dims
		}
		out = append(out, st.Text.Render(info+"  (s saves it)"))
		if !st.Theme.Mono {
			out = append(out, imagePreview(data, min(w, 48), 12)...)
		}
		return out
	}
	return append(out, st.Muted.Render("(empty)"))
}

// mediaInfo describes an image or audio block: type, size, dimensions or
// duration where the header tells them.
func mediaInfo(b mcp.Content) string {
	parts := []string{termsafe.Line(firstNonEmpty(b.MimeType, "unknown type"))}
	data, err := base64.StdEncoding.DecodeString(b.Data)
	if err != nil {
		return strings.Join(append(parts, "invalid base64: "+err.Error()), " · ")
	}
	parts = append(parts, humanize.IBytes(uint64(len(data))))
	if b.Type == "image" {
		if d := media.ImageDims(data); d != "" {
			parts = append(parts, d)
		}
	} else if d := media.WAVInfo(data); d != "" {
		parts = append(parts, d)
	}
	return strings.Join(parts, " · ") + "  (s saves it)"
}
