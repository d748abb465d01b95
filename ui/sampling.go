package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/dialog"
)

// The sampling dialog answers sampling/createMessage (legacy) and the
// sampling input request of a 2026-07-28 input_required result: the user
// reads what the server asks a model for and writes the model's reply
// (or rejects, which answers error -1 as the specification suggests for a
// user rejection).

// samplingParams is CreateMessageRequest.params, leniently decoded for
// display (protocol.md §4.7).
type samplingParams struct {
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	ModelPreferences *struct {
		Hints []struct {
			Name string `json:"name"`
		} `json:"hints"`
		CostPriority         *float64 `json:"costPriority"`
		SpeedPriority        *float64 `json:"speedPriority"`
		IntelligencePriority *float64 `json:"intelligencePriority"`
	} `json:"modelPreferences"`
	SystemPrompt   string            `json:"systemPrompt"`
	IncludeContext string            `json:"includeContext"`
	Temperature    *float64          `json:"temperature"`
	MaxTokens      *int64            `json:"maxTokens"`
	StopSequences  []string          `json:"stopSequences"`
	Metadata       json.RawMessage   `json:"metadata"`
	Tools          []json.RawMessage `json:"tools"`
	ToolChoice     *struct {
		Mode string `json:"mode"`
	} `json:"toolChoice"`
	Task json.RawMessage `json:"task"`
}

// stopReasons are the values the user can pick; the specification allows
// others, which the raw editor can send.
var stopReasons = []string{"endTurn", "stopSequence", "maxTokens", "toolUse"}

// defaultSamplingModel names the "model" of a reply written by hand.
const defaultSamplingModel = "sonde-human"

const (
	sampReply = iota
	sampModel
	sampStop
	sampRequest
	sampFields
)

// samplingKeys are the sampling dialog's keys (the queue's, F2 among
// them, come first: QueueKeys).
type samplingKeys struct {
	Send, Reject, Cancel, Raw, PageUp, PageDown key.Binding
	Next, Prev                                  key.Binding // fields
	ModelDone                                   key.Binding // enter in the model field
	StopPrev, StopNext                          key.Binding // the stop reason
	Up, Down, Top, Bottom                       key.Binding // the request, when it has the keys
}

func defaultSamplingKeys() samplingKeys {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return samplingKeys{
		Send:      b([]string{"ctrl+r", "ctrl+s"}, "ctrl+r", "send"),
		Reject:    b([]string{"ctrl+d"}, "ctrl+d", "reject"),
		Cancel:    b([]string{"esc"}, "esc", "reject…"),
		Raw:       b([]string{"ctrl+o"}, "ctrl+o", "raw JSON"),
		PageUp:    b([]string{"pgup"}, "pgup/pgdn", "scroll request"),
		PageDown:  b([]string{"pgdown"}, "pgdn", "scroll request"),
		Next:      b([]string{"tab"}, "tab", "next field"),
		Prev:      b([]string{"shift+tab"}, "shift+tab", "previous field"),
		ModelDone: b([]string{"enter"}, "enter", "to the stop reason"),
		StopPrev:  b([]string{"left", "h"}, "←→", "stop reason"),
		StopNext:  b([]string{"right", "l", "space", "enter"}, "→", "next stop reason"),
		Up:        b([]string{"up", "k"}, "↑", "scroll up"),
		Down:      b([]string{"down", "j"}, "↓", "scroll down"),
		Top:       b([]string{"home", "g"}, "g", "top"),
		Bottom:    b([]string{"end", "G"}, "G", "bottom"),
	}
}

type samplingDialog struct {
	p      *pendingRequest
	params samplingParams
	keys   samplingKeys

	field int
	reply textarea.Model
	// fresh: the reply still holds the prefill untouched, and the first text typed or pasted
	// replaces it (ctrl+r sends it as is); any other key into the reply keeps it for editing
	fresh bool
	model textinput.Model
	stop  int

	raw    bool
	rawEd  textarea.Model
	rawErr string

	scrolling     // the request view
	rows      int // request view rows at the last render

	lines []string
	lw    int
	lst   *Styles
}

