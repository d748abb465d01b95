// Package work is the work pane, the middle one: the server's info, the
// details of the item the browser selected, the argument form of a tool,
// prompt or template (with the server's completions), the call in flight
// and its result. It asks the root, with actions, for what needs the
// session or the rest of the screen: making the call ([Send]), cancelling
// it, saving, watching, opening links, asking for completions.
package work

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/form"
	"github.com/sonde-mcp/sonde/ui/list"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
)

// Mode is what the pane shows.
type Mode int

// The pane's modes.
const (
	ModeInfo   Mode = iota // server info
	ModeItem               // the selected item's details
	ModeForm               // arguments form
	ModeWait               // a call in flight
	ModeResult             // an answer
)

// Call is a call the user made, as the pane shows it while it is in
// flight (the root's; the pane compares it, asks to cancel it, draws it).
type Call interface {
	Method() string
	Subject() string // display form
	Started() time.Time
	ID() string // its JSON-RPC id on the wire, once sent
}

// Facts are what the root knows that the pane draws, given before it
// handles a message or draws.
type Facts struct {
	CanAct  bool   // there is a server to send to
	Live    bool   // the session is sonde's own (dialled), not a replay
	Target  string // the server's address or command
	ConnErr error  // why the connection failed
	// ToolsOffered: the browser's tools are the ones the stream
	// announced (no tools/list); ToolsNote says so, and Composable
	// whether the composer can send a call of one.
	ToolsOffered bool
	ToolsNote    string
	Composable   bool
	// Task is the task the call in flight became (2025-11-25), if any.
	Task *session.Task
	// Watch is the line above a watched resource's result ("" none).
	Watch string
	// URLs is how many URLs the result's error asks the user to open
	// first (-32042).
	URLs int
}

// Actions the pane asks of the root.
type (
	// Send makes the call of a submitted form: Item with Args, as a task
	// when AsTask (the root checks the session, remembers the arguments
	// and starts it, see [Request]).
	Send struct {
		Item   *browser.Item
		Args   json.RawMessage
		AsTask bool
	}
	// Confirmed is the yes of a confirmation the form asked for
	// (invalid arguments, a destructive tool): the root hands it back
	// to [Pane.Submit] with force.
	Confirmed struct{ AsTask bool }
	// Cancel cancels the call in flight.
	Cancel struct{ Call Call }
	// Back gives the keys back to the browser; Preview shows its
	// selection here again.
	Back struct{ Preview bool }
	// OpenItem opens the item shown (its form, or a read).
	OpenItem struct{}
	// Zoom zooms the pane (or gives the space back).
	Zoom struct{}
	// Save saves something of the result (asks what, when several).
	Save struct{ Result *Result }
	// Watch subscribes to the result's resource, or unsubscribes.
	Watch struct{ Result *Result }
	// OpenLinks opens the result's resource links (asks which, when
	// several), or the URLs its error asks for.
	OpenLinks struct{ Result *Result }
	// Complete asks the server for completions (completion/complete
	// with Params) and hands the answer back as [Completed] with Seq,
	// Form and Path.
	Complete struct {
		Seq    int
		Params map[string]any
		Form   *form.Form
		Path   string
	}
)

// Pane is the work pane.
type Pane struct {
	c    *common.Common
	s    *session.State
	Keys *KeyMap // the root's, so that a replay's disabling reaches it

	facts  Facts
	mode   Mode
	target *browser.Item // the item shown, or whose form or call this is
	form   *form.Form
	// formItem is the item form belongs to (target moves on while the
	// browser previews other items; enter on this one brings the form back)
	formItem *browser.Item
	formErr  string
	active   Call
	res      *Result
	history  []*Result // results to go back to (esc) after opening a link
	// pushNext: the next result was opened from this one (a link), so esc
	// returns here.
	pushNext bool
	// view scrolls what is shown (its rows as of the last render)
	view    list.Model
	focused bool
	comp    completer

	width, height int
}

var _ component.Pane = (*Pane)(nil)

