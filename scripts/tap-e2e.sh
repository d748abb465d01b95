#!/usr/bin/env bash
# scripts/tap-e2e.sh — sonde tap with clients sonde did not write, on loopback: the official
# Inspector CLI (pinned) talks to server-everything (pinned) through `sonde tap` over Streamable
# HTTP, legacy HTTP+SSE and stdio, and gets what it gets without the tap; the tap's recordings
# hold the Inspector's sessions, its faults reach the Inspector, and sonde's own client goes
# through it too. Then the UI: sonde tap in tmux in front of sonde demo's server
# (scripts/demo-server), two Inspector CLI sessions shown, switched, a fault turned off in the
# faults pane (capture-pane).
#
#   scripts/tap-e2e.sh                    build sonde, install peers, run every check
#   SONDE_BIN=/path/to/sonde scripts/tap-e2e.sh   use a prebuilt binary
#
# Prints one PASS/FAIL line per check, then "N passed, N failed"; exits 1 on any failure.
# Env: SONDE_PEERS_DIR (peer install dir), TAP_TIMEOUT (seconds per run, default 60),
#      TAP_KEEP=1 keeps the scratch dir (recordings, every command's output).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

checks_begin tap "${TAP_KEEP:-0}" "${TAP_TIMEOUT:-60}"
export XDG_DATA_HOME="$WORK/data" # the tap's always-on recordings go here, not into the user's

# start_tap NAME ARGS...: runs sonde tap ARGS in the background; TAP_URL, TAP_PID, TAP_LOG
start_tap() {
  local name="$1"; shift
  TAP_LOG="$WORK/tap.$name.log"
  "$SONDE" tap --headless "$@" > "$TAP_LOG" 2> "$WORK/tap.$name.err" &
  TAP_PID=$!
  on_exit "kill $TAP_PID 2>/dev/null || true"
  for _ in $(seq 1 100); do [ -s "$TAP_LOG" ] && break; kill -0 "$TAP_PID" 2>/dev/null || break; sleep 0.1; done
  TAP_URL="$(head -1 "$TAP_LOG")"
}
# stop_tap: Ctrl-C, as a user would; waits for the recordings to close
stop_tap() { kill -INT "$TAP_PID" 2>/dev/null || true; wait "$TAP_PID" 2>/dev/null || true; }

# recorded FILE PATTERN: the recording holds a line matching PATTERN (grep -E)
recorded() { grep -Eq "$2" "$1"; }

# ------------------------------------------------------------------------------------------------
# 1. Streamable HTTP: the Inspector through the tap gets what it gets without it
# ------------------------------------------------------------------------------------------------
start_everything streamableHttp
REC="$WORK/http.jsonl"
start_tap http --upstream "$EVERYTHING_URL" --record "$REC"
ERR="$WORK/tap.http.err"; OUT="$TAP_LOG"
check "tap: serves, its URL on stdout" "url=$TAP_URL" test -n "$TAP_URL"

run direct-call "${INSPECTOR[@]}" "$EVERYTHING_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3
DIRECT="$OUT"
run tapped-call "${INSPECTOR[@]}" "$TAP_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3
check "Inspector CLI → tap → server-everything (HTTP): tools/call, the same output as without the tap" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "5" "$2" && cmp -s "$2" "$3"' _ "$RC" "$OUT" "$DIRECT"
run tapped-list "${INSPECTOR[@]}" "$TAP_URL" --method tools/list
check "Inspector CLI → tap (HTTP): tools/list" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -q "get-sum" "$2"' _ "$RC" "$OUT"
run sonde-call "$SONDE" call "$TAP_URL" echo message=tapped
check "sonde's own client → tap (HTTP): tools/call" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -q "tapped" "$2"' _ "$RC" "$OUT"
stop_tap
ERR="$WORK/tap.http.err"; OUT="$TAP_LOG"
check "tap --headless: one log line per event, per session" "" \
  bash -c 'grep -q "^\[1\] .*→ POST   tools/call" "$1" && grep -q "^\[2\] " "$1"' _ "$TAP_LOG"