func newSamplingDialog(m *Model, p *pendingRequest) (*samplingDialog, error) {
	d := &samplingDialog{p: p, keys: defaultSamplingKeys()}
	if len(p.msg.req.Params) > 0 {
		if err := json.Unmarshal(p.msg.req.Params, &d.params); err != nil {
			return nil, err
		}
	}
	d.reply = textarea.New()
	d.reply.ShowLineNumbers = false
	d.reply.Prompt = "│ "
	d.reply.CharLimit = 0
	d.reply.MaxHeight = 0
	d.reply.Placeholder = "the model's reply"
	d.reply.SetStyles(m.st.Form.TextareaStyles())
	d.reply.SetValue(d.prefill())
	d.reply.MoveToEnd()
	d.fresh = true
	d.model = textinput.New()
	d.model.Prompt = ""
	d.model.CharLimit = 200
	d.model.SetStyles(m.st.Form.InputStyles())
	d.model.SetValue(defaultSamplingModel)
	d.rawEd = textarea.New()
	d.rawEd.ShowLineNumbers = true
	d.rawEd.Prompt = ""
	d.rawEd.CharLimit = 0
	d.rawEd.MaxHeight = 0
	d.rawEd.SetStyles(m.st.Form.TextareaStyles())
	return d, nil
}

// prefill is the reply offered at first: it says who wrote it and what it
// answers, so sending it untouched is still an honest answer. It starts
// selected, so typing replaces it.
func (d *samplingDialog) prefill() string {
	q := ""
	for i := len(d.params.Messages) - 1; i >= 0 && q == ""; i-- {
		if d.params.Messages[i].Role == "user" {
			q = firstText(d.params.Messages[i].Content)
		}
	}
	q = mcp.FirstLine(termsafe.Line(q), 0)
	if q == "" {
		return "A reply written by hand in sonde (no model was run)."
	}
	if len(q) > 80 {
		q = ansi.Truncate(q, 80, "…")
	}
	return "A reply written by hand in sonde (no model was run) to: " + q
}

// firstText is the first text block of a content value (an object or an
// array of them).
func firstText(raw json.RawMessage) string {
	for _, b := range contentBlocks(raw) {
		if c := mcp.DecodeContent(b); c.Type == "text" {
			return c.Text
		}
	}
	return ""
}

// contentBlocks splits a content value into blocks: sampling content is
// one block or (2025-11-25) an array of them.
func contentBlocks(raw json.RawMessage) []json.RawMessage {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, "[") {
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil {
			return arr
		}
	}
	if s == "" || s == "null" {
		return nil
	}
	return []json.RawMessage{raw}
}

func (d *samplingDialog) pending() *pendingRequest { return d.p }

func (d *samplingDialog) restyle(st *Styles) {
	d.reply.SetStyles(st.Form.TextareaStyles())
	d.rawEd.SetStyles(st.Form.TextareaStyles())
	d.model.SetStyles(st.Form.InputStyles())
	d.lines = nil
}

func (d *samplingDialog) focus() tea.Cmd {
	d.reply.Blur()
	d.model.Blur()
	d.rawEd.Blur()
	if d.raw {
		return d.rawEd.Focus()
	}
	switch d.field {
	case sampReply:
		c := d.reply.Focus()
		return c
	case sampModel:
		return d.model.Focus()
	}
	return nil
}

// replyInput clears the untouched prefill before the first text typed or
// pasted into the reply, so typing replaces it.
func (d *samplingDialog) replyInput(msg tea.Msg) {
	if !d.fresh {
		return
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		d.reply.SetValue("")
	case tea.KeyPressMsg:
		if msg.Text != "" {
			d.reply.SetValue("")
		}
	default:
		return
	}
	d.fresh = false
}

