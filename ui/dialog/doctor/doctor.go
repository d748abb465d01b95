// Package doctor is the doctor's checklist in the UI: a dialog that runs
// sonde doctor (package doctor) on a server and shows each check as it
// finishes, what the run is doing while it observes, then the diagnosis.
// `sonde doctor URL` on a terminal shows it alone; the connection dialog
// and the server picker open it over the UI.
package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	dr "github.com/sonde-mcp/sonde/doctor"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/list"
)

// KeyMap is the checklist's keys.
type KeyMap struct {
	Nav   list.KeyMap
	Copy  key.Binding
	Again key.Binding
	Close key.Binding
}

// DefaultKeyMap returns the checklist's keys.
func DefaultKeyMap() KeyMap {
	nav := list.DefaultKeyMap()
	nav.PageDown = key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn", "page down"))
	return KeyMap{
		Nav:   nav,
		Copy:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy the report")),
		Again: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again")),
		Close: key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close")),
	}
}

// Runner runs the doctor (dr.Run; tests give one of their own).
type Runner func(ctx context.Context, o dr.Options) *dr.Report

// Dialog is the checklist of one doctor run.
type Dialog struct {
	c    *common.Common
	Keys KeyMap
	// Standalone is set when the checklist is all the program shows
	// (sonde doctor on a terminal): closing it ends the program.
	Standalone bool

	opts   dr.Options
	runner Runner
	gen    int // the run under way: messages of an earlier one are dropped
	ch     chan Msg
	cancel context.CancelFunc

	checks  []dr.Check
	note    string
	started time.Time // when the observation began (zero: not yet)
	now     time.Time // the last tick
	report  *dr.Report
	pager   list.Model
	// scrolled: the user moved; until then the newest lines stay in view
	scrolled bool
}

var _ component.Dialog = (*Dialog)(nil)

// Msg carries a run's progress to its dialog: a check made, a note, a
// tick of the clock, or the report at the end. The root hands it to
// [Msg.For], wherever that dialog is on the stack.
type Msg struct {
	d      *Dialog
	gen    int
	check  *dr.Check
	note   string
	tick   time.Time
	report *dr.Report
}

// For is the dialog the message belongs to.
func (m Msg) For() *Dialog { return m.d }

// New returns the checklist for a run with o (its OnCheck and OnNote are
// the dialog's); Start begins it.
func New(c *common.Common, o dr.Options, run Runner) *Dialog {
	if run == nil {
		run = dr.Run
	}
	d := &Dialog{c: c, Keys: DefaultKeyMap(), opts: o, runner: run, pager: list.NewPager()}
	d.pager.KeyMap = d.Keys.Nav
	return d
}

// Report is the run's report once it is done (nil before).
func (d *Dialog) Report() *dr.Report { return d.report }

// Start begins a run (the previous one, if any, is stopped): the command
// it returns starts it and brings its first message.
func (d *Dialog) Start() tea.Cmd {
	d.Stop()
	d.gen++
	d.checks, d.note, d.started, d.report, d.scrolled = nil, "starting", time.Time{}, nil, false
	gen, ch := d.gen, make(chan Msg, 64)
	ctx, cancel := context.WithCancel(context.Background())
	d.ch, d.cancel = ch, cancel
	o := d.opts
	send := func(m Msg) {
		m.d, m.gen = d, gen
		select {
		case ch <- m:
		case <-ctx.Done():
		}
	}
	o.OnCheck = func(c dr.Check) { send(Msg{check: &c}) }
	o.OnNote = func(s string) { send(Msg{note: s}) }
	run := d.runner
	return func() tea.Msg {
		go func() {
			r := run(ctx, o)
			send(Msg{report: r})
		}()
		return <-ch
	}
}

// Stop ends the run under way, if any.
func (d *Dialog) Stop() {
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
}

// wait brings the run's next message.
func (d *Dialog) wait() tea.Cmd {
	ch := d.ch
	return func() tea.Msg { return <-ch }
}

// tick redraws the elapsed time of the observation once a second.
func (d *Dialog) tickCmd() tea.Cmd {
	gen := d.gen
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return Msg{d: d, gen: gen, tick: t} })
}

// Done reports whether the run is over.
func (d *Dialog) Done() bool { return d.report != nil }

// Update implements [component.Component].
func (d *Dialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case Msg:
		if msg.d != d || msg.gen != d.gen || d.report != nil {
			return nil, nil // an earlier run's, or after the end
		}
		switch {
		case msg.report != nil:
			d.report, d.note = msg.report, ""
			d.Stop()
			return nil, nil
		case msg.check != nil:
			d.checks = append(d.checks, *msg.check)
		case msg.note != "":
			d.note = msg.note
			if strings.HasPrefix(msg.note, "observing") {
				d.started, d.now = msg.tick, msg.tick
				if d.started.IsZero() {
					d.started = time.Now()
					d.now = d.started
				}
				return nil, tea.Batch(d.wait(), d.tickCmd())
			}
		case !msg.tick.IsZero():
			d.now = msg.tick
			return nil, d.tickCmd()
		}
		return nil, d.wait()
	case tea.KeyPressMsg:
		k := d.Keys
		switch {
		case d.pager.HandleKey(msg):
			d.scrolled = true
		case key.Matches(msg, k.Copy) && !d.Standalone:
			return component.Copy{What: "the doctor's report", Text: d.Text()}, nil
		case key.Matches(msg, k.Again) && d.report != nil:
			return nil, d.Start()
		case key.Matches(msg, k.Close):
			d.Stop()
			if d.Standalone {
				return component.Close{}, tea.Quit
			}
			return component.Close{}, nil
		}
	case tea.MouseWheelMsg:
		d.scrolled = true
		d.pager.Wheel(msg, 3)
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Dialog) SetSize(int, int) {}

