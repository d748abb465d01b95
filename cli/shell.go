package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sonde-mcp/sonde/config"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// shellLine is one --json answer of the shell.
type shellLine struct {
	Cmd    string          `json:"cmd"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *shellError     `json:"error,omitempty"`
	MS     float64         `json:"ms"`
}

type shellError struct {
	Message string          `json:"message"`
	Code    int             `json:"code,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Exit    int             `json:"exit"`
}

const shellHelp = `commands: tools | resources | templates | prompts | call TOOL {json}|KEY=VALUE... |
          read URI | prompt NAME {json}|KEY=VALUE... | ping | sleep DURATION | subscribe URI | unsubscribe URI |
          complete prompt|resource NAME|URI ARG VALUE | loglevel LEVEL | raw JSON | raw METHOD [PARAMS] | help | quit`

// runShell reads commands, one per line, and runs them on one session.
func runShell(ctx context.Context, c *runCtx) error {
	var (
		readLine func() (string, error)
		out      = c.out
	)
	if c.env.StdinIsTerminal && !c.o.json {
		if f, ok := c.env.Stdin.(*os.File); ok {
			old, err := term.MakeRaw(int(f.Fd()))
			if err == nil {
				defer term.Restore(int(f.Fd()), old)
				t := term.NewTerminal(struct {
					io.Reader
					io.Writer
				}{f, c.out}, "sonde> ")
				readLine = t.ReadLine
				out = t
				if c.recoveries != nil {
					// the terminal redraws its prompt around the line
					c.recoveries.textLines(t)
				}
				fmt.Fprintln(out, shellHelp)
			}
		}
	}
	if c.o.json {
		// Event lines (a recovery) come from the session's goroutines:
		// one line at a time, never inside a command's line.
		sw := &syncWriter{w: out}
		out = sw
		if c.recoveries != nil {
			c.recoveries.eventLines(sw)
		}
	}
	if readLine == nil {
		sc := bufio.NewScanner(c.env.Stdin)
		sc.Buffer(make([]byte, 64<<10), int(c.o.maxMessage))
		readLine = func() (string, error) {
			if sc.Scan() {
				return sc.Text(), nil
			}
			if err := sc.Err(); err != nil {
				return "", err
			}
			return "", io.EOF
		}
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		for {
			l, err := readLine()
			if err != nil {
				readErr <- err
				close(lines)
				return
			}
			lines <- l
		}
	}()
	var last error // the exit status is the last command's, as in sh
	for {
		var line string
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil && !errors.Is(err, io.EOF) {
					return fmt.Errorf("reading commands: %w", err)
				}
				return last
			}
			line = strings.TrimSpace(l)
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verb, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		if verb == "quit" || verb == "exit" {
			return last
		}
		start := time.Now()
		res, err := shellCommand(ctx, c, verb, rest, out)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return err
		}
		if c.o.json {
			sl := shellLine{Cmd: verb, OK: err == nil, MS: float64(time.Since(start).Microseconds()) / 1000}
			if err == nil {
				if res == nil {
					res = json.RawMessage(`{}`)
				}
				sl.Result = res
			} else {
				se := &shellError{Message: termsafe.Line(err.Error()), Exit: exitCode(err)}
				var re *mcp.RPCError
				if errors.As(err, &re) {
					se.Code, se.Data = re.Code, re.Data
				}
				sl.Error = se
			}
			b, _ := json.Marshal(sl)
			fmt.Fprintf(out, "%s\n", b)
		} else if err != nil {
			fmt.Fprintln(out, "error: "+termsafe.Line(err.Error()))
		}
		last = err
	}
}

