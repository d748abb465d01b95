package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/termsafe"
)

// `sonde replay` with no FILE opens the recordings picker
// (Options.ReplayDir): the recorded sessions, newest first, with a fuzzy
// filter; enter opens the chosen one in the replay UI (store.Open and a
// store.Player, closed when the UI ends). Listing and opening happen in
// commands.

// NewReplayPlayer starts a player on a recording for the UI, at speed
// (store.PlayerOptions.Speed: 0 is 1x, store.Instant plays at once). Long
// idle stretches of the recording are cut to 5 s.
func NewReplayPlayer(r *store.Reader, speed float64) *store.Player {
	return store.NewPlayer(r, store.PlayerOptions{Speed: speed, MaxGap: 5 * time.Second})
}

// recPicker is the recordings picker screen.
type recPicker struct {
	dir     string
	list    []store.Summary
	loaded  bool
	err     string
	view    []int // indexes into list that pass the filter, in order
	cursor  int
	offset  int
	input   textinput.Model
	opening string   // the file being opened
	marked  []string // the files marked for a diff (two at most, in order)
	keys    recKeys
	width   int
	height  int
}

func newRecPicker(dir string) *recPicker {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "type to filter: server, date, file"
	ti.CharLimit = 200
	ti.Focus()
	return &recPicker{dir: dir, input: ti, keys: defaultRecKeys()}
}

// recKeys are the recordings picker's keys besides the filter's (every
// printable key types into the filter, so these are control keys).
type recKeys struct {
	Replay, Mock, Rerun, Mark, Diff key.Binding
	Up, Down, PageUp, PageDown      key.Binding
	Leave, Help                     key.Binding
}

func defaultRecKeys() recKeys {
	return recKeys{
		Up:       key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↓↑", "choose")),
		Down:     key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Leave:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear / quit")),
		Help:     key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "help")),
		Replay:   kb("enter", "replay"),
		Mock:     key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "mock")),
		Rerun:    key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "rerun")),
		Mark:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "mark")),
		Diff:     key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "diff")),
	}
}

// toggleMark marks the file or unmarks it; a third mark lets the oldest go.
func (p *recPicker) toggleMark(path string) {
	for i, f := range p.marked {
		if f == path {
			p.marked = append(p.marked[:i], p.marked[i+1:]...)
			return
		}
	}
	p.marked = append(p.marked, path)
	if len(p.marked) > 2 {
		p.marked = p.marked[1:]
	}
}

func (p *recPicker) isMarked(path string) bool {
	for _, f := range p.marked {
		if f == path {
			return true
		}
	}
	return false
}

// diffPair is the two recordings to compare: the two marked, or the one
// marked and the one chosen.
func (p *recPicker) diffPair() (a, b string, ok bool) {
	switch {
	case len(p.marked) == 2:
		return p.marked[0], p.marked[1], true
	case len(p.marked) == 1 && p.selected() != nil && p.selected().Path != p.marked[0]:
		return p.marked[0], p.selected().Path, true
	}
	return "", "", false
}

// recListMsg carries the recordings found.
type recListMsg struct {
	list []store.Summary
	err  error
}

// replayOpenedMsg carries an opened recording and its player.
type replayOpenedMsg struct {
	path string
	r    *store.Reader
	p    *store.Player
	err  error
}

// listRecordings reads the recordings directory (in a command).
func listRecordings(dir string) tea.Cmd {
	return func() tea.Msg {
		list, err := store.List(dir)
		return recListMsg{list: list, err: err}
	}
}

// openReplay opens a recording and starts its player (in a command).
func openReplay(path string, speed float64) tea.Cmd {
	return func() tea.Msg {
		r, err := store.Open(path)
		if err != nil {
			return replayOpenedMsg{path: path, err: err}
		}
		return replayOpenedMsg{path: path, r: r, p: NewReplayPlayer(r, speed)}
	}
}

// recSource is what the fuzzy filter matches: date, server, target, file.
type recSource []store.Summary

func (s recSource) String(i int) string {
	r := s[i]
	return r.Start.Local().Format("2006-01-02 15:04") + " " + r.Server + " " + r.Target + " " + filepath.Base(r.Path)
}
func (s recSource) Len() int { return len(s) }

func (p *recPicker) setList(list []store.Summary, err error) {
	p.list, p.loaded = list, true
	if err != nil {
		p.err = termsafe.Line(err.Error())
	}
	p.refilter()
}

func (p *recPicker) refilter() {
	p.view = p.view[:0]
	q := strings.TrimSpace(p.input.Value())
	if q == "" {
		for i := range p.list {
			p.view = append(p.view, i)
		}
	} else {
		for _, m := range fuzzy.FindFrom(q, recSource(p.list)) {
			p.view = append(p.view, m.Index)
		}
	}
	p.cursor = max(0, min(p.cursor, len(p.view)-1))
}

