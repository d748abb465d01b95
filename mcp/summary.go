package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sonde-mcp/sonde/termsafe"
)

// Label is the short kind column of a log line: the JSON-RPC method (or
// "result"/"error" for answers), "sse:<name>", "comment", "HTTP <status>",
// the state, "stderr", "error" or "info".
func (e *Event) Label() string {
	switch e.Kind {
	case KindMessage:
		switch e.RPC {
		case RPCResponse:
			return "result"
		case RPCErrorResponse:
			return "error"
		case "": // JSON of the server's own shape: sent raw, or a body that came back
			if e.Dir == DirOut {
				return "raw"
			}
			return "data"
		}
		return e.Method
	case KindSSE:
		switch {
		case e.SSEEvent != "":
			return "sse:" + e.SSEEvent
		case e.Keepalive:
			return "keepalive"
		case e.SSERetry > 0 && e.Text != "(empty data)":
			return "sse:retry"
		case e.Text == "(empty data)":
			return "sse:prime"
		}
		return "sse:data" // unnamed data that is no JSON-RPC (a lenient session)
	case KindComment:
		return "comment"
	case KindHTTP:
		if e.Status != 0 {
			return "HTTP " + strconv.Itoa(e.Status)
		}
		return e.HTTPMethod
	case KindState:
		if e.State == StateReconnecting && e.Attempt > 0 {
			return "reconnecting " + strconv.Itoa(e.Attempt)
		}
		return string(e.State)
	case KindAuth:
		if e.Method != "" {
			return "auth:" + e.Method
		}
	case KindFault:
		if e.Method != "" {
			return "fault:" + e.Method
		}
	}
	return string(e.Kind)
}

// Summary is a one-line, terminal-safe description of the event for logs:
// what a message does (tool name, uri, progress, the error), an SSE event's
// data, a comment's text, an HTTP status and content type, a state change.
func (e *Event) Summary() string {
	s := e.summary()
	if e.Err != "" && e.Kind != KindError {
		if s != "" {
			s += "  "
		}
		s += "! " + e.Err
	}
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return termsafe.Line(s)
}

func (e *Event) summary() string {
	switch e.Kind {
	case KindMessage:
		return messageSummary(e)
	case KindSSE:
		var parts []string
		if e.SSEID != "" {
			parts = append(parts, "id="+e.SSEID)
		}
		if e.SSERetry > 0 {
			parts = append(parts, fmt.Sprintf("retry=%dms", e.SSERetry))
		}
		if e.Text != "" && (e.SSERetry == 0 || e.Text == "(empty data)" || e.SSEEvent != "") {
			parts = append(parts, e.Text)
		}
		if len(e.Raw) > 0 { // JSON data: its start, on one line
			parts = append(parts, compactStart(e.Raw, 480))
		}
		return strings.Join(parts, " ")
	case KindComment:
		return ": " + e.Text
	case KindHTTP:
		s := e.URL
		if e.Status != 0 {
			s = e.HTTPMethod + " → " + strconv.Itoa(e.Status)
			if e.ContentType != "" {
				s += " " + e.ContentType
			}
		}
		if e.Text != "" { // a redirect: where it leads, or which one is followed
			s += "  " + e.Text
		}
		return s
	case KindState:
		if e.Info != nil {
			s := string(e.Info.Transport)
			if down, cause, ok := e.Recovery(); ok {
				s = RecoveryText(down, cause) + " · " + s
			}
			if e.Info.Protocol != "" {
				s += " " + e.Info.Protocol
			}
			if name := ServerName(e.Info.Server); name != "" {
				s += " · " + name
			}
			if e.Info.Tapped {
				s += " · tapped"
				if name := ServerName(e.Info.Client); name != "" {
					s += ": client " + name
				}
			}
			if e.Info.Reason != "" {
				s += " · " + e.Info.Reason
			}
			return s
		}
		return e.Text
	case KindError:
		if e.Err != "" {
			return e.Err
		}
		return e.Text
	case KindAuth:
		switch {
		case e.Dir == DirOut:
			return strings.TrimSuffix(e.HTTPMethod+" "+e.URL+"  "+e.Text, "  ")
		case e.Dir == DirIn:
			s := e.HTTPMethod + " → " + strconv.Itoa(e.Status)
			if e.ContentType != "" {
				s += " " + e.ContentType
			}
			if e.Text != "" {
				s += "  " + e.Text
			}
			return s
		}
	}
	return e.Text
}

