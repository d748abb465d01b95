package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Resource URIs and URI templates of the demo server.
const (
	uriReadme   = "demo://readme.md"
	uriSettings = "demo://config/settings.json"
	uriNotes    = "demo://notes/plain.txt"
	uriLogo     = "demo://images/logo.png"
	uriBlob     = "demo://binary/random.bin"
	uriSurprise = "demo://extras/surprise"

	// ClockURI is the resource that changes every [Options.TickInterval] and
	// supports subscriptions.
	ClockURI = "demo://live/clock"
	// WeatherTemplate is the URI template of the per-city weather resources.
	WeatherTemplate = "demo://weather/{city}"
	// DocsTemplate is the URI template of the documentation pages; completing
	// {page} depends on the {section} given in the completion context.
	DocsTemplate = "demo://docs/{section}/{page}"
)

// ResourceURIs returns the URIs of the resources the demo server starts with.
func ResourceURIs() []string {
	uris := []string{ClockURI}
	for _, r := range staticResources() {
		uris = append(uris, r.uri)
	}
	return uris
}

const readmeMarkdown = "# Sonde demo server\n\n" +
	"A synthetic MCP server for trying out **sonde**, a terminal inspector for MCP servers.\n\n" +
	"## What it has\n\n" +
	"- *Tools* with rich input schemas, progress, images, audio and structured output\n" +
	"- *Resources*, including one that changes every few seconds (`demo://live/clock`)\n" +
	"- *Prompts* with argument completion\n\n" +
	"| Feature | Method |\n|---|---|\n" +
	"| Call a tool | `tools/call` |\n| Read a resource | `resources/read` |\n| Get a prompt | `prompts/get` |\n\n" +
	"```go\nsession.CallTool(ctx, &mcp.CallToolParams{Name: \"echo\", Arguments: map[string]any{\"text\": \"hi\"}})\n```\n\n" +
	"> Nothing in this server talks to the outside world.\n\n" +
	"See the [MCP specification](https://modelcontextprotocol.io/specification).\n"

// settingsJSON is built on first use, like the PNGs below: package
// initialisation is paid by every sonde process, the headless CLI too.
var settingsJSON = sync.OnceValue(func() string {
	b, _ := json.MarshalIndent(map[string]any{
		"theme":    map[string]any{"name": "catppuccin", "dark": true, "accent": "#f5c2e7"},
		"limits":   map[string]any{"maxResultBytes": 8 << 20, "timeoutMs": 30000},
		"features": []string{"progress", "sampling", "elicitation", "roots"},
		"version":  ServerVersion,
		"beta":     nil,
	}, "", "  ")
	return string(b) + "\n"
})

const notesText = "Plain text notes.\n\n" +
	"Unicode: café, naïve, Straße, 日本語, 한국어, Ελληνικά, emoji 🚀✨.\n" +
	"Right-to-left script: مرحبا بالعالم, שלום עולם.\n" +
	"Tabs:\tone\ttwo\tthree\n" +
	"A very long line: " + "lorem ipsum dolor sit amet " + "consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua " +
	"ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n"

// logoPNG is the 48×48 logo, encoded on first use.
var logoPNG = sync.OnceValue(func() []byte { return makePNG("checkerboard", 48) })

var blobData = sync.OnceValue(func() []byte { return makeBlob(1024) })

// staticResource is a resource whose content never changes.
type staticResource struct {
	uri, name, title, description, mimeType string
	text                                    string
	blob                                    []byte
	annotations                             *mcp.Annotations
}

func (r staticResource) data() []byte {
	if r.blob != nil {
		return r.blob
	}
	return []byte(r.text)
}

// staticResources are built on first use: encoding the PNGs at package
// init cost every sonde process (the headless CLI too) a few milliseconds.
var staticResources = sync.OnceValue(func() []staticResource {
	return []staticResource{
		{uri: uriReadme, name: "readme", title: "Read me", description: "A markdown document.", mimeType: "text/markdown", text: readmeMarkdown,
			annotations: &mcp.Annotations{Audience: []mcp.Role{"user", "assistant"}, Priority: 0.9, LastModified: "2026-11-01T09:30:00Z"}},
		{uri: uriSettings, name: "settings", title: "Settings (JSON)", description: "A JSON document.", mimeType: "application/json", text: settingsJSON(),
			annotations: &mcp.Annotations{Audience: []mcp.Role{"assistant"}, Priority: 0.4}},
		{uri: uriNotes, name: "notes", title: "Plain-text notes", description: "Plain text with Unicode, tabs and a long line.", mimeType: "text/plain", text: notesText},
		{uri: uriLogo, name: "logo", title: "Logo (PNG)", description: "A 48×48 PNG, served as a base64 blob.", mimeType: "image/png", blob: logoPNG(),
			annotations: &mcp.Annotations{Audience: []mcp.Role{"user"}, Priority: 0.2}},
		{uri: uriBlob, name: "random-bytes", title: "Random bytes", description: "1 KiB of deterministic pseudo-random bytes.", mimeType: "application/octet-stream", blob: blobData()},
	}
})

