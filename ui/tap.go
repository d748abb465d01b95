package ui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/themes"
)

// The UI of sonde tap (issue 13 item 1): each client's session the tap
// sees is a screen of its own, the same root model that shows sonde's own
// sessions, fed by the tap instead of a connection of its own (it cannot
// act: the client talks to the server). A bar on top lists the sessions
// and switches between them.

// Tap is the tea.Model of sonde tap's UI: the tapped sessions' screens,
// one shown at a time.
type Tap struct {
	ctx   context.Context
	opts  Options
	where string // what clients connect to, shown while none has
	keys  TapKeyMap

	mu      sync.Mutex
	pending []*tapScreen // sessions begun, not yet seen by Update
	wake    chan struct{}

	screens       []*tapScreen
	active        int
	width, height int
	bg            tea.Msg  // the last BackgroundColorMsg, for screens that come later
	tabs          []tapTab // where the bar drew each session, for clicks
	st            *Styles  // the bar's styles, until a screen has its own
}

// tapTab is the cells of the bar a session's label took.
type tapTab struct{ from, to, i int }

// tapScreen is one tapped session's screen.
type tapScreen struct {
	n      int
	client string
	m      *Model
}

// name is what the bar calls the session: the client's name from its
// handshake once there was one, else the tap's (its address and
// User-Agent); closed reports a session that ended.
func (s *tapScreen) name() (name string, closed bool) {
	defer s.m.conn.lockState()()
	if i := s.m.s.Conn.Info; i != nil {
		if c := termsafe.Line(mcp.ServerName(i.Client)); c != "" {
			return c, s.m.conn.closed
		}
	}
	return termsafe.Line(s.client), s.m.conn.closed
}

// TapKeyMap is the keys of the session bar.
type TapKeyMap struct {
	Next, Prev key.Binding
	// Quit ends the tap while no client has connected (no screen has
	// the keys yet).
	Quit key.Binding
}

// DefaultTapKeyMap returns the session bar's keys (ctrl: the screens'
// own keys and text fields keep every other key).
func DefaultTapKeyMap() TapKeyMap {
	return TapKeyMap{
		Next: key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "next tapped session")),
		Prev: key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "previous tapped session")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// tapHelp is the session bar's group of a tapped screen's full help (the
// Tap takes those keys before the screen).
func tapHelp(tapped bool) helpGroup {
	k := DefaultTapKeyMap()
	return helpGroup{title: "Tapped sessions (the bar on top)", keys: []key.Binding{k.Next, k.Prev}, off: !tapped}
}

// NewTap returns the UI of a tap whose clients connect to where. opts
// are the screens' options (theme, log window, Config.Faults for the
// faults pane, Config.Command for a stdio server).
func NewTap(ctx context.Context, opts Options, where string) *Tap {
	th, err := themes.Resolve(opts.Theme)
	if err != nil {
		th, _ = themes.Get("")
	}
	return &Tap{ctx: ctx, opts: opts, where: where, keys: DefaultTapKeyMap(), wake: make(chan struct{}, 1),
		width: 80, height: 24, st: NewStyles(th, true)}
}

// Session makes the screen of a session the tap began (number n, client
// as the tap names it) and returns where its events go (push: quick,
// never waits for the screen) and what ends it. tee, if set, gets every
// event too (the recorder). Safe to call from any goroutine.
func (t *Tap) Session(n int, client string, tee func(mcp.Event)) (push func(mcp.Event), end func()) {
	m := New(t.ctx, t.opts, nil)
	m.conn.tapped = true
	m.keys.disableLive()
	m.panes.log.DisableLive()
	m.panes.tasks.DisableLive()
	m.panes.auth.DisableLive()
	m.conn.feed = newFeed(m.s, t.opts.LogWindow, tee)
	s := &tapScreen{n: n, client: client, m: m}
	t.mu.Lock()
	t.pending = append(t.pending, s)
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
	f := m.conn.feed
	return f.Push, f.End
}

// Run runs the tap's UI until the user quits.
func (t *Tap) Run() error {
	popts := append([]tea.ProgramOption{tea.WithContext(t.ctx)}, t.opts.ProgramOptions...)
	_, err := tea.NewProgram(t, popts...).Run()
	for _, s := range t.screens {
		s.m.conn.feed.close()
	}
	if errors.Is(err, tea.ErrProgramKilled) && t.ctx.Err() != nil {
		return nil
	}
	return err
}

// tapSessionsMsg says sessions began.
type tapSessionsMsg struct{}

// tapMsg is a message for screen i: what one of its commands returned.
type tapMsg struct {
	i   int
	msg tea.Msg
}

// waitSessions waits for the next session to begin.
func (t *Tap) waitSessions() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-t.wake:
			return tapSessionsMsg{}
		case <-t.ctx.Done():
			return nil
		}
	}
}

// Init implements [tea.Model].
func (t *Tap) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, t.waitSessions())
}

// Update implements [tea.Model].
func (t *Tap) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tapSessionsMsg:
		return t, tea.Batch(t.takeSessions(), t.waitSessions())
	case tapMsg:
		return t, t.to(msg.i, msg.msg)
	case tea.WindowSizeMsg:
		t.width, t.height = msg.Width, msg.Height
		var cmds []tea.Cmd
		for i := range t.screens {
			cmds = append(cmds, t.to(i, t.screenSize()))
		}
		return t, tea.Batch(cmds...)
	case tea.BackgroundColorMsg:
		t.bg = msg
		th, _ := themes.Resolve(t.opts.Theme)
		t.st = NewStyles(th, msg.IsDark())
		var cmds []tea.Cmd
		for i := range t.screens {
			cmds = append(cmds, t.to(i, msg))
		}
		return t, tea.Batch(cmds...)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, t.keys.Next) && len(t.screens) > 0:
			t.active = (t.active + 1) % len(t.screens)
			return t, nil
		case key.Matches(msg, t.keys.Prev) && len(t.screens) > 0:
			t.active = (t.active + len(t.screens) - 1) % len(t.screens)
			return t, nil
		}
		if len(t.screens) == 0 {
			if key.Matches(msg, t.keys.Quit) {
				return t, tea.Quit
			}
			return t, nil
		}
	case tea.MouseClickMsg:
		if msg.Y == 0 { // a session's label in the bar shows it
			for _, tab := range t.tabs {
				if msg.X >= tab.from && msg.X < tab.to {
					t.active = tab.i
				}
			}
			return t, nil
		}
		return t, t.mouse(msg.Y, func(y int) tea.Msg { m := msg; m.Y = y; return m })
	case tea.MouseReleaseMsg:
		return t, t.mouse(msg.Y, func(y int) tea.Msg { m := msg; m.Y = y; return m })
	case tea.MouseWheelMsg:
		return t, t.mouse(msg.Y, func(y int) tea.Msg { m := msg; m.Y = y; return m })
	case tea.MouseMotionMsg:
		return t, t.mouse(msg.Y, func(y int) tea.Msg { m := msg; m.Y = y; return m })
	}
	if len(t.screens) == 0 {
		return t, nil
	}
	// keys, pastes and whatever else is the shown screen's
	return t, t.to(t.active, msg)
}

// mouse passes a mouse event to the shown screen, in its coordinates
// (the bar is the first row).
func (t *Tap) mouse(y int, at func(y int) tea.Msg) tea.Cmd {
	if len(t.screens) == 0 || y < 1 {
		return nil
	}
	return t.to(t.active, at(y-1))
}

// screenSize is the size a screen is drawn at: all but the bar's row.
func (t *Tap) screenSize() tea.WindowSizeMsg {
	return tea.WindowSizeMsg{Width: t.width, Height: max(1, t.height-1)}
}

// takeSessions adds the sessions begun since the last time: a screen
// each, started as a program would start it. The first one is shown.
func (t *Tap) takeSessions() tea.Cmd {
	t.mu.Lock()
	ss := t.pending
	t.pending = nil
	t.mu.Unlock()
	var cmds []tea.Cmd
	for _, s := range ss {
		t.screens = append(t.screens, s)
		i := len(t.screens) - 1
		// the tap's events reach the state before Init, which takes the
		// state's lock as Update does
		cmds = append(cmds, t.wrap(i, s.m.Init()), t.to(i, t.screenSize()))
		if t.bg != nil {
			cmds = append(cmds, t.to(i, t.bg))
		}
	}
	return tea.Batch(cmds...)
}

