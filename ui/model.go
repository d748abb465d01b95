package ui

import (
	"context"
	"encoding/json"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
	doctorui "github.com/sonde-mcp/sonde/ui/dialog/doctor"
	"github.com/sonde-mcp/sonde/ui/dialog/roots"
	"github.com/sonde-mcp/sonde/ui/dialog/saveas"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"github.com/sonde-mcp/sonde/ui/pane/picker"
	"github.com/sonde-mcp/sonde/ui/pane/recordings"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// pane is a focusable area; focus determines where keys go.
type pane int

const (
	paneBrowser pane = iota
	paneWork
	paneLog
	numPanes
)

// Model is the root (and only) tea.Model. It composes components (the
// panes, the dialogs on their stack) and routes messages to them; each of
// its concerns is a small type of its own, with the methods that touch
// only it: what is left here is what needs several of them (routing,
// carrying out the components' actions, drawing the frame).
type Model struct {
	opts Options
	keys KeyMap

	// s is what the events say about the server, folded (the
	// connection, requests in flight, listings, tasks, server log,
	// timeline spans): the screen draws it. With a feed, the feed applies
	// the events and guards s with its lock (held through Update and
	// View).
	s *session.State

	conn     connection       // the session (dialled, tapped or none), its feed, the dial (connection.go)
	look     look             // the theme, the styles and the highlighter (look.go)
	env      environment      // what tests replace: the clipboard, the URL opener, the doctor (look.go)
	screen   screenLayout     // the terminal's size, the focused pane, zoom; where the panes go (screen.go)
	panes    paneSet          // the panes and which view the bottom one shows (panes.go)
	dialogs  dialogStack      // the dialogs over the panes (dialogstack.go)
	flash    flashLine        // the status line's message (flash.go)
	calls    userCalls        // the user's calls in flight and their arguments (calls.go)
	tasks    taskFollower     // the tasks the user's calls turned into, followed to their end (tasks.go)
	raw      rawComposer      // the raw composer and what its sends left (compose.go)
	requests requestDesk      // server requests waiting for the user (requests.go)
	subs     subscriptions    // subscribing again on a new session, re-reading updated resources (subs.go)
	roots    *roots.Set       // the roots the server may see (roots.go)
	picker   *picker.Pane     // the server picker (picker.go), nil when not choosing
	recs     *recordings.Pane // the recordings picker (sonde replay with no FILE)
	opened   opened           // the recording the recordings picker opened, or serves as a mock (recordings.go)

	ticking  bool // a tick is scheduled
	quitting bool
}

type serverIdent struct {
	name, version, title string
}

// serverOf is the server's name, version and title in s, terminal-safe.
func serverOf(s *session.State) serverIdent {
	impl := s.Conn.Server
	return serverIdent{name: termsafe.Line(impl.Name), version: termsafe.Line(impl.Version), title: termsafe.Line(impl.Title)}
}

// call is a request the user made from the UI.
type call struct {
	n       int
	method  string
	subject string // display
	item    *item
	params  json.RawMessage
	start   time.Time
	cancel  context.CancelFunc
	h       *mcp.Handle // the id of its request on the wire, from mcp
	done    bool
	asTask  bool // a task-augmented call
}

// New builds the root model. events is the stream to show: a live
// session's feed (Run wires it) or recorded events (replay, with no
// session: actions that need the server are disabled).
func New(ctx context.Context, opts Options, events <-chan mcp.Event) *Model {
	th, err := themes.Resolve(opts.Theme)
	if err != nil {
		th, _ = themes.Get("")
	}
	st := session.New()
	m := &Model{
		opts:   opts,
		conn:   connection{ctx: ctx, events: events},
		keys:   DefaultKeyMap(),
		look:   look{theme: th, locked: themes.NoColor(), isDark: true, hl: newHighlighter()},
		env:    environment{clip: systemClipboard(), consentGuard: consentGuard},
		screen: screenLayout{width: 80, height: 24, focus: paneBrowser},
		s:      st,
		calls:  userCalls{lastArgs: map[string]json.RawMessage{}},
	}
	m.look.com = &common.Common{HL: m.look.hl, Now: time.Now()}
	m.look.restyle()
	m.raw.conn, m.raw.panes, m.raw.flash, m.raw.wait = &m.conn, &m.panes, &m.flash, opts.RawWait
	m.subs = subscriptions{s: m.s, conn: &m.conn, panes: &m.panes, flash: &m.flash}
	m.tasks = taskFollower{follows: map[string]*taskFollow{}, s: m.s, conn: &m.conn, panes: &m.panes, flash: &m.flash, com: m.look.com}
	m.panes = newPaneSet(m.look.com, m.s, opts.LogWindow, &m.keys.Work)
	if m.panes.faults = newFaults(m.look.com, opts.Config); m.panes.faults == nil {
		m.keys.Global.Faults.SetEnabled(false)
	}
	if events != nil {
		m.conn.feed = newFeed(m.s, opts.LogWindow, nil) // a replay: pumped in Init
	}
	if opts.Replay != nil {
		m.panes.startReplay(opts.Replay, opts.ReplayStart)
		m.keys.disableLive()
		m.look.com.Now = time.Time{} // the replay's clock is its events' times
		if !opts.ReplayStart.IsZero() {
			setOrigin(m.s, opts.ReplayStart)
		}
	}
	m.requests = requestDesk{dialogs: &m.dialogs, flash: &m.flash, newEnv: m.reqEnv, keys: &m.keys.Queue, guard: &m.env.consentGuard}
	m.roots = &roots.Set{Env: roots.NewEnv()}
	if bad := seedRoots(m.roots, opts.Roots); bad != "" {
		m.flash.set("--root: "+bad, true)
	}
	m.layout()
	return m
}

// newLive builds a model that dials opts.Config itself.
func newLive(ctx context.Context, opts Options) *Model {
	m := New(ctx, opts, nil)
	m.conn.live = true
	m.conn.feed = newFeed(m.s, opts.LogWindow, opts.Tee)
	m.conn.reqs = m.conn.feed.reqs
	m.conn.asker = newPromptAsker(ctx)
	return m
}

// Init implements [tea.Model]. It holds the state's lock, as Update and
// View do: the first dial (and a tap) can feed events into the state
// before the program starts the model.
func (m *Model) Init() tea.Cmd {
	defer m.conn.lockState()()
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.conn.listen(), listenRequests(m.conn.reqs), m.conn.asker.listen(), m.tick()}
	if !m.conn.live {
		cmds = append(cmds, pump(m.conn.events, m.conn.feed))
	}
	if m.recs != nil {
		cmds = append(cmds, listRecordings(m.recs.Dir()))
	}
	if m.picker != nil {
		return tea.Batch(cmds...)
	}
	if m.conn.early != nil {
		cmds = append(cmds, m.conn.early)
		m.conn.early = nil
	}
	if m.conn.live {
		cmds = append(cmds, m.conn.dial(&m.opts))
	}
	return tea.Batch(cmds...)
}