check "tap --record: the Inspector's session, marked tapped, its client named" "" \
  bash -c 'grep -q "\"tapped\":true" "$1" && grep -q "\"client\":{\"name\":\"inspector" "$1" && grep -q "\"req_method\":\"tools/call\"" "$1"' _ "$REC"
check "tap --record: one file per session (FILE, FILE-2, ...)" "" test -s "${REC%.jsonl}-2.jsonl"

# ------------------------------------------------------------------------------------------------
# 2. a fault on the tap reaches the Inspector, and is in the recording
# ------------------------------------------------------------------------------------------------
REC="$WORK/fault.jsonl"
start_tap fault --upstream "$EVERYTHING_URL" --record "$REC" --fault "status method=tools/call code=503 times=1"
run fault-call "${INSPECTOR[@]}" "$TAP_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3
check "fault status code=503 times=1: the Inspector's call fails" "rc=$RC" test "$RC" != 0
run fault-call-2 "${INSPECTOR[@]}" "$TAP_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3
check "fault times=1: the next call goes through" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -q "5" "$2"' _ "$RC" "$OUT"
stop_tap
ERR="$WORK/tap.fault.err"; OUT="$TAP_LOG"
check "the fault is an event of the tapped session" "" \
  recorded "$REC" '"kind":"fault".*"method":"status".*"status":503'

# ------------------------------------------------------------------------------------------------
# 3. legacy HTTP+SSE
# ------------------------------------------------------------------------------------------------
start_everything sse
REC="$WORK/sse.jsonl"
start_tap sse --upstream "$EVERYTHING_URL" --record "$REC"
run sse-call "${INSPECTOR[@]}" "$TAP_URL" --transport sse --method tools/call --tool-name echo --tool-arg message=legacy
check "Inspector CLI → tap → server-everything (legacy SSE): tools/call" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -q "legacy" "$2"' _ "$RC" "$OUT"
stop_tap
ERR="$WORK/tap.sse.err"; OUT="$TAP_LOG"
check "legacy session recorded: the endpoint, the call on the stream" "" \
  bash -c 'grep -q "\"sse_event\":\"endpoint\"" "$1" && grep -q "\"stream\":\"GET\".*\"req_method\":\"tools/call\"" "$1"' _ "$REC"

# ------------------------------------------------------------------------------------------------
# 4. stdio: the Inspector starts sonde tap as its server
# ------------------------------------------------------------------------------------------------
# As a client config names it: the config sonde tap --wrap --write makes of the original.
REC="$WORK/stdio.jsonl"
CONF="$WORK/mcp.json"
printf '{"mcpServers": {"everything": {"command": "%s", "args": ["%s", "stdio"]}}}\n' "$NODE22" "$EVERYTHING_JS" > "$CONF"
run wrap "$SONDE" tap --wrap "$CONF" --server everything --record "$REC" --write
check "tap --wrap --write: the config runs the server through sonde tap, a backup kept" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "\"tap\"" "$2" && test -s "$2.bak"' _ "$RC" "$CONF"
run stdio-call env "HOME=$WORK/home" "PATH=$(dirname "$NODE22"):$PATH" "$NODE22" "$INSPECTOR_JS" --cli --config "$CONF" --server everything --method tools/call --tool-name echo --tool-arg message=stdio
check "Inspector CLI → sonde tap -- server-everything (stdio, from the wrapped config): tools/call" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -q "stdio" "$2"' _ "$RC" "$OUT"
check "stdio session recorded" "" bash -c 'grep -q "\"transport\":\"stdio\"" "$1" && grep -q "\"stream\":\"stdout\".*\"req_method\":\"tools/call\"" "$1"' _ "$REC"