// New returns a pane that shows the server's info.
func New(c *common.Common, s *session.State, keys *KeyMap) *Pane {
	return &Pane{c: c, s: s, Keys: keys, view: list.NewPager()}
}

// Reset forgets everything shown (a new server, a replay went back).
func (p *Pane) Reset() {
	*p = Pane{c: p.c, s: p.s, Keys: p.Keys, view: list.NewPager(), facts: p.facts, width: p.width, height: p.height, focused: p.focused}
}

// SetFacts gives the pane what the root knows (see [Facts]).
func (p *Pane) SetFacts(f Facts) { p.facts = f }

// Mode is what the pane shows.
func (p *Pane) Mode() Mode { return p.mode }

// Target is the item shown, or whose form or call this is (nil: none).
func (p *Pane) Target() *browser.Item { return p.target }

// Form is the argument form (nil: none yet).
func (p *Pane) Form() *form.Form { return p.form }

// Active is the call the pane waits for, or whose result it shows.
func (p *Pane) Active() Call { return p.active }

// Result is the result shown (or the last one).
func (p *Pane) Result() *Result { return p.res }

// Typing reports whether the form has the keys: it owns all of them but
// esc and the ctrl bindings it does not use.
func (p *Pane) Typing() bool { return p.mode == ModeForm && p.form != nil }

// Size is the pane's content size.
func (p *Pane) Size() (width, height int) { return p.width, p.height }

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) { p.width, p.height = w, h }

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Blur takes the keys from the form.
func (p *Pane) Blur() {
	if p.form != nil {
		p.form.Blur()
	}
}

// Focus gives the keys to the form, when it is shown.
func (p *Pane) Focus() tea.Cmd {
	if p.Typing() {
		return p.form.Focus()
	}
	return nil
}

// Restyle takes the theme's styles again (the form keeps its own).
func (p *Pane) Restyle() {
	if p.form != nil {
		p.form.SetStyles(p.c.Styles.Form)
	}
}

// ShowItem shows an item's details.
func (p *Pane) ShowItem(it *browser.Item) {
	p.mode, p.target = ModeItem, it
	p.view.Top()
}

// Preview shows the browser's selection. A result or a call in flight is
// pinned here until esc, and a form keeps the pane while it has focus
// (focused); otherwise a form gives way to the preview (enter on its item
// brings it back as it was).
func (p *Pane) Preview(it *browser.Item, focused bool) {
	switch {
	case p.mode == ModeResult || p.mode == ModeWait:
		return
	case p.mode == ModeForm && focused:
		return
	}
	if it == nil || p.mode == ModeForm && p.target.Same(it) {
		return
	}
	p.ShowItem(it)
}

// Refresh takes a refreshed list's value of the item shown.
func (p *Pane) Refresh(it *browser.Item) {
	if t := p.target; t != nil && t.Kind == it.Kind && t.Name == it.Name && t.URI == it.URI {
		p.target = it
	}
}

// WaitFor shows a call in flight.
func (p *Pane) WaitFor(c Call) {
	p.mode, p.active = ModeWait, c
	p.view.Top()
	if p.form != nil {
		p.form.Blur()
	}
}

// ShowResult shows a result; one opened from a link of the result shown
// goes back to it on esc.
func (p *Pane) ShowResult(r *Result) {
	if p.res != nil && p.pushNext {
		p.pushNext = false
		p.history = append(p.history, p.res)
		if len(p.history) > 20 {
			p.history = p.history[1:]
		}
	}
	p.mode, p.res, p.active = ModeResult, r, nil
	p.view.Top()
}

// ReplaceResult puts r in place of the result shown, keeping the scroll
// (a watched resource read again).
func (p *Pane) ReplaceResult(r *Result) { p.res = r }

// FollowLink says the next result comes from a link of the one shown.
func (p *Pane) FollowLink() { p.pushNext = p.res != nil }

