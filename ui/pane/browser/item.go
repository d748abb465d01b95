package browser

import (
	"encoding/json"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
)

// Kind is one of the four lists: tools, resources, templates, prompts (in
// the order of session.State's Lists).
type Kind int

// The lists, in the order of their tabs.
const (
	Tools Kind = iota
	Resources
	Templates
	Prompts
	// NumKinds is the number of lists.
	NumKinds
)

// Title is the list's name ("Tools").
func (k Kind) Title() string {
	return [...]string{"Tools", "Resources", "Templates", "Prompts"}[k]
}

// Method is the method that lists it.
func (k Kind) Method() string {
	return [...]string{"tools/list", "resources/list", "resources/templates/list", "prompts/list"}[k]
}

// Key is the member of its list method's result that holds it.
func (k Kind) Key() string {
	return [...]string{"tools", "resources", "resourceTemplates", "prompts"}[k]
}

// KindForMethod is the list a list method lists.
func KindForMethod(m string) (Kind, bool) {
	for k := Kind(0); k < NumKinds; k++ {
		if k.Method() == m {
			return k, true
		}
	}
	return 0, false
}

// Item is one tool, resource, template or prompt. Name (and URI) are kept
// exactly as the server sent them, because that is what must be sent back;
// DName, Title, Desc and Mime are the terminal-safe display forms.
type Item struct {
	Kind  Kind
	Raw   json.RawMessage
	Name  string // exact
	URI   string // exact (resources), or the URI template
	DName string
	Title string
	Desc  string
	Mime  string
	Size  int64

	// tools
	InputSchema  json.RawMessage
	OutputSchema json.RawMessage
	Ann          mcp.ToolAnnotations
	TaskSupport  string // execution.taskSupport: forbidden, optional, required

	// prompts
	Args []mcp.PromptArgument
}

// Same reports whether it and o are the same tool, resource, template or
// prompt (a refreshed list has new values for the same things).
func (it *Item) Same(o *Item) bool {
	return it != nil && o != nil && it.Kind == o.Kind && it.Name == o.Name && it.URI == o.URI
}

// ItemsOf makes the browser's items of a listing in the state (decoded
// there, leniently: an item that does not decode is still listed with
// what could be read).
func ItemsOf(k Kind, list []session.Item) []*Item {
	items := make([]*Item, 0, len(list))
	for _, v := range list {
		it := &Item{Kind: k, Raw: v.Raw, Name: v.Name, URI: v.URI, Mime: termsafe.Line(v.MimeType),
			InputSchema: v.InputSchema, OutputSchema: v.OutputSchema, Args: v.Arguments, Ann: v.Annotations, TaskSupport: v.TaskSupport}
		if v.Size != nil {
			it.Size = *v.Size
		}
		if k == Templates {
			it.URI = v.URITemplate
		}
		it.DName = termsafe.Line(v.Name)
		if it.DName == "" {
			it.DName = termsafe.Line(it.URI)
		}
		if it.DName == "" {
			it.DName = "(unnamed)"
		}
		if d := v.DisplayName(); d != v.Name {
			it.Title = termsafe.Line(d)
		}
		it.Desc = termsafe.Text(v.Description)
		items = append(items, it)
	}
	return items
}

// Badges are the tool annotation badges (mcp.ToolAnnotations.Badges:
// destructive and idempotent mean something only when not read-only).
func (it *Item) Badges() []string {
	if it.Kind != Tools {
		return nil
	}
	return it.Ann.Badges()
}
