package serverreq

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	"github.com/sonde-mcp/sonde/ui/dialog"
	"github.com/sonde-mcp/sonde/ui/form"
)

// Elicitation (protocol.md §4.6): form mode is answered with the argument
// form machinery; URL mode shows where the server wants to send the user
// and opens the URL only after the user says so. The 2025-11-25 -32042
// URLElicitationRequired error of a call offers the same URL flow, then a
// retry of the call once the server says the elicitation is complete.

// CodeURLElicitationRequired is the 2025-11-25 error a request fails with
// when the user must first visit URLs (data.elicitations[]).
const CodeURLElicitationRequired = -32042

// ElicitParams is ElicitRequest.params (form and URL mode).
type ElicitParams struct {
	Mode            string          `json:"mode"`
	Message         string          `json:"message"`
	RequestedSchema json.RawMessage `json:"requestedSchema"`
	URL             string          `json:"url"`
	ElicitationID   string          `json:"elicitationId"`
}

// ---- form mode ----

// Elicit answers a form-mode elicitation: accept (with the form's value),
// decline or cancel.
type Elicit struct {
	env     *Env
	p       *Pending
	Keys    ElicitKeys
	message string
	form    *form.Form
	secret  string    // a field that looks like it asks for a secret
	shown   time.Time // esc right after this is taken for a stray key
	// Guard: esc this long after the dialog appeared is taken for a
	// stray key.
	Guard  time.Duration
	styled *common.Styles
}

var _ Request = (*Elicit)(nil)

// acceptAnyway is the yes of "send it anyway?", delivered back to the
// dialog.
type acceptAnyway struct{}

// NewElicit builds the dialog for an elicitation request: a form, or the
// URL flow for mode "url"; an error says it cannot be read.
func NewElicit(env *Env, p *Pending) (Request, error) {
	var ep ElicitParams
	if len(p.Req.Params) > 0 {
		if err := json.Unmarshal(p.Req.Params, &ep); err != nil {
			return nil, err
		}
	}
	if ep.Mode == "url" {
		if ep.URL == "" {
			return nil, errors.New("a URL-mode elicitation without a url")
		}
		return NewURL(env, p, ep, nil), nil
	}
	if ep.Mode != "" && ep.Mode != "form" {
		return nil, fmt.Errorf("unknown elicitation mode %q", ep.Mode)
	}
	d := &Elicit{env: env, p: p, Keys: DefaultElicitKeys(), message: termsafe.Text(ep.Message), shown: time.Now(), Guard: env.Guard}
	sch := ep.RequestedSchema
	if len(sch) == 0 || string(sch) == "null" {
		sch = json.RawMessage(`{"type":"object"}`)
	}
	d.styled = env.C.Styles
	f, err := form.New(sch, form.Options{Styles: d.styled.Form})
	if err != nil {
		return nil, err
	}
	d.form = f
	d.secret = secretField(sch)
	return d, nil
}