func (d *samplingDialog) forward(msg tea.Msg) tea.Cmd {
	var c tea.Cmd
	switch {
	case d.raw:
		d.rawEd, c = d.rawEd.Update(msg)
	case d.field == sampReply:
		d.replyInput(msg)
		d.reply, c = d.reply.Update(msg)
	case d.field == sampModel:
		d.model, c = d.model.Update(msg)
	}
	return c
}

func (d *samplingDialog) help(*Model) []key.Binding {
	k := d.keys
	if d.raw {
		raw := k.Raw
		raw.SetHelp("ctrl+o", "back to the form")
		return []key.Binding{k.Send, k.Reject, raw, k.PageUp, k.Cancel}
	}
	bs := []key.Binding{k.Send, k.Reject, k.Next}
	if d.field == sampStop {
		bs = append(bs, k.StopPrev)
	}
	return append(bs, k.PageUp, k.Raw, k.Cancel, kb("f2", "hide"))
}

// result is the answer the dialog would send now.
func (d *samplingDialog) result() (json.RawMessage, error) {
	if d.raw {
		text := strings.TrimSpace(d.rawEd.Value())
		var v map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return nil, fmt.Errorf("not a JSON object: %v", err)
		}
		return json.RawMessage(text), nil
	}
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	res := struct {
		Role       string `json:"role"`
		Content    text   `json:"content"`
		Model      string `json:"model"`
		StopReason string `json:"stopReason"`
	}{"assistant", text{"text", d.reply.Value()}, strings.TrimSpace(d.model.Value()), stopReasons[d.stop]}
	b, err := json.Marshal(res)
	return b, err
}