func (p *recPicker) selected() *store.Summary {
	if p.cursor < 0 || p.cursor >= len(p.view) {
		return nil
	}
	return &p.list[p.view[p.cursor]]
}

func (p *recPicker) rows() int { return max(1, p.height-7) }

func (p *recPicker) move(d int) {
	p.cursor = max(0, min(p.cursor+d, len(p.view)-1))
}

func (p *recPicker) help() []key.Binding {
	k := p.keys
	return []key.Binding{k.Replay, k.Mock, k.Rerun, k.Mark, k.Diff, k.Up, kb("type", "filter"), k.Leave} // Up says ↓↑ for both
}

// usable is the chosen recording, or nil with a note when there is none
// or it cannot be read.
func (m *Model) usable() *store.Summary {
	s := m.recs.selected()
	switch {
	case s == nil || m.recs.opening != "":
		return nil
	case s.Unreadable != "":
		m.setFlash("cannot open "+filepath.Base(s.Path)+": "+s.Unreadable, true)
		return nil
	}
	return s
}

// recKey handles keys on the recordings picker: the filter gets everything
// but the keys that choose, open and leave.
func (m *Model) recKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.recs
	switch k := p.keys; {
	case key.Matches(msg, k.Up):
		p.move(-1)
		return nil
	case key.Matches(msg, k.Down):
		p.move(1)
		return nil
	case key.Matches(msg, k.PageUp):
		p.move(-p.rows())
		return nil
	case key.Matches(msg, k.PageDown):
		p.move(p.rows())
		return nil
	case key.Matches(msg, k.Help):
		m.openHelp()
		return nil
	case key.Matches(msg, k.Mock):
		if s := m.usable(); s != nil {
			p.opening = s.Path
			return startMock(s.Path)
		}
		return nil
	case key.Matches(msg, k.Rerun):
		if s := m.usable(); s != nil {
			m.openRerun(s.Path, s.Target)
		}
		return nil
	case key.Matches(msg, k.Mark):
		if s := p.selected(); s != nil {
			p.toggleMark(s.Path)
		}
		return nil
	case key.Matches(msg, k.Diff):
		a, b, ok := p.diffPair()
		if !ok {
			m.setFlash("mark two recordings with tab (or one, and choose the other), then ctrl+d", true)
			return nil
		}
		return m.openDiff(a, b)
	case key.Matches(msg, k.Replay):
		s := p.selected()
		if s == nil || p.opening != "" {
			return nil
		}
		if s.Unreadable != "" {
			m.setFlash("cannot open "+filepath.Base(s.Path)+": "+s.Unreadable, true)
			return nil
		}
		p.opening = s.Path
		return openReplay(s.Path, m.opts.ReplaySpeed)
	case key.Matches(msg, k.Leave):
		if p.input.Value() != "" {
			p.input.SetValue("")
			p.refilter()
			return nil
		}
		return m.quit()
	}
	var c tea.Cmd
	p.input, c = p.input.Update(msg)
	p.refilter()
	return c
}

// replayOpened leaves the picker for the replay of the opened recording.
func (m *Model) replayOpened(msg replayOpenedMsg) tea.Cmd {
	if m.recs != nil {
		m.recs.opening = ""
	}
	if msg.err != nil {
		m.setFlash("cannot open "+filepath.Base(msg.path)+": "+msg.err.Error(), true)
		return nil
	}
	if m.quitting || m.recs == nil {
		msg.p.Close()
		msg.r.Close()
		return nil
	}
	m.recs = nil
	m.replayFile = &openedReplay{r: msg.r, p: msg.p}
	m.events = msg.p.Events()
	m.opts.Events, m.opts.Replay, m.opts.ReplayStart = m.events, msg.p, msg.r.Header().Start
	m.feed = newFeed(m.s, m.opts.LogWindow, nil) // (the lock Update holds is the old one's: none)
	m.setOrigin(time.Time{})
	m.startReplayView()
	m.layout()
	m.setFlash("replaying "+filepath.Base(msg.path)+" · space pauses · ? lists the keys", false)
	return tea.Batch(pump(m.events, m.feed), m.listen(), m.tick())
}

// openedReplay is a recording the UI opened itself.
type openedReplay struct {
	r *store.Reader
	p *store.Player
}

// closeReplay closes a recording the UI opened (the player first).
func (m *Model) closeReplay() {
	if o := m.replayFile; o != nil {
		m.replayFile = nil
		o.p.Close()
		o.r.Close()
	}
}

