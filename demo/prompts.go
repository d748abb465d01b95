package demo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Prompt names of the demo server.
const (
	PromptSummarize  = "summarize"
	PromptCodeReview = "code_review"
	PromptPlanTrip   = "plan_trip"
	PromptWelcome    = "welcome"
	// PromptSurprise is the prompt that manage_extras adds and removes.
	PromptSurprise = "surprise"
)

// PromptNames returns the names of the prompts the demo server starts with.
func PromptNames() []string {
	return []string{PromptSummarize, PromptCodeReview, PromptPlanTrip, PromptWelcome}
}

// Completion candidates. Values are offered by case-insensitive prefix.
var (
	summaryStyles = []string{"brief", "detailed", "bullet-points", "eli5", "tl;dr"}
	humanLangs    = []string{"Arabic", "Bengali", "Chinese", "Czech", "Danish", "Dutch", "English", "Finnish", "French",
		"German", "Greek", "Hebrew", "Hindi", "Hungarian", "Indonesian", "Italian", "Japanese", "Korean", "Norwegian",
		"Polish", "Portuguese", "Romanian", "Russian", "Spanish", "Swahili", "Swedish", "Thai", "Turkish", "Ukrainian", "Vietnamese"}
	codeLangs = []string{"bash", "c", "c++", "c#", "clojure", "dart", "elixir", "erlang", "go", "haskell", "java",
		"javascript", "julia", "kotlin", "lua", "ocaml", "perl", "php", "python", "r", "ruby", "rust", "scala",
		"sql", "swift", "typescript", "zig"}
	reviewFocus = []string{"correctness", "performance", "readability", "security", "tests"}
	tripCities  = map[string][]string{
		"France":   {"Bordeaux", "Lyon", "Marseille", "Nice", "Paris", "Strasbourg"},
		"Germany":  {"Berlin", "Cologne", "Dresden", "Hamburg", "Munich"},
		"Italy":    {"Bologna", "Florence", "Milan", "Naples", "Rome", "Venice"},
		"Japan":    {"Kyoto", "Osaka", "Sapporo", "Tokyo"},
		"Portugal": {"Braga", "Lisbon", "Porto"},
		"Spain":    {"Barcelona", "Bilbao", "Madrid", "Seville", "Valencia"},
	}
	weatherCities = []string{"Amsterdam", "Athens", "Auckland", "Bangkok", "Barcelona", "Beijing", "Berlin", "Bogotá",
		"Boston", "Brussels", "Buenos Aires", "Cairo", "Cape Town", "Chicago", "Copenhagen", "Delhi", "Dubai", "Dublin",
		"Edinburgh", "Helsinki", "Hong Kong", "Istanbul", "Jakarta", "Kyiv", "Lagos", "Lima", "Lisbon", "London",
		"Los Angeles", "Madrid", "Melbourne", "Mexico City", "Montréal", "Moscow", "Mumbai", "Nairobi", "New York",
		"Oslo", "Paris", "Prague", "Reykjavík", "Rome", "San Francisco", "Santiago", "São Paulo", "Seoul", "Singapore",
		"Stockholm", "Sydney", "Taipei", "Tokyo", "Toronto", "Vienna", "Warsaw", "Zürich"}
	// tripDays has more than 100 values so that completing it shows
	// total and hasMore; built on first use.
	tripDays = sync.OnceValue(func() []string {
		out := make([]string, 365)
		for i := range out {
			out[i] = strconv.Itoa(i + 1)
		}
		return out
	})
)

// maxCompletions is the spec's limit on values per completion result.
const maxCompletions = 100

func (d *demo) addPrompts() {
	d.server.AddPrompt(&mcp.Prompt{
		Name:        PromptSummarize,
		Title:       "Summarize text",
		Description: "Summarize a text in a given style and language.",
		Arguments: []*mcp.PromptArgument{
			{Name: "text", Title: "Text", Description: "The text to summarize.", Required: true},
			{Name: "style", Title: "Style", Description: "brief, detailed, bullet-points, … (has completions)."},
			{Name: "language", Title: "Language", Description: "Output language (has completions)."},
		},
	}, d.summarizePrompt)
	d.server.AddPrompt(&mcp.Prompt{
		Name:        PromptCodeReview,
		Title:       "Review code",
		Description: "Ask for a code review; embeds the demo readme as a resource.",
		Arguments: []*mcp.PromptArgument{
			{Name: "language", Title: "Language", Description: "Programming language (has completions).", Required: true},
			{Name: "code", Title: "Code", Description: "The code to review.", Required: true},
			{Name: "focus", Title: "Focus", Description: "What to look at first (has completions)."},
		},
		Icons: demoIcons(),
	}, d.codeReviewPrompt)
	d.server.AddPrompt(&mcp.Prompt{
		Name:        PromptPlanTrip,
		Title:       "Plan a trip",
		Description: "Plan a trip. Completing city uses the country from the completion context; days has 365 completions (hasMore).",
		Arguments: []*mcp.PromptArgument{
			{Name: "country", Title: "Country", Description: "Destination country (has completions).", Required: true},
			{Name: "city", Title: "City", Description: "Destination city (completions depend on country)."},
			{Name: "days", Title: "Days", Description: "Trip length in days (has completions)."},
		},
	}, d.planTripPrompt)
	d.server.AddPrompt(&mcp.Prompt{
		Name:        PromptWelcome,
		Title:       "Welcome",
		Description: "A prompt without arguments whose messages mix text, an image and an embedded resource.",
	}, d.welcomePrompt)
}

