package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/themes"
)

// pane is a focusable area; focus determines where keys go.
type pane int

const (
	paneBrowser pane = iota
	paneWork
	paneLog
	numPanes
)

// Model is the root (and only) tea.Model. Panes are plain structs driven
// by it; dialogs are an overlay stack on top.
type Model struct {
	opts  Options
	ctx   context.Context
	keys  KeyMap
	st    *Styles
	theme themes.Theme
	// themeLocked: NO_COLOR is set, the theme cannot be cycled to a colour one.
	themeLocked bool
	isDark      bool
	hl          *highlighter

	width, height int
	focus         pane
	zoom          bool

	// connection
	live    bool  // a live session can be (re)dialled
	feed    *feed // live only
	events  <-chan mcp.Event
	reqs    <-chan serverRequestMsg
	sess    Backend
	dialing bool
	gen     int
	connErr error
	closed  bool // event stream ended

	detect     []detectNote // info events since the last connection attempt
	state      mcp.State
	attempt    int
	info       *mcp.ConnInfo
	server     serverIdent
	lastIn     time.Time
	kaIn       int
	kaOut      int
	pingRTT    time.Duration
	reconnects int
	now        time.Time
	ticking    bool

	log     *eventLog
	logView logView // what the log pane shows
	srvLog  *srvLog
	wf      *waterfall // the timeline view shown: one of wfs
	wfs     timelines
	br      *browser
	work    *workPane

	tasks    []*taskEntry
	taskList scroller

	comp completer // completions for the work pane's form

	// in flight, from the events (works in replay too)
	flights  map[string]*flight
	listens  map[string]bool    // open subscriptions/listen streams (2026-07-28)
	reqInfo  map[string]reqInfo // out request id → what it asked (bounded)
	reqOrder []string

	calls    []*call // calls the user made that have not returned
	callSeq  int
	lastArgs map[string]json.RawMessage
	// savedArgs are the arguments remembered from earlier sessions, per
	// server (live sessions only).
	savedArgs map[string]map[string]json.RawMessage

	dialogs []dialog
	hidden  []dialog // server-request dialogs the user put aside (F2)
	picker  *picker
	recs    *recPicker // the recordings picker (sonde replay with no FILE)
	// replayFile is the recording the recordings picker opened (closed
	// when the UI ends).
	replayFile *openedReplay

	// server requests
	roots       []rootEntry
	rootsEnv    rootsEnv
	rootsAsked  int
	rootMissing map[string]bool
	elicitDone  map[string]bool // elicitation ids the server said are complete

	// resource subscriptions
	subs         map[string]bool // exact URIs subscribed to
	subUpdates   map[string]int  // notifications/resources/updated per URI
	subUpdatedAt map[string]time.Time
	rereading    map[string]int // 1: a re-read in flight; 2: and another one due
	// opener opens a URL in a browser (nil: the system's opener; tests
	// replace it).
	opener func(url string) error
	// consentGuard: keys that open a URL are ignored this long after its
	// dialog appears (tests set 0).
	consentGuard time.Duration

	flash    string
	flashErr bool
	flashAt  time.Time

	quitting bool
}

type serverIdent struct {
	name, version, title string
}

// flight is a request that has been sent and not answered yet, as seen in
// the events.
type flight struct {
	id       string
	method   string
	subject  string
	token    string
	start    time.Time
	progress float64
	total    float64
	message  string
	hasProg  bool
}

type reqInfo struct {
	method    string
	hasCursor bool
	taskID    string // tasks/*: the task asked about
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
	rpcID   string
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
	m := &Model{
		opts:        opts,
		ctx:         ctx,
		keys:        DefaultKeyMap(),
		theme:       th,
		themeLocked: themes.NoColor(),
		isDark:      true,
		hl:          newHighlighter(),
		width:       80,
		height:      24,
		events:      events,
		log:         newEventLog(opts.LogWindow),
		srvLog:      newSrvLog(),
		wfs:         newTimelines(),
		taskList:    scroller{follow: true},
		br:          newBrowser(),
		work:        newWorkPane(),
		flights:     map[string]*flight{},
		listens:     map[string]bool{},
		reqInfo:     map[string]reqInfo{},
		lastArgs:    map[string]json.RawMessage{},
		now:         time.Now(),
		focus:       paneBrowser,
	}
	m.st = NewStyles(m.theme, m.isDark)
	m.showTimeline()
	if opts.Replay != nil {
		m.startReplayView()
	}
	m.rootsEnv = newRootsEnv()
	m.consentGuard = consentGuard
	m.initRoots()
	m.layout()
	return m
}

// newLive builds a model that dials opts.Config itself.
func newLive(ctx context.Context, opts Options) *Model {
	f := newFeed(4096, opts.Tee)
	m := New(ctx, opts, f.ch)
	m.live = true
	m.feed = f
	m.reqs = f.reqs
	return m
}

// Init implements [tea.Model].
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, listen(m.events), listenRequests(m.reqs), m.tick()}
	if m.recs != nil {
		cmds = append(cmds, listRecordings(m.recs.dir))
	}
	if m.picker != nil {
		return tea.Batch(cmds...)
	}
	if m.live {
		cmds = append(cmds, m.dial())
	}
	return tea.Batch(cmds...)
}

func (m *Model) tick() tea.Cmd {
	if m.ticking {
		return nil
	}
	m.ticking = true
	d := time.Second
	if len(m.flights) > 0 || len(m.calls) > 0 || m.opts.Replay != nil {
		d = 200 * time.Millisecond
	}
	return tea.Tick(d, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update implements [tea.Model].
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.restyle()
		return nil
	case eventsMsg:
		cmd := m.applyEvents(msg)
		return tea.Batch(cmd, listen(m.events))
	case streamClosedMsg:
		m.closed = true
		return nil
	case serverRequestMsg:
		return tea.Batch(m.serverRequest(msg), listenRequests(m.reqs))
	case requestGoneMsg:
		return m.requestGone(msg)
	case rootsCheckedMsg:
		m.rootMissing = msg.missing
		return nil
	case urlOpenedMsg:
		return m.urlOpened(msg)
	case logLevelSetMsg:
		m.logLevelSet(msg)
		return nil
	case subscribedMsg:
		m.subscribed(msg)
		return nil
	case rereadMsg:
		return m.rereadDone(msg)
	case completeDueMsg:
		return m.complete(msg.seq)
	case completeMsg:
		m.completed(msg)
		return nil
	case taskDoneMsg:
		return m.taskDone(msg)
	case taskCancelMsg:
		m.taskCancelled(msg)
		return nil
	case connectedMsg:
		return m.connected(msg)
	case listDoneMsg:
		m.br.loading[msg.kind] = false
		if msg.err != nil {
			for id, f := range m.flights {
				if f.method == msg.kind.method() {
					delete(m.flights, id)
				}
			}
			m.br.errs[msg.kind] = termsafe.Line(describeErr(msg.err))
			m.br.loaded[msg.kind] = true
		}
		return nil
	case callDoneMsg:
		return m.callDone(msg)
	case tickMsg:
		m.ticking = false
		if m.live || m.picker != nil {
			m.now = time.Time(msg)
		} // a replay's clock is its events' times (set in applyEvents)
		if m.flash != "" && time.Since(m.flashAt) > 5*time.Second {
			m.flash = ""
		}
		return m.tick()
	case flashMsg:
		m.setFlash(msg.text, msg.err)
		return nil
	case pickerMsg:
		m.picker = newPicker(msg.entries, msg.errs)
		m.layout()
		return nil
	case recListMsg:
		if m.recs != nil {
			m.recs.setList(msg.list, msg.err)
		}
		return nil
	case replayOpenedMsg:
		return m.replayOpened(msg)
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		return m.handlePaste(msg)
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
	if d := m.topDialog(); d != nil {
		if f, ok := d.(interface{ forward(tea.Msg) tea.Cmd }); ok {
			return f.forward(msg)
		}
	}
	var cmds []tea.Cmd
	if m.log.filtering {
		var c tea.Cmd
		m.log.input, c = m.log.input.Update(msg)
		cmds = append(cmds, c)
	}
	if m.br.filtering {
		var c tea.Cmd
		m.br.input, c = m.br.input.Update(msg)
		cmds = append(cmds, c)
	}
	if m.work.mode == workForm && m.work.form != nil {
		cmds = append(cmds, m.work.form.Update(msg))
	}
	if m.picker != nil {
		cmds = append(cmds, m.picker.forward(msg))
	}
	if m.recs != nil {
		var c tea.Cmd
		m.recs.input, c = m.recs.input.Update(msg)
		cmds = append(cmds, c)
	}
	return tea.Batch(cmds...)
}

func (m *Model) restyle() {
	m.st = NewStyles(m.theme, m.isDark)
	if m.work.form != nil {
		m.work.form.SetStyles(m.st.Form)
	}
	for _, d := range m.dialogs {
		if r, ok := d.(interface{ restyle(*Styles) }); ok {
			r.restyle(m.st)
		}
	}
}

func (m *Model) setFlash(text string, isErr bool) {
	m.flash, m.flashErr, m.flashAt = termsafe.Line(text), isErr, time.Now()
}

// canAct reports whether actions that need the server are possible.
func (m *Model) canAct() bool { return m.sess != nil && !m.closed }

func (m *Model) needServer() tea.Cmd {
	switch {
	case !m.live:
		m.setFlash("replay: no server to talk to", true)
	case m.dialing:
		m.setFlash("still connecting…", true)
	default:
		m.setFlash("not connected (R reconnects)", true)
	}
	return nil
}

// ---- keys ----

// textFocused reports whether a text field has the keys.
func (m *Model) textFocused() bool {
	switch {
	case m.recs != nil:
		return true // the filter
	case m.picker != nil:
		return m.picker.editing()
	case m.focus == paneLog && m.log.filtering && m.logView == viewWire:
		return true
	case m.focus == paneBrowser && m.br.filtering:
		return true
	case m.focus == paneWork && m.work.mode == workForm && m.work.form != nil:
		return true // the form owns all keys but esc and ctrl-bindings it does not use
	}
	return false
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Global.ForceQuit) {
		return m.quit()
	}
	// 0. F2 puts the server's requests aside, or brings them back
	if msg.String() == "f2" && m.toggleRequests() {
		return nil
	}
	// 1. dialogs
	if d := m.topDialog(); d != nil {
		return d.update(m, msg)
	}
	// 2. the recordings picker, the server picker
	if m.recs != nil {
		return m.recKey(msg)
	}
	if m.picker != nil {
		return m.pickerKey(msg)
	}
	// 3. a focused text field takes keys before the globals (F1 still
	// opens the help)
	if m.textFocused() {
		if msg.String() == "f1" {
			m.pushDialog(newHelpDialog(m))
			return nil
		}
		return m.textKey(msg)
	}
	// 4. replay transport keys, then the globals
	if ok, cmd := m.replayKey(msg); ok {
		return cmd
	}
	switch {
	case key.Matches(msg, k.Global.Quit):
		return m.quit()
	case key.Matches(msg, k.Global.Help):
		m.pushDialog(newHelpDialog(m))
		return nil
	case key.Matches(msg, k.Global.NextPane):
		return m.setFocus((m.focus + 1) % numPanes)
	case key.Matches(msg, k.Global.PrevPane):
		return m.setFocus((m.focus + numPanes - 1) % numPanes)
	case key.Matches(msg, k.Global.Zoom):
		m.zoom = !m.zoom
		m.layout()
		return nil
	case key.Matches(msg, k.Global.Theme):
		m.cycleTheme()
		return nil
	case key.Matches(msg, k.Global.Reconnect):
		return m.reconnect()
	case key.Matches(msg, k.Global.Servers) && m.live:
		return m.openPicker()
	case key.Matches(msg, k.Global.ServerLog):
		return m.toggleLogView(viewServerLog)
	case key.Matches(msg, k.Global.Tasks):
		return m.toggleLogView(viewTasks)
	case key.Matches(msg, k.Global.Timeline):
		return m.toggleLogView(viewTimeline)
	case key.Matches(msg, k.Global.LogLevel):
		m.pushDialog(newLevelDialog(m))
		return nil
	case key.Matches(msg, k.Global.Conn):
		m.pushDialog(&connDialog{})
		return nil
	case key.Matches(msg, k.Global.Roots):
		m.pushDialog(newRootsDialog(m))
		return m.checkRoots()
	}
	// 5. the focused pane
	switch m.focus {
	case paneBrowser:
		return m.browserKey(msg)
	case paneWork:
		return m.workKey(msg)
	case paneLog:
		return m.logKey(msg)
	}
	return nil
}