// mark is the column before a row: ● for a recording marked for a diff.
func (p *recPicker) mark(s *store.Summary, st *Styles) string {
	if p.isMarked(s.Path) {
		return st.Accent.Render("●")
	}
	return " "
}

// recDuration formats a recording's length.
func recDuration(d time.Duration) string {
	if d < time.Minute {
		return fmtTook(d)
	}
	return shortDur(d)
}

func (p *recPicker) render(st *Styles) []string {
	w := max(20, p.width)
	out := []string{""}
	title := "  " + st.Accent.Render("Replay a recorded session")
	if p.loaded {
		title += st.Muted.Render(fmt.Sprintf("  %d in %s", len(p.list), termsafe.Line(p.dir)))
	}
	out = append(out, ansi.Truncate(title, w, "…"), "")
	p.input.SetWidth(max(10, w-8))
	out = append(out, "  "+p.input.View(), "")
	switch {
	case !p.loaded:
		return append(out, st.Muted.Render("  reading the recordings…"))
	case p.err != "":
		return append(out, st.Err.Render(ansi.Truncate("  "+p.err, w, "…")))
	case len(p.list) == 0:
		return append(out, st.Muted.Render(ansi.Truncate("  No recorded sessions yet. sonde records every session of its UI: run sonde URL (or sonde demo), then come back.", w, "…")))
	case len(p.view) == 0:
		return append(out, st.Muted.Render("  nothing matches"))
	}
	wide := w >= 120
	srvW := max(10, min(32, w-60))
	// row lays out the columns, each in its style
	row := func(date, server, dur, evs, errs, extra string, text, errStyle, muted lipglossStyle) string {
		l := text.Render(padRight(date, 21)+padRight(ansi.Truncate(server, srvW, "…"), srvW+2)+padLeft(dur, 9)+padLeft(evs, 9)) + errStyle.Render(padLeft(errs, 8))
		if wide {
			l += muted.Render("  " + extra)
		}
		return ansi.Truncate(l, w-6, "…")
	}
	out = append(out, "    "+row("DATE", "SERVER", "DURATION", "EVENTS", "ERRORS", "TRANSPORT  FILE", st.Muted, st.Muted, st.Muted))
	rows := p.rows()
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
	incomplete := false
	plainStyle := lipglossStyle{}
	for i := p.offset; i < len(p.view) && i < p.offset+rows; i++ {
		s := &p.list[p.view[i]]
		if s.Unreadable != "" {
			// listed with the reason, so a file that is not what it is
			// named is not passed over in silence
			line := ansi.Truncate(padRight(s.Start.Local().Format("2006-01-02 15:04:05"), 21)+
				termsafe.Line("unreadable: "+filepath.Base(s.Path)+": "+s.Unreadable), w-6, "…")
			if i == p.cursor {
				out = append(out, " "+p.mark(s, st)+st.Selected.Render("▸ "+padRight(line, w-6)))
			} else {
				out = append(out, " "+p.mark(s, st)+"  "+st.Muted.Render(line))
			}
			continue
		}
		server := termsafe.Line(firstNonEmpty(s.Server, s.Target, "(no server)"))
		evs := fmt.Sprint(s.Events)
		if !s.Complete {
			evs += "*"
			incomplete = true
		}
		date := s.Start.Local().Format("2006-01-02 15:04:05")
		extra := padRight(termsafe.Line(string(s.Transport)), 9) + "  " + termsafe.Line(filepath.Base(s.Path))
		if i == p.cursor {
			line := row(date, server, recDuration(s.Duration), evs, fmt.Sprint(s.Errors), extra, plainStyle, plainStyle, plainStyle)
			out = append(out, " "+p.mark(s, st)+st.Selected.Render("▸ "+padRight(line, w-6)))
			continue
		}
		errStyle := st.Text
		if s.Errors > 0 {
			errStyle = st.Err.UnsetBold()
		}
		out = append(out, " "+p.mark(s, st)+"  "+row(date, server, recDuration(s.Duration), evs, fmt.Sprint(s.Errors), extra, st.Text, errStyle, st.Muted))
	}
	if p.opening != "" {
		out = append(out, "", st.Warn.Render(ansi.Truncate("  opening "+termsafe.Line(filepath.Base(p.opening))+"…", w, "…")))
	} else if len(p.marked) > 0 {
		out = append(out, "", st.Muted.Render(ansi.Truncate(fmt.Sprintf("  ● %d marked: ctrl+d diffs %s", len(p.marked), map[bool]string{true: "the two", false: "it with the one chosen"}[len(p.marked) == 2]), w, "…")))
	} else if incomplete {
		out = append(out, "", st.Muted.Render(ansi.Truncate("  * not closed cleanly: cut by a crash, or still being recorded (it still replays)", w, "…")))
	}
	return out
}
