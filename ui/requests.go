package ui

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/termsafe"
)

// Server requests (sampling, elicitation, roots) reach the UI through the
// feed (feed.handle → serverRequestMsg, in batches). Roots are answered at
// once from the configured list; sampling, elicitation and unknown
// methods wait in the queue (queue.go), whose oldest request has a dialog
// that answers through the request's reply channel. The same seam serves the legacy
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

	n    int       // its number in the queue, in arrival order
	at   time.Time // when it arrived
	size int       // the bytes it keeps (its params)
	sum  *string   // its gist for the queue's list, once computed
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
	oldDialog
	pending() *pendingRequest
}

// newRequestDialog builds the dialog that answers p: it is built when p
// is shown, so a request waiting in the queue costs no dialog.
func newRequestDialog(m *Model, p *pendingRequest) (requestDialogFocus, error) {
	switch p.msg.req.Method {
	case "sampling/createMessage":
		d, err := newSamplingDialog(m, p)
		if err != nil {
			return nil, err
		}
		return d, nil
	case "elicitation/create":
		return newElicitDialog(m, p)
	}
	return newUnknownRequestDialog(p), nil
}

// serverName is how dialogs name the server that asks.
func (m *Model) serverName() string {
	if n := firstNonEmpty(m.server().title, m.server().name); n != "" {
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
	if c := m.requestCause(p); c != "" {
		s += st.Muted.Render(" · " + c)
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

func (d *unknownRequestDialog) focus() tea.Cmd { return nil }

// refuseKey refuses a request sonde does not know.
var refuseKey = key.NewBinding(key.WithKeys("d", "esc", "n"), key.WithHelp("d", "refuse"))

func (d *unknownRequestDialog) help(m *Model) []key.Binding {
	return []key.Binding{refuseKey, m.keys.Nav.Up, m.keys.Nav.Down}
}

func (d *unknownRequestDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, refuseKey):
		rejection(d.p)()
		m.removeDialog(d)
		m.setFlash("refused "+d.p.what(), false)
	case key.Matches(msg, m.keys.Nav.Down):
		d.offset++
	case key.Matches(msg, m.keys.Nav.Up):
		d.offset--
	}
	return nil
}

func (d *unknownRequestDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := min(W-4, 100), max(6, H-4)
	lines := []string{m.askHeader(d.p, "asks: "+d.p.what()), st.Muted.Render("sonde does not know this request; you can refuse it (-32601)."), ""}
	body := m.hl.Pretty(st.Chroma, d.p.msg.req.Params)
	d.offset = max(0, min(d.offset, len(body)-(h-7)))
	lines = append(lines, body[d.offset:]...)
	return frame(st, m.requestTitle(d.p, "Server request"), lines, bindingHelp(st, d.help(m)...), w, h)
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
