package work

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/media"
	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
)

// pageBytes is how much of one large text block is shown at a time: a
// multi-megabyte result shows its head, pages through the rest and can be
// saved, and never costs more than a page to wrap.
const pageBytes = 32 << 10

// PageBytes is pageBytes, for the root's tests of long results.
const PageBytes = pageBytes

// Result is a response being shown in the work pane: what was asked, the
// raw answer (the source of truth) and the things in it that can be opened
// or saved.
type Result struct {
	Method  string // tools/call, resources/read, prompts/get, ...
	Subject string // tool name, uri or prompt name (display form)
	Raw     json.RawMessage
	Err     error
	Took    time.Duration
	At      time.Time
	Output  json.RawMessage // the tool's outputSchema, if any
	Call    Call            // the call that produced it (nil from the log)
	URI     string          // resources/read: the exact URI read (watchable)

	IsError bool
	Links   []Link
	Saves   []Saveable
	Page    int // the page of a long text shown
	Pages   int

	// rendered lines for the current width and page
	lines   []string
	lw      int
	lpage   int
	lstyle  *common.Styles
	invalid []schema.Error
	checked bool
}

// Link is a resource link the user can open (resources/read).
type Link struct {
	URI   string // exact
	Label string // display
}

// Saveable is something in a result that can be written to a file.
type Saveable struct {
	Label string
	Ext   string
	Data  []byte
}

// NewResult is a result to show, scanned for links, saveable data and
// pages.
func NewResult(method, subject string, raw json.RawMessage, err error, took time.Duration, output json.RawMessage) *Result {
	r := &Result{Method: method, Subject: subject, Raw: raw, Err: err, Took: took, At: time.Now(), Output: output}
	r.scan()
	return r
}

// Watchable reports whether the result is a resource that can be watched.
func (r *Result) Watchable() bool { return r.URI != "" && r.Err == nil }

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
func (r *Result) scan() {
	r.Saves = append(r.Saves, Saveable{Label: "whole result (JSON)", Ext: "json", Data: []byte(common.PrettyJSON(r.Raw))})
	var body resultBody
	if json.Unmarshal(r.Raw, &body) != nil {
		return
	}
	r.IsError = body.IsError
	maxText := 0
	addBlock := func(b mcp.Content) {
		switch b.Type {
		case "text":
			maxText = max(maxText, len(b.Text))
			if len(b.Text) > pageBytes {
				r.Saves = append(r.Saves, Saveable{Label: "text block", Ext: "txt", Data: []byte(b.Text)})
			}
		case "image", "audio":
			if data, err := base64.StdEncoding.DecodeString(b.Data); err == nil {
				r.Saves = append(r.Saves, Saveable{Label: b.Type + " " + termsafe.Line(b.MimeType), Ext: extFor(b.MimeType, b.Type), Data: data})
			}
		case "resource_link":
			r.Links = append(r.Links, Link{URI: b.URI, Label: termsafe.Line(common.FirstNonEmpty(b.Name, b.URI))})
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
	r.Pages = max(1, (maxText+pageBytes-1)/pageBytes)
}

func (r *Result) scanResource(c mcp.ResourceContents, maxText *int) {
	switch {
	case c.Text != nil:
		*maxText = max(*maxText, len(*c.Text))
		if len(*c.Text) > pageBytes {
			r.Saves = append(r.Saves, Saveable{Label: "text " + termsafe.Line(c.URI), Ext: extFor(c.MimeType, "txt"), Data: []byte(*c.Text)})
		}
	case c.Blob != "":
		if data, err := base64.StdEncoding.DecodeString(c.Blob); err == nil {
			r.Saves = append(r.Saves, Saveable{Label: "blob " + termsafe.Line(c.URI), Ext: extFor(c.MimeType, "bin"), Data: data})
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

// Render returns the lines for width w, re-rendering only when the width,
// page or styles changed.
func (r *Result) Render(w int, st *common.Styles, hl *common.Highlighter) []string {
	if r.lines != nil && r.lw == w && r.lpage == r.Page && r.lstyle == st {
		return r.lines
	}
	r.lw, r.lpage, r.lstyle = w, r.Page, st
	r.lines = r.build(w, st, hl)
	return r.lines
}

func (r *Result) build(w int, st *common.Styles, hl *common.Highlighter) []string {
	return common.WrapWide(r.buildLines(w, st, hl), w)
}

func (r *Result) buildLines(w int, st *common.Styles, hl *common.Highlighter) []string {
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	wrap := func(s string, style lipgloss.Style) {
		for _, l := range common.WrapLines(s, w) {
			add(style.Render(l))
		}
	}
	head := r.Method
	if r.Subject != "" {
		head += " " + r.Subject
	}
	if r.Took > 0 {
		head += "  " + st.Muted.Render(common.FmtTook(r.Took))
	}
	if r.Err != nil {
		add(st.Err.Render("✗ ")+st.Text.Render(ansi.Truncate(head, w-2, "…")), "")
		wrap(termsafe.Text(common.DescribeErr(r.Err)), st.Err)
		var re *mcp.RPCError
		if errors.As(r.Err, &re) && len(re.Data) > 0 {
			add("", st.Muted.Render("data:"))
			add(hl.Pretty(st.Chroma, re.Data)...)
		}
		return out
	}
	var body resultBody
	if json.Unmarshal(r.Raw, &body) != nil {
		add(st.Warn.Render("unreadable result; raw:"))
		wrap(termsafe.Text(string(r.Raw)), st.Text)
		return out
	}
	if r.IsError {
		add(st.Err.Render("✗ isError ")+st.Text.Render(ansi.Truncate(head, max(0, w-10), "…")), "")
	} else {
		add(st.OK.Render("✓ ")+st.Text.Render(ansi.Truncate(head, max(0, w-2), "…")), "")
	}
	if r.Pages > 1 {
		add(st.Warn.Render(fmt.Sprintf("large result: page %d/%d of %s pages  ([ ] page, s save)", r.Page+1, r.Pages, humanize.IBytes(pageBytes))), "")
	}
	if body.Description != "" {
		wrap(termsafe.Text(body.Description), st.Muted)
		add("")
	}
	textStyle := st.Text
	if r.IsError {
		textStyle = st.Err.UnsetBold()
	}
	for i, c := range body.Content {
		if i > 0 {
			add("")
		}
		out = append(out, r.BlockLines(c, w, st, hl, textStyle)...)
	}
	for i, m := range body.Messages {
		if i > 0 || len(body.Content) > 0 {
			add("")
		}
		add(st.Accent2.Render("── " + termsafe.Line(m.Role) + " ──"))
		out = append(out, r.BlockLines(m.Content, w, st, hl, st.Text)...)
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
		case len(r.Output) == 0:
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
	} else if len(r.Output) > 0 && r.Method == "tools/call" && !r.IsError {
		add("", st.Err.Render("✗ the tool declares an outputSchema but sent no structuredContent"))
	}
	if len(r.Links) > 0 {
		add("", st.Muted.Render(fmt.Sprintf("%d resource link(s): o opens", len(r.Links))))
	}
	if len(body.Content) == 0 && len(body.Contents) == 0 && len(body.Messages) == 0 && len(body.StructuredContent) == 0 {
		add(st.Muted.Render("result:"))
		add(hl.Pretty(st.Chroma, r.Raw)...)
	}
	return out
}

func (r *Result) validate(sc json.RawMessage) {
	if r.checked || len(r.Output) == 0 {
		return
	}
	r.checked = true
	s, err := schema.Compile(r.Output)
	if err != nil {
		r.invalid = []schema.Error{{Message: "the outputSchema does not compile: " + err.Error()}}
		return
	}
	r.invalid = s.Validate(sc)
}

// pageOf returns the current page of a long text. Pages are whole lines:
// each starts at the beginning of the line that holds its first byte, so
// a page is between half and one and a half pageBytes long.
func (r *Result) pageOf(s string) string {
	if len(s) <= pageBytes {
		if r.Page > 0 {
			return ""
		}
		return s
	}
	start := pageStart(s, r.Page)
	if start >= len(s) {
		return ""
	}
	return s[start:pageStart(s, r.Page+1)]
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

func (r *Result) textLines(text string, w int, st *common.Styles, hl *common.Highlighter, style lipgloss.Style) []string {
	var out []string
	if len(text) > pageBytes {
		out = append(out, st.Muted.Render(fmt.Sprintf("text · %s · page %d/%d", humanize.IBytes(uint64(len(text))), r.Page+1, (len(text)+pageBytes-1)/pageBytes)))
	}
	t := r.pageOf(text)
	trim := strings.TrimSpace(t)
	if len(text) <= pageBytes && len(trim) > 1 && (trim[0] == '{' || trim[0] == '[') && json.Valid([]byte(trim)) {
		return append(out, hl.Pretty(st.Chroma, []byte(trim))...)
	}
	for _, l := range common.WrapLines(termsafe.Text(t), w) {
		out = append(out, style.Render(l))
	}
	return out
}

// BlockLines draws one content block (and its annotations): the result's
// way, which the sampling dialog shows its blocks in too.
func (r *Result) BlockLines(raw json.RawMessage, w int, st *common.Styles, hl *common.Highlighter, textStyle lipgloss.Style) []string {
	b := mcp.DecodeContent(raw)
	out := r.blockBody(b, raw, w, st, hl, textStyle)
	if a := AnnotationsText(b.Annotations); a != "" {
		out = append(common.WrapLines(st.Muted.Render(a), w), out...)
	}
	return out
}

// AnnotationsText describes a content block's annotations (who it is
// for, how much it matters, when it changed), or "" when it has none.
// Annotations it cannot read are shown as they came.
func AnnotationsText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return ""
	}
	var a struct {
		Audience     []string `json:"audience"`
		Priority     *float64 `json:"priority"`
		LastModified string   `json:"lastModified"`
	}
	if json.Unmarshal(raw, &a) != nil {
		return "annotations " + termsafe.Line(common.CompactJSONString(raw))
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
		return "annotations " + termsafe.Line(common.CompactJSONString(raw))
	}
	return "⌁ " + strings.Join(parts, " · ")
}

// blockBody renders one content block's own lines.
func (r *Result) blockBody(b mcp.Content, raw json.RawMessage, w int, st *common.Styles, hl *common.Highlighter, textStyle lipgloss.Style) []string {
	switch b.Type {
	case "text":
		return r.textLines(b.Text, w, st, hl, textStyle)
	case "image", "audio":
		out := []string{st.Accent2.Render("["+b.Type+"] ") + st.Text.Render(mediaInfo(b))}
		if b.Type == "image" && !st.Theme.Mono {
			if data, err := base64.StdEncoding.DecodeString(b.Data); err == nil {
				out = append(out, ImagePreview(data, min(w, 48), 12)...)
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
			for _, l := range common.WrapLines(termsafe.Text(b.Description), w-2) {
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

func (r *Result) resourceLines(c mcp.ResourceContents, w int, st *common.Styles, hl *common.Highlighter) []string {
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
			out = append(out, ImagePreview(data, min(w, 48), 12)...)
		}
		return out
	}
	return append(out, st.Muted.Render("(empty)"))
}

// mediaInfo describes an image or audio block: type, size, dimensions or
// duration where the header tells them.
func mediaInfo(b mcp.Content) string {
	parts := []string{termsafe.Line(common.FirstNonEmpty(b.MimeType, "unknown type"))}
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
