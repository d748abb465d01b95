package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool names of the demo server.
const (
	ToolEcho          = "echo"
	ToolCreateBooking = "create_booking"
	ToolDeleteRecords = "delete_records"
	ToolLongRunning   = "long_running"
	ToolGetImage      = "get_image"
	ToolGetAudio      = "get_audio"
	ToolGetWeather    = "get_weather"
	ToolResourceLinks = "get_resource_links"
	ToolAlwaysFails   = "always_fails"
	ToolLargeText     = "large_text"
	ToolEmitLogs      = "emit_logs"
	ToolAskLLM        = "ask_llm"
	ToolElicitForm    = "elicit_form"
	ToolElicitURL     = "elicit_url"
	ToolListRoots     = "list_roots"
	ToolPingClient    = "ping_client"
	ToolManageExtras  = "manage_extras"
	// ToolSurprise is the tool that manage_extras adds and removes.
	ToolSurprise = "surprise"
)

// ToolNames returns the names of the tools the demo server starts with, in
// registration order (tools/list returns them sorted by name).
func ToolNames() []string {
	return []string{
		ToolEcho, ToolCreateBooking, ToolDeleteRecords, ToolLongRunning, ToolGetImage,
		ToolGetAudio, ToolGetWeather, ToolResourceLinks, ToolAlwaysFails, ToolLargeText,
		ToolEmitLogs, ToolAskLLM, ToolElicitForm, ToolElicitURL, ToolListRoots,
		ToolPingClient, ToolManageExtras,
	}
}

func ptr[T any](v T) *T { return &v }

func (d *demo) addTools() {
	s := d.server
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolEcho,
		Title:       "Echo",
		Description: "Echo text back, optionally upper-cased and repeated. Read-only, idempotent, closed-world.",
		InputSchema: echoSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.echo)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolCreateBooking,
		Title:       "Create a booking",
		Description: "Pretend to book hotel rooms. The input schema uses nested objects, arrays of objects, multiselect enums, defaults, bounds, formats, a nullable field, oneOf and $ref.",
		InputSchema: bookingSchema,
		Annotations: &mcp.ToolAnnotations{
			Title:           "Book rooms (annotation title; the tool title wins)",
			DestructiveHint: ptr(false),
			OpenWorldHint:   ptr(true),
		},
		Icons: demoIcons(),
	}, d.createBooking)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolDeleteRecords,
		Description: "Pretend to delete rows from a table (nothing is stored anywhere). Destructive, idempotent, closed-world. Its only title is the annotation title.",
		InputSchema: deleteSchema,
		Annotations: &mcp.ToolAnnotations{
			Title:           "Delete records",
			DestructiveHint: ptr(true),
			IdempotentHint:  true,
			OpenWorldHint:   ptr(false),
		},
	}, d.deleteRecords)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolLongRunning,
		Title:       "Long-running task",
		Description: "Run for a while, sending notifications/progress (with messages and totals) and log messages. Honours cancellation.",
		InputSchema: longRunningSchema(d.opts.longRunDuration().Milliseconds()),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.longRunningTool)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolGetImage,
		Title:       "Get an image",
		Description: "Return a PNG drawn in memory.",
		InputSchema: imageSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
		Icons:       demoIcons(),
	}, d.getImage)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolGetAudio,
		Title:       "Get a sound",
		Description: "Return a short sine tone as a WAV file (audio/wav).",
		InputSchema: audioSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.getAudio)
	mcp.AddTool(s, &mcp.Tool{
		Name:         ToolGetWeather,
		Title:        "Weather report",
		Description:  "Return a made-up (but deterministic) weather report as structuredContent that conforms to the outputSchema. The city argument carries x-mcp-header, so 2026-07-28 clients send it as Mcp-Param-City.",
		InputSchema:  weatherSchema,
		OutputSchema: weatherOutputSchema,
		Annotations:  &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(true)},
	}, d.getWeather)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolResourceLinks,
		Title:       "Resource links",
		Description: "Return resource_link blocks to the demo resources plus an embedded text resource and an embedded blob resource.",
		InputSchema: emptySchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.resourceLinks)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolAlwaysFails,
		Title:       "Always fails",
		Description: "Fail on purpose: either a tool result with isError true, or a JSON-RPC error response.",
		InputSchema: failSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.alwaysFails)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolLargeText,
		Title:       "Large text",
		Description: "Return one text block of about 2 MB (by default) of numbered lines, to test paging and large SSE events.",
		InputSchema: largeTextSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.largeText)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolEmitLogs,
		Title:       "Emit log messages",
		Description: "Send notifications/message at the chosen levels. Messages below the session's level (logging/setLevel, or the per-request _meta logLevel in 2026-07-28) are dropped.",
		InputSchema: logSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.emitLogs)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolAskLLM,
		Title:       "Ask the client's LLM",
		Description: "Ask the client to sample its LLM (sampling/createMessage; an input request in 2026-07-28).",
		InputSchema: askSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(true)},
	}, d.askLLM)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolElicitForm,
		Title:       "Elicit a form",
		Description: "Ask the user to fill in a form (elicitation/create, form mode) with defaults and every enum style.",
		InputSchema: elicitFormToolSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)},
	}, d.elicitForm)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolElicitURL,
		Title:       "Elicit via URL",
		Description: "Ask the user to open a page (URL-mode elicitation). Opening the page completes it; 2025-11-25 clients then get notifications/elicitation/complete.",
		InputSchema: elicitURLSchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(true)},
	}, d.elicitURL)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolListRoots,
		Title:       "List the client's roots",
		Description: "Ask the client for its roots (roots/list; an input request in 2026-07-28).",
		InputSchema: emptySchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.listRoots)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolPingClient,
		Title:       "Ping the client",
		Description: "Send a ping request to the client and report the round trip. Legacy eras only (2026-07-28 has no ping).",
		InputSchema: emptySchema,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, d.pingClient)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolManageExtras,
		Title:       "Add or remove extras",
		Description: "Add, remove or toggle the run-time tool \"surprise\", the prompt \"surprise\" and the resource demo://extras/surprise, so that list_changed notifications fire.",
		InputSchema: extrasSchema,
		Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(false), OpenWorldHint: ptr(false)},
	}, d.manageExtras)
}

