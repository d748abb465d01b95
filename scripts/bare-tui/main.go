// Command bare-tui is the floor scripts/bench-peers.sh measures the TUI's
// first frame against: the least a Bubble Tea v2 program built on the
// official go-sdk does to show a server's tools (start, connect and list
// the tools beside Bubble Tea's own start, then draw "connected" and the
// tool names in the alternate screen), with none of sonde's work (panes,
// styles, the event log, detection, recording). It tells how much of the
// first frame's time is the stack's own (Bubble Tea's start-up in a real
// terminal, its renderer, one connection) and so what ratio to a one-shot
// call any TUI on this stack can reach. A benchmark fixture, not part of
// the sonde binary.
//
//	bare-tui URL    Streamable HTTP; q or ctrl+c quits
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// listed is the outcome of connecting and listing the tools.
type listed struct {
	tools []string
	err   error
}

type model struct {
	done <-chan listed // the dial, started before Bubble Tea (as sonde does)
	res  *listed
}

func (m model) Init() tea.Cmd {
	return func() tea.Msg { return <-m.done }
}

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case listed:
		m.res = &msg
	case tea.KeyPressMsg:
		if s := msg.String(); s == "q" || s == "ctrl+c" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m model) View() tea.View {
	var b strings.Builder
	b.WriteString("bare-tui  ") // not the URL: a query may hold a secret
	switch {
	case m.res == nil:
		b.WriteString("connecting")
	case m.res.err != nil:
		fmt.Fprintf(&b, "failed: %v", m.res.err)
	default:
		fmt.Fprintf(&b, "connected, %d tools\n\n", len(m.res.tools))
		for _, t := range m.res.tools {
			b.WriteString("  " + t + "\n")
		}
	}
	v := tea.NewView(b.String())
	v.AltScreen = true
	return v
}

// dial connects to url and lists the tools (every page).
func dial(ctx context.Context, url string) listed {
	c := mcp.NewClient(&mcp.Implementation{Name: "bare-tui", Version: "0"}, nil)
	s, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		return listed{err: err}
	}
	var names []string
	for t, err := range s.Tools(ctx, nil) {
		if err != nil {
			return listed{err: err}
		}
		names = append(names, t.Name)
	}
	return listed{tools: names}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bare-tui URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan listed, 1)
	go func() { done <- dial(ctx, os.Args[1]) }()
	if _, err := tea.NewProgram(model{done: done}).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "bare-tui:", err)
		os.Exit(1)
	}
}