// Title implements [component.Pane].
func (p *Pane) Title() string {
	switch p.mode {
	case ModeForm:
		if p.target != nil {
			return "Arguments: " + p.target.DName
		}
		return "Arguments"
	case ModeWait:
		return "Calling"
	case ModeResult:
		return "Result"
	case ModeItem:
		if p.target != nil {
			return p.target.Kind.Title()[:len(p.target.Kind.Title())-1]
		}
	}
	return "Server"
}

// OpenForm shows the argument form of it with the keys: the form left
// for it earlier, as it was, or a new one from the schema sch filled with
// initial (arguments remembered; ignored when they do not fit). opened
// is false when no form could be built (the action says why).
func (p *Pane) OpenForm(it *browser.Item, sch, initial json.RawMessage) (a component.Action, cmd tea.Cmd, opened bool) {
	if p.form != nil && p.formItem.Same(it) {
		// back to the form as it was left (the browser previewed others)
		p.target, p.formItem, p.mode = it, it, ModeForm
		return nil, tea.Batch(p.form.Focus(), p.afterFormInput()), true
	}
	if len(sch) == 0 || string(sch) == "null" {
		sch = json.RawMessage(`{"type":"object"}`)
	}
	f, err := form.New(sch, form.Options{Initial: initial, Styles: p.c.Styles.Form})
	if err != nil && initial != nil {
		f, err = form.New(sch, form.Options{Styles: p.c.Styles.Form})
	}
	if err != nil {
		return component.Flash{Text: "cannot build a form: " + err.Error(), Err: true}, nil, false
	}
	p.form, p.target, p.formItem, p.mode, p.formErr = f, it, it, ModeForm, ""
	return nil, tea.Batch(f.Focus(), p.afterFormInput()), true
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.Typing() {
			return p.formKey(msg)
		}
		return p.workKey(msg)
	case tea.PasteMsg:
		if p.Typing() {
			return nil, tea.Batch(p.form.Update(msg), p.afterFormInput())
		}
		return nil, nil
	case tea.MouseWheelMsg:
		d := 3
		if msg.Button == tea.MouseWheelUp {
			d = -3
		}
		if p.Typing() {
			k := tea.KeyPressMsg{Code: tea.KeyDown}
			if d < 0 {
				k = tea.KeyPressMsg{Code: tea.KeyUp}
			}
			for range 3 {
				p.form.Update(k)
			}
			return nil, nil
		}
		p.view.Move(d)
		return nil, nil
	case CompleteDue:
		return p.complete(msg.seq)
	case Completed:
		return p.completed(msg), nil
	}
	// anything else (a cursor blink) goes to the form
	if p.Typing() {
		return nil, p.form.Update(msg)
	}
	return nil, nil
}

// formKey handles keys while the form has focus: submit and leave are
// the pane's, everything else is the form's.
func (p *Pane) formKey(msg tea.KeyPressMsg) (component.Action, tea.Cmd) {
	f, k := p.form, p.Keys
	switch {
	case key.Matches(msg, k.Submit):
		return p.Submit(false, false)
	case key.Matches(msg, k.AsTask):
		return p.Submit(false, true)
	case key.Matches(msg, k.Complete):
		if !p.completable() {
			return component.Flash{Text: "no completions here (prompts and templates of a server with the completions capability)", Err: true}, nil
		}
		return p.completeNow()
	case key.Matches(msg, k.Back) && !f.Raw() && !f.KeyMap().Close.Enabled():
		f.Blur()
		return Back{}, nil
	case key.Matches(msg, k.Zoom) && !f.EditingText():
		return Zoom{}, nil
	}
	return nil, tea.Batch(f.Update(msg), p.afterFormInput())
}