type echoIn struct {
	Text      string `json:"text"`
	Uppercase bool   `json:"uppercase"`
	Repeat    int    `json:"repeat"`
}

func (d *demo) echo(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
	t := in.Text
	if in.Uppercase {
		t = strings.ToUpper(t)
	}
	return text("%s", strings.Repeat(t, max(in.Repeat, 1))), nil, nil
}

func (d *demo) createBooking(ctx context.Context, req *mcp.CallToolRequest, in map[string]any) (*mcp.CallToolResult, any, error) {
	canon, err := json.Marshal(in) // map keys are sorted: a stable id
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(canon)
	id := "BK-" + strings.ToUpper(hex.EncodeToString(sum[:4]))
	rooms, _ := in["rooms"].([]any)
	nights, _ := in["nights"].(float64)
	guest, _ := in["guest"].(map[string]any)
	name, _ := guest["name"].(string)
	sendLog(ctx, req.Session, "info", "demo.booking", map[string]any{"bookingId": id, "rooms": len(rooms)})
	pretty, _ := json.MarshalIndent(in, "", "  ")
	return &mcp.CallToolResult{
		Meta: mcp.Meta{"demo/bookingId": id},
		Content: []mcp.Content{
			&mcp.TextContent{Text: fmt.Sprintf("Booked %d room(s) for %d night(s) for %s. Booking id %s (nothing was really booked).", len(rooms), int(nights), name, id)},
			&mcp.TextContent{Text: "Arguments after defaults were applied:\n" + string(pretty)},
		},
	}, nil, nil
}

type deleteIn struct {
	Table  string `json:"table"`
	IDs    []int  `json:"ids"`
	DryRun bool   `json:"dryRun"`
}

func (d *demo) deleteRecords(ctx context.Context, req *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, any, error) {
	if in.DryRun {
		return text("Dry run: would delete %d row(s) from %q.", len(in.IDs), in.Table), nil, nil
	}
	sendLog(ctx, req.Session, "warning", "demo.delete", fmt.Sprintf("deleting %d row(s) from %s", len(in.IDs), in.Table))
	return text("Deleted %d row(s) from %q. (Not really: the demo stores nothing.)", len(in.IDs), in.Table), nil, nil
}

type longRunningIn struct {
	DurationMs       int64 `json:"durationMs"`
	Steps            int   `json:"steps"`
	DisconnectAtStep int   `json:"disconnectAtStep"`
}

func (d *demo) longRunningTool(ctx context.Context, req *mcp.CallToolRequest, in longRunningIn) (*mcp.CallToolResult, any, error) {
	d.longRunning.Add(1)
	defer d.longRunning.Add(-1)
	steps := max(in.Steps, 1)
	total := time.Duration(in.DurationMs) * time.Millisecond
	per := total / time.Duration(steps)
	token := req.Params.GetProgressToken()
	start := time.Now()
	sendLog(ctx, req.Session, "info", "demo.long_running", fmt.Sprintf("starting: %d steps over %s", steps, total))
	timer := time.NewTimer(per)
	defer timer.Stop()
	for i := 1; i <= steps; i++ {
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("cancelled at step %d of %d: %w", i, steps, ctx.Err())
		case <-timer.C:
		}
		timer.Reset(per)
		if token != nil {
			_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
				ProgressToken: token,
				Progress:      float64(i),
				Total:         float64(steps),
				Message:       fmt.Sprintf("step %d of %d", i, steps),
			})
		}
		switch {
		case i == steps/2 && steps > 1:
			sendLog(ctx, req.Session, "notice", "demo.long_running", "halfway there")
		default:
			sendLog(ctx, req.Session, "debug", "demo.long_running", fmt.Sprintf("step %d done", i))
		}
		if i == in.DisconnectAtStep && i < steps {
			switch {
			case !d.opts.Resumable:
				sendLog(ctx, req.Session, "warning", "demo.long_running", "disconnectAtStep ignored: the server was started without Options.Resumable")
			case req.Extra != nil && req.Extra.CloseSSEStream != nil:
				req.Extra.CloseSSEStream(mcp.CloseSSEStreamArgs{RetryAfter: 500 * time.Millisecond})
			}
		}
	}
	return &mcp.CallToolResult{
		Meta:    mcp.Meta{"demo/elapsedMs": time.Since(start).Milliseconds()},
		Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("Completed %d steps in %s.", steps, time.Since(start).Round(time.Millisecond))}},
	}, nil, nil
}

type imageIn struct {
	Pattern string `json:"pattern"`
	Size    int    `json:"size"`
}

func (d *demo) getImage(_ context.Context, _ *mcp.CallToolRequest, in imageIn) (*mcp.CallToolResult, any, error) {
	data := makePNG(in.Pattern, in.Size)
	return &mcp.CallToolResult{Content: []mcp.Content{
		&mcp.TextContent{Text: fmt.Sprintf("A %d×%d %s PNG (%d bytes).", in.Size, in.Size, in.Pattern, len(data))},
		&mcp.ImageContent{
			Data:        data,
			MIMEType:    "image/png",
			Annotations: &mcp.Annotations{Audience: []mcp.Role{"user"}, Priority: 0.8},
		},
	}}, nil, nil
}

type audioIn struct {
	Frequency  int `json:"frequency"`
	DurationMs int `json:"durationMs"`
}

func (d *demo) getAudio(_ context.Context, _ *mcp.CallToolRequest, in audioIn) (*mcp.CallToolResult, any, error) {
	data := makeWAV(in.Frequency, in.DurationMs)
	return &mcp.CallToolResult{Content: []mcp.Content{
		&mcp.TextContent{Text: fmt.Sprintf("A %d Hz tone, %d ms, 16-bit mono PCM at %d Hz (%d bytes).", in.Frequency, in.DurationMs, wavSampleRate, len(data))},
		&mcp.AudioContent{Data: data, MIMEType: "audio/wav"},
	}}, nil, nil
}

