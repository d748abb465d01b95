package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/sonde-mcp/sonde/internal/version"
	"github.com/sonde-mcp/sonde/mcp"
)

// The help texts, the man page (man.go) and the shell completions
// (complete.go) are all generated from commands and flagTable.

const targetHelp = `TARGET is an http(s) URL (Streamable HTTP or legacy HTTP+SSE, detected), or a
stdio server given by ending the line with -- and its command: everything after
-- belongs to the server, its flags included. Instead of a TARGET, --server NAME
picks a server from --config FILE, or without --config from the known server
files (sonde's servers.json, Claude Desktop, .mcp.json, VS Code's mcp.json):
  sonde call http://127.0.0.1:3102/mcp get-sum a=2 b=3
  sonde call echo message=hi -- node server.js stdio
  sonde tools --config .vscode/mcp.json --server github`

const argumentsHelp = `Arguments: KEY=VALUE is converted by the tool's input schema (numbers,
booleans, JSON for objects and arrays); KEY:=JSON always parses JSON;
a.b=VALUE builds nested objects; --args JSON gives them all at once.
Prompt arguments are strings. A TOOL, NAME or URI beginning with - goes in
--name=... or --uri=... (a positional beginning with - is read as a flag).`

const exitHelp = `Exit codes: 0 ok, 1 usage or unexpected error, 3 auth required or denied,
4 unreachable or connection lost, 5 the tool returned isError, 6 sonde rerun or
sonde diff found a difference, 130 interrupted; sonde shell exits with its
last command's code.`

const filesHelp = `Files (XDG base directories; defaults shown):
  ~/.config/sonde/servers.json       servers typed in the picker (mcpServers shape)
  ~/.local/state/sonde/last-args.json   the last arguments per tool, prompt, template
  ~/.cache/sonde/eras.json           transport and era found per server
                                     (SONDE_ERA_CACHE=FILE moves it, =off disables it)
  ~/.local/share/sonde/sessions/     recordings (see store/FORMAT.md)`

// usage is `sonde --help`: every command and every flag.
func usage(w io.Writer) {
	fmt.Fprintf(w, "sonde %s: a terminal inspector for MCP servers\n\nUsage:\n", mcp.Version)
	for i := range commands {
		c := &commands[i]
		syn := strings.TrimSpace("sonde " + strings.TrimSpace(c.name+" "+c.args))
		if len(syn) > 30 {
			fmt.Fprintf(w, "  %s\n  %-30s %s\n", syn, "", c.help)
		} else {
			fmt.Fprintf(w, "  %-30s %s\n", syn, c.help)
		}
	}
	fmt.Fprintf(w, "\n%s\n\n%s\n\nFlags go before or after the positional arguments; sonde COMMAND --help lists\nthe ones a command takes.\n", targetHelp, argumentsHelp)
	writeFlags(w, allCmds)
	fmt.Fprintf(w, "\n%s\n\n%s\n", exitHelp, filesHelp)
}

// commandUsage is `sonde COMMAND --help`: its synopsis and its flags.
func commandUsage(w io.Writer, c *command) {
	words := func(s ...string) string { return strings.Join(strings.Fields(strings.Join(s, " ")), " ") }
	fmt.Fprintf(w, "Usage: %s\n", words("sonde", c.name, c.args, "[flags]"))
	if c.id&connCmds != 0 {
		rest := strings.Replace(c.args, "TARGET", "", 1)
		fmt.Fprintf(w, "       %s\n", words("sonde", c.name, rest, "[flags] -- COMMAND [ARG ...]"))
		fmt.Fprintf(w, "       %s\n", words("sonde", c.name, "--server NAME [--config FILE]", rest, "[flags]"))
	}
	fmt.Fprintf(w, "\n%s.\n", strings.ToUpper(c.help[:1])+c.help[1:])
	if c.id&connCmds != 0 {
		fmt.Fprintf(w, "\n%s\n", targetHelp)
	}
	if c.id&(cmdCall|cmdPrompt) != 0 {
		fmt.Fprintf(w, "\n%s\n", argumentsHelp)
	}
	writeFlags(w, c.id)
	if c.id&(headless|cmdRerun|cmdDiff) != 0 {
		fmt.Fprintf(w, "\n%s\n", exitHelp)
	}
}

// writeFlags lists, by group, the flags any command in cmds takes.
func writeFlags(w io.Writer, cmds cmdSet) {
	for _, g := range flagGroups {
		first := true
		for i := range flagTable {
			f := &flagTable[i]
			if f.group != g.name || f.on&cmds == 0 {
				continue
			}
			if first {
				fmt.Fprintf(w, "\n%s:\n", g.title)
				first = false
			}
			left, right := f.synopsis(), f.description()
			if len(left) > 28 {
				fmt.Fprintf(w, "  %s\n  %-28s %s\n", left, "", right)
			} else {
				fmt.Fprintf(w, "  %-28s %s\n", left, right)
			}
		}
	}
}

// synopsis is how the flag is written: "-o, --output FILE".
func (f *flagDef) synopsis() string {
	s := "--" + f.name
	if f.short != "" {
		s = "-" + f.short + ", " + s
	}
	if a := f.argText(); a != "" {
		s += " " + a
	}
	return s
}

// argText is the value's placeholder, or its choices when they are few.
func (f *flagDef) argText() string {
	if f.arg == "" {
		return ""
	}
	if c := strings.Join(f.choices, "|"); c != "" && len(c) <= 24 && !strings.HasSuffix(c, ":") {
		return c
	}
	return f.arg
}

// description is the help line with the default and the choices that the
// synopsis did not show.
func (f *flagDef) description() string {
	d := f.help
	if f.arg != "" && len(f.choices) > 0 && f.argText() == f.arg && !strings.Contains(d, f.choices[0]) {
		d += " (" + strings.Join(f.choices, ", ") + ")"
	}
	if def := f.defaultText(); def != "" && !strings.Contains(d, "(default") {
		d += " (default " + def + ")"
	}
	return d
}

// runHelp is `sonde help [COMMAND]`.
func runHelp(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(pos) == 0 {
		usage(env.Stdout)
		return nil
	}
	for i := range commands {
		if c := &commands[i]; c.name != "" && c.name == pos[0] {
			commandUsage(env.Stdout, c)
			return nil
		}
	}
	return usagef("help: no command %q", pos[0])
}

// runVersion is `sonde version` and `sonde --version`.
func runVersion(ctx context.Context, o *options, pos, command []string, env Env) error {
	if len(pos) > 0 || len(command) > 0 {
		return usagef("version takes no arguments")
	}
	info := version.Get()
	if o.json {
		b, _ := json.Marshal(info)
		fmt.Fprintf(env.Stdout, "%s\n", b)
		return nil
	}
	fmt.Fprint(env.Stdout, info.String())
	return nil
}
