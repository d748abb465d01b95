package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/ui/dialog"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/component"
)

// dialog is a dialog not yet migrated to [component.Dialog]: it is
// handed the root model. The stack holds it through legacyDialog.
type oldDialog interface {
	update(m *Model, msg tea.KeyPressMsg) tea.Cmd
	view(m *Model, W, H int) string
	help(m *Model) []key.Binding
}

// legacyDialog puts an old dialog on the stack of components.
type legacyDialog struct {
	m *Model
	d oldDialog
}

func (l legacyDialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return nil, l.d.update(l.m, msg)
	case tea.MouseWheelMsg:
		if s, ok := l.d.(interface{ scroll(int) }); ok {
			d := 3
			if msg.Mouse().Button == tea.MouseWheelUp {
				d = -3
			}
			s.scroll(d)
		}
		return nil, nil
	}
	if f, ok := l.d.(interface{ forward(tea.Msg) tea.Cmd }); ok {
		return nil, f.forward(msg)
	}
	return nil, nil
}
func (l legacyDialog) View(w, h int) string      { return l.d.view(l.m, w, h) }
func (l legacyDialog) SetSize(int, int)          {}
func (l legacyDialog) ShortHelp() []key.Binding  { return l.d.help(l.m) }
func (l legacyDialog) FullHelp() [][]key.Binding { return [][]key.Binding{l.d.help(l.m)} }

// unwrap is the dialog itself: an old one unwrapped, or the component.
func unwrap(d component.Dialog) any {
	if l, ok := d.(legacyDialog); ok {
		return l.d
	}
	return d
}

// top is the top dialog, or nil.
func (m *Model) top() component.Dialog {
	if len(m.dialogs) == 0 {
		return nil
	}
	return m.dialogs[len(m.dialogs)-1]
}

// topDialog is the top dialog itself (an old dialog unwrapped), or nil.
func (m *Model) topDialog() any {
	if d := m.top(); d != nil {
		return unwrap(d)
	}
	return nil
}

// pushDialog opens an old dialog.
func (m *Model) pushDialog(d oldDialog) { m.open(legacyDialog{m, d}) }

// open opens a dialog over the others.
func (m *Model) open(d component.Dialog) { m.dialogs = append(m.dialogs, d) }

// removeDialog takes d (a component, or an old dialog) off the stack
// wherever it is (a request dialog may have been covered by another one by
// the time it is answered).
func (m *Model) removeDialog(d any) {
	for i, x := range m.dialogs {
		if x == d || unwrap(x) == d {
			m.dialogs = append(m.dialogs[:i], m.dialogs[i+1:]...)
			return
		}
	}
}

func (m *Model) popDialog() {
	if len(m.dialogs) > 0 {
		m.dialogs = m.dialogs[:len(m.dialogs)-1]
	}
}

// updateDialog hands a message to a dialog and carries out what it asks.
func (m *Model) updateDialog(d component.Dialog, msg tea.Msg) tea.Cmd {
	a, cmd := d.Update(msg)
	return tea.Batch(cmd, m.act(d, a))
}

// updatePane hands a message to a pane and carries out what it asks.
func (m *Model) updatePane(p component.Pane, msg tea.Msg) tea.Cmd {
	a, cmd := p.Update(msg)
	return tea.Batch(cmd, m.act(nil, a))
}

// act carries out an action a component asked for; from is the dialog
// that asked (nil: a pane).
func (m *Model) act(from component.Dialog, a component.Action) tea.Cmd {
	switch a := a.(type) {
	case nil:
		return nil
	case component.Batch:
		var cmds []tea.Cmd
		for _, x := range a {
			cmds = append(cmds, m.act(from, x))
		}
		return tea.Batch(cmds...)
	case component.Close:
		if from != nil {
			m.removeDialog(from)
		}
		return nil
	case component.Open:
		m.open(a.Dialog)
		return nil
	case component.Replace:
		if from != nil {
			m.removeDialog(from)
		}
		m.open(a.Dialog)
		return nil
	case component.Flash:
		m.setFlash(a.Text, a.Err)
		return nil
	case component.Copy:
		return m.copyCmd(a.What, a.Text, a.SaveKey)
	}
	return m.do(a)
}

func bindingHelp(st *Styles, bs ...key.Binding) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, st.Key.Render(b.Help().Key)+" "+st.KeyDesc.Render(b.Help().Desc))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// scrolling is the scroll position of a dialog with more lines than fit;
// the mouse wheel scrolls any dialog that embeds it (its view clamps).
type scrolling struct{ offset int }

func (s *scrolling) scroll(d int) { s.offset += d }

