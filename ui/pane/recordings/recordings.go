// Package recordings is the recordings picker: the screen `sonde replay`
// with no FILE opens (Options.ReplayDir), listing the recorded sessions
// (store.List, newest first) with a fuzzy filter. What a choice leads to
// (replaying it, mocking its server, re-running it against a server,
// comparing two) is the root's: the picker asks with [Replay], [Mock],
// [Rerun], [Diff], [Leave] and [Help].
package recordings

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// Replay asks the root to open Path and replay it (the picker says it is
// opening it until [Pane.Opened]).
type Replay struct{ Path string }

// Mock asks the root to serve Path as a mock server and connect to it
// (opening, as Replay).
type Mock struct{ Path string }

// Rerun asks the root to re-run Path's requests against a server (Target
// is the one it was recorded against).
type Rerun struct{ Path, Target string }

// Diff asks the root to compare the servers of recordings A and B.
type Diff struct{ A, B string }

// Leave asks the root to quit (esc with nothing typed).
type Leave struct{}

// Help asks the root for the full help.
type Help struct{}

// KeyMap is the picker's keys besides the filter's: every printable key
// types into the filter, so these are control keys.
type KeyMap struct {
	Nav                             list.KeyMap // up, down and pages; no top or bottom (home and end are the field's)
	Replay, Mock, Rerun, Mark, Diff key.Binding
	Leave, Help                     key.Binding
	// Choose and Type only show: ↓↑ for the Nav's keys, "type" for the
	// filter.
	Choose, Type key.Binding
}

// DefaultKeyMap returns the picker's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Nav: list.KeyMap{
			Up:       b([]string{"up", "ctrl+p"}, "↑", "up"),
			Down:     b([]string{"down", "ctrl+n"}, "↓", "down"),
			PageUp:   b([]string{"pgup"}, "pgup", "page up"),
			PageDown: b([]string{"pgdown"}, "pgdn", "page down"),
			Top:      key.NewBinding(key.WithDisabled()),
			Bottom:   key.NewBinding(key.WithDisabled()),
		},
		Choose: b([]string{"up", "ctrl+p", "down", "ctrl+n"}, "↓↑", "choose"),
		Leave:  b([]string{"esc"}, "esc", "clear / quit"),
		Help:   b([]string{"f1"}, "f1", "help"),
		Replay: b([]string{"enter"}, "enter", "replay"),
		Mock:   b([]string{"ctrl+o"}, "ctrl+o", "mock"),
		Rerun:  b([]string{"ctrl+r"}, "ctrl+r", "rerun"),
		Mark:   b([]string{"tab"}, "tab", "mark"),
		Diff:   b([]string{"ctrl+d"}, "ctrl+d", "diff"),
		Type:   b([]string{"type"}, "type", "filter"),
	}
}

// Pane is the recordings picker.
type Pane struct {
	c       *common.Common
	Keys    KeyMap
	dir     string
	recs    []store.Summary
	loaded  bool
	err     string
	view    []int // indexes into recs that pass the filter, in order
	sel     list.Model
	input   textinput.Model
	opening string   // the file being opened
	marked  []string // the files marked for a diff (two at most, in order)
	width   int
	height  int
}

var _ component.Pane = (*Pane)(nil)

// New returns a picker over the recordings in dir, waiting for SetList.
func New(c *common.Common, dir string) *Pane {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "type to filter: server, date, file"
	ti.CharLimit = 200
	ti.Focus()
	p := &Pane{c: c, Keys: DefaultKeyMap(), dir: dir, input: ti, sel: list.New()}
	p.sel.KeyMap = p.Keys.Nav
	return p
}

// Dir is the directory listed.
func (p *Pane) Dir() string { return p.dir }

// SetList shows the recordings found (or why there are none).
func (p *Pane) SetList(recs []store.Summary, err error) {
	p.recs, p.loaded = recs, true
	if err != nil {
		p.err = termsafe.Line(err.Error())
	}
	p.refilter()
}

// Opened says the recording asked for is open (or failed to): the picker
// no longer says it is opening it.
func (p *Pane) Opened() { p.opening = "" }

// Opening is the file being opened ("" none).
func (p *Pane) Opening() string { return p.opening }

// Filter is what is typed in the filter.
func (p *Pane) Filter() string { return p.input.Value() }

// Shown is the recordings that pass the filter, in order.
func (p *Pane) Shown() []store.Summary {
	out := make([]store.Summary, len(p.view))
	for i, k := range p.view {
		out[i] = p.recs[k]
	}
	return out
}

