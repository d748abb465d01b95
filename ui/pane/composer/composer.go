// Package composer is the raw composer pane: any JSON message, JSON-RPC
// or not, checked as it is typed, with a history and templates for the
// standard methods, sent exactly as written.
//
// It keeps the contract of ui/component: it owns its key map, draws itself
// at the size it is given, does no IO, and says what it wants done with
// its own actions (Send, Leave). The root sends the message
// (Session.SendRaw), keeps the history on disk, marks in the log what came
// back, and reports it with SetOutcome.
package composer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
)

// Send asks the root to send Message as it is. Check is what the composer
// found it to be.
type Send struct {
	Message []byte
	Check   Check
}

// Leave asks the root to give the work pane back (the draft is kept).
type Leave struct{}

// MaxHistory bounds the messages the history keeps (newest last).
const MaxHistory = 200

// Outcome is what came back for a message the root sent (see
// SetOutcome).
type Outcome struct {
	// Waiting is set while the root waits for an answer or for events.
	Waiting bool
	// Sent is when the message went out.
	Sent time.Time
	// Answer is the answer to a request, matched by its id.
	Answer *mcp.Event
	// Events are what arrived after a message that has no answer to wait
	// for (or before a request gave up).
	Events []mcp.Event
	// Err says why it failed.
	Err string
}

// Pane is the composer.
type Pane struct {
	c       *common.Common
	Keys    KeyMap
	ed      textarea.Model
	styled  *common.Styles // the styles the editor was given
	check   Check
	checked string // the text check was made for

	history []string
	hpos    int    // index into history while browsing it; len(history) when not
	draft   string // the text before browsing the history

	templates []Template
	tpos      int
	nextID    int
	meta      json.RawMessage // the requests' params._meta (SetRequestMeta)

	out     Outcome
	focused bool
	width   int
	height  int
}

var _ component.Pane = (*Pane)(nil)

// New returns an empty composer.
func New(c *common.Common) *Pane {
	ed := textarea.New()
	ed.ShowLineNumbers = true
	ed.Prompt = ""
	ed.CharLimit = 0
	ed.MaxHeight = 0
	ed.Placeholder = `a JSON message: {"jsonrpc":"2.0","id":1,"method":"ping"}`
	// ctrl+t is the templates' key here, not the editor's transposition
	ed.KeyMap.TransposeCharacterBackward.SetEnabled(false)
	p := &Pane{c: c, Keys: DefaultKeyMap(), ed: ed, templates: DefaultTemplates(), tpos: -1, nextID: 1}
	p.restyle()
	p.recheck()
	return p
}

// EditorKeys are the keys the editor itself takes (typing, moving,
// selecting, deleting): the root routes every key to the composer while it
// has the focus, as to any text field.
func (p *Pane) EditorKeys() textarea.KeyMap { return p.ed.KeyMap }

func (p *Pane) restyle() {
	if p.c == nil || p.c.Styles == nil || p.c.Styles == p.styled {
		return
	}
	p.styled = p.c.Styles
	p.ed.SetStyles(p.c.Styles.Form.TextareaStyles())
}

// Open fills the editor with text (edit and resend), or keeps the draft
// when text is "".
func (p *Pane) Open(text string) {
	if text != "" {
		p.ed.SetValue(text)
		p.ed.MoveToBegin()
		p.hpos = len(p.history)
	}
	p.recheck()
}

// SetFocused implements [component.Pane]: the editor takes the keys.
func (p *Pane) SetFocused(f bool) {
	p.focused = f
	if f {
		p.ed.Focus()
	} else {
		p.ed.Blur()
	}
}

// Focused reports whether the composer has the keys.
func (p *Pane) Focused() bool { return p.focused }

// Title implements [component.Pane].
func (p *Pane) Title() string { return "Composer" }

// Value is the text being written.
func (p *Pane) Value() string { return p.ed.Value() }

// SetHistory replaces the history (the root read it from disk), oldest
// first.
func (p *Pane) SetHistory(h []string) {
	if len(h) > MaxHistory {
		h = h[len(h)-MaxHistory:]
	}
	p.history = append([]string(nil), h...)
	p.hpos = len(p.history)
}

// History is the history, oldest first (for the root to keep).
func (p *Pane) History() []string { return append([]string(nil), p.history...) }

