package ui

import (
	"context"
	"encoding/json"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/ui/pane/browser"
	"github.com/sonde-mcp/sonde/ui/pane/work"
)

// connection is the root model's plumbing to the server: the context its
// sessions and commands run under, the session (a live one it dials, a
// tapped one it is fed, or none in a replay), the feed events reach the
// state through and the listen command that paces their taking, the dial
// in flight and its generation, and how the connection ended.
type connection struct {
	ctx       context.Context
	live      bool  // a live session can be (re)dialled
	tapped    bool  // another client's session, seen through sonde tap (Tap)
	feed      *feed // live sessions and replays: events reach s through it
	listening bool  // a listen command is waiting on the feed
	lastTake  time.Time
	manual    bool // tests take from the feed themselves: no listen command
	events    <-chan mcp.Event
	reqs      <-chan serverRequestMsg
	sess      Backend
	dialing   bool
	early     tea.Cmd // the first dial, started before the program ran: Init waits for it
	gen       int
	err       error            // the last dial's failure (R retries)
	closed    bool             // event stream ended
	signIn    mcp.OAuthHandler // the session's sign-in, if any (signin.go)
	asker     *promptAsker     // sign-ins waiting for the person (signin.go)
}

// canAct reports whether actions that need the server are possible.
func (c *connection) canAct() bool { return c.sess != nil && !c.closed }

// whyNot is what the status line says when an action needs the server
// and there is none to talk to (canAct is false).
func (c *connection) whyNot() string {
	switch {
	case c.tapped:
		return "tapped: the client talks to the server, sonde only watches"
	case !c.live:
		return "replay: no server to talk to"
	case c.dialing:
		return "still connecting…"
	}
	return "not connected (R reconnects)"
}

// hangUp closes the session, if any (in the background: closing may
// wait on the server).
func (c *connection) hangUp() {
	if old := c.sess; old != nil {
		c.sess = nil
		go old.Close()
	}
}

// forget hangs up and drops the dial in flight and how the last one
// ended (another server is chosen).
func (c *connection) forget() {
	c.hangUp()
	c.gen++
	c.dialing = false
	c.err = nil
}

// list fetches every page of a list; the pages land in the browser (br,
// marked loading meanwhile) through the events.
func (c *connection) list(k listKind, br *browser.Pane) tea.Cmd {
	if br.Loading(k) {
		return nil
	}
	br.SetLoading(k, true)
	sess, ctx := c.sess, c.ctx
	return func() tea.Msg { return listPages(ctx, sess, k) }
}

// refresh lists everything the server offers (as declared in s) into the
// browser (br); a listing already under way (started) is awaited rather
// than asked for again. The caller has checked canAct.
func (c *connection) refresh(started inflight, s *session.State, br *browser.Pane) tea.Cmd {
	var cmds []tea.Cmd
	offered := browser.Supported(s) // only what the server declared
	for k := listKind(0); k < numLists; k++ {
		switch {
		case offered[k] && started[k] != nil && !br.Loading(k):
			br.SetLoading(k, true)
			ch := started[k]
			cmds = append(cmds, func() tea.Msg { return <-ch })
		case offered[k]:
			cmds = append(cmds, c.list(k, br))
		default:
			br.SetEmpty(k)
		}
	}
	return tea.Batch(cmds...)
}

// lockState takes the state's lock (the feed's; none without a feed) and
// returns what releases it (the same feed's, should Update replace it).
func (c *connection) lockState() (unlock func()) {
	f := c.feed
	if f == nil {
		return func() {}
	}
	f.Lock()
	return f.Unlock
}

// listen waits until the feed has something, and at least frameEvery
// after the last take, then asks Update to take it (Update re-arms it).
// An event after a quiet spell is taken at once. It ends with the feed.
func (c *connection) listen() tea.Cmd {
	f := c.feed
	if f == nil || c.listening || c.manual {
		return nil
	}
	c.listening = true
	next := c.lastTake.Add(frameEvery)
	return func() tea.Msg {
		select {
		case <-f.Ready():
		case <-f.Done():
			return nil
		}
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-f.Done():
				return nil
			}
		}
		return feedMsg{}
	}
}

