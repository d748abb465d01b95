// Package commontest gives component tests the drawing context they draw
// with. It stands apart from componenttest so that packages ui/common
// depends on (ui/form) can use componenttest's key presses.
package commontest

import (
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
)

// New is the context a component test draws with: the default theme,
// colour on, the JSON highlighter.
func New() *common.Common {
	th, _ := themes.Get("")
	return &common.Common{Styles: common.NewStyles(th, true), HL: common.NewHighlighter()}
}