// AddTemplates puts templates of the root's (a call of the selected tool)
// before the standard ones.
func (p *Pane) AddTemplates(ts []Template) {
	p.templates = append(append([]Template(nil), ts...), DefaultTemplates()...)
	p.tpos = -1
}

// SetRequestMeta is the params._meta the session's requests need (a
// 2026-07-28 session's protocol version, capabilities and client; nil for
// none): the request templates carry it, so that what they make is
// answered. What the user writes is sent as written all the same.
func (p *Pane) SetRequestMeta(meta json.RawMessage) { p.meta = meta }

// SetOutcome shows what came back for the last message sent.
func (p *Pane) SetOutcome(o Outcome) { p.out = o }

// Outcome is what the composer shows about the last message sent.
func (p *Pane) Outcome() Outcome { return p.out }

// Check is the verdict on the text as it stands.
func (p *Pane) Check() Check { return p.check }

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.ed.SetWidth(max(10, w))
	p.ed.SetHeight(p.editorHeight())
}

// editorHeight is the editor's share of the height: as many rows as the
// text takes (and one more), at most three fifths; the rest shows the
// verdict and the outcome.
func (p *Pane) editorHeight() int {
	most := max(3, (p.height-1)*3/5)
	w := max(1, p.width-6) // the line numbers' gutter
	rows := 1
	for _, l := range strings.Split(p.ed.Value(), "\n") {
		rows += max(1, (ansi.StringWidth(l)+w-1)/w)
		if rows >= most {
			return most
		}
	}
	return max(3, rows)
}

// Update implements [component.Component]: the composer's keys, and
// everything else for the editor (typing, a paste, the cursor's blink).
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	if !p.focused {
		return nil, nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, p.Keys.Leave):
			return Leave{}, nil
		case key.Matches(k, p.Keys.Send):
			p.recheck()
			if !p.check.Valid {
				if p.check.Empty {
					return component.Flash{Text: "nothing to send", Err: true}, nil
				}
				return component.Flash{Text: "not sent: " + p.check.Err, Err: true}, nil
			}
			text := strings.TrimSpace(p.ed.Value())
			p.remember(text)
			return Send{Message: []byte(text), Check: p.check}, nil
		case key.Matches(k, p.Keys.Template):
			p.UseTemplate((p.tpos + 1) % len(p.templates))
			return nil, nil
		case key.Matches(k, p.Keys.PrevHistory):
			p.browse(-1)
			return nil, nil
		case key.Matches(k, p.Keys.NextHistory):
			p.browse(1)
			return nil, nil
		case key.Matches(k, p.Keys.Format):
			if p.check.Valid {
				s, _ := prettyjson.Indent([]byte(p.ed.Value()), 0)
				p.ed.SetValue(s)
				p.recheck()
			}
			return nil, nil
		}
	}
	var cmd tea.Cmd
	p.ed, cmd = p.ed.Update(msg)
	p.recheck()
	return nil, cmd
}

// remember puts a sent message at the end of the history (once).
func (p *Pane) remember(text string) {
	for i, h := range p.history {
		if h == text {
			p.history = append(p.history[:i:i], p.history[i+1:]...)
			break
		}
	}
	p.history = append(p.history, text)
	if len(p.history) > MaxHistory {
		p.history = p.history[len(p.history)-MaxHistory:]
	}
	p.hpos = len(p.history)
}

// browse moves through the history; past its end is the draft.
func (p *Pane) browse(d int) {
	if len(p.history) == 0 {
		return
	}
	if p.hpos == len(p.history) {
		p.draft = p.ed.Value()
	}
	p.hpos = max(0, min(len(p.history), p.hpos+d))
	if p.hpos == len(p.history) {
		p.ed.SetValue(p.draft)
	} else {
		p.ed.SetValue(p.history[p.hpos])
	}
	p.recheck()
}

// UseTemplate replaces the text with template i (the root's templates
// first, then the standard ones), with a fresh id of the composer's own.
func (p *Pane) UseTemplate(i int) {
	if i < 0 || i >= len(p.templates) {
		return
	}
	p.tpos = i
	t := p.templates[i]
	body := strings.ReplaceAll(withMeta(t.Body, p.meta), IDPlaceholder, strconv.Quote("c"+strconv.Itoa(p.nextID)))
	if strings.Contains(t.Body, IDPlaceholder) {
		p.nextID++
	}
	p.ed.SetValue(body)
	p.ed.MoveToBegin()
	p.recheck()
}

