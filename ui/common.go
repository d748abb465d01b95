package ui

import "github.com/sonde-mcp/sonde/ui/common"

// Short names for the shared drawing helpers of [common], which the
// components in ui's subpackages use too.
var (
	box            = common.Box
	frame          = common.DialogBox
	padRight       = common.PadRight
	padLeft        = common.PadLeft
	wrapLines      = common.WrapLines
	wrapHard       = common.WrapHard
	wrapWide       = common.WrapWide
	truncateMiddle = common.TruncateMiddle
	placeAt        = common.PlaceAt

	prettyJSON        = common.PrettyJSON
	prettyValue       = common.PrettyValue
	compactJSONString = common.CompactJSONString
	newHighlighter    = common.NewHighlighter
	NewStyles         = common.NewStyles

	fmtTook       = common.FmtTook
	shortID       = common.ShortID
	shortDur      = common.ShortDur
	shortLatency  = common.ShortLatency
	spinner       = common.Spinner
	progressLines = common.ProgressLines
	progressBar   = common.ProgressBar
	describeErr   = common.DescribeErr
	firstNonEmpty = common.FirstNonEmpty
)

// Styles is every style the UI draws with ([common.Styles]).
type Styles = common.Styles

type highlighter = common.Highlighter