// ServerName formats an Implementation object (serverInfo) as "name
// version"; "" when it names nothing.
func ServerName(raw json.RawMessage) string {
	var impl Implementation
	if json.Unmarshal(raw, &impl) != nil || impl.Name == "" {
		return ""
	}
	s := impl.Name
	if impl.Version != "" {
		s += " " + impl.Version
	}
	return s
}

// messageSummary picks the telling fields of a JSON-RPC message without
// decoding it fully.
func messageSummary(e *Event) string {
	if e.RPC == "" { // not JSON-RPC: its start
		return compactStart(e.Raw, 480)
	}
	var m struct {
		Params struct {
			Name      string          `json:"name"`
			URI       string          `json:"uri"`
			Level     string          `json:"level"`
			Logger    string          `json:"logger"`
			Data      json.RawMessage `json:"data"`
			Progress  *float64        `json:"progress"`
			Total     *float64        `json:"total"`
			Message   string          `json:"message"`
			RequestID json.RawMessage `json:"requestId"`
			Reason    string          `json:"reason"`
			Cursor    string          `json:"cursor"`
			Arguments json.RawMessage `json:"arguments"`
			URL       string          `json:"url"`
			Messages  []struct {
				Role    string          `json:"role"`
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
			MaxTokens     *int            `json:"maxTokens"`
			ProtocolVer   string          `json:"protocolVersion"`
			ProgressToken json.RawMessage `json:"progressToken"`
		} `json:"params"`
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.Unmarshal(e.Raw, &m); err != nil {
		// A member of an unexpected type (maxTokens 1000.0, a number for a
		// name) must not cost the others: decode member by member.
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return ""
		}
		decodeLenient(e.Raw, &m)
	}
	p := m.Params
	var parts []string
	if e.ID != "" && (e.RPC == RPCRequest || e.RPC == RPCResponse || e.RPC == RPCErrorResponse) {
		parts = append(parts, "#"+strings.Trim(e.ID, `"`))
	}
	switch e.RPC {
	case RPCRequest, RPCNotification:
		switch {
		case p.Name != "":
			s := p.Name
			if len(p.Arguments) > 2 {
				s += " " + clip(string(p.Arguments), 120)
			}
			parts = append(parts, s)
		case p.URI != "":
			parts = append(parts, p.URI)
		case p.URL != "": // URL-mode elicitation
			parts = append(parts, p.URL)
			if p.Message != "" {
				parts = append(parts, strconv.Quote(clip(p.Message, 80)))
			}
		case len(p.Messages) > 0: // sampling
			s := fmt.Sprintf("%d messages", len(p.Messages))
			if last := p.Messages[len(p.Messages)-1]; len(last.Content) > 0 {
				s += ", last " + last.Role + " " + blockSummary(last.Content)
			}
			if p.MaxTokens != nil {
				s += fmt.Sprintf(" · maxTokens %d", *p.MaxTokens)
			}
			parts = append(parts, s)
		case p.Progress != nil:
			s := "progress " + strconv.FormatFloat(*p.Progress, 'f', -1, 64)
			if p.Total != nil {
				s += "/" + strconv.FormatFloat(*p.Total, 'f', -1, 64)
			}
			if p.Message != "" {
				s += " " + p.Message
			}
			parts = append(parts, s)
		case p.Level != "":
			s := "[" + p.Level + "]"
			if p.Logger != "" {
				s += " " + p.Logger + ":"
			}
			var str string
			if json.Unmarshal(p.Data, &str) == nil {
				s += " " + str
			} else {
				s += " " + clip(string(p.Data), 200)
			}
			parts = append(parts, s)
		case p.Message != "": // form-mode elicitation
			parts = append(parts, strconv.Quote(clip(p.Message, 120)))
		case len(p.RequestID) > 0:
			s := "request " + string(p.RequestID)
			if p.Reason != "" {
				s += ": " + p.Reason
			}
			parts = append(parts, s)
		case p.ProtocolVer != "":
			parts = append(parts, "protocol "+p.ProtocolVer)
		case p.Cursor != "":
			parts = append(parts, "cursor "+clip(p.Cursor, 40))
		}
	case RPCResponse:
		if e.ReqMethod != "" {
			parts = append(parts, e.ReqMethod)
		}
		if e.Latency > 0 {
			parts = append(parts, formatLatency(e.Latency))
		}
		parts = append(parts, resultSummary(e.ReqMethod, m.Result))
	case RPCErrorResponse:
		if e.ReqMethod != "" {
			parts = append(parts, e.ReqMethod)
		}
		if e.Latency > 0 {
			parts = append(parts, formatLatency(e.Latency))
		}
		if m.Error != nil {
			parts = append(parts, strconv.Itoa(m.Error.Code)+" "+m.Error.Message)
		}
	}
	return strings.Join(parts, " ")
}

// resultSummary says what a result holds: list sizes, content block types,
// isError.
func resultSummary(method string, raw json.RawMessage) string {
	var r map[string]json.RawMessage
	if json.Unmarshal(raw, &r) != nil {
		return clip(string(raw), 120)
	}
	for _, k := range []string{"tools", "resources", "resourceTemplates", "prompts", "contents", "messages", "roots"} {
		if v, ok := r[k]; ok {
			var items []json.RawMessage
			json.Unmarshal(v, &items)
			s := fmt.Sprintf("%d %s", len(items), k)
			if _, more := r["nextCursor"]; more {
				s += " (more)"
			}
			return s
		}
	}
	if a, ok := r["action"]; ok { // an elicitation's answer
		var action string
		json.Unmarshal(a, &action)
		s := clip(action, 40)
		if c, ok := r["content"]; ok {
			s += " " + clip(string(c), 120)
		}
		return s
	}
	if c, ok := r["content"]; ok && len(c) > 0 && c[0] == '{' { // a sampling answer
		var role, model string
		json.Unmarshal(r["role"], &role)
		json.Unmarshal(r["model"], &model)
		s := strings.TrimSpace(role + " " + blockSummary(c))
		if model != "" {
			s += " · model " + clip(model, 60)
		}
		return s
	}
	if v, ok := r["content"]; ok {
		var blocks []json.RawMessage
		json.Unmarshal(v, &blocks)
		var parts []string
		if string(r["isError"]) == "true" {
			parts = append(parts, "isError")
		}
		for i, b := range blocks {
			if i == 3 {
				parts = append(parts, fmt.Sprintf("+%d more", len(blocks)-3))
				break
			}
			parts = append(parts, blockSummary(b))
		}
		if _, ok := r["structuredContent"]; ok {
			parts = append(parts, "+structured")
		}
		return strings.Join(parts, " ")
	}
	if v, ok := r["serverInfo"]; ok {
		return "server " + ServerName(v) + " protocol " + strings.Trim(string(r["protocolVersion"]), `"`)
	}
	if len(r) == 0 {
		return "{}"
	}
	return clip(string(raw), 120)
}

// blockSummary is one content block in short: its text quoted, or its
// type in brackets.
func blockSummary(raw json.RawMessage) string {
	var b struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return clip(string(raw), 80)
	}
	if b.Type == "text" {
		return strconv.Quote(clip(b.Text, 80))
	}
	return "[" + b.Type + "]"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func formatLatency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(100 * time.Millisecond).String()
}

// FormatLine renders an event as one plain, terminal-safe log line: time,
// direction arrow, stream, label and summary. The CLI's -v, replay --print
// and the conformance driver print it.
func FormatLine(e Event) string {
	arrow := "·"
	switch e.Dir {
	case DirOut:
		arrow = "→"
	case DirIn:
		arrow = "←"
	}
	stream := e.Stream
	if stream == "" {
		stream = "-"
	}
	return fmt.Sprintf("%s %s %-6s %-22s %s", e.Time.Format("15:04:05.000"), arrow, stream, termsafe.Line(e.Label()), e.Summary())
}

// compactStart is the start of a JSON document on one line: at most n
// bytes of it, runs of whitespace outside strings folded to nothing.
func compactStart(raw []byte, n int) string {
	var b strings.Builder
	inStr, esc := false, false
	for _, c := range raw {
		if b.Len() >= n {
			b.WriteString("…")
			break
		}
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