// Select chooses the i-th recording shown.
func (p *Pane) Select(i int) { p.sel.SetCursor(i) }

// Selected is the chosen recording, or nil.
func (p *Pane) Selected() *store.Summary {
	c := p.sel.Cursor()
	if c < 0 || c >= len(p.view) {
		return nil
	}
	return &p.recs[p.view[c]]
}

// toggleMark marks the file or unmarks it; a third mark lets the oldest go.
func (p *Pane) toggleMark(path string) {
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

func (p *Pane) isMarked(path string) bool {
	for _, f := range p.marked {
		if f == path {
			return true
		}
	}
	return false
}

// diffPair is the two recordings to compare: the two marked, or the one
// marked and the one chosen.
func (p *Pane) diffPair() (a, b string, ok bool) {
	switch {
	case len(p.marked) == 2:
		return p.marked[0], p.marked[1], true
	case len(p.marked) == 1 && p.Selected() != nil && p.Selected().Path != p.marked[0]:
		return p.marked[0], p.Selected().Path, true
	}
	return "", "", false
}

// source is what the fuzzy filter matches: date, server, target, file.
type source []store.Summary

func (s source) String(i int) string {
	r := s[i]
	return r.Start.Local().Format("2006-01-02 15:04") + " " + r.Server + " " + r.Target + " " + filepath.Base(r.Path)
}
func (s source) Len() int { return len(s) }

func (p *Pane) refilter() {
	p.view = p.view[:0]
	q := strings.TrimSpace(p.input.Value())
	if q == "" {
		for i := range p.recs {
			p.view = append(p.view, i)
		}
	} else {
		for _, m := range fuzzy.FindFrom(q, source(p.recs)) {
			p.view = append(p.view, m.Index)
		}
	}
	p.sel.SetLen(len(p.view))
}

// usable is the chosen recording, or nil with a note when there is none,
// it cannot be read, or one is being opened.
func (p *Pane) usable() (*store.Summary, component.Action) {
	s := p.Selected()
	switch {
	case s == nil || p.opening != "":
		return nil, nil
	case s.Unreadable != "":
		return nil, component.Flash{Text: "cannot open " + filepath.Base(s.Path) + ": " + s.Unreadable, Err: true}
	}
	return s, nil
}

// Update implements [component.Component]: the filter gets every key but
// the ones that choose, open and leave.
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch k := p.Keys; {
		case p.sel.HandleKey(msg):
			return nil, nil
		case key.Matches(msg, k.Help):
			return Help{}, nil
		case key.Matches(msg, k.Mock):
			s, a := p.usable()
			if s == nil {
				return a, nil
			}
			p.opening = s.Path
			return Mock{Path: s.Path}, nil
		case key.Matches(msg, k.Rerun):
			s, a := p.usable()
			if s == nil {
				return a, nil
			}
			return Rerun{Path: s.Path, Target: s.Target}, nil
		case key.Matches(msg, k.Mark):
			if s := p.Selected(); s != nil {
				p.toggleMark(s.Path)
			}
			return nil, nil
		case key.Matches(msg, k.Diff):
			a, b, ok := p.diffPair()
			if !ok {
				return component.Flash{Text: "mark two recordings with tab (or one, and choose the other), then ctrl+d", Err: true}, nil
			}
			return Diff{A: a, B: b}, nil
		case key.Matches(msg, k.Replay):
			s, a := p.usable()
			if s == nil {
				return a, nil
			}
			p.opening = s.Path
			return Replay{Path: s.Path}, nil
		case key.Matches(msg, k.Leave):
			if p.input.Value() != "" {
				p.input.SetValue("")
				p.refilter()
				return nil, nil
			}
			return Leave{}, nil
		}
	case tea.MouseWheelMsg:
		p.sel.Wheel(msg, 1)
		return nil, nil
	}
	var c tea.Cmd
	p.input, c = p.input.Update(msg)
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		p.refilter()
	}
	return nil, c
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.sel.SetHeight(max(1, h-7)) // title, field, header and the note below
}

// SetFocused implements [component.Pane] (the picker is the whole screen:
// it always has the keys).
func (p *Pane) SetFocused(bool) {}

// Title implements [component.Pane].
func (p *Pane) Title() string { return "Replay a recorded session" }

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding {
	k := p.Keys
	return []key.Binding{k.Replay, k.Mock, k.Rerun, k.Mark, k.Diff, k.Choose, k.Type, k.Leave}
}

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	k := p.Keys
	return [][]key.Binding{{k.Replay, k.Mock, k.Rerun, k.Mark, k.Diff, k.Choose, k.Nav.PageUp, k.Nav.PageDown, k.Type, k.Leave, k.Help}}
}