// shellCommand runs one command. With --json it returns the result to
// print; otherwise it prints as the one-shot commands do.
func shellCommand(ctx context.Context, c *runCtx, verb, rest string, out io.Writer) (json.RawMessage, error) {
	s := c.session
	list := func(method, key string) (json.RawMessage, error) {
		l, err := listing(ctx, c, method, key)
		if err != nil {
			return nil, err
		}
		if c.o.json {
			out := map[string]any{}
			if l.raw != nil {
				out["raw"] = l.raw
			} else {
				if l.items == nil {
					l.items = []json.RawMessage{}
				}
				out[key] = l.items
			}
			if l.note != "" {
				out["note"] = l.note
			}
			return json.Marshal(out)
		}
		if l.note != "" {
			fmt.Fprintf(out, "(%s)\n", termsafe.Line(l.note))
		}
		if l.raw != nil {
			_, err := fmt.Fprintln(out, prettyJSON(l.raw))
			return nil, err
		}
		if l.items == nil && l.note != "" {
			return nil, nil
		}
		return nil, printList(out, key, l.items, false)
	}
	switch verb {
	case "help":
		if !c.o.json {
			fmt.Fprintln(out, shellHelp)
		}
		return nil, nil
	case "tools":
		return list("tools/list", "tools")
	case "resources":
		return list("resources/list", "resources")
	case "templates":
		return list("resources/templates/list", "resourceTemplates")
	case "prompts":
		return list("prompts/list", "prompts")
	case "ping":
		rtt, err := s.Ping(ctx)
		if err != nil {
			return nil, err
		}
		if !c.o.json {
			fmt.Fprintf(out, "pong in %s\n", rtt.Round(time.Microsecond))
		}
		return json.Marshal(map[string]float64{"rtt_ms": float64(rtt.Microseconds()) / 1000})
	case "sleep":
		d, err := time.ParseDuration(rest)
		if err != nil {
			return nil, fmt.Errorf("sleep: %v", err)
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return nil, nil
	case "call", "prompt":
		name, argText, _ := strings.Cut(rest, " ")
		if name == "" {
			return nil, fmt.Errorf("%s: missing name", verb)
		}
		args, tool, err := shellArgs(ctx, s, verb, name, strings.TrimSpace(argText))
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if verb == "call" {
			raw, err = callTool(ctx, s, name, args, tool)
		} else {
			raw, err = getPrompt(ctx, s, name, args)
		}
		if err != nil {
			return nil, err
		}
		if verb == "call" {
			var r struct {
				IsError bool `json:"isError"`
			}
			json.Unmarshal(raw, &r)
			if c.o.json {
				if r.IsError {
					// ok:true, the call worked; isError is in the result.
					return raw, nil
				}
				return raw, nil
			}
			err := printToolResult(out, raw, false, "")
			return nil, err
		}
		if c.o.json {
			return raw, nil
		}
		return nil, printPrompt(out, raw, false)
	case "read":
		if rest == "" {
			return nil, errors.New("read: missing URI")
		}
		raw, err := s.Call(ctx, "resources/read", map[string]string{"uri": rest})
		if err != nil {
			return nil, err
		}
		if c.o.json {
			return raw, nil
		}
		var res struct {
			Contents []struct {
				Text *string `json:"text"`
				URI  string  `json:"uri"`
				Mime string  `json:"mimeType"`
				Blob string  `json:"blob"`
			} `json:"contents"`
		}
		json.Unmarshal(raw, &res)
		for _, ct := range res.Contents {
			if ct.Text != nil {
				fmt.Fprintln(out, termsafe.Text(*ct.Text))
			} else {
				fmt.Fprintln(out, termsafe.Line(fmt.Sprintf("[blob %s %s, %d base64 chars]", ct.URI, ct.Mime, len(ct.Blob))))
			}
		}
		return nil, nil
	case "subscribe", "unsubscribe":
		if rest == "" {
			return nil, fmt.Errorf("%s: missing URI", verb)
		}
		f := s.Subscribe
		if verb == "unsubscribe" {
			f = s.Unsubscribe
		}
		if err := f(ctx, rest); err != nil {
			return nil, err
		}
		return json.Marshal(map[string]string{"uri": rest})
	case "raw":
		args := []string{rest}
		if method, params, ok := strings.Cut(rest, " "); ok && !strings.HasPrefix(rest, "{") && !strings.HasPrefix(rest, "[") {
			args = []string{method, strings.TrimSpace(params)}
		} else if rest == "" {
			args = nil
		}
		msg, err := rawMessage(args, s.RequestMeta())
		if err != nil {
			return nil, err
		}
		res, err := s.SendRaw(ctx, msg, c.o.rawWait)
		if c.o.json {
			b, merr := rawJSON(res)
			if err != nil {
				return nil, err
			}
			return b, merr
		}
		printRaw(out, res, c.o.rawWait)
		return nil, err
	case "loglevel":
		if rest == "" {
			return nil, errors.New("loglevel: missing LEVEL (debug, info, notice, warning, error, critical, alert, emergency)")
		}
		if err := s.SetLogLevel(ctx, rest); err != nil {
			return nil, err
		}
		return json.Marshal(map[string]string{"level": rest})
	case "complete":
		f := strings.Fields(rest)
		if len(f) < 3 || (f[0] != "prompt" && f[0] != "resource") {
			return nil, errors.New("complete: write complete prompt NAME ARG [VALUE] or complete resource URI-TEMPLATE ARG [VALUE]")
		}
		ref := map[string]string{"type": "ref/prompt", "name": f[1]}
		if f[0] == "resource" {
			ref = map[string]string{"type": "ref/resource", "uri": f[1]}
		}
		value := strings.Join(f[3:], " ")
		raw, err := s.Call(ctx, "completion/complete", map[string]any{"ref": ref, "argument": map[string]string{"name": f[2], "value": value}})
		if err != nil {
			return nil, err
		}
		if c.o.json {
			return raw, nil
		}
		var res struct {
			Completion struct {
				Values []string `json:"values"`
			} `json:"completion"`
		}
		json.Unmarshal(raw, &res)
		for _, v := range res.Completion.Values {
			fmt.Fprintln(out, termsafe.Line(v))
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown command %q; %s", verb, strings.Join(strings.Fields(shellHelp), " "))
}

// shellArgs reads the arguments of the shell's call and prompt: one JSON
// object, or KEY=VALUE words (quoted like a shell's) converted as sonde
// call and sonde prompt convert them. tool is the tool's listing when it
// was looked up for its schema.
func shellArgs(ctx context.Context, s *mcp.Session, verb, name, text string) (args map[string]any, tool json.RawMessage, err error) {
	if text == "" || strings.HasPrefix(text, "{") {
		args = map[string]any{}
		if text != "" {
			d := json.NewDecoder(strings.NewReader(text))
			d.UseNumber()
			if err := d.Decode(&args); err != nil {
				return nil, nil, fmt.Errorf("%s: arguments are not a JSON object: %v", verb, err)
			}
		}
		return args, nil, nil
	}
	pairs, err := config.SplitWords(text)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", verb, err)
	}
	if verb == "prompt" {
		args, err = buildArgs("", pairs, nil, true)
		return args, nil, err
	}
	if tool, err = findTool(ctx, s, name); err != nil {
		return nil, nil, err
	}
	args, err = buildArgs("", pairs, inputSchema(tool), false)
	return args, tool, err
}