// docsPages is the content tree behind demo://docs/{section}/{page}.
var docsPages = map[string][]string{
	"guides":    {"getting-started", "tools", "resources", "prompts"},
	"reference": {"protocol", "errors", "transports"},
	"faq":       {"general", "troubleshooting"},
}

func (d *demo) addResources() {
	for _, r := range staticResources() {
		d.server.AddResource(&mcp.Resource{
			URI:         r.uri,
			Name:        r.name,
			Title:       r.title,
			Description: r.description,
			MIMEType:    r.mimeType,
			Size:        int64(len(r.data())),
			Annotations: r.annotations,
		}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			c := &mcp.ResourceContents{URI: req.Params.URI, MIMEType: r.mimeType}
			if r.blob != nil {
				c.Blob = r.blob
			} else {
				c.Text = r.text
			}
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{c}}, nil
		})
	}
	d.server.AddResource(&mcp.Resource{
		URI:         ClockURI,
		Name:        "clock",
		Title:       "Live clock",
		Description: fmt.Sprintf("Changes every %s. Subscribe to get notifications/resources/updated.", d.opts.tickInterval()),
		MIMEType:    "text/plain",
	}, d.readClock)
	d.server.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: WeatherTemplate,
		Name:        "weather",
		Title:       "Weather by city",
		Description: "A made-up weather report for any city (JSON). {city} has completions.",
		MIMEType:    "application/json",
	}, d.readWeather)
	d.server.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: DocsTemplate,
		Name:        "docs",
		Title:       "Documentation pages",
		Description: "Markdown pages. Complete {section} first; {page} completions depend on it.",
		MIMEType:    "text/markdown",
		Annotations: &mcp.Annotations{Audience: []mcp.Role{"user"}},
	}, d.readDocs)
}

func (d *demo) readClock(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	interval := d.opts.tickInterval()
	now := time.Now().UTC().Truncate(interval)
	tick := now.UnixNano() / int64(interval)
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
		URI:      req.Params.URI,
		MIMEType: "text/plain",
		Text:     fmt.Sprintf("tick %d at %s\n", tick, now.Format(time.RFC3339Nano)),
		Meta:     mcp.Meta{"demo/tick": tick},
	}}}, nil
}

func (d *demo) readWeather(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	city, err := url.PathUnescape(strings.TrimPrefix(req.Params.URI, "demo://weather/"))
	if err != nil || strings.TrimSpace(city) == "" || strings.Contains(city, "/") {
		return nil, mcp.ResourceNotFoundError(req.Params.URI)
	}
	b, _ := json.MarshalIndent(weatherFor(city, "metric", 3), "", "  ")
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
		URI: req.Params.URI, MIMEType: "application/json", Text: string(b),
	}}}, nil
}

func (d *demo) readDocs(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	section, page, _ := strings.Cut(strings.TrimPrefix(req.Params.URI, "demo://docs/"), "/")
	if !slices.Contains(docsPages[section], page) {
		return nil, mcp.ResourceNotFoundError(req.Params.URI)
	}
	title := strings.ToUpper(page[:1]) + strings.ReplaceAll(page[1:], "-", " ")
	body := fmt.Sprintf("# %s\n\n*Section:* %s\n\nThis page is generated by the demo server. Other pages in this section: %s.\n",
		title, section, strings.Join(docsPages[section], ", "))
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
		URI: req.Params.URI, MIMEType: "text/markdown", Text: body,
	}}}, nil
}

// knownResource reports whether uri names a readable demo resource.
func (d *demo) knownResource(uri string) bool {
	if uri == ClockURI {
		return true
	}
	for _, r := range staticResources() {
		if r.uri == uri {
			return true
		}
	}
	if uri == uriSurprise {
		d.extras.Lock()
		defer d.extras.Unlock()
		return d.extraOn["resource"]
	}
	return strings.HasPrefix(uri, "demo://weather/") || strings.HasPrefix(uri, "demo://docs/")
}

