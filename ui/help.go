package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"

	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/dialog/detail"
	"github.com/sonde-mcp/sonde/ui/dialog/serverreq"
	"github.com/sonde-mcp/sonde/ui/form"
	"github.com/sonde-mcp/sonde/ui/pane/composer"
)

// lead puts the main replay keys first in a help line.
func (r ReplayKeys) lead(bs []key.Binding) []key.Binding {
	return append([]key.Binding{r.Toggle, r.Faster, r.Slower, r.Step, r.NextRequest, r.NextError}, bs...)
}

// helpGroup is one titled group of the full help.
type helpGroup struct {
	title string
	keys  []key.Binding
	// replay: only shown while replaying; live: never shown in a replay
	replay, live bool
	// off: not here at all (the faults pane without --fault)
	off bool
}

// helpGroups is the full help's groups.
type helpGroups []helpGroup

// helpGroups is every binding, grouped and titled: the one source of the
// full help (the help dialog and FullHelp). The panes (p) give their own
// bindings; tapped says whether the tap's group applies.
func (k *KeyMap) helpGroups(p *paneSet, tapped bool) helpGroups {
	fk := form.DefaultKeyMap()
	return helpGroups{
		{title: "Global", keys: []key.Binding{k.Global.NextPane, k.Global.PrevPane, k.Global.Panes, k.Global.Zoom, k.Global.Theme, k.Global.Reconnect, k.Global.Servers, k.Global.ServerLog, k.Global.LogLevel, k.Global.Tasks, k.Global.Timeline, k.Global.Auth, k.Global.Faults, k.Global.Roots, k.Global.Conn, k.Global.Compose, k.Global.Help, k.Global.Quit, k.Global.ForceQuit}},
		{title: "Move and scroll", keys: []key.Binding{k.Nav.Up, k.Nav.Down, k.Nav.PageUp, k.Nav.PageDown, k.Nav.Top, k.Nav.Bottom}},
		{title: "Browser (left)", keys: p.br.Keys.Bindings()},
		{title: "Event log", keys: append([]key.Binding{k.Log.Views}, p.log.FullHelp()[1]...)},
		{title: "Server log (" + k.Global.ServerLog.Help().Key + ")", keys: slices.Concat(p.srvLog.FullHelp()[1:]...)},
		{title: "Tasks (" + k.Global.Tasks.Help().Key + ")", keys: slices.Concat(p.tasks.FullHelp()[1:]...)},
		faultsHelp(k.Global.Faults, p.faults),
		{title: "Auth (" + k.Global.Auth.Help().Key + ")", keys: slices.Concat(p.auth.FullHelp()[1:]...)},
		tapHelp(tapped),
		{title: "Filter fields (/)", keys: []key.Binding{k.Filter.Clear, k.Filter.Done, k.Filter.Leave, k.Filter.HelpInput}},
		{title: "Timeline", keys: slices.Concat(p.timeline.FullHelp()[1:]...)},
		{title: "Work pane", keys: k.Work.Groups()},
		{title: "Argument form", keys: []key.Binding{fk.Next, fk.Prev, fk.Toggle, fk.Choose, fk.PrevOption, fk.NextOption, fk.AddItem, fk.RemoveItem, fk.MoveUp, fk.MoveDown, fk.Null, fk.Unset, fk.ToggleRaw}},
		{title: "Composer (" + k.Global.Compose.Help().Key + ")", live: true, keys: composer.DefaultKeyMap().FullHelp()[0]},
		{title: "Event detail", keys: detail.DefaultKeyMap().Bindings()},
		{title: "Server requests", live: true, keys: append([]key.Binding{k.Queue.Hide, k.Queue.List, k.Queue.Next, k.Queue.AllLikeThis}, serverreq.Help()...)},
		{title: "Queue of server requests (" + k.Queue.List.Help().Key + ")", live: true, keys: []key.Binding{k.Queue.Open, k.Queue.Answer, k.Queue.Reject, k.Queue.Rule, k.Queue.Close, k.Queue.RuleSet, k.Queue.RuleOther}},
		{title: "Replay", replay: true, keys: []key.Binding{k.Replay.Toggle, k.Replay.Faster, k.Replay.Slower, k.Replay.Instant, k.Replay.Step, k.Replay.StepBack, k.Replay.NextRequest, k.Replay.NextError, k.Replay.Forward, k.Replay.Back}},
	}
}

// full is the groups of the full help that apply here, after the
// recordings picker's keys (recs, when it is shown), with the log
// filter's syntax at the end.
func (gs helpGroups) full(recs []key.Binding, replaying bool) []common.HelpGroup {
	var out []common.HelpGroup
	if recs != nil {
		out = append(out, common.HelpGroup{Title: "Recordings", Keys: recs})
	}
	for _, g := range gs {
		if g.shown(replaying) {
			out = append(out, common.HelpGroup{Title: g.title, Keys: g.keys})
		}
	}
	return append(out, common.HelpGroup{Title: "Log filter", Text: []string{
		"  method:tools/call  dir:in|out|meta  kind:keepalive|error|request|notification|sse|http|state",
		"  id:7  stream:GET  status:404  free text  \"a phrase\"  -term negates  method:notifications/*"}})
}

// enabled is the enabled bindings of the groups that apply here, a group
// each (help.KeyMap's FullHelp).
func (gs helpGroups) enabled(replaying bool) [][]key.Binding {
	var out [][]key.Binding
	for _, g := range gs {
		if !g.shown(replaying) {
			continue
		}
		var keys []key.Binding
		for _, b := range g.keys {
			if b.Enabled() {
				keys = append(keys, b)
			}
		}
		out = append(out, keys)
	}
	return out
}

// shown reports whether a help group applies: replay keys only in a
// replay, the server's requests never there.
func (g helpGroup) shown(replaying bool) bool {
	return !(g.off || g.replay && !replaying || g.live && replaying)
}
