package work

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
	"github.com/sonde-mcp/sonde/ui/pane/tasks"
)

// View implements [component.Component]: the pane's content.
func (p *Pane) View(width, height int) string {
	p.width, p.height = width, height
	return strings.Join(p.lines(), "\n")
}

func (p *Pane) lines() []string {
	st := p.c.Styles
	switch p.mode {
	case ModeForm:
		if p.form == nil {
			break
		}
		p.form.SetSize(p.width, p.height)
		return strings.Split(p.form.View(), "\n")
	case ModeWait:
		return p.scroll(p.waitLines(p.active))
	case ModeResult:
		if p.res != nil {
			lines := p.res.Render(p.width, st, p.c.HL)
			if wl := p.facts.Watch; wl != "" {
				lines = append([]string{wl}, lines...)
			}
			if n := p.facts.URLs; n > 0 && p.res.Call != nil {
				lines = append([]string{st.Warn.Render(fmt.Sprintf("the server needs you to open %d URL(s) first: o shows them", n))}, lines...)
			}
			return p.scroll(lines)
		}
	case ModeItem:
		if p.target != nil {
			return p.scroll(p.itemDetail(p.target, p.width))
		}
	}
	return p.scroll(p.serverInfo(p.width))
}

func (p *Pane) scroll(lines []string) []string {
	if p.height <= 0 {
		return nil
	}
	p.view.SetHeight(p.height)
	p.view.SetLen(len(lines))
	from, end := p.view.Visible()
	maxOff := max(0, len(lines)-p.height)
	out := lines[from:end]
	if maxOff > 0 && len(out) > 0 {
		// a scroll hint on the last line
		pct := from * 100 / maxOff
		hint := fmt.Sprintf(" %d%% ", pct)
		last := ansi.Truncate(out[len(out)-1], max(0, p.width-len(hint)), "")
		out = append(append([]string(nil), out[:len(out)-1]...), last+strings.Repeat(" ", max(0, p.width-len(hint)-ansi.StringWidth(last)))+p.c.Styles.Muted.Render(hint))
	}
	return out
}

func (p *Pane) waitLines(c Call) []string {
	st := p.c.Styles
	if c == nil {
		return nil
	}
	w, now := p.width, p.c.Now
	el := now.Sub(c.Started())
	if el < 0 {
		el = 0
	}
	out := []string{
		st.Accent.Render(common.Spinner(now)+" ") + st.Text.Render(ansi.Truncate(c.Method()+" "+c.Subject(), w-2, "…")),
		st.Muted.Render(fmt.Sprintf("elapsed %s", el.Round(100*time.Millisecond))),
	}
	id := c.ID()
	if id != "" {
		out[1] += st.Muted.Render("  id " + strings.Trim(id, `"`))
	}
	t := p.facts.Task
	if t != nil {
		out = append(out, tasks.WaitLines(st, t, w)...)
	} else if f := p.s.Requests[id]; id != "" && f != nil && f.HasProgress {
		out = append(out, common.ProgressLines(st, f.Progress, f.Total, termsafe.Line(f.ProgressMessage), w)...)
	}
	if t != nil {
		out = append(out, "", st.Muted.Render("x cancels the task (tasks/cancel) · t lists the tasks · esc back to the form"))
	} else {
		how := "sends notifications/cancelled"
		if p.s.Conn.Info != nil && mcp.CancelsByClosing(*p.s.Conn.Info) {
			how = "closes its response stream"
		}
		out = append(out, "", st.Muted.Render("x cancels ("+how+") · esc back to the form"))
	}
	if others := p.otherFlights(id); len(others) > 0 {
		out = append(out, "", st.Muted.Render("also in flight:"))
		out = append(out, others...)
	}
	return out
}

