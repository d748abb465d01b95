package ui

import (
	"encoding/json"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/ui/form"
)

// Completions: while the user types a prompt argument or a URI template
// variable, sonde asks the server's completion/complete (debounced, in a
// command) with the values already filled as context.arguments
// (2025-06-18+) and offers what comes back in the form's suggestion list.

// completeDelay is how long typing must pause before sonde asks.
const completeDelay = 200 * time.Millisecond

// completeDueMsg fires when the debounce delay is over.
type completeDueMsg struct{ seq int }

// completeMsg carries the server's completions.
type completeMsg struct {
	seq    int
	form   *form.Form
	path   string
	values []string
	total  int
	more   bool
	err    error
}

// completer is the completion state of the work pane's form.
type completer struct {
	seq      int
	path     string // the field and text last asked about (or scheduled)
	text     string
	form     *form.Form
	failures int
}

// completable reports whether the form in the work pane can ask the
// server for completions (a prompt or a template, with the completions
// capability).
func (m *Model) completable() bool {
	it := m.work.target
	return m.work.mode == workForm && m.work.form != nil && it != nil &&
		(it.Kind == listPrompts || it.Kind == listTemplates) && m.canAct() && m.capability("completions")
}

// afterFormInput schedules a completion request when the focused field or
// its text changed; force asks at once, even for the same text.
func (m *Model) afterFormInput(force bool) tea.Cmd {
	if !m.completable() {
		return nil
	}
	f := m.work.form
	path, text, ok := f.FocusedText()
	if !ok {
		return nil
	}
	c := &m.comp
	if !force && c.form == f && c.path == path && c.text == text {
		return nil
	}
	c.form, c.path, c.text = f, path, text
	c.seq++
	seq := c.seq
	if force {
		return m.complete(seq)
	}
	return tea.Tick(completeDelay, func(time.Time) tea.Msg { return completeDueMsg{seq: seq} })
}

// complete asks completion/complete about the field scheduled as seq.
func (m *Model) complete(seq int) tea.Cmd {
	c := &m.comp
	if seq != c.seq || !m.completable() || m.work.form != c.form {
		return nil
	}
	it := m.work.target
	ref := map[string]string{"type": "ref/prompt", "name": it.Name}
	if it.Kind == listTemplates {
		ref = map[string]string{"type": "ref/resource", "uri": it.URI}
	}
	name := strings.Join(schema.SplitPointer(c.path), "/") // a top-level argument: one token
	params := map[string]any{"ref": ref, "argument": map[string]string{"name": name, "value": c.text}}
	if m.s.Conn.Info == nil || m.s.Conn.Info.Protocol >= "2025-06-18" {
		// context.arguments: the values already filled (2025-06-18+)
		if args := m.filledArguments(name); len(args) > 0 {
			params["context"] = map[string]any{"arguments": args}
		}
	}
	sess, ctx, f, path := m.sess, m.ctx, c.form, c.path
	return func() tea.Msg {
		raw, err := sess.Call(ctx, "completion/complete", params, mcp.WithTimeout(10*time.Second))
		msg := completeMsg{seq: seq, form: f, path: path, err: err}
		if err == nil {
			var r struct {
				Completion struct {
					Values  []string `json:"values"`
					Total   int      `json:"total"`
					HasMore bool     `json:"hasMore"`
				} `json:"completion"`
			}
			json.Unmarshal(raw, &r)
			msg.values, msg.total, msg.more = r.Completion.Values, r.Completion.Total, r.Completion.HasMore
		}
		return msg
	}
}

// filledArguments are the form's other string values, by name.
func (m *Model) filledArguments(except string) map[string]string {
	v, _ := m.work.form.Value()
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

func (m *Model) completed(msg completeMsg) {
	c := &m.comp
	if msg.form != m.work.form || msg.form == nil {
		return
	}
	if msg.err != nil {
		c.failures++
		if c.failures <= 3 {
			m.setFlash("completion/complete: "+describeErr(msg.err), true)
		}
		return
	}
	c.failures = 0
	if msg.seq != c.seq {
		// a newer request is on its way; still show these if they are for
		// the same field (typing narrows them meanwhile)
		if msg.path != c.path {
			return
		}
	}
	msg.form.SetSuggestions(msg.path, msg.values, msg.total, msg.more)
}