func kb(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

func newLinkDialog(m *Model, links []link) *dialog.Choice {
	var opts []string
	for _, l := range links {
		opts = append(opts, l.label)
	}
	return dialog.NewChoice(m.com, "Open resource link", opts, func(i int) component.Action { return readLink{links[i]} })
}

func newSaveDialog(m *Model, r *result) *dialog.Choice {
	var opts []string
	for _, s := range r.saves {
		opts = append(opts, fmt.Sprintf("%s · %d bytes · .%s", s.label, len(s.data), s.ext))
	}
	return dialog.NewChoice(m.com, "Save to a file: what?", opts, func(i int) component.Action {
		return askSave{r.saves[i], r.subject}
	})
}

// saveDir is where results are saved: $SONDE_SAVE_DIR or the current directory.
func saveDir() string {
	if d := os.Getenv("SONDE_SAVE_DIR"); d != "" {
		return d
	}
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "."
}

func sanitizeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "_")
}

// ---- copy ----

func newCopyDialog(m *Model, en *entry) *dialog.Choice {
	formats := []copyFormat{copyJSON, copyCurl, copySonde}
	opts := []string{"as JSON (the message)", "as a curl command", "as a sonde command"}
	return dialog.NewChoice(m.com, "Copy to the clipboard", opts, func(i int) component.Action {
		return copyEntry{en, formats[i]}
	}).WithHotkeys("j", "c", "s")
}

// copyEntry copies the entry in a format (see [Model.copyCmd]).
func (m *Model) copyEntry(en *entry, f copyFormat) tea.Cmd {
	s, err := m.copyText(en, f)
	if err != nil {
		m.setFlash(err.Error(), true)
		return nil
	}
	return m.copyCmd(f.String(), s, m.keys.Log.Save.Help().Key)
}

// saveEvent asks where to save an event (its JSON-RPC message, or its
// facts when it has none).
func (m *Model) saveEvent(en *entry) tea.Cmd {
	data := []byte(prettyJSON(en.ev.Raw))
	if len(en.ev.Raw) == 0 {
		data = []byte(prettyValue(en.ev))
	}
	return m.askSave(saveable{label: fmt.Sprintf("event #%d", en.ev.Seq), ext: "json", data: data}, fmt.Sprintf("event-%d", en.ev.Seq))
}

// ---- event detail ----

type detailDialog struct {
	en   *entry
	mode int // 0 pretty, 1 raw, 2 facts
	scrolling
	lines []string
	lw    int
	lmode int
	lst   *Styles
}

func newDetailDialog(m *Model, en *entry) *detailDialog { return &detailDialog{en: en, lmode: -1} }

func (d *detailDialog) help(m *Model) []key.Binding {
	k := m.keys.Detail
	return []key.Binding{k.Switch, k.PrevEv, k.NextEv, k.Pair, k.Copy, k.AsResult, k.Save, k.Close}
}

func (d *detailDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k, n := m.keys.Detail, m.keys.Nav
	switch {
	case key.Matches(msg, k.Close):
		m.popDialog()
	case key.Matches(msg, k.Switch):
		d.mode = (d.mode + 1) % 3
		d.offset = 0
	case key.Matches(msg, k.SwitchBack):
		d.mode = (d.mode + 2) % 3
		d.offset = 0
	case key.Matches(msg, k.PrevEv):
		m.log.move(-1)
		if en := m.log.selected(); en != nil {
			d.en, d.offset, d.lmode = en, 0, -1
		}
	case key.Matches(msg, k.NextEv):
		m.log.move(1)
		if en := m.log.selected(); en != nil {
			d.en, d.offset, d.lmode = en, 0, -1
		}
	case key.Matches(msg, k.Copy):
		m.open(newCopyDialog(m, d.en))
	case key.Matches(msg, k.Save):
		return m.saveEvent(d.en)
	case key.Matches(msg, k.AsResult):
		m.popDialog()
		return m.showEventAsResult(d.en)
	case key.Matches(msg, k.Pair):
		if m.jumpToPair() {
			d.en, d.offset, d.lmode = m.log.selected(), 0, -1
		}
	case key.Matches(msg, n.Down):
		d.offset++
	case key.Matches(msg, n.Up):
		d.offset--
	case key.Matches(msg, n.PageDown):
		d.offset += 10
	case key.Matches(msg, n.PageUp):
		d.offset -= 10
	case key.Matches(msg, n.Top):
		d.offset = 0
	case key.Matches(msg, n.Bottom):
		d.offset = 1 << 30
	}
	return nil
}

const detailMaxBytes = 512 << 10

