package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/policy"
	"github.com/sonde-mcp/sonde/termsafe"
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

// elicitParams is ElicitRequest.params (form and URL mode).
type elicitParams struct {
	Mode            string          `json:"mode"`
	Message         string          `json:"message"`
	RequestedSchema json.RawMessage `json:"requestedSchema"`
	URL             string          `json:"url"`
	ElicitationID   string          `json:"elicitationId"`
}

// ---- form mode ----

// elicitDialog answers a form-mode elicitation: accept (with the form's
// value), decline or cancel.
type elicitDialog struct {
	p       *pendingRequest
	message string
	form    *form.Form
	secret  string    // a field that looks like it asks for a secret
	shown   time.Time // esc right after this is taken for a stray key
}

// newElicitDialog builds the dialog for an elicitation request: a form,
// or the URL flow for mode "url".
func newElicitDialog(m *Model, p *pendingRequest) (requestDialogFocus, error) {
	var ep elicitParams
	if len(p.msg.req.Params) > 0 {
		if err := json.Unmarshal(p.msg.req.Params, &ep); err != nil {
			return nil, err
		}
	}
	if ep.Mode == "url" {
		if ep.URL == "" {
			return nil, errors.New("a URL-mode elicitation without a url")
		}
		return newURLDialog(m, p, ep, nil), nil
	}
	if ep.Mode != "" && ep.Mode != "form" {
		return nil, fmt.Errorf("unknown elicitation mode %q", ep.Mode)
	}
	d := &elicitDialog{p: p, message: termsafe.Text(ep.Message), shown: time.Now()}
	sch := ep.RequestedSchema
	if len(sch) == 0 || string(sch) == "null" {
		sch = json.RawMessage(`{"type":"object"}`)
	}
	f, err := form.New(sch, form.Options{Styles: m.st.Form})
	if err != nil {
		return nil, err
	}
	d.form = f
	d.secret = secretField(sch)
	return d, nil
}

// requestDialogFocus is a request dialog that takes the keyboard focus
// when it opens.
type requestDialogFocus interface {
	requestDialog
	focus() tea.Cmd
}

var secretName = regexp.MustCompile(`(?i)pass(word|wd|phrase)?\b|secret|token|api[_-]?key|credential|private[_-]?key|\botp\b|\bpin\b|\bcvv\b|\bssn\b`)

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
		if secretName.MatchString(n) || secretName.MatchString(p.Title) || p.Format == "password" || p.WriteOnly {
			return termsafe.Line(n)
		}
	}
	return ""
}

func (d *elicitDialog) pending() *pendingRequest { return d.p }

func (d *elicitDialog) focus() tea.Cmd { return d.form.Focus() }

func (d *elicitDialog) restyle(st *Styles) { d.form.SetStyles(st.Form) }

func (d *elicitDialog) forward(msg tea.Msg) tea.Cmd { return d.form.Update(msg) }

// elicitKeyMap is the keys of the elicitation dialogs: the form's, the
// URL's and the wait for a URL's completion (the queue's, F2 among them,
// come first: QueueKeys).
type elicitKeyMap struct {
	Accept, Decline, Cancel key.Binding // the form
	// a URL: open it, accept and open it yourself, copy it, decline, cancel
	Open, AcceptSelf, Copy, DeclineURL, CancelURL key.Binding
	// the wait for its completion: retry the call (once done; r at once),
	// open it again, stop waiting
	Retry, RetryNow, OpenAgain, StopWaiting key.Binding
}

// elicitKeys are the elicitation dialogs' keys (read only).
var elicitKeys = func() elicitKeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return elicitKeyMap{
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
}()

func (d *elicitDialog) help(*Model) []key.Binding {
	fk, k := d.form.KeyMap(), elicitKeys
	return []key.Binding{k.Accept, k.Decline, k.Cancel, kb("f2", "hide"), fk.Next, fk.Toggle, fk.Choose, fk.ToggleRaw}
}

