package benchdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// FloodTool is the tool a [Flood] server floods from.
const FloodTool = "flood"

// Flood is a Streamable HTTP MCP server (2025-11-25, JSON answers) whose
// tool "flood" answers with an SSE stream of N small notifications/message
// events, Rate per second (0: as fast as the connection takes them), then
// its result. How fast a client takes the stream is how fast the server
// can send: a client that reads slowly slows the server down.
type Flood struct {
	N    int
	Rate int
	// Sent, if set, receives when each flood was written out: the
	// server's side of the clock (a client that reads slowly makes it
	// late).
	Sent chan time.Time
}

// ServeHTTP implements [http.Handler].
func (f Flood) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	json.Unmarshal(body, &m)
	w.Header().Set("Mcp-Session-Id", "flood")
	switch m.Method {
	case "initialize":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{},"logging":{}},"serverInfo":{"name":"flood","version":"1"}}}`, m.ID)
	case "tools/list":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":%q,"inputSchema":{"type":"object"}}]}}`, m.ID, FloodTool)
	case "tools/call":
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		f.stream(w, m.ID)
	case "ping":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{}}`, m.ID)
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// stream writes the notifications in batches of a millisecond's worth,
// each batch at its time when paced.
func (f Flood) stream(w http.ResponseWriter, id json.RawMessage) {
	fl, _ := w.(http.Flusher)
	batch := 256
	if f.Rate > 0 {
		batch = max(1, f.Rate/1000)
	}
	start := time.Now()
	var b bytes.Buffer
	for i := 0; i < f.N; {
		b.Reset()
		for end := min(f.N, i+batch); i < end; i++ {
			b.WriteString(`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","logger":"flood","data":"event `)
			b.WriteString(strconv.Itoa(i))
			b.WriteString(`"}}` + "\n\n")
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
		if f.Rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(f.Rate))))
		}
	}
	fmt.Fprintf(w, "data: {\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"sent %d\"}]}}\n\n", id, f.N)
	if fl != nil {
		fl.Flush()
	}
	if f.Sent != nil {
		select {
		case f.Sent <- time.Now():
		default:
		}
	}
}