// Submit validates the form and asks for the call; invalid arguments can
// still be sent after a confirmation (testing a server's validation is a
// use case), and force is that confirmation. asTask asks for a
// task-augmented call (2025-11-25; a tool whose taskSupport is "required"
// always gets one).
func (p *Pane) Submit(force, asTask bool) (component.Action, tea.Cmd) {
	f, it := p.form, p.target
	if f == nil || it == nil {
		return nil, nil
	}
	val, err := f.Value()
	if err != nil && !force {
		p.formErr = err.Error()
		return component.Flash{Text: err.Error(), Err: true}, nil
	}
	confirm := func(text string, asTask bool) component.Action {
		return component.Open{Dialog: dialog.NewConfirm(p.c, text, Confirmed{asTask})}
	}
	if !force && !f.Valid() {
		return confirm(fmt.Sprintf("The arguments do not match the schema (%d error(s)).\nSend them anyway?", len(f.Errors())), asTask), nil
	}
	if !force && slices.Contains(it.Badges(), "destructive") {
		return confirm(fmt.Sprintf("%s is marked destructive.\nCall it?", it.DName), asTask), nil
	}
	if asTask && it.Kind != browser.Tools {
		return component.Flash{Text: "only tool calls can be tasks", Err: true}, nil
	}
	var note component.Action
	if asTask && p.modern() {
		asTask = false
		note = component.Flash{Text: "in 2026-07-28 the server decides whether a call becomes a task; calling normally"}
	}
	if !force && asTask && it.TaskSupport == "forbidden" {
		return confirm(fmt.Sprintf("%s does not support tasks (execution.taskSupport forbidden);\nthe server should refuse with -32601. Send it as a task anyway?", it.DName), true), nil
	}
	return component.Then(note, Send{Item: it, Args: val, AsTask: asTask}), nil
}

// modern reports a 2026-07-28 session.
func (p *Pane) modern() bool { return p.s.Conn.Info != nil && p.s.Conn.Info.Era == "modern" }

// Request is the request that makes a submitted form's call: tools/call,
// prompts/get (arguments as strings) or resources/read of the expanded
// template. modern is a 2026-07-28 session, where the server decides
// about tasks. err says why a template does not expand; method is ""
// for a resource (read at once, no form).
func Request(it *browser.Item, val json.RawMessage, asTask, modern bool) (method, subject string, params any, task bool, err error) {
	switch it.Kind {
	case browser.Tools:
		asTask = asTask || it.TaskSupport == "required" && !modern
		return "tools/call", it.Name, map[string]any{"name": it.Name, "arguments": val}, asTask, nil
	case browser.Prompts:
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
		return "prompts/get", it.Name, map[string]any{"name": it.Name, "arguments": sargs}, false, nil
	case browser.Templates:
		var vars map[string]any
		json.Unmarshal(val, &vars)
		uri, err := schema.ExpandTemplate(it.URI, vars)
		if err != nil {
			return "", "", nil, false, err
		}
		return "resources/read", uri, map[string]any{"uri": uri}, false, nil
	}
	return "", "", nil, false, nil // resources are read, not called
}

func (p *Pane) workKey(msg tea.KeyPressMsg) (component.Action, tea.Cmd) {
	k, n := p.Keys, p.Keys.Nav
	r := p.res
	result := p.mode == ModeResult && r != nil
	// a page keeps two rows of the last in sight
	p.view.KeyMap, p.view.PageSize = n, max(1, p.height-2)
	switch {
	case p.view.HandleKey(msg):
	case key.Matches(msg, k.Cancel) && p.mode == ModeWait && p.active != nil:
		return Cancel{p.active}, nil
	case key.Matches(msg, k.Back):
		switch {
		case p.mode == ModeResult && len(p.history) > 0:
			p.res = p.history[len(p.history)-1]
			p.history = p.history[:len(p.history)-1]
			p.view.Top()
		case (p.mode == ModeResult || p.mode == ModeWait) && p.form != nil && p.formItem != nil && p.target.Same(p.formItem):
			// the form comes back into view, but the keys go to the
			// browser: what is typed next must not land in a text field
			// unasked (e or enter on the item edits again)
			p.mode = ModeForm
			return Back{}, nil
		case p.mode == ModeResult || p.mode == ModeWait:
			p.mode = ModeInfo
			return Back{Preview: true}, nil
		default:
			return Back{}, nil
		}
	case key.Matches(msg, k.Edit) && (p.mode == ModeResult || p.mode == ModeItem || p.mode == ModeWait):
		if p.mode == ModeItem {
			return OpenItem{}, nil
		}
		if p.form != nil && p.target.Same(p.formItem) {
			p.mode = ModeForm
			return nil, p.form.Focus()
		}
	case key.Matches(msg, k.Copy) && result:
		text := form.SafeJSON(common.PrettyJSON(r.Raw))
		if r.Err != nil {
			text = form.SafeJSON(common.DescribeErr(r.Err))
		}
		return component.Copy{What: "the result", Text: text, SaveKey: k.Save.Help().Key}, nil
	case key.Matches(msg, k.Watch) && result:
		return Watch{r}, nil
	case key.Matches(msg, k.Save) && result:
		return Save{r}, nil
	case key.Matches(msg, k.OpenLink) && result:
		return OpenLinks{r}, nil
	case key.Matches(msg, k.NextPage) && result:
		if r.Page < r.Pages-1 {
			r.Page++
			p.view.Top()
		}
	case key.Matches(msg, k.PrevPage) && result:
		if r.Page > 0 {
			r.Page--
			p.view.Top()
		}
	}
	return nil, nil
}