func (d *elicitDialog) answer(m *Model, action string, force bool) tea.Cmd {
	res := map[string]any{"action": action}
	if action == "accept" {
		v, err := d.form.Value()
		if err != nil {
			m.setFlash(err.Error(), true)
			return nil
		}
		if !force && !d.form.Valid() {
			n := len(d.form.Errors())
			m.open(dialog.NewConfirm(m.com, fmt.Sprintf("The answer does not match the requested schema (%d error(s)).\nSend it anyway?", n), legacyYes{func(m *Model) tea.Cmd { return d.answer(m, action, true) }}))
			return nil
		}
		res["content"] = v
	}
	d.p.answer(serverAnswer{result: res})
	m.removeDialog(d)
	m.setFlash("elicitation: "+action, false)
	return nil
}

func (d *elicitDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch k := elicitKeys; {
	case key.Matches(msg, k.Accept):
		return d.answer(m, "accept", false)
	case key.Matches(msg, k.Decline):
		return d.answer(m, "decline", false)
	case key.Matches(msg, k.Cancel):
		if d.form.Raw() || d.form.KeyMap().Close.Enabled() {
			return d.form.Update(msg)
		}
		if time.Since(d.shown) < m.consentGuard {
			m.setFlash("the dialog has just appeared: press esc again to cancel it", true)
			return nil
		}
		return d.answer(m, "cancel", false)
	}
	return d.form.Update(msg)
}

func (d *elicitDialog) view(m *Model, W, H int) string {
	st := m.st
	w, h := max(30, min(W-4, 110)), max(8, H-2)
	lines := []string{m.askHeader(d.p, "asks you for input: "+d.p.what())}
	msgLines := wrapLines(d.message, w-2)
	if len(msgLines) > max(2, h/4) {
		msgLines = append(msgLines[:max(2, h/4)-1], "…")
	}
	for _, l := range msgLines {
		lines = append(lines, st.Text.Render(l))
	}
	if d.secret != "" {
		lines = append(lines, st.Warn.Render(ansi.Truncate("⚠ "+d.secret+" looks like a secret: form elicitation must not ask for one", w-2, "…")))
	}
	lines = append(lines, "")
	d.form.SetSize(w-2, max(3, h-3-len(lines)))
	lines = append(lines, strings.Split(d.form.View(), "\n")...)
	return frame(st, m.requestTitle(d.p, "Elicitation"), lines, bindingHelp(st, d.help(m)[:5]...), w, h)
}

// ---- URL mode ----

// urlTarget is a URL from a server, checked for display: the host shown
// prominently, and warnings about what could mislead a person.
type urlTarget struct {
	raw      string // exactly as sent (what is opened or copied)
	shown    string // terminal-safe
	host     string // terminal-safe
	scheme   string
	openable bool // http or https
	warnings []string
}