// requireArgs returns an invalid-params error naming the first missing
// required argument.
func requireArgs(args map[string]string, names ...string) error {
	for _, n := range names {
		if strings.TrimSpace(args[n]) == "" {
			return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("missing required argument %q", n)}
		}
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func userText(s string) *mcp.PromptMessage {
	return &mcp.PromptMessage{Role: "user", Content: &mcp.TextContent{Text: s}}
}

func (d *demo) summarizePrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	a := req.Params.Arguments
	if err := requireArgs(a, "text"); err != nil {
		return nil, err
	}
	return &mcp.GetPromptResult{
		Description: "Summarize in " + orDefault(a["language"], "English"),
		Messages: []*mcp.PromptMessage{userText(fmt.Sprintf("Summarize the following text. Style: %s. Language: %s.\n\n%s",
			orDefault(a["style"], "brief"), orDefault(a["language"], "English"), a["text"]))},
	}, nil
}

func (d *demo) codeReviewPrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	a := req.Params.Arguments
	if err := requireArgs(a, "language", "code"); err != nil {
		return nil, err
	}
	return &mcp.GetPromptResult{
		Description: "Code review (" + a["language"] + ")",
		Messages: []*mcp.PromptMessage{
			userText(fmt.Sprintf("Review this %s code, focusing on %s:\n\n```%s\n%s\n```", a["language"], orDefault(a["focus"], "correctness"), a["language"], a["code"])),
			{Role: "user", Content: &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
				URI: uriReadme, MIMEType: "text/markdown", Text: readmeMarkdown,
			}}},
			{Role: "assistant", Content: &mcp.TextContent{Text: "Understood. I will start with the most important issues."}},
		},
	}, nil
}

func (d *demo) planTripPrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	a := req.Params.Arguments
	if err := requireArgs(a, "country"); err != nil {
		return nil, err
	}
	where := a["country"]
	if a["city"] != "" {
		where = a["city"] + ", " + where
	}
	return &mcp.GetPromptResult{
		Messages: []*mcp.PromptMessage{userText(fmt.Sprintf("Plan a %s-day trip to %s. List one activity per day.", orDefault(a["days"], "3"), where))},
	}, nil
}

func (d *demo) welcomePrompt(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	return &mcp.GetPromptResult{
		Description: "Welcome to the demo server",
		Messages: []*mcp.PromptMessage{
			userText("Hello! What can this server do?"),
			{Role: "assistant", Content: &mcp.TextContent{Text: "It demonstrates every MCP feature. Here is its logo and its readme."}},
			{Role: "assistant", Content: &mcp.ImageContent{Data: logoPNG(), MIMEType: "image/png"}},
			{Role: "assistant", Content: &mcp.ResourceLink{URI: uriReadme, Name: "readme", Title: "Read me", MIMEType: "text/markdown"}},
			{Role: "assistant", Content: &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
				URI: uriSettings, MIMEType: "application/json", Text: settingsJSON(),
			}}},
		},
	}, nil
}

// complete answers completion/complete for prompt arguments and resource
// template variables.
func (d *demo) complete(_ context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	p := req.Params
	var ctxArgs map[string]string
	if p.Context != nil {
		ctxArgs = p.Context.Arguments
	}
	var candidates []string
	switch p.Ref.Type {
	case "ref/prompt":
		switch p.Ref.Name + "." + p.Argument.Name {
		case PromptSummarize + ".style":
			candidates = summaryStyles
		case PromptSummarize + ".language":
			candidates = humanLangs
		case PromptCodeReview + ".language":
			candidates = codeLangs
		case PromptCodeReview + ".focus":
			candidates = reviewFocus
		case PromptPlanTrip + ".country":
			candidates = sortedKeys(tripCities)
		case PromptPlanTrip + ".city":
			if c, ok := lookupFold(tripCities, ctxArgs["country"]); ok {
				candidates = c
			} else {
				for _, cities := range tripCities {
					candidates = append(candidates, cities...)
				}
				slices.Sort(candidates)
			}
		case PromptPlanTrip + ".days":
			candidates = tripDays()
		}
	case "ref/resource":
		switch p.Ref.URI + "." + p.Argument.Name {
		case WeatherTemplate + ".city":
			candidates = weatherCities
		case DocsTemplate + ".section":
			candidates = sortedKeys(docsPages)
		case DocsTemplate + ".page":
			if pages, ok := docsPages[ctxArgs["section"]]; ok {
				candidates = pages
			} else {
				for _, s := range sortedKeys(docsPages) {
					candidates = append(candidates, docsPages[s]...)
				}
			}
		}
	default:
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown reference type %q", p.Ref.Type)}
	}
	return &mcp.CompleteResult{Completion: completeFrom(candidates, p.Argument.Value)}, nil
}

// completeFrom filters candidates by prefix, ignoring case and common Latin
// diacritics (so "sa" offers "São Paulo"), and caps the
// result at maxCompletions values.
func completeFrom(candidates []string, prefix string) mcp.CompletionResultDetails {
	matches := []string{}
	lp := fold(prefix)
	for _, c := range candidates {
		if strings.HasPrefix(fold(c), lp) {
			matches = append(matches, c)
		}
	}
	out := mcp.CompletionResultDetails{Values: matches, Total: len(matches)}
	if len(matches) > maxCompletions {
		out.Values = matches[:maxCompletions]
		out.HasMore = true
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func lookupFold[V any](m map[string]V, key string) (V, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// foldMap strips the diacritics of common lower-case Latin letters.
var foldMap = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a", "å", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o", "ø", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ç", "c", "ñ", "n", "ý", "y", "ß", "ss",
)

// fold lower-cases s and strips common Latin diacritics for matching.
func fold(s string) string {
	return foldMap.Replace(strings.ToLower(s))
}