func (m *Model) tick() tea.Cmd {
	if m.ticking {
		return nil
	}
	m.ticking = true
	d := time.Second
	if len(m.s.Requests) > 0 || len(m.calls.inFlight) > 0 || m.opts.Replay != nil {
		d = 200 * time.Millisecond
	}
	return tea.Tick(d, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update implements [tea.Model]. It holds the state's lock: the feed
// applies events only between Updates and Views.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer m.conn.lockState()()
	cmd := m.update(msg)
	return m, cmd
}

// setOrigin sets the zero of the timelines' axis in s (a replay: the
// recording's start).
func setOrigin(s *session.State, at time.Time) {
	s.Timeline.SetOrigin(at)
	s.Quiet.SetOrigin(at)
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	cmd := m.route(msg)
	// whatever answered the request shown (a key, a rule, the server
	// withdrawing it), the next one gets the dialog
	if q := &m.requests.queue; q.Shown != nil && q.Shown.Pending().Answered() {
		return tea.Batch(cmd, m.requests.sync())
	}
	return cmd
}

func (m *Model) route(msg tea.Msg) tea.Cmd {
	m.syncWork()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.screen.width, m.screen.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.BackgroundColorMsg:
		m.look.isDark = msg.IsDark()
		m.look.restyle()
		m.panes.work.Restyle()
		return nil
	case feedMsg:
		m.conn.listening, m.conn.lastTake = false, time.Now()
		b := m.conn.feed.Take(maxBatch)
		cmd := m.took(b)
		if b.Ended {
			return cmd
		}
		return tea.Batch(cmd, m.conn.listen())
	case eventsMsg:
		return m.applyEvents(msg)
	case serverRequestsMsg:
		return tea.Batch(m.requests.take(msg, m.roots, m.conn.live, m.look.com.Now), listenRequests(m.conn.reqs))
	case serverreq.Gone:
		return m.requests.gone(msg)
	case promptMsg:
		return tea.Batch(m.dialogs.openPrompt(m.look.com, msg.p, m.env.consentGuard), m.conn.asker.listen())
	case refreshedMsg:
		m.flash.set(msg.outcome())
		return nil
	case promptEndedMsg:
		m.dialogs.closePrompt(msg.p)
		return nil
	case rootsCheckedMsg:
		m.roots.Missing = msg.missing
		return nil
	case urlOpenedMsg:
		return m.requests.urlOpened(msg)
	case logLevelSetMsg:
		if msg.err == nil {
			m.panes.srvLog.SetAsked(msg.level)
		}
		m.flash.set(msg.outcome())
		return nil
	case subscribedMsg:
		m.flash.set(msg.outcome())
		return nil
	case rereadMsg:
		return m.subs.reread(msg)
	case work.CompleteDue, work.Completed:
		return m.updatePane(m.panes.work, msg)
	case taskDoneMsg:
		m.tasks.done(msg)
		return nil
	case taskCancelMsg:
		m.flash.set(msg.outcome())
		return nil
	case connectedMsg:
		return m.connected(msg)
	case listDoneMsg:
		m.panes.br.SetLoading(msg.kind, false)
		if msg.err != nil {
			// (its request ended in the state through its events)
			m.panes.br.Failed(msg.kind, termsafe.Line(describeErr(msg.err)))
			if m.s.Offered[msg.kind].Loaded {
				m.panes.applyListing(msg.kind, m.conn.live, m.screen.focus == paneWork) // what the stream announced
			}
		}
		return nil
	case callDoneMsg:
		return m.callDone(msg)
	case tickMsg:
		m.ticking = false
		if m.conn.live || m.picker != nil || m.conn.tapped {
			m.look.com.Now = time.Time(msg)
		} // a replay's clock is its events' times (set in applyEvents)
		m.flash.expire()
		return m.tick()
	case flashMsg:
		m.flash.set(msg.text, msg.err)
		return nil
	case copiedMsg:
		text, cmd := msg.report()
		m.flash.set(text, false)
		return cmd
	case saveas.Saved:
		return m.updateDialog(msg.For(), msg) // even a cancelled prompt says the file was written
	case pickerMsg:
		m.picker = newPicker(m.look.com, m.opts.Config, msg.entries, msg.errs)
		m.layout()
		return nil
	case recListMsg:
		if m.recs != nil {
			m.recs.SetList(msg.list, msg.err)
		}
		return nil
	case replayOpenedMsg:
		return m.replayOpened(msg)
	case mockStartedMsg:
		return m.mockStarted(msg)
	case doctorui.Msg:
		// (to its checklist, wherever it is on the stack: another dialog
		// may cover it; a closed one's is dropped)
		if d := msg.For(); m.dialogs.holds(d) {
			return m.updateDialog(d, msg)
		}
		return nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		return m.handlePaste(msg)
	case rawDoneMsg:
		m.raw.done(msg)
		return nil
	case tea.MouseWheelMsg:
		m.handleWheel(msg)
		return nil
	case tea.MouseClickMsg:
		return m.handleClick(msg)
	}
	// Anything else (cursor blinks and the like) goes to whatever text
	// field is active.
	return m.forward(msg)
}

