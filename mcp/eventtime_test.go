package mcp

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// Events read from a stream carry the time of the read that delivered
// them: a burst read at once shares one clock reading, and a later read
// gives later times. Along the sequence, times never go back.
func TestStreamEventTimesComeFromTheRead(t *testing.T) {
	msg := "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"x\"}}\n\n"
	burst := strings.Repeat(msg, 20) + ": keepalive\n\n"
	pr, pw := io.Pipe()
	var evs []Event
	done := make(chan error, 1)
	burstRead := make(chan time.Time, 1) // the first burst's read time, once all of it is decoded
	go func() {
		done <- DecodeSSE(pr, 0, func(e Event) {
			if evs = append(evs, e); len(evs) == 21 {
				burstRead <- e.Time
			}
		})
	}()
	pw.Write([]byte(burst))
	// The second burst is written once the first is decoded and the clock
	// has moved past its read (at once on a fine clock), so its read is
	// strictly later.
	for at := <-burstRead; !time.Now().After(at); {
	}
	pw.Write([]byte(msg))
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(evs) != 22 {
		t.Fatalf("%d events, want 22", len(evs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq || evs[i].Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d goes back: seq %d→%d, time %v→%v", i, evs[i-1].Seq, evs[i].Seq, evs[i-1].Time, evs[i].Time)
		}
	}
	first := evs[0].Time
	for i, e := range evs[:21] { // the 20 messages and the comment
		if !e.Time.Equal(first) {
			t.Fatalf("event %d (%s) of the first burst has its own time %v, not the read's %v", i, e.Kind, e.Time, first)
		}
	}
	if !evs[21].Time.After(first) {
		t.Fatalf("the second burst's event is not later: %v vs %v", evs[21].Time, first)
	}
}

// Read one byte at a time, every event still gets a time, in order.
func TestStreamEventTimesOneByteReads(t *testing.T) {
	msg := "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n"
	var evs []Event
	if err := DecodeSSE(iotest.OneByteReader(bytes.NewReader([]byte(strings.Repeat(msg, 5)))), 0, func(e Event) { evs = append(evs, e) }); err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Time.IsZero() || i > 0 && e.Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d: time %v", i, e.Time)
		}
	}
}

// An event handed to emit with an earlier time than the last one (a
// stream's read time, overtaken by an event stamped since) is moved up.
func TestEmitKeepsTimesInOrder(t *testing.T) {
	var got []Event
	s := newSession(Config{OnEvent: func(e Event) { got = append(got, e) }})
	defer s.cancel()
	early := time.Now()
	s.emit(&Event{Kind: KindInfo, Text: "now"})
	s.emit(&Event{Kind: KindInfo, Text: "read earlier", Time: early})
	if got[1].Time.Before(got[0].Time) {
		t.Fatalf("time went back: %v then %v", got[0].Time, got[1].Time)
	}
}