// textKey handles keys while a text field is focused: the field gets
// everything except the keys that leave it.
func (m *Model) textKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.focus == paneLog && m.log.filtering:
		switch msg.String() {
		case "esc":
			m.log.filtering = false
			m.log.input.Blur()
			m.log.input.SetValue("")
			m.log.setQuery("")
			m.layout()
			return nil
		case "enter", "tab", "down":
			m.log.filtering = false
			m.log.input.Blur()
			m.layout()
			return nil
		}
		var c tea.Cmd
		m.log.input, c = m.log.input.Update(msg)
		m.log.setQuery(m.log.input.Value())
		return c
	case m.focus == paneBrowser && m.br.filtering:
		switch msg.String() {
		case "esc":
			m.br.filtering = false
			m.br.input.Blur()
			m.br.input.SetValue("")
			m.br.setFilter("")
			return nil
		case "enter":
			m.br.filtering = false
			m.br.input.Blur()
			return m.openSelected()
		case "tab", "down", "up":
			m.br.filtering = false
			m.br.input.Blur()
			if msg.String() == "up" {
				m.br.move(-1)
			} else if msg.String() == "down" {
				m.br.move(1)
			}
			m.showSelected()
			return nil
		}
		var c tea.Cmd
		m.br.input, c = m.br.input.Update(msg)
		m.br.setFilter(m.br.input.Value())
		m.showSelected()
		return c
	case m.focus == paneWork && m.work.mode == workForm:
		return m.formKey(msg)
	}
	return nil
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	if d := m.topDialog(); d != nil {
		if f, ok := d.(interface{ forward(tea.Msg) tea.Cmd }); ok {
			return f.forward(msg)
		}
		return nil
	}
	switch {
	case m.recs != nil:
		var c tea.Cmd
		m.recs.input, c = m.recs.input.Update(msg)
		m.recs.refilter()
		return c
	case m.picker != nil:
		return m.picker.forward(msg)
	case m.focus == paneLog && m.log.filtering:
		var c tea.Cmd
		m.log.input, c = m.log.input.Update(msg)
		m.log.setQuery(m.log.input.Value())
		return c
	case m.focus == paneBrowser && m.br.filtering:
		var c tea.Cmd
		m.br.input, c = m.br.input.Update(msg)
		m.br.setFilter(m.br.input.Value())
		return c
	case m.focus == paneWork && m.work.mode == workForm && m.work.form != nil:
		return tea.Batch(m.work.form.Update(msg), m.afterFormInput(false))
	}
	return nil
}

