package common

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// FmtTook formats a duration for people: 850µs, 12.3ms, 4.91s, 2m03s.
func FmtTook(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// ShortID is a task or request id, terminal-safe, cut at 12 characters.
func ShortID(id string) string {
	id = termsafe.Line(id)
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}

// ShortDur is an age in whole units: <1s, 42s, 3m07s, 2h05m.
func ShortDur(d time.Duration) string {
	switch {
	case d < time.Second:
		return "<1s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// ShortLatency is a round trip: 850µs, 12.3ms.
func ShortLatency(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%dµs", d.Microseconds())
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// Spinner is the spinner's frame at t (one every 200 ms).
func Spinner(t time.Time) string {
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	return frames[(t.UnixMilli()/200)%int64(len(frames))]
}

// ProgressLines show a request's progress (notifications/progress): a
// blank line, the bar, and the numbers with the message.
func ProgressLines(st *Styles, p, total float64, msg string, w int) []string {
	label := fmt.Sprintf("%g", p)
	if total > 0 {
		label = fmt.Sprintf("%d%%  %g / %g", int(100*p/total), p, total)
	}
	if msg != "" {
		label += "  " + msg
	}
	return []string{"", ProgressBar(st, p, total, max(10, w-2)), st.Text.Render(ansi.Truncate(label, w, "…"))}
}

// ProgressBar draws a bar; with no total it shows an indeterminate bar.
func ProgressBar(st *Styles, p, total float64, w int) string {
	if total <= 0 {
		n := int(p) % w
		return st.ProgressEmpty.Render(strings.Repeat("─", n)) + st.ProgressFull.Render("━━━") + st.ProgressEmpty.Render(strings.Repeat("─", max(0, w-n-3)))
	}
	frac := min(1, max(0, p/total))
	full := int(frac * float64(w))
	return st.ProgressFull.Render(strings.Repeat("█", full)) + st.ProgressEmpty.Render(strings.Repeat("░", w-full))
}

// DescribeErr turns the wire core's errors into one message for the user.
func DescribeErr(err error) string {
	var (
		re *mcp.RPCError
		he *mcp.HTTPError
		ae *mcp.AuthError
		te *mcp.TimeoutError
		le *mcp.LostError
		ce *mcp.ConnectError
		se *mcp.SplitError
	)
	switch {
	case errors.As(err, &se):
		// the whole story and, apart, the flag that would attach (it
		// would be lost behind the HTTP error found below)
		hint := se.Hint.String()
		return strings.TrimSuffix(err.Error(), "; "+hint) + "\n\n" + hint
	case errors.As(err, &ae):
		return "auth: " + ae.Error()
	case errors.As(err, &te):
		return "timeout: " + te.Error()
	case errors.As(err, &le):
		return "lost: " + le.Error()
	case errors.As(err, &ce):
		return "unreachable: " + ce.Error()
	case errors.As(err, &he):
		return he.Error()
	case errors.As(err, &re):
		return re.Error()
	}
	return err.Error()
}

// FirstNonEmpty is the first of s that is not empty ("" if none is).
func FirstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
