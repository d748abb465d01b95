package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// Server requests (sampling, elicitation, roots) reach the UI through the
// feed (feed.handle → serverRequestMsg). Roots are answered at once from
// the configured list; sampling and elicitation become dialogs that answer
// through the request's reply channel. The same seam serves the legacy
// server-to-client requests (ServerRequest.ID set) and the 2026-07-28 input
// requests of an input_required result (ID nil), which the session loops
// itself.

// pendingRequest is a server request a dialog is answering. It is answered
// at most once; if the server withdraws it (notifications/cancelled, the
// call that carried an input request is cancelled, the session ends)
// before the user answers, the dialog closes.
type pendingRequest struct {
	msg  serverRequestMsg
	done chan struct{}
	once sync.Once
}

func newPendingRequest(msg serverRequestMsg) *pendingRequest {
	return &pendingRequest{msg: msg, done: make(chan struct{})}
}

// answer sends the user's answer; it reports false if the request was
// already answered.
func (p *pendingRequest) answer(a serverAnswer) bool {
	ok := false
	p.once.Do(func() {
		ok = true
		close(p.done)
		if p.msg.reply != nil {
			p.msg.reply <- a // buffered: never blocks
		}
	})
	return ok
}

// answered reports whether the request has been answered.
func (p *pendingRequest) answered() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// watch waits (in a command) for the request to be withdrawn before the
// user answers it.
func (p *pendingRequest) watch() tea.Cmd {
	ctx := p.msg.ctx
	if ctx == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case <-ctx.Done():
			return requestGoneMsg{p: p}
		case <-p.done:
			return nil
		}
	}
}

// what names the request for people: "sampling/createMessage (id 4)", or
// "… (input request)" for a 2026-07-28 multi round-trip request.
func (p *pendingRequest) what() string {
	s := termsafe.Line(p.msg.req.Method)
	if len(p.msg.req.ID) == 0 {
		return s + " (input request)"
	}
	return s + " (id " + termsafe.Line(strings.Trim(string(p.msg.req.ID), `"`)) + ")"
}

// requestGoneMsg says the server withdrew a request before the user
// answered it.
type requestGoneMsg struct{ p *pendingRequest }

// requestDialog is a dialog that answers a server request.
type requestDialog interface {
	dialog
	pending() *pendingRequest
}

// serverRequest handles a request from the server that the user answers.
func (m *Model) serverRequest(msg serverRequestMsg) tea.Cmd {
	p := newPendingRequest(msg)
	switch msg.req.Method {
	case "roots/list":
		p.answer(serverAnswer{result: m.rootsResult()})
		m.rootsAsked++
		return nil
	case "sampling/createMessage":
		d, err := newSamplingDialog(m, p)
		if err != nil {
			p.answer(serverAnswer{err: &mcp.RPCError{Code: mcp.CodeInvalidParams, Message: "sonde cannot read this sampling request: " + err.Error()}})
			m.setFlash("unreadable sampling request: "+err.Error(), true)
			return nil
		}
		m.pushDialog(d)
		return tea.Batch(d.focus(), p.watch())
	case "elicitation/create":
		d, err := newElicitDialog(m, p)
		if err != nil {
			p.answer(serverAnswer{err: &mcp.RPCError{Code: mcp.CodeInvalidParams, Message: "sonde cannot read this elicitation request: " + err.Error()}})
			m.setFlash("unreadable elicitation request: "+err.Error(), true)
			return nil
		}
		m.pushDialog(d)
		return tea.Batch(d.focus(), p.watch())
	}
	m.pushDialog(newUnknownRequestDialog(p))
	return p.watch()
}

// toggleRequests hides the server-request dialogs (they keep waiting, and
// the header says so) or shows the hidden ones again; it reports whether
// there was anything to do.
func (m *Model) toggleRequests() bool {
	var keep, reqs []dialog
	for _, d := range m.dialogs {
		if rd, ok := d.(requestDialog); ok && rd.pending() != nil {
			reqs = append(reqs, d)
		} else {
			keep = append(keep, d)
		}
	}
	switch {
	case len(reqs) > 0:
		m.dialogs = keep
		m.hidden = append(m.hidden, reqs...)
		m.setFlash(fmt.Sprintf("%d request(s) wait for you: F2 brings them back", len(m.hidden)), false)
		return true
	case len(m.hidden) > 0:
		m.dialogs = append(m.dialogs, m.hidden...)
		m.hidden = nil
		return true
	}
	return false
}

