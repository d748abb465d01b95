// Package themes holds sonde's colour themes: semantic palettes (what a
// colour means, not which colour it is), each with a light and a dark
// variant and the colours of highlighted JSON (a chroma style's). The UI builds its styles
// from a [Theme] and the terminal's background.
package themes

import (
	"image/color"
	"os"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
)

// Palette is the set of semantic colours a theme defines. A nil colour
// means "the terminal's own" (no colour is emitted).
type Palette struct {
	Fg        color.Color // body text
	Muted     color.Color // secondary text: times, hints, descriptions
	Border    color.Color // pane borders
	Accent    color.Color // focus, titles, the selected tab
	Accent2   color.Color // a second accent: names, keys in help
	SelBg     color.Color // background of the selected row
	SelFg     color.Color // text on the selected row
	OK        color.Color // connected, valid, success
	Warn      color.Color // reconnecting, warnings, destructive badges
	Err       color.Color // errors, disconnected
	In        color.Color // server → sonde
	Out       color.Color // sonde → server
	Meta      color.Color // sonde's own observations
	Keepalive color.Color // keepalive traffic
	BadgeFg   color.Color // text of annotation badges
	BadgeBg   color.Color // background of annotation badges
	// Chroma names the colours of highlighted JSON: a chroma style's, as
	// internal/jsonhl has them ("bw": none).
	Chroma string
}

// Theme is a named pair of palettes. Fixed themes use the same palette on
// both backgrounds.
type Theme struct {
	Name        string
	Description string
	Light, Dark Palette
	// Mono themes draw with text attributes only (bold, reverse,
	// underline), never with colour: sonde uses one when NO_COLOR is set.
	Mono bool
}

// Palette returns the palette for a dark or light background.
func (t Theme) Palette(isDark bool) Palette {
	if isDark {
		return t.Dark
	}
	return t.Light
}

func c(hex string) color.Color { return lipgloss.Color(hex) }

var defaultDark = Palette{
	Fg: c("#E4E4E7"), Muted: c("#8B8B95"), Border: c("#4A4A55"),
	Accent: c("#A78BFA"), Accent2: c("#5EEAD4"),
	SelBg: c("#3B3558"), SelFg: c("#FFFFFF"),
	OK: c("#4ADE80"), Warn: c("#FBBF24"), Err: c("#F87171"),
	In: c("#60A5FA"), Out: c("#F0ABFC"), Meta: c("#A1A1AA"), Keepalive: c("#6B7280"),
	BadgeFg: c("#18181B"), BadgeBg: c("#A1A1AA"),
	Chroma: "dracula",
}

var defaultLight = Palette{
	Fg: c("#1F1F23"), Muted: c("#6B6B76"), Border: c("#B8B8C2"),
	Accent: c("#6D28D9"), Accent2: c("#0F766E"),
	SelBg: c("#E4DDFB"), SelFg: c("#111111"),
	OK: c("#15803D"), Warn: c("#B45309"), Err: c("#B91C1C"),
	In: c("#1D4ED8"), Out: c("#A21CAF"), Meta: c("#52525B"), Keepalive: c("#9CA3AF"),
	BadgeFg: c("#FFFFFF"), BadgeBg: c("#52525B"),
	Chroma: "github",
}

var hcDark = Palette{
	Fg: c("#FFFFFF"), Muted: c("#D0D0D0"), Border: c("#FFFFFF"),
	Accent: c("#FFFF00"), Accent2: c("#00FFFF"),
	SelBg: c("#FFFF00"), SelFg: c("#000000"),
	OK: c("#00FF00"), Warn: c("#FFAF00"), Err: c("#FF5F5F"),
	In: c("#00FFFF"), Out: c("#FF87FF"), Meta: c("#FFFFFF"), Keepalive: c("#BCBCBC"),
	BadgeFg: c("#000000"), BadgeBg: c("#FFFFFF"),
	Chroma: "hrdark",
}

var hcLight = Palette{
	Fg: c("#000000"), Muted: c("#303030"), Border: c("#000000"),
	Accent: c("#0000D7"), Accent2: c("#005F00"),
	SelBg: c("#000000"), SelFg: c("#FFFFFF"),
	OK: c("#005F00"), Warn: c("#875F00"), Err: c("#AF0000"),
	In: c("#00005F"), Out: c("#5F005F"), Meta: c("#000000"), Keepalive: c("#444444"),
	BadgeFg: c("#FFFFFF"), BadgeBg: c("#000000"),
	Chroma: "hr_high_contrast",
}

