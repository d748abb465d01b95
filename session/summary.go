package session

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// Fact is one line of a [State.Summary]: a name and its value (raw server
// text included: make it safe for where it goes).
type Fact struct {
	Name, Value string
}

// Summary is the state in a few facts, the same ones the UI shows: the
// server and connection, what it offered, the requests, the server log,
// tasks and subscriptions. `sonde replay --print` ends with it and the
// markdown export closes with it.
func (s *State) Summary() []Fact {
	var out []Fact
	add := func(name, format string, args ...any) { out = append(out, Fact{name, fmt.Sprintf(format, args...)}) }
	if i := s.Conn.Info; i != nil {
		v := i.Transport.Long()
		if i.Protocol != "" {
			v += " · " + i.Protocol
		}
		if i.Era != "" {
			v += " (" + i.Era + " era)"
		}
		if i.SessionID != "" {
			v += " · session " + i.SessionID
		}
		if name := mcp.ServerName(i.Server); name != "" {
			add("server", "%s", name)
		}
		add("connection", "%s", v)
	}
	if s.Conn.State != "" {
		v := string(s.Conn.State)
		if n := s.Conn.Reconnects; n > 0 {
			v += fmt.Sprintf(" · %d reconnect%s", n, plural(n))
		}
		add("state", "%s", v)
	}
	var offered []string
	for k := ListKind(0); k < NumLists; k++ {
		if l := s.Lists[k]; l.Loaded {
			n := len(l.Items)
			name := k.Name()
			if n == 1 {
				name = strings.TrimSuffix(name, "s")
			}
			offered = append(offered, fmt.Sprintf("%d %s", n, name))
		}
	}
	if len(offered) > 0 {
		add("offered", "%s", strings.Join(offered, ", "))
	}
	q := &s.Quiet
	if n := q.Started(); n > 0 || s.Conn.KeepaliveOut > 0 {
		v := fmt.Sprintf("%d (%d error%s, %d unanswered)", n, q.Errors(), plural(q.Errors()), q.Waiting())
		if p := s.Timeline.Started() - n; p > 0 {
			v += fmt.Sprintf(" · %d ping%s", p, plural(p))
		}
		add("requests", "%s", v)
	}
	if n := s.Log.Next(); n > 0 {
		warn := 0
		for i := s.Log.First(); i < s.Log.Next(); i++ {
			if s.Log.At(i).Lvl >= LevelIndex("warning") {
				warn++
			}
		}
		add("server log", "%d message%s (%d warning or worse)", n, plural(int(n)), warn)
	}
	if len(s.Tasks) > 0 {
		by := map[string]int{}
		for _, t := range s.Tasks {
			by[t.Status]++
		}
		var parts []string
		for st, n := range by {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
		slices.Sort(parts)
		add("tasks", "%d (%s)", len(s.Tasks), strings.Join(parts, ", "))
	}
	if len(s.Subscribed) > 0 {
		uris := make([]string, 0, len(s.Subscribed))
		for u := range s.Subscribed {
			uris = append(uris, u)
		}
		slices.Sort(uris)
		add("subscribed", "%s", strings.Join(uris, " "))
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
