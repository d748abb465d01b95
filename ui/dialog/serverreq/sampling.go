package serverreq

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
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/list"
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

// DefaultSamplingModel names the "model" of a reply written by hand.
const DefaultSamplingModel = "sonde-human"

const (
	sampReply = iota
	sampModel
	sampStop
	sampRequest
	sampFields
)

// SamplingKeys are the sampling dialog's keys (the queue's, F2 among
// them, come first: the root handles [QueueKeys]).
type SamplingKeys struct {
	Send, Reject, Cancel, Raw, PageUp, PageDown key.Binding
	Next, Prev                                  key.Binding // fields
	ModelDone                                   key.Binding // enter in the model field
	StopPrev, StopNext                          key.Binding // the stop reason
	Up, Down, Top, Bottom                       key.Binding // the request, when it has the keys
}

// DefaultSamplingKeys returns the sampling dialog's keys.
func DefaultSamplingKeys() SamplingKeys {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return SamplingKeys{
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

// Sampling answers a sampling request: the user reads the request and
// writes the reply, or rejects it.
type Sampling struct {
	env    *Env
	p      *Pending
	params samplingParams
	Keys   SamplingKeys

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

	// view scrolls the request (its rows as of the last render)
	view list.Model

	lines  []string
	lw     int
	lst    *common.Styles
	styled *common.Styles // the styles the text fields have
}

var _ Request = (*Sampling)(nil)

// confirmed is a confirmation's yes, delivered back to the dialog: send
// the answer as it is, or reject.
type confirmed struct{ reject bool }

// NewSampling is the dialog for p; an error says its params cannot be
// read.
func NewSampling(env *Env, p *Pending) (*Sampling, error) {
	d := &Sampling{env: env, p: p, Keys: DefaultSamplingKeys(), view: list.NewPager()}
	if len(p.Req.Params) > 0 {
		if err := json.Unmarshal(p.Req.Params, &d.params); err != nil {
			return nil, err
		}
	}
	d.reply = textarea.New()
	d.reply.ShowLineNumbers = false
	d.reply.Prompt = "│ "
	d.reply.CharLimit = 0
	d.reply.MaxHeight = 0
	d.reply.Placeholder = "the model's reply"
	d.reply.SetValue(d.prefill())
	d.reply.MoveToEnd()
	d.fresh = true
	d.model = textinput.New()
	d.model.Prompt = ""
	d.model.CharLimit = 200
	d.model.SetValue(DefaultSamplingModel)
	d.rawEd = textarea.New()
	d.rawEd.ShowLineNumbers = true
	d.rawEd.Prompt = ""
	d.rawEd.CharLimit = 0
	d.rawEd.MaxHeight = 0
	d.restyle()
	return d, nil
}

// prefill is the reply offered at first: it says who wrote it and what it
// answers, so sending it untouched is still an honest answer. It starts
// selected, so typing replaces it.
func (d *Sampling) prefill() string {
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

// Pending implements [Request].
func (d *Sampling) Pending() *Pending { return d.p }

// restyle gives the text fields the current styles (a theme or
// background change).
func (d *Sampling) restyle() {
	st := d.env.C.Styles
	if d.styled == st {
		return
	}
	d.styled = st
	d.reply.SetStyles(st.Form.TextareaStyles())
	d.rawEd.SetStyles(st.Form.TextareaStyles())
	d.model.SetStyles(st.Form.InputStyles())
	d.lines = nil
}

// Focus implements [Request].
func (d *Sampling) Focus() tea.Cmd {
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
func (d *Sampling) replyInput(msg tea.Msg) {
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

// ShortHelp implements [help.KeyMap].
func (d *Sampling) ShortHelp() []key.Binding {
	k := d.Keys
	if d.raw {
		raw := k.Raw
		raw.SetHelp("ctrl+o", "back to the form")
		return []key.Binding{k.Send, k.Reject, raw, k.PageUp, k.Cancel}
	}
	bs := []key.Binding{k.Send, k.Reject, k.Next}
	if d.field == sampStop {
		bs = append(bs, k.StopPrev)
	}
	return append(bs, k.PageUp, k.Raw, k.Cancel, d.env.hide())
}

// FullHelp implements [help.KeyMap]: every key that acts where the
// cursor is.
func (d *Sampling) FullHelp() [][]key.Binding {
	k := d.Keys
	if d.raw {
		return [][]key.Binding{d.ShortHelp(), {k.PageDown}}
	}
	g := []key.Binding{k.Prev, k.PageDown}
	switch d.field {
	case sampModel:
		g = append(g, k.ModelDone)
	case sampStop:
		g = append(g, k.StopNext)
	case sampRequest:
		g = append(g, k.Up, k.Down, k.Top, k.Bottom)
	}
	return [][]key.Binding{d.ShortHelp(), g}
}

// result is the answer the dialog would send now.
func (d *Sampling) result() (json.RawMessage, error) {
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

// send answers with the reply (force: without asking about missing
// members).
func (d *Sampling) send(force bool) component.Action {
	res, err := d.result()
	if err != nil {
		d.rawErr = err.Error()
		return nil
	}
	if !force {
		yes := Deliver{To: d, Msg: confirmed{}}
		if miss := missingFields(res); len(miss) > 0 {
			return component.Open{Dialog: dialog.NewConfirm(d.env.C, "The answer lacks "+strings.Join(miss, ", ")+", which a CreateMessageResult requires.\nSend it anyway?", yes)}
		}
		if strings.TrimSpace(string(jsonObject(res)["model"])) == `""` {
			return component.Open{Dialog: dialog.NewConfirm(d.env.C, "The model name is empty.\nSend it anyway?", yes)}
		}
	}
	d.p.Answer(Answer{Result: res})
	return component.Then(component.Close{}, component.Flash{Text: "answered " + d.p.What()})
}

func (d *Sampling) reject() component.Action {
	d.p.Answer(Answer{Err: &mcp.RPCError{Code: -1, Message: "User rejected sampling request"}})
	return component.Then(component.Close{}, component.Flash{Text: "rejected " + d.p.What()})
}

func (d *Sampling) toggleRaw() tea.Cmd {
	if !d.raw {
		res, _ := d.result()
		d.rawEd.SetValue(common.PrettyJSON(res))
		d.rawEd.MoveToBegin()
		d.raw, d.rawErr = true, ""
		return d.Focus()
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
	return d.Focus()
}

// Update implements [component.Component].
func (d *Sampling) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case confirmed:
		if msg.reject {
			return d.reject(), nil
		}
		return d.send(true), nil
	case tea.MouseWheelMsg:
		d.view.Wheel(msg, 3)
		return nil, nil
	case tea.KeyPressMsg:
		return d.key(msg)
	}
	// a paste, a cursor blink: the text field with the cursor
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
	return nil, c
}

func (d *Sampling) key(msg tea.KeyPressMsg) (component.Action, tea.Cmd) {
	k := d.Keys
	switch {
	case key.Matches(msg, k.Send):
		return d.send(false), nil
	case key.Matches(msg, k.Reject):
		return d.reject(), nil
	case key.Matches(msg, k.Cancel):
		return component.Open{Dialog: dialog.NewConfirm(d.env.C, "Reject the sampling request?\nThe server gets error -1 (user rejected).", Deliver{To: d, Msg: confirmed{reject: true}})}, nil
	case key.Matches(msg, k.Raw):
		return nil, d.toggleRaw()
	case key.Matches(msg, k.PageUp):
		d.view.Move(-d.view.Page())
		return nil, nil
	case key.Matches(msg, k.PageDown):
		d.view.Move(d.view.Page())
		return nil, nil
	}
	if d.raw {
		var c tea.Cmd
		d.rawEd, c = d.rawEd.Update(msg)
		d.rawErr = ""
		return nil, c
	}
	switch {
	case key.Matches(msg, k.Next):
		d.field = (d.field + 1) % sampFields
		return nil, d.Focus()
	case key.Matches(msg, k.Prev):
		d.field = (d.field + sampFields - 1) % sampFields
		return nil, d.Focus()
	}
	switch d.field {
	case sampReply:
		var c tea.Cmd
		d.replyInput(msg)
		d.reply, c = d.reply.Update(msg)
		return nil, c
	case sampModel:
		if key.Matches(msg, k.ModelDone) {
			d.field = sampStop
			return nil, d.Focus()
		}
		var c tea.Cmd
		d.model, c = d.model.Update(msg)
		return nil, c
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
			d.view.Move(-1)
		case key.Matches(msg, k.Down):
			d.view.Move(1)
		case key.Matches(msg, k.Top):
			d.view.Top()
		case key.Matches(msg, k.Bottom):
			d.view.Bottom()
		}
	}
	return nil, nil
}

// requestLines renders what the server asks for at width w (cached).
func (d *Sampling) requestLines(w int) []string {
	st := d.env.C.Styles
	if d.lines != nil && d.lw == w && d.lst == st {
		return d.lines
	}
	p := d.params
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	wrap := func(s string, style lipgloss.Style) {
		for _, l := range common.WrapLines(s, w) {
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
	for _, msg := range p.Messages {
		add(st.Accent2.Render("── " + termsafe.Line(common.FirstNonEmpty(msg.Role, "(no role)")) + " ──"))
		for _, b := range contentBlocks(msg.Content) {
			add(d.blockLines(b, w)...)
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
		wrap("metadata "+termsafe.Line(common.CompactJSONString(p.Metadata)), st.Muted)
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
	d.lines, d.lw, d.lst = out, w, st
	return out
}

// samplingBlockLines renders one sampling content block: what results
// show (text, image, audio, resources) plus tool_use and tool_result.
func (d *Sampling) blockLines(raw json.RawMessage, w int) []string {
	st, hl := d.env.C.Styles, d.env.C.HL
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
			for _, l := range d.blockLines(c, max(10, w-2)) {
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
	if d.env.Blocks != nil {
		return d.env.Blocks(raw, w)
	}
	return common.WrapLines(st.Text.Render(termsafe.Text(mcp.DecodeContent(raw).Text)), w)
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Sampling) SetSize(int, int) {}

// View implements [component.Component].
func (d *Sampling) View(W, H int) string {
	d.restyle()
	st := d.env.C.Styles
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
	head := []string{d.env.header(d.p, "asks for an LLM completion: "+d.p.What())}
	rows := max(1, body-len(head)-replyRows)
	req := d.requestLines(iw)
	// a page keeps one row of the last in sight
	d.view.SetHeight(rows)
	d.view.PageSize = max(1, rows-1)
	d.view.SetLen(len(req))
	lines := append([]string(nil), head...)
	from, end := d.view.Visible()
	lines = append(lines, req[from:end]...)
	for len(lines) < len(head)+rows {
		lines = append(lines, "")
	}
	if len(req) > rows {
		more := fmt.Sprintf(" request %d-%d/%d (pgup/pgdn) ", from+1, end, len(req))
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
	return common.DialogBox(st, d.env.title(d.p, "Sampling request"), lines, common.HelpLine(st, d.ShortHelp(), w-2), w, h)
}

// Proposed is the answer the dialog would send untouched: the prefilled
// reply (the queue's quick "answer").
func (d *Sampling) Proposed() (Answer, bool) {
	res, err := d.result()
	return Answer{Result: res}, err == nil
}

// AsRule is the dialog's answer as a rule for every sampling request
// (ctrl+y): a fixed reply with its text.
func (d *Sampling) AsRule() (string, error) {
	if d.raw {
		return "", errors.New("a raw JSON answer cannot be a rule: F3, then r, sets reply:TEXT or template:TEXT")
	}
	return policy.SamplingReply + d.reply.Value(), nil
}