func (d *detailDialog) build(m *Model, w int) []string {
	if d.lines != nil && d.lw == w && d.lmode == d.mode && d.lst == m.st {
		return d.lines
	}
	st := m.st
	e := &d.en.ev
	var out []string
	switch d.mode {
	case 0, 1:
		raw := e.Raw
		note := ""
		if len(raw) == 0 {
			raw, _ = json.Marshal(eventFacts(e))
		}
		if len(raw) > detailMaxBytes {
			note = fmt.Sprintf("showing the first %d KiB of %d; s saves all of it", detailMaxBytes>>10, len(raw))
		}
		if d.mode == 0 {
			src, cut := prettyjson.Indent(raw, detailMaxBytes)
			if cut && note == "" {
				note = fmt.Sprintf("showing the first %d KiB indented; s saves all of it", detailMaxBytes>>10)
			}
			out = wrapWide(m.hl.Text(st.Chroma, src), w)
		} else {
			src := string(raw)
			if len(src) > detailMaxBytes {
				src = src[:detailMaxBytes]
			}
			out = wrapHard(termsafe.Text(src), w)
		}
		if note != "" {
			out = append([]string{st.Warn.Render(note)}, out...)
		}
		if e.Truncated > 0 {
			out = append([]string{st.Warn.Render(fmt.Sprintf("the wire core cut this for the log: originally %d bytes", e.Truncated))}, out...)
		}
		if rel := m.relatedLines(e); len(rel) > 0 {
			var head []string
			for _, l := range rel {
				for _, wl := range wrapLines(l, w) {
					head = append(head, st.Accent2.Render(wl))
				}
			}
			out = append(append(head, ""), out...)
		}
	case 2:
		b, _ := json.Marshal(eventFacts(e))
		out = wrapWide(m.hl.Pretty(st.Chroma, b), w)
	}
	d.lines, d.lw, d.lmode, d.lst = out, w, d.mode, m.st
	return out
}

// eventFacts is the event without its payload, for the facts view.
func eventFacts(e *mcp.Event) map[string]any {
	f := map[string]any{"seq": e.Seq, "time": e.Time.Format(time.RFC3339Nano), "dir": e.Dir, "kind": e.Kind}
	set := func(k string, v any, ok bool) {
		if ok {
			f[k] = v
		}
	}
	set("stream", e.Stream, e.Stream != "")
	set("rpc", e.RPC, e.RPC != "")
	set("method", e.Method, e.Method != "")
	set("id", e.ID, e.ID != "")
	set("answers", e.ReqMethod, e.ReqMethod != "")
	set("latency", e.Latency.String(), e.Latency > 0)
	set("sse_event", e.SSEEvent, e.SSEEvent != "")
	set("sse_id", e.SSEID, e.SSEID != "")
	set("sse_retry_ms", e.SSERetry, e.SSERetry > 0)
	set("http_method", e.HTTPMethod, e.HTTPMethod != "")
	set("url", e.URL, e.URL != "")
	set("status", e.Status, e.Status != 0)
	set("content_type", e.ContentType, e.ContentType != "")
	set("header", e.Header, len(e.Header) > 0)
	set("bytes", e.Bytes, e.Bytes > 0)
	set("state", e.State, e.State != "")
	set("attempt", e.Attempt, e.Attempt > 0)
	set("info", e.Info, e.Info != nil)
	set("text", e.Text, e.Text != "")
	set("body", e.Body, e.Body != "")
	set("truncated", e.Truncated, e.Truncated > 0)
	set("err", e.Err, e.Err != "")
	return f
}

func (d *detailDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := max(20, W-4), max(6, H-2)
	tabs := []string{"pretty", "raw", "facts"}
	var ts []string
	for i, t := range tabs {
		if i == d.mode {
			ts = append(ts, st.TabActive.Render(t))
		} else {
			ts = append(ts, st.Tab.Render(t))
		}
	}
	en := d.en
	head := st.Muted.Render(en.ev.Time.Format("15:04:05.000")+" ") + st.Text.Render(string(en.ev.Dir)+" "+en.label()) + "  " + strings.Join(ts, " ")
	body := d.build(m, w-2)
	rows := h - 4
	d.offset = max(0, min(d.offset, len(body)-rows))
	lines := []string{ansi.Truncate(head, w-2, "…"), ansi.Truncate(st.Muted.Render(en.summary()), w-2, "…")}
	end := min(len(body), d.offset+rows-2)
	lines = append(lines, body[d.offset:end]...)
	for len(lines) < rows {
		lines = append(lines, "")
	}
	title := fmt.Sprintf("Event #%d", en.ev.Seq)
	if len(body) > rows-2 {
		title += fmt.Sprintf(" · line %d/%d", d.offset+1, len(body))
	}
	return frame(st, title, lines, bindingHelp(st, d.help(m)...), w, h)
}

// ---- schema ----

// newSchemaDialog shows an item's whole definition (its schema).
func newSchemaDialog(m *Model, it *item) *dialog.Reader {
	title := it.Kind.Title()[:len(it.Kind.Title())-1] + ": " + it.DName
	return dialog.NewReader(m.com, title, func(int, int) []string { return m.hl.Pretty(m.st.Chroma, it.Raw) })
}
