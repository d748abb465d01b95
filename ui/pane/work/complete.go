package work

import (
	"encoding/json"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/form"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
)

// Completions: while the user types a prompt argument or a URI template
// variable, the pane asks for the server's completion/complete (debounced;
// the root makes the call, see [Complete]) with the values already filled
// as context.arguments (2025-06-18+) and offers what comes back in the
// form's suggestion list.

// completeDelay is how long typing must pause before the pane asks.
const completeDelay = 200 * time.Millisecond

// CompleteDue fires when the debounce delay is over (the root routes it
// to the pane).
type CompleteDue struct{ seq int }

// Completed carries the server's completions (or why there are none) for
// the field Path of Form, asked as Seq.
type Completed struct {
	Seq    int
	Form   *form.Form
	Path   string
	Values []string
	Total  int
	More   bool
	Err    error
}

// completer is the completion state of the pane's form.
type completer struct {
	seq      int
	path     string // the field and text last asked about (or scheduled)
	text     string
	form     *form.Form
	failures int
}

// completable reports whether the form can ask the server for
// completions (a prompt or a template, with the completions capability).
func (p *Pane) completable() bool {
	it := p.target
	return p.mode == ModeForm && p.form != nil && it != nil &&
		(it.Kind == browser.Prompts || it.Kind == browser.Templates) && p.facts.CanAct && p.capability("completions")
}

func (p *Pane) capability(name string) bool {
	if p.s.Conn.Info == nil {
		return false
	}
	var caps map[string]json.RawMessage
	json.Unmarshal(p.s.Conn.Info.Capabilities, &caps)
	_, ok := caps[name]
	return ok
}

// afterFormInput schedules a completion request when the focused field or
// its text changed.
func (p *Pane) afterFormInput() tea.Cmd {
	seq, ok := p.schedule(false)
	if !ok {
		return nil
	}
	return tea.Tick(completeDelay, func(time.Time) tea.Msg { return CompleteDue{seq: seq} })
}

// completeNow asks at once, even for the same text.
func (p *Pane) completeNow() (component.Action, tea.Cmd) {
	seq, ok := p.schedule(true)
	if !ok {
		return nil, nil
	}
	return p.complete(seq)
}

// schedule numbers a new request for the focused field, unless its text
// was asked about already (and not force).
func (p *Pane) schedule(force bool) (seq int, ok bool) {
	if !p.completable() {
		return 0, false
	}
	f := p.form
	path, text, ok := f.FocusedText()
	if !ok {
		return 0, false
	}
	c := &p.comp
	if !force && c.form == f && c.path == path && c.text == text {
		return 0, false
	}
	c.form, c.path, c.text = f, path, text
	c.seq++
	return c.seq, true
}

// complete asks completion/complete about the field scheduled as seq.
func (p *Pane) complete(seq int) (component.Action, tea.Cmd) {
	c := &p.comp
	if seq != c.seq || !p.completable() || p.form != c.form {
		return nil, nil
	}
	it := p.target
	ref := map[string]string{"type": "ref/prompt", "name": it.Name}
	if it.Kind == browser.Templates {
		ref = map[string]string{"type": "ref/resource", "uri": it.URI}
	}
	name := strings.Join(schema.SplitPointer(c.path), "/") // a top-level argument: one token
	params := map[string]any{"ref": ref, "argument": map[string]string{"name": name, "value": c.text}}
	if p.s.Conn.Info == nil || p.s.Conn.Info.Protocol >= "2025-06-18" {
		// context.arguments: the values already filled (2025-06-18+)
		if args := p.filledArguments(name); len(args) > 0 {
			params["context"] = map[string]any{"arguments": args}
		}
	}
	return Complete{Seq: seq, Params: params, Form: c.form, Path: c.path}, nil
}

// filledArguments are the form's other string values, by name.
func (p *Pane) filledArguments(except string) map[string]string {
	v, _ := p.form.Value()
	var all map[string]any
	json.Unmarshal(v, &all)
	out := map[string]string{}
	for k, x := range all {
		if s, ok := x.(string); ok && k != except && s != "" {
			out[k] = s
		}
	}
	return out
}

func (p *Pane) completed(msg Completed) component.Action {
	c := &p.comp
	if msg.Form != p.form || msg.Form == nil {
		return nil
	}
	if msg.Err != nil {
		c.failures++
		if c.failures <= 3 {
			return component.Flash{Text: "completion/complete: " + common.DescribeErr(msg.Err), Err: true}
		}
		return nil
	}
	c.failures = 0
	if msg.Seq != c.seq {
		// a newer request is on its way; still show these if they are for
		// the same field (typing narrows them meanwhile)
		if msg.Path != c.path {
			return nil
		}
	}
	msg.Form.SetSuggestions(msg.Path, msg.Values, msg.Total, msg.More)
	return nil
}