func (m *Model) forward(msg tea.Msg) tea.Cmd {
	if d := m.dialogs.top(); d != nil {
		return m.updateDialog(d, msg)
	}
	var cmds []tea.Cmd
	if m.panes.log.Filtering() {
		cmds = append(cmds, m.updatePane(m.panes.log, msg))
	}
	if m.panes.br.Typing() {
		cmds = append(cmds, m.updateBrowser(msg))
	}
	if m.panes.work.Typing() {
		cmds = append(cmds, m.updatePane(m.panes.work, msg))
	}
	if m.raw.active && m.raw.pane.Focused() {
		cmds = append(cmds, m.updatePane(m.raw.pane, msg)) // its cursor blinks
	}
	if m.picker != nil {
		cmds = append(cmds, m.updatePicker(msg))
	}
	if m.recs != nil {
		cmds = append(cmds, m.updateRecs(msg))
	}
	return tea.Batch(cmds...)
}

// ---- keys ----

// textFocused reports whether a text field has the keys.
func (m *Model) textFocused() bool {
	switch {
	case m.recs != nil:
		return true // the filter
	case m.picker != nil:
		return m.picker.Typing()
	case m.screen.focus == paneLog && m.panes.log.Filtering() && m.panes.logView == viewWire:
		return true
	case m.screen.focus == paneBrowser && m.panes.br.Typing():
		return true
	case m.screen.focus == paneWork && m.raw.active:
		return true // the composer's editor
	case m.screen.focus == paneWork && m.panes.work.Typing():
		return true // the form owns all keys but esc and ctrl-bindings it does not use
	}
	return false
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Global.ForceQuit) {
		return m.quit()
	}
	// 0. the queue of server requests: put aside, list, next, rules; a
	// request dialog that has just appeared ignores keys for a moment
	if ok, cmd := m.requests.key(msg); ok {
		return cmd
	}
	if m.requests.tooSoon() {
		return nil
	}
	// 1. dialogs
	if d := m.dialogs.top(); d != nil {
		return m.updateDialog(d, msg)
	}
	// 2. the recordings picker, the server picker
	if m.recs != nil {
		return m.updateRecs(msg)
	}
	if m.picker != nil {
		return m.updatePicker(msg)
	}
	// 3. a pane jump leaves even a text field (alt+digit types nothing)
	if key.Matches(msg, k.Global.Panes) {
		s := msg.String()
		return m.setFocus(pane(s[len(s)-1] - '1'))
	}
	// 4. a focused text field takes keys before the globals (F1 still
	// opens the help)
	if m.textFocused() {
		if key.Matches(msg, k.Filter.HelpInput) {
			m.openHelp()
			return nil
		}
		return m.textKey(msg)
	}
	// 5. replay transport keys, then the globals
	if ok, note := k.Replay.drive(msg, m.opts.Replay); ok {
		if note != "" {
			m.flash.set(note, false)
		}
		return m.tick()
	}
	switch {
	case key.Matches(msg, k.Global.Quit):
		return m.quit()
	case key.Matches(msg, k.Global.Help):
		m.openHelp()
		return nil
	case key.Matches(msg, k.Global.NextPane):
		return m.setFocus((m.screen.focus + 1) % numPanes)
	case key.Matches(msg, k.Global.PrevPane):
		return m.setFocus((m.screen.focus + numPanes - 1) % numPanes)
	case key.Matches(msg, k.Global.Zoom):
		m.screen.zoom = !m.screen.zoom
		m.layout()
		return nil
	case key.Matches(msg, k.Global.Theme):
		msg, changed := m.look.cycle()
		if changed {
			m.panes.work.Restyle()
		}
		m.flash.set(msg, false)
		return nil
	case key.Matches(msg, k.Global.Reconnect):
		return m.reconnect()
	case key.Matches(msg, k.Global.Servers) && m.conn.live:
		return discoverServers(m.opts.ConfigFile)
	case key.Matches(msg, k.Global.ServerLog):
		return m.toggleLogView(viewServerLog)
	case key.Matches(msg, k.Global.Tasks):
		return m.toggleLogView(viewTasks)
	case key.Matches(msg, k.Global.Timeline):
		return m.toggleLogView(viewTimeline)
	case key.Matches(msg, k.Global.Faults) && m.panes.faults != nil:
		return m.toggleLogView(viewFaults)
	case key.Matches(msg, k.Global.Auth):
		return m.toggleLogView(viewAuth)
	case key.Matches(msg, k.Global.LogLevel):
		m.dialogs.open(newLevelDialog(m.look.com, m.panes.srvLog.Level(), m.panes.srvLog.Asked()))
		return nil
	case key.Matches(msg, k.Global.Conn):
		m.dialogs.open(newConnDialog(m.look.com, m.opts.Config, m.s))
		return nil
	case key.Matches(msg, k.Global.Roots):
		m.openRoots()
		return checkRoots(m.roots)
	case key.Matches(msg, k.Global.Compose):
		return m.openComposer("")
	}
	// 6. the focused pane
	switch m.screen.focus {
	case paneBrowser:
		return m.updateBrowser(msg)
	case paneWork:
		return m.updatePane(m.panes.work, msg)
	case paneLog:
		if key.Matches(msg, k.Log.Views) {
			return m.setLogView(logView(msg.String()[0] - '1'))
		}
		return m.updatePane(m.panes.bottom(), msg)
	}
	return nil
}

