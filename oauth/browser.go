package oauth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Browser takes the person signing in to the authorization server and
// back: it opens the way back (Begin), then sends them to the
// authorization URL and waits for the redirect (Callback.Wait).
type Browser interface {
	// Begin prepares one sign-in's way back; preferred is the redirect URI
	// used before (kept where possible, so a registration stays valid).
	Begin(ctx context.Context, preferred string) (Callback, error)
}

// Callback is one sign-in's way back from the authorization server.
type Callback interface {
	// RedirectURI is where the authorization server sends the person back.
	RedirectURI() string
	// Wait sends the person to s.URL and returns the URL the
	// authorization server redirected to.
	Wait(ctx context.Context, s SignIn) (*url.URL, error)
	// Close releases the way back.
	Close()
}

// SignIn is what a sign-in asks of the person at the browser: who it is
// for and where to go.
type SignIn struct {
	// Server is the MCP server signed in to.
	Server string
	// Issuer is the authorization server the person signs in at.
	Issuer string
	// Scopes are the scopes asked for.
	Scopes []string
	// StepUp, on a step-up sign-in (403 insufficient_scope), are the
	// scopes the server asked for on top of those granted.
	StepUp []string
	// URL is the authorization URL: where the person goes.
	URL string
}

// ErrCancelled is the failure of a sign-in the person cancelled.
var ErrCancelled = errors.New("you cancelled the sign-in")

// Asker is the person's side of the browser step, the seam between the
// flow and whoever talks to the person: Loopback hands it each sign-in
// that waits for them, as a [Prompt], and the person answers through the
// prompt (the browser comes back to the listener, or they paste the URL
// it was sent back to, or they cancel). Ask must return at once: the
// terminal's asker prints the URL and reads a pasted one in a goroutine;
// the UI's hands the prompt to its event loop as a message, and its
// sign-in dialog answers.
type Asker interface {
	Ask(p *Prompt)
}

// Prompt is one sign-in waiting for the person. Its methods are safe for
// concurrent use; the first answer counts (the browser's redirect, a
// paste or a cancel), the others are ignored.
type Prompt struct {
	SignIn
	// Redirect is where the authorization server sends the browser back
	// (sonde's loopback listener): a pasted URL must lead there.
	Redirect string
	// NoBrowser is set when no browser may be opened here
	// (--no-browser): the person opens URL wherever they can and pastes
	// the URL their browser was sent back to.
	NoBrowser bool

	back *answer
	done chan struct{}
	end  sync.Once
}

// answer holds the first answer of a sign-in (the listener's or the
// person's).
type answer struct {
	once sync.Once
	ch   chan callbackResult
}

func newAnswer() *answer { return &answer{ch: make(chan callbackResult, 1)} }

func (a *answer) give(r callbackResult) {
	a.once.Do(func() { a.ch <- r })
}

// NewPrompt returns a prompt for s whose answers are read with Answer
// (Loopback makes its own; askers' tests make theirs).
func NewPrompt(s SignIn, redirect string, noBrowser bool) *Prompt {
	return &Prompt{SignIn: s, Redirect: redirect, NoBrowser: noBrowser, back: newAnswer(), done: make(chan struct{})}
}

// Paste gives the URL the browser was sent back to (or only its query),
// as the person pasted it: nil when it is one and the sign-in goes on
// with it, else why it is not one (the prompt still waits).
func (p *Prompt) Paste(text string) error {
	u, err := ParsePastedCallback(text, p.Redirect)
	if err != nil {
		return err
	}
	p.back.give(callbackResult{u: u})
	return nil
}

// Cancel ends the sign-in: it fails with [ErrCancelled].
func (p *Prompt) Cancel() { p.back.give(callbackResult{err: ErrCancelled}) }

// Done is closed when the sign-in no longer waits for the person: an
// answer came (from the browser, pasted, or a cancel), or it timed out,
// or the session ended.
func (p *Prompt) Done() <-chan struct{} { return p.done }

