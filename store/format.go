package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sonde-mcp/sonde/mcp"
)

// FormatName identifies a sonde recording in its header line.
const FormatName = "sonde-recording"

// FormatVersion is the version of the line format this package writes and
// the newest one it reads.
const FormatVersion = 1

// Extension is the file name extension of recordings.
const Extension = ".jsonl"

// Header is the first line of a recording.
type Header struct {
	// Format is always [FormatName].
	Format string `json:"format"`
	// Version is the format version, [FormatVersion] when written.
	Version int `json:"version"`
	// Sonde is the version of sonde that wrote the file.
	Sonde string `json:"sonde"`
	// Start is the wall-clock time of the first event; every event line
	// carries its time as an offset from it.
	Start time.Time `json:"start"`
	// Target is the URL (credentials removed) or the stdio command line.
	Target string `json:"target"`
	// Transport is the transport asked for (auto, http, sse or stdio). A
	// [Reader] replaces "auto" by the one that was detected.
	Transport mcp.TransportKind `json:"transport,omitempty"`
	// Protocol is the negotiated protocol revision. Writers usually do not
	// know it yet when the header is written; a [Reader] fills it from the
	// first `connected` event.
	Protocol string `json:"protocol,omitempty"`
	// Server is the server's name and version. Like Protocol, a [Reader]
	// fills it from the first `connected` event.
	Server string `json:"server,omitempty"`
	// SecretHeaders names the headers the user marked secret (their values
	// never appear in the file).
	SecretHeaders []string `json:"secret_headers,omitempty"`
}

// Trailer is the last line of a recording that was closed cleanly. Its
// absence means the recorder was killed or the recording is still going.
type Trailer struct {
	// End is the offset of the last event from the start.
	End time.Duration `json:"t_ns"`
	// Events is the number of event lines written.
	Events int64 `json:"events"`
	// Errors is how many of them [IsError] reports.
	Errors int64 `json:"errors"`
	// Dropped is how many events the recorder could not keep (see
	// [RecorderOptions.MaxQueue]); each gap is also marked in the file.
	Dropped int64 `json:"dropped,omitempty"`
}

// eventLine is the JSON shape of one event line: every field of
// [mcp.Event] under its own JSON name, except that the absolute time is
// replaced by t_ns (nanoseconds since Header.Start) and the raw message is
// written verbatim (or as raw_text / raw_b64 when it cannot be).
type eventLine struct {
	T int64 `json:"t_ns"`
	*mcp.Event
	// Time shadows Event.Time: lines carry t_ns instead.
	Time json.RawMessage `json:"time,omitempty"`
	// Raw shadows Event.Raw; the encoder splices the bytes in by hand so
	// they are kept exactly (encoding/json would re-format them).
	Raw     json.RawMessage `json:"raw,omitempty"`
	RawText *string         `json:"raw_text,omitempty"`
	RawB64  []byte          `json:"raw_b64,omitempty"`
}

// Line prefixes that classify a line without decoding it.
var (
	eventPrefix   = []byte(`{"t_ns":`)
	trailerPrefix = []byte(`{"end":`)
)

// lineEncoder turns events into lines, reusing its buffers.
type lineEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newLineEncoder() *lineEncoder {
	le := &lineEncoder{}
	le.enc = json.NewEncoder(&le.buf)
	le.enc.SetEscapeHTML(false)
	return le
}

// encode returns the line for e (with its trailing newline); the slice is
// valid until the next call.
func (le *lineEncoder) encode(e *mcp.Event, t time.Duration) ([]byte, error) {
	le.buf.Reset()
	l := eventLine{T: int64(t), Event: e}
	verbatim := false
	if len(e.Raw) > 0 {
		switch {
		case rawVerbatim(e.Raw):
			verbatim = true
		case utf8.Valid(e.Raw):
			s := string(e.Raw)
			l.RawText = &s
		default:
			l.RawB64 = e.Raw
		}
	}
	if err := le.enc.Encode(&l); err != nil {
		return nil, err
	}
	if verbatim {
		// Replace the closing "}\n" with `,"raw":<bytes>}` + "\n".
		le.buf.Truncate(le.buf.Len() - 2)
		le.buf.WriteString(`,"raw":`)
		le.buf.Write(e.Raw)
		le.buf.WriteString("}\n")
	}
	return le.buf.Bytes(), nil
}

// rawVerbatim reports whether raw can be written into a line as is: valid
// JSON, valid UTF-8 and on one line. (In valid JSON a line break can only
// be whitespace between tokens.)
func rawVerbatim(raw []byte) bool { return oneLine(raw) && json.Valid(raw) }

