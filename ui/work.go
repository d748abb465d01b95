package ui

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/form"
	"github.com/sonde-mcp/sonde/ui/pane/tasks"
)

type workMode int

const (
	workInfo   workMode = iota // server info
	workItem                   // the selected item's details
	workForm                   // arguments form
	workWait                   // a call in flight
	workResult                 // an answer
)

// workPane is the middle pane: details, the argument form, the call in
// flight and its result.
type workPane struct {
	mode   workMode
	target *item // the item shown, or whose form or call this is
	form   *form.Form
	// formItem is the item form belongs to (target moves on while the
	// browser previews other items; enter on this one brings the form back)
	formItem *item
	formErr  string
	active   *call
	res      *result
	history  []*result // results to go back to (esc) after opening a link
	// pushNext: the next result was opened from this one (a link), so esc
	// returns here.
	pushNext bool
	offset   int

	width, height int
}

func newWorkPane() *workPane { return &workPane{} }

func (w *workPane) showItem(it *item) {
	w.mode, w.target, w.offset = workItem, it, 0
}

func (w *workPane) waitFor(c *call) {
	w.mode, w.active, w.offset = workWait, c, 0
	if w.form != nil {
		w.form.Blur()
	}
}

func (w *workPane) showResult(r *result) {
	if w.res != nil && w.pushNext {
		w.pushNext = false
		w.history = append(w.history, w.res)
		if len(w.history) > 20 {
			w.history = w.history[1:]
		}
	}
	w.mode, w.res, w.offset, w.active = workResult, r, 0, nil
}

func (w *workPane) title() string {
	switch w.mode {
	case workForm:
		if w.target != nil {
			return "Arguments: " + w.target.DName
		}
		return "Arguments"
	case workWait:
		return "Calling"
	case workResult:
		return "Result"
	case workItem:
		if w.target != nil {
			return w.target.Kind.Title()[:len(w.target.Kind.Title())-1]
		}
	}
	return "Server"
}

// openSelected opens the selected item: a form for tools, prompts and
// templates; resources are read at once.
func (m *Model) openSelected() tea.Cmd {
	it := m.br.Selected()
	if it == nil {
		return nil
	}
	if m.br.Offered(it.Kind) {
		// a tool the stream announced: how the server takes a call is
		// its own business, so the composer offers the usual shapes
		if !m.keys.Global.Compose.Enabled() {
			return nil // a replay: nothing to send it to
		}
		return m.composeCall(it)
	}
	m.leaveComposer() // the work pane is the item's again
	switch it.Kind {
	case listResources:
		if !m.canAct() {
			return m.needServer()
		}
		cmd := m.startCall("resources/read", it.URI, it, map[string]any{"uri": it.URI})
		// the keys that act on what was read (w, s, c) work at once
		return tea.Batch(cmd, m.setFocus(paneWork))
	case listTools:
		return m.openForm(it, it.InputSchema)
	case listPrompts:
		args := make([]schema.PromptArg, len(it.Args))
		for i, a := range it.Args {
			args[i] = schema.PromptArg(a)
		}
		return m.openForm(it, schema.SchemaForPromptArgs(args))
	case listTemplates:
		return m.openForm(it, schema.SchemaForTemplate(it.URI))
	}
	return nil
}

func (m *Model) openForm(it *item, sch json.RawMessage) tea.Cmd {
	if w := m.work; w.form != nil && sameItem(w.formItem, it) {
		// back to the form as it was left (the browser previewed others)
		w.target, w.formItem, w.mode = it, it, workForm
		m.layout()
		m.focus = paneWork
		return tea.Batch(w.form.Focus(), m.afterFormInput(false))
	}
	if len(sch) == 0 || string(sch) == "null" {
		sch = json.RawMessage(`{"type":"object"}`)
	}
	initial := m.lastArgs[m.argsKey(it)]
	if initial == nil && m.savedArgs != nil {
		initial = m.savedArgs[m.serverKey()][m.argsKey(it)]
	}
	f, err := form.New(sch, form.Options{Initial: initial, Styles: m.st.Form})
	if err != nil && initial != nil {
		f, err = form.New(sch, form.Options{Styles: m.st.Form})
	}
	if err != nil {
		m.setFlash("cannot build a form: "+err.Error(), true)
		return nil
	}
	m.work.form, m.work.target, m.work.formItem, m.work.mode, m.work.formErr = f, it, it, workForm, ""
	m.layout()
	m.focus = paneWork
	return tea.Batch(f.Focus(), m.afterFormInput(false))
}