// Answer waits for the first answer, or for ctx to end, and closes Done.
func (p *Prompt) Answer(ctx context.Context) (*url.URL, error) {
	defer p.end.Do(func() { close(p.done) })
	select {
	case r := <-p.back.ch:
		return r.u, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Loopback is the browser step for people: a listener on 127.0.0.1 (a
// random port) takes the redirect, and an [Asker] tells the person where
// to go. Its default asker is the terminal's: the system browser is
// opened when there is one, and the URL is always printed; with NoBrowser
// (an SSH session, a container) the person pastes the URL the browser was
// sent back to. The listener checks the state and closes after one
// callback.
type Loopback struct {
	// Out is where the terminal's asker prints the URL and instructions
	// (stderr).
	Out io.Writer
	// In is where the terminal's asker reads a pasted redirect URL from
	// (stdin), with NoBrowser.
	In io.Reader
	// NoBrowser opens no browser: the person pastes the redirect URL.
	NoBrowser bool
	// Open opens a URL in the system browser for the terminal's asker
	// (default: $BROWSER, else xdg-open, open or rundll32 when there is a
	// display).
	Open func(url string) error
	// Asker, if set, talks to the person instead of the terminal (the
	// UI's sign-in dialog).
	Asker Asker
	// Timeout bounds the wait for the person (default 10 minutes).
	Timeout time.Duration
}

// Begin implements [Browser]: it listens on 127.0.0.1, on the port of
// preferred when it is free, else on a random one.
func (b *Loopback) Begin(ctx context.Context, preferred string) (Callback, error) {
	addr := "127.0.0.1:0"
	if u, err := url.Parse(preferred); err == nil && u.Hostname() == "127.0.0.1" && u.Port() != "" {
		addr = "127.0.0.1:" + u.Port()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr != "127.0.0.1:0" {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, err
	}
	lc := &loopbackCallback{b: b, ln: ln, back: newAnswer(),
		redirect: fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)}
	lc.srv = &http.Server{Handler: http.HandlerFunc(lc.serve), ReadHeaderTimeout: 10 * time.Second}
	go lc.srv.Serve(ln)
	return lc, nil
}

type callbackResult struct {
	u   *url.URL
	err error
}

type loopbackCallback struct {
	b        *Loopback
	ln       net.Listener
	srv      *http.Server
	redirect string
	back     *answer
	close    sync.Once
}

func (c *loopbackCallback) RedirectURI() string { return c.redirect }

// serve takes the one callback: the redirect URI's path with a query.
// Anything else (a favicon) is 404 and changes nothing.
func (c *loopbackCallback) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/callback" || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	q := u.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if e := q.Get("error"); e != "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<!doctype html><title>sonde: sign-in refused</title><p>The authorization server refused: %s. You can close this tab.</p>", html.EscapeString(e))
	} else {
		fmt.Fprint(w, "<!doctype html><title>sonde: signed in</title><p>sonde got the answer; you can close this tab.</p>")
	}
	c.back.give(callbackResult{u: u})
	go c.Close() // one use
}

func (c *loopbackCallback) Wait(ctx context.Context, s SignIn) (*url.URL, error) {
	timeout := c.b.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p := &Prompt{SignIn: s, Redirect: c.redirect, NoBrowser: c.b.NoBrowser, back: c.back, done: make(chan struct{})}
	asker := c.b.Asker
	if asker == nil {
		asker = terminal{c.b}
	}
	asker.Ask(p)
	u, err := p.Answer(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("no answer from the browser within %s", timeout)
	}
	return u, err
}

func (c *loopbackCallback) Close() {
	c.close.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c.srv.Shutdown(ctx)
		c.ln.Close()
	})
}

// terminal is the asker of the command line: it opens the browser (unless
// NoBrowser) and prints the URL on Out; with NoBrowser it reads the
// pasted redirect URL from In.
type terminal struct{ b *Loopback }

func (t terminal) Ask(p *Prompt) {
	out := t.b.Out
	if out == nil {
		out = io.Discard
	}
	opened := false
	if !p.NoBrowser {
		open := t.b.Open
		if open == nil {
			open = OpenBrowser
		}
		opened = open(p.URL) == nil
	}
	switch {
	case p.NoBrowser:
		fmt.Fprintf(out, "sonde: to sign in, open this URL in a browser:\n\n  %s\n\nthen paste here the URL the browser is sent back to (it starts with %s):\n", p.URL, p.Redirect)
		if t.b.In != nil {
			go readPasted(p, t.b.In, out)
		}
	case opened:
		fmt.Fprintf(out, "sonde: opened your browser to sign in; if it did not open, visit:\n\n  %s\n\n", p.URL)
	default:
		fmt.Fprintf(out, "sonde: to sign in, open this URL in a browser on this machine:\n\n  %s\n\n", p.URL)
	}
}

// readPasted reads pasted lines until one is a redirect URL, or the
// prompt is over.
func readPasted(p *Prompt, in io.Reader, out io.Writer) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		select {
		case <-p.Done():
			return
		default:
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if err := p.Paste(line); err != nil {
			fmt.Fprintf(out, "sonde: %v; paste the whole URL from the browser's address bar\n", err)
			continue
		}
		return
	}
}

// ParsePastedCallback reads what a person pasted: the URL the browser was
// sent back to (redirect's scheme, host and path, with a query), or only
// its query. It returns the URL, or why it is not one.
func ParsePastedCallback(text, redirect string) (*url.URL, error) {
	text = strings.TrimSpace(text)
	if len(text) > 16<<10 {
		return nil, errors.New("that is far too long for a redirect URL")
	}
	want, err := url.Parse(redirect)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(text, "?") || !strings.Contains(text, "://") && strings.Contains(text, "=") {
		q, err := url.ParseQuery(strings.TrimPrefix(text, "?"))
		if err != nil {
			return nil, errors.New("that query does not parse")
		}
		u := *want
		u.RawQuery = q.Encode()
		return checkPasted(&u)
	}
	u, err := url.Parse(text)
	if err != nil {
		return nil, errors.New("that is no URL")
	}
	if u.Scheme != want.Scheme || u.Host != want.Host || u.Path != want.Path {
		return nil, fmt.Errorf("that URL does not lead to %s", redirect)
	}
	return checkPasted(u)
}

func checkPasted(u *url.URL) (*url.URL, error) {
	q := u.Query()
	if !q.Has("code") && !q.Has("error") {
		return nil, errors.New("that URL carries neither a code nor an error")
	}
	return u, nil
}

// OpenBrowser opens url in the system browser, when there is one: the
// command $BROWSER names (the first of a colon-separated list; %s stands
// for the URL, else it is the last argument), else the platform's.
func OpenBrowser(u string) error {
	var cmd *exec.Cmd
	if b := strings.TrimSpace(strings.Split(os.Getenv("BROWSER"), ":")[0]); b != "" {
		args := strings.Fields(b)
		placed := false
		for i, a := range args {
			if strings.Contains(a, "%s") {
				args[i], placed = strings.ReplaceAll(a, "%s", u), true
			}
		}
		if !placed {
			args = append(args, u)
		}
		cmd = exec.Command(args[0], args[1:]...)
		if err := cmd.Start(); err != nil {
			return err
		}
		go cmd.Wait()
		return nil
	}
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no display")
		}
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
