// Package detail is the event detail dialog: one event of the wire log
// drawn whole, as its JSON-RPC message pretty-printed (highlighted), as
// the bytes on the wire, or as the facts sonde recorded about it, with
// keys to walk the log from it. Walking, copying, saving and showing the
// event as a result are the root's: the dialog asks with its actions and
// the root hands it the event to show next ([Dialog.Show]).
package detail

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog/saveas"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Entry is the event the dialog shows, as the log has it.
type Entry struct {
	Event *mcp.Event
	// Label and Summary are the log's strings for it (terminal-safe).
	Label, Summary string
	// Ref is what the root knows the event by; actions hand it back.
	Ref any
}

// The dialog's own actions, carried out by the root.
type (
	// Step moves the log's selection By events and asks the root to
	// Show the one selected then in Dialog.
	Step struct {
		Dialog *Dialog
		By     int
	}
	// Pair moves the log's selection from a request to its answer or
	// back, and asks the root to Show it in Dialog.
	Pair struct{ Dialog *Dialog }
	// Copy offers the formats the event can be copied in.
	Copy struct{ Ref any }
	// AsResult shows the answer (or the answer to the request) in the
	// work pane, as if it had just come.
	AsResult struct{ Ref any }
)

// KeyMap is the dialog's keys.
type KeyMap struct {
	// Nav scrolls the event.
	Nav list.KeyMap
	// Switch and SwitchBack go round the views: pretty, raw, facts.
	Switch, SwitchBack key.Binding
	// PrevEv and NextEv show the log's event before or after this one.
	PrevEv, NextEv key.Binding
	// Pair shows a request's answer, or an answer's request.
	Pair     key.Binding
	Copy     key.Binding
	Save     key.Binding
	AsResult key.Binding
	Close    key.Binding
}

// DefaultKeyMap returns the dialog's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Nav:        list.DefaultKeyMap(),
		Close:      b([]string{"esc", "q"}, "esc", "close"),
		Switch:     b([]string{"tab", "p"}, "tab", "pretty/raw/facts"),
		SwitchBack: b([]string{"shift+tab"}, "shift+tab", "the view before"),
		Copy:       b([]string{"c"}, "c", "copy"),
		PrevEv:     b([]string{"left", "h"}, "←", "previous event"),
		NextEv:     b([]string{"right", "l"}, "→", "next event"),
		Save:       b([]string{"s"}, "s", "save"),
		AsResult:   b([]string{"v"}, "v", "show as result"),
		Pair:       b([]string{"%"}, "%", "request ⇄ answer"),
	}
}

// Bindings is the dialog's bindings but the scrolling ones, in the order
// the full help lists them.
func (k KeyMap) Bindings() []key.Binding {
	return []key.Binding{k.Switch, k.SwitchBack, k.PrevEv, k.NextEv, k.Pair, k.Copy, k.Save, k.AsResult, k.Close}
}

// The views of an event.
const (
	viewPretty = iota
	viewRaw
	viewFacts
	views
)

// MaxBytes bounds what the pretty and raw views draw of a message (saving
// writes all of it).
const MaxBytes = 512 << 10

// Dialog shows one event.
type Dialog struct {
	c       *common.Common
	en      Entry
	related func(*mcp.Event) []string
	mode    int
	pager   list.Model
	Keys    KeyMap

	// the body drawn last, for the width, view and styles it was drawn
	// with (highlighting a large message is not done every frame)
	lines []string
	lw    int
	lmode int
	lst   *common.Styles
}

var _ component.Dialog = (*Dialog)(nil)

// New is the detail of en. related, if not nil, gives the lines that say
// where a request stands among the others (the call a server request came
// during, the server requests a call caused); they head the message.
func New(c *common.Common, en Entry, related func(*mcp.Event) []string) *Dialog {
	d := &Dialog{c: c, en: en, related: related, lmode: -1, pager: list.NewPager(), Keys: DefaultKeyMap()}
	d.pager.KeyMap = d.Keys.Nav
	d.pager.PageSize = 10
	return d
}

// Show shows another event, from its top, in the same view.
func (d *Dialog) Show(en Entry) {
	d.en, d.lmode = en, -1
	d.pager.SetOffset(0)
}

// Update implements [component.Component].
func (d *Dialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		d.pager.Wheel(msg, 3)
	case tea.KeyPressMsg:
		k := d.Keys
		switch {
		case d.pager.HandleKey(msg):
		case key.Matches(msg, k.Close):
			return component.Close{}, nil
		case key.Matches(msg, k.Switch):
			d.mode = (d.mode + 1) % views
			d.pager.SetOffset(0)
		case key.Matches(msg, k.SwitchBack):
			d.mode = (d.mode + views - 1) % views
			d.pager.SetOffset(0)
		case key.Matches(msg, k.PrevEv):
			return Step{Dialog: d, By: -1}, nil
		case key.Matches(msg, k.NextEv):
			return Step{Dialog: d, By: 1}, nil
		case key.Matches(msg, k.Pair):
			return Pair{Dialog: d}, nil
		case key.Matches(msg, k.Copy):
			return Copy{Ref: d.en.Ref}, nil
		case key.Matches(msg, k.Save):
			return SaveEvent(d.en.Event), nil
		case key.Matches(msg, k.AsResult):
			return component.Then(component.Close{}, AsResult{Ref: d.en.Ref}), nil
		}
	}
	return nil, nil
}

