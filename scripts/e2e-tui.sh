#!/usr/bin/env bash
# scripts/e2e-tui.sh — end-to-end test of sonde's terminal UI: the real binary in tmux.
#
#   scripts/e2e-tui.sh            build ./ (the sonde command) and run both scenarios
#   SONDE_BIN=/path/sonde ...     use an existing binary instead of building
#   E2E_KEEP=1 ...                keep the tmux sessions and the temp dir for a look afterwards
#
# Scenario 1, `sonde demo` at 120x40: attach, list tools, fill the form of the nested-schema tool
# (create_booking) field by field, call it, see the result, filter the log, open an event's detail,
# copy it, quit. Scenario 2, `sonde URL` at 120x40 against demo.NewHostileServer (served by
# scripts/e2e-hostile): a server whose names, descriptions,
# results and errors carry terminal escape sequences; browse and call, and check that the window
# title, the screen, the alternate screen and the clipboard are untouched. Scenario 3: 80x24 smoke.
# Scenario 4, `sonde demo` at 120x40: answer the server's requests: a sampling request (ask_llm:
# read it, write the reply, send) and an elicitation form (elicit_form: fill the required email,
# accept), check the era and version in the header, and open the connection dialog.
# Scenario 5, recording and replay: a short `sonde demo` session (an echo call; the live timeline
# shows it) is recorded into a private $XDG_DATA_HOME; `sonde replay` with no FILE lists it in the
# recordings picker, opens it, plays it (instantly), and the timeline shows the calls; enter on a
# span opens its request; the same at 80x24.
# Exits non-zero on the first failure, printing the captured pane. Needs tmux and Go.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/sonde-e2e.XXXXXX")"
SESSIONS=()
HOSTILE_PID=""
cleanup() {
  local rc=$?
  exec 9>&- 2>/dev/null || true
  [[ -n "$HOSTILE_PID" ]] && kill "$HOSTILE_PID" 2>/dev/null || true
  if [[ -z "${E2E_KEEP:-}" ]]; then
    for s in "${SESSIONS[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
    rm -rf "$TMP"
  else
    echo "kept: tmux sessions ${SESSIONS[*]}; $TMP" >&2
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
pane() { tmux capture-pane -p -t "$S" 2>/dev/null || true; }
fail() {
  printf '\n[e2e-tui] FAIL: %s\n---- captured pane (%s) ----\n' "$1" "$S" >&2
  pane >&2
  printf -- '---- end of pane ----\n' >&2
  exit 1
}
ok() { PASSED=$((PASSED + 1)); log "ok: $*"; }
keys() { tmux send-keys -t "$S" "$@"; sleep 0.1; }
text() { tmux send-keys -t "$S" -l "$1"; sleep 0.1; }

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
start() { # start NAME WIDTH HEIGHT ARGS...
  S="sonde-e2e-$1-$$"; shift
  local w="$1" h="$2"; shift 2
  SESSIONS+=("$S")
  # a private HOME: no saved servers, no recordings, no clipboard tools
  mkdir -p "$TMP/home"
  tmux new-session -d -s "$S" -x "$w" -y "$h" \
    "cd '$TMP' && env -u NO_COLOR HOME='$TMP/home' XDG_CONFIG_HOME='$TMP/home/.config' XDG_DATA_HOME='$DATA_HOME' TERM=xterm-256color '$BIN' $*; echo '[sonde exited with' \$? ']'; sleep 600"
  tmux set-option -t "$S" set-clipboard on >/dev/null 2>&1 || true
}

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

focus_field "Full name";     text "Ada Lovelace"
focus_field "email";         text "ada@example.com"
focus_field "Check-in date"; text "2026-12-24"
focus_field "rooms";         keys Enter
wait_for "#1"
focus_field "payment";       keys Enter; keys Enter
focus_field "last4";         text "4242"
# Fields the form may include on its own: the demo's quietHours defaults
# ("22:00:00") fail format "time", and a defaulted country makes the billing
# address present with its required street and city.
if ! pane | grep -qF "✓ valid"; then
  if pane | grep -qF "not a valid time" || true; then
    if try_field "from" && pane | grep -E "▸ +from" | grep -qv "Z "; then keys End; text "Z"; fi
    if try_field "to" && pane | grep -E "▸ +to" | grep -qv "Z "; then keys End; text "Z"; fi
  fi
  if ! pane | grep -qF "✓ valid"; then
    try_field "street" && text "1 Main St" || true
    try_field "city" && text "London" || true
  fi
fi
wait_for "valid"
ok "filled the nested form (object, array of objects, oneOf)"

keys C-r
if pane | grep -qF "Send them anyway"; then fail "the filled form does not validate"; fi
wait_for "Booked 1 room(s) for 2 night(s) for Ada Lovelace" 15
wait_for "✓ tools/call create_booking"
ok "called create_booking and saw the result"

keys Tab   # to the log
keys /; text "method:tools/call"; keys Enter
wait_for "filter: method:tools/call"
wait_for "Log 2/"
absent "tools/list 1"
ok "filtered the log to the call and its answer"

keys Enter
wait_for "Event #"
wait_for "Booked 1 room(s)"
keys Tab
wait_for '"jsonrpc":"2.0"'
keys Escape
keys c; keys c
wait_for "copied curl command"
ok "opened the event detail and copied the request as curl"

keys Escape  # clear the filter
keys K
wait_for "keepalives hidden"
keys q
wait_for "[sonde exited with 0 ]" 10
ok "quit cleanly"

# ---------------------------------------------------------------- scenario 2: hostile
# The hostile fixture server (demo.NewHostileServer) runs on its own
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
start hostile 120 40 "'$HOSTILE_URL'"
wait_for "● connected" 20
wait_for "hostile_result" 10
title0="$(tmux display-message -p -t "$S" '#{pane_title}')"
check_untouched() {
  local what="$1" title alt
  title="$(tmux display-message -p -t "$S" '#{pane_title}')"
  alt="$(tmux display-message -p -t "$S" '#{alternate_on}')"
  [[ "$title" != *PWNED* && "$title" != *TITLE* ]] || fail "$what: the window title was changed to: $title"
  [[ "$alt" == 1 ]] || fail "$what: the alternate screen was left"
  pane | head -1 | grep -qF "sonde │" || fail "$what: the header line is gone (screen cleared or cursor moved)"
  pane | tail -1 | grep -q "[a-z]" || fail "$what: the help line is gone"
  if tmux list-buffers 2>/dev/null | grep -q "evil"; then fail "$what: the server wrote the clipboard"; fi
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
keys q
wait_for "[sonde exited with 0 ]" 10

# ---------------------------------------------------------------- scenario 3: 80x24
log "scenario 3: sonde demo (80x24)"
start small 80 24 demo
wait_for "● connected" 20
wait_for "create_booking" 10
keys '?'
wait_for "Keys"
keys Escape
keys z
wait_for "Browse"
keys q
wait_for "[sonde exited with 0 ]" 10
ok "80x24 works"

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

log "PASS ($PASSED checks)"
echo "$PASSED passed, 0 failed"
