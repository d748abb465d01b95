#!/usr/bin/env bash
# scripts/e2e-tui.sh — end-to-end test of sonde's terminal UI: the real binary in tmux.
#
#   scripts/e2e-tui.sh            build ./ (the sonde command) and run every scenario
#   SONDE_BIN=/path/sonde ...     use an existing binary instead of building
#   E2E_KEEP=1 ...                keep the tmux sessions and the temp dir for a look afterwards
#
# Everything runs on a private tmux server (-L), so copies land in its buffers, not the user's.
#
# Scenario 1, `sonde demo` at 120x40: attach, list tools, fill the required fields of the
# nested-schema tool (create_booking) and see it validate, call it, see the result; esc shows the
# form again with the keys in the browser, which previews its selection, and enter brings the form
# back as it was; alt+3 jumps from the form to the log; filter the log, open an event's detail,
# copy it as curl (it must arrive in tmux's buffer under tmux's default set-clipboard external),
# save an event to a file (named in a prompt, 0600); enter on a resource focuses its result (s
# acts at once); quit. Scenario 2, `sonde URL` at 120x40 against hostile.NewServer (internal/hostile) (served by
# scripts/e2e-hostile): a server whose names, descriptions,
# results and errors carry terminal escape sequences; browse and call, and check that the window
# title, the screen, the alternate screen and the clipboard are untouched. Scenario 3: 80x24 smoke
# with --theme mono (the focused pane has heavy lines), and a copy with no clipboard program on
# PATH: OSC 52 through tmux (set-clipboard on) arrives in tmux's buffer and says it was sent.
# Scenario 4, `sonde demo` at 120x40: answer the server's requests: a sampling request (ask_llm:
# read it, write the reply, send) and an elicitation form (elicit_form: fill the required email,
# accept), check the era and version in the header, and open the connection dialog.
# Scenario 2 also floods the UI with 1000 server requests (hostile_flood)
# and answers them with the queue's rules.
# Scenario 5, recording and replay: a short `sonde demo` session (an echo call; the live timeline
# shows it) is recorded into a private $XDG_DATA_HOME; `sonde replay` with no FILE lists it in the
# recordings picker, opens it, plays it (instantly), and the timeline shows the calls; enter on a
# span opens its request; the same at 80x24. From the picker, the recording is mocked (ctrl+o: the UI
# attached), re-run against `sonde mock --stdio` of itself (ctrl+r) and diffed with the recording of
# the mock's session (tab, tab, ctrl+d).
# Scenario 6, focus under NO_COLOR=1 at 100x30: heavy lines follow tab and alt+1/2/3; z zooms a
# form on a row that is not text and is typed as text in a text field.
# Scenario 7, servers that do not follow the spec (scripts/offspec-server) at 120x40: detection
# names --endpoint for the split-endpoint server (headless, and where the UI says it could not
# connect); the event-named server's announced tools are
# offered in the browser, enter opens the composer on a {session_id, tool, args} call, sent as it
# is, the events that followed shown and marked; its keepalive data messages count and K hides
# them; against the split-endpoint server a plain method (echo) written in the composer gets its
# answer matched by id, e on a request in the log sends it again, and the history is kept (0600).
# Exits non-zero on the first failure, printing the captured pane. Needs tmux and Go.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/sonde-e2e.XXXXXX")"
SESSIONS=()
HOSTILE_PID=""
OFFSPEC_PID=""
SOCK="sonde-e2e-$$"   # a private tmux server: its own options and paste buffers
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() {
  local rc=$?
  exec 9>&- 8>&- 2>/dev/null || true
  if [[ -n "$HOSTILE_PID" ]]; then kill "$HOSTILE_PID" 2>/dev/null || :; fi
  if [[ -n "$OFFSPEC_PID" ]]; then kill "$OFFSPEC_PID" 2>/dev/null || :; fi
  if [[ -z "${E2E_KEEP:-}" ]]; then
    tm kill-server 2>/dev/null || :
    rm -rf "$TMP"
  else
    echo "kept: tmux -L $SOCK sessions ${SESSIONS[*]}; $TMP" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT

command -v tmux >/dev/null || { echo "e2e-tui: tmux is required" >&2; exit 1; }
BIN="${SONDE_BIN:-}"
if [[ -z "$BIN" ]]; then
  echo "e2e-tui: building sonde" >&2
  (cd "$ROOT" && go build -o "$TMP/sonde" .)
  BIN="$TMP/sonde"
fi

S=""           # current tmux session
PASSED=0
log()  { printf '[e2e-tui] %s\n' "$*" >&2; }
pane() { tm capture-pane -p -t "$S" 2>/dev/null || :; }
fail() {
  printf '\n[e2e-tui] FAIL: %s\n---- captured pane (%s) ----\n' "$1" "$S" >&2
  pane >&2
  printf -- '---- end of pane ----\n' >&2
  exit 1
}
ok() { PASSED=$((PASSED + 1)); log "ok: $*"; }
keys() { tm send-keys -t "$S" "$@"; sleep 0.1; }
text() { tm send-keys -t "$S" -l "$1"; sleep 0.1; }

# wait_for TEXT [SECONDS]: poll the pane until it shows TEXT.
wait_for() {
  local want="$1" secs="${2:-10}" i
  for ((i = 0; i < secs * 10; i++)); do
    if pane | grep -qF -- "$want"; then return 0; fi
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for: $want"
}
# absent TEXT: the pane must not show TEXT.
absent() { if pane | grep -qF -- "$1"; then fail "the pane shows: $1"; fi; }

# focus_field LABEL: press tab in the form until the focused row (▸) is LABEL.
focus_field() {
  try_field "$1" || fail "form field never focused: $1"
}

# try_field LABEL: like focus_field, but searches down, then up, and returns 1 if no such
# field exists (the form does not wrap around).
try_field() {
  local label="$1" i k
  for k in Tab BTab; do
    for ((i = 0; i < 45; i++)); do
      if pane | grep -E -q "▸ +${label}"; then return 0; fi
      if pane | grep -E -q "field ([0-9]+)/\1 " && [[ $k == Tab ]]; then break; fi
      if pane | grep -E -q "field 1/[0-9]+ " && [[ $k == BTab ]]; then break; fi
      keys $k
    done
  done
  pane | grep -E -q "▸ +${label}"
}

DATA_HOME="$TMP/home/.local/share"   # where the UI records (scenario 5 uses its own)
EXTRA_ENV=""                          # more VAR=value for the next start
start() { # start NAME WIDTH HEIGHT ARGS...
  S="sonde-e2e-$1-$$"; shift
  local w="$1" h="$2"; shift 2
  SESSIONS+=("$S")
  # a private HOME: no saved servers, no recordings; no DISPLAY, so the clipboard program
  # sonde finds is tmux itself (load-buffer -w)
  mkdir -p "$TMP/home"
  tm new-session -d -s "$S" -x "$w" -y "$h" \
    "cd '$TMP' && env -u NO_COLOR -u DISPLAY -u WAYLAND_DISPLAY $EXTRA_ENV HOME='$TMP/home' XDG_CONFIG_HOME='$TMP/home/.config' XDG_DATA_HOME='$DATA_HOME' TERM=xterm-256color '$BIN' $*; echo '[sonde exited with' \$? ']'; sleep 600"
}
# mode FILE: a file's permission bits, octal
mode() { stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"; }

# ---------------------------------------------------------------- scenario 1: demo
log "scenario 1: sonde demo (120x40)"
start demo 120 40 demo
wait_for "● connected" 20
wait_for "create_booking" 10
wait_for "Tools 17" 10
ok "attached and listed the tools"

keys /; text booking; keys Enter
wait_for "Arguments: create_booking"
ok "opened the form of create_booking"

[[ "$(tm show -sv set-clipboard)" == external ]] || fail "tmux's set-clipboard is not its default (external)"
focus_field "Full name";     text "Ada Lovelace"
focus_field "email";         text "ada@example.com"
focus_field "Check-in date"; text "2026-12-24"
focus_field "rooms";         keys Enter
wait_for "#1"
focus_field "payment";       keys Enter; keys Enter
focus_field "last4";         text "4242"
# The required fields are all there is to fill: defaults inside optional objects
# (billingAddress's country, the quiet hours) leave those objects out.
wait_for "✓ valid"
absent "is required"
ok "filled the required fields of the nested form (object, array of objects, oneOf): it validates"

keys C-r
if pane | grep -qF "Send them anyway"; then fail "the filled form does not validate"; fi
wait_for "Booked 1 room(s) for 2 night(s) for Ada Lovelace" 15
wait_for "✓ tools/call create_booking"
ok "called create_booking and saw the result"

# esc from the result: the form is back in view, the keys go to the browser
keys Escape
wait_for "─ Arguments: create_booking"
wait_for "enter open form"   # the browser's help line
keys Escape                  # clear the browser's filter (in a text field it would be typed)
keys j
wait_for "─ Tool ─"          # the work pane previews the selection
absent "─ Arguments: create_booking"
keys k; keys Enter
wait_for "─ Arguments: create_booking"
wait_for "Ada Lovelace"      # the form as it was left
ok "esc from a result keeps keys out of the form; the work pane previews the selection; enter brings the form back"

keys M-3   # from a text field in the form straight to the log
keys /; text "method:tools/call"; keys Enter
wait_for "filter: method:tools/call"
wait_for "Log 2/"
absent "tools/list 1"
ok "alt+3 jumped from the form to the log; filtered the log to the call and its answer"

keys Enter
wait_for "Event #"
wait_for "Booked 1 room(s)"
keys Tab
wait_for '"jsonrpc":"2.0"'
keys Escape
keys c; keys c
wait_for "copied curl command"
wait_for "into tmux's buffer"
tm show-buffer 2>/dev/null | grep -qF "curl -sS -N -X POST" || fail "the copied curl command is not in tmux's buffer"
ok "copied the request as curl: it is in tmux's buffer under set-clipboard external"

keys s
wait_for "Save to a file"
wait_for "$TMP/sonde-event-"   # the prefilled name, in the current directory
keys Enter
wait_for "bytes to $TMP/sonde-event-"
saved="$(ls "$TMP"/sonde-event-*.json 2>/dev/null | head -1)"
[[ -n "$saved" ]] || fail "nothing saved in $TMP"
[[ "$(mode "$saved")" == 600 ]] || fail "$saved has mode $(mode "$saved"), want 600"
grep -qF '"jsonrpc"' "$saved" || fail "$saved does not hold the event"
ok "s asked for the file name and saved the event (0600)"

keys Escape  # clear the filter
keys K
wait_for "keepalives hidden"
keys M-1; keys 2      # the resources
wait_for "random-bytes"
keys Enter
wait_for "✓ resources/read"
keys s                # acts on the result: no tab first
wait_for "Save to a file: what?"
keys Escape
ok "enter on a resource focuses its result (s works at once)"
keys q
wait_for "[sonde exited with 0 ]" 10
ok "quit cleanly"

# ---------------------------------------------------------------- scenario 2: hostile
# The hostile fixture server (hostile.NewServer (internal/hostile)) runs on its own
# (scripts/e2e-hostile), and sonde attaches to its URL like to any server.
log "scenario 2: a hostile server (120x40)"
(cd "$ROOT" && go build -o "$TMP/e2e-hostile" ./scripts/e2e-hostile)
mkfifo "$TMP/hostile.in"
"$TMP/e2e-hostile" <"$TMP/hostile.in" >"$TMP/hostile.url" 2>"$TMP/hostile.log" &
HOSTILE_PID=$!
exec 9>"$TMP/hostile.in"   # closing fd 9 (at exit) stops the server
for _ in $(seq 1 100); do [[ -s "$TMP/hostile.url" ]] && break; sleep 0.05; done
HOSTILE_URL="$(head -1 "$TMP/hostile.url")"
[[ "$HOSTILE_URL" == http://127.0.0.1:* ]] || { cat "$TMP/hostile.log" >&2; echo "e2e-tui: the hostile server did not start" >&2; exit 1; }
tm set -s set-clipboard on   # so a server's OSC 52 would show as a tmux buffer
start hostile 120 40 "'$HOSTILE_URL'"
wait_for "● connected" 20
wait_for "hostile_result" 10
title0="$(tm display-message -p -t "$S" '#{pane_title}')"
check_untouched() {
  local what="$1" title alt
  title="$(tm display-message -p -t "$S" '#{pane_title}')"
  alt="$(tm display-message -p -t "$S" '#{alternate_on}')"
  [[ "$title" != *PWNED* && "$title" != *TITLE* ]] || fail "$what: the window title was changed to: $title"
  [[ "$alt" == 1 ]] || fail "$what: the alternate screen was left"
  pane | head -1 | grep -qF "sonde │" || fail "$what: the header line is gone (screen cleared or cursor moved)"
  pane | tail -1 | grep -q "[a-z]" || fail "$what: the help line is gone"
  if tm list-buffers 2>/dev/null | grep -q "evil"; then fail "$what: the server wrote the clipboard"; fi
}
check_untouched "after connecting"
for _ in $(seq 1 12); do keys j; done
check_untouched "browsing the tools"
keys i; check_untouched "a hostile schema"; keys Escape

for tool in hostile_result hostile_error hostile_rpc_error; do
  keys /; text "$tool"; keys Enter
  wait_for "Arguments:"
  keys C-r
  if pane | grep -qF "Call it?"; then keys y; fi
  if pane | grep -qF "Send them anyway"; then keys y; fi
  wait_for "─ Result ─" 15
  check_untouched "the result of $tool"
  keys Escape; wait_for "─ Arguments:"   # back to the form
  keys Escape                             # to the browser
  keys Escape                             # clear the filter
  wait_for "enter open form"
done
keys Escape; keys BTab   # the browser, then back around to the log
wait_for "enter detail"
for _ in $(seq 1 20); do keys k; done
keys Enter; check_untouched "an event detail"; keys Tab; check_untouched "raw bytes"; keys Escape
ok "hostile names, descriptions, results and errors changed nothing on the terminal"

# A flood of server requests (hostile_flood: 1000 sampling and elicitation
# input requests at once) is one dialog and a count; the queue's rules
# answer them all.
keys M-1   # the browser
keys /; text hostile_flood; keys Enter
wait_for "Arguments: hostile_flood"
keys C-r
wait_for "of 1000 waiting" 15
check_untouched "a flood of server requests"
keys F3
wait_for "1000 waiting ·"
keys r; wait_for "Rule for"; keys Enter    # the proposed rule for this method
wait_for "answered 500 waiting"
keys r; wait_for "Rule for"; keys Enter    # and for the other one
wait_for "1000 answered by rules"  # (it waited for the first rule's count again, which held only until the second rule acted)
keys Escape
wait_for "all 1000 input requests answered" 20
ok "a flood of 1000 server requests: one dialog, a queue, answered by two rules"
keys q
wait_for "[sonde exited with 0 ]" 10

# ---------------------------------------------------------------- scenario 3: 80x24
log "scenario 3: sonde demo (80x24, --theme mono, no clipboard program on PATH)"
tm set -s set-clipboard on   # OSC 52 from a pane makes a tmux buffer
EXTRA_ENV="PATH=/nonexistent"
start small 80 24 --theme mono demo
EXTRA_ENV=""
wait_for "● connected" 20
wait_for "create_booking" 10
wait_for "┏━ Browse"   # mono: the focused pane has heavy lines
keys '?'
wait_for "Keys"
keys Escape
keys z
wait_for "Browse"
keys z
ok "80x24 works"
keys /; text echo; keys Enter
wait_for "Arguments: echo"
text "hello over OSC 52"
keys C-r
wait_for "✓ tools/call echo" 15
keys c
wait_for "sent the result"
wait_for "as OSC 52 through tmux"
tm show-buffer 2>/dev/null | grep -qF "hello over OSC 52" || fail "the OSC 52 copy did not arrive in tmux's buffer"
ok "with no clipboard program, OSC 52 goes through tmux and the status says sent, not copied"
keys q
wait_for "[sonde exited with 0 ]" 10
tm set -s set-clipboard external

# ---------------------------------------------------------------- scenario 4: server requests
log "scenario 4: answering the server's requests (120x40)"
start requests 120 40 demo
wait_for "● connected" 20
wait_for "Tools 17" 10
if ! pane | head -1 | grep -E -q "2026-07-28 stateless|20[0-9-]+ session"; then fail "the header does not show the era and version"; fi
keys D
wait_for "why this transport and era"
keys Escape
ok "the header shows the era and version; D explains the detection"

keys /; text ask_llm; keys Enter
wait_for "Arguments: ask_llm"
keys C-r
wait_for "Sampling request" 15
wait_for "What is the capital of France?"
wait_for "You are a concise assistant"
text "Paris, as far as I know."   # replaces the selected prefill
keys C-r
wait_for "sonde-human" 15
wait_for "Paris, as far as I know." 15
wait_for "✓ tools/call ask_llm"
ok "answered a sampling request with a reply written in the dialog"

keys Escape; wait_for "─ Arguments:"
keys Escape; keys Escape
wait_for "enter open form"
keys /; text elicit_form; keys Enter
wait_for "Arguments: elicit_form"
keys C-r
wait_for "asks you for input" 15
wait_for "Display name"
focus_field "Email"
text "ada@example.com"
wait_for "✓ valid"
keys C-r
wait_for "The user accepted" 15
wait_for "ada@example.com"
ok "answered an elicitation form (defaults prefilled, one field typed)"

keys M
wait_for "Server log"
keys q
wait_for "[sonde exited with 0 ]" 10
ok "quit cleanly"

# ---------------------------------------------------------------- scenario 5: record and replay
log "scenario 5: record a demo session, then replay it from the picker (120x40, 80x24)"
DATA_HOME="$TMP/replay-data"
start record 120 40 demo
wait_for "● connected" 20
wait_for "Tools 17" 10
keys /; text echo; keys Enter
wait_for "Arguments: echo"
text "hello from the recording"
keys C-r
wait_for "✓ tools/call echo" 15
keys W
wait_for "─ Timeline"
wait_for "→ tools/call echo"
ok "the live timeline shows the call"
keys q
wait_for "[sonde exited with 0 ]" 10
ls "$DATA_HOME/sonde/sessions/"*.jsonl >/dev/null 2>&1 || fail "nothing was recorded in $DATA_HOME/sonde/sessions"

start replay 120 40 replay
wait_for "Replay a recorded session" 10
wait_for "1 in $DATA_HOME/sonde/sessions"
wait_for "sonde-demo 1.0.0"
ok "sonde replay lists the recording"
keys Enter
wait_for "replaying " 10
keys '!'   # instant: play everything that is left
wait_for "■ instant" 10
wait_for "─ Timeline" 5
wait_for "→ tools/call echo" 5
wait_for "→ tools/list" 5
if ! pane | grep -q "event \([0-9]*\)/\1 "; then fail "the replay did not reach its last event"; fi
ok "played the recording: the timeline shows the calls"
keys W   # focus the timeline (it is already shown)
keys G   # the newest request
for _ in $(seq 1 10); do pane | grep -q "│→ tools/call echo #.* · at " && break; keys k; done
pane | grep -q "│→ tools/call echo #.* · at " || fail "could not select the echo call on the timeline"
keys Enter
wait_for "Event #" 5
wait_for "hello from the recording" 5
ok "enter on a span opens its request"
keys Escape
keys q
wait_for "[sonde exited with 0 ]" 10

start replay-small 80 24 replay
wait_for "Replay a recorded session" 10
keys Enter
wait_for "replaying " 10
keys '!'
wait_for "→ tools/call echo" 10
check_untouched "the replay at 80x24"
keys q
wait_for "[sonde exited with 0 ]" 10
ok "the replay works at 80x24"

# the recording as a fixture, from the picker: mocked (the UI attached to the mock, its session
# recorded), re-run against a stdio mock of itself, diffed with the recording of the mock's session
REC="$(ls "$DATA_HOME/sonde/sessions/"*.jsonl | head -1)"
start fixtures 120 40 replay
wait_for "Replay a recorded session" 10
keys C-o
wait_for "● connected" 15
wait_for "Tools 17" 10
wait_for "⇣ listening" 10
ok "ctrl+o in the picker: the UI is attached to the mock of the recording"
keys q
wait_for "[sonde exited with 0 ]" 10
start fixtures-rerun 120 40 replay
wait_for "2 in $DATA_HOME/sonde/sessions" 10
keys C-r
wait_for "Server (a URL, or a command):"
keys C-u
text "$BIN mock $REC --stdio --speed instant"
keys Enter
wait_for "all the same:" 30
wait_for "same     #" 5
ok "ctrl+r in the picker: the rerun against a mock of the recording, all the same"
keys Escape
keys Tab; keys Down; keys Tab
wait_for "● 2 marked"
keys C-d
wait_for "the same: both servers offer the same" 15
ok "tab, tab, ctrl+d in the picker: the diff of the two recordings"
keys Escape; keys Escape
wait_for "[sonde exited with 0 ]" 10

# ---------------------------------------------------------------- scenario 6: focus without colour
log "scenario 6: focus under NO_COLOR (100x30)"
EXTRA_ENV="NO_COLOR=1"
start nocolor 100 30 demo
EXTRA_ENV=""
wait_for "● connected" 20
wait_for "Tools 17" 10
wait_for "┏━ Browse"
keys Tab
absent "┏━ Browse"; wait_for "╭─ Browse"
keys M-3
wait_for "┏━ Log"
keys M-1
wait_for "┏━ Browse"; absent "┏━ Log"
ok "the focused pane has heavy lines without colour; tab and alt+1/3 move them"
keys /; text booking; keys Enter
wait_for "┏━ Arguments: create_booking"
keys z                # the guest object's header is not a text field: z zooms
absent "Browse"
wait_for "Arguments: create_booking"
keys z
wait_for "Browse"
focus_field "Full name"
keys z                # in a text field z is text
wait_for "Browse"
pane | grep -qE "▸ +Full name.*z " || fail "z was not typed into the text field"
ok "z zooms a form on a row that is not text, and is text in a text field"
keys Escape; keys q
wait_for "[sonde exited with 0 ]" 10

# ---------------------------------------------------------------- scenario 7: servers off the spec
# demo/offspec.go's two servers (scripts/offspec-server): a split-endpoint one (a stream that
# names no endpoint, POSTs to /mcp?session_id=ID, snake_case initialize, keepalive data
# messages) and an event-named one (event: tools, {session_id, tool, args}, event: result).
log "scenario 7: servers that do not follow the spec, and the composer (120x40)"
(cd "$ROOT" && go build -o "$TMP/offspec-server" ./scripts/offspec-server)
mkfifo "$TMP/offspec.in"
"$TMP/offspec-server" -keepalive 1s <"$TMP/offspec.in" >"$TMP/offspec.url" 2>"$TMP/offspec.log" &
OFFSPEC_PID=$!
exec 8>"$TMP/offspec.in"   # closing fd 8 (at exit) stops the servers
for _ in $(seq 1 100); do [[ $(wc -l <"$TMP/offspec.url") -ge 2 ]] && break; sleep 0.05; done
SPLIT_URL="$(sed -n 1p "$TMP/offspec.url")"; EVENTS_URL="$(sed -n 2p "$TMP/offspec.url")"
[[ "$EVENTS_URL" == http://127.0.0.1:*/events ]] || { cat "$TMP/offspec.log" >&2; echo "e2e-tui: the off-spec servers did not start" >&2; exit 1; }
SONDE_ERA_CACHE=off "$BIN" tools "$SPLIT_URL" 2>"$TMP/detect.err" && fail "sonde tools attached to a split-endpoint server without --endpoint"
grep -qF "try --endpoint '/mcp?session_id={session}'" "$TMP/detect.err" || { cat "$TMP/detect.err" >&2; fail "detection did not name the --endpoint flag"; }
ok "detection names the exact --endpoint flag for the split-endpoint server"
EXTRA_ENV="SONDE_ERA_CACHE=off"
start offspec-detect 120 40 "'$SPLIT_URL'"
wait_for "could not connect" 20
wait_for "try --endpoint '/mcp?session_id={session}'" 5
EXTRA_ENV=""
keys q
wait_for "[sonde exited with" 10
ok "the UI shows the same hint where it says it could not connect"

start offspec-events 120 40 "'$EVENTS_URL' --endpoint /call"
wait_for "● connected" 20
wait_for "Tools 2*" 10
wait_for "from the stream's event: tools"
ok "the event-named server's tools (event: tools) are offered in the browser, marked as such"
keys Enter
wait_for "─ Composer"
wait_for '"tool": "add", "args": {"a": 0, "b": 0}'
keys C-k   # the template is one line and the cursor at its start: delete it all
text '{"session_id":"{session}","tool":"add","args":{"a":40,"b":2}}'
wait_for "✓ not JSON-RPC: sent as it is"
keys C-s
wait_for "events followed it" 10
wait_for 'sse:result  {"result":42,"tool":"add"}'
pane | grep -qF '◆← sse:result' || fail "the result event is not marked in the log"
ok "the composer sent {session_id, tool, args} as it is; the events that followed are shown and marked"
keys Escape
absent "─ Composer"
keys M-3
wait_for "← keepalive" 5
keys K
wait_for "keepalives hidden"
absent "heartbeat"
pane | grep -qE "keepalive ↓[1-9]" || fail "the keepalive data messages are not counted in the header"
ok "keepalive data messages (data: heartbeat) count as keepalives and K hides them"
keys q
wait_for "[sonde exited with 0 ]" 10

start offspec-split 120 40 "'$SPLIT_URL' --endpoint '/mcp?session_id={session}'"
wait_for "● connected" 20
wait_for "split-demo" 10
wait_for "Tools 2" 10
keys :
wait_for "─ Composer"
keys C-t
wait_for '✓ JSON-RPC request tools/call, id "c1"'   # the selected tool's call comes first
keys C-k
text '{"jsonrpc":"2.0","id":"e1","method":"echo","params":{"text":"hello split"}}'
wait_for '✓ JSON-RPC request echo, id "e1"'
keys C-s
wait_for 'answer (id "e1"' 10
wait_for '"text": "hello split"'
pane | grep -qF '◆→ echo' || fail "the request is not marked in the log"
pane | grep -qF '◆← result' || fail "the answer is not marked in the log"
ok "a plain method (echo) written in the composer: its answer matched by id, both marked"
keys Escape
keys M-3
keys /; text "method:tools/list"; keys Enter
wait_for "filter: method:tools/list"
keys g; keys e
wait_for "─ Composer"
wait_for '"method": "tools/list"'
keys C-s
wait_for "answer (id " 10
wait_for '"description": "Echo the text back"'
ok "e on a request in the log opens it in the composer; sent again, its answer is matched"
keys Escape; keys q
wait_for "[sonde exited with 0 ]" 10
hist="$TMP/home/.local/state/sonde/composer-history.json"
[[ "$(mode "$hist")" == 600 ]] || fail "$hist has mode $(mode "$hist"), want 600"
grep -qF 'hello split' "$hist" || fail "the composer's history does not hold the message"
ok "the composer's history is kept (0600)"
kill "$OFFSPEC_PID" 2>/dev/null || :

log "PASS ($PASSED checks)"
echo "$PASSED passed, 0 failed"
