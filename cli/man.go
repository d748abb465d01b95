package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sonde-mcp/sonde/mcp"
)

// runMan prints the manual page (roff), generated from the same tables as
// --help: read it with man -l <(sonde man), or install it as sonde.1.
func runMan(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(pos) > 0 || len(command) > 0 {
		return usagef("man takes no arguments")
	}
	writeMan(env.Stdout)
	return nil
}

// roff escapes text for a roff line: backslashes, hyphens (so they stay
// hyphen-minus), and a leading dot or quote that would read as a request.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// roffText writes a plain-text help paragraph: indented lines become an
// example block.
func roffText(w io.Writer, text string) {
	inEx := false
	for _, l := range strings.Split(text, "\n") {
		ex := strings.HasPrefix(l, "  ")
		switch {
		case ex && !inEx:
			fmt.Fprintln(w, ".PP\n.RS 4\n.nf")
		case !ex && inEx:
			fmt.Fprintln(w, ".fi\n.RE")
		}
		inEx = ex
		fmt.Fprintln(w, roff(strings.TrimSpace(l)))
	}
	if inEx {
		fmt.Fprintln(w, ".fi\n.RE")
	}
}

func writeMan(w io.Writer) {
	fmt.Fprintf(w, ".TH SONDE 1 \"\" \"sonde %s\" \"User Commands\"\n", roff(mcp.Version))
	fmt.Fprintln(w, ".SH NAME\nsonde \\- a terminal inspector for MCP servers")
	fmt.Fprintln(w, ".SH SYNOPSIS")
	for _, c := range commands {
		fmt.Fprintf(w, ".B sonde\n%s[\\fIflags\\fR]", roff(strings.TrimSpace(c.name+" "+c.args)+" "))
		if c.id&connCmds != 0 {
			fmt.Fprint(w, " [\\fB\\-\\-\\fR \\fICOMMAND\\fR ...]")
		}
		fmt.Fprintln(w, "\n.br")
	}
	fmt.Fprintln(w, ".SH DESCRIPTION")
	fmt.Fprintln(w, "sonde attaches to any MCP server (stdio, legacy HTTP+SSE, Streamable HTTP), shows everything on the wire, and lets you call what the server offers, interactively in a terminal UI or from scripts.")
	fmt.Fprintln(w, ".PP")
	roffText(w, targetHelp)
	fmt.Fprintln(w, ".PP")
	roffText(w, argumentsHelp)
	fmt.Fprintln(w, ".SH COMMANDS")
	for i := range commands {
		c := &commands[i]
		fmt.Fprintf(w, ".TP\n.B %s\n%s.\n", roff(strings.TrimSpace("sonde "+c.name+" "+c.args)), roff(c.help))
	}
	fmt.Fprintln(w, ".SH OPTIONS")
	fmt.Fprintln(w, "Flags go before or after the positional arguments, with one or two dashes.")
	for _, g := range flagGroups {
		fmt.Fprintf(w, ".SS %s\n", roff(g.title))
		for i := range flagTable {
			f := &flagTable[i]
			if f.group != g.name {
				continue
			}
			fmt.Fprint(w, ".TP\n")
			if f.short != "" {
				fmt.Fprintf(w, "\\fB\\-%s\\fR, ", roff(f.short))
			}
			fmt.Fprintf(w, "\\fB\\-\\-%s\\fR", roff(f.name))
			if a := f.argText(); a != "" {
				fmt.Fprintf(w, " \\fI%s\\fR", roff(a))
			}
			fmt.Fprintf(w, "\n%s.", roff(f.description()))
			if f.on != allCmds {
				fmt.Fprintf(w, " For: %s.", roff(strings.Join(f.on.names(), ", ")))
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, ".SH EXIT STATUS")
	roffText(w, strings.TrimPrefix(exitHelp, "Exit codes: "))
	fmt.Fprintln(w, ".SH ENVIRONMENT")
	for _, e := range [][2]string{
		{"SONDE_BEARER", "the bearer token when --bearer is not given"},
		{"SONDE_ERA_CACHE", "the era cache file; off disables it"},
		{"NO_COLOR", "the UI draws without colour"},
		{"XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME, XDG_DATA_HOME", "where the files below live"},
	} {
		fmt.Fprintf(w, ".TP\n.B %s\n%s.\n", roff(e[0]), roff(e[1]))
	}
	fmt.Fprintln(w, ".SH FILES")
	roffText(w, strings.TrimPrefix(filesHelp, "Files (XDG base directories; defaults shown):\n"))
}
