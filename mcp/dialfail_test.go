package mcp

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// A connection that cannot be made is one fact: the error state, with its
// reason, once (it used to come as an error event and then the same text
// in the state event, two identical lines in every log).
func TestFailedDialIsReportedOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/mcp"
	ln.Close() // nothing listens there now: connection refused
	log := &eventLog{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = Dial(ctx, Config{URL: url, OnEvent: log.add, Timeout: 5 * time.Second})
	if err == nil {
		t.Fatal("Dial succeeded")
	}
	reason := err.Error()
	n := log.count(func(e Event) bool {
		return (e.Kind == KindError || e.State == StateError) && strings.Contains(e.Err+e.Text, reason)
	})
	states := log.count(func(e Event) bool { return e.Kind == KindState && e.State == StateError && e.Text == reason })
	if n != 1 || states != 1 {
		for _, e := range log.all() {
			t.Logf("%s %s %s %q %q", e.Dir, e.Kind, e.State, e.Text, e.Err)
		}
		t.Fatalf("the failure %q is in %d events (%d error states), want once, as the error state", reason, n, states)
	}
}