// secretName is compiled on first use (an elicitation form), not at
// package initialisation, which every sonde process pays.
var secretName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)pass(word|wd|phrase)?\b|secret|token|api[_-]?key|credential|private[_-]?key|\botp\b|\bpin\b|\bcvv\b|\bssn\b`)
})

// secretField names a property of the requested schema that looks like it
// asks for a secret, which form mode must never be used for (the
// specification points such requests to URL mode).
func secretField(sch json.RawMessage) string {
	var s struct {
		Properties map[string]struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Format      string `json:"format"`
			WriteOnly   bool   `json:"writeOnly"`
		} `json:"properties"`
	}
	json.Unmarshal(sch, &s)
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := s.Properties[n]
		if secretName().MatchString(n) || secretName().MatchString(p.Title) || p.Format == "password" || p.WriteOnly {
			return termsafe.Line(n)
		}
	}
	return ""
}

// Pending implements [Request].
func (d *Elicit) Pending() *Pending { return d.p }

// Focus implements [Request].
func (d *Elicit) Focus() tea.Cmd { return d.form.Focus() }

// ElicitKeys is the keys of the elicitation dialogs: the form's, the
// URL's and the wait for a URL's completion (the queue's, F2 among them,
// come first: the root handles [QueueKeys]).
type ElicitKeys struct {
	Accept, Decline, Cancel key.Binding // the form
	// a URL: open it, accept and open it yourself, copy it, decline, cancel
	Open, AcceptSelf, Copy, DeclineURL, CancelURL key.Binding
	// the wait for its completion: retry the call (once done; r at once),
	// open it again, stop waiting
	Retry, RetryNow, OpenAgain, StopWaiting key.Binding
}

// DefaultElicitKeys returns the elicitation dialogs' keys.
func DefaultElicitKeys() ElicitKeys {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return ElicitKeys{
		Accept:      b([]string{"ctrl+r", "ctrl+s"}, "ctrl+r", "accept"),
		Decline:     b([]string{"ctrl+d"}, "ctrl+d", "decline"),
		Cancel:      b([]string{"esc"}, "esc", "cancel"),
		Open:        b([]string{"o", "enter"}, "o", "open in browser"),
		AcceptSelf:  b([]string{"a"}, "a", "accept, I open it"),
		Copy:        b([]string{"c", "y"}, "c", "copy URL"),
		DeclineURL:  b([]string{"d"}, "d", "decline"),
		CancelURL:   b([]string{"esc", "q"}, "esc", "cancel"),
		Retry:       b([]string{"enter"}, "enter", "retry the call"),
		RetryNow:    b([]string{"r"}, "r", "retry now"),
		OpenAgain:   b([]string{"o"}, "o", "open again"),
		StopWaiting: b([]string{"esc", "q"}, "esc", "stop waiting"),
	}
}

// ShortHelp implements [help.KeyMap]: the dialog's keys, then the
// form's main ones (the dialog's own line shows the first five).
func (d *Elicit) ShortHelp() []key.Binding {
	k, fk := d.Keys, d.form.KeyMap()
	return []key.Binding{k.Accept, k.Decline, k.Cancel, d.env.hide(), fk.Next, fk.Toggle, fk.Choose, fk.ToggleRaw}
}

// FullHelp implements [help.KeyMap]: the dialog's keys, then the form's.
func (d *Elicit) FullHelp() [][]key.Binding {
	return append([][]key.Binding{d.ShortHelp()}, d.form.KeyMap().FullHelp()...)
}

func (d *Elicit) answer(action string, force bool) component.Action {
	res := map[string]any{"action": action}
	if action == "accept" {
		v, err := d.form.Value()
		if err != nil {
			return component.Flash{Text: err.Error(), Err: true}
		}
		if !force && !d.form.Valid() {
			n := len(d.form.Errors())
			return component.Open{Dialog: dialog.NewConfirm(d.env.C, fmt.Sprintf("The answer does not match the requested schema (%d error(s)).\nSend it anyway?", n), Deliver{To: d, Msg: acceptAnyway{}})}
		}
		res["content"] = v
	}
	d.p.Answer(Answer{Result: res})
	return component.Then(component.Close{}, component.Flash{Text: "elicitation: " + action})
}

// Update implements [component.Component].
func (d *Elicit) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case acceptAnyway:
		return d.answer("accept", true), nil
	case tea.KeyPressMsg:
		switch k := d.Keys; {
		case key.Matches(msg, k.Accept):
			return d.answer("accept", false), nil
		case key.Matches(msg, k.Decline):
			return d.answer("decline", false), nil
		case key.Matches(msg, k.Cancel):
			if d.form.Raw() || d.form.KeyMap().Close.Enabled() {
				return nil, d.form.Update(msg)
			}
			if time.Since(d.shown) < d.Guard {
				return component.Flash{Text: "the dialog has just appeared: press esc again to cancel it", Err: true}, nil
			}
			return d.answer("cancel", false), nil
		}
	}
	return nil, d.form.Update(msg)
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Elicit) SetSize(int, int) {}

// View implements [component.Component].
func (d *Elicit) View(W, H int) string {
	st := d.env.C.Styles
	if d.styled != st {
		d.styled = st
		d.form.SetStyles(st.Form)
	}
	w, h := max(30, min(W-4, 110)), max(8, H-2)
	lines := []string{d.env.header(d.p, "asks you for input: "+d.p.What())}
	msgLines := common.WrapLines(d.message, w-2)
	if len(msgLines) > max(2, h/4) {
		msgLines = append(msgLines[:max(2, h/4)-1], "…")
	}
	for _, l := range msgLines {
		lines = append(lines, st.Text.Render(l))
	}
	if d.secret != "" {
		lines = append(lines, st.Warn.Render(truncate("⚠ "+d.secret+" looks like a secret: form elicitation must not ask for one", w-2)))
	}
	lines = append(lines, "")
	d.form.SetSize(w-2, max(3, h-3-len(lines)))
	lines = append(lines, strings.Split(d.form.View(), "\n")...)
	return common.DialogBox(st, d.env.title(d.p, "Elicitation"), lines, common.HelpLine(st, d.ShortHelp()[:5], w-2), w, h)
}

// ---- URL mode ----

// Target is a URL from a server, checked for display: the host shown
// prominently, and warnings about what could mislead a person.
type Target struct {
	// Raw is the URL exactly as sent (what is opened or copied).
	Raw string
	// Shown is the URL terminal-safe, Host its host.
	Shown, Host string
	scheme      string
	// Openable: an http or https URL with a host.
	Openable bool
	// Warnings say what could mislead a person.
	Warnings []string
}

// ParseTarget checks a URL a server sent.
func ParseTarget(raw string) Target {
	t := Target{Raw: raw, Shown: termsafe.Line(raw)}
	u, err := url.Parse(raw)
	if err != nil {
		t.Warnings = append(t.Warnings, "not a valid URL: "+termsafe.Line(err.Error()))
		return t
	}
	t.scheme = strings.ToLower(u.Scheme)
	t.Host = termsafe.Line(u.Hostname())
	t.Openable = (t.scheme == "https" || t.scheme == "http") && u.Host != ""
	if !t.Openable {
		t.Warnings = append(t.Warnings, "sonde opens only http(s) URLs; this one is "+termsafe.Line(common.FirstNonEmpty(t.scheme, "relative")))
	}
	if u.User != nil {
		t.Warnings = append(t.Warnings, "the URL carries a user name before @: the real host is "+t.Host)
	}
	h := u.Hostname()
	if strings.Contains(strings.ToLower(h), "xn--") {
		t.Warnings = append(t.Warnings, "internationalized (punycode) host: check it is the site you expect")
	}
	for _, r := range h {
		if r > 0x7e {
			t.Warnings = append(t.Warnings, "non-ASCII host name: it may imitate another domain")
			break
		}
	}
	if t.scheme == "http" && !isLoopbackHost(h) {
		t.Warnings = append(t.Warnings, "not encrypted (http)")
	}
	return t
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Call is the call that failed with -32042: what it was (for people) and
// the root's own handle on it (Ref), which [Retry] gives back.
type Call struct {
	Method, Subject string
	Ref             any
}

// OpenURL asks the root to open T in the browser (in a command).
type OpenURL struct{ T Target }

// Retry asks the root to make the call that failed with -32042 again.
type Retry struct{ Call *Call }

// URL asks the user's consent to open a URL: for an elicitation request in
// URL mode (p set) or one of the elicitations of a -32042 error (call
// set).
type URL struct {
	env     *Env
	p       *Pending
	call    *Call // the call that failed with -32042 (retry after completion)
	Keys    ElicitKeys
	message string
	id      string // elicitationId (2025-11-25)
	t       Target
	shown   time.Time // consent keys pressed right after this are ignored
	// Guard: consent keys this long after the dialog appeared are
	// ignored: it pops up unasked, and a key meant for what the user was
	// typing must not open a page.
	Guard time.Duration
}

var _ Request = (*URL)(nil)

// NewURL is the dialog for a URL elicitation: of request p, or (p nil)
// of call's -32042 error.
func NewURL(env *Env, p *Pending, ep ElicitParams, call *Call) *URL {
	d := &URL{env: env, p: p, call: call, Keys: DefaultElicitKeys(), message: termsafe.Text(ep.Message), id: ep.ElicitationID,
		t: ParseTarget(ep.URL), shown: time.Now(), Guard: env.Guard}
	if p == nil {
		d.Keys.AcceptSelf.SetEnabled(false)
		d.Keys.DeclineURL.SetEnabled(false)
		d.Keys.CancelURL.SetHelp("esc", "close")
	}
	return d
}

// ForCall reports whether the dialog is for a call's -32042 error.
func (d *URL) ForCall() bool { return d.call != nil }

// tooSoon is the note for a consent key that came right after the dialog
// appeared (nil when it did not).
func (d *URL) tooSoon() component.Action {
	if time.Since(d.shown) >= d.Guard {
		return nil
	}
	return component.Flash{Text: "the dialog has just appeared: press the key again to be sure", Err: true}
}

// Pending implements [Request].
func (d *URL) Pending() *Pending { return d.p }

// Focus implements [Request].
func (d *URL) Focus() tea.Cmd { return nil }

// ShortHelp implements [help.KeyMap].
func (d *URL) ShortHelp() []key.Binding {
	k := d.Keys
	if d.p == nil {
		return []key.Binding{k.Open, k.Copy, k.CancelURL}
	}
	return []key.Binding{k.Open, k.AcceptSelf, k.Copy, k.DeclineURL, k.CancelURL, d.env.hide()}
}

// FullHelp implements [help.KeyMap].
func (d *URL) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// copyURL copies the URL (terminal-safe).
func copyURL(t Target) component.Action {
	return component.Copy{What: "the URL", Text: termsafe.Line(t.Raw)}
}

// Update implements [component.Component].
func (d *URL) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	switch {
	case key.Matches(k, d.Keys.Open):
		if !d.t.Openable {
			return component.Flash{Text: "sonde opens only http(s) URLs: c copies it", Err: true}, nil
		}
		if a := d.tooSoon(); a != nil {
			return a, nil
		}
		return d.consent(true), nil
	case key.Matches(k, d.Keys.AcceptSelf):
		if d.p != nil {
			if a := d.tooSoon(); a != nil {
				return a, nil
			}
			return d.consent(false), nil
		}
	case key.Matches(k, d.Keys.Copy):
		return copyURL(d.t), nil
	case key.Matches(k, d.Keys.DeclineURL):
		if d.p != nil {
			d.p.Answer(Answer{Result: map[string]any{"action": "decline"}})
			return component.Then(component.Close{}, component.Flash{Text: "declined to open " + d.t.Host}), nil
		}
	case key.Matches(k, d.Keys.CancelURL):
		if d.p != nil {
			d.p.Answer(Answer{Result: map[string]any{"action": "cancel"}})
			return component.Then(component.Close{}, component.Flash{Text: "cancelled the URL elicitation"}), nil
		}
		return component.Close{}, nil
	}
	return nil, nil
}

// consent accepts (for a request), opens the URL if asked, and waits for
// the server's completion notification where there is one.
func (d *URL) consent(open bool) component.Action {
	if d.p != nil {
		d.p.Answer(Answer{Result: map[string]any{"action": "accept"}})
	}
	var next, opening component.Action = component.Close{}, nil
	if open {
		opening = OpenURL{T: d.t}
	}
	if d.id != "" || d.call != nil {
		w := NewWait(d.env, d.id, d.t, d.call, open)
		next = component.Replace{Dialog: w}
	} else if !open {
		return component.Then(next, component.Flash{Text: "accepted; open " + d.t.Host + " yourself"})
	}
	return component.Then(next, opening)
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *URL) SetSize(int, int) {}

// View implements [component.Component].
func (d *URL) View(W, H int) string {
	st := d.env.C.Styles
	w := max(30, min(W-4, 100))
	iw := w - 2
	var lines []string
	if d.p != nil {
		lines = append(lines, d.env.header(d.p, "asks you to open a web page: "+d.p.What()))
	} else {
		lines = append(lines, st.Accent.Render(d.env.Server)+st.Text.Render(" needs you to open a web page before "+d.call.Method+" "+d.call.Subject+" can go on (-32042)"))
	}
	lines = append(lines, "")
	for _, l := range common.WrapLines(d.message, iw) {
		lines = append(lines, st.Text.Render(l))
	}
	lines = append(lines, "", st.Muted.Render("host ")+st.Accent.Render(truncate(common.FirstNonEmpty(d.t.Host, "(none)"), iw-5)))
	for _, l := range common.WrapHard(d.t.Shown, iw-2) {
		lines = append(lines, "  "+st.Accent2.Render(l))
	}
	for _, wng := range d.t.Warnings {
		for _, l := range common.WrapLines("⚠ "+wng, iw) {
			lines = append(lines, st.Warn.Render(l))
		}
	}
	if d.id != "" {
		lines = append(lines, st.Muted.Render(truncate("elicitation id "+termsafe.Line(d.id), iw)))
	}
	lines = append(lines, "", st.Muted.Render("Nothing is opened until you press o. The page is the server's, not sonde's."), "")
	title := "Open a URL?"
	if d.p != nil {
		title = d.env.title(d.p, title)
	}
	return common.DialogBox(st, title, lines, common.HelpLine(st, d.ShortHelp(), w-2), w, H-2)
}

// Wait waits for notifications/elicitation/complete after the user
// consented to a URL; for a -32042 error it then offers to retry the
// call.
type Wait struct {
	env     *Env
	Keys    ElicitKeys
	id      string
	t       Target
	call    *Call
	opened  bool
	done    bool
	openErr string
}

var _ component.Dialog = (*Wait)(nil)

// NewWait is the wait for elicitation id's completion (id "": the server
// sends none) after the user consented to open t (opened: sonde opened
// it); call is the -32042 call to retry, if any.
func NewWait(env *Env, id string, t Target, call *Call, opened bool) *Wait {
	d := &Wait{env: env, Keys: DefaultElicitKeys(), id: id, t: t, call: call, opened: opened,
		done: id != "" && env.Queue != nil && env.Queue.Completed(id)}
	d.syncKeys()
	return d
}

// syncKeys turns on the keys that act now.
func (d *Wait) syncKeys() {
	k := &d.Keys
	retry := d.done && d.call != nil
	k.Retry.SetEnabled(retry)
	k.RetryNow.SetEnabled(d.call != nil)
	k.OpenAgain.SetEnabled(d.t.Openable)
	if retry {
		k.StopWaiting.SetHelp("esc", "close")
	}
}

// ID is the elicitation id it waits for ("" when the server sends no
// completion).
func (d *Wait) ID() string { return d.id }

// Done reports whether the server said the elicitation is complete.
func (d *Wait) Done() bool { return d.done }

// Complete says the server sent the completion; it reports whether the
// dialog has nothing left to offer (no call to retry) and should close.
func (d *Wait) Complete() bool {
	d.done = true
	d.syncKeys()
	return d.call == nil
}

// OpenFailed says opening url did not work (why, for people); the dialog
// offers to copy it instead.
func (d *Wait) OpenFailed(url, why string) {
	if d.t.Raw == url {
		d.openErr, d.opened = why, false
	}
}

// Update implements [component.Component].
func (d *Wait) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	switch k := d.Keys; {
	case key.Matches(m, k.Retry, k.RetryNow):
		return component.Then(component.Close{}, Retry{Call: d.call}), nil
	case key.Matches(m, k.OpenAgain):
		return OpenURL{T: d.t}, nil
	case key.Matches(m, k.Copy):
		return copyURL(d.t), nil
	case key.Matches(m, k.StopWaiting):
		if !d.done {
			return component.Then(component.Close{}, component.Flash{Text: "no longer waiting; the completion will still show in the log"}), nil
		}
		return component.Close{}, nil
	}
	return nil, nil
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Wait) SetSize(int, int) {}

// ShortHelp implements [help.KeyMap].
func (d *Wait) ShortHelp() []key.Binding {
	k := d.Keys
	return []key.Binding{k.Retry, k.OpenAgain, k.Copy, k.RetryNow, k.StopWaiting}
}

// FullHelp implements [help.KeyMap].
func (d *Wait) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// View implements [component.Component].
func (d *Wait) View(W, H int) string {
	st := d.env.C.Styles
	w := max(30, min(W-4, 90))
	iw := w - 2
	lines := []string{st.Muted.Render("host ") + st.Accent.Render(truncate(common.FirstNonEmpty(d.t.Host, "(none)"), iw-5))}
	for _, l := range common.WrapHard(d.t.Shown, iw-2) {
		lines = append(lines, "  "+st.Accent2.Render(l))
	}
	lines = append(lines, "")
	switch {
	case d.openErr != "":
		for _, l := range common.WrapLines(d.openErr, iw) {
			lines = append(lines, st.Err.Render(l))
		}
		lines = append(lines, st.Muted.Render("c copies the URL (OSC 52) so you can open it yourself"))
	case d.opened:
		lines = append(lines, st.Text.Render("opened in your browser"))
	default:
		lines = append(lines, st.Text.Render("open it yourself (c copies it)"))
	}
	lines = append(lines, "")
	switch {
	case d.done && d.call != nil:
		lines = append(lines, st.OK.Render("✓ the server says it is complete"), st.Text.Render("enter retries "+d.call.Method+" "+d.call.Subject))
	case d.done:
		lines = append(lines, st.OK.Render("✓ the server says it is complete"))
	case d.id != "":
		lines = append(lines, st.Warn.Render(common.Spinner(d.env.C.Now)+" waiting for notifications/elicitation/complete"))
	default:
		lines = append(lines, st.Muted.Render("this server sends no completion notice; r retries the call when you are done"))
	}
	lines = append(lines, "")
	return common.DialogBox(st, "URL elicitation", lines, common.HelpLine(st, d.ShortHelp(), w-2), w, H-2)
}

// URLElicitations returns the elicitations of a -32042 error (none for
// another error).
func URLElicitations(err error) []ElicitParams {
	var re *mcp.RPCError
	if !errors.As(err, &re) || re.Code != CodeURLElicitationRequired {
		return nil
	}
	var data struct {
		Elicitations []ElicitParams `json:"elicitations"`
	}
	json.Unmarshal(re.Data, &data)
	var out []ElicitParams
	for _, e := range data.Elicitations {
		if e.URL != "" {
			out = append(out, e)
		}
	}
	return out
}

// Proposed is the answer the form would send untouched, if it is valid:
// accept with its defaults (the queue's quick "answer").
func (d *Elicit) Proposed() (Answer, bool) {
	v, err := d.form.Value()
	if err != nil || !d.form.Valid() {
		return Answer{}, false
	}
	return Answer{Result: map[string]any{"action": "accept", "content": v}}, true
}

// AsRule is the form's value as a rule for every elicitation (ctrl+y):
// accept with these members over each request's defaults.
func (d *Elicit) AsRule() (string, error) {
	v, err := d.form.Value()
	if err != nil {
		return "", err
	}
	return policy.ElicitAccept + string(v), nil
}
