package store

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/sonde-mcp/sonde/termsafe"
)

// ExportJSON writes a recording as one JSON document:
// {"header":{...},"events":[...],"skipped":N}, each event in [mcp.Event]'s
// own JSON form (absolute times), with the characters a terminal would act
// on escaped ([termsafe.JSON]). It streams: memory does not grow with the
// recording. It moves the reader's cursor.
func ExportJSON(w io.Writer, r *Reader) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(termsafe.NewJSONWriter(bw))
	enc.SetEscapeHTML(false)
	bw.WriteString(`{"header":`)
	if err := enc.Encode(r.Header()); err != nil {
		return err
	}
	bw.WriteString(`,"events":[`)
	if err := r.Seek(0); err != nil {
		return err
	}
	n := 0
	for e, err := range r.Events() {
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteString(",")
		}
		n++
		if err := enc.Encode(&e); err != nil {
			return err
		}
	}
	bw.WriteString(`],"skipped":`)
	if err := enc.Encode(r.Skipped()); err != nil {
		return err
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// WriteEvents writes each event of a recording as one line of
// [mcp.Event] JSON (JSON Lines, absolute times), from the reader's cursor
// to the end, escaped as [ExportJSON] does.
func WriteEvents(w io.Writer, r *Reader) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(termsafe.NewJSONWriter(bw))
	enc.SetEscapeHTML(false)
	for e, err := range r.Events() {
		if err != nil {
			return err
		}
		if err := enc.Encode(&e); err != nil {
			return err
		}
	}
	return bw.Flush()
}