// Dracula: https://draculatheme.com/contribute (the published palette).
var dracula = Palette{
	Fg: c("#F8F8F2"), Muted: c("#6272A4"), Border: c("#44475A"),
	Accent: c("#BD93F9"), Accent2: c("#8BE9FD"),
	SelBg: c("#44475A"), SelFg: c("#F8F8F2"),
	OK: c("#50FA7B"), Warn: c("#FFB86C"), Err: c("#FF5555"),
	In: c("#8BE9FD"), Out: c("#FF79C6"), Meta: c("#BFBFBF"), Keepalive: c("#6272A4"),
	BadgeFg: c("#282A36"), BadgeBg: c("#BD93F9"),
	Chroma: "dracula",
}

// Catppuccin Latte (light) and Mocha (dark): https://catppuccin.com/palette.
var latte = Palette{
	Fg: c("#4C4F69"), Muted: c("#8C8FA1"), Border: c("#BCC0CC"),
	Accent: c("#8839EF"), Accent2: c("#179299"),
	SelBg: c("#CCD0DA"), SelFg: c("#4C4F69"),
	OK: c("#40A02B"), Warn: c("#DF8E1D"), Err: c("#D20F39"),
	In: c("#1E66F5"), Out: c("#EA76CB"), Meta: c("#6C6F85"), Keepalive: c("#9CA0B0"),
	BadgeFg: c("#EFF1F5"), BadgeBg: c("#7C7F93"),
	Chroma: "catppuccin-latte",
}

var mocha = Palette{
	Fg: c("#CDD6F4"), Muted: c("#7F849C"), Border: c("#45475A"),
	Accent: c("#CBA6F7"), Accent2: c("#94E2D5"),
	SelBg: c("#45475A"), SelFg: c("#CDD6F4"),
	OK: c("#A6E3A1"), Warn: c("#F9E2AF"), Err: c("#F38BA8"),
	In: c("#89B4FA"), Out: c("#F5C2E7"), Meta: c("#A6ADC8"), Keepalive: c("#6C7086"),
	BadgeFg: c("#1E1E2E"), BadgeBg: c("#A6ADC8"),
	Chroma: "catppuccin-mocha",
}

var mono = Palette{Chroma: "bw"}

var builtins = []Theme{
	{Name: "default", Description: "adaptive: follows the terminal's light or dark background", Light: defaultLight, Dark: defaultDark},
	{Name: "light", Description: "for light terminals, whatever they report", Light: defaultLight, Dark: defaultLight},
	{Name: "dark", Description: "for dark terminals, whatever they report", Light: defaultDark, Dark: defaultDark},
	{Name: "high-contrast", Description: "maximum contrast, adaptive", Light: hcLight, Dark: hcDark},
	{Name: "dracula", Description: "the Dracula palette", Light: dracula, Dark: dracula},
	{Name: "catppuccin", Description: "Catppuccin Latte on light, Mocha on dark", Light: latte, Dark: mocha},
	{Name: "mono", Description: "no colour at all: bold, reverse and underline only (used with NO_COLOR)", Light: mono, Dark: mono, Mono: true},
}

// Names lists the built-in themes in display order.
func Names() []string {
	out := make([]string, len(builtins))
	for i, t := range builtins {
		out[i] = t.Name
	}
	return out
}

// All returns the built-in themes in display order.
func All() []Theme { return slices.Clone(builtins) }

// Get returns the theme with the given name (case-insensitive); "" is the
// default theme.
func Get(name string) (Theme, bool) {
	if name == "" {
		name = "default"
	}
	for _, t := range builtins {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return Theme{}, false
}

// NoColor reports whether the user asked for no colour through the
// NO_COLOR convention (https://no-color.org: set and not empty).
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }

// Resolve picks the theme for a --theme value: NO_COLOR forces mono, an
// unknown name is reported with the known ones.
func Resolve(name string) (Theme, error) {
	if NoColor() {
		t, _ := Get("mono")
		return t, nil
	}
	t, ok := Get(name)
	if !ok {
		return Theme{}, &UnknownError{Name: name}
	}
	return t, nil
}

// UnknownError is returned by [Resolve] for a theme name that does not exist.
type UnknownError struct{ Name string }

func (e *UnknownError) Error() string {
	return "unknown theme " + strings.TrimSpace(e.Name) + " (built-in themes: " + strings.Join(Names(), ", ") + ")"
}
