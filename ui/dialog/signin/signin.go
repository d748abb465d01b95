// Package signin is the sign-in dialog: a server answered 401 (or 403
// insufficient_scope) and the OAuth flow needs the person at a browser.
// It says who the sign-in is for (the server, the authorization server,
// the scopes, on a step-up the scopes the server wants on top), shows the
// URL to open, and takes the answer: the browser coming back to sonde's
// loopback listener (the dialog closes by itself), the URL the browser was
// sent back to pasted (SSH sessions, containers: --no-browser), or a
// cancel. The pasted URL carries the authorization code: it is never
// drawn.
package signin

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
)

// KeyMap is the dialog's keys.
type KeyMap struct {
	// Open opens the URL in the browser (not with --no-browser).
	Open key.Binding
	// Copy copies the URL.
	Copy key.Binding
	// Paste starts typing (or pasting) the URL the browser was sent back
	// to; Submit gives it, Back leaves the field.
	Paste, Submit, Back key.Binding
	// Cancel gives up the sign-in.
	Cancel key.Binding
}

// DefaultKeyMap returns the dialog's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Open:   key.NewBinding(key.WithKeys("enter", "o"), key.WithHelp("enter", "open in the browser")),
		Copy:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy URL")),
		Paste:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "paste the URL you were sent back to")),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "sign in with it")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel sign-in")),
	}
}

// Open asks the root to open URL in the system browser.
type Open struct{ URL string }

// Dialog is one sign-in waiting for the person.
type Dialog struct {
	c    *common.Common
	p    *oauth.Prompt
	Keys KeyMap
	// Guard ignores the open key this long after the dialog appeared:
	// a 401 may open it while the person is typing elsewhere.
	Guard time.Duration
	shown time.Time

	input   textinput.Model
	pasting bool
	err     string // why the last pasted text was not taken
}

var _ component.Dialog = (*Dialog)(nil)

// New returns the dialog for p.
func New(c *common.Common, p *oauth.Prompt) *Dialog {
	d := &Dialog{c: c, p: p, Keys: DefaultKeyMap(), Guard: 600 * time.Millisecond, shown: time.Now()}
	d.input = textinput.New()
	d.input.Prompt = "› "
	d.input.Placeholder = "http://127.0.0.1:…/callback?code=…"
	d.input.EchoMode = textinput.EchoPassword // the code is a secret
	d.input.EchoCharacter = '•'
	d.input.CharLimit = 16 << 10
	d.syncKeys()
	return d
}

// Prompt is the sign-in the dialog is for (the root closes the dialog
// when it no longer waits: [oauth.Prompt.Done]).
func (d *Dialog) Prompt() *oauth.Prompt { return d.p }

// syncKeys turns on the keys of the current mode.
func (d *Dialog) syncKeys() {
	d.Keys.Open.SetEnabled(!d.pasting && !d.p.NoBrowser)
	d.Keys.Copy.SetEnabled(!d.pasting)
	d.Keys.Paste.SetEnabled(!d.pasting)
	d.Keys.Cancel.SetEnabled(!d.pasting)
	d.Keys.Submit.SetEnabled(d.pasting)
	d.Keys.Back.SetEnabled(d.pasting)
}

