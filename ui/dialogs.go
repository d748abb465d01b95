package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// dialog is an overlay on top of the panes. The top dialog gets every
// key; server requests (sampling, elicitation) are dialogs too, so several
// can stack.
type dialog interface {
	update(m *Model, msg tea.KeyPressMsg) tea.Cmd
	view(m *Model, W, H int) string
	help(m *Model) []key.Binding
}

func (m *Model) topDialog() dialog {
	if len(m.dialogs) == 0 {
		return nil
	}
	return m.dialogs[len(m.dialogs)-1]
}

func (m *Model) pushDialog(d dialog) { m.dialogs = append(m.dialogs, d) }

// removeDialog takes d off the stack wherever it is (a request dialog may
// have been covered by another one by the time it is answered).
func (m *Model) removeDialog(d dialog) {
	for i, x := range m.dialogs {
		if x == d {
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

// frame draws a dialog box of at most W×H with a title, body lines and a
// help line.
func frame(st *Styles, title string, body []string, footer string, w, h int) string {
	lines := append([]string(nil), body...)
	if len(lines) > h-3 {
		lines = lines[:max(0, h-3)]
	}
	if footer != "" {
		lines = append(lines, ansi.Truncate(footer, w-2, "…"))
	}
	return strings.Join(box(st, title, lines, w, len(lines)+2, true), "\n")
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

// readKeys are the keys of a dialog one only reads: ↓↑ (j k) scroll, pgdn
// (space) and pgup scroll by ten, any other key closes it.
func (s *scrolling) readKeys(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "down", "j":
		s.offset++
	case "up", "k":
		s.offset--
	case "pgdown", "space":
		s.offset += 10
	case "pgup":
		s.offset -= 10
	default:
		m.popDialog()
	}
	return nil
}

func kb(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

// ---- full help ----

type helpDialog struct{ scrolling }

func newHelpDialog(*Model) *helpDialog { return &helpDialog{} }

func (d *helpDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd { return d.readKeys(m, msg) }

func (d *helpDialog) help(*Model) []key.Binding { return []key.Binding{kb("esc", "close")} }

func (d *helpDialog) view(m *Model, W, H int) string {
	st := m.st
	w := min(W-2, 100)
	var lines []string
	for _, group := range m.helpGroups() {
		if group.replay && m.opts.Replay == nil {
			continue
		}
		lines = append(lines, st.Accent2.Render(group.title))
		for _, b := range group.keys {
			lines = append(lines, " "+st.Key.Render(padRight(b.Help().Key, 12))+st.Text.Render(b.Help().Desc))
		}
	}
	lines = append(lines, "", st.Accent2.Render("Log filter"),
		st.Text.Render("  method:tools/call  dir:in|out|meta  kind:keepalive|error|request|notification|sse|http|state"),
		st.Text.Render("  id:7  stream:GET  status:404  free text  \"a phrase\"  -term negates  method:notifications/*"))
	if w >= 76 && len(lines) > H-5 {
		lines = twoColumns(lines, w-2)
	}
	d.offset = max(0, min(d.offset, len(lines)-(H-5)))
	return frame(st, "Keys", lines[d.offset:], st.Muted.Render("any key closes · ↓↑ scroll"), w, H-2)
}

func twoColumns(lines []string, w int) []string {
	half := (len(lines) + 1) / 2
	// break at a group heading near the middle if possible
	cw := w / 2
	var out []string
	for i := 0; i < half; i++ {
		l := padRight(ansi.Truncate(lines[i], cw-1, "…"), cw)
		if i+half < len(lines) {
			l += ansi.Truncate(lines[i+half], cw, "…")
		}
		out = append(out, l)
	}
	return out
}

// ---- confirm ----

type confirmDialog struct {
	text string
	yes  func(*Model) tea.Cmd
}

func newConfirmDialog(_ *Model, text string, yes func(*Model) tea.Cmd) *confirmDialog {
	return &confirmDialog{text: text, yes: yes}
}

func (d *confirmDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "y", "Y", "enter":
		m.popDialog()
		return d.yes(m)
	case "n", "N", "esc", "q":
		m.popDialog()
	}
	return nil
}

func (d *confirmDialog) help(*Model) []key.Binding {
	return []key.Binding{kb("y", "yes"), kb("n", "no")}
}

func (d *confirmDialog) view(m *Model, W, H int) string {
	w := min(W-4, 60)
	var lines []string
	for _, l := range strings.Split(d.text, "\n") {
		lines = append(lines, wrapLines(m.st.Text.Render(l), w-2)...)
	}
	lines = append(lines, "")
	return frame(m.st, "Confirm", lines, bindingHelp(m.st, d.help(m)...), w, H)
}

// ---- choice list (links, saves, copy formats) ----

type choiceDialog struct {
	title   string
	options []string
	cursor  int
	pick    func(m *Model, i int) tea.Cmd
	hotkeys []string // optional single-key shortcuts per option
}

func (d *choiceDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	for i, h := range d.hotkeys {
		if h != "" && msg.String() == h {
			m.popDialog()
			return d.pick(m, i)
		}
	}
	switch msg.String() {
	case "up", "k", "shift+tab":
		d.cursor = max(0, d.cursor-1)
	case "down", "j", "tab":
		d.cursor = min(len(d.options)-1, d.cursor+1)
	case "enter":
		m.popDialog()
		return d.pick(m, d.cursor)
	case "esc", "q":
		m.popDialog()
	}
	return nil
}

func (d *choiceDialog) help(*Model) []key.Binding {
	return []key.Binding{kb("enter", "choose"), kb("esc", "cancel")}
}

func (d *choiceDialog) view(m *Model, W, H int) string {
	st := m.st
	w := min(W-4, 72)
	var lines []string
	for i, o := range d.options {
		pre := "  "
		if i < len(d.hotkeys) && d.hotkeys[i] != "" {
			pre = st.Key.Render(d.hotkeys[i]) + " "
		}
		l := ansi.Truncate(o, w-6, "…")
		if i == d.cursor {
			l = st.Selected.Render("▸ " + l)
		} else {
			l = "  " + st.Text.Render(l)
		}
		lines = append(lines, pre+l)
	}
	lines = append(lines, "")
	return frame(st, d.title, lines, bindingHelp(st, d.help(m)...), w, H)
}

func newLinkDialog(m *Model, links []link) *choiceDialog {
	var opts []string
	for _, l := range links {
		opts = append(opts, l.label)
	}
	return &choiceDialog{title: "Open resource link", options: opts, pick: func(m *Model, i int) tea.Cmd { return m.readLink(links[i]) }}
}

func newSaveDialog(m *Model, r *result) *choiceDialog {
	var opts []string
	for _, s := range r.saves {
		opts = append(opts, fmt.Sprintf("%s · %d bytes · .%s", s.label, len(s.data), s.ext))
	}
	return &choiceDialog{title: "Save to a file in " + saveDir(), options: opts, pick: func(m *Model, i int) tea.Cmd {
		return saveCmd(r.saves[i], r.subject)
	}}
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

// saveCmd writes data to a new file (IO happens in the command).
func saveCmd(s saveable, subject string) tea.Cmd {
	return func() tea.Msg {
		base := sanitizeFileName(subject)
		if base == "" {
			base = "result"
		}
		name := fmt.Sprintf("sonde-%s-%s.%s", base, time.Now().Format("20060102-150405"), s.ext)
		p := filepath.Join(saveDir(), name)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return flashMsg{text: "save failed: " + err.Error(), err: true}
		}
		_, err = f.Write(s.data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return flashMsg{text: "save failed: " + err.Error(), err: true}
		}
		return flashMsg{text: fmt.Sprintf("saved %d bytes to %s", len(s.data), p)}
	}
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

func newCopyDialog(m *Model, en *entry) *choiceDialog {
	formats := []copyFormat{copyJSON, copyCurl, copySonde}
	opts := []string{"as JSON (the message)", "as a curl command", "as a sonde command"}
	return &choiceDialog{title: "Copy to the clipboard (OSC 52)", options: opts, hotkeys: []string{"j", "c", "s"}, pick: func(m *Model, i int) tea.Cmd {
		return m.copyEntry(en, formats[i])
	}}
}

// copyEntry copies the entry in a format through OSC 52.
func (m *Model) copyEntry(en *entry, f copyFormat) tea.Cmd {
	s, err := m.copyText(en, f)
	if err != nil {
		m.setFlash(err.Error(), true)
		return nil
	}
	m.setFlash(fmt.Sprintf("copied %s (%d bytes) to the clipboard", f, len(s)), false)
	return tea.SetClipboard(s)
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
	case msg.String() == "shift+tab":
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
		m.pushDialog(newCopyDialog(m, d.en))
	case key.Matches(msg, k.Save):
		data := []byte(prettyJSON(d.en.ev.Raw))
		if len(d.en.ev.Raw) == 0 {
			data, _ = json.MarshalIndent(d.en.ev, "", "  ")
		}
		return saveCmd(saveable{label: "event", ext: "json", data: data}, fmt.Sprintf("event-%d", d.en.ev.Seq))
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
			src := prettyJSON(raw)
			if len(src) > detailMaxBytes {
				src = src[:detailMaxBytes]
			}
			out = wrapWide(m.hl.text(st.Chroma, src), w)
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
	case 2:
		b, _ := json.MarshalIndent(eventFacts(e), "", "  ")
		out = wrapWide(m.hl.text(st.Chroma, string(b)), w)
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
	set("truncated", e.Truncated, e.Truncated > 0)
	set("err", e.Err, e.Err != "")
	return f
}

// wrapHard cuts long lines at the width (raw bytes have no word breaks
// worth keeping).
func wrapHard(s string, w int) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for ansi.StringWidth(l) > w && w > 0 {
			out = append(out, ansi.Truncate(l, w, ""))
			l = ansi.TruncateLeft(l, w, "")
		}
		out = append(out, l)
	}
	return out
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

type schemaDialog struct {
	it *item
	scrolling
}

func newSchemaDialog(m *Model, it *item) *schemaDialog { return &schemaDialog{it: it} }

func (d *schemaDialog) help(*Model) []key.Binding {
	return []key.Binding{kb("↓↑", "scroll"), kb("esc", "close")}
}

func (d *schemaDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd { return d.readKeys(m, msg) }

func (d *schemaDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := max(20, W-4), max(6, H-2)
	body := m.hl.pretty(st.Chroma, d.it.raw)
	rows := h - 3
	d.offset = max(0, min(d.offset, len(body)-rows))
	lines := append([]string(nil), body[d.offset:min(len(body), d.offset+rows)]...)
	return frame(st, d.it.kind.title()[:len(d.it.kind.title())-1]+": "+d.it.dname, lines, bindingHelp(st, d.help(m)...), w, h)
}