func (p *Pane) recheck() {
	if v := p.ed.Value(); v != p.checked || p.check.Kind == "" {
		p.check = CheckMessage(v)
		p.checked = v
	}
}

// View implements [component.Component]: the editor, the verdict, and what
// came back for the last message sent.
func (p *Pane) View(w, h int) string {
	if w != p.width || h != p.height || p.editorHeight() != p.ed.Height() {
		p.SetSize(w, h)
	}
	p.restyle()
	st := p.c.Styles
	w = max(10, w)
	lines := strings.Split(p.ed.View(), "\n")
	lines = append(lines, ansi.Truncate(p.verdictLine(st), w, "…"))
	if p.tpos >= 0 && p.tpos < len(p.templates) {
		lines = append(lines, ansi.Truncate(st.Muted.Render(fmt.Sprintf("template %d/%d: %s", p.tpos+1, len(p.templates), p.templates[p.tpos].Name)), w, "…"))
	}
	lines = append(lines, p.outcomeLines(st, w, h-len(lines))...)
	if len(lines) > h && h > 0 {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

func (p *Pane) verdictLine(st *common.Styles) string {
	c := p.check
	switch {
	case c.Empty:
		return st.Muted.Render(fmt.Sprintf("write a JSON message; %s: templates, %s: history",
			p.Keys.Template.Help().Key, p.Keys.PrevHistory.Help().Key))
	case !c.Valid:
		return st.Err.Render("✗ " + c.Err)
	}
	s := st.OK.Render("✓ ") + st.Text.Render(c.Describe())
	if len(c.Notes) > 0 {
		s += "  " + st.Warn.Render(strings.Join(c.Notes, "; "))
	}
	return s
}

// outcomeLines draws what came back in at most room lines.
func (p *Pane) outcomeLines(st *common.Styles, w, room int) []string {
	if room <= 0 {
		return nil
	}
	o := p.out
	var out []string
	head := func(s string, style lipgloss.Style) { out = append(out, ansi.Truncate(style.Render(s), w, "…")) }
	switch {
	case o.Sent.IsZero() && !o.Waiting:
		return nil
	case o.Waiting:
		head("sent "+o.Sent.Format("15:04:05")+"; waiting…", st.Muted)
		return out
	}
	if o.Answer != nil {
		what, style := "answer", st.Accent
		if o.Answer.RPC == mcp.RPCErrorResponse {
			what, style = "error answer", st.Err
		}
		head(fmt.Sprintf("%s (id %s, %s) ─ also marked ◆ in the log", what, termsafe.Line(o.Answer.ID), o.Answer.Latency.Round(time.Microsecond)), style)
		for _, l := range p.c.HL.Pretty(st.Chroma, o.Answer.Raw) {
			if len(out) >= room {
				break
			}
			out = append(out, ansi.Truncate(l, w, "…"))
		}
	} else if o.Err == "" || len(o.Events) > 0 {
		if len(o.Events) == 0 {
			head("nothing arrived after it", st.Muted)
		} else {
			head(fmt.Sprintf("%d events followed it ─ marked ◆ in the log", len(o.Events)), st.Accent)
		}
		for i := range o.Events {
			if len(out) >= room {
				break
			}
			out = append(out, ansi.Truncate(st.Text.Render(EventLine(&o.Events[i])), w, "…"))
		}
	}
	if o.Err != "" && len(out) < room {
		head("✗ "+termsafe.Line(o.Err), st.Err)
	}
	return out
}

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding { return p.Keys.ShortHelp() }

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding { return p.Keys.FullHelp() }

// EventLine is one event that followed a message: its label and its
// payload on one line, terminal-safe.
func EventLine(e *mcp.Event) string {
	payload := e.Summary()
	switch {
	case len(e.Raw) > 0:
		var b bytes.Buffer
		if json.Compact(&b, e.Raw) == nil {
			payload = b.String()
		}
	case e.Kind == mcp.KindHTTP && e.Body != "":
		payload = e.Summary() + "  " + e.Body
	}
	return termsafe.Line(e.Label() + "  " + payload)
}
