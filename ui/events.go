package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/termsafe"
)

const maxReqInfo = 4096

// applyEvents folds a batch of events into the model: the log, the
// connection header, the in-flight requests and the browsers (from the
// list responses, so replay rebuilds them too).
func (m *Model) applyEvents(evs eventsMsg) tea.Cmd {
	// A replay that moves backwards (or far ahead) sends a rewind marker:
	// everything before it is forgotten, and the events after it rebuild
	// the state at the new position.
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == store.KindRewind {
			m.rewind()
			evs = evs[i:]
			break
		}
	}
	m.log.append(evs)
	var cmds []tea.Cmd
	var relist [numLists]bool
	for i := range evs {
		e := &evs[i]
		if e.Time.After(m.now) {
			m.now = e.Time
		}
		m.wfs.add(e)
		if e.Dir == mcp.DirIn {
			m.lastIn = e.Time
		}
		if e.Kind == mcp.KindInfo || e.Kind == mcp.KindState {
			m.noteDetection(e)
		}
		if e.IsKeepalive() {
			switch {
			case e.Dir == mcp.DirIn && !(e.Kind == mcp.KindMessage && e.RPC == mcp.RPCResponse):
				m.kaIn++
			case e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest:
				m.kaOut++
			}
			if e.RPC == mcp.RPCResponse && e.ReqMethod == "ping" && e.Latency > 0 {
				m.pingRTT = e.Latency
			}
		}
		switch e.Kind {
		case mcp.KindState:
			m.state, m.attempt = e.State, e.Attempt
			if e.State == mcp.StateConnected {
				// A failed probe (initialize answered by HTTP 405 during
				// detection) never gets an answer event: the handshake is
				// over, so no initialize is in flight.
				for id, f := range m.flights {
					if f.method == "initialize" {
						delete(m.flights, id)
					}
				}
			}
			if e.Info != nil {
				info := *e.Info
				m.info = &info
				m.server = parseServer(info.Server)
				m.reconnects = info.Reconnects
				m.applyCapabilities(info.Capabilities)
				if info.Reconnects > 0 && m.canAct() {
					for k := range relist {
						relist[k] = m.br.supported[k]
					}
				}
			}
			if e.State == mcp.StateReconnecting && e.Attempt > m.reconnects {
				m.reconnects = e.Attempt
			}
			if e.State == mcp.StateError || e.State == mcp.StateClosed {
				clear(m.flights)
				clear(m.listens)
			}
		case mcp.KindError, mcp.KindInfo:
			// A request that ended without an answer (lost, timed out,
			// cancelled: an error; a detection probe the server did not
			// answer, such as server/discover or initialize against a
			// legacy HTTP+SSE server: a "probe:" note) names its id and
			// method: it is no longer in flight.
			if e.ID != "" && (e.Kind == mcp.KindError || e.ReqMethod != "") {
				delete(m.flights, e.ID)
				delete(m.listens, e.ID)
			}
		case mcp.KindMessage:
			m.applyMessage(e, &relist, &cmds)
		case mcp.KindStderr:
			m.addServerLog(e)
		}
	}
	if m.canAct() {
		for k, yes := range relist {
			if yes {
				cmds = append(cmds, m.listAll(listKind(k)))
			}
		}
	}
	if len(m.flights) > 0 {
		cmds = append(cmds, m.tick())
	}
	return tea.Batch(cmds...)
}

// rewind forgets every event seen so far, keeping the user's view
// settings (filter, keepalive toggle, selected list).
func (m *Model) rewind() {
	old := m.log
	m.log = newEventLog(old.window)
	m.log.maxBytes = old.maxBytes
	m.log.q, m.log.hideKeepalive, m.log.follow = old.q, old.hideKeepalive, true
	m.log.filtering, m.log.input = old.filtering, old.input
	tab, filter, filtering, input := m.br.tab, m.br.filter, m.br.filtering, m.br.input
	m.br = newBrowser()
	m.br.tab, m.br.filter, m.br.filtering, m.br.input = tab, filter, filtering, input
	if m.work.mode != workForm {
		m.work = newWorkPane()
	}
	clear(m.flights)
	clear(m.listens)
	clear(m.reqInfo)
	m.reqOrder = nil
	m.srvLog = newSrvLog()
	was := m.wf
	m.wfs, m.wf = newTimelines(), nil
	m.wfs.setOrigin(m.opts.ReplayStart)
	m.showTimeline()
	m.wf.window, m.wf.lanes = was.window, was.lanes
	m.tasks, m.taskList = nil, scroller{follow: true}
	m.state, m.attempt, m.info, m.server = "", 0, nil, serverIdent{}
	m.detect = nil
	m.lastIn, m.kaIn, m.kaOut, m.pingRTT, m.reconnects = time.Time{}, 0, 0, 0, 0
	if !m.live {
		m.now = time.Time{} // the replay's clock restarts from the events
	}
	m.layout()
}