func (m *Model) setFocus(p pane) tea.Cmd {
	if m.focus == p {
		return nil
	}
	if m.focus == paneWork && m.work.form != nil {
		m.work.form.Blur()
	}
	m.focus = p
	if m.zoom {
		m.layout()
	}
	if p == paneWork && m.work.mode == workForm && m.work.form != nil {
		return m.work.form.Focus()
	}
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	for _, c := range m.calls {
		if c.cancel != nil {
			c.cancel()
		}
	}
	for _, t := range m.tasks {
		if t.stopFollow != nil {
			t.stopFollow()
		}
	}
	if m.feed != nil {
		m.feed.close()
	}
	return tea.Quit
}

func (m *Model) cycleTheme() {
	if m.themeLocked {
		m.setFlash("NO_COLOR is set: staying monochrome", false)
		return
	}
	all := themes.All()
	for i, t := range all {
		if t.Name == m.theme.Name {
			m.theme = all[(i+1)%len(all)]
			break
		}
	}
	m.restyle()
	m.setFlash("theme: "+m.theme.Name, false)
}

func (m *Model) browserKey(msg tea.KeyPressMsg) tea.Cmd {
	k, n := m.keys.Browser, m.keys.Nav
	switch {
	case key.Matches(msg, n.Up):
		m.br.move(-1)
	case key.Matches(msg, n.Down):
		m.br.move(1)
	case key.Matches(msg, n.PageUp):
		m.br.move(-m.br.page())
	case key.Matches(msg, n.PageDown):
		m.br.move(m.br.page())
	case key.Matches(msg, n.Top):
		m.br.move(-1 << 30)
	case key.Matches(msg, n.Bottom):
		m.br.move(1 << 30)
	case key.Matches(msg, k.Tabs):
		m.br.setTab(listKind(msg.String()[0] - '1'))
	case key.Matches(msg, k.PrevTab):
		m.br.setTab(m.br.tab - 1)
	case key.Matches(msg, k.NextTab):
		m.br.setTab(m.br.tab + 1)
	case key.Matches(msg, k.Filter):
		m.br.filtering = true
		m.br.input.SetValue(m.br.filter)
		m.br.input.CursorEnd()
		return m.br.input.Focus()
	case key.Matches(msg, k.ClearFil):
		m.br.setFilter("")
	case key.Matches(msg, k.Open):
		return m.openSelected()
	case key.Matches(msg, k.Refresh):
		return m.refreshAll()
	case key.Matches(msg, k.Schema):
		if it := m.br.selected(); it != nil {
			m.pushDialog(newSchemaDialog(m, it))
		}
		return nil
	default:
		return nil
	}
	m.showSelected()
	return nil
}

