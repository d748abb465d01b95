package oauth

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// What a session's auth events say, for whoever shows them (the UI's auth
// view and header, a replay): the sign-ins in order, each as its steps
// with their requests, answers and verdicts, failures explained in plain
// words, and who sonde is signed in as. It is folded from events only, so
// a replay shows what the live session showed.

// Summary is who sonde is signed in as (the signed-in and refresh steps
// carry it as JSON in their event's Body; never a secret).
type Summary struct {
	Issuer    string    `json:"issuer"`
	Resource  string    `json:"resource,omitempty"`
	ClientID  string    `json:"client_id,omitempty"`
	Scopes    []string  `json:"scopes,omitempty"`
	TokenType string    `json:"token_type,omitempty"`
	Expiry    time.Time `json:"expiry,omitzero"`
	Refresh   bool      `json:"refresh_token"`
}

func summaryOf(c *Credential) string {
	b, _ := json.Marshal(Summary{Issuer: c.Issuer, Resource: c.Resource, ClientID: c.ClientID, Scopes: c.Scopes,
		TokenType: c.TokenType, Expiry: c.Expiry, Refresh: c.RefreshToken != ""})
	return string(b)
}

// maxAttempts bounds the sign-ins a Flow keeps (the oldest go): a server
// that answers 401 to everything starts one per request.
const maxAttempts = 64

// maxExchanges bounds the requests a step keeps (redirects and DPoP
// nonces are bounded already; this is for a step name a flow repeats).
const maxExchanges = 32

// Flow is the sign-ins of a session, folded from its events by Apply.
type Flow struct {
	// Attempts are the sign-ins and refreshes, oldest first (at most 64:
	// Dropped counts those let go).
	Attempts []*Attempt
	Dropped  int
	// Signed is who sonde is signed in as (nil: not signed in).
	Signed *Summary
}

// Attempt is one sign-in (or one refresh).
type Attempt struct {
	Steps []*Step
	// Done is set when it ended: signed in, refreshed, or failed.
	Done bool
	// Failed is the failure, if it failed; Explanation says it in plain words.
	Failed, Explanation string
}

// StepUp reports a step-up sign-in: one a 403 insufficient_scope started.
func (a *Attempt) StepUp() bool { return len(a.Steps) > 0 && a.Steps[0].Name == "step-up" }

// Step is one step of a sign-in: discover-resource, discover-as,
// register, authorize, callback, token, refresh, ...
type Step struct {
	Name string
	// First and Last are the sequence numbers of its first and latest
	// events; Start is the time of its first.
	First, Last uint64
	Start       time.Time
	Exchanges   []*Exchange
	// Verdicts are what sonde concluded, in order.
	Verdicts []string
	// Err is the step's failure.
	Err string
}

// Exchange is a request of a step and its answer (nil until it comes).
type Exchange struct {
	Request, Answer *mcp.Event
}

// Apply folds one event into f and reports whether f changed.
func (f *Flow) Apply(e mcp.Event) bool {
	if e.Kind != mcp.KindAuth {
		return false
	}
	a := f.current()
	if a == nil {
		a = &Attempt{}
		if len(f.Attempts) == maxAttempts {
			f.Attempts = append(f.Attempts[:0:0], f.Attempts[1:]...)
			f.Dropped++
		}
		f.Attempts = append(f.Attempts, a)
	}
	st := a.step(e.Method)
	if st.First == 0 {
		st.First, st.Start = e.Seq, e.Time
	}
	st.Last = e.Seq
	if len(st.Exchanges) == maxExchanges && e.Dir != mcp.DirMeta {
		st.Exchanges = append(st.Exchanges[:0:0], st.Exchanges[1:]...)
	}
	switch e.Dir {
	case mcp.DirOut:
		ev := e
		st.Exchanges = append(st.Exchanges, &Exchange{Request: &ev})
	case mcp.DirIn:
		ev := e
		for i := len(st.Exchanges) - 1; i >= 0; i-- {
			if st.Exchanges[i].Answer == nil {
				st.Exchanges[i].Answer = &ev
				return true
			}
		}
		st.Exchanges = append(st.Exchanges, &Exchange{Answer: &ev})
	default:
		if e.Err != "" {
			st.Err = e.Err
			a.Done, a.Failed, a.Explanation = true, e.Err, a.explain(e.Err)
			if e.Method == "refresh" && f.Signed != nil {
				f.Signed.Refresh = false
			}
			return true
		}
		if e.Text != "" {
			st.Verdicts = append(st.Verdicts, e.Text)
		}
		if e.Method == "signed-in" || e.Method == "refresh" {
			var s Summary
			if json.Unmarshal([]byte(e.Body), &s) == nil && s.Issuer != "" {
				f.Signed = &s
			}
			a.Done = true
		}
	}
	return true
}

// current is the attempt still running, if any.
func (f *Flow) current() *Attempt {
	if n := len(f.Attempts); n > 0 && !f.Attempts[n-1].Done {
		return f.Attempts[n-1]
	}
	return nil
}

// Find is the attempt and step an event of sequence number seq was folded
// into (nil when none was, or it was let go).
func (f *Flow) Find(seq uint64) (*Attempt, *Step) {
	for i := len(f.Attempts) - 1; i >= 0; i-- {
		a := f.Attempts[i]
		for _, st := range a.Steps {
			if st.First <= seq && seq <= st.Last {
				for _, x := range st.Exchanges {
					if x.Request != nil && x.Request.Seq == seq || x.Answer != nil && x.Answer.Seq == seq {
						return a, st
					}
				}
			}
		}
	}
	// a verdict: the step of its name whose range holds it
	for i := len(f.Attempts) - 1; i >= 0; i-- {
		for _, st := range f.Attempts[i].Steps {
			if st.First <= seq && seq <= st.Last {
				return f.Attempts[i], st
			}
		}
	}
	return nil, nil
}

// step returns the attempt's step called name: the last one when it has
// that name, else a new one.
func (a *Attempt) step(name string) *Step {
	if n := len(a.Steps); n > 0 && a.Steps[n-1].Name == name {
		return a.Steps[n-1]
	}
	s := &Step{Name: name}
	a.Steps = append(a.Steps, s)
	return s
}

// explain is Explain with what the attempt's steps tell besides: a
// failure at the 2025-03-26 default endpoints, used because the server
// and its origin publish no metadata, is metadata missing.
func (a *Attempt) explain(failure string) string {
	f := strings.ToLower(failure)
	if a.usedDefaults() && (strings.Contains(f, "404") || strings.Contains(f, "not found")) {
		return "The server does not say where to sign in: it publishes no protected resource metadata (RFC 9728), its origin no authorization server metadata (RFC 8414), and the 2025-03-26 default endpoints (/authorize, /token, /register) are not there either. It may want another kind of credentials (--bearer, --header), or its OAuth setup is incomplete: ask its operator."
	}
	return Explain(failure)
}

// usedDefaults reports an attempt that found no authorization server
// metadata and fell back on the 2025-03-26 default endpoints.
func (a *Attempt) usedDefaults() bool {
	for _, s := range a.Steps {
		if s.Name != "discover-as" {
			continue
		}
		for _, v := range s.Verdicts {
			if strings.Contains(v, "2025-03-26 default endpoints") {
				return true
			}
		}
	}
	return false
}

// Explain says a sign-in failure in plain words: what went wrong and
// what can be done about it.
func Explain(failure string) string {
	f := strings.ToLower(failure)
	switch {
	case strings.Contains(f, ErrCancelled.Error()):
		return "You cancelled the sign-in, so the server still wants one: the session is not authorised. Connecting again (R in the UI) asks again; 'sonde auth login' signs in from the shell."
	case strings.Contains(f, "--no-interactive-auth"):
		return "Signing in needs you at a browser, and this run may not ask for one. Sign in once with 'sonde auth login' and the token is kept for the next runs."
	case strings.Contains(f, "pkce"):
		return "The authorization server does not offer PKCE with S256. PKCE keeps a stolen authorization code useless to whoever stole it; the MCP specification requires it, so sonde does not sign in without it. The server's operator has to turn it on."
	case strings.Contains(f, "rfc 9207") || strings.Contains(f, "names issuer"):
		return "The answer to the sign-in claims to come from another authorization server than the one sonde sent you to (the iss parameter). That is what a mix-up attack looks like, so sonde did not use the code. If the server is only misconfigured, its issuer setting is wrong."
	case strings.Contains(f, "state does not match"):
		return "The answer that came back does not belong to this sign-in (its state differs). It may be a stale browser tab or a forged request; start the sign-in again."
	case strings.Contains(f, "redirect_uri") || strings.Contains(f, "redirect uri"):
		return "The authorization server does not accept the address sonde listens on for the answer (http://127.0.0.1:PORT/callback). A client registered beforehand must list it as a redirect URI; without --client-id sonde registers one that does."
	case strings.Contains(f, "not for this server") || strings.Contains(f, "is for issuer"):
		return "A metadata document describes something else than what sonde asked about (another server or another issuer). Using it could send your sign-in elsewhere, so sonde stopped."
	case strings.Contains(f, "another origin"):
		return "The server points sonde to metadata on another origin. sonde fetches it only from the server's own origin, as a server could otherwise make sonde fetch from anywhere, your network included. --allow-cross-origin allows it."
	case strings.Contains(f, "insufficient_scope") || strings.Contains(f, "invalid_scope"):
		return "The scopes asked for were refused, or the token still lacks what the server wants. Try --scope with the scopes the server documents, or ask its operator which ones your account may have."
	case strings.Contains(f, "access_denied"):
		return "You (or a policy of the authorization server) declined the sign-in."
	case strings.Contains(f, "invalid_grant"):
		return "The authorization server refused the code or the refresh token: expired, used already, or issued to another client. Sign in again."
	case strings.Contains(f, "invalid_client") || strings.Contains(f, "unauthorized_client"):
		return "The authorization server does not accept sonde's client: check --client-id and its secret or key, or leave them out to register dynamically."
	case strings.Contains(f, "no dynamic registration") || strings.Contains(f, "takes no dynamic registration"):
		return "The authorization server lets no client register itself. Register sonde there (redirect URI http://127.0.0.1/callback, any port) and pass --client-id."
	case strings.Contains(f, "no protected resource metadata") || strings.Contains(f, "names no authorization server"):
		return "The server does not say where to sign in: it publishes no usable protected resource metadata."
	case strings.Contains(f, "html page") || strings.Contains(f, "malformed json") || strings.Contains(f, "instead of a json document"):
		return "Where a metadata document should be, something else answered (a login page, a proxy's error page, broken JSON). The address may be wrong, or a proxy stands in the way."
	case strings.Contains(f, "larger than"):
		return "A document of the sign-in is far larger than any real one; sonde stopped reading it."
	case strings.Contains(f, "redirects"):
		return "The authorization server's addresses redirect in circles."
	case strings.Contains(f, "http 5"):
		return "The authorization server failed on its side (an HTTP 5xx). Try again later, or tell its operator."
	case strings.Contains(f, "no answer from the browser"):
		return "Nobody finished the sign-in in the browser in time. Start it again; --no-browser lets you paste the answer's URL where no browser can reach sonde."
	}
	return "The sign-in could not be completed; the steps above show the requests and answers."
}
