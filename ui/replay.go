package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/store"
)

// ReplayControl drives a replay; *store.Player implements it. With
// Options.Replay set, the UI shows a transport bar and binds the replay
// keys; the events still arrive through Options.Events.
type ReplayControl interface {
	Toggle()
	SetSpeed(s float64) float64
	Step()
	StepBack()
	NextRequest()
	NextError()
	Seek(t time.Duration)
	Status() store.PlayerStatus
}

// ReplayKeys are active only while replaying.
type ReplayKeys struct {
	Toggle      key.Binding
	Faster      key.Binding
	Slower      key.Binding
	Instant     key.Binding
	Step        key.Binding
	StepBack    key.Binding
	NextRequest key.Binding
	NextError   key.Binding
	Forward     key.Binding
	Back        key.Binding
}

func defaultReplayKeys() ReplayKeys {
	b := func(k, h, d string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(h, d)) }
	return ReplayKeys{
		Toggle:      b("space", "space", "play/pause"),
		Faster:      b(">", ">", "faster"),
		Slower:      b("<", "<", "slower"),
		Instant:     b("!", "!", "instant"),
		Step:        b(".", ".", "step"),
		StepBack:    b(",", ",", "step back"),
		NextRequest: b("N", "N", "next request"),
		NextError:   b("E", "E", "next error"),
		Forward:     b("}", "}", "+10s"),
		Back:        b("{", "{", "-10s"),
	}
}

var replaySpeeds = []float64{0.5, 1, 2, 5, 10, 25, 50, 100}

// drive moves the replay's player r (nil: not a replay) by a replay key;
// it reports whether msg was one, and what the status line says of it
// (a new speed; "" for nothing).
func (k ReplayKeys) drive(msg tea.KeyPressMsg, r ReplayControl) (ok bool, note string) {
	if r == nil {
		return false, ""
	}
	st := r.Status()
	switch {
	case key.Matches(msg, k.Toggle):
		r.Toggle()
	case key.Matches(msg, k.Faster), key.Matches(msg, k.Slower):
		up := key.Matches(msg, k.Faster)
		cur := st.Speed
		next := cur
		for i, s := range replaySpeeds {
			if up && s > cur+1e-9 {
				next = s
				break
			}
			if !up && s >= cur-1e-9 {
				next = replaySpeeds[max(0, i-1)]
				break
			}
		}
		if cur == store.Instant {
			next = replaySpeeds[len(replaySpeeds)-1]
		}
		note = fmt.Sprintf("speed %s", fmtSpeed(r.SetSpeed(next)))
	case key.Matches(msg, k.Instant):
		r.SetSpeed(store.Instant)
		note = "speed: instant"
	case key.Matches(msg, k.Step):
		r.Step()
	case key.Matches(msg, k.StepBack):
		r.StepBack()
	case key.Matches(msg, k.NextRequest):
		r.NextRequest()
	case key.Matches(msg, k.NextError):
		r.NextError()
	case key.Matches(msg, k.Forward):
		r.Seek(st.At + 10*time.Second)
	case key.Matches(msg, k.Back):
		r.Seek(max(0, st.At-10*time.Second))
	default:
		return false, ""
	}
	return true, note
}

func fmtSpeed(s float64) string {
	if s == store.Instant {
		return "instant"
	}
	return fmt.Sprintf("%gx", s)
}

func fmtOffset(d time.Duration) string {
	d = max(0, d)
	m := int(d / time.Minute)
	s := float64(d%time.Minute) / float64(time.Second)
	return fmt.Sprintf("%02d:%04.1f", m, s)
}

// replayBar is the transport line shown while replaying.
func replayBar(st *Styles, s store.PlayerStatus, W int) string {
	icon := st.Accent.Render("⏸")
	if s.Playing {
		icon = st.OK.Render("▶")
	}
	if s.AtEnd {
		icon = st.Muted.Render("■")
	}
	pos := fmt.Sprintf(" %s / %s", fmtOffset(s.At), fmtOffset(s.Duration))
	ev := fmt.Sprintf("  event %d", s.Pos)
	if s.Len >= 0 {
		ev += fmt.Sprintf("/%d", s.Len)
	}
	left := " " + icon + " " + st.Text.Render(fmtSpeed(s.Speed)) + st.Muted.Render(pos+ev) + "  "
	right := ""
	if s.Note != "" {
		right = "  " + st.Warn.Render(s.Note)
	}
	barW := max(0, min(40, W-ansi.StringWidth(left)-ansi.StringWidth(right)-2))
	bar := ""
	if barW >= 5 {
		frac := 0.0
		if s.Duration > 0 {
			frac = min(1, float64(s.At)/float64(s.Duration))
		} else if s.Len > 0 {
			frac = min(1, float64(s.Pos)/float64(s.Len))
		}
		full := int(frac * float64(barW))
		bar = st.ProgressFull.Render(strings.Repeat("━", full)) + st.ProgressEmpty.Render(strings.Repeat("─", barW-full))
	}
	return ansi.Truncate(left+bar+right, W, "…")
}