func (m *Model) applyMessage(e *mcp.Event, relist *[numLists]bool, cmds *[]tea.Cmd) {
	m.taskEvent(e)
	switch {
	case e.Dir == mcp.DirOut && e.RPC == mcp.RPCRequest:
		var r struct {
			Params struct {
				Cursor *string `json:"cursor"`
				TaskID string  `json:"taskId"`
				Meta   struct {
					Token json.RawMessage `json:"progressToken"`
				} `json:"_meta"`
			} `json:"params"`
		}
		json.Unmarshal(e.Raw, &r)
		m.rememberReq(e.ID, reqInfo{method: e.Method, hasCursor: r.Params.Cursor != nil, taskID: r.Params.TaskID})
		if e.Method == "subscriptions/listen" {
			// a long-lived stream, not a request waiting for its answer
			m.listens[e.ID] = true
		} else if e.Method != "ping" {
			f := &flight{id: e.ID, method: e.Method, subject: termsafe.Line(requestSubject(e.Raw)), start: e.Time, token: strings.TrimSpace(string(r.Params.Meta.Token))}
			m.flights[e.ID] = f
			m.bindCall(f)
		}
	case e.Dir == mcp.DirOut && e.RPC == mcp.RPCNotification && e.Method == "notifications/cancelled":
		// A cancelled request is never answered: it is no longer in flight.
		var n struct {
			Params struct {
				RequestID json.RawMessage `json:"requestId"`
			} `json:"params"`
		}
		if json.Unmarshal(e.Raw, &n) == nil {
			delete(m.flights, strings.TrimSpace(string(n.Params.RequestID)))
		}
	case e.Dir == mcp.DirIn && (e.RPC == mcp.RPCResponse || e.RPC == mcp.RPCErrorResponse):
		delete(m.flights, e.ID)
		delete(m.listens, e.ID)
		if e.RPC == mcp.RPCResponse {
			if k, ok := listForMethod(e.ReqMethod); ok {
				m.applyListPage(k, e)
			}
		}
	case e.Dir == mcp.DirIn && e.RPC == mcp.RPCNotification:
		switch e.Method {
		case "notifications/progress":
			var n struct {
				Params struct {
					Token    json.RawMessage `json:"progressToken"`
					Progress float64         `json:"progress"`
					Total    float64         `json:"total"`
					Message  string          `json:"message"`
				} `json:"params"`
			}
			if json.Unmarshal(e.Raw, &n) != nil {
				return
			}
			tok := strings.TrimSpace(string(n.Params.Token))
			for _, f := range m.flights {
				if f.token != "" && f.token == tok {
					f.progress, f.total, f.message, f.hasProg = n.Params.Progress, n.Params.Total, termsafe.Line(n.Params.Message), true
				}
			}
			m.taskProgress(tok, n.Params.Progress, n.Params.Total, termsafe.Line(n.Params.Message))
		case "notifications/message":
			m.addServerLog(e)
		case "notifications/resources/updated":
			var n struct {
				Params struct {
					URI string `json:"uri"`
				} `json:"params"`
			}
			if json.Unmarshal(e.Raw, &n) == nil && n.Params.URI != "" {
				*cmds = append(*cmds, m.resourceUpdated(n.Params.URI, e.Time))
			}
		case "notifications/tools/list_changed":
			relist[listTools] = true
		case "notifications/resources/list_changed":
			relist[listResources], relist[listTemplates] = true, true
		case "notifications/prompts/list_changed":
			relist[listPrompts] = true
		case "notifications/elicitation/complete":
			var n struct {
				Params struct {
					ID string `json:"elicitationId"`
				} `json:"params"`
			}
			if json.Unmarshal(e.Raw, &n) == nil {
				m.elicitationComplete(n.Params.ID)
			}
		}
	}
}

func (m *Model) rememberReq(id string, ri reqInfo) {
	if id == "" {
		return
	}
	if _, ok := m.reqInfo[id]; !ok {
		m.reqOrder = append(m.reqOrder, id)
	}
	m.reqInfo[id] = ri
	if len(m.reqOrder) > maxReqInfo {
		delete(m.reqInfo, m.reqOrder[0])
		m.reqOrder = m.reqOrder[1:]
	}
}

