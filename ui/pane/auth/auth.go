// Package auth is the auth view: the session's sign-ins, folded from its
// `auth` events (session.State.Auth), so a replay shows what the live
// session showed. Each sign-in (or refresh) lists its steps (discovery,
// metadata, registration, authorize, callback, token, refresh) with the
// request, the answer and sonde's verdict; a failed one says why in plain
// words (oauth.Explain). enter opens a step's requests and answers in
// full. Secrets never show: the session masks every token, code, verifier
// and client secret it learned, and this view masks the fields that carry
// them besides (a recording made by another sonde).
package auth

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/list"
)

// KeyMap is the auth view's keys.
type KeyMap struct {
	Nav  list.KeyMap
	Open key.Binding
	// Refresh redeems the refresh token now (live sessions that keep one).
	Refresh key.Binding
}

// DefaultKeyMap returns the auth view's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Nav:     list.DefaultKeyMap(),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "requests and answers")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh the token now")),
	}
}

// Refresh asks the root to refresh the token now.
type Refresh struct{}

// Pane is the auth view of a state.
type Pane struct {
	c       *common.Common
	s       *session.State
	Keys    KeyMap
	list    list.Model
	focused bool
	width   int
	rows    []row
	replay  bool
}

var _ component.Pane = (*Pane)(nil)

// row is a line of the view: an attempt's heading, a step, or a line of
// a failure's explanation.
type row struct {
	a    *oauth.Attempt
	n    int // the attempt's number
	st   *oauth.Step
	text string // an explanation line
}

// New returns the auth view of state s.
func New(c *common.Common, s *session.State) *Pane {
	p := &Pane{c: c, s: s, Keys: DefaultKeyMap(), list: list.NewFollowing(), width: 80}
	p.list.KeyMap = p.Keys.Nav
	return p
}

// Sync follows the state's sign-ins (the newest is selected while the
// view follows).
func (p *Pane) Sync() {
	p.rows = p.rows[:0]
	f := &p.s.Auth
	for i, a := range f.Attempts {
		n := f.Dropped + i + 1
		p.rows = append(p.rows, row{a: a, n: n})
		for _, st := range a.Steps {
			p.rows = append(p.rows, row{a: a, n: n, st: st})
		}
		if a.Failed != "" {
			for _, l := range common.WrapLines("why: "+a.Explanation, max(20, p.width-6)) {
				p.rows = append(p.rows, row{a: a, n: n, text: l})
			}
		}
	}
	p.list.SetLen(len(p.rows))
	p.syncKeys()
}

// DisableLive turns off the keys that need a live session (a replay).
func (p *Pane) DisableLive() { p.replay = true; p.syncKeys() }

// syncKeys offers refresh only when a refresh token is kept.
func (p *Pane) syncKeys() {
	s := p.s.Auth.Signed
	p.Keys.Refresh.SetEnabled(!p.replay && s != nil && s.Refresh)
}

// Len is the number of the view's lines (headings, steps, explanations).
func (p *Pane) Len() int { return len(p.rows) }

// Reset forgets the position (a replay went back).
func (p *Pane) Reset() {
	h := p.list.Height()
	p.list = list.NewFollowing()
	p.list.KeyMap = p.Keys.Nav
	p.list.SetHeight(h)
	p.Sync()
}

func (p *Pane) selected() *row {
	if i := p.list.Cursor(); i < len(p.rows) {
		return &p.rows[i]
	}
	return nil
}

// Update implements [component.Component].
func (p *Pane) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	p.Sync()
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.list.HandleKey(msg) {
			return nil, nil
		}
		if key.Matches(msg, p.Keys.Refresh) {
			return Refresh{}, nil
		}
		if r := p.selected(); r != nil && key.Matches(msg, p.Keys.Open) {
			return component.Open{Dialog: p.detail(r)}, nil
		}
	case tea.MouseWheelMsg:
		p.list.Wheel(msg, 1)
	case tea.MouseClickMsg:
		if p.list.ClickAgain(msg.Y) && p.focused {
			if r := p.selected(); r != nil {
				return component.Open{Dialog: p.detail(r)}, nil
			}
		}
	}
	return nil, nil
}