// ShortHelp implements [help.KeyMap]: the keys of what is shown (the
// root adds the globals, and nothing for the server's info).
func (p *Pane) ShortHelp() []key.Binding {
	k := p.Keys
	kb := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	switch p.mode {
	case ModeForm:
		if p.form == nil {
			return nil
		}
		fk := p.form.KeyMap()
		back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave form"))
		bs := []key.Binding{k.Submit}
		if it := p.target; it != nil && it.Kind == browser.Tools && it.TaskSupport != "forbidden" {
			bs = append(bs, k.AsTask)
		}
		if p.completable() {
			switch {
			case p.form.SuggestionsEngaged():
				bs = append(bs, kb("tab", "take suggestion"), kb("↓↑", "choose"), kb("esc", "close list"))
			case len(p.form.Suggestions()) > 0:
				bs = append(bs, kb("↓", "choose a suggestion"))
			default:
				bs = append(bs, k.Complete)
			}
		}
		bs = append(bs, fk.Next, fk.Toggle, fk.Choose, fk.AddItem, fk.Null, fk.ToggleRaw, back)
		if !p.form.EditingText() {
			bs = append(bs, k.Zoom)
		}
		return bs
	case ModeWait:
		return []key.Binding{k.Cancel, k.Back}
	case ModeResult:
		r := p.res
		bs := []key.Binding{k.Nav.Down, k.Save, k.Copy}
		if r != nil && len(r.Links) > 0 {
			bs = append(bs, k.OpenLink)
		}
		if r != nil && p.facts.URLs > 0 {
			bs = append(bs, kb("o", "open the URL (-32042)"))
		}
		if r != nil && r.Pages > 1 {
			bs = append(bs, k.NextPage, k.PrevPage)
		}
		if r != nil && r.Watchable() {
			bs = append(bs, k.Watch)
		}
		return append(bs, k.Edit, k.Back)
	case ModeItem:
		return []key.Binding{k.Edit, k.Nav.Down}
	}
	return nil
}

// FullHelp implements [help.KeyMap]: with the form, the pane's keys for
// it and the form's own; otherwise the scrolling keys and what can be
// done with a result, a call or an item.
func (p *Pane) FullHelp() [][]key.Binding {
	k, n := p.Keys, p.Keys.Nav
	if p.Typing() {
		return append([][]key.Binding{{k.Submit, k.AsTask, k.Complete, k.Back, k.Zoom}}, p.form.KeyMap().FullHelp()...)
	}
	return [][]key.Binding{{n.Up, n.Down, n.PageUp, n.PageDown, n.Top, n.Bottom},
		{k.Cancel, k.Save, k.Copy, k.OpenLink, k.Watch, k.NextPage, k.PrevPage, k.Edit, k.Back}}
}