// textKey handles keys while a text field is focused: the field gets
// everything except the keys that leave it.
func (m *Model) textKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.screen.focus == paneWork && m.raw.active:
		return m.updatePane(m.raw.pane, msg)
	case m.screen.focus == paneLog && m.panes.log.Filtering():
		return m.updatePane(m.panes.log, msg)
	case m.screen.focus == paneBrowser && m.panes.br.Typing():
		return m.updateBrowser(msg)
	case m.screen.focus == paneWork && m.panes.work.Typing():
		return m.updatePane(m.panes.work, msg)
	}
	return nil
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	if d := m.dialogs.top(); d != nil {
		return m.updateDialog(d, msg)
	}
	switch {
	case m.recs != nil:
		return m.updateRecs(msg)
	case m.picker != nil:
		return m.updatePicker(msg)
	case m.screen.focus == paneLog && m.panes.log.Filtering():
		return m.updatePane(m.panes.log, msg)
	case m.screen.focus == paneBrowser && m.panes.br.Typing():
		return m.updateBrowser(msg)
	case m.screen.focus == paneWork && m.raw.active:
		return m.updatePane(m.raw.pane, msg)
	case m.screen.focus == paneWork && m.panes.work.Typing():
		return m.updatePane(m.panes.work, msg)
	}
	return nil
}