// SetSize implements [component.Component].
func (p *Pane) SetSize(w, h int) {
	p.width = w
	p.list.SetHeight(h)
}

// SetFocused implements [component.Pane].
func (p *Pane) SetFocused(f bool) { p.focused = f }

// Title implements [component.Pane].
func (p *Pane) Title() string {
	f := &p.s.Auth
	n := f.Dropped + len(f.Attempts)
	t := fmt.Sprintf("Auth %d", n)
	if n == 1 {
		t = "Auth 1 sign-in"
	} else if n > 1 {
		t = fmt.Sprintf("Auth %d sign-ins", n)
	}
	if len(f.Attempts) > 0 {
		a := f.Attempts[len(f.Attempts)-1]
		switch {
		case !a.Done:
			t += " · signing in"
		case a.Failed != "":
			t += " · failed"
		case f.Signed != nil:
			t += " · signed in"
		}
	}
	return t
}

// Labels name the flow's steps for people.
var labels = map[string]string{
	"discover-resource": "discovery", "discover-as": "metadata", "register": "registration",
	"authorize": "authorize", "callback": "callback", "token": "token", "refresh": "refresh",
	"signed-in": "signed in", "step-up": "step-up",
}

// Label is the name people see for a step of the flow.
func Label(step string) string {
	if l, ok := labels[step]; ok {
		return l
	}
	return termsafe.Line(step)
}

// kind names an attempt: a sign-in, a step-up sign-in or a refresh.
func kind(a *oauth.Attempt) string {
	switch {
	case a.StepUp():
		return "Step-up sign-in"
	case len(a.Steps) > 0 && a.Steps[0].Name == "refresh":
		return "Refresh"
	case len(a.Steps) > 0 && a.Steps[0].Name == "token" && len(a.Steps) == 1:
		return "Token"
	}
	return "Sign-in"
}

// outcome says how an attempt ended.
func outcome(st *common.Styles, a *oauth.Attempt) string {
	switch {
	case !a.Done:
		return st.Warn.Render("◌ in progress")
	case a.Failed != "":
		return st.Err.Render("✗ failed")
	}
	return st.OK.Render("✓ done")
}

// icon is a step's verdict.
func icon(st *common.Styles, a *oauth.Attempt, s *oauth.Step) string {
	switch {
	case s.Err != "":
		return st.Err.Render("✗")
	case !a.Done && a.Steps[len(a.Steps)-1] == s:
		return st.Warn.Render("◌")
	}
	return st.OK.Render("✓")
}