// sameItem reports whether a and b are the same tool, resource, template
// or prompt (a refreshed list has new values for the same things).
func sameItem(a, b *item) bool {
	return a != nil && b != nil && a.Kind == b.Kind && a.Name == b.Name && a.URI == b.URI
}

func (m *Model) argsKey(it *item) string {
	return fmt.Sprintf("%s:%s%s", strings.ToLower(it.Kind.Title()), it.Name, it.URI)
}

// serverKey names the server for remembered arguments: its name, else the
// target.
func (m *Model) serverKey() string {
	if m.server().name != "" {
		return m.server().name
	}
	return m.opts.Config.Target()
}

// formKey handles keys while the form has focus: submit and leave are
// ours, everything else is the form's.
func (m *Model) formKey(msg tea.KeyPressMsg) tea.Cmd {
	f := m.work.form
	switch {
	case key.Matches(msg, m.keys.Work.Submit):
		return m.submitForm(false)
	case key.Matches(msg, m.keys.Work.AsTask):
		return m.submitFormAs(false, true)
	case key.Matches(msg, m.keys.Work.Complete):
		if !m.completable() {
			m.setFlash("no completions here (prompts and templates of a server with the completions capability)", true)
			return nil
		}
		return m.afterFormInput(true)
	case key.Matches(msg, m.keys.Work.Back) && !f.Raw() && !f.KeyMap().Close.Enabled():
		f.Blur()
		m.focus = paneBrowser
		return nil
	case key.Matches(msg, m.keys.Global.Zoom) && !f.EditingText():
		m.toggleZoom()
		return nil
	}
	return tea.Batch(f.Update(msg), m.afterFormInput(false))
}

// submitForm validates and sends; invalid arguments can still be sent
// after a confirmation (testing a server's validation is a use case).
func (m *Model) submitForm(force bool) tea.Cmd { return m.submitFormAs(force, false) }

// submitFormAs submits the form; asTask asks for a task-augmented call
// (2025-11-25; a tool whose taskSupport is "required" always gets one).
func (m *Model) submitFormAs(force, asTask bool) tea.Cmd {
	f, it := m.work.form, m.work.target
	if f == nil || it == nil {
		return nil
	}
	val, err := f.Value()
	if err != nil && !force {
		m.work.formErr = err.Error()
		m.setFlash(err.Error(), true)
		return nil
	}
	if !force && !f.Valid() {
		n := len(f.Errors())
		m.open(dialog.NewConfirm(m.com, fmt.Sprintf("The arguments do not match the schema (%d error(s)).\nSend them anyway?", n), submitForm{asTask}))
		return nil
	}
	if !force && slices.Contains(it.Badges(), "destructive") {
		m.open(dialog.NewConfirm(m.com, fmt.Sprintf("%s is marked destructive.\nCall it?", it.DName), submitForm{asTask}))
		return nil
	}
	if asTask && it.Kind != listTools {
		m.setFlash("only tool calls can be tasks", true)
		return nil
	}
	if asTask && m.s.Conn.Info != nil && m.s.Conn.Info.Era == "modern" {
		asTask = false
		m.setFlash("in 2026-07-28 the server decides whether a call becomes a task; calling normally", false)
	}
	if !force && asTask && it.TaskSupport == "forbidden" {
		m.open(dialog.NewConfirm(m.com, fmt.Sprintf("%s does not support tasks (execution.taskSupport forbidden);\nthe server should refuse with -32601. Send it as a task anyway?", it.DName), submitForm{true}))
		return nil
	}
	if !m.canAct() {
		return m.needServer()
	}
	m.lastArgs[m.argsKey(it)] = val
	var remember tea.Cmd
	if m.live {
		remember = saveLastArgsCmd(m.serverKey(), m.argsKey(it), val)
	}
	return tea.Batch(remember, m.send(it, val, asTask))
}

