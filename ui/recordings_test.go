package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sonde-mcp/sonde/mcp"
	"github.com/sonde-mcp/sonde/store"
	"github.com/sonde-mcp/sonde/ui/pane/recordings"
)

// summaries are three recordings, newest first (as store.List gives them).
func summaries() []store.Summary {
	at := func(d time.Duration) time.Time { return time.Date(2026, 11, 22, 10, 30, 0, 0, time.Local).Add(d) }
	return []store.Summary{
		{Path: "/data/sessions/20261122-113000-127.0.0.1-3000-mcp.jsonl", Start: at(time.Hour), Target: "http://127.0.0.1:3000/mcp", Server: "weather 2.1.0", Transport: mcp.TransportHTTP, Duration: 95 * time.Second, Events: 1234, Errors: 3, Complete: true},
		{Path: "/data/sessions/20261122-104500-node-server.js.jsonl", Start: at(15 * time.Minute), Target: "node server.js", Server: "files 0.3.0", Transport: mcp.TransportStdio, Duration: 2500 * time.Millisecond, Events: 40, Complete: false},
		{Path: "/data/sessions/20261122-103000-127.0.0.1-8080-sse.jsonl", Start: at(0), Target: "http://127.0.0.1:8080/sse", Transport: mcp.TransportSSE, Duration: 3 * time.Hour, Events: 100000, Errors: 0, Complete: true},
	}
}

