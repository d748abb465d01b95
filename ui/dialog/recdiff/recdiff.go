// Package recdiff is the TUI's diff of two recordings: what the two
// recorded servers offer (server info, protocol, capabilities, the tools
// with their schemas, resources, templates, prompts), compared as
// `sonde diff A B` does, breaking changes called out, in a dialog one
// scrolls; the report copies as Markdown for a pull request.
package recdiff

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/fixture"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// KeyMap is the diff's keys.
type KeyMap struct {
	Nav   list.KeyMap
	Copy  key.Binding
	Close key.Binding
}

// DefaultKeyMap returns the diff's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Nav:   list.DefaultKeyMap(),
		Copy:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy as Markdown")),
		Close: key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close")),
	}
}

// Dialog shows the diff of recording A and recording B.
type Dialog struct {
	c     *common.Common
	Keys  KeyMap
	a, b  string
	diff  *fixture.ServerDiff
	md    string // the report as Markdown (for a pull request)
	err   string
	pager list.Model
}

var _ component.Dialog = (*Dialog)(nil)

// New returns the diff of the recordings at paths a and b; [Dialog.Start]
// reads them.
func New(c *common.Common, a, b string) *Dialog {
	d := &Dialog{c: c, Keys: DefaultKeyMap(), a: a, b: b, pager: list.NewPager()}
	d.pager.KeyMap = d.Keys.Nav
	d.Keys.Copy.SetEnabled(false)
	return d
}

// loadedMsg carries the diff, once both recordings are read.
type loadedMsg struct {
	d    *Dialog
	diff *fixture.ServerDiff
	md   string
	err  error
}

// Start is the command that reads both recordings and compares them.
func (d *Dialog) Start() tea.Cmd {
	a, b := d.a, d.b
	return func() tea.Msg {
		var snaps [2]*fixture.Snapshot
		for i, p := range []string{a, b} {
			r, err := store.Open(p)
			if err != nil {
				return loadedMsg{d: d, err: err}
			}
			snaps[i], err = fixture.SnapshotOf(r)
			r.Close()
			if err != nil {
				return loadedMsg{d: d, err: err}
			}
		}
		diff := fixture.Compare(snaps[0], snaps[1])
		var md bytes.Buffer
		diff.WriteMarkdown(&md)
		return loadedMsg{d: d, diff: diff, md: md.String()}
	}
}

// Diff is the diff, once read (nil before).
func (d *Dialog) Diff() *fixture.ServerDiff { return d.diff }

// Update implements [component.Component].
func (d *Dialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.d != d {
			return nil, nil
		}
		if msg.err != nil {
			d.err = termsafe.Line(msg.err.Error())
			return nil, nil
		}
		d.diff, d.md = msg.diff, msg.md
		d.Keys.Copy.SetEnabled(true)
	case tea.KeyPressMsg:
		switch {
		case d.pager.HandleKey(msg):
		case key.Matches(msg, d.Keys.Copy):
			return component.Copy{What: "the diff (Markdown)", Text: d.md}, nil
		case key.Matches(msg, d.Keys.Close):
			return component.Close{}, nil
		}
	case tea.MouseWheelMsg:
		d.pager.Wheel(msg, 3)
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Dialog) SetSize(int, int) {}

// View implements [component.Component].
func (d *Dialog) View(W, H int) string {
	st := d.c.Styles
	w, h := max(40, min(W-4, 140)), max(8, H-2)
	lines := d.lines(w - 2)
	d.pager.SetHeight(h - 3)
	d.pager.SetLen(len(lines))
	from, to := d.pager.Visible()
	title := termsafe.Line("Diff " + filepath.Base(d.a) + " → " + filepath.Base(d.b))
	return common.DialogBox(st, title, lines[from:to], common.HelpLine(st, d.ShortHelp(), w-2), w, h)
}

// lines is the report for width w.
func (d *Dialog) lines(w int) []string {
	st := d.c.Styles
	head := []string{
		st.Muted.Render("A ") + st.Text.Render(termsafe.Line(d.a)),
		st.Muted.Render("B ") + st.Text.Render(termsafe.Line(d.b)),
		"",
	}
	switch {
	case d.err != "":
		return append(head, common.WrapLines(st.Err.Render(d.err), w)...)
	case d.diff == nil:
		return append(head, st.Muted.Render("reading both recordings…"))
	}
	x := d.diff
	out := head
	if x.Same() {
		out = append(out, st.OK.Render("the same: both servers offer the same"))
	} else {
		out = append(out, st.Warn.Render(fmt.Sprintf("%d differences, %d breaking", len(x.Findings), x.Breaking)), "")
	}
	for _, f := range x.Findings {
		sign, style := "~", st.Warn
		switch f.Kind {
		case fixture.Added:
			sign, style = "+", st.OK
		case fixture.Removed:
			sign, style = "-", st.Err.UnsetBold()
		}
		line := style.Render(sign + " " + termsafe.Line(where(f)))
		if f.Kind == fixture.Changed && len(f.Old)+len(f.New) < 160 {
			line += st.Text.Render(": " + termsafe.Line(string(f.Old)) + " → " + termsafe.Line(string(f.New)))
		}
		if f.Note != "" {
			line += st.Muted.Render(" (" + termsafe.Line(f.Note) + ")")
		}
		if f.Breaking {
			line += " " + st.Err.Render("BREAKING")
		}
		out = append(out, ansi.Truncate(line, w, "…"))
	}
	if len(x.Unknown) > 0 {
		out = append(out, "", st.Muted.Render(ansi.Truncate("not compared: "+strings.Join(x.Unknown, ", ")+" (only one side lists them)", w, "…")))
	}
	return out
}

// where says what a finding is about: "tools search: inputSchema.required".
func where(f fixture.Finding) string {
	s := f.Area
	if f.Name != "" {
		s += " " + f.Name
	}
	if f.Field != "" {
		s += ": " + f.Field
	}
	return s
}

// ShortHelp implements [help.KeyMap].
func (d *Dialog) ShortHelp() []key.Binding {
	scroll := key.NewBinding(key.WithKeys(d.Keys.Nav.Up.Keys()...), key.WithHelp("↓↑", "scroll"))
	return []key.Binding{scroll, d.Keys.Copy, d.Keys.Close}
}

// FullHelp implements [help.KeyMap].
func (d *Dialog) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.Keys.Nav.Bindings(), {d.Keys.Copy, d.Keys.Close}}
}