func (m *Model) setFocus(p pane) tea.Cmd {
	if m.screen.focus == p || p < 0 || p >= numPanes {
		return nil
	}
	if m.screen.focus == paneWork {
		m.panes.work.Blur()
	}
	// a filter being typed is kept as it is when its pane loses focus
	// (coming back does not land keys in it)
	m.panes.br.Blur()
	if m.panes.log.Filtering() {
		m.panes.log.StopFiltering()
		m.layout()
	}
	m.screen.focus = p
	if m.screen.zoom {
		m.layout()
	}
	if m.raw.pane != nil && m.raw.active {
		m.raw.pane.SetFocused(p == paneWork) // the keys go back to the draft
	}
	if p == paneWork {
		return m.panes.work.Focus()
	}
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.calls.stop()
	m.tasks.stop()
	if m.conn.feed != nil {
		m.conn.feed.close()
	}
	return tea.Quit
}

// ---- actions on the log ----

// showEventAsResult renders an answer (or the answer to a selected request)
// in the work pane, as if it had just been received: replay's way to see
// results.
func (m *Model) showEventAsResult(en *entry) tea.Cmd {
	e := &en.Ev
	resp := en
	if e.RPC == mcp.RPCRequest && e.Dir == mcp.DirOut {
		resp = m.panes.log.AnswerAfter(e.ID, en)
		if resp == nil {
			m.flash.set("no answer to this request in the log", true)
			return nil
		}
		e = &resp.Ev
	}
	if e.RPC != mcp.RPCResponse && e.RPC != mcp.RPCErrorResponse {
		m.flash.set("not a request or an answer", true)
		return nil
	}
	msg := session.Decode(e)
	if msg == nil || !json.Valid(e.Raw) {
		m.flash.set("unreadable message", true)
		return nil
	}
	var err error
	if msg.Error != nil {
		err = msg.Error
	}
	subject := ""
	var out json.RawMessage
	if req := m.panes.log.RequestBefore(e.ID, resp); req != nil {
		if rm := session.Decode(&req.Ev); rm != nil {
			subject = rm.Subject()
		}
		if e.ReqMethod == "tools/call" {
			if it := m.panes.br.Find(listTools, subject); it != nil {
				out = it.OutputSchema
			}
		}
	}
	m.panes.work.ShowResult(work.NewResult(e.ReqMethod, termsafe.Line(subject), msg.Result, err, e.Latency, out))
	return m.setFocus(paneWork)
}
