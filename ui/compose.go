package ui

import (
	"context"
	"encoding/json"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/pane/composer"
)

// The raw composer (ui/pane/composer) takes the work pane's place while it
// is open (`:`, or `e` on a message in the log). It returns actions; this
// file carries them out (Model.do): sending (Session.SendRaw, in a
// command), keeping the history (config, in a command), and marking in
// the log what came back (the answer by id, or the events that followed).

// rawSender is the part of the session the composer needs.
type rawSender interface {
	SendRaw(ctx context.Context, msg []byte, wait time.Duration) (mcp.RawResult, error)
	// RequestMeta is the params._meta a request needs in this session
	// (2026-07-28), nil when none.
	RequestMeta() json.RawMessage
}

// rawDoneMsg reports what came back for a message the composer sent.
type rawDoneMsg struct {
	gen int
	res mcp.RawResult
	err error
}

// rawMark says which events of the log came back for the composer's last
// message: after seq from, the answer's id (a request), or the events of
// the outcome.
type rawMark struct {
	from uint64
	id   string
	// waiting: the outcome is not in yet; until it is, whatever arrives
	// (keepalives aside) is marked as it comes
	waiting bool
	seqs    map[uint64]bool
}

func (r *rawMark) marked(e *mcp.Event) bool {
	switch {
	case r == nil || e.Seq <= r.from:
		return false
	case r.id != "":
		return e.ID == r.id && e.Kind == mcp.KindMessage
	case r.waiting:
		return e.Dir == mcp.DirIn && !e.IsKeepalive()
	}
	return r.seqs[e.Seq]
}

// rawComposer is the root model's raw composer glue: the composer pane
// (nil until first opened), whether it holds the work pane's place, its
// history per server (read at start), which log events came back for its
// last message (mark), and the number of its last send (gen: an older
// send's answer is dropped). Its collaborators are given: the connection
// it sends through, the panes (the log marks what came back), the status
// line, and how long a send waits for what follows (Options.RawWait).
type rawComposer struct {
	pane   *composer.Pane
	active bool
	hist   map[string][]string
	mark   *rawMark
	gen    int

	conn  *connection
	panes *paneSet
	flash *flashLine
	wait  time.Duration
}

// act carries out one of the composer's own actions (server: the
// server's key, for the history); ok is false for any other action.
func (r *rawComposer) act(a component.Action, server string) (cmd tea.Cmd, ok bool) {
	switch a := a.(type) {
	case composer.Leave:
		r.leave()
		return nil, true
	case composer.Send:
		return tea.Batch(r.send(a), r.saveHistory(server, r.conn.live)), true
	}
	return nil, false
}

// send sends the composer's message in a command. What comes back is
// shown in the composer and marked in the log.
func (r *rawComposer) send(a composer.Send) tea.Cmd {
	rs, ok := r.conn.sess.(rawSender)
	if !r.conn.canAct() || !ok {
		r.pane.SetOutcome(composer.Outcome{Sent: time.Now(), Err: "no live session to send it to"})
		r.flash.set(r.conn.whyNot(), true)
		return nil
	}
	var from uint64
	if en := r.panes.log.Last(); en != nil {
		from = en.Ev.Seq
	}
	gen := r.sent(a, from)
	r.panes.log.SetMark(r.mark.marked)
	ctx, wait, msg := r.conn.ctx, r.wait, a.Message
	return func() tea.Msg {
		res, err := rs.SendRaw(ctx, msg, wait)
		return rawDoneMsg{gen: gen, res: res, err: err}
	}
}

// ensure makes the composer pane the first time, with the history kept
// for server.
func (r *rawComposer) ensure(c *common.Common, server string) {
	if r.pane == nil {
		r.pane = composer.New(c)
		r.pane.SetHistory(r.hist[server])
	}
}

// leave gives the work pane back (the draft is kept).
func (r *rawComposer) leave() {
	if r.active {
		r.active = false
		r.pane.SetFocused(false)
	}
}