// to hands msg to screen i and tags what its commands return with i.
func (t *Tap) to(i int, msg tea.Msg) tea.Cmd {
	if i < 0 || i >= len(t.screens) {
		return nil
	}
	_, cmd := t.screens[i].m.Update(msg)
	return t.wrap(i, cmd)
}

// teaPackage is Bubble Tea's import path: its messages (quit, the
// clipboard, the terminal's answers) are the program's, not a screen's.
var teaPackage = reflect.TypeOf(tea.QuitMsg{}).PkgPath()

// wrap makes cmd's message come back tagged with screen i, so a screen
// that is not shown still gets its own commands' answers (its feed's
// takes, its ticks). Batches are wrapped command by command.
func (t *Tap) wrap(i int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		switch m := msg.(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			out := make(tea.BatchMsg, len(m))
			for j, c := range m {
				out[j] = t.wrap(i, c)
			}
			return out
		}
		if reflect.TypeOf(msg).PkgPath() == teaPackage {
			return msg
		}
		return tapMsg{i: i, msg: msg}
	}
}

// View implements [tea.Model].
func (t *Tap) View() tea.View {
	if len(t.screens) == 0 {
		v := tea.NewView(t.waiting())
		v.AltScreen = true
		v.WindowTitle = "sonde tap"
		return v
	}
	m := t.screens[t.active].m
	v := m.View()
	v.Content = t.bar(m.look.st) + "\n" + v.Content
	v.WindowTitle = "sonde tap — " + v.WindowTitle
	return v
}

// waiting is the screen before any client came.
func (t *Tap) waiting() string {
	st := t.st
	W, H := max(20, t.width), max(3, t.height)
	lines := []string{
		" " + st.Accent.Render("sonde tap") + st.Muted.Render(" │ ") + st.Warn.Render("◌ waiting for a client"),
		"",
		"   " + st.Text.Render("point the client at ") + st.Accent2.Render(termsafe.Line(t.where)),
		"   " + st.Muted.Render("each client's session shows here as it begins, as sonde shows its own;"),
		"   " + st.Muted.Render("every session is recorded (sonde replay)"),
	}
	for len(lines) < H-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:H-1], " "+st.Key.Render("q")+" "+st.KeyDesc.Render("quit"))
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, W, "…")
	}
	return strings.Join(lines, "\n")
}

// bar is the row above the screen: every tapped session, the shown one
// marked, and the keys that switch.
func (t *Tap) bar(st *Styles) string {
	W := max(20, t.width)
	parts := make([]string, len(t.screens))
	for i, s := range t.screens {
		name, closed := s.name()
		mark := st.OK.Render("●")
		if closed {
			mark = st.Muted.Render("○")
		}
		label := ansi.Truncate(fmt.Sprintf("%d %s", s.n, name), 32, "…")
		if i == t.active {
			parts[i] = mark + " " + st.TabActive.Render(label)
		} else {
			parts[i] = mark + " " + st.Tab.Render(label)
		}
	}
	keys := ""
	if len(t.screens) > 1 {
		keys = "  " + st.Key.Render("ctrl+n/ctrl+p") + " " + st.KeyDesc.Render("switch")
	}
	head := " " + st.Warn.Render("tapped") + st.Muted.Render(fmt.Sprintf(" %d/%d │ ", t.active+1, len(t.screens)))
	room := W - ansi.StringWidth(head) - ansi.StringWidth(keys)
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	if ansi.StringWidth(strings.Join(parts, "  ")) > room {
		// the shown one first when they do not all fit
		order = append(order[t.active:], order[:t.active]...)
	}
	var body []string
	t.tabs = t.tabs[:0]
	x := ansi.StringWidth(head)
	for _, i := range order {
		w := ansi.StringWidth(parts[i])
		t.tabs = append(t.tabs, tapTab{from: x, to: min(x+w, ansi.StringWidth(head)+room), i: i})
		body = append(body, parts[i])
		x += w + 2
	}
	return ansi.Truncate(head+ansi.Truncate(strings.Join(body, "  "), max(0, room), "…")+keys, W, "…")
}
