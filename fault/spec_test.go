package fault

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	good := map[string]Spec{
		"drop-stream after=30s":                     {Kind: DropStream, After: 30 * time.Second, Stream: "get"},
		"idle-cut after=60s":                        {Kind: IdleCut, After: time.Minute},
		"expire-session after=2m":                   {Kind: ExpireSession, After: 2 * time.Minute},
		"delay method=tools/call ms=500":            {Kind: Delay, Method: "tools/call", Delay: 500 * time.Millisecond},
		"status method=tools/call code=503 times=1": {Kind: Status, Method: "tools/call", Code: 503, Times: 1},
		"duplicate method=tools/call":               {Kind: Duplicate, Method: "tools/call"},
		"reorder":                                   {Kind: Reorder, Wait: 2 * time.Second},
		"inject-event name=keepalive every=5s":      {Kind: InjectEvent, Name: "keepalive", Every: 5 * time.Second},
		"inject-comment every=5s":                   {Kind: InjectComment, Data: "keepalive", Every: 5 * time.Second},
		"corrupt method=tools/list":                 {Kind: Corrupt, Method: "tools/list"},
		"status,method=ping":                        {Kind: Status, Method: "ping", Code: 503},
		"drop-stream after=1s stream=any times=2":   {Kind: DropStream, After: time.Second, Stream: "any", Times: 2},
	}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", in, got, want)
		}
		again, err := Parse(got.String())
		if err != nil || again != got {
			t.Errorf("Parse(%q.String() = %q) = %+v, %v", in, got.String(), again, err)
		}
	}
	bad := map[string]string{
		"":                                "empty fault",
		"explode":                         "unknown fault",
		"drop-stream":                     "needs after=",
		"drop-stream after=soon":          "not a duration",
		"delay method=x":                  "needs ms=",
		"delay ms=-1":                     "milliseconds",
		"status code=42":                  "HTTP status",
		"duplicate after=1s":              "takes method, times",
		"corrupt method":                  "not KEY=VALUE",
		"reorder times=0":                 "count of 1",
		"inject-event every=1s every=2s":  "given twice",
		"drop-stream after=1s stream=udp": "get, post or any",
	}
	for in, want := range bad {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, u := range []string{"drop-stream after=30s", "delay method=tools/call ms=500", "inject-event every=5s data=x=y", "status code=503 times=1", "reorder wait=1s"} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(sp.String())
		if err != nil || again != sp {
			t.Fatalf("Parse(%q) = %+v; its String %q reads back as %+v, %v", s, sp, sp.String(), again, err)
		}
	})
}