// missingFields lists what CreateMessageResult requires and the raw
// answer lacks.
func missingFields(raw json.RawMessage) []string {
	o := jsonObject(raw)
	var out []string
	for _, k := range []string{"role", "content", "model"} {
		if _, ok := o[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func (d *samplingDialog) send(m *Model, force bool) tea.Cmd {
	res, err := d.result()
	if err != nil {
		d.rawErr = err.Error()
		return nil
	}
	if !force {
		if miss := missingFields(res); len(miss) > 0 {
			m.open(dialog.NewConfirm(m.com, "The answer lacks "+strings.Join(miss, ", ")+", which a CreateMessageResult requires.\nSend it anyway?", legacyYes{func(m *Model) tea.Cmd { return d.send(m, true) }}))
			return nil
		}
		if strings.TrimSpace(string(jsonObject(res)["model"])) == `""` {
			m.open(dialog.NewConfirm(m.com, "The model name is empty.\nSend it anyway?", legacyYes{func(m *Model) tea.Cmd { return d.send(m, true) }}))
			return nil
		}
	}
	d.p.answer(serverAnswer{result: res})
	m.removeDialog(d)
	m.setFlash("answered "+d.p.what(), false)
	return nil
}

func (d *samplingDialog) reject(m *Model) tea.Cmd {
	d.p.answer(serverAnswer{err: &mcp.RPCError{Code: -1, Message: "User rejected sampling request"}})
	m.removeDialog(d)
	m.setFlash("rejected "+d.p.what(), false)
	return nil
}

func (d *samplingDialog) toggleRaw() tea.Cmd {
	if !d.raw {
		res, _ := d.result()
		d.rawEd.SetValue(prettyJSON(res))
		d.rawEd.MoveToBegin()
		d.raw, d.rawErr = true, ""
		return d.focus()
	}
	text := strings.TrimSpace(d.rawEd.Value())
	var v struct {
		Content json.RawMessage `json:"content"`
		Model   *string         `json:"model"`
		Stop    *string         `json:"stopReason"`
	}
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		d.rawErr = "invalid JSON: " + err.Error()
		return nil
	}
	t := mcp.DecodeContent(v.Content)
	if t.Type != "text" {
		d.rawErr = "the form can only show a single text block; stay in raw JSON to send this"
		return nil
	}
	d.reply.SetValue(t.Text)
	if v.Model != nil {
		d.model.SetValue(*v.Model)
	}
	if v.Stop != nil {
		for i, s := range stopReasons {
			if s == *v.Stop {
				d.stop = i
			}
		}
	}
	d.raw, d.rawErr = false, ""
	return d.focus()
}

func (d *samplingDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := d.keys
	switch {
	case key.Matches(msg, k.Send):
		return d.send(m, false)
	case key.Matches(msg, k.Reject):
		return d.reject(m)
	case key.Matches(msg, k.Cancel):
		m.open(dialog.NewConfirm(m.com, "Reject the sampling request?\nThe server gets error -1 (user rejected).", legacyYes{func(m *Model) tea.Cmd { return d.reject(m) }}))
		return nil
	case key.Matches(msg, k.Raw):
		return d.toggleRaw()
	case key.Matches(msg, k.PageUp):
		d.offset -= max(1, d.rows-1)
		return nil
	case key.Matches(msg, k.PageDown):
		d.offset += max(1, d.rows-1)
		return nil
	}
	if d.raw {
		var c tea.Cmd
		d.rawEd, c = d.rawEd.Update(msg)
		d.rawErr = ""
		return c
	}
	switch {
	case key.Matches(msg, k.Next):
		d.field = (d.field + 1) % sampFields
		return d.focus()
	case key.Matches(msg, k.Prev):
		d.field = (d.field + sampFields - 1) % sampFields
		return d.focus()
	}
	switch d.field {
	case sampReply:
		var c tea.Cmd
		d.replyInput(msg)
		d.reply, c = d.reply.Update(msg)
		return c
	case sampModel:
		if key.Matches(msg, k.ModelDone) {
			d.field = sampStop
			return d.focus()
		}
		var c tea.Cmd
		d.model, c = d.model.Update(msg)
		return c
	case sampStop:
		switch {
		case key.Matches(msg, k.StopPrev):
			d.stop = (d.stop + len(stopReasons) - 1) % len(stopReasons)
		case key.Matches(msg, k.StopNext):
			d.stop = (d.stop + 1) % len(stopReasons)
		}
	case sampRequest:
		switch {
		case key.Matches(msg, k.Up):
			d.offset--
		case key.Matches(msg, k.Down):
			d.offset++
		case key.Matches(msg, k.Top):
			d.offset = 0
		case key.Matches(msg, k.Bottom):
			d.offset = 1 << 30
		}
	}
	return nil
}

// requestLines renders what the server asks for at width w (cached).
func (d *samplingDialog) requestLines(m *Model, w int) []string {
	if d.lines != nil && d.lw == w && d.lst == m.st {
		return d.lines
	}
	st := m.st
	p := d.params
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	wrap := func(s string, style lipglossStyle) {
		for _, l := range wrapLines(s, w) {
			add(style.Render(l))
		}
	}
	if p.SystemPrompt != "" {
		add(st.Accent2.Render("system prompt"))
		wrap(termsafe.Text(p.SystemPrompt), st.Text)
		add("")
	}
	if len(p.Messages) == 0 {
		add(st.Warn.Render("no messages"), "")
	}
	r := &result{}
	for _, msg := range p.Messages {
		add(st.Accent2.Render("── " + termsafe.Line(firstNonEmpty(msg.Role, "(no role)")) + " ──"))
		for _, b := range contentBlocks(msg.Content) {
			add(samplingBlockLines(r, b, w, st, m.hl)...)
		}
		add("")
	}
	var facts []string
	if p.MaxTokens != nil {
		facts = append(facts, "maxTokens "+strconv.FormatInt(*p.MaxTokens, 10))
	}
	if p.Temperature != nil {
		facts = append(facts, "temperature "+strconv.FormatFloat(*p.Temperature, 'g', -1, 64))
	}
	if len(p.StopSequences) > 0 {
		b, _ := json.Marshal(p.StopSequences)
		facts = append(facts, "stopSequences "+termsafe.Line(string(b)))
	}
	if p.IncludeContext != "" {
		facts = append(facts, "includeContext "+termsafe.Line(p.IncludeContext))
	}
	if len(facts) > 0 {
		wrap(strings.Join(facts, " · "), st.Text)
	}
	if mp := p.ModelPreferences; mp != nil {
		var parts []string
		var hints []string
		for _, h := range mp.Hints {
			hints = append(hints, termsafe.Line(h.Name))
		}
		if len(hints) > 0 {
			parts = append(parts, "hints "+strings.Join(hints, ", "))
		}
		prio := func(name string, v *float64) {
			if v != nil {
				parts = append(parts, name+" "+strconv.FormatFloat(*v, 'g', 3, 64))
			}
		}
		prio("cost", mp.CostPriority)
		prio("speed", mp.SpeedPriority)
		prio("intelligence", mp.IntelligencePriority)
		if len(parts) > 0 {
			add(st.Muted.Render("model preferences"))
			wrap("  "+strings.Join(parts, " · "), st.Text)
		}
	}
	if len(p.Metadata) > 0 && string(p.Metadata) != "null" {
		wrap("metadata "+termsafe.Line(compactJSONString(p.Metadata)), st.Muted)
	}
	if len(p.Tools) > 0 {
		choice := "auto"
		if p.ToolChoice != nil && p.ToolChoice.Mode != "" {
			choice = termsafe.Line(p.ToolChoice.Mode)
		}
		add("", st.Accent2.Render(fmt.Sprintf("tools (%d) · toolChoice %s", len(p.Tools), choice)))
		for _, t := range p.Tools {
			var tool struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			}
			json.Unmarshal(t, &tool)
			line := "  " + termsafe.Line(tool.Name)
			if tool.Description != "" {
				line += st.Muted.Render("  " + termsafe.Line(tool.Description))
			}
			add(ansi.Truncate(line, w, "…"))
		}
		add(st.Muted.Render("  a tool_use reply: ctrl+o and edit the content as JSON"))
	}
	if len(p.Task) > 0 && string(p.Task) != "null" {
		add(st.Warn.Render("the server asked for a task-augmented answer; sonde answers directly"))
	}
	d.lines, d.lw, d.lst = out, w, m.st
	return out
}

// samplingBlockLines renders one sampling content block: what results
// show (text, image, audio, resources) plus tool_use and tool_result.
func samplingBlockLines(r *result, raw json.RawMessage, w int, st *Styles, hl *highlighter) []string {
	var b struct {
		Type              string          `json:"type"`
		ID                string          `json:"id"`
		Name              string          `json:"name"`
		Input             json.RawMessage `json:"input"`
		ToolUseID         string          `json:"toolUseId"`
		Content           json.RawMessage `json:"content"`
		StructuredContent json.RawMessage `json:"structuredContent"`
		IsError           bool            `json:"isError"`
	}
	json.Unmarshal(raw, &b)
	switch b.Type {
	case "tool_use":
		out := []string{st.Accent2.Render("[tool_use] ") + st.Text.Render(ansi.Truncate(termsafe.Line(b.Name)+"  id "+termsafe.Line(b.ID), max(0, w-11), "…"))}
		if len(b.Input) > 0 {
			out = append(out, hl.Pretty(st.Chroma, b.Input)...)
		}
		return out
	case "tool_result":
		head := st.Accent2.Render("[tool_result] ") + st.Text.Render(ansi.Truncate("for "+termsafe.Line(b.ToolUseID), max(0, w-14), "…"))
		if b.IsError {
			head += " " + st.Err.Render("isError")
		}
		out := []string{head}
		for _, c := range contentBlocks(b.Content) {
			for _, l := range samplingBlockLines(r, c, max(10, w-2), st, hl) {
				out = append(out, "  "+l)
			}
		}
		if len(b.StructuredContent) > 0 && string(b.StructuredContent) != "null" {
			out = append(out, st.Muted.Render("  structuredContent"))
			for _, l := range hl.Pretty(st.Chroma, b.StructuredContent) {
				out = append(out, "  "+l)
			}
		}
		return out
	}
	return r.BlockLines(raw, w, st, hl, st.Text)
}

func (d *samplingDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := max(30, min(W-4, 140)), max(10, H-2)
	iw := w - 2
	body := h - 3 // frame: borders and the footer
	taH := max(2, min(10, body/4))
	replyRows := taH + 3 // title, textarea, model, stop
	if d.raw {
		replyRows = taH + 4
	}
	if d.rawErr != "" {
		replyRows++
	}
	head := []string{m.askHeader(d.p, "asks for an LLM completion: "+d.p.what())}
	rows := max(1, body-len(head)-replyRows)
	req := d.requestLines(m, iw)
	d.rows = rows
	d.offset = max(0, min(d.offset, len(req)-rows))
	lines := append([]string(nil), head...)
	end := min(len(req), d.offset+rows)
	lines = append(lines, req[d.offset:end]...)
	for len(lines) < len(head)+rows {
		lines = append(lines, "")
	}
	if len(req) > rows {
		more := fmt.Sprintf(" request %d-%d/%d (pgup/pgdn) ", d.offset+1, end, len(req))
		lines[len(lines)-1] = ansi.Truncate(lines[len(lines)-1], max(0, iw-ansi.StringWidth(more)), "") + strings.Repeat(" ", max(0, iw-ansi.StringWidth(more)-ansi.StringWidth(ansi.Truncate(lines[len(lines)-1], max(0, iw-ansi.StringWidth(more)), "")))) + st.Muted.Render(more)
	}
	label := func(i int, s string) string {
		if d.field == i && !d.raw {
			return st.Accent.Render("▸ " + s)
		}
		return st.Text.Render("  " + s)
	}
	if d.raw {
		lines = append(lines, st.Accent2.Render("── your answer: the whole CreateMessageResult as JSON (ctrl+o back) ──"))
		d.rawEd.SetWidth(iw)
		d.rawEd.SetHeight(taH + 2)
		lines = append(lines, strings.Split(d.rawEd.View(), "\n")...)
	} else {
		title := "── your reply (assistant, text) "
		if d.fresh {
			title = "── your reply (assistant, text; typing replaces it) "
		}
		if d.field == sampRequest {
			title = "── your reply (assistant, text; ↑↓ scroll the request) "
		}
		lines = append(lines, st.Accent2.Render(title+strings.Repeat("─", max(0, iw-ansi.StringWidth(title)))))
		d.reply.SetWidth(iw)
		d.reply.SetHeight(taH)
		lines = append(lines, strings.Split(d.reply.View(), "\n")...)
		d.model.SetWidth(max(10, iw-16))
		lines = append(lines, label(sampModel, "model      ")+d.model.View())
		stop := ""
		for i, s := range stopReasons {
			if i == d.stop {
				stop += st.Selected.Render(" "+s+" ") + " "
			} else {
				stop += st.Muted.Render(" "+s+" ") + " "
			}
		}
		lines = append(lines, label(sampStop, "stopReason ")+stop)
	}
	if d.rawErr != "" {
		lines = append(lines, st.Err.Render(ansi.Truncate(termsafe.Line(d.rawErr), iw, "…")))
	}
	return frame(st, m.requestTitle(d.p, "Sampling request"), lines, bindingHelp(st, d.help(m)...), w, h)
}

// proposed is the answer the dialog would send untouched: the prefilled
// reply (the queue's quick "answer").
func (d *samplingDialog) proposed() (serverAnswer, bool) {
	res, err := d.result()
	return serverAnswer{result: res}, err == nil
}

// asRule is the dialog's answer as a rule for every sampling request
// (ctrl+y): a fixed reply with its text.
func (d *samplingDialog) asRule() (string, error) {
	if d.raw {
		return "", errors.New("a raw JSON answer cannot be a rule: F3, then r, sets reply:TEXT or template:TEXT")
	}
	return policy.SamplingReply + d.reply.Value(), nil
}