// applyListPage puts one page of a list response into the browser: the
// first page (no cursor in the request) replaces the list, later pages add
// to it.
func (m *Model) applyListPage(k listKind, e *mcp.Event) {
	var msg struct {
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(e.Raw, &msg) != nil {
		return
	}
	items, _ := decodeItems(k, msg.Result)
	ri := m.reqInfo[e.ID]
	if ri.hasCursor {
		items = append(append([]*item(nil), m.br.lists[k]...), items...)
	}
	m.br.setItems(k, items)
	// keep an open form/info pointing at the fresh item
	if m.work.target != nil && m.work.target.kind == k {
		for _, it := range items {
			if it.name == m.work.target.name && it.uri == m.work.target.uri {
				m.work.target = it
			}
		}
	}
	m.showSelected()
}

// bindCall ties a request seen on the wire to the user's call that made
// it, so it can be cancelled by id.
func (m *Model) bindCall(f *flight) {
	for _, c := range m.calls {
		if c.rpcID == "" && !c.done && c.method == f.method {
			c.rpcID = f.id
			return
		}
	}
}

func parseServer(raw json.RawMessage) serverIdent {
	var impl mcp.Implementation
	json.Unmarshal(raw, &impl)
	return serverIdent{name: termsafe.Line(impl.Name), version: termsafe.Line(impl.Version), title: termsafe.Line(impl.Title)}
}

func (m *Model) applyCapabilities(raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	var caps map[string]json.RawMessage
	if json.Unmarshal(raw, &caps) != nil {
		return
	}
	_, tools := caps["tools"]
	_, res := caps["resources"]
	_, prompts := caps["prompts"]
	m.br.supported = [numLists]bool{tools, res, res, prompts}
}

// ---- talking to the server ----

// uiCapabilities are what the UI's handler answers: roots (the roots
// dialog; edits notify), sampling with tools (the sampling dialog; a
// tool_use reply is written as JSON) and elicitation in form and URL mode.
var uiCapabilities = json.RawMessage(`{"roots":{"listChanged":true},"sampling":{"tools":{}},"elicitation":{"form":{},"url":{}}}`)

// dial connects in a command; events flow while it runs.
func (m *Model) dial() tea.Cmd {
	if !m.live || m.dialing {
		return nil
	}
	m.gen++
	gen := m.gen
	m.dialing = true
	m.connErr = nil
	cfg := m.opts.Config
	cfg.OnEvent = m.feed.push
	cfg.Handler = m.feed.handle
	cfg.Listen = true // list_changed (and subscriptions) in the 2026-07-28 era
	cfg.Tasks = true  // the UI follows tasks (the 2026 tasks extension)
	if len(cfg.Capabilities) == 0 {
		cfg.Capabilities = uiCapabilities
	}
	ctx, onConnect := m.ctx, m.opts.OnConnect
	return func() tea.Msg {
		if onConnect != nil {
			onConnect(cfg) // before the first event of the session
		}
		sess, err := mcp.Dial(ctx, cfg)
		if err != nil {
			return connectedMsg{gen: gen, err: err}
		}
		return connectedMsg{gen: gen, sess: sess}
	}
}

func (m *Model) connected(msg connectedMsg) tea.Cmd {
	if msg.gen != m.gen {
		if msg.sess != nil {
			go msg.sess.Close()
		}
		return nil
	}
	m.dialing = false
	if msg.err != nil {
		m.connErr = msg.err
		m.setFlash(describeErr(msg.err)+" (R retries)", true)
		return nil
	}
	m.sess = msg.sess
	return tea.Batch(m.refreshAll(), m.restoreLogLevel(msg.sess), m.resubscribe())
}

// restoreLogLevel asks a new session for the log level the user picked
// before (a new legacy session starts at the server's default). In the
// 2026-07-28 era a server sends log messages only to requests that carry a
// level, so sonde asks for info until the user picks one: costless (it
// rides in _meta) and the only way to see any log at all.
func (m *Model) restoreLogLevel(sess Backend) tea.Cmd {
	level := m.srvLog.asked
	if level == "" {
		if e, ok := sess.(interface{ Era() string }); !ok || e.Era() != "modern" {
			return nil
		}
		level = "info"
		if m.srvLog.minLevel > levelIndex(level) {
			level = logLevels[m.srvLog.minLevel]
		}
	}
	return m.askLogLevel(level)
}

// reconnect closes the session (if any) and dials again.
func (m *Model) reconnect() tea.Cmd {
	if !m.live {
		return m.needServer()
	}
	if old := m.sess; old != nil {
		m.sess = nil
		go old.Close()
	}
	m.dialing = false
	m.setFlash("reconnecting…", false)
	return m.dial()
}

// refreshAll lists everything the server offers.
func (m *Model) refreshAll() tea.Cmd {
	if !m.canAct() {
		return m.needServer()
	}
	var cmds []tea.Cmd
	for k := listKind(0); k < numLists; k++ {
		if m.br.supported[k] {
			cmds = append(cmds, m.listAll(k))
		} else {
			m.br.loaded[k] = true
			m.br.lists[k] = nil
		}
	}
	return tea.Batch(cmds...)
}

// listAll fetches every page of a list; the pages land in the browser
// through the events.
func (m *Model) listAll(k listKind) tea.Cmd {
	if m.br.loading[k] {
		return nil
	}
	m.br.loading[k] = true
	sess, ctx := m.sess, m.ctx
	return func() tea.Msg {
		cursor := ""
		for page := 0; page < 1000; page++ {
			var params any
			if cursor != "" {
				params = map[string]string{"cursor": cursor}
			}
			raw, err := sess.Call(ctx, k.method(), params)
			if err != nil {
				return listDoneMsg{kind: k, err: err}
			}
			_, next := decodeItems(k, raw)
			if next == "" || next == cursor {
				break
			}
			cursor = next
		}
		return listDoneMsg{kind: k}
	}
}

// startCall sends a request for the user and shows its progress in the
// work pane.
func (m *Model) startCall(method, subject string, it *item, params any) tea.Cmd {
	return m.startCallAs(method, subject, it, params, false)
}

// startCallAs is startCall; asTask asks for a task-augmented call
// (2025-11-25 params.task).
func (m *Model) startCallAs(method, subject string, it *item, params any, asTask bool) tea.Cmd {
	if !m.canAct() {
		return m.needServer()
	}
	var opts []mcp.CallOption
	if asTask {
		opts = append(opts, mcp.WithTask(0))
	}
	raw, _ := json.Marshal(params)
	ctx, cancel := context.WithCancel(m.ctx)
	m.callSeq++
	c := &call{n: m.callSeq, method: method, subject: termsafe.Line(subject), item: it, params: raw, start: time.Now(), cancel: cancel, asTask: asTask}
	m.calls = append(m.calls, c)
	m.work.waitFor(c)
	sess := m.sess
	return tea.Batch(func() tea.Msg {
		defer cancel()
		start := time.Now()
		res, err := sess.Call(ctx, method, json.RawMessage(raw), append(opts, mcp.WithProgress(func(mcp.Progress) {}))...)
		return callDoneMsg{call: c, result: res, err: err, took: time.Since(start)}
	}, m.tick())
}

func (m *Model) callDone(msg callDoneMsg) tea.Cmd {
	c := msg.call
	c.done = true
	if msg.err != nil && c.rpcID != "" {
		// failed without an answer (HTTP error, timeout, cancel)
		delete(m.flights, c.rpcID)
	}
	for i, x := range m.calls {
		if x == c {
			m.calls = append(m.calls[:i], m.calls[i+1:]...)
			break
		}
	}
	if msg.err == nil && c.method == "tools/call" {
		if h, ok := mcp.TaskOf(msg.result); ok {
			m.setFlash(fmt.Sprintf("%s became task %s (%s); following it · t lists the tasks", c.subject, shortID(h.ID), termsafe.Line(h.Status)), false)
			return m.followTask(c, h)
		}
	}
	var out json.RawMessage
	if c.item != nil && c.method == "tools/call" {
		out = c.item.outputSchema
	}
	err := msg.err
	if err == context.Canceled {
		err = errCancelled
	}
	r := newResult(c.method, c.subject, msg.result, err, msg.took, out)
	r.call = c
	if c.method == "resources/read" {
		var p struct {
			URI string `json:"uri"`
		}
		json.Unmarshal(c.params, &p)
		r.uri = p.URI
	}
	if m.work.active == c {
		m.work.showResult(r)
	}
	if m.offerURLElicitations(c, err) {
		m.setFlash(c.subject+": the server needs you to open a URL first (-32042)", true)
		return nil
	}
	switch {
	case err != nil:
		m.setFlash(c.method+" "+c.subject+": "+describeErr(err), true)
	case r.isError:
		m.setFlash(c.subject+" returned isError", true)
	default:
		m.setFlash(c.method+" "+c.subject+" ✓ "+msg.took.Round(time.Millisecond).String(), false)
	}
	return nil
}

type cancelledError struct{}

func (cancelledError) Error() string {
	return "cancelled by you (sonde sent notifications/cancelled)"
}

var errCancelled error = cancelledError{}