// send makes the request for a submitted form.
func (m *Model) send(it *item, val json.RawMessage, asTask bool) tea.Cmd {
	switch it.Kind {
	case listTools:
		asTask = asTask || it.TaskSupport == "required" && (m.s.Conn.Info == nil || m.s.Conn.Info.Era != "modern")
		return m.startCallAs("tools/call", it.Name, it, map[string]any{"name": it.Name, "arguments": json.RawMessage(val)}, asTask)
	case listPrompts:
		var args map[string]any
		json.Unmarshal(val, &args)
		sargs := map[string]string{}
		for k, v := range args {
			if s, ok := v.(string); ok {
				sargs[k] = s
			} else if v != nil {
				b, _ := json.Marshal(v)
				sargs[k] = string(b)
			}
		}
		return m.startCall("prompts/get", it.Name, it, map[string]any{"name": it.Name, "arguments": sargs})
	case listTemplates:
		var vars map[string]any
		json.Unmarshal(val, &vars)
		uri, err := schema.ExpandTemplate(it.URI, vars)
		if err != nil {
			m.setFlash(err.Error(), true)
			return nil
		}
		return m.startCall("resources/read", uri, it, map[string]any{"uri": uri})
	}
	return nil
}

func (m *Model) workKey(msg tea.KeyPressMsg) tea.Cmd {
	w := m.work
	k, n := m.keys.Work, m.keys.Nav
	switch {
	case key.Matches(msg, n.Up):
		w.offset--
	case key.Matches(msg, n.Down):
		w.offset++
	case key.Matches(msg, n.PageUp):
		w.offset -= max(1, w.height-2)
	case key.Matches(msg, n.PageDown):
		w.offset += max(1, w.height-2)
	case key.Matches(msg, n.Top):
		w.offset = 0
	case key.Matches(msg, n.Bottom):
		w.offset = 1 << 30
	case key.Matches(msg, k.Cancel) && w.mode == workWait && w.active != nil:
		if t := m.taskForCall(w.active); t != nil {
			return m.cancelTask(t)
		}
		if w.active.cancel != nil {
			w.active.cancel()
			m.setFlash("cancelling "+w.active.subject+"…", false)
		}
	case key.Matches(msg, k.Back):
		switch {
		case w.mode == workResult && len(w.history) > 0:
			w.res = w.history[len(w.history)-1]
			w.history = w.history[:len(w.history)-1]
			w.offset = 0
		case (w.mode == workResult || w.mode == workWait) && w.form != nil && w.formItem != nil && sameItem(w.target, w.formItem):
			// the form comes back into view, but the keys go to the
			// browser: what is typed next must not land in a text field
			// unasked (e or enter on the item edits again)
			w.mode = workForm
			return m.setFocus(paneBrowser)
		case w.mode == workResult || w.mode == workWait:
			w.mode = workInfo
			cmd := m.setFocus(paneBrowser)
			m.showSelected()
			return cmd
		default:
			return m.setFocus(paneBrowser)
		}
	case key.Matches(msg, k.Edit) && (w.mode == workResult || w.mode == workItem || w.mode == workWait):
		if w.mode == workItem {
			return m.openSelected()
		}
		if w.form != nil && sameItem(w.target, w.formItem) {
			w.mode = workForm
			return w.form.Focus()
		}
	case key.Matches(msg, k.Copy) && w.mode == workResult && w.res != nil:
		text := form.SafeJSON(prettyJSON(w.res.raw))
		if w.res.err != nil {
			text = form.SafeJSON(describeErr(w.res.err))
		}
		return m.copyCmd("the result", text, k.Save.Help().Key)
	case key.Matches(msg, k.Watch) && w.mode == workResult && w.res != nil:
		return m.toggleWatch(w.res)
	case key.Matches(msg, k.Save) && w.mode == workResult && w.res != nil:
		return m.act(nil, saveResult(m.com, w.res))
	case key.Matches(msg, k.OpenLink) && w.mode == workResult && w.res != nil:
		switch len(w.res.links) {
		case 0:
			if w.res.call != nil && m.offerURLElicitations(w.res.call, w.res.err) {
				return nil
			}
			m.setFlash("no resource links in this result", true)
		case 1:
			return m.readLink(w.res.links[0])
		default:
			m.open(newLinkDialog(m.com, w.res.links))
		}
	case key.Matches(msg, k.NextPage) && w.mode == workResult && w.res != nil:
		if w.res.page < w.res.pages-1 {
			w.res.page++
			w.offset = 0
		}
	case key.Matches(msg, k.PrevPage) && w.mode == workResult && w.res != nil:
		if w.res.page > 0 {
			w.res.page--
			w.offset = 0
		}
	}
	return nil
}