func newRecTestModel(t testing.TB, w, h int) *Model {
	t.Helper()
	m := New(context.Background(), Options{ReplayDir: "/data/sessions"}, nil)
	m.recs = recordings.New(m.look.com, "/data/sessions")
	m.ticking = true
	m.update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// The recordings picker lists what store.List found, newest first; typing
// filters (fuzzy), the arrows choose, esc clears the filter and then
// quits.
func TestRecordingsPickerKeys(t *testing.T) {
	m := newRecTestModel(t, 120, 40)
	if !strings.Contains(plain(m), "reading the recordings") {
		t.Fatal("the picker should say it is reading")
	}
	m.update(recListMsg{list: summaries()})
	s := plain(m)
	for _, want := range []string{"choose a recording", "3 in /data/sessions", "weather 2.1.0", "1m35s", "1234", "files 0.3.0", "40*", "http://127.0.0.1:8080/sse", "3h00m", "not closed cleanly"} {
		if !strings.Contains(s, want) {
			t.Errorf("the picker lacks %q", want)
		}
	}
	if strings.Index(s, "weather") > strings.Index(s, "files 0.3.0") {
		t.Fatal("newest first")
	}
	if sel := m.recs.Selected(); sel == nil || sel.Server != "weather 2.1.0" {
		t.Fatalf("selected %+v", sel)
	}
	press(m, "down", "down", "down")
	if sel := m.recs.Selected(); sel.Target != "http://127.0.0.1:8080/sse" {
		t.Fatalf("down ×3 selects the last: %+v", sel)
	}
	press(m, "up")
	if m.recs.Selected().Server != "files 0.3.0" {
		t.Fatal("up")
	}
	typeText(m, "fls")
	if len(m.recs.Shown()) != 1 || m.recs.Selected().Server != "files 0.3.0" {
		t.Fatalf("fuzzy fls: %d match(es)", len(m.recs.Shown()))
	}
	typeText(m, "q") // a letter, not quit
	if m.quitting || len(m.recs.Shown()) != 0 || !strings.Contains(plain(m), "nothing matches") {
		t.Fatalf("flsq: quitting %v, %d match(es)", m.quitting, len(m.recs.Shown()))
	}
	press(m, "esc")
	if m.recs.Filter() != "" || len(m.recs.Shown()) != 3 || m.quitting {
		t.Fatal("esc clears the filter")
	}
	press(m, "esc")
	if !m.quitting {
		t.Fatal("esc on an empty filter quits")
	}
}

// An empty directory, and one that cannot be read, say so.
func TestRecordingsPickerEmpty(t *testing.T) {
	m := newRecTestModel(t, 100, 30)
	m.update(recListMsg{})
	if !strings.Contains(plain(m), "No recorded sessions yet") {
		t.Fatalf("empty:\n%s", plain(m))
	}
	press(m, "enter")
	if m.recs == nil || m.recs.Opening() != "" {
		t.Fatal("enter with nothing to open")
	}
	m = newRecTestModel(t, 100, 30)
	m.update(recListMsg{err: fmt.Errorf("permission denied")})
	if !strings.Contains(plain(m), "permission denied") {
		t.Fatalf("error:\n%s", plain(m))
	}
}

// enter opens the chosen recording (store.Open and a player, in a
// command) and the UI becomes its replay: transport bar, timeline, the
// browsers rebuilt from the recorded events; the UI closes it at the end.
func TestRecordingsPickerOpens(t *testing.T) {
	dir := t.TempDir()
	rec, err := store.NewRecorder(store.RecorderOptions{Path: filepath.Join(dir, "a.jsonl"), Header: store.Header{Target: "http://127.0.0.1:8080/mcp"}})
	if err != nil {
		t.Fatal(err)
	}
	evs := demoSession().evs
	for _, e := range evs {
		rec.Record(e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), Options{ReplayDir: dir, ReplaySpeed: store.Instant}, nil)
	m.recs = recordings.New(m.look.com, dir)
	m.ticking = true
	m.update(tea.WindowSizeMsg{Width: 120, Height: 40})
	run(m, listRecordings(dir))
	if len(m.recs.Shown()) != 1 {
		t.Fatalf("%d recordings listed", len(m.recs.Shown()))
	}
	cmd := press(m, "enter")
	if m.recs.Opening() == "" || !strings.Contains(plain(m), "opening a.jsonl") {
		t.Fatal("enter should start opening")
	}
	msg := cmd()
	opened, ok := msg.(replayOpenedMsg)
	if !ok || opened.err != nil {
		t.Fatalf("opening: %#v", msg)
	}
	m.conn.manual = true // the test takes from the feed itself
	upd(m, opened)
	defer m.opened.closeReplay()
	if m.recs != nil || m.opts.Replay == nil || m.opened.replayFile == nil || m.panes.logView != viewTimeline || !m.opts.ReplayStart.Equal(evs[0].Time) {
		t.Fatalf("not replaying: picker %v, replay %v, start %v", m.recs != nil, m.opts.Replay, m.opts.ReplayStart)
	}
	go pump(m.conn.events, m.conn.feed)()
	for m.panes.log.Len() < len(evs) {
		select {
		case <-m.conn.feed.Ready():
			upd(m, feedMsg{})
		case <-time.After(10 * time.Second):
			t.Fatalf("the replay's events stopped at %d", m.panes.log.Len())
		}
	}
	if len(m.panes.br.Items(listTools)) != 4 || len(m.panes.timeline.Spans()) != 7 {
		t.Fatalf("replayed: %d tools, %d spans", len(m.panes.br.Items(listTools)), len(m.panes.timeline.Spans()))
	}
	s := plain(m)
	for _, want := range []string{"Timeline 7", "→ tools/call echo #6", fmt.Sprintf("event %d", len(evs))} {
		if !strings.Contains(s, want) {
			t.Errorf("the replay lacks %q:\n%s", want, s)
		}
	}
	p := m.opened.replayFile.p
	m.opened.closeReplay()
	if _, ok := <-p.Events(); ok {
		t.Fatal("closing the replay should close the player")
	}
}

// A recording that cannot be opened leaves the picker with a note.
func TestRecordingsPickerOpenFails(t *testing.T) {
	m := newRecTestModel(t, 100, 30)
	m.update(recListMsg{list: summaries()})
	cmd := press(m, "enter")
	m.update(cmd())
	if m.recs == nil || m.recs.Opening() != "" || !strings.Contains(m.flash.text, "cannot open") {
		t.Fatalf("flash %q", m.flash.text)
	}
}

// TestGoldenRecordings snapshots the recordings picker at both sizes.
func TestGoldenRecordings(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newRecTestModel(t, sz[0], sz[1])
			m.update(recListMsg{list: summaries()})
			press(m, "down")
			requireScreen(t, m)
		})
	}
}

// A file that is not a readable recording is listed with the reason, and
// enter says why it cannot be opened instead of trying.
func TestRecordingsPickerUnreadable(t *testing.T) {
	m := newRecTestModel(t, 120, 30)
	list := append([]store.Summary{{Path: "/data/sessions/empty.jsonl", Start: time.Date(2026, 11, 22, 12, 0, 0, 0, time.Local),
		Unreadable: "not a sonde recording (empty or cut before the header was written)"}}, summaries()...)
	m.update(recListMsg{list: list})
	if v := plain(m); !strings.Contains(v, "unreadable: empty.jsonl: not a sonde recording (empty or cut") {
		t.Fatalf("the unreadable file is not listed with its reason:\n%s", v)
	}
	if cmd := press(m, "enter"); cmd != nil || m.recs.Opening() != "" || !strings.Contains(m.flash.text, "cannot open empty.jsonl: not a sonde recording") {
		t.Fatalf("enter on an unreadable file: opening %q, flash %q", m.recs.Opening(), m.flash.text)
	}
}