// Update implements [component.Component].
func (d *Dialog) Update(msg tea.Msg) (component.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		d.startPasting()
		d.input.SetValue(strings.TrimSpace(msg.Content))
		return d.submit(), nil
	case tea.KeyPressMsg:
		if d.pasting {
			switch {
			case key.Matches(msg, d.Keys.Submit):
				return d.submit(), nil
			case key.Matches(msg, d.Keys.Back):
				d.pasting, d.err = false, ""
				d.input.SetValue("")
				d.input.Blur()
				d.syncKeys()
				return nil, nil
			}
			var cmd tea.Cmd
			d.input, cmd = d.input.Update(msg)
			return nil, cmd
		}
		switch {
		case key.Matches(msg, d.Keys.Open):
			if time.Since(d.shown) < d.Guard {
				return nil, nil
			}
			return Open{URL: d.p.URL}, nil
		case key.Matches(msg, d.Keys.Copy):
			return component.Copy{What: "the sign-in URL", Text: d.p.URL}, nil
		case key.Matches(msg, d.Keys.Paste):
			return nil, d.startPasting()
		case key.Matches(msg, d.Keys.Cancel):
			d.p.Cancel()
			return component.Then(component.Close{}, component.Flash{Text: "sign-in cancelled"}), nil
		}
	default:
		if d.pasting {
			var cmd tea.Cmd
			d.input, cmd = d.input.Update(msg)
			return nil, cmd
		}
	}
	return nil, nil
}

func (d *Dialog) startPasting() tea.Cmd {
	d.pasting = true
	d.syncKeys()
	return d.input.Focus()
}

// submit gives the pasted text to the sign-in: it goes on with it, or the
// dialog says why it is not the URL.
func (d *Dialog) submit() component.Action {
	text := strings.TrimSpace(d.input.Value())
	if text == "" {
		return nil
	}
	if err := d.p.Paste(text); err != nil {
		d.err = err.Error()
		return nil
	}
	return component.Then(component.Close{}, component.Flash{Text: "signing in with the pasted answer…"})
}

// SetSize implements [component.Component] (a dialog sizes itself in View).
func (d *Dialog) SetSize(int, int) {}

// View implements [component.Component].
func (d *Dialog) View(W, H int) string {
	st := d.c.Styles
	w := max(30, min(W-4, 90))
	iw := w - 2
	var lines []string
	add := func(s string) { lines = append(lines, common.WrapLines(s, iw)...) }
	server := termsafe.Line(d.p.Server)
	if len(d.p.StepUp) > 0 {
		add(st.Text.Render(server+" wants more access: ") + st.Accent2.Render(termsafe.Line(strings.Join(d.p.StepUp, " "))) +
			st.Text.Render(" (403 insufficient_scope). Sign in again to grant it."))
	} else {
		add(st.Text.Render(server + " needs you to sign in (it answered 401)."))
	}
	lines = append(lines, "")
	fact := func(k, v string) { add(st.Muted.Render(common.PadRight(k, 11)) + st.Text.Render(v)) }
	fact("at", termsafe.Line(d.p.Issuer))
	scopes := "(none asked for)"
	if len(d.p.Scopes) > 0 {
		scopes = strings.Join(d.p.Scopes, " ")
	}
	fact("scopes", termsafe.Line(scopes))
	fact("answer to", termsafe.Line(d.p.Redirect))
	lines = append(lines, "")
	if d.p.NoBrowser {
		add(st.Text.Render("Open this URL in a browser (any machine), sign in, then paste here the URL the browser was sent back to:"))
	} else {
		add(st.Text.Render("Open this URL in your browser and sign in; the dialog closes when the browser comes back to sonde. From another machine, paste the URL it was sent back to:"))
	}
	for _, l := range common.WrapHard(termsafe.Line(d.p.URL), iw) {
		lines = append(lines, st.Accent.Render(l))
	}
	if d.pasting {
		lines = append(lines, "")
		d.input.SetWidth(max(10, iw-4))
		lines = append(lines, d.input.View())
	}
	if d.err != "" {
		add(st.Err.Render(termsafe.Line(d.err)))
	}
	lines = append(lines, "")
	return common.DialogBox(st, "Sign in", lines, common.HelpLine(st, d.ShortHelp(), iw), w, H)
}

// ShortHelp implements [help.KeyMap].
func (d *Dialog) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Open, d.Keys.Copy, d.Keys.Paste, d.Keys.Submit, d.Keys.Back, d.Keys.Cancel}
}

// FullHelp implements [help.KeyMap].
func (d *Dialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