func (m *Model) readLink(l link) tea.Cmd {
	m.work.pushNext = m.work.res != nil
	return m.startCall("resources/read", l.uri, nil, map[string]any{"uri": l.uri})
}

// render draws the work pane's content.
func (m *Model) renderWork(w *workPane, focused bool) []string {
	st := m.st
	switch w.mode {
	case workForm:
		if w.form == nil {
			break
		}
		w.form.SetSize(w.width, w.height)
		return strings.Split(w.form.View(), "\n")
	case workWait:
		return m.scroll(w, m.renderWait(w.active))
	case workResult:
		if w.res != nil {
			lines := w.res.render(w.width, st, m.hl)
			if wl := m.watchLine(w.res); wl != "" {
				lines = append([]string{wl}, lines...)
			}
			if n := len(urlElicitationsOf(w.res.err)); n > 0 && w.res.call != nil {
				lines = append([]string{st.Warn.Render(fmt.Sprintf("the server needs you to open %d URL(s) first: o shows them", n))}, lines...)
			}
			return m.scroll(w, lines)
		}
	case workItem:
		if w.target != nil {
			return m.scroll(w, m.itemDetail(w.target, w.width))
		}
	}
	return m.scroll(w, m.serverInfo(w.width))
}

func (m *Model) scroll(w *workPane, lines []string) []string {
	maxOff := max(0, len(lines)-w.height)
	w.offset = max(0, min(w.offset, maxOff))
	end := min(len(lines), w.offset+w.height)
	out := lines[w.offset:end]
	if maxOff > 0 && len(out) > 0 {
		// a scroll hint on the last line
		pct := 100
		if maxOff > 0 {
			pct = w.offset * 100 / maxOff
		}
		hint := fmt.Sprintf(" %d%% ", pct)
		last := out[len(out)-1]
		out = append(append([]string(nil), out[:len(out)-1]...), ansi.Truncate(last, max(0, w.width-len(hint)), "")+strings.Repeat(" ", max(0, w.width-len(hint)-ansi.StringWidth(ansi.Truncate(last, max(0, w.width-len(hint)), ""))))+m.st.Muted.Render(hint))
	}
	return out
}

func (m *Model) renderWait(c *call) []string {
	st := m.st
	if c == nil {
		return nil
	}
	w := m.work.width
	el := m.com.Now.Sub(c.start)
	if el < 0 {
		el = 0
	}
	out := []string{
		st.Accent.Render(spinner(m.com.Now)+" ") + st.Text.Render(ansi.Truncate(c.method+" "+c.subject, w-2, "…")),
		st.Muted.Render(fmt.Sprintf("elapsed %s", el.Round(100*time.Millisecond))),
	}
	id := c.h.ID()
	if id != "" {
		out[1] += st.Muted.Render("  id " + strings.Trim(id, `"`))
	}
	if t := m.taskForCall(c); t != nil {
		out = append(out, tasks.WaitLines(m.st, t, w)...)
	} else if f := m.s.Requests[id]; id != "" && f != nil && f.HasProgress {
		out = append(out, progressLines(st, f.Progress, f.Total, termsafe.Line(f.ProgressMessage), w)...)
	}
	if m.taskForCall(c) != nil {
		out = append(out, "", st.Muted.Render("x cancels the task (tasks/cancel) · t lists the tasks · esc back to the form"))
	} else {
		how := "sends notifications/cancelled"
		if m.cancelsByClosing() {
			how = "closes its response stream"
		}
		out = append(out, "", st.Muted.Render("x cancels ("+how+") · esc back to the form"))
	}
	if others := m.otherFlights(c); len(others) > 0 {
		out = append(out, "", st.Muted.Render("also in flight:"))
		out = append(out, others...)
	}
	return out
}

func (m *Model) otherFlights(c *call) []string {
	var out []string
	for _, f := range m.s.Requests {
		if f.ID == c.h.ID() {
			continue
		}
		s := fmt.Sprintf("  %s %s %s", f.Method, f.Subject, m.com.Now.Sub(f.Start).Round(100*time.Millisecond))
		if f.HasProgress && f.Total > 0 {
			s += fmt.Sprintf(" %d%%", int(100*f.Progress/f.Total))
		}
		out = append(out, m.st.Muted.Render(ansi.Truncate(termsafe.Line(s), m.work.width, "…")))
	}
	return out
}

