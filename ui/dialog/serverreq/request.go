// Package serverreq is the dialogs that answer the server's requests
// (sampling, elicitation in form and URL mode, a method sonde does not
// know), the wait for a URL elicitation's completion, and the queue the
// requests wait in with its list (F3) and "answer all like this" rules.
//
// A request reaches the root as a [Pending]; the root keeps the [Queue]
// and shows the oldest waiting request's dialog ([New]). A dialog answers
// its request itself ([Pending.Answer], through the request's reply
// channel) and returns [component.Close]; what it wants of the root
// beyond that is an action of this package ([OpenURL], [Retry],
// [SetRule], [Dropped], [Deliver]). The same seam serves the legacy
// server-to-client requests (ServerRequest.ID set) and the 2026-07-28
// input requests of an input_required result (ID nil), which the session
// loops itself.
package serverreq

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Answer is the user's answer to a server request: a result or an error.
type Answer struct {
	Result any
	Err    error
}

// Pending is a server request waiting for the user. It is answered at
// most once; if the server withdraws it (notifications/cancelled, the
// call that carried an input request is cancelled, the session ends)
// before the user answers, its dialog closes.
type Pending struct {
	// Req is the request as the session passed it on.
	Req   *mcp.ServerRequest
	ctx   context.Context
	reply chan<- Answer
	done  chan struct{}
	once  sync.Once

	// N is its number in the queue, in arrival order.
	N int
	// At is when it arrived.
	At   time.Time
	size int     // the bytes it keeps (its params)
	sum  *string // its gist for the queue's list, once computed
}

// NewPending is req waiting for an answer, sent on reply (buffered: an
// answer never blocks); ctx ends when the server withdraws it.
func NewPending(req *mcp.ServerRequest, ctx context.Context, reply chan<- Answer) *Pending {
	return &Pending{Req: req, ctx: ctx, reply: reply, done: make(chan struct{})}
}

// Answer sends the user's answer; it reports false if the request was
// already answered.
func (p *Pending) Answer(a Answer) bool {
	ok := false
	p.once.Do(func() {
		ok = true
		close(p.done)
		if p.reply != nil {
			p.reply <- a // buffered: never blocks
		}
	})
	return ok
}

// Answered reports whether the request has been answered.
func (p *Pending) Answered() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Gone says the server withdrew a request before the user answered it.
type Gone struct{ P *Pending }

// Watch waits (in a command) for the request to be withdrawn before the
// user answers it: [Gone].
func (p *Pending) Watch() tea.Cmd {
	ctx := p.ctx
	if ctx == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case <-ctx.Done():
			return Gone{P: p}
		case <-p.done:
			return nil
		}
	}
}

// What names the request for people: "sampling/createMessage (id 4)", or
// "… (input request)" for a 2026-07-28 multi round-trip request.
func (p *Pending) What() string {
	s := termsafe.Line(p.Req.Method)
	if len(p.Req.ID) == 0 {
		return s + " (input request)"
	}
	return s + " (id " + termsafe.Line(strings.Trim(string(p.Req.ID), `"`)) + ")"
}

// Env is what the request dialogs are given by the root when they are
// made: the drawing context, who asks, and the queue they wait in.
type Env struct {
	C *common.Common
	// Server names the server that asks.
	Server string
	// Cause says which call a request came during ("" when none is
	// known); nil: none.
	Cause func(*Pending) string
	// Queue is where the requests wait (their place in it is in the
	// dialogs' titles).
	Queue *Queue
	// Keys are the queue's keys, named in titles and help.
	Keys QueueKeys
	// Guard: keys that consent (open a URL, cancel a form) are ignored
	// this long after a dialog appeared unasked.
	Guard time.Duration
	// Blocks draws a content block at width w the way results are drawn
	// (text, media, resources); nil draws its text only.
	Blocks func(raw json.RawMessage, w int) []string
}

// header is the first line of every server-request dialog: who asks, and
// for what.
func (e *Env) header(p *Pending, what string) string {
	st := e.C.Styles
	s := st.Accent.Render(e.Server) + st.Text.Render(" "+what)
	if e.Cause != nil {
		if c := e.Cause(p); c != "" {
			s += st.Muted.Render(" · " + c)
		}
	}
	return s
}

// title is a request dialog's title, with where the request is in the
// queue: "Sampling request · 1 of 37 waiting · f3 list · f4 next".
func (e *Env) title(p *Pending, title string) string {
	q := e.Queue
	if q == nil || q.Len() < 2 || q.Index(p) < 0 {
		return title
	}
	return fmt.Sprintf("%s · %d of %d waiting · %s list · %s next", title, q.Index(p)+1, q.Len(), e.Keys.List.Help().Key, e.Keys.Next.Help().Key)
}

// hide is the queue's put-aside key as the request dialogs' help shows it.
func (e *Env) hide() key.Binding {
	h := e.Keys.Hide
	h.SetHelp(h.Help().Key, "hide")
	return h
}