// subscribe accepts subscriptions to demo resources (legacy resources/subscribe,
// or a 2026-07-28 subscriptions/listen resourceSubscriptions entry). Only the
// clock ever changes, so only it produces notifications/resources/updated.
func (d *demo) subscribe(_ context.Context, req *mcp.SubscribeRequest) error {
	if !d.knownResource(req.Params.URI) {
		return mcp.ResourceNotFoundError(req.Params.URI)
	}
	if req.Params.URI == ClockURI {
		d.clock.add(req.Session)
	}
	return nil
}

func (d *demo) unsubscribe(_ context.Context, req *mcp.UnsubscribeRequest) error {
	if req.Params.URI == ClockURI {
		d.clock.remove(req.Session)
	}
	return nil
}

// clock sends notifications/resources/updated for ClockURI while at least one
// session is subscribed. Its goroutine runs only while there are subscribers,
// so a server nobody subscribes to has no background work.
type clock struct {
	d *demo

	mu      sync.Mutex
	subs    map[*mcp.ServerSession]int
	running bool
	stopped bool
	wg      sync.WaitGroup
}

func newClock(d *demo) *clock {
	return &clock{d: d, subs: map[*mcp.ServerSession]int{}}
}

func (c *clock) add(ss *mcp.ServerSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.subs[ss]++
	if !c.running {
		c.running = true
		c.wg.Add(1)
		go c.run()
	}
}

func (c *clock) remove(ss *mcp.ServerSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs[ss] > 1 {
		c.subs[ss]--
	} else {
		delete(c.subs, ss)
	}
}

// wait stops the clock for good and waits for its goroutine.
func (c *clock) wait() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *clock) run() {
	defer c.wg.Done()
	t := time.NewTicker(c.d.opts.tickInterval())
	defer t.Stop()
	for {
		select {
		case <-c.d.life.Done():
			c.mu.Lock()
			c.running = false
			c.mu.Unlock()
			return
		case <-t.C:
		}
		live := map[*mcp.ServerSession]bool{}
		for ss := range c.d.server.Sessions() {
			live[ss] = true
		}
		c.mu.Lock()
		for ss := range c.subs {
			if !live[ss] {
				delete(c.subs, ss)
			}
		}
		if len(c.subs) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		_ = c.d.server.ResourceUpdated(c.d.life, &mcp.ResourceUpdatedNotificationParams{URI: ClockURI})
	}
}

// urlElicitations tracks URL-mode elicitations and serves their landing
// pages. It keeps at most maxURLElicitations entries, dropping the oldest.
type urlElicitations struct {
	mu      sync.Mutex
	entries map[string]*urlElicitation
	order   []string
}

type urlElicitation struct {
	session *mcp.ServerSession // nil in the 2026-07-28 era
	done    bool
}

const maxURLElicitations = 64

func newURLElicitations() *urlElicitations {
	return &urlElicitations{entries: map[string]*urlElicitation{}}
}

func (u *urlElicitations) create(ss *mcp.ServerSession) string {
	id := strings.ToLower(rand.Text())
	u.mu.Lock()
	defer u.mu.Unlock()
	for len(u.order) >= maxURLElicitations {
		delete(u.entries, u.order[0])
		u.order = u.order[1:]
	}
	u.entries[id] = &urlElicitation{session: ss}
	u.order = append(u.order, id)
	return id
}

func (u *urlElicitations) completed(id string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	e := u.entries[id]
	return e != nil && e.done
}

func (u *urlElicitations) forget(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.entries, id)
	u.order = slices.DeleteFunc(u.order, func(s string) bool { return s == id })
}

// ServeHTTP serves the landing page of a URL-mode elicitation. Opening it
// completes the elicitation and, for 2025-11-25 sessions, sends
// notifications/elicitation/complete.
func (u *urlElicitations) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	id := strings.TrimPrefix(req.URL.Path, ElicitPath)
	u.mu.Lock()
	e := u.entries[id]
	var notify *mcp.ServerSession
	if e != nil && !e.done {
		e.done = true
		notify = e.session
	}
	u.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if e == nil {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, page("Unknown or expired elicitation", "This link does not belong to a pending elicitation."))
		return
	}
	if notify != nil {
		ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
		_ = notify.NotifyElicitationComplete(ctx, &mcp.ElicitationCompleteParams{ElicitationID: id})
		cancel()
	}
	fmt.Fprint(w, page("Done", "The demo server recorded your visit. You can close this tab and return to the terminal."))
}

func page(title, body string) string {
	return fmt.Sprintf("<!doctype html><meta charset=utf-8><title>%s</title><h1>%s</h1><p>%s</p>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(body))
}

// elicitURLFor returns the landing page URL of elicitation id.
func (d *demo) elicitURLFor(id string) string {
	if d.baseURL == "" {
		return "https://example.com/sonde-demo/elicit/" + id
	}
	return d.baseURL + ElicitPath + id
}