// showSelected shows the selected item's details in the work pane, unless
// the work pane is busy with a form or a result.
func (m *Model) showSelected() {
	if m.work.mode == workInfo || m.work.mode == workItem {
		if it := m.br.selected(); it != nil {
			m.work.showItem(it)
		}
	}
}

// toggleKeepalive hides or shows keepalive traffic in the log and the
// timeline.
func (m *Model) toggleKeepalive() {
	m.log.toggleKeepalive()
	m.showTimeline()
	if m.log.hideKeepalive {
		m.setFlash("keepalives hidden", false)
	} else {
		m.setFlash("keepalives shown", false)
	}
}

func (m *Model) logKey(msg tea.KeyPressMsg) tea.Cmd {
	k, n := m.keys.Log, m.keys.Nav
	if key.Matches(msg, k.Views) {
		return m.setLogView(logView(msg.String()[0] - '1'))
	}
	switch m.logView {
	case viewServerLog:
		return m.srvLogKey(msg)
	case viewTasks:
		return m.tasksKey(msg)
	case viewTimeline:
		return m.timelineKey(msg)
	}
	switch {
	case key.Matches(msg, n.Up):
		m.log.move(-1)
	case key.Matches(msg, n.Down):
		m.log.move(1)
	case key.Matches(msg, n.PageUp):
		m.log.move(-m.log.rows())
	case key.Matches(msg, n.PageDown):
		m.log.move(m.log.rows())
	case key.Matches(msg, n.Top):
		m.log.top()
	case key.Matches(msg, n.Bottom):
		m.log.bottom()
	case key.Matches(msg, k.Filter):
		m.log.filtering = true
		m.log.input.SetValue(m.log.q.text)
		m.log.input.CursorEnd()
		m.layout()
		return m.log.input.Focus()
	case key.Matches(msg, k.ClearFil):
		m.log.input.SetValue("")
		m.log.setQuery("")
		m.layout()
	case key.Matches(msg, k.Follow):
		m.log.setFollow(!m.log.follow)
		if m.log.follow {
			m.setFlash("follow on", false)
		} else {
			m.setFlash("follow off", false)
		}
	case key.Matches(msg, k.Keepalive):
		m.toggleKeepalive()
	case key.Matches(msg, k.Detail):
		if en := m.log.selected(); en != nil {
			m.pushDialog(newDetailDialog(m, en))
		}
	case key.Matches(msg, k.Copy):
		if en := m.log.selected(); en != nil {
			m.pushDialog(newCopyDialog(m, en))
		}
	case key.Matches(msg, k.ViewResult):
		if en := m.log.selected(); en != nil {
			return m.showEventAsResult(en)
		}
	case key.Matches(msg, k.Cancel):
		if en := m.log.selected(); en != nil {
			return m.cancelByID(en.ev.ID)
		}
	case key.Matches(msg, k.Pair):
		m.jumpToPair()
	}
	return nil
}

// jumpToPair moves the log cursor from a request to its answer or back.
func (m *Model) jumpToPair() bool {
	en := m.log.selected()
	if en == nil || en.ev.ID == "" {
		m.setFlash("not a request or an answer", true)
		return false
	}
	var other *entry
	switch {
	case en.ev.RPC == mcp.RPCRequest:
		for i := int(m.absOf(en)-m.log.base) + 1; i < len(m.log.entries); i++ {
			c := m.log.entries[i]
			if c.ev.ID == en.ev.ID && c.ev.Dir != en.ev.Dir && (c.ev.RPC == mcp.RPCResponse || c.ev.RPC == mcp.RPCErrorResponse) {
				other = c
				break
			}
		}
	case en.ev.RPC == mcp.RPCResponse || en.ev.RPC == mcp.RPCErrorResponse:
		for i := int(m.absOf(en)-m.log.base) - 1; i >= 0; i-- {
			c := m.log.entries[i]
			if c.ev.ID == en.ev.ID && c.ev.Dir != en.ev.Dir && c.ev.RPC == mcp.RPCRequest {
				other = c
				break
			}
		}
	}
	if other == nil {
		m.setFlash("its pair is not in the log", true)
		return false
	}
	return m.selectInLog(other)
}