func parseURLTarget(raw string) urlTarget {
	t := urlTarget{raw: raw, shown: termsafe.Line(raw)}
	u, err := url.Parse(raw)
	if err != nil {
		t.warnings = append(t.warnings, "not a valid URL: "+termsafe.Line(err.Error()))
		return t
	}
	t.scheme = strings.ToLower(u.Scheme)
	t.host = termsafe.Line(u.Hostname())
	t.openable = (t.scheme == "https" || t.scheme == "http") && u.Host != ""
	if !t.openable {
		t.warnings = append(t.warnings, "sonde opens only http(s) URLs; this one is "+termsafe.Line(firstNonEmpty(t.scheme, "relative")))
	}
	if u.User != nil {
		t.warnings = append(t.warnings, "the URL carries a user name before @: the real host is "+t.host)
	}
	h := u.Hostname()
	if strings.Contains(strings.ToLower(h), "xn--") {
		t.warnings = append(t.warnings, "internationalized (punycode) host: check it is the site you expect")
	}
	for _, r := range h {
		if r > 0x7e {
			t.warnings = append(t.warnings, "non-ASCII host name: it may imitate another domain")
			break
		}
	}
	if t.scheme == "http" && !isLoopbackHost(h) {
		t.warnings = append(t.warnings, "not encrypted (http)")
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

// urlDialog asks the user's consent to open a URL: for an elicitation
// request in URL mode (p set) or one of the elicitations of a -32042 error
// (call set).
type urlDialog struct {
	p       *pendingRequest
	call    *call // the call that failed with -32042 (retry after completion)
	message string
	id      string // elicitationId (2025-11-25)
	t       urlTarget
	shown   time.Time // consent keys pressed right after this are ignored
}

func newURLDialog(m *Model, p *pendingRequest, ep elicitParams, c *call) *urlDialog {
	return &urlDialog{p: p, call: c, message: termsafe.Text(ep.Message), id: ep.ElicitationID, t: parseURLTarget(ep.URL), shown: time.Now()}
}

// consentGuard is how long after a URL dialog appears its consent keys are
// ignored: it pops up unasked, and a key meant for what the user was
// typing must not open a page.
const consentGuard = 600 * time.Millisecond

// tooSoon reports (and says) that a consent key came right after the
// dialog appeared.
func (d *urlDialog) tooSoon(m *Model) bool {
	if time.Since(d.shown) >= m.consentGuard {
		return false
	}
	m.setFlash("the dialog has just appeared: press the key again to be sure", true)
	return true
}

func (d *urlDialog) pending() *pendingRequest {
	if d.p == nil {
		return nil
	}
	return d.p
}

func (d *urlDialog) focus() tea.Cmd { return nil }

func (d *urlDialog) help(*Model) []key.Binding {
	k := elicitKeys
	if d.p == nil {
		k.CancelURL.SetHelp("esc", "close")
		return []key.Binding{k.Open, k.Copy, k.CancelURL}
	}
	return []key.Binding{k.Open, k.AcceptSelf, k.Copy, k.DeclineURL, k.CancelURL, kb("f2", "hide")}
}

func (d *urlDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch k := elicitKeys; {
	case key.Matches(msg, k.Open):
		if !d.t.openable {
			m.setFlash("sonde opens only http(s) URLs: c copies it", true)
			return nil
		}
		if d.tooSoon(m) {
			return nil
		}
		return d.consent(m, true)
	case key.Matches(msg, k.AcceptSelf):
		if d.p != nil && !d.tooSoon(m) {
			return d.consent(m, false)
		}
	case key.Matches(msg, k.Copy):
		return m.copyURL(d.t)
	case key.Matches(msg, k.DeclineURL):
		if d.p != nil {
			d.p.answer(serverAnswer{result: map[string]any{"action": "decline"}})
			m.removeDialog(d)
			m.setFlash("declined to open "+d.t.host, false)
		}
	case key.Matches(msg, k.CancelURL):
		if d.p != nil {
			d.p.answer(serverAnswer{result: map[string]any{"action": "cancel"}})
			m.setFlash("cancelled the URL elicitation", false)
		}
		m.removeDialog(d)
	}
	return nil
}

// consent accepts (for a request), opens the URL if asked, and waits for
// the server's completion notification where there is one.
func (d *urlDialog) consent(m *Model, open bool) tea.Cmd {
	if d.p != nil {
		d.p.answer(serverAnswer{result: map[string]any{"action": "accept"}})
	}
	m.removeDialog(d)
	var cmd tea.Cmd
	if open {
		cmd = m.openURL(d.t)
	}
	if d.id != "" || d.call != nil {
		w := &elicitWaitDialog{id: d.id, t: d.t, call: d.call, opened: open, done: d.id != "" && m.elicitDone[d.id]}
		m.pushDialog(w)
	} else if !open {
		m.setFlash("accepted; open "+d.t.host+" yourself", false)
	}
	return cmd
}

func (d *urlDialog) view(m *Model, W, H int) string {
	st := m.st
	w := max(30, min(W-4, 100))
	iw := w - 2
	var lines []string
	if d.p != nil {
		lines = append(lines, m.askHeader(d.p, "asks you to open a web page: "+d.p.what()))
	} else {
		lines = append(lines, st.Accent.Render(m.serverName())+st.Text.Render(" needs you to open a web page before "+d.call.method+" "+d.call.subject+" can go on (-32042)"))
	}
	lines = append(lines, "")
	for _, l := range wrapLines(d.message, iw) {
		lines = append(lines, st.Text.Render(l))
	}
	lines = append(lines, "", st.Muted.Render("host ")+st.Accent.Render(ansi.Truncate(firstNonEmpty(d.t.host, "(none)"), iw-5, "…")))
	for _, l := range wrapHard(d.t.shown, iw-2) {
		lines = append(lines, "  "+st.Accent2.Render(l))
	}
	for _, wng := range d.t.warnings {
		for _, l := range wrapLines("⚠ "+wng, iw) {
			lines = append(lines, st.Warn.Render(l))
		}
	}
	if d.id != "" {
		lines = append(lines, st.Muted.Render(ansi.Truncate("elicitation id "+termsafe.Line(d.id), iw, "…")))
	}
	lines = append(lines, "", st.Muted.Render("Nothing is opened until you press o. The page is the server's, not sonde's."), "")
	title := "Open a URL?"
	if d.p != nil {
		title = m.requestTitle(d.p, title)
	}
	return frame(st, title, lines, bindingHelp(st, d.help(m)...), w, H-2)
}

// elicitWaitDialog waits for notifications/elicitation/complete after the
// user consented to a URL; for a -32042 error it then offers to retry the
// call.
type elicitWaitDialog struct {
	id      string
	t       urlTarget
	call    *call
	opened  bool
	done    bool
	openErr string
}

func (d *elicitWaitDialog) help(*Model) []key.Binding {
	k := elicitKeys
	if d.done && d.call != nil {
		k.StopWaiting.SetHelp("esc", "close")
		return []key.Binding{k.Retry, k.StopWaiting}
	}
	if d.call != nil {
		return []key.Binding{k.OpenAgain, k.Copy, k.RetryNow, k.StopWaiting}
	}
	return []key.Binding{k.OpenAgain, k.Copy, k.StopWaiting}
}

func (d *elicitWaitDialog) update(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch k := elicitKeys; {
	case key.Matches(msg, k.Retry, k.RetryNow):
		if d.call != nil && (d.done || key.Matches(msg, k.RetryNow)) {
			m.removeDialog(d)
			c := d.call
			return m.startCallAs(c.method, c.subject, c.item, json.RawMessage(c.params), c.asTask)
		}
	case key.Matches(msg, k.OpenAgain):
		if d.t.openable {
			return m.openURL(d.t)
		}
	case key.Matches(msg, k.Copy):
		return m.copyURL(d.t)
	case key.Matches(msg, k.StopWaiting):
		m.removeDialog(d)
		if !d.done {
			m.setFlash("no longer waiting; the completion will still show in the log", false)
		}
	}
	return nil
}

func (d *elicitWaitDialog) view(m *Model, W, H int) string {
	st := m.st
	w := max(30, min(W-4, 90))
	iw := w - 2
	lines := []string{st.Muted.Render("host ") + st.Accent.Render(ansi.Truncate(firstNonEmpty(d.t.host, "(none)"), iw-5, "…"))}
	for _, l := range wrapHard(d.t.shown, iw-2) {
		lines = append(lines, "  "+st.Accent2.Render(l))
	}
	lines = append(lines, "")
	switch {
	case d.openErr != "":
		for _, l := range wrapLines(d.openErr, iw) {
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
		lines = append(lines, st.OK.Render("✓ the server says it is complete"), st.Text.Render("enter retries "+d.call.method+" "+d.call.subject))
	case d.done:
		lines = append(lines, st.OK.Render("✓ the server says it is complete"))
	case d.id != "":
		lines = append(lines, st.Warn.Render(spinner(m.com.Now)+" waiting for notifications/elicitation/complete"))
	default:
		lines = append(lines, st.Muted.Render("this server sends no completion notice; r retries the call when you are done"))
	}
	lines = append(lines, "")
	return frame(st, "URL elicitation", lines, bindingHelp(st, d.help(m)...), w, H-2)
}

// elicitationComplete handles notifications/elicitation/complete: the
// waiting dialog for that id says so (and closes when there is nothing to
// retry).
func (m *Model) elicitationComplete(id string) {
	if id == "" {
		return
	}
	if m.elicitDone == nil {
		m.elicitDone = map[string]bool{}
	}
	m.elicitDone[id] = true
	for _, d := range m.dialogs {
		if w, ok := unwrap(d).(*elicitWaitDialog); ok && w.id == id && !w.done {
			w.done = true
			if w.call == nil {
				m.removeDialog(w)
				m.setFlash("the server says the URL elicitation is complete", false)
			}
			return
		}
	}
}

// urlElicitationsOf returns the elicitations of a -32042 error.
func urlElicitationsOf(err error) []elicitParams {
	var re *mcp.RPCError
	if !errors.As(err, &re) || re.Code != CodeURLElicitationRequired {
		return nil
	}
	var data struct {
		Elicitations []elicitParams `json:"elicitations"`
	}
	json.Unmarshal(re.Data, &data)
	var out []elicitParams
	for _, e := range data.Elicitations {
		if e.URL != "" {
			out = append(out, e)
		}
	}
	return out
}

// offerURLElicitations opens the URL flow for each elicitation of a -32042
// error (the first one on top).
func (m *Model) offerURLElicitations(c *call, err error) bool {
	els := urlElicitationsOf(err)
	for i := len(els) - 1; i >= 0; i-- {
		m.pushDialog(newURLDialog(m, nil, els[i], c))
	}
	return len(els) > 0
}

// ---- opening and copying URLs ----

// urlOpenedMsg reports how opening a URL went.
type urlOpenedMsg struct {
	t   urlTarget
	err error
}

// errNoOpener says there is no program to open URLs with.
var errNoOpener = errors.New("no program to open URLs with")

// openURL opens an http(s) URL with the system's opener, in a command;
// the opener runs detached from the terminal.
func (m *Model) openURL(t urlTarget) tea.Cmd {
	if !t.openable {
		return nil
	}
	open := m.opener
	if open == nil {
		open = systemOpen
	}
	return func() tea.Msg { return urlOpenedMsg{t: t, err: open(t.raw)} }
}

// systemOpen starts xdg-open (open on macOS) with the URL as its only
// argument, with no shell and none of sonde's terminal.
func systemOpen(u string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		name = "xdg-open"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%w (%s not found)", errNoOpener, name)
	}
	cmd := exec.Command(path, append(args, u)...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck // reaps the opener; its exit status says nothing useful
	return nil
}

func (m *Model) urlOpened(msg urlOpenedMsg) tea.Cmd {
	if msg.err == nil {
		m.setFlash("opened "+msg.t.host+" in your browser", false)
		return nil
	}
	text := "could not open the URL: " + termsafe.Line(msg.err.Error())
	if errors.Is(msg.err, errNoOpener) {
		text = "no browser opener (xdg-open/open) on this machine: c copies the URL"
	}
	for _, d := range m.dialogs {
		if w, ok := unwrap(d).(*elicitWaitDialog); ok && w.t.raw == msg.t.raw {
			w.openErr, w.opened = text, false
		}
	}
	m.setFlash(text, true)
	return nil
}

// copyURL copies a URL (see [Model.copyCmd]).
func (m *Model) copyURL(t urlTarget) tea.Cmd {
	return m.copyCmd("the URL", termsafe.Line(t.raw), "")
}

// proposed is the answer the form would send untouched, if it is valid:
// accept with its defaults (the queue's quick "answer").
func (d *elicitDialog) proposed() (serverAnswer, bool) {
	v, err := d.form.Value()
	if err != nil || !d.form.Valid() {
		return serverAnswer{}, false
	}
	return serverAnswer{result: map[string]any{"action": "accept", "content": v}}, true
}

// asRule is the form's value as a rule for every elicitation (ctrl+y):
// accept with these members over each request's defaults.
func (d *elicitDialog) asRule() (string, error) {
	v, err := d.form.Value()
	if err != nil {
		return "", err
	}
	return policy.ElicitAccept + string(v), nil
}
