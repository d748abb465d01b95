package mcp

import (
	"io"
)

// DecodeSSE runs an SSE byte stream through sonde's full decode path (the
// tap's one-pass SSE parser, JSON-RPC decoding and event building)
// and passes each resulting event to onEvent, as a live stream would. It
// returns the stream's error (nil at a clean end). Server requests in the
// stream are logged but not answered. maxMessage <= 0 means the default.
//
// It exists for benchmarks, fuzzing and tools that decode captured streams.
func DecodeSSE(r io.Reader, maxMessage int, onEvent func(Event)) error {
	cfg := Config{OnEvent: onEvent, MaxMessage: maxMessage}
	s := newSession(cfg)
	defer s.cancel()
	l := &tlink{s: s}
	tp := newTap(io.NopCloser(r), 0)
	res := readSSEStream(l, tp, "GET", "", cfg.maxMessage(), func(string) {})
	return res.err
}

// DecodeLines runs newline-delimited JSON (the stdio framing) through the
// decode path, like [DecodeSSE].
func DecodeLines(r io.Reader, maxMessage int, onEvent func(Event)) error {
	cfg := Config{OnEvent: onEvent, MaxMessage: maxMessage}
	s := newSession(cfg)
	defer s.cancel()
	t := &stdio{cfg: &s.cfg}
	t.l = &tlink{s: s, tr: t}
	t.readStdout(r)
	return nil
}