type weatherIn struct {
	City  string `json:"city"`
	Units string `json:"units"`
	Days  int    `json:"days"`
}

// weatherReport is the structuredContent of the get_weather tool and the
// content of demo://weather/{city}.
type weatherReport struct {
	City        string        `json:"city"`
	Units       string        `json:"units"`
	Temperature float64       `json:"temperature"`
	Condition   string        `json:"condition"`
	Humidity    int           `json:"humidity"`
	Wind        windInfo      `json:"wind"`
	Forecast    []dayForecast `json:"forecast"`
}

// windInfo is part of a [weatherReport].
type windInfo struct {
	Speed     float64 `json:"speed"`
	Direction string  `json:"direction"`
}

// dayForecast is one day of a [weatherReport] forecast.
type dayForecast struct {
	Day       int     `json:"day"`
	High      float64 `json:"high"`
	Low       float64 `json:"low"`
	Condition string  `json:"condition"`
}

var conditions = []string{"sunny", "cloudy", "rain", "snow", "fog", "storm"}
var directions = []string{"N", "NE", "E", "SE", "S", "SW", "W", "NW"}

// weatherFor makes up a deterministic weather report for a city.
func weatherFor(city, units string, days int) weatherReport {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(strings.TrimSpace(city))))
	seed := h.Sum64()
	next := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	conv := func(c float64) float64 {
		if units == "imperial" {
			return math.Round((c*9/5+32)*10) / 10
		}
		return c
	}
	if units == "" {
		units = "metric"
	}
	base := float64(next(35)) - 5
	r := weatherReport{
		City:        city,
		Units:       units,
		Temperature: conv(base + float64(next(10))/10),
		Condition:   conditions[next(len(conditions))],
		Humidity:    20 + next(80),
		Wind:        windInfo{Speed: float64(next(300)) / 10, Direction: directions[next(len(directions))]},
	}
	for day := 1; day <= days; day++ {
		lo := base - float64(next(6))
		r.Forecast = append(r.Forecast, dayForecast{
			Day:       day,
			High:      conv(lo + 4 + float64(next(8))),
			Low:       conv(lo),
			Condition: conditions[next(len(conditions))],
		})
	}
	if r.Forecast == nil {
		r.Forecast = []dayForecast{}
	}
	return r
}

func (d *demo) getWeather(_ context.Context, _ *mcp.CallToolRequest, in weatherIn) (*mcp.CallToolResult, weatherReport, error) {
	// Returning a nil result lets go-sdk put the structured output into
	// structuredContent and a serialised copy into a text block.
	return nil, weatherFor(in.City, in.Units, in.Days), nil
}

func (d *demo) resourceLinks(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
	var content []mcp.Content
	for _, r := range staticResources() {
		content = append(content, &mcp.ResourceLink{
			URI:         r.uri,
			Name:        r.name,
			Title:       r.title,
			Description: r.description,
			MIMEType:    r.mimeType,
			Size:        ptr(int64(len(r.data()))),
		})
	}
	content = append(content,
		&mcp.ResourceLink{
			URI:         ClockURI,
			Name:        "clock",
			Title:       "Live clock",
			Description: "Changes every few seconds; subscribe to it.",
			MIMEType:    "text/plain",
		},
		&mcp.ResourceLink{
			URI:         "demo://weather/Paris",
			Name:        "weather-paris",
			Title:       "Weather in Paris",
			Description: "An instance of the demo://weather/{city} template; not in resources/list.",
			MIMEType:    "application/json",
		},
		&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
			URI:      uriReadme,
			MIMEType: "text/markdown",
			Text:     readmeMarkdown,
		}, Annotations: &mcp.Annotations{Audience: []mcp.Role{"user", "assistant"}, Priority: 0.5}},
		&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
			URI:      uriLogo,
			MIMEType: "image/png",
			Blob:     logoPNG(),
		}},
	)
	return &mcp.CallToolResult{Content: content}, nil, nil
}

type failIn struct {
	Message string `json:"message"`
	Kind    string `json:"kind"`
}

func (d *demo) alwaysFails(ctx context.Context, req *mcp.CallToolRequest, in failIn) (*mcp.CallToolResult, any, error) {
	sendLog(ctx, req.Session, "error", "demo.fail", in.Message)
	if in.Kind == "protocol" {
		data, _ := json.Marshal(map[string]any{"hint": "this is a JSON-RPC error, not a tool result", "tool": ToolAlwaysFails})
		return nil, nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: in.Message, Data: data}
	}
	return toolError(in.Message), nil, nil
}

type largeTextIn struct {
	Kilobytes int `json:"kilobytes"`
}

// largeText builds n bytes of numbered ASCII lines.
func largeText(n int) string {
	var b strings.Builder
	b.Grow(n + 128)
	for i := 1; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%07d  The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstuvwxyz\n", i)
	}
	return b.String()[:n]
}

func (d *demo) largeText(_ context.Context, _ *mcp.CallToolRequest, in largeTextIn) (*mcp.CallToolResult, any, error) {
	return text("%s", largeText(in.Kilobytes*1024)), nil, nil
}

type logsIn struct {
	Levels  []string `json:"levels"`
	Logger  string   `json:"logger"`
	Message string   `json:"message"`
}

func (d *demo) emitLogs(ctx context.Context, req *mcp.CallToolRequest, in logsIn) (*mcp.CallToolResult, any, error) {
	for i, level := range in.Levels {
		sendLog(ctx, req.Session, mcp.LoggingLevel(level), in.Logger, map[string]any{
			"message": in.Message,
			"level":   level,
			"seq":     i + 1,
		})
	}
	return text("Sent %d log message(s) at levels %s. Those below the session's log level were dropped by the server.",
		len(in.Levels), strings.Join(in.Levels, ", ")), nil, nil
}

type askIn struct {
	Question    string  `json:"question"`
	MaxTokens   int64   `json:"maxTokens"`
	Temperature float64 `json:"temperature"`
}

// askLLM, elicitForm, elicitURL and listRoots use multi round-trip results
// (SEP-2322): the first call returns inputRequests, the retry carries
// inputResponses. For 2026-07-28 clients go-sdk sends that on the wire as an
// input_required result; for legacy clients its server middleware turns each
// input request into a real server-to-client request and calls the handler
// again with the answers, so the same handler serves both eras.
func (d *demo) askLLM(_ context.Context, req *mcp.CallToolRequest, in askIn) (*mcp.CallToolResult, any, error) {
	if caps := req.ClientCapabilities(); caps == nil || caps.Sampling == nil {
		res, err := missingCapability(req, "sampling", `{"sampling":{}}`)
		return res, nil, err
	}
	if len(req.Params.InputResponses) == 0 {
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"answer": &mcp.CreateMessageParams{
				Messages:     []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Question}}},
				SystemPrompt: "You are a concise assistant. Answer in one sentence.",
				MaxTokens:    in.MaxTokens,
				Temperature:  in.Temperature,
				ModelPreferences: &mcp.ModelPreferences{
					Hints:                []*mcp.ModelHint{{Name: "claude"}, {Name: "gpt"}},
					CostPriority:         0.3,
					SpeedPriority:        0.6,
					IntelligencePriority: 0.8,
				},
				IncludeContext: "none",
				Metadata:       map[string]any{"demo": true},
			}},
			RequestState: d.sealState(ToolAskLLM, ""),
		}, nil, nil
	}
	if _, err := d.openState(ToolAskLLM, req.Params.RequestState); err != nil {
		return toolError(err.Error()), nil, nil
	}
	var model, stop string
	var blocks []mcp.Content
	switch r := req.Params.InputResponses["answer"].(type) {
	case *mcp.CreateMessageWithToolsResult:
		model, stop, blocks = r.Model, r.StopReason, r.Content
	case *mcp.CreateMessageResult:
		model, stop, blocks = r.Model, r.StopReason, []mcp.Content{r.Content}
	default:
		return toolError(fmt.Sprintf("no sampling result in inputResponses (got %T)", r)), nil, nil
	}
	content := []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("The client's model %q answered (stopReason %q):", model, stop)}}
	content = append(content, blocks...)
	return &mcp.CallToolResult{Content: content}, nil, nil
}

