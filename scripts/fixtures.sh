#!/usr/bin/env bash
# scripts/fixtures.sh — recordings as fixtures against real peers, on loopback: server-everything
# (pinned) is recorded by sonde, the recording is re-run against it (Streamable HTTP and stdio) and
# diffed with it, then served by `sonde mock`, which the official Inspector CLI (pinned) calls over
# HTTP and stdio, and which sonde re-runs and diffs the recording against in turn.
#
#   scripts/fixtures.sh                   build sonde, install peers, run every check
#   SONDE_BIN=/path/to/sonde scripts/fixtures.sh   use a prebuilt binary
#
# Prints one PASS/FAIL line per check, then "N passed, N failed"; exits 1 on any failure.
# Env: SONDE_PEERS_DIR (peer install dir), FIXTURES_TIMEOUT (seconds per run, default 60),
#      FIXTURES_KEEP=1 keeps the scratch dir (the recording, every command's output).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

checks_begin fixtures "${FIXTURES_KEEP:-0}" "${FIXTURES_TIMEOUT:-60}"

# ------------------------------------------------------------------------------------------------
# 1. record a session of server-everything over Streamable HTTP
# ------------------------------------------------------------------------------------------------
start_everything streamableHttp
REC="$WORK/everything.jsonl"
cat > "$WORK/session.sonde" <<'EOF'
tools
resources
templates
prompts
call get-sum a=2 b=3
call echo message=fixtures
call trigger-long-running-operation duration=1 steps=3
read demo://resource/static/document/architecture.md
prompt simple-prompt
EOF
STDIN="$WORK/session.sonde" run record "$SONDE" shell "$EVERYTHING_URL" --record "$REC"
check "record: sonde shell --record against server-everything" "rc=$RC" test "$RC" = 0 -a -s "$REC"

# ------------------------------------------------------------------------------------------------
# 2. rerun and diff against the live server it was recorded from, and its stdio build
# ------------------------------------------------------------------------------------------------
run rerun-http "$SONDE" rerun "$REC" "$EVERYTHING_URL"
check "rerun against server-everything (Streamable HTTP): exit 0, all same" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "0 changed, 0 missing, 0 extra" "$2"' _ "$RC" "$OUT"
run rerun-stdio "$SONDE" rerun "$REC" --json -- "${EVERYTHING_STDIO[@]}"
all_same_json() { [ "$RC" = 0 ] && [ "$(json_get "$OUT" counts.changed)" = 0 ] && [ "$(json_get "$OUT" counts.missing)" = 0 ] && [ "$(json_get "$OUT" counts.same)" -ge 9 ]; }
check "rerun against server-everything (stdio): exit 0, --json counts" "rc=$RC counts=$(json_get "$OUT" counts 2>/dev/null | head -c 200)" all_same_json
run diff-http "$SONDE" diff "$REC" "$EVERYTHING_URL"
check "diff recording vs server-everything: the same" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -qx "the same" "$2"' _ "$RC" "$OUT"

# The recording with one answer changed (as if yesterday's server had said 6): the rerun against
# the real server finds that one request changed, shows the difference, exits 6.
sed 's/The sum of 2 and 3 is 5\./The sum of 2 and 3 is 6./' "$REC" > "$WORK/tampered.jsonl"
run rerun-changed "$SONDE" rerun "$WORK/tampered.jsonl" "$EVERYTHING_URL"
check "rerun of a changed answer against server-everything: exit 6, 1 changed, the difference shown" "rc=$RC" \
  bash -c '[ "$1" = 6 ] && grep -q "1 changed, 0 missing, 0 extra" "$2" && grep -q "is 6\." "$2" && grep -q "is 5\." "$2"' _ "$RC" "$OUT"

# ------------------------------------------------------------------------------------------------
# 3. the recording served by sonde mock, over HTTP
# ------------------------------------------------------------------------------------------------
MOCK_OUT="$WORK/mock.url"; MOCK_ERR="$WORK/mock.log"
"$SONDE" mock "$REC" --speed instant > "$MOCK_OUT" 2> "$MOCK_ERR" &
MOCK_PID=$!
on_exit "kill $MOCK_PID 2>/dev/null || true"
for _ in $(seq 1 100); do [ -s "$MOCK_OUT" ] && break; kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
MOCK_URL="$(head -1 "$MOCK_OUT")"
ERR="$MOCK_ERR"; OUT="$MOCK_OUT"
check "mock: serves, its URL on stdout" "url=$MOCK_URL" contains "$MOCK_URL" "http://127.0.0.1:"

run inspector-list "${INSPECTOR[@]}" "$MOCK_URL" --method tools/list
check "Inspector CLI → mock (HTTP): tools/list as recorded" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "get-sum" "$2" && grep -q "trigger-long-running-operation" "$2"' _ "$RC" "$OUT"
run inspector-call "${INSPECTOR[@]}" "$MOCK_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3
check "Inspector CLI → mock (HTTP): tools/call get-sum answered as recorded" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "The sum of 2 and 3 is 5." "$2"' _ "$RC" "$OUT"
run inspector-unrecorded "${INSPECTOR[@]}" "$MOCK_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=4
check "Inspector CLI → mock (HTTP): an unrecorded call gets the error naming the closest" "rc=$RC" \
  bash -c 'cat "$1" "$2" | grep -q "closest recorded: tools/call"' _ "$OUT" "$ERR"

run rerun-mock "$SONDE" rerun "$REC" "$MOCK_URL"
check "rerun against the mock of itself: exit 0, all same" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "0 changed, 0 missing, 0 extra" "$2"' _ "$RC" "$OUT"
run diff-mock "$SONDE" diff "$REC" "$MOCK_URL"
check "diff recording vs its mock: the same" "rc=$RC" bash -c '[ "$1" = 0 ] && grep -qx "the same" "$2"' _ "$RC" "$OUT"
run call-progress "$SONDE" call "$MOCK_URL" trigger-long-running-operation duration=1 steps=3 -v
check "sonde call → mock: the recorded progress notifications, then the answer" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && [ "$(grep -c "notifications/progress" "$2")" = 3 ]' _ "$RC" "$ERR"
kill "$MOCK_PID" 2>/dev/null || true
wait "$MOCK_PID" 2>/dev/null || true
OUT="$MOCK_OUT"; ERR="$MOCK_ERR"
check "mock: its log names the unrecorded request" "see $MOCK_ERR" grep -q "no recorded answer for tools/call get-sum" "$MOCK_ERR"

# ------------------------------------------------------------------------------------------------
# 4. the recording served by sonde mock --stdio, started by the Inspector
# ------------------------------------------------------------------------------------------------
run inspector-stdio "${INSPECTOR[@]}" "$SONDE" mock "$REC" --stdio --speed instant --method tools/call --tool-name echo --tool-arg message=fixtures
check "Inspector CLI → mock --stdio: tools/call echo answered as recorded" "rc=$RC" \
  bash -c '[ "$1" = 0 ] && grep -q "Echo: fixtures" "$2"' _ "$RC" "$OUT"

checks_end
