package ui

import (
	"context"
	"encoding/json"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
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

// openComposer shows the composer in the work pane with the keys; text
// (a message from the log) replaces its draft. The selected tool, or the
// tools a stream announced, give templates of their own.
func (m *Model) openComposer(text string) tea.Cmd {
	if m.compose == nil {
		m.compose = composer.New(m.look.com)
		m.compose.SetHistory(m.composerHist[m.serverKey()])
	}
	var ts []composer.Template
	if it := m.br.Selected(); it != nil && it.Kind == listTools {
		ts = composer.ToolTemplates(it.Name, it.InputSchema)
	}
	m.compose.AddTemplates(ts)
	var meta json.RawMessage
	if rs, ok := m.conn.sess.(rawSender); ok && m.conn.canAct() {
		meta = rs.RequestMeta() // a 2026-07-28 server answers no request without it
	}
	m.compose.SetRequestMeta(meta)
	m.composing = true
	m.compose.SetSize(m.work.Size())
	m.compose.Open(text)
	if m.focus != paneWork {
		return m.setFocus(paneWork) // which gives the composer the keys
	}
	m.compose.SetFocused(true)
	return nil
}

// composeCall opens the composer on a call of a tool the stream
// announced: first as an event-named server takes it ({session_id, tool,
// args}), then as tools/call (ctrl+t).
func (m *Model) composeCall(it *item) tea.Cmd {
	cmd := m.openComposer("")
	ts := composer.ToolTemplates(it.Name, it.InputSchema)
	ts[0], ts[1] = ts[1], ts[0]
	m.compose.AddTemplates(ts)
	m.compose.UseTemplate(0)
	return cmd
}

// composerKey gives a key (or a paste, a cursor blink) to the composer;
// Model.do carries out what it asks (composerAction).
func (m *Model) composerKey(msg tea.Msg) tea.Cmd { return m.updatePane(m.compose, msg) }

// composerAction carries out one of the composer's own actions.
func (m *Model) composerAction(a component.Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case composer.Leave:
		m.leaveComposer()
		return nil, true
	case composer.Send:
		return tea.Batch(m.sendRaw(a), m.saveComposerHistory()), true
	}
	return nil, false
}

// leaveComposer gives the work pane back (the draft is kept).
func (m *Model) leaveComposer() {
	if m.composing {
		m.composing = false
		m.compose.SetFocused(false)
	}
}

// sendRaw sends the composer's message in a command. What comes back is
// shown in the composer and marked in the log.
func (m *Model) sendRaw(a composer.Send) tea.Cmd {
	rs, ok := m.conn.sess.(rawSender)
	if !m.conn.canAct() || !ok {
		m.compose.SetOutcome(composer.Outcome{Sent: time.Now(), Err: "no live session to send it to"})
		return m.needServer()
	}
	m.rawGen++
	gen := m.rawGen
	var from uint64
	if en := m.log.Last(); en != nil {
		from = en.Ev.Seq
	}
	m.mark = &rawMark{from: from, waiting: true}
	if a.Check.Kind == composer.KindRequest {
		m.mark.id = a.Check.ID
	}
	m.log.SetMark(m.mark.marked)
	m.compose.SetOutcome(composer.Outcome{Waiting: true, Sent: time.Now()})
	ctx, wait, msg := m.conn.ctx, m.opts.RawWait, a.Message
	return func() tea.Msg {
		res, err := rs.SendRaw(ctx, msg, wait)
		return rawDoneMsg{gen: gen, res: res, err: err}
	}
}

// rawDone shows what came back for the composer's last message.
func (m *Model) rawDone(msg rawDoneMsg) {
	if msg.gen != m.rawGen || m.compose == nil {
		return // an older message's, or the composer is gone
	}
	o := composer.Outcome{Sent: m.compose.Outcome().Sent, Answer: msg.res.Answer, Events: msg.res.Events}
	if msg.err != nil {
		o.Err = describeErr(msg.err)
	}
	m.compose.SetOutcome(o)
	if m.mark != nil {
		m.mark.waiting = false
		m.mark.seqs = map[uint64]bool{}
		for _, e := range msg.res.Events {
			m.mark.seqs[e.Seq] = true
		}
		if a := msg.res.Answer; a != nil {
			m.mark.seqs[a.Seq] = true
		}
	}
}

// saveComposerHistory keeps the composer's history for this server (in a
// command, see config.SaveComposerHistory).
func (m *Model) saveComposerHistory() tea.Cmd {
	server, hist := m.serverKey(), m.compose.History()
	if m.composerHist == nil {
		m.composerHist = map[string][]string{}
	}
	m.composerHist[server] = hist
	if !m.conn.live || server == "" {
		return nil
	}
	return func() tea.Msg {
		config.SaveComposerHistory(server, hist)
		return nil
	}
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