type elicitFormIn struct {
	Message string `json:"message"`
}

// formSupported reports whether client capabilities allow form elicitation
// (an empty elicitation capability means form only).
func formSupported(caps *mcp.ClientCapabilities) bool {
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	e := caps.Elicitation
	return e.Form != nil || e.URL == nil
}

func (d *demo) elicitForm(_ context.Context, req *mcp.CallToolRequest, in elicitFormIn) (*mcp.CallToolResult, any, error) {
	if !formSupported(req.ClientCapabilities()) {
		res, err := missingCapability(req, "elicitation.form", `{"elicitation":{"form":{}}}`)
		return res, nil, err
	}
	if len(req.Params.InputResponses) == 0 {
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"profile": &mcp.ElicitParams{
				Mode:            "form",
				Message:         in.Message,
				RequestedSchema: elicitFormSchema,
			}},
			RequestState: d.sealState(ToolElicitForm, ""),
		}, nil, nil
	}
	if _, err := d.openState(ToolElicitForm, req.Params.RequestState); err != nil {
		return toolError(err.Error()), nil, nil
	}
	r, ok := req.Params.InputResponses["profile"].(*mcp.ElicitResult)
	if !ok {
		return toolError("no elicitation result in inputResponses"), nil, nil
	}
	if r.Action != "accept" {
		return text("The user chose %q; nothing was submitted.", r.Action), nil, nil
	}
	pretty, _ := json.MarshalIndent(r.Content, "", "  ")
	return text("The user accepted and submitted:\n%s", pretty), nil, nil
}

type elicitURLIn struct {
	Style string `json:"style"`
}

func (d *demo) elicitURL(ctx context.Context, req *mcp.CallToolRequest, in elicitURLIn) (*mcp.CallToolResult, any, error) {
	caps := req.ClientCapabilities()
	if caps == nil || caps.Elicitation == nil || caps.Elicitation.URL == nil {
		res, err := missingCapability(req, "elicitation.url", `{"elicitation":{"url":{}}}`)
		return res, nil, err
	}
	modern := isModern(req)
	if len(req.Params.InputResponses) == 0 {
		var session *mcp.ServerSession
		if !modern {
			session = req.Session // for notifications/elicitation/complete
		}
		id := d.elicitations.create(session)
		params := &mcp.ElicitParams{
			Mode:    "url",
			Message: "Open this page to finish a (pretend) sign-in. Nothing is sent anywhere.",
			URL:     d.elicitURLFor(id),
		}
		if !modern {
			params.ElicitationID = id // 2025-11-25 only; 2026-07-28 dropped it
		}
		if in.Style == "error" {
			if modern {
				return toolError("style=error: the -32042 URLElicitationRequired error exists only in 2025-11-25; use style=request"), nil, nil
			}
			return nil, nil, mcp.URLElicitationRequiredError([]*mcp.ElicitParams{params})
		}
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"visit": params},
			RequestState:  d.sealState(ToolElicitURL, id),
		}, nil, nil
	}
	id, err := d.openState(ToolElicitURL, req.Params.RequestState)
	if err != nil {
		return toolError(err.Error()), nil, nil
	}
	r, ok := req.Params.InputResponses["visit"].(*mcp.ElicitResult)
	if !ok {
		return toolError("no elicitation result in inputResponses"), nil, nil
	}
	if r.Action != "accept" {
		d.elicitations.forget(id)
		return text("The user chose %q; the page will not be opened.", r.Action), nil, nil
	}
	url := d.elicitURLFor(id)
	if d.elicitations.completed(id) {
		return text("The user consented and has already opened %s.", url), nil, nil
	}
	if modern {
		return text("The user consented to open %s. (2026-07-28 has no completion notification.)", url), nil, nil
	}
	return text("The user consented to open %s. When the page is opened the server sends notifications/elicitation/complete with elicitationId %q.", url, id), nil, nil
}

