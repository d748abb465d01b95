package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/schema"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// The work pane (ui/pane/work) shows the server's info, the selected
// item, the argument form, the call in flight and its result. It returns
// actions; this file carries them out (Model.do): making the call,
// cancelling it, saving, watching, opening links, asking for completions.

// What the work pane's results hold, by their short names.
type (
	result   = work.Result
	link     = work.Link
	saveable = work.Saveable
)

// Method, Subject, Started and ID show a call in the work pane
// ([work.Call]).
func (c *call) Method() string     { return c.method }
func (c *call) Subject() string    { return c.subject }
func (c *call) Started() time.Time { return c.start }
func (c *call) ID() string         { return c.h.ID() }

// syncWork gives the work pane what the root knows (work.Facts).
func (m *Model) syncWork() {
	f := work.Facts{CanAct: m.conn.canAct(), Live: m.conn.live, Target: m.opts.Config.Target(), ConnErr: m.conn.err,
		ToolsOffered: m.panes.br.Offered(listTools), ToolsNote: m.panes.br.Note(listTools), Composable: m.keys.Global.Compose.Enabled()}
	if c, ok := m.panes.work.Active().(*call); ok {
		f.Task = m.tasks.taskOf(c)
	}
	if r := m.panes.work.Result(); r != nil && m.panes.work.Mode() == work.ModeResult {
		f.Watch = watchLine(m.look.st, m.s, r)
		f.URLs = len(urlElicitationsOf(r.Err))
	}
	m.panes.work.SetFacts(f)
}

// openSelected opens the selected item: a form for tools, prompts and
// templates; resources are read at once.
func (m *Model) openSelected() tea.Cmd {
	it := m.panes.br.Selected()
	if it == nil {
		return nil
	}
	if m.panes.br.Offered(it.Kind) {
		// a tool the stream announced: how the server takes a call is
		// its own business, so the composer offers the usual shapes
		if !m.keys.Global.Compose.Enabled() {
			return nil // a replay: nothing to send it to
		}
		return m.composeCall(it)
	}
	m.raw.leave() // the work pane is the item's again
	var sch json.RawMessage
	switch it.Kind {
	case listResources:
		if !m.conn.canAct() {
			m.flash.set(m.conn.whyNot(), true)
			return nil
		}
		cmd := m.startCall("resources/read", it.URI, it, map[string]any{"uri": it.URI}, false)
		// the keys that act on what was read (w, s, c) work at once
		return tea.Batch(cmd, m.setFocus(paneWork))
	case listTools:
		sch = it.InputSchema
	case listPrompts:
		args := make([]schema.PromptArg, len(it.Args))
		for i, a := range it.Args {
			args[i] = schema.PromptArg(a)
		}
		sch = schema.SchemaForPromptArgs(args)
	case listTemplates:
		sch = schema.SchemaForTemplate(it.URI)
	default:
		return nil
	}
	initial := m.calls.argsFor(serverKey(m.s, m.opts.Config), argsKey(it))
	m.syncWork()
	a, cmd, opened := m.panes.work.OpenForm(it, sch, initial)
	if opened {
		m.layout()
		m.screen.focus = paneWork
	}
	return tea.Batch(cmd, m.act(nil, a))
}

// argsKey names an item's remembered arguments.
func argsKey(it *item) string {
	return fmt.Sprintf("%s:%s%s", strings.ToLower(it.Kind.Title()), it.Name, it.URI)
}

// serverKey names the server for remembered arguments: its name in s,
// else the target of cfg.
func serverKey(s *session.State, cfg mcp.Config) string {
	if serverOf(s).name != "" {
		return serverOf(s).name
	}
	return cfg.Target()
}

// workAction carries out one of the work pane's own actions.
func (m *Model) workAction(a component.Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case work.Send:
		return m.send(a), true
	case work.Confirmed:
		m.syncWork()
		act, cmd := m.panes.work.Submit(true, a.AsTask)
		return tea.Batch(cmd, m.act(nil, act)), true
	case work.Cancel:
		c, _ := a.Call.(*call)
		if t := m.tasks.taskOf(c); t != nil {
			return m.tasks.cancel(t), true
		}
		if c != nil && c.cancel != nil {
			c.cancel()
			m.flash.set("cancelling "+c.subject+"…", false)
		}
		return nil, true
	case work.Back:
		cmd := m.setFocus(paneBrowser)
		if a.Preview {
			m.panes.preview(m.screen.focus == paneWork)
		}
		return cmd, true
	case work.OpenItem:
		return m.openSelected(), true
	case work.Zoom:
		m.screen.zoom = !m.screen.zoom
		m.layout()
		return nil, true
	case work.Save:
		return m.act(nil, saveResult(m.look.com, a.Result)), true
	case work.Watch:
		return m.subs.toggle(a.Result), true
	case work.OpenLinks:
		r := a.Result
		switch len(r.Links) {
		case 0:
			if c, ok := r.Call.(*call); ok && m.requests.offerURLs(c, r.Err) {
				return nil, true
			}
			m.flash.set("no resource links in this result", true)
		case 1:
			return m.readLink(r.Links[0]), true
		default:
			m.dialogs.open(newLinkDialog(m.look.com, r.Links))
		}
		return nil, true
	case work.Complete:
		return m.conn.complete(a), true
	}
	return nil, false
}

// send makes the call of a submitted form, remembering its arguments.
func (m *Model) send(a work.Send) tea.Cmd {
	if !m.conn.canAct() {
		m.flash.set(m.conn.whyNot(), true)
		return nil
	}
	it := a.Item
	key := argsKey(it)
	m.calls.lastArgs[key] = a.Args
	var remember tea.Cmd
	if m.conn.live {
		remember = saveLastArgsCmd(serverKey(m.s, m.opts.Config), key, a.Args)
	}
	modern := m.s.Conn.Info != nil && m.s.Conn.Info.Era == "modern"
	method, subject, params, asTask, err := work.Request(it, a.Args, a.AsTask, modern)
	switch {
	case err != nil:
		m.flash.set(err.Error(), true)
		return remember
	case method == "":
		return remember
	}
	return tea.Batch(remember, m.startCall(method, subject, it, params, asTask))
}

func (m *Model) readLink(l link) tea.Cmd {
	m.panes.work.FollowLink()
	return m.startCall("resources/read", l.URI, nil, map[string]any{"uri": l.URI}, false)
}