// View implements [component.Component].
func (p *Pane) View(w, h int) string {
	st := p.c.Styles
	p.SetSize(w, h)
	p.Sync()
	if len(p.rows) == 0 {
		return st.Muted.Render("no sign-in yet · a server that answers 401 starts one (OAuth); its steps show here")
	}
	var out []string
	from, to := p.list.Visible()
	for i := from; i < to; i++ {
		r := p.rows[i]
		var line string
		switch {
		case r.st != nil:
			line = "  " + icon(st, r.a, r.st) + " " + st.Text.Render(common.PadRight(Label(r.st.Name), 13)) + " " + p.stepSummary(r.st)
		case r.text != "":
			line = "    " + st.Warn.Render(r.text)
		default:
			line = st.Text.Bold(true).Render(fmt.Sprintf("%s %d", kind(r.a), r.n))
			if len(r.a.Steps) > 0 && !r.a.Steps[0].Start.IsZero() {
				line += st.Muted.Render(" · " + r.a.Steps[0].Start.Local().Format("15:04:05"))
			}
			line += "  " + outcome(st, r.a)
		}
		line = ansi.Truncate(line, w, "…")
		if i == p.list.Cursor() {
			sel := st.SelectedBlur
			if p.focused {
				sel = st.Selected
			}
			line = sel.Render(common.PadRight(ansi.Strip(line), w))
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// stepSummary is a step on one line: its last request and answer, and
// its verdict or failure.
func (p *Pane) stepSummary(s *oauth.Step) string {
	st := p.c.Styles
	var parts []string
	if n := len(s.Exchanges); n > 0 {
		x := s.Exchanges[n-1]
		req := ""
		if x.Request != nil {
			req = x.Request.HTTPMethod + " " + shortURL(x.Request.URL)
		} else if x.Answer != nil {
			req = x.Answer.HTTPMethod + " " + shortURL(x.Answer.URL)
		}
		ans := st.Muted.Render("…")
		if x.Answer != nil {
			ans = answerText(st, x.Answer)
		}
		s := st.Out.Render(termsafe.Line(req)) + st.Muted.Render(" → ") + ans
		if n > 1 {
			s += st.Muted.Render(fmt.Sprintf(" (%d requests)", n))
		}
		parts = append(parts, s)
	}
	switch {
	case s.Err != "":
		parts = append(parts, st.Err.Render(termsafe.Line(s.Err)))
	case len(s.Verdicts) > 0:
		parts = append(parts, st.Muted.Render(termsafe.Line(s.Verdicts[len(s.Verdicts)-1])))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// answerText is an answer's status (or its transport error).
func answerText(st *common.Styles, e *mcp.Event) string {
	switch {
	case e.Err != "":
		return st.Err.Render(termsafe.Line(e.Err))
	case e.Status >= 400:
		return st.Err.Render(fmt.Sprint(e.Status))
	case e.Status >= 300:
		return st.Warn.Render(fmt.Sprint(e.Status))
	}
	return st.In.Render(fmt.Sprint(e.Status))
}

// shortURL is a URL without its scheme, query and fragment (the detail
// has it whole).
func shortURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	s := u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// detail is the dialog with the requests and answers of the row's step
// (or of its whole attempt, on its heading or explanation).
func (p *Pane) detail(r *row) component.Dialog {
	a, only := r.a, r.st
	title := fmt.Sprintf("%s %d", kind(a), r.n)
	if only != nil {
		title += " · " + Label(only.Name)
	}
	c := p.c
	return dialog.NewReader(c, title, func(w, _ int) []string {
		var lines []string
		for _, s := range a.Steps {
			if only != nil && s != only {
				continue
			}
			lines = append(lines, StepLines(c, a, s, w)...)
			lines = append(lines, "")
		}
		if a.Failed != "" {
			lines = append(lines, common.WrapLines(c.Styles.Err.Render("failed: "+termsafe.Line(a.Failed)), w)...)
			lines = append(lines, common.WrapLines(c.Styles.Warn.Render("why: "+termsafe.Line(a.Explanation)), w)...)
		}
		return lines
	})
}

// StepLines draws a step whole: each request and answer (headers, bodies
// with their secret fields masked), its verdicts and its failure.
func StepLines(c *common.Common, a *oauth.Attempt, s *oauth.Step, w int) []string {
	st := c.Styles
	out := []string{icon(st, a, s) + " " + st.Text.Bold(true).Render(Label(s.Name)) + st.Muted.Render(" ("+termsafe.Line(s.Name)+")")}
	for _, x := range s.Exchanges {
		if e := x.Request; e != nil {
			out = append(out, common.WrapHard(st.Out.Render("→ "+termsafe.Line(e.HTTPMethod+" "+maskURL(e.URL))), w)...)
			out = append(out, headerLines(st, e.Header, w)...)
			out = append(out, bodyLines(st, e.Header.Get("Content-Type"), e.Body, w)...)
		}
		if e := x.Answer; e != nil {
			head := "← " + answerText(st, e)
			if e.ContentType != "" {
				head += st.Muted.Render(" " + termsafe.Line(e.ContentType))
			}
			if e.Text != "" {
				head += st.Muted.Render(" · " + termsafe.Line(e.Text))
			}
			out = append(out, common.WrapLines(head, w)...)
			out = append(out, headerLines(st, e.Header, w)...)
			out = append(out, bodyLines(st, e.ContentType, e.Body, w)...)
		}
	}
	for _, v := range s.Verdicts {
		out = append(out, common.WrapLines(st.OK.Render("✓ ")+st.Text.Render(termsafe.Line(v)), w)...)
	}
	if s.Err != "" {
		out = append(out, common.WrapLines(st.Err.Render("✗ "+termsafe.Line(s.Err)), w)...)
	}
	return out
}

func headerLines(st *common.Styles, h map[string][]string, w int) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, ansi.Truncate("  "+st.Muted.Render(termsafe.Line(k)+": ")+st.Text.Render(termsafe.Line(v)), w, "…"))
		}
	}
	return out
}

func bodyLines(st *common.Styles, contentType, body string, w int) []string {
	if body == "" {
		return nil
	}
	var out []string
	for _, l := range strings.Split(MaskBody(contentType, body), "\n") {
		for _, x := range common.WrapHard(termsafe.Line(l), w-2) {
			out = append(out, "  "+st.Text.Render(x))
		}
	}
	return out
}

// masked stands for a secret value.
const masked = "••••••"

// MaskBody masks the secret fields of a request's form or an answer's
// JSON (oauth.IsSecretField): JSON comes back indented.
func MaskBody(contentType, body string) string {
	t := strings.TrimSpace(body)
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		var v any
		if json.Unmarshal([]byte(t), &v) == nil {
			b, err := json.MarshalIndent(maskJSON(v), "", "  ")
			if err == nil {
				return string(b)
			}
		}
		return body
	}
	if strings.Contains(contentType, "x-www-form-urlencoded") || (!strings.ContainsAny(t, " \n<") && strings.Contains(t, "=")) {
		if q, err := url.ParseQuery(t); err == nil {
			return maskForm(q)
		}
	}
	return body
}

func maskJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if oauth.IsSecretField(k) {
				v[k] = masked
			} else {
				v[k] = maskJSON(x)
			}
		}
	case []any:
		for i := range v {
			v[i] = maskJSON(v[i])
		}
	}
	return v
}

func maskForm(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			if oauth.IsSecretField(k) {
				v = masked
			}
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, "&")
}

// maskURL masks the secret query parameters of a URL.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return mcp.RedactURL(raw)
	}
	q := u.Query()
	for k := range q {
		if oauth.IsSecretField(k) {
			q.Set(k, masked)
		}
	}
	u.RawQuery = q.Encode()
	return mcp.RedactURL(u.String())
}

// Header is who sonde is signed in as, for the status bar: who is the
// authorization server ("signed in login.example"), detail the scopes
// granted and when the token expires (at now), which a narrow bar leaves
// out first. Both are "" when not signed in.
func Header(st *common.Styles, s *oauth.Summary, now time.Time) (who, detail string) {
	if s == nil {
		return "", ""
	}
	at := s.Issuer
	if u, err := url.Parse(s.Issuer); err == nil && u.Host != "" {
		at = u.Host + strings.TrimSuffix(u.EscapedPath(), "/")
	}
	who = st.Muted.Render("signed in ") + st.OK.Render(termsafe.Line(at))
	var parts []string
	if len(s.Scopes) > 0 {
		parts = append(parts, st.Text.Render(termsafe.Line(strings.Join(s.Scopes, " "))))
	}
	if !s.Expiry.IsZero() {
		if left := s.Expiry.Sub(now); left > 0 {
			parts = append(parts, st.Text.Render(common.ShortDur(left))+st.Muted.Render(" left"))
		} else {
			parts = append(parts, st.Warn.Render("expired"))
		}
	}
	return who, strings.Join(parts, st.Muted.Render(" · "))
}

// ShortHelp implements [help.KeyMap].
func (p *Pane) ShortHelp() []key.Binding { return []key.Binding{p.Keys.Open, p.Keys.Refresh} }

// FullHelp implements [help.KeyMap].
func (p *Pane) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.Keys.Nav.Bindings(), {p.Keys.Open, p.Keys.Refresh}}
}