// requestGone closes the dialog of a withdrawn request.
func (m *Model) requestGone(msg requestGoneMsg) tea.Cmd {
	if msg.p.answered() {
		return nil
	}
	msg.p.answer(serverAnswer{err: context.Canceled}) // unblocks nothing; marks it done
	for i, d := range m.dialogs {
		if rd, ok := d.(requestDialog); ok && rd.pending() == msg.p {
			m.dialogs = append(m.dialogs[:i], m.dialogs[i+1:]...)
			break
		}
	}
	for i, d := range m.hidden {
		if rd, ok := d.(requestDialog); ok && rd.pending() == msg.p {
			m.hidden = append(m.hidden[:i], m.hidden[i+1:]...)
			break
		}
	}
	m.setFlash("the server withdrew its "+msg.p.what()+" before you answered", true)
	return nil
}

// pendingRequests counts the server requests waiting for the user.
func (m *Model) pendingRequests() int {
	n := len(m.hidden)
	for _, d := range m.dialogs {
		if rd, ok := d.(requestDialog); ok && rd.pending() != nil && !rd.pending().answered() {
			n++
		}
	}
	return n
}

// serverName is how dialogs name the server that asks.
func (m *Model) serverName() string {
	if n := firstNonEmpty(m.server.title, m.server.name); n != "" {
		return n
	}
	if t := m.opts.Config.Target(); t != "" {
		return termsafe.Line(t)
	}
	return "the server"
}

// askHeader is the first line of every server-request dialog: who asks,
// and for what.
func (m *Model) askHeader(p *pendingRequest, what string) string {
	st := m.st
	s := st.Accent.Render(m.serverName()) + st.Text.Render(" "+what)
	if n := len(m.calls); n > 0 {
		c := m.calls[n-1]
		s += st.Muted.Render(" · during " + c.method + " " + c.subject)
	}
	if n := m.pendingRequests(); n > 1 {
		s += st.Warn.Render(fmt.Sprintf("  (%d requests waiting)", n))
	}
	return s
}

// requestHelp lists the keys of the server-request dialogs for the full
// help (each dialog's footer shows its own).
func requestHelp() []key.Binding {
	return []key.Binding{
		kb("ctrl+r", "send (sampling) / accept (form)"),
		kb("ctrl+d", "reject (sampling) / decline"),
		kb("esc", "cancel (sampling asks first)"),
		kb("ctrl+o", "sampling: the answer as JSON"),
		kb("pgup/pgdn", "sampling: scroll the request"),
		kb("o", "URL: open it in the browser"),
		kb("a", "URL: accept, open it yourself"),
		kb("c", "URL: copy it (OSC 52)"),
		kb("f2", "hide the requests / show them again"),
	}
}

// ---- a request sonde does not know ----

// unknownRequestDialog shows a request method sonde does not handle: the
// user sees it and refuses it (-32601).
type unknownRequestDialog struct {
	p *pendingRequest
	scrolling
}

func newUnknownRequestDialog(p *pendingRequest) *unknownRequestDialog {
	return &unknownRequestDialog{p: p}
}

func (d *unknownRequestDialog) pending() *pendingRequest { return d.p }

func (d *unknownRequestDialog) help(*Model) []key.Binding {
	return []key.Binding{kb("d", "refuse"), kb("↓↑", "scroll")}
}

func (d *unknownRequestDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "d", "esc", "n":
		d.p.answer(serverAnswer{err: &mcp.RPCError{Code: mcp.CodeMethodNotFound, Message: "sonde does not handle " + d.p.msg.req.Method}})
		m.popDialog()
		m.setFlash("refused "+d.p.what(), false)
	case "down", "j":
		d.offset++
	case "up", "k":
		d.offset--
	}
	return nil
}

func (d *unknownRequestDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := min(W-4, 100), max(6, H-4)
	lines := []string{m.askHeader(d.p, "asks: "+d.p.what()), st.Muted.Render("sonde does not know this request; you can refuse it (-32601)."), ""}
	body := m.hl.pretty(st.Chroma, d.p.msg.req.Params)
	d.offset = max(0, min(d.offset, len(body)-(h-7)))
	lines = append(lines, body[d.offset:]...)
	return frame(st, "Server request", lines, bindingHelp(st, d.help(m)...), w, h)
}

// ---- helpers shared by the request dialogs ----

// jsonObject decodes raw as an object, leniently (nil on failure).
func jsonObject(raw json.RawMessage) map[string]json.RawMessage {
	var o map[string]json.RawMessage
	if json.Unmarshal(raw, &o) != nil {
		return nil
	}
	return o
}