// Request is a dialog that answers a server request.
type Request interface {
	component.Dialog
	// Pending is the request it answers (nil: a URL dialog for a -32042
	// error, which answers none).
	Pending() *Pending
	// Focus gives its text field the cursor when it is shown.
	Focus() tea.Cmd
}

// Proposer is a request dialog with an answer ready untouched (the
// queue's quick "answer").
type Proposer interface {
	Proposed() (Answer, bool)
}

// Ruler is a request dialog whose answer can be a rule for every request
// of its method ("answer all like this").
type Ruler interface {
	AsRule() (string, error)
}

// New builds the dialog that answers p: it is built when p is shown, so a
// request waiting in the queue costs no dialog. An error says p cannot
// be read.
func New(env *Env, p *Pending) (Request, error) {
	switch p.Req.Method {
	case "sampling/createMessage":
		d, err := NewSampling(env, p)
		if err != nil {
			return nil, err
		}
		return d, nil
	case "elicitation/create":
		return NewElicit(env, p)
	}
	return NewUnknown(env, p), nil
}

// Deliver hands Msg to the dialog To (wherever it is on the stack) and
// carries out what it answers: a confirmation's yes reaching the dialog
// that asked.
type Deliver struct {
	To  component.Dialog
	Msg tea.Msg
}

// jsonObject decodes raw as an object, leniently (nil on failure).
func jsonObject(raw json.RawMessage) map[string]json.RawMessage {
	var o map[string]json.RawMessage
	if json.Unmarshal(raw, &o) != nil {
		return nil
	}
	return o
}

// ---- a request sonde does not know ----

// UnknownKeys are the keys of the dialog for a request sonde does not
// know.
type UnknownKeys struct {
	Refuse, Up, Down key.Binding
}

// DefaultUnknownKeys returns them.
func DefaultUnknownKeys() UnknownKeys {
	return UnknownKeys{
		Refuse: key.NewBinding(key.WithKeys("d", "esc", "n"), key.WithHelp("d", "refuse")),
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
	}
}

// Unknown shows a request method sonde does not handle: the user sees it
// and refuses it (-32601).
type Unknown struct {
	env  *Env
	p    *Pending
	Keys UnknownKeys
	// view scrolls the request's parameters
	view list.Model
}

var _ Request = (*Unknown)(nil)

// NewUnknown is the dialog for p, a method sonde does not know.
func NewUnknown(env *Env, p *Pending) *Unknown {
	return &Unknown{env: env, p: p, Keys: DefaultUnknownKeys(), view: list.NewPager()}
}

// Pending implements [Request].
func (d *Unknown) Pending() *Pending { return d.p }

// Focus implements [Request].
func (d *Unknown) Focus() tea.Cmd { return nil }

// Update implements [component.Component].
func (d *Unknown) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		d.view.Wheel(msg, 3)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, d.Keys.Refuse):
			Reject(d.p)
			return component.Then(component.Close{}, component.Flash{Text: "refused " + d.p.What()}), nil
		case key.Matches(msg, d.Keys.Down):
			d.view.Move(1)
		case key.Matches(msg, d.Keys.Up):
			d.view.Move(-1)
		}
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Unknown) SetSize(int, int) {}

// View implements [component.Component].
func (d *Unknown) View(W, H int) string {
	st := d.env.C.Styles
	w, h := min(W-4, 100), max(6, H-4)
	lines := []string{d.env.header(d.p, "asks: "+d.p.What()), st.Muted.Render("sonde does not know this request; you can refuse it (-32601)."), ""}
	body := d.env.C.HL.Pretty(st.Chroma, d.p.Req.Params)
	d.view.SetHeight(h - 7)
	d.view.SetLen(len(body))
	lines = append(lines, body[d.view.Offset():]...)
	return common.DialogBox(st, d.env.title(d.p, "Server request"), lines, common.HelpLine(st, d.ShortHelp(), w-2), w, h)
}

// ShortHelp implements [help.KeyMap].
func (d *Unknown) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Refuse, d.Keys.Up, d.Keys.Down}
}

// FullHelp implements [help.KeyMap].
func (d *Unknown) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// truncate is ansi.Truncate with the ellipsis.
func truncate(s string, w int) string { return ansi.Truncate(s, w, "…") }

// Help is the request dialogs' keys as one group of the full help (each
// dialog's own help line shows its own, from its key map).
func Help() []key.Binding {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	return []key.Binding{
		b("ctrl+r", "send (sampling) / accept (form)"),
		b("ctrl+d", "reject (sampling) / decline"),
		b("esc", "cancel (sampling asks first)"),
		b("ctrl+o", "sampling: the answer as JSON"),
		b("pgup/pgdn", "sampling: scroll the request"),
		b("o", "URL: open it in the browser"),
		b("a", "URL: accept, open it yourself"),
		b("c", "URL: copy it (OSC 52)"),
	}
}