// subscribe subscribes to uri, or unsubscribes (in a command).
func (c *connection) subscribe(uri string, on bool) tea.Cmd {
	sess, ctx := c.sess, c.ctx
	return func() tea.Msg {
		var err error
		if s, ok := sess.(subscriber); ok {
			if on {
				err = s.Subscribe(ctx, uri)
			} else {
				err = s.Unsubscribe(ctx, uri)
			}
		} else {
			method := "resources/unsubscribe"
			if on {
				method = "resources/subscribe"
			}
			_, err = sess.Call(ctx, method, map[string]string{"uri": uri})
		}
		return subscribedMsg{uri: uri, on: on, err: err}
	}
}

// askLogLevel asks the server for log messages at level and above (in a
// command).
func (c *connection) askLogLevel(level string) tea.Cmd {
	sess, ctx := c.sess, c.ctx
	return func() tea.Msg {
		ls, ok := sess.(levelSetter)
		var err error
		if ok {
			err = ls.SetLogLevel(ctx, level)
		} else {
			_, err = sess.Call(ctx, "logging/setLevel", map[string]string{"level": level})
		}
		e, _ := sess.(interface{ Era() string })
		return logLevelSetMsg{level: level, err: err, modern: e != nil && e.Era() == "modern"}
	}
}

// dial connects to opts.Config in a command; events flow while it runs.
func (c *connection) dial(opts *Options) tea.Cmd {
	if !c.live || c.dialing {
		return nil
	}
	c.gen++
	gen := c.gen
	c.dialing = true
	c.err = nil
	cfg := opts.Config
	cfg.OnEvent = c.feed.push
	cfg.Handler = c.feed.handle
	cfg.Listen = true // list_changed (and subscriptions) in the 2026-07-28 era
	cfg.Tasks = true  // the UI follows tasks (the 2026 tasks extension)
	if len(cfg.Capabilities) == 0 {
		cfg.Capabilities = uiCapabilities
	}
	ctx, onConnect, oauthFor, ask := c.ctx, opts.OnConnect, opts.OAuthFor, c.asker
	return func() tea.Msg {
		if onConnect != nil {
			onConnect(cfg) // before the first event of the session
		}
		if oauthFor != nil && cfg.URL != "" {
			var a oauth.Asker
			if ask != nil {
				a = ask
			}
			cfg.OAuth = oauthFor(cfg, a)
		}
		sess, err := mcp.Dial(ctx, cfg)
		if err != nil {
			return connectedMsg{gen: gen, err: err, auth: cfg.OAuth}
		}
		return connectedMsg{gen: gen, sess: sess, lists: startListings(ctx, sess), auth: cfg.OAuth}
	}
}

// complete asks the server's completion/complete in a command; the
// answer goes back to the work pane.
func (c *connection) complete(a work.Complete) tea.Cmd {
	sess, ctx := c.sess, c.ctx
	return func() tea.Msg {
		raw, err := sess.Call(ctx, "completion/complete", a.Params, mcp.WithTimeout(10*time.Second))
		msg := work.Completed{Seq: a.Seq, Form: a.Form, Path: a.Path, Err: err}
		if err == nil {
			var r struct {
				Completion struct {
					Values  []string `json:"values"`
					Total   int      `json:"total"`
					HasMore bool     `json:"hasMore"`
				} `json:"completion"`
			}
			json.Unmarshal(raw, &r)
			msg.Values, msg.Total, msg.More = r.Completion.Values, r.Completion.Total, r.Completion.HasMore
		}
		return msg
	}
}

// restoreLogLevel asks a new session for the log level the user picked
// before (asked; shown: the level the server log shows) (a new legacy session starts at the server's default). In the
// 2026-07-28 era a server sends log messages only to requests that carry a
// level, so sonde asks for info until the user picks one: costless (it
// rides in _meta) and the only way to see any log at all.
func (c *connection) restoreLogLevel(sess Backend, asked, shown string) tea.Cmd {
	level := asked
	if level == "" {
		if e, ok := sess.(interface{ Era() string }); !ok || e.Era() != "modern" {
			return nil
		}
		level = "info"
		if levelIndex(shown) > levelIndex(level) {
			level = shown
		}
	}
	return c.askLogLevel(level)
}