// mark is a check's status as a sign: ✓ ok, ! warn, ✗ fail.
func (d *Dialog) mark(s dr.Status) string {
	st := d.c.Styles
	switch s {
	case dr.OK:
		return st.OK.Render("✓")
	case dr.Warn:
		return st.Warn.Render("!")
	}
	return st.Err.Render("✗")
}

// lines are the checklist for an inner width w.
func (d *Dialog) lines(w int) []string {
	st := d.c.Styles
	var out []string
	nameW := 20
	for _, c := range d.checks {
		name := common.PadRight(ansi.Truncate(termsafe.Line(c.Name), nameW, "…"), nameW)
		detail := common.WrapLines(termsafe.Line(c.Detail), max(10, w-nameW-4))
		for i, l := range detail {
			if i == 0 {
				out = append(out, d.mark(c.Status)+" "+st.Accent2.Render(name)+" "+st.Text.Render(l))
			} else {
				out = append(out, strings.Repeat(" ", nameW+3)+st.Text.Render(l))
			}
		}
	}
	if d.report == nil {
		line := common.Spinner(d.now) + " " + termsafe.Line(d.note)
		if !d.started.IsZero() {
			el := d.now.Sub(d.started).Truncate(time.Second)
			line += fmt.Sprintf(" (%s of %s)", el, d.observe())
		}
		return append(out, st.Muted.Render(ansi.Truncate(line, w, "…")))
	}
	r := d.report
	out = append(out, "")
	if r.Transport != "" {
		out = append(out, st.Text.Render(fmt.Sprintf("transport: %s, %s era", longTransport(r.Transport), termsafe.Line(r.Era))))
	}
	if len(r.Diagnosis) == 0 {
		if r.Failed() {
			return append(out, st.Warn.Render("diagnosis: no known failure recognised; the failed checks above say what went wrong"))
		}
		return append(out, st.OK.Render("diagnosis: nothing known to go wrong with this server"))
	}
	out = append(out, st.Accent.Render("diagnosis"))
	for i, f := range r.Diagnosis {
		pre := fmt.Sprintf("%d. ", i+1)
		for j, l := range common.WrapLines("["+f.ID+"] "+termsafe.Line(f.Text), max(10, w-len(pre)-1)) {
			if j == 0 {
				out = append(out, st.Warn.Render(pre)+st.Text.Render(l))
			} else {
				out = append(out, strings.Repeat(" ", len(pre))+st.Text.Render(l))
			}
		}
	}
	return out
}

func (d *Dialog) observe() time.Duration {
	if d.opts.Observe > 0 {
		return d.opts.Observe
	}
	return dr.DefaultObserve
}

func longTransport(t string) string {
	switch t {
	case "sse":
		return "legacy HTTP+SSE"
	case "http":
		return "Streamable HTTP"
	}
	return termsafe.Line(t)
}

// title names the target and, at the end, the outcome.
func (d *Dialog) title() string {
	t := "Doctor · " + termsafe.Line(d.opts.Config.Target())
	if r := d.report; r != nil {
		if r.Failed() {
			t += " · failed"
		} else {
			t += " · ok"
		}
	}
	return t
}

// View implements [component.Component].
func (d *Dialog) View(W, H int) string {
	st := d.c.Styles
	w, h := max(30, min(W-2, 120)), max(6, H-2)
	if d.Standalone {
		w, h = max(30, W), max(6, H)
	}
	lines := d.lines(w - 2)
	d.pager.SetHeight(h - 3)
	d.pager.SetLen(len(lines))
	if !d.scrolled {
		d.pager.Bottom() // checks appear at the bottom as they finish
	}
	from, to := d.pager.Visible()
	return common.DialogBox(st, ansi.Truncate(d.title(), w-6, "…"), lines[from:to], common.HelpLine(st, d.ShortHelp(), w-2), w, h)
}

// Text is the report as plain text (what copy copies): the checks so far
// and, at the end, the diagnosis.
func (d *Dialog) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sonde doctor %s\n", termsafe.Line(d.opts.Config.Target()))
	for _, c := range d.checks {
		fmt.Fprintf(&b, "  %-5s %-20s %s\n", c.Status, termsafe.Line(c.Name), termsafe.Line(c.Detail))
	}
	if r := d.report; r != nil {
		for i, f := range r.Diagnosis {
			fmt.Fprintf(&b, "%d. [%s] %s\n", i+1, f.ID, termsafe.Line(f.Text))
		}
	}
	return b.String()
}

// bindings are the keys that act now: copy (over the UI: alone, the
// report is printed when the program ends), run again once a run is
// over, close.
func (d *Dialog) bindings() []key.Binding {
	again, cp := d.Keys.Again, d.Keys.Copy
	again.SetEnabled(d.report != nil)
	cp.SetEnabled(!d.Standalone)
	return []key.Binding{cp, again, d.Keys.Close}
}

// ShortHelp implements [help.KeyMap].
func (d *Dialog) ShortHelp() []key.Binding {
	scroll := key.NewBinding(key.WithKeys(d.Keys.Nav.Up.Keys()...), key.WithHelp("↓↑", "scroll"))
	return append([]key.Binding{scroll}, d.bindings()...)
}

// FullHelp implements [help.KeyMap].
func (d *Dialog) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.Keys.Nav.Bindings(), d.bindings()}
}