// itemDetail describes a tool, resource, template or prompt.
func (m *Model) itemDetail(it *item, w int) []string {
	st := m.st
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
		if it.Kind == listTemplates {
			label = "template "
		}
		add(st.Muted.Render(label) + st.Text.Render(truncateMiddle(termsafe.Line(it.URI), max(0, w-len(label)))))
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
	if it.Kind == listResources && json.Unmarshal(it.Raw, &ann) == nil {
		if a := annotationsText(ann.Annotations); a != "" {
			add(st.Muted.Render(ansi.Truncate(a, w, "…")))
		}
	}
	if it.Desc != "" {
		add("")
		for _, l := range wrapLines(it.Desc, w) {
			add(st.Text.Render(l))
		}
	}
	switch it.Kind {
	case listTools:
		switch it.TaskSupport {
		case "required":
			add(st.Accent2.Render("runs as a task") + st.Muted.Render(" (execution.taskSupport required)"))
		case "optional":
			add(st.Accent2.Render("can run as a task") + st.Muted.Render(" (alt+r in the form)"))
		}
		if m.br.Offered(listTools) {
			// announced on the stream: no tools/list, so no telling how
			// the server takes a call
			add("")
			for _, l := range wrapLines(m.br.Note(listTools), w) {
				add(st.Warn.Render(l))
			}
			if m.keys.Global.Compose.Enabled() {
				for _, l := range wrapLines("enter: the composer, with a call of it as an event-named server takes it ({session_id, tool, args}; ctrl+t: as tools/call)", w) {
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
	case listPrompts:
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
	case listTemplates:
		add("", st.Muted.Render("enter: fill the variables and read"))
	case listResources:
		add("", st.Muted.Render("enter: read"))
	}
	return out
}

// schemaSummary lists the top-level properties of an object schema.
func schemaSummary(st *Styles, raw json.RawMessage, w int) []string {
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

// serverInfo is the work pane before anything is selected.
func (m *Model) serverInfo(w int) []string {
	st := m.st
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	switch {
	case m.s.Conn.Info == nil && m.connErr != nil:
		add(st.Err.Render("could not connect"), "")
		for _, l := range wrapLines(termsafe.Text(describeErr(m.connErr)), w) {
			add(st.Err.UnsetBold().Render(l))
		}
		add("", st.Muted.Render("R retries · q quits"))
		return out
	case m.s.Conn.Info == nil:
		if m.live {
			add(st.Warn.Render(spinner(m.com.Now)+" connecting to ") + st.Text.Render(termsafe.Line(m.opts.Config.Target())))
		} else {
			add(st.Muted.Render("waiting for events…"))
		}
		return out
	}
	name := firstNonEmpty(m.server().title, m.server().name, "server")
	add(st.Accent.Render(ansi.Truncate(name, w, "…")))
	if m.server().name != "" {
		add(st.Muted.Render(ansi.Truncate(m.server().name+" "+m.server().version, w, "…")))
	}
	add("", st.Muted.Render("transport ")+st.Text.Render(string(m.s.Conn.Info.Transport)), st.Muted.Render("protocol  ")+st.Text.Render(termsafe.Line(m.s.Conn.Info.Protocol)))
	if m.s.Conn.Info.SessionID != "" {
		add(st.Muted.Render("session   ") + st.Text.Render(ansi.Truncate(termsafe.Line(m.s.Conn.Info.SessionID), max(0, w-10), "…")))
	}
	if m.s.Conn.Info.Reason != "" {
		for _, l := range wrapLines("detected: "+termsafe.Line(m.s.Conn.Info.Reason), w) {
			add(st.Muted.Render(l))
		}
	}
	if len(m.s.Conn.Info.Capabilities) > 0 {
		var caps map[string]json.RawMessage
		json.Unmarshal(m.s.Conn.Info.Capabilities, &caps)
		var names []string
		for k := range caps {
			names = append(names, termsafe.Line(k))
		}
		sortStrings(names, func(a, b string) bool { return a < b })
		add("", st.Muted.Render("capabilities ")+st.Text.Render(strings.Join(names, ", ")))
	}
	if m.s.Conn.Info.Instructions != "" {
		add("", st.Accent2.Render("instructions"))
		for _, l := range wrapLines(termsafe.Text(m.s.Conn.Info.Instructions), w) {
			add(st.Text.Render(l))
		}
	}
	add("", st.Muted.Render("select a tool, resource or prompt on the left; enter opens it"))
	return out
}
