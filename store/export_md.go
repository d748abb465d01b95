package store

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/internal/mdsafe"
	"github.com/sonde-mcp/sonde/internal/prettyjson"
	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/session"
	"github.com/sonde-mcp/sonde/termsafe"
)

// mdBlockLimit caps one JSON block of the transcript.
const mdBlockLimit = 4 << 10

// mdLineLimit is how much of one recorded line the transcript reads: it
// shows 4 KiB of a payload, so a 150 MB line is read through, not held.
const mdLineLimit = 1 << 20

// ExportMarkdown writes a readable transcript of a recording: a summary
// table, then every request, answer, notification, state change, error and
// note in order, with its time from the start, JSON pretty-printed (long
// payloads cut at 4 KiB, with the full size stated). Keepalive traffic is
// folded into one line per run. All server text is stripped of terminal
// control sequences, and none of it can become Markdown or HTML (an image
// that loads, a link, a heading, a tag): on one line it is a code span,
// over several lines a fenced block, each delimited by more backticks than
// the text holds in a row. It moves the reader's cursor.
func ExportMarkdown(w io.Writer, r *Reader) error {
	bw := bufio.NewWriter(w)
	h := r.Header()
	st := r.Stats()
	title := h.Server
	if title == "" {
		title = h.Target
	}
	fmt.Fprintf(bw, "# sonde session: %s\n\n", mdsafe.Inline(title))
	fmt.Fprintf(bw, "| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			// A table splits cells at every |, code spans included.
			fmt.Fprintf(bw, "| %s | %s |\n", k, mdsafe.Cell(v))
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
		fmt.Fprintf(bw, "\n**Server instructions:**\n\n%s\n", mdsafe.Fence("text", termsafe.Text(r.Info().Instructions)))
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
	state := session.New() // decodes each message once, and says where the session ended
	for e, err := range r.EventsUpTo(mdLineLimit) {
		if err != nil {
			return err
		}
		ch := state.Apply(e)
		if e.IsKeepalive() {
			keep++
			continue
		}
		flushKeep()
		at := "`+" + fmtSeconds(e.Time.Sub(h.Start)) + "`"
		switch e.Kind {
		case mcp.KindMessage:
			writeMessage(bw, at, &e, ch.Message)
		case mcp.KindHTTP:
			if e.Status != 0 {
				ct := ""
				if e.ContentType != "" {
					ct = " " + mdsafe.Inline(e.ContentType)
				}
				fmt.Fprintf(bw, "- %s ← HTTP %d%s (%s)\n", at, e.Status, ct, e.HTTPMethod)
			} else {
				fmt.Fprintf(bw, "- %s → %s %s\n", at, e.HTTPMethod, mdsafe.Inline(e.URL))
			}
		case mcp.KindState:
			fmt.Fprintf(bw, "- %s **%s** %s\n", at, mdsafe.Inline(e.Label()), mdsafe.Inline(e.Summary()))
		case mcp.KindError:
			fmt.Fprintf(bw, "- %s **error**: %s\n", at, mdsafe.Inline(e.Summary()))
		case mcp.KindStderr:
			fmt.Fprintf(bw, "- %s stderr: %s\n", at, mdsafe.Inline(e.Text))
		default:
			fmt.Fprintf(bw, "- %s %s %s\n", at, mdsafe.Inline(e.Label()), mdsafe.Inline(e.Summary()))
		}
	}
	flushKeep()
	// what the UI showed at the end (the same State)
	if facts := state.Summary(); len(facts) > 0 {
		fmt.Fprintf(bw, "\n## At the end\n\n| | |\n|---|---|\n")
		for _, f := range facts {
			row(f.Name, f.Value)
		}
	}
	return bw.Flush()
}

func writeMessage(w io.Writer, at string, e *mcp.Event, m *session.Message) {
	arrow := "→"
	if e.Dir == mcp.DirIn {
		arrow = "←"
	}
	id := ""
	if e.ID != "" { // the server chooses the ids of its requests
		id = " " + mdsafe.Inline("#"+strings.Trim(e.ID, `"`))
	}
	var head, body string
	switch e.RPC {
	case mcp.RPCRequest, mcp.RPCNotification:
		level := "###"
		if e.RPC == mcp.RPCNotification {
			level = "####"
		}
		head = fmt.Sprintf("%s %s %s %s%s", level, at, arrow, mdsafe.Inline(e.Method), id)
		if name := m.Subject(); name != "" {
			head += " " + mdsafe.Inline(name)
		}
		body = string(m.Params)
	case mcp.RPCResponse:
		head = fmt.Sprintf("#### %s %s result%s", at, arrow, id)
		if e.ReqMethod != "" {
			head += " (" + mdsafe.Inline(e.ReqMethod)
			if e.Latency > 0 {
				head += ", " + fmtMillis(e.Latency)
			}
			head += ")"
		}
		if m.IsError || e.Err != "" {
			head += " **isError**"
		}
		body = string(m.Result)
	case mcp.RPCErrorResponse:
		head = fmt.Sprintf("#### %s %s **error**%s", at, arrow, id)
		if e.ReqMethod != "" {
			head += " (" + mdsafe.Inline(e.ReqMethod) + ")"
		}
		body = string(m.ErrorRaw)
	default:
		head = fmt.Sprintf("#### %s %s message", at, arrow)
		body = string(e.Raw)
	}
	if m == nil || e.Truncated > int64(len(e.Raw)) {
		// The line was read only as far as its start (EventsUpTo): what
		// there is of the payload, as it came.
		body = string(e.Raw)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, head)
	if e.Err != "" {
		fmt.Fprintf(w, "\n> %s\n", mdsafe.Inline(e.Err))
	}
	if body != "" && body != "null" {
		writeJSONBlock(w, []byte(body), max(e.Truncated, int64(len(body))))
	}
	fmt.Fprintln(w)
}

// writeJSONBlock writes the start of raw, indented; size is the size of
// the whole (more than len(raw) when only its start was read).
func writeJSONBlock(w io.Writer, raw []byte, size int64) {
	text, cut := prettyjson.Indent(raw, mdBlockLimit)
	if size > int64(len(raw)) {
		text, cut = prettyjson.IndentStart(raw, mdBlockLimit)
		cut = true
	}
	note := ""
	if cut {
		note = fmt.Sprintf("\n_(cut at %d bytes; the message has %d)_\n", mdBlockLimit, size)
		text += "\n…"
	}
	fmt.Fprintf(w, "\n%s\n%s", mdsafe.Fence("json", termsafe.Text(text)), note)
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }
