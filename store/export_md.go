package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/termsafe"
)

// mdBlockLimit caps one JSON block of the transcript.
const mdBlockLimit = 4 << 10

// ExportMarkdown writes a readable transcript of a recording: a summary
// table, then every request, answer, notification, state change, error and
// note in order, with its time from the start, JSON pretty-printed (long
// payloads cut at 4 KiB, with the full size stated). Keepalive traffic is
// folded into one line per run. All server text is stripped of terminal
// control sequences. It moves the reader's cursor.
func ExportMarkdown(w io.Writer, r *Reader) error {
	bw := bufio.NewWriter(w)
	h := r.Header()
	st := r.Stats()
	title := h.Server
	if title == "" {
		title = h.Target
	}
	fmt.Fprintf(bw, "# sonde session: %s\n\n", mdInline(title))
	fmt.Fprintf(bw, "| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(bw, "| %s | %s |\n", k, strings.ReplaceAll(mdInline(v), "|", `\|`))
		}
	}
	row("Target", h.Target)
	row("Transport", string(h.Transport))
	row("Protocol", h.Protocol)
	row("Server", h.Server)
	row("Started", h.Start.UTC().Format("2006-01-02 15:04:05.000 MST"))
	row("Duration", st.Duration.Round(time.Millisecond).String())
	row("Events", fmt.Sprintf("%d (%d errors)", st.Events, st.Errors))
	if st.Skipped > 0 {
		row("Skipped lines", fmt.Sprint(st.Skipped))
	}
	if !st.Complete {
		row("Note", "the recording was not closed cleanly (cut by a crash, or still being written)")
	}
	if r.Info() != nil && r.Info().Instructions != "" {
		fmt.Fprintf(bw, "\n**Server instructions:**\n\n%s\n", mdQuote(r.Info().Instructions))
	}
	fmt.Fprintf(bw, "\n## Transcript\n\n")

	if err := r.Seek(0); err != nil {
		return err
	}
	keep := 0 // keepalives folded since the last line
	flushKeep := func() {
		if keep > 0 {
			s := "s"
			if keep == 1 {
				s = ""
			}
			fmt.Fprintf(bw, "- _%d keepalive event%s_\n", keep, s)
			keep = 0
		}
	}
	for e, err := range r.Events() {
		if err != nil {
			return err
		}
		if e.IsKeepalive() {
			keep++
			continue
		}
		flushKeep()
		at := "`+" + fmtSeconds(e.Time.Sub(h.Start)) + "`"
		switch e.Kind {
		case mcp.KindMessage:
			writeMessage(bw, at, &e)
		case mcp.KindHTTP:
			if e.Status != 0 {
				ct := ""
				if e.ContentType != "" {
					ct = " " + mdInline(e.ContentType)
				}
				fmt.Fprintf(bw, "- %s ← HTTP %d%s (%s)\n", at, e.Status, ct, e.HTTPMethod)
			} else {
				fmt.Fprintf(bw, "- %s → %s %s\n", at, e.HTTPMethod, mdInline(e.URL))
			}
		case mcp.KindState:
			fmt.Fprintf(bw, "- %s **%s** %s\n", at, mdInline(e.Label()), mdInline(e.Summary()))
		case mcp.KindError:
			fmt.Fprintf(bw, "- %s **error**: %s\n", at, mdInline(e.Summary()))
		case mcp.KindStderr:
			fmt.Fprintf(bw, "- %s stderr: `%s`\n", at, strings.ReplaceAll(termsafe.Line(e.Text), "`", "'"))
		default:
			fmt.Fprintf(bw, "- %s %s %s\n", at, mdInline(e.Label()), mdInline(e.Summary()))
		}
	}
	flushKeep()
	return bw.Flush()
}

func writeMessage(w io.Writer, at string, e *mcp.Event) {
	arrow := "→"
	if e.Dir == mcp.DirIn {
		arrow = "←"
	}
	var m struct {
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	json.Unmarshal(e.Raw, &m)
	id := ""
	if e.ID != "" {
		id = " #" + strings.Trim(e.ID, `"`)
	}
	var head, body string
	switch e.RPC {
	case mcp.RPCRequest, mcp.RPCNotification:
		level := "###"
		if e.RPC == mcp.RPCNotification {
			level = "####"
		}
		head = fmt.Sprintf("%s %s %s `%s`%s", level, at, arrow, mdCode(e.Method), id)
		if name := requestTarget(m.Params); name != "" {
			head += " " + mdInline(name)
		}
		body = string(m.Params)
	case mcp.RPCResponse:
		head = fmt.Sprintf("#### %s %s result%s", at, arrow, id)
		if e.ReqMethod != "" {
			head += " (`" + mdCode(e.ReqMethod) + "`"
			if e.Latency > 0 {
				head += ", " + fmtMillis(e.Latency)
			}
			head += ")"
		}
		if IsError(e) {
			head += " **isError**"
		}
		body = string(m.Result)
	case mcp.RPCErrorResponse:
		head = fmt.Sprintf("#### %s %s **error**%s", at, arrow, id)
		if e.ReqMethod != "" {
			head += " (`" + mdCode(e.ReqMethod) + "`)"
		}
		body = string(m.Error)
	default:
		head = fmt.Sprintf("#### %s %s message", at, arrow)
		body = string(e.Raw)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, head)
	if e.Err != "" {
		fmt.Fprintf(w, "\n> %s\n", mdInline(e.Err))
	}
	if body != "" && body != "null" {
		writeJSONBlock(w, []byte(body))
	}
	fmt.Fprintln(w)
}

// requestTarget is a request's tool/prompt name or resource URI.
func requestTarget(params json.RawMessage) string {
	var p struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	json.Unmarshal(params, &p)
	if p.Name != "" {
		return p.Name
	}
	return p.URI
}

func writeJSONBlock(w io.Writer, raw []byte) {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		b.Reset()
		b.Write(raw)
	}
	text := b.String()
	note := ""
	if len(text) > mdBlockLimit {
		note = fmt.Sprintf("\n_(%d bytes, cut at %d)_\n", len(text), mdBlockLimit)
		text = text[:mdBlockLimit] + "\n…"
	}
	text = termsafe.Text(text)
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	fmt.Fprintf(w, "\n%sjson\n%s\n%s\n%s", fence, text, fence, note)
}

// mdInline makes server text safe on one markdown line.
func mdInline(s string) string {
	s = termsafe.Line(s)
	r := strings.NewReplacer("\n", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

func mdCode(s string) string { return strings.ReplaceAll(termsafe.Line(s), "`", "'") }

func mdQuote(s string) string {
	lines := strings.Split(termsafe.Text(s), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }
