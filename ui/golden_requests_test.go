package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/sonde-mcp/sonde/ui/dialog/roots"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/mcp"
)

// TestGoldenRequestsAndPanes snapshots the server-request dialogs, the
// server log and tasks views and the connection dialog, at both sizes.
func TestGoldenRequestsAndPanes(t *testing.T) {
	screens := map[string]func(t *testing.T, m *Model){
		"sampling": func(t *testing.T, m *Model) {
			ask(t, m, "sampling/createMessage", samplingParamsFixture, "7")
		},
		"sampling_raw": func(t *testing.T, m *Model) {
			ask(t, m, "sampling/createMessage", samplingParamsFixture, "")
			press(m, "ctrl+o")
		},
		"elicit_form": func(t *testing.T, m *Model) {
			ask(t, m, "elicitation/create", elicitFormFixture, "11")
			press(m, "tab")
			typeText(m, "ada@")
		},
		"elicit_url": func(t *testing.T, m *Model) {
			ask(t, m, "elicitation/create", `{"mode":"url","message":"Sign in to the calendar so the server can read your events.","url":"http://accounts.example.com@auth.example.net/login?state=s3cr3t&next=%2Fhome","elicitationId":"el-1"}`, "20")
		},
		"elicit_wait": func(t *testing.T, m *Model) {
			m.env.opener = func(string) error { return errNoOpener }
			ask(t, m, "elicitation/create", urlElicitFixture, "21")
			run(m, press(m, "o"))
		},
		"url_required": func(t *testing.T, m *Model) {
			c := &call{method: "tools/call", subject: "echo", params: json.RawMessage(`{"name":"echo","arguments":{"text":"hi"}}`)}
			m.calls.inFlight = append(m.calls.inFlight, c)
			m.panes.work.WaitFor(c)
			m.callDone(callDoneMsg{call: c, took: 3200 * time.Microsecond, err: &mcp.RPCError{Code: -32042, Message: "URL elicitation required",
				Data: json.RawMessage(`{"elicitations":[{"mode":"url","message":"Authorize the calendar.","url":"https://auth.example.com/cal","elicitationId":"cal-1"}]}`)}})
		},
		"roots": func(t *testing.T, m *Model) {
			m.roots.Roots = []roots.Root{{URI: "file:///home/ada/src/sonde", Name: "sonde"}, {URI: "file:///srv/shared/data", Name: "data"}}
			m.roots.Missing = map[string]bool{"file:///srv/shared/data": true}
			m.roots.Asked = 2
			m.update(keyMsg("F"))
			press(m, "j", "a")
			typeText(m, "~/notes")
		},
		"connection": func(t *testing.T, m *Model) {
			f := &fx{at: t0}
			f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Text: "detecting the era: server/discover first"})
			f.add(mcp.Event{Dir: mcp.DirMeta, Kind: mcp.KindInfo, Text: "server/discover answered HTTP 400 without a modern error: trying the legacy handshake (initialize)"})
			m.update(eventsMsg(f.evs))
			press(m, "D")
		},
		"server_log": func(t *testing.T, m *Model) {
			m.update(eventsMsg(logEvents().evs))
			press(m, "M")
		},
		"level": func(t *testing.T, m *Model) {
			m.update(eventsMsg(logEvents().evs))
			press(m, "M", "L")
		},
		"tasks": func(t *testing.T, m *Model) {
			f := taskLifecycle()
			f.req(60, "tools/call", `{"name":"echo","arguments":{"text":"x"}}`)
			f.resp(60, "tools/call", `{"resultType":"task","taskId":"ext-9","status":"working","createdAt":"a","lastUpdatedAt":"b","ttlMs":null,"pollIntervalMs":250}`)
			f.req(61, "tasks/get", `{"taskId":"ext-9"}`)
			f.resp(61, "tasks/get", `{"resultType":"complete","taskId":"ext-9","status":"completed","createdAt":"a","lastUpdatedAt":"c","result":{"content":[{"type":"text","text":"ok"}]}}`)
			m.update(eventsMsg(f.evs))
			press(m, "t")
		},
		"completions": func(t *testing.T, m *Model) {
			press(m, "4", "enter") // the summarize prompt
			typeText(m, "Long text")
			press(m, "tab")
			typeText(m, "b")
			m.panes.work.Form().SetSuggestions("/style", []string{"brief", "bullet-points"}, 0, false)
		},
	}
	for name, setup := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				m := newTestModel(t, sz[0], sz[1], "")
				m.conn.ctx = context.Background()
				setup(t, m)
				requireScreen(t, m)
			})
		}
	}
}