func (d *demo) listRoots(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	if caps := req.ClientCapabilities(); caps == nil || caps.RootsV2 == nil {
		res, err := missingCapability(req, "roots", `{"roots":{}}`)
		return res, nil, err
	}
	if len(req.Params.InputResponses) == 0 {
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"roots": &mcp.ListRootsParams{}},
			RequestState:  d.sealState(ToolListRoots, ""),
		}, nil, nil
	}
	if _, err := d.openState(ToolListRoots, req.Params.RequestState); err != nil {
		return toolError(err.Error()), nil, nil
	}
	r, ok := req.Params.InputResponses["roots"].(*mcp.ListRootsResult)
	if !ok {
		return toolError("no roots result in inputResponses"), nil, nil
	}
	if len(r.Roots) == 0 {
		return text("The client has no roots."), nil, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The client has %d root(s):", len(r.Roots))
	for _, root := range r.Roots {
		fmt.Fprintf(&b, "\n- %s", root.URI)
		if root.Name != "" {
			fmt.Fprintf(&b, " (%s)", root.Name)
		}
	}
	return text("%s", b.String()), nil, nil
}

func (d *demo) pingClient(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	if isModern(req) {
		return toolError("ping does not exist in 2026-07-28: the server cannot send requests to the client."), nil, nil
	}
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := req.Session.Ping(pctx, nil); err != nil {
		return toolError("ping failed: " + err.Error()), nil, nil
	}
	return text("The client answered the ping in %s.", time.Since(start).Round(time.Microsecond)), nil, nil
}

type extrasIn struct {
	Action string   `json:"action"`
	Kinds  []string `json:"kinds"`
}

func (d *demo) manageExtras(_ context.Context, _ *mcp.CallToolRequest, in extrasIn) (*mcp.CallToolResult, any, error) {
	d.extras.Lock()
	defer d.extras.Unlock()
	var report []string
	for _, kind := range in.Kinds {
		present := d.extraOn[kind]
		add := in.Action == "add" || (in.Action == "toggle" && !present)
		switch {
		case add && !present:
			d.addExtra(kind)
			d.extraOn[kind] = true
			report = append(report, kind+" added")
		case !add && present:
			d.removeExtra(kind)
			d.extraOn[kind] = false
			report = append(report, kind+" removed")
		default:
			report = append(report, kind+" unchanged")
		}
	}
	return text("%s. Changes are announced with notifications/{tools,prompts,resources}/list_changed.", strings.Join(report, ", ")), nil, nil
}

func (d *demo) addExtra(kind string) {
	added := time.Now().UTC().Format(time.RFC3339)
	switch kind {
	case "tool":
		mcp.AddTool(d.server, &mcp.Tool{
			Name:        ToolSurprise,
			Title:       "Surprise!",
			Description: "A tool added at run time by manage_extras.",
			InputSchema: emptySchema,
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)},
		}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return text("You found the run-time tool. manage_extras added it at %s.", added), nil, nil
		})
	case "prompt":
		d.server.AddPrompt(&mcp.Prompt{
			Name:        PromptSurprise,
			Title:       "Surprise!",
			Description: "A prompt added at run time by manage_extras.",
		}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{
				Role:    "user",
				Content: &mcp.TextContent{Text: "This prompt was added at " + added + "."},
			}}}, nil
		})
	case "resource":
		body := "This resource was added at " + added + " by manage_extras.\n"
		d.server.AddResource(&mcp.Resource{
			URI:         uriSurprise,
			Name:        "surprise",
			Title:       "Surprise!",
			Description: "A resource added at run time by manage_extras.",
			MIMEType:    "text/plain",
			Size:        int64(len(body)),
		}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/plain", Text: body}}}, nil
		})
	}
}

func (d *demo) removeExtra(kind string) {
	switch kind {
	case "tool":
		d.server.RemoveTools(ToolSurprise)
	case "prompt":
		d.server.RemovePrompts(PromptSurprise)
	case "resource":
		d.server.RemoveResources(uriSurprise)
	}
}
