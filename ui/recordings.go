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
	opening string // the file being opened
	width   int
	height  int
}

func newRecPicker(dir string) *recPicker {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "type to filter: server, date, file"
	ti.CharLimit = 200
	ti.Focus()
	return &recPicker{dir: dir, input: ti}
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
	return []key.Binding{kb("enter", "replay it"), kb("↓↑", "choose"), kb("type", "filter"), kb("esc", "clear / quit"), kb("ctrl+c", "quit")}
}

// recKey handles keys on the recordings picker: the filter gets everything
// but the keys that choose, open and leave.
func (m *Model) recKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.recs
	switch msg.String() {
	case "up", "ctrl+p":
		p.move(-1)
		return nil
	case "down", "ctrl+n":
		p.move(1)
		return nil
	case "pgup":
		p.move(-p.rows())
		return nil
	case "pgdown":
		p.move(p.rows())
		return nil
	case "f1":
		m.pushDialog(newHelpDialog(m))
		return nil
	case "enter":
		s := p.selected()
		if s == nil || p.opening != "" {
			return nil
		}
		p.opening = s.Path
		return openReplay(s.Path, m.opts.ReplaySpeed)
	case "esc":
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
	m.wfs.setOrigin(time.Time{})
	m.startReplayView()
	m.layout()
	m.setFlash("replaying "+filepath.Base(msg.path)+" · space pauses · ? lists the keys", false)
	return tea.Batch(listen(m.events), m.tick())
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
			out = append(out, "  "+st.Selected.Render("▸ "+padRight(line, w-6)))
			continue
		}
		errStyle := st.Text
		if s.Errors > 0 {
			errStyle = st.Err.UnsetBold()
		}
		out = append(out, "    "+row(date, server, recDuration(s.Duration), evs, fmt.Sprint(s.Errors), extra, st.Text, errStyle, st.Muted))
	}
	if p.opening != "" {
		out = append(out, "", st.Warn.Render(ansi.Truncate("  opening "+termsafe.Line(filepath.Base(p.opening))+"…", w, "…")))
	} else if incomplete {
		out = append(out, "", st.Muted.Render(ansi.Truncate("  * not closed cleanly: cut by a crash, or still being recorded (it still replays)", w, "…")))
	}
	return out
}
