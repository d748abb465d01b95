package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/termsafe"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"github.com/sonde-mcp/sonde/ui/dialog/signin"
)

// Signing in from the UI: the session's OAuth handler (Options.OAuthFor)
// asks the person through the UI's asker; each sign-in waiting for them
// reaches Update as a promptMsg and opens a sign-in dialog
// (ui/dialog/signin), which closes when the sign-in no longer waits. What
// the flow did is in the state's auth events (the auth view, the header).

// promptAsker is the UI's oauth.Asker: it hands each prompt to the event
// loop (Ask returns at once; the hand-over waits in a goroutine).
type promptAsker struct {
	ctx context.Context
	ch  chan *oauth.Prompt
}

func newPromptAsker(ctx context.Context) *promptAsker {
	return &promptAsker{ctx: ctx, ch: make(chan *oauth.Prompt)}
}

// Ask implements [oauth.Asker].
func (a *promptAsker) Ask(p *oauth.Prompt) {
	go func() {
		select {
		case a.ch <- p:
		case <-p.Done():
		case <-a.ctx.Done():
			p.Cancel() // the UI is gone: nobody can answer
		}
	}()
}

// promptMsg is a sign-in waiting for the person.
type promptMsg struct{ p *oauth.Prompt }

// listen waits for the next sign-in prompt (Update re-arms it; none
// without an asker).
func (a *promptAsker) listen() tea.Cmd {
	if a == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case p := <-a.ch:
			return promptMsg{p}
		case <-a.ctx.Done():
			return nil
		}
	}
}

// openPrompt opens the sign-in dialog for a prompt (guard: how long it
// ignores keys once shown); the command waits for the prompt to end
// (closePrompt).
func (ds *dialogStack) openPrompt(c *common.Common, p *oauth.Prompt, guard time.Duration) tea.Cmd {
	d := signin.New(c, p)
	d.Guard = guard
	ds.open(d)
	return func() tea.Msg {
		<-p.Done()
		return promptEndedMsg{p}
	}
}

// refresher is the part of a sign-in that refreshes its token now;
// *oauth.Handler implements it.
type refresher interface {
	Refresh(ctx context.Context) error
}

// refreshedMsg reports how refreshing the token went (its steps are in
// the auth view, from the events).
type refreshedMsg struct{ err error }

// refreshToken redeems the refresh token now (the auth view's r), in a
// command; ok is false when the session has no sign-in to refresh.
func (c *connection) refreshToken() (cmd tea.Cmd, ok bool) {
	r, ok := c.signIn.(refresher)
	if !ok || !c.live {
		return nil, false
	}
	ctx := c.ctx
	return func() tea.Msg { return refreshedMsg{r.Refresh(ctx)} }, true
}

// outcome is what the status line says of a refresh, and whether it
// failed.
func (msg refreshedMsg) outcome() (string, bool) {
	if msg.err != nil {
		return "refresh: " + termsafe.Line(msg.err.Error()), true
	}
	return "token refreshed", false
}

// promptEndedMsg: a sign-in no longer waits for the person (an answer
// came, it was cancelled, it timed out, or the session ended).
type promptEndedMsg struct{ p *oauth.Prompt }

// closePrompt closes the dialog of a sign-in that no longer waits,
// wherever it is on the stack.
func (ds *dialogStack) closePrompt(p *oauth.Prompt) {
	for _, d := range *ds {
		if s, ok := d.(*signin.Dialog); ok && s.Prompt() == p {
			ds.remove(d)
			return
		}
	}
}

// openSignIn opens a sign-in's URL in a command, with the browser the
// command line's sign-in uses ($BROWSER, else the system's).
func (e *environment) openSignIn(u string) tea.Cmd {
	open := e.opener
	if open == nil {
		open = oauth.OpenBrowser
	}
	t := serverreq.ParseTarget(u)
	return func() tea.Msg { return urlOpenedMsg{t: t, err: open(u)} }
}