// SaveEvent asks where to save an event: its JSON-RPC message, or its
// facts when it has none.
func SaveEvent(e *mcp.Event) saveas.Ask {
	data := []byte(common.PrettyJSON(e.Raw))
	if len(e.Raw) == 0 {
		data = []byte(common.PrettyValue(*e))
	}
	return saveas.Ask{Item: saveas.Item{Label: fmt.Sprintf("event #%d", e.Seq), Ext: "json", Data: data}, Subject: fmt.Sprintf("event-%d", e.Seq)}
}

// build is the body for width w in the current view.
func (d *Dialog) build(w int) []string {
	st := d.c.Styles
	if d.lines != nil && d.lw == w && d.lmode == d.mode && d.lst == st {
		return d.lines
	}
	e := d.en.Event
	save := d.Keys.Save.Help().Key
	var out []string
	switch d.mode {
	case viewPretty, viewRaw:
		raw := e.Raw
		note := ""
		if len(raw) == 0 {
			raw, _ = json.Marshal(Facts(e))
		}
		if len(raw) > MaxBytes {
			note = fmt.Sprintf("showing the first %d KiB of %d; %s saves all of it", MaxBytes>>10, len(raw), save)
		}
		if d.mode == viewPretty {
			src, cut := prettyjson.Indent(raw, MaxBytes)
			if cut && note == "" {
				note = fmt.Sprintf("showing the first %d KiB indented; %s saves all of it", MaxBytes>>10, save)
			}
			out = common.WrapWide(d.c.HL.Text(st.Chroma, src), w)
		} else {
			src := string(raw)
			if len(src) > MaxBytes {
				src = src[:MaxBytes]
			}
			out = common.WrapHard(termsafe.Text(src), w)
		}
		if note != "" {
			out = append([]string{st.Warn.Render(note)}, out...)
		}
		if e.Truncated > 0 {
			out = append([]string{st.Warn.Render(fmt.Sprintf("the wire core cut this for the log: originally %d bytes", e.Truncated))}, out...)
		}
		if d.related != nil {
			if rel := d.related(e); len(rel) > 0 {
				var head []string
				for _, l := range rel {
					for _, wl := range common.WrapLines(l, w) {
						head = append(head, st.Accent2.Render(wl))
					}
				}
				out = append(append(head, ""), out...)
			}
		}
	case viewFacts:
		b, _ := json.Marshal(Facts(e))
		out = common.WrapWide(d.c.HL.Pretty(st.Chroma, b), w)
	}
	d.lines, d.lw, d.lmode, d.lst = out, w, d.mode, st
	return out
}

// Facts is the event without its payload: what the facts view shows, and
// what is copied of an event that has no message.
func Facts(e *mcp.Event) map[string]any {
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

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Dialog) SetSize(int, int) {}

// View implements [component.Component].
func (d *Dialog) View(W, H int) string {
	st := d.c.Styles
	w, h := max(20, W-4), max(6, H-2)
	var tabs []string
	for i, t := range []string{"pretty", "raw", "facts"} {
		if i == d.mode {
			tabs = append(tabs, st.TabActive.Render(t))
		} else {
			tabs = append(tabs, st.Tab.Render(t))
		}
	}
	e := d.en.Event
	head := st.Muted.Render(e.Time.Format("15:04:05.000")+" ") + st.Text.Render(string(e.Dir)+" "+d.en.Label) + "  " + strings.Join(tabs, " ")
	body := d.build(w - 2)
	// the box's inside less the help line; the head takes two of it
	rows := h - 4
	d.pager.SetHeight(rows - 2)
	d.pager.SetLen(len(body))
	from, to := d.pager.Visible()
	if rows-2 < 1 {
		to = from
	}
	lines := []string{ansi.Truncate(head, w-2, "…"), ansi.Truncate(st.Muted.Render(d.en.Summary), w-2, "…")}
	lines = append(lines, body[from:to]...)
	for len(lines) < rows {
		lines = append(lines, "")
	}
	title := fmt.Sprintf("Event #%d", e.Seq)
	if len(body) > rows-2 {
		title += fmt.Sprintf(" · line %d/%d", from+1, len(body))
	}
	return common.DialogBox(st, title, lines, common.HelpLine(st, d.ShortHelp(), w-2), w, h)
}

// ShortHelp implements [help.KeyMap].
func (d *Dialog) ShortHelp() []key.Binding {
	k := d.Keys
	return []key.Binding{k.Switch, k.PrevEv, k.NextEv, k.Pair, k.Copy, k.AsResult, k.Save, k.Close}
}

// FullHelp implements [help.KeyMap].
func (d *Dialog) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.Keys.Bindings(), d.Keys.Nav.Bindings()}
}