// mark is the column before a row: ● for a recording marked for a diff.
func (p *Pane) mark(s *store.Summary) string {
	if p.isMarked(s.Path) {
		return p.c.Styles.Accent.Render("●")
	}
	return " "
}

// duration formats a recording's length.
func duration(d time.Duration) string {
	if d < time.Minute {
		return common.FmtTook(d)
	}
	return common.ShortDur(d)
}

// View implements [component.Component].
func (p *Pane) View(width, height int) string {
	if width != p.width || height != p.height {
		p.SetSize(width, height)
	}
	return strings.Join(p.lines(), "\n")
}

func (p *Pane) lines() []string {
	st := p.c.Styles
	w := max(20, p.width)
	out := []string{""}
	title := "  " + st.Accent.Render(p.Title())
	if p.loaded {
		title += st.Muted.Render(fmt.Sprintf("  %d in %s", len(p.recs), termsafe.Line(p.dir)))
	}
	out = append(out, ansi.Truncate(title, w, "…"), "")
	p.input.SetWidth(max(10, w-8))
	out = append(out, "  "+p.input.View(), "")
	switch {
	case !p.loaded:
		return append(out, st.Muted.Render("  reading the recordings…"))
	case p.err != "":
		return append(out, st.Err.Render(ansi.Truncate("  "+p.err, w, "…")))
	case len(p.recs) == 0:
		return append(out, st.Muted.Render(ansi.Truncate("  No recorded sessions yet. sonde records every session of its UI: run sonde URL (or sonde demo), then come back.", w, "…")))
	case len(p.view) == 0:
		return append(out, st.Muted.Render("  nothing matches"))
	}
	wide := w >= 120
	srvW := max(10, min(32, w-60))
	// row lays out the columns, each in its style
	row := func(date, server, dur, evs, errs, extra string, text, errStyle, muted lipgloss.Style) string {
		l := text.Render(common.PadRight(date, 21)+common.PadRight(ansi.Truncate(server, srvW, "…"), srvW+2)+common.PadLeft(dur, 9)+common.PadLeft(evs, 9)) + errStyle.Render(common.PadLeft(errs, 8))
		if wide {
			l += muted.Render("  " + extra)
		}
		return ansi.Truncate(l, w-6, "…")
	}
	out = append(out, "    "+row("DATE", "SERVER", "DURATION", "EVENTS", "ERRORS", "TRANSPORT  FILE", st.Muted, st.Muted, st.Muted))
	incomplete := false
	plain := lipgloss.Style{}
	from, to := p.sel.Visible()
	for i := from; i < to; i++ {
		s := &p.recs[p.view[i]]
		if s.Unreadable != "" {
			// listed with the reason, so a file that is not what it is
			// named is not passed over in silence
			line := ansi.Truncate(common.PadRight(s.Start.Local().Format("2006-01-02 15:04:05"), 21)+
				termsafe.Line("unreadable: "+filepath.Base(s.Path)+": "+s.Unreadable), w-6, "…")
			if i == p.sel.Cursor() {
				out = append(out, " "+p.mark(s)+st.Selected.Render("▸ "+common.PadRight(line, w-6)))
			} else {
				out = append(out, " "+p.mark(s)+"  "+st.Muted.Render(line))
			}
			continue
		}
		server := termsafe.Line(common.FirstNonEmpty(s.Server, s.Target, "(no server)"))
		evs := fmt.Sprint(s.Events)
		if !s.Complete {
			evs += "*"
			incomplete = true
		}
		date := s.Start.Local().Format("2006-01-02 15:04:05")
		extra := common.PadRight(termsafe.Line(string(s.Transport)), 9) + "  " + termsafe.Line(filepath.Base(s.Path))
		if i == p.sel.Cursor() {
			line := row(date, server, duration(s.Duration), evs, fmt.Sprint(s.Errors), extra, plain, plain, plain)
			out = append(out, " "+p.mark(s)+st.Selected.Render("▸ "+common.PadRight(line, w-6)))
			continue
		}
		errStyle := st.Text
		if s.Errors > 0 {
			errStyle = st.Err.UnsetBold()
		}
		out = append(out, " "+p.mark(s)+"  "+row(date, server, duration(s.Duration), evs, fmt.Sprint(s.Errors), extra, st.Text, errStyle, st.Muted))
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