// sent starts a send after log event from: the outcome waits, and the
// log's events are marked as they come (a request: its answer by id).
// It returns the send's number.
func (r *rawComposer) sent(a composer.Send, from uint64) int {
	r.gen++
	r.mark = &rawMark{from: from, waiting: true}
	if a.Check.Kind == composer.KindRequest {
		r.mark.id = a.Check.ID
	}
	r.pane.SetOutcome(composer.Outcome{Waiting: true, Sent: time.Now()})
	return r.gen
}

// done shows what came back for the composer's last message.
func (r *rawComposer) done(msg rawDoneMsg) {
	if msg.gen != r.gen || r.pane == nil {
		return // an older message's, or the composer is gone
	}
	o := composer.Outcome{Sent: r.pane.Outcome().Sent, Answer: msg.res.Answer, Events: msg.res.Events}
	if msg.err != nil {
		o.Err = describeErr(msg.err)
	}
	r.pane.SetOutcome(o)
	if r.mark != nil {
		r.mark.waiting = false
		r.mark.seqs = map[uint64]bool{}
		for _, e := range msg.res.Events {
			r.mark.seqs[e.Seq] = true
		}
		if a := msg.res.Answer; a != nil {
			r.mark.seqs[a.Seq] = true
		}
	}
}

// saveHistory keeps the composer's history for server, and on disk for
// a live session (in a command, see config.SaveComposerHistory).
func (r *rawComposer) saveHistory(server string, live bool) tea.Cmd {
	hist := r.pane.History()
	if r.hist == nil {
		r.hist = map[string][]string{}
	}
	r.hist[server] = hist
	if !live || server == "" {
		return nil
	}
	return func() tea.Msg {
		config.SaveComposerHistory(server, hist)
		return nil
	}
}

// openComposer shows the composer in the work pane with the keys; text
// (a message from the log) replaces its draft. The selected tool, or the
// tools a stream announced, give templates of their own.
func (m *Model) openComposer(text string) tea.Cmd {
	m.raw.ensure(m.look.com, serverKey(m.s, m.opts.Config))
	var ts []composer.Template
	if it := m.panes.br.Selected(); it != nil && it.Kind == listTools {
		ts = composer.ToolTemplates(it.Name, it.InputSchema)
	}
	m.raw.pane.AddTemplates(ts)
	var meta json.RawMessage
	if rs, ok := m.conn.sess.(rawSender); ok && m.conn.canAct() {
		meta = rs.RequestMeta() // a 2026-07-28 server answers no request without it
	}
	m.raw.pane.SetRequestMeta(meta)
	m.raw.active = true
	m.raw.pane.SetSize(m.panes.work.Size())
	m.raw.pane.Open(text)
	if m.screen.focus != paneWork {
		return m.setFocus(paneWork) // which gives the composer the keys
	}
	m.raw.pane.SetFocused(true)
	return nil
}

// composeCall opens the composer on a call of a tool the stream
// announced: first as an event-named server takes it ({session_id, tool,
// args}), then as tools/call (ctrl+t).
func (m *Model) composeCall(it *item) tea.Cmd {
	cmd := m.openComposer("")
	ts := composer.ToolTemplates(it.Name, it.InputSchema)
	ts[0], ts[1] = ts[1], ts[0]
	m.raw.pane.AddTemplates(ts)
	m.raw.pane.UseTemplate(0)
	return cmd
}

// resendFromLog opens the selected message of the log in the composer, to
// edit and send again.
func (m *Model) resendFromLog(en *entry) tea.Cmd {
	if en == nil || en.Ev.Kind != mcp.KindMessage || en.Ev.Dir != mcp.DirOut || len(en.Ev.Raw) == 0 {
		m.flash.set("select a message sonde sent (a request or a notification) to edit and send it again", true)
		return nil
	}
	return m.openComposer(prettyJSON(en.Ev.Raw))
}