// decodeEvent parses an event line; start turns t_ns back into a time.
func decodeEvent(line []byte, start time.Time) (mcp.Event, time.Duration, error) {
	var e mcp.Event
	l := eventLine{Event: &e}
	if err := json.Unmarshal(line, &l); err != nil {
		return mcp.Event{}, 0, err
	}
	switch {
	case len(l.Raw) > 0:
		e.Raw = l.Raw
	case l.RawText != nil:
		e.Raw = json.RawMessage(*l.RawText)
	case len(l.RawB64) > 0:
		e.Raw = l.RawB64
	}
	t := time.Duration(l.T)
	e.Time = start.Add(t)
	return e, t, nil
}

// lineTime reads t_ns from the start of an event line without decoding
// the rest.
func lineTime(line []byte) (time.Duration, bool) {
	if !bytes.HasPrefix(line, eventPrefix) {
		return 0, false
	}
	s := line[len(eventPrefix):]
	n := 0
	for n < len(s) && (s[n] == '-' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	v, err := strconv.ParseInt(string(s[:n]), 10, 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(v), true
}

// isEventLine classifies a complete line (without its newline) cheaply. A
// line that passes but still fails to decode is reported as an error event
// by the reader, so that ordinals stay stable.
func isEventLine(line []byte) bool {
	return bytes.HasPrefix(line, eventPrefix) && line[len(line)-1] == '}'
}

// isEventHead is isEventLine for a line of which head is the start and
// last the last byte.
func isEventHead(head []byte, last byte) bool {
	return bytes.HasPrefix(head, eventPrefix) && last == '}'
}

// decodeHeadOrLine decodes an event line, or the first bytes (head) of one
// n bytes long.
func decodeHeadOrLine(head []byte, n int64, start time.Time) (mcp.Event, time.Duration, error) {
	if int64(len(head)) < n {
		return decodeEventHead(head, n, start)
	}
	return decodeEvent(head, start)
}

// decodeEventHead decodes an event line n bytes long of which only the
// first bytes (head) are at hand: every field but the payload, which the
// line format writes last; Raw is the start of the payload that head
// holds, Truncated the line's length.
func decodeEventHead(head []byte, n int64, start time.Time) (mcp.Event, time.Duration, error) {
	i, key := payloadAt(head)
	if i < 0 {
		return mcp.Event{}, 0, fmt.Errorf("a line of %d bytes whose fields do not fit its first %d", n, len(head))
	}
	fields := append(append([]byte(nil), head[:i]...), '}')
	e, t, err := decodeEvent(fields, start)
	if err != nil {
		return e, t, err
	}
	v := head[i+len(key)+4:] // past `,"key":`
	switch key {
	case "raw":
		e.Raw = append(json.RawMessage(nil), v...)
	case "raw_text":
		e.Raw = json.RawMessage(stringStart(v))
	}
	e.Truncated = n
	return e, t, nil
}

// payloadAt finds the payload member (raw, raw_text or raw_b64) of an
// event line's top-level object in its start b: the index of the comma
// before it and its name, or -1.
func payloadAt(b []byte) (int, string) {
	depth, inStr := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inStr && c == '\\':
			i++
		case inStr:
			inStr = c != '"'
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 1:
			for _, key := range []string{"raw", "raw_text", "raw_b64"} {
				if bytes.HasPrefix(b[i+1:], []byte(`"`+key+`":`)) {
					return i, key
				}
			}
		}
	}
	return -1, ""
}

// stringStart decodes the start of a JSON string literal that was cut
// anywhere, an escape sequence included.
func stringStart(lit []byte) string {
	for k := 0; k <= 12 && k < len(lit); k++ {
		var s string
		if json.Unmarshal(append(append([]byte(nil), lit[:len(lit)-k]...), '"'), &s) == nil {
			return s
		}
	}
	return ""
}

func isTrailerLine(line []byte) bool {
	return bytes.HasPrefix(line, trailerPrefix) && line[len(line)-1] == '}'
}

func encodeTrailer(tr Trailer) []byte {
	b, _ := json.Marshal(struct {
		End Trailer `json:"end"`
	}{tr})
	return append(b, '\n')
}

func decodeTrailer(line []byte) (Trailer, error) {
	var v struct {
		End *Trailer `json:"end"`
	}
	if err := json.Unmarshal(line, &v); err != nil {
		return Trailer{}, err
	}
	if v.End == nil {
		return Trailer{}, errors.New("not a trailer line")
	}
	return *v.End, nil
}

// ErrNotRecording is returned for a file that is not a sonde recording.
var ErrNotRecording = errors.New("not a sonde recording")

func decodeHeader(line []byte) (Header, error) {
	var h Header
	if err := json.Unmarshal(line, &h); err != nil || h.Format != FormatName {
		return Header{}, ErrNotRecording
	}
	if h.Version < 1 || h.Version > FormatVersion {
		return Header{}, fmt.Errorf("recording format version %d is not supported by this sonde (it reads 1 to %d)", h.Version, FormatVersion)
	}
	return h, nil
}

// b64 is used by exports for binary payloads.
var b64 = base64.StdEncoding