// otherFlights are the requests in flight other than the one with id.
func (p *Pane) otherFlights(id string) []string {
	var out []string
	for _, f := range p.s.Requests {
		if f.ID == id {
			continue
		}
		s := fmt.Sprintf("  %s %s %s", f.Method, f.Subject, p.c.Now.Sub(f.Start).Round(100*time.Millisecond))
		if f.HasProgress && f.Total > 0 {
			s += fmt.Sprintf(" %d%%", int(100*f.Progress/f.Total))
		}
		out = append(out, p.c.Styles.Muted.Render(ansi.Truncate(termsafe.Line(s), p.width, "…")))
	}
	return out
}

// itemDetail describes a tool, resource, template or prompt.
func (p *Pane) itemDetail(it *browser.Item, w int) []string {
	st := p.c.Styles
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	add(st.Accent.Render(ansi.Truncate(it.DName, w, "…")))
	if it.Title != "" && it.Title != it.DName {
		add(st.Text.Render(ansi.Truncate(it.Title, w, "…")))
	}
	if bs := it.Badges(); len(bs) > 0 {
		var parts []string
		for _, b := range bs {
			s := st.Badge
			if b == "destructive" {
				s = st.BadgeWarn
			}
			parts = append(parts, s.Render(" "+b+" "))
		}
		add(strings.Join(parts, " "))
	}
	if it.URI != "" {
		label := "uri "
		if it.Kind == browser.Templates {
			label = "template "
		}
		add(st.Muted.Render(label) + st.Text.Render(common.TruncateMiddle(termsafe.Line(it.URI), max(0, w-len(label)))))
	}
	if it.Mime != "" || it.Size > 0 {
		s := it.Mime
		if it.Size > 0 {
			s += " · " + humanize.IBytes(uint64(it.Size))
		}
		add(st.Muted.Render(s))
	}
	var ann struct {
		Annotations json.RawMessage `json:"annotations"`
	}
	if it.Kind == browser.Resources && json.Unmarshal(it.Raw, &ann) == nil {
		if a := AnnotationsText(ann.Annotations); a != "" {
			add(st.Muted.Render(ansi.Truncate(a, w, "…")))
		}
	}
	if it.Desc != "" {
		add("")
		for _, l := range common.WrapLines(it.Desc, w) {
			add(st.Text.Render(l))
		}
	}
	switch it.Kind {
	case browser.Tools:
		switch it.TaskSupport {
		case "required":
			add(st.Accent2.Render("runs as a task") + st.Muted.Render(" (execution.taskSupport required)"))
		case "optional":
			add(st.Accent2.Render("can run as a task") + st.Muted.Render(" (alt+r in the form)"))
		}
		if p.facts.ToolsOffered {
			// announced on the stream: no tools/list, so no telling how
			// the server takes a call
			add("")
			for _, l := range common.WrapLines(p.facts.ToolsNote, w) {
				add(st.Warn.Render(l))
			}
			if p.facts.Composable {
				for _, l := range common.WrapLines("enter: the composer, with a call of it as an event-named server takes it ({session_id, tool, args}; ctrl+t: as tools/call)", w) {
					add(st.Muted.Render(l))
				}
			}
			add("", st.Accent2.Render("arguments")+st.Muted.Render("  (i: full schema)"))
		} else {
			add("", st.Accent2.Render("arguments")+st.Muted.Render("  (enter: form · i: full schema)"))
		}
		add(schemaSummary(st, it.InputSchema, w)...)
		if len(it.OutputSchema) > 0 {
			add("", st.Accent2.Render("output schema"))
			add(schemaSummary(st, it.OutputSchema, w)...)
		}
	case browser.Prompts:
		add("", st.Accent2.Render("arguments")+st.Muted.Render("  (enter: form)"))
		if len(it.Args) == 0 {
			add(st.Muted.Render("  none"))
		}
		for _, a := range it.Args {
			req := ""
			if a.Required {
				req = st.Err.UnsetBold().Render("*")
			}
			s := "  " + termsafe.Line(a.Name) + req
			if a.Description != "" {
				s += st.Muted.Render("  " + termsafe.Line(a.Description))
			}
			add(ansi.Truncate(s, w, "…"))
		}
	case browser.Templates:
		add("", st.Muted.Render("enter: fill the variables and read"))
	case browser.Resources:
		add("", st.Muted.Render("enter: read"))
	}
	return out
}

// schemaSummary lists the top-level properties of an object schema.
func schemaSummary(st *common.Styles, raw json.RawMessage, w int) []string {
	var s struct {
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
			Enum        []any  `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if json.Unmarshal(raw, &s) != nil || len(s.Properties) == 0 {
		return []string{st.Muted.Render("  none")}
	}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	// required first, then alphabetical
	sortStrings(names, func(a, b string) bool {
		if req[a] != req[b] {
			return req[a]
		}
		return a < b
	})
	var out []string
	for _, n := range names {
		p := s.Properties[n]
		t := ""
		switch v := p.Type.(type) {
		case string:
			t = v
		case []any:
			var ts []string
			for _, x := range v {
				ts = append(ts, fmt.Sprint(x))
			}
			t = strings.Join(ts, "|")
		}
		if len(p.Enum) > 0 {
			t = "enum"
		}
		mark := ""
		if req[n] {
			mark = st.Err.UnsetBold().Render("*")
		}
		line := "  " + termsafe.Line(n) + mark + " " + st.Muted.Render(termsafe.Line(t))
		if p.Description != "" {
			line += st.Muted.Render("  " + termsafe.Line(p.Description))
		}
		out = append(out, ansi.Truncate(line, w, "…"))
	}
	return out
}

func sortStrings(s []string, less func(a, b string) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// serverInfo is the pane before anything is selected.
func (p *Pane) serverInfo(w int) []string {
	st := p.c.Styles
	info := p.s.Conn.Info
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	switch {
	case info == nil && p.facts.ConnErr != nil:
		add(st.Err.Render("could not connect"), "")
		for _, l := range common.WrapLines(termsafe.Text(common.DescribeErr(p.facts.ConnErr)), w) {
			add(st.Err.UnsetBold().Render(l))
		}
		add("", st.Muted.Render("R retries · q quits"))
		return out
	case info == nil:
		if p.facts.Live {
			add(st.Warn.Render(common.Spinner(p.c.Now)+" connecting to ") + st.Text.Render(termsafe.Line(p.facts.Target)))
		} else {
			add(st.Muted.Render("waiting for events…"))
		}
		return out
	}
	srv := p.s.Conn.Server
	sname, sversion, stitle := termsafe.Line(srv.Name), termsafe.Line(srv.Version), termsafe.Line(srv.Title)
	name := common.FirstNonEmpty(stitle, sname, "server")
	add(st.Accent.Render(ansi.Truncate(name, w, "…")))
	if sname != "" {
		add(st.Muted.Render(ansi.Truncate(sname+" "+sversion, w, "…")))
	}
	add("", st.Muted.Render("transport ")+st.Text.Render(string(info.Transport)), st.Muted.Render("protocol  ")+st.Text.Render(termsafe.Line(info.Protocol)))
	if info.SessionID != "" {
		add(st.Muted.Render("session   ") + st.Text.Render(ansi.Truncate(termsafe.Line(info.SessionID), max(0, w-10), "…")))
	}
	if info.Reason != "" {
		for _, l := range common.WrapLines("detected: "+termsafe.Line(info.Reason), w) {
			add(st.Muted.Render(l))
		}
	}
	if len(info.Capabilities) > 0 {
		var caps map[string]json.RawMessage
		json.Unmarshal(info.Capabilities, &caps)
		var names []string
		for k := range caps {
			names = append(names, termsafe.Line(k))
		}
		sortStrings(names, func(a, b string) bool { return a < b })
		add("", st.Muted.Render("capabilities ")+st.Text.Render(strings.Join(names, ", ")))
	}
	if info.Instructions != "" {
		add("", st.Accent2.Render("instructions"))
		for _, l := range common.WrapLines(termsafe.Text(info.Instructions), w) {
			add(st.Text.Render(l))
		}
	}
	add("", st.Muted.Render("select a tool, resource or prompt on the left; enter opens it"))
	return out
}