// selectInLog moves the log cursor to en; it says so when the filter
// hides it.
func (m *Model) selectInLog(en *entry) bool {
	abs := m.absOf(en)
	i := sort.Search(len(m.log.matches), func(i int) bool { return m.log.matches[i] >= abs })
	if i < len(m.log.matches) && m.log.matches[i] == abs {
		m.log.cursor, m.log.follow = i, false
		m.log.clamp()
		return true
	}
	m.setFlash("it is hidden by the log's filter (esc in the log clears it)", true)
	return false
}

// ---- actions on the log ----

// showEventAsResult renders an answer (or the answer to a selected request)
// in the work pane, as if it had just been received: replay's way to see
// results.
func (m *Model) showEventAsResult(en *entry) tea.Cmd {
	e := &en.ev
	resp := en
	if e.RPC == mcp.RPCRequest && e.Dir == mcp.DirOut {
		resp = m.findAnswer(e.ID, en)
		if resp == nil {
			m.setFlash("no answer to this request in the log", true)
			return nil
		}
		e = &resp.ev
	}
	if e.RPC != mcp.RPCResponse && e.RPC != mcp.RPCErrorResponse {
		m.setFlash("not a request or an answer", true)
		return nil
	}
	var msg mcp.Message
	if err := json.Unmarshal(e.Raw, &msg); err != nil {
		m.setFlash("unreadable message", true)
		return nil
	}
	var err error
	if msg.Error != nil {
		err = msg.Error
	}
	subject := ""
	var out json.RawMessage
	if req := m.log.findRequest(e.ID, m.absOf(resp)); req != nil {
		subject = requestSubject(req.ev.Raw)
		if e.ReqMethod == "tools/call" {
			if it := m.findItem(listTools, subject); it != nil {
				out = it.outputSchema
			}
		}
	}
	m.work.showResult(newResult(e.ReqMethod, termsafe.Line(subject), msg.Result, err, e.Latency, out))
	return m.setFocus(paneWork)
}

func (m *Model) absOf(en *entry) uint64 {
	for i := len(m.log.entries) - 1; i >= 0; i-- {
		if m.log.entries[i] == en {
			return m.log.base + uint64(i)
		}
	}
	return m.log.base + uint64(len(m.log.entries))
}

// findAnswer finds the answer to request id after the request entry.
func (m *Model) findAnswer(id string, req *entry) *entry {
	start := int(m.absOf(req) - m.log.base)
	for i := start + 1; i < len(m.log.entries); i++ {
		en := m.log.entries[i]
		if en.ev.ID == id && en.ev.Dir == mcp.DirIn && (en.ev.RPC == mcp.RPCResponse || en.ev.RPC == mcp.RPCErrorResponse) {
			return en
		}
	}
	return nil
}

func (m *Model) findItem(k listKind, name string) *item {
	for _, it := range m.br.lists[k] {
		if it.name == name {
			return it
		}
	}
	return nil
}

// requestSubject is the tool/prompt name or the uri a request is about.
func requestSubject(raw json.RawMessage) string {
	var r struct {
		Params struct {
			Name string `json:"name"`
			URI  string `json:"uri"`
		} `json:"params"`
	}
	json.Unmarshal(raw, &r)
	if r.Params.Name != "" {
		return r.Params.Name
	}
	return r.Params.URI
}

// cancelByID cancels the user's call whose JSON-RPC id is id.
func (m *Model) cancelByID(id string) tea.Cmd {
	for _, c := range m.calls {
		if c.rpcID == id && c.cancel != nil {
			c.cancel()
			m.setFlash(fmt.Sprintf("cancelling %s (id %s)", c.method, strings.Trim(id, `"`)), false)
			return nil
		}
	}
	if _, ok := m.flights[id]; ok {
		m.setFlash("only requests made from this UI can be cancelled", true)
	} else {
		m.setFlash("that request is not in flight", true)
	}
	return nil
}