# ------------------------------------------------------------------------------------------------
# 5. the UI: sonde tap on a terminal (tmux) in front of sonde demo's server, the Inspector CLI as
#    the client; two sessions, switched with ctrl+n; the faults pane turns the fault off
# ------------------------------------------------------------------------------------------------
(cd "$REPO_ROOT" && go build -o "$WORK/demo-server" ./scripts/demo-server) || die "go build of scripts/demo-server failed"
mkfifo "$WORK/demo.in"
"$WORK/demo-server" < "$WORK/demo.in" > "$WORK/demo.url" 2> "$WORK/demo.err" &
DEMO_PID=$!
exec 7> "$WORK/demo.in" # the server serves until its stdin closes
on_exit "exec 7>&-; kill $DEMO_PID 2>/dev/null || true"
for _ in $(seq 1 100); do [ -s "$WORK/demo.url" ] && break; sleep 0.1; done
DEMO_URL="$(head -1 "$WORK/demo.url")"
TM=(tmux -L "sonde-tap-e2e-$$" -f /dev/null)
on_exit "${TM[*]} kill-server 2>/dev/null || true"
PORT="$(free_port)"
REC="$WORK/ui.jsonl"
"${TM[@]}" new-session -d -s tap -x 140 -y 40 \
  "XDG_DATA_HOME='$XDG_DATA_HOME' '$SONDE' tap --upstream '$DEMO_URL' --listen 127.0.0.1:$PORT --record '$REC' --fault 'delay method=tools/call ms=1' 2> '$WORK/tap.ui.err'; sleep 30"
pane() { "${TM[@]}" capture-pane -p -t tap 2>/dev/null || true; }
# shows TEXT...: the pane shows every TEXT within 10 s
shows() {
  local i t ok
  for i in $(seq 1 100); do
    ok=1; for t in "$@"; do pane | grep -qF -- "$t" || { ok=0; break; }; done
    [ "$ok" = 1 ] && return 0; sleep 0.1
  done
  pane > "$WORK/pane.$N.txt"; OUT="$WORK/pane.$N.txt"; return 1
}
check "tap UI: waits for a client, naming where it connects" "" shows "waiting for a client" "127.0.0.1:$PORT"
run ui-call "${INSPECTOR[@]}" "http://127.0.0.1:$PORT/mcp" --method tools/call --tool-name echo --tool-arg text=through-the-tap-ui
check "Inspector CLI → tap (UI) → sonde demo's server: tools/call" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -q "through-the-tap-ui" "$2"' _ "$RC" "$OUT"
check "tap UI: the session shown as sonde's own, marked tapped, both directions, the fault marked" "" \
  shows "tapped 1/1" "⇄ tapped client inspector-cli" "sonde-demo" "→ tools/call" "#3 tools/call" "through-the-tap-ui" "! fault:delay"
run ui-list "${INSPECTOR[@]}" "http://127.0.0.1:$PORT/mcp" --method tools/list
check "tap UI: a second client is a second session in the bar" "" shows "tapped 1/2" "● 2 inspector-cli" "ctrl+n/ctrl+p switch"
"${TM[@]}" send-keys -t tap C-n
check "tap UI: ctrl+n shows the second session" "" shows "tapped 2/2" "→ tools/list"
"${TM[@]}" send-keys -t tap '!'
check "tap UI: ! shows the faults pane" "" shows "Faults 1 on of 1" "● on  delay method=tools/call ms=1"
"${TM[@]}" send-keys -t tap Space
check "tap UI: space turns the fault off" "" shows "Faults 0 on of 1" "○ off delay method=tools/call"
run ui-call-off "${INSPECTOR[@]}" "http://127.0.0.1:$PORT/mcp" --method tools/call --tool-name echo --tool-arg text=fault-off
check "tap UI: with the fault off the call goes through, no new injection" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "fault-off" "$2"' _ "$RC" "$OUT"
check "tap UI: the faults pane still counts one injection" "" shows "○ off delay method=tools/call ms=1  injected 1"
"${TM[@]}" send-keys -t tap q
for _ in $(seq 1 100); do grep -q "recorded in" "$WORK/tap.ui.err" 2>/dev/null && break; sleep 0.1; done
ERR="$WORK/tap.ui.err"; OUT=""
check "tap UI: every session recorded, said after the UI ends" "" \
  bash -c 'grep -q "session 1 recorded in $1" "$2" && test -s "${1%.jsonl}-2.jsonl" && grep -q "\"tapped\":true" "$1"' _ "$REC" "$WORK/tap.ui.err"

checks_end
