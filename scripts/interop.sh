#!/usr/bin/env bash
# scripts/interop.sh — sonde's CLI against the official "everything" server (pinned), over stdio,
# legacy HTTP+SSE and Streamable HTTP, all on loopback.
#
#   scripts/interop.sh                    build sonde, install peers, run every check on every transport
#   INTEROP_TRANSPORTS="stdio http" scripts/interop.sh   only some transports (stdio sse http)
#   INTEROP_FULL=0 scripts/interop.sh     skip the protocol checks (progress, logging, elicitation,
#                                         sampling, roots, subscriptions, completions, tasks); on by default
#   SONDE_BIN=/path/to/sonde scripts/interop.sh   use a prebuilt binary instead of building one
#
# Prints one PASS/FAIL line per check, then "N passed, N failed"; exits 1 on any failure.
# Env: SONDE_PEERS_DIR (peer install dir), INTEROP_TIMEOUT (seconds per sonde run, default 60),
#      INTEROP_KEEP=1 keeps the scratch dir with every command's stdout/stderr.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRANSPORTS="${INTEROP_TRANSPORTS:-stdio sse http}"
RUN_TIMEOUT="${INTEROP_TIMEOUT:-60}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-interop.XXXXXX")"
if [ "${INTEROP_KEEP:-0}" = 1 ]; then on_exit "echo 'kept $WORK' >&2"; else on_exit "rm -rf '$WORK'"; fi

# ------------------------------------------------------------------------------------------------
# build + install
# ------------------------------------------------------------------------------------------------
if [ -n "${SONDE_BIN:-}" ]; then
  SONDE="$SONDE_BIN"
  [ -x "$SONDE" ] || die "SONDE_BIN=$SONDE is not an executable"
else
  BIN="${SONDE_BIN_DIR:-$REPO_ROOT/bin}"
  mkdir -p "$BIN"
  log "building sonde"
  (cd "$REPO_ROOT" && go build -o "$BIN/sonde" .) || die "go build of sonde failed (see above)"
  SONDE="$BIN/sonde"
fi
log "installing pinned peers into $PEERS_DIR"
peers_install main node22

# ------------------------------------------------------------------------------------------------
# check bookkeeping
# ------------------------------------------------------------------------------------------------
PASSED=0; FAILED=0; FAILED_NAMES=()
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$1"; }
fail() {
  FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1")
  printf 'FAIL %s: %s\n' "$1" "$2"
  if [ -n "${LAST_ERR:-}" ] && [ -s "$LAST_ERR" ]; then sed -n '1,6p' "$LAST_ERR" | sed 's/^/     | /'; fi
}
# check NAME CONDITION-DESCRIPTION COMMAND...: PASS if COMMAND succeeds
check() { local name="$1" what="$2"; shift 2; if "$@"; then pass "$name"; else fail "$name" "$what"; fi; }

contains() { [[ "$1" == *"$2"* ]]; }
eq()       { [ "$1" = "$2" ]; }
ge()       { [ "$1" -ge "$2" ] 2>/dev/null; }

# ------------------------------------------------------------------------------------------------
# running sonde: sx SUBCOMMAND [ARGS...]  (target placed per transport, per sonde's CLI contract)
# After it: RC (exit status), OUT / ERR (files with stdout / stderr).
#   URL targets:   sonde SUBCOMMAND URL ARGS...
#   stdio targets: sonde SUBCOMMAND ARGS... -- node server.js stdio
# ------------------------------------------------------------------------------------------------
N_RUN=0
sx() {
  local sub="$1"; shift
  N_RUN=$((N_RUN + 1))
  OUT="$WORK/$N_RUN.$T.$sub.out"; ERR="$WORK/$N_RUN.$T.$sub.err"; LAST_ERR="$ERR"
  local argv
  if [ "$T" = stdio ]; then argv=("$sub" "$@" -- "${EVERYTHING_STDIO[@]}")
  else argv=("$sub" "$URL" "$@"); fi
  printf '%q ' "$SONDE" "${argv[@]}" > "$WORK/$N_RUN.$T.$sub.cmd"
  set +e
  timeout -k 5 "$RUN_TIMEOUT" "$SONDE" "${argv[@]}" > "$OUT" 2> "$ERR" < "${SX_STDIN:-/dev/null}"
  RC=$?
  set -e
  if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then echo "(sonde killed after ${RUN_TIMEOUT}s)" >> "$ERR"; fi
}
# the JSON stdout of the last run is valid and RC was 0
ok_json() { [ "$RC" = 0 ] && [ -s "$OUT" ] && json_get "$OUT" "" >/dev/null 2>&1; }
# does the string list on stdin contain $1 (a whole line)?
has_line() { grep -qxF -- "$1"; }

# ------------------------------------------------------------------------------------------------
# preflight: does this sonde implement the CLI contract at all?
# ------------------------------------------------------------------------------------------------
preflight() {
  T=stdio
  sx tools --json
  local n; n="$(json_len "$OUT" tools 2>/dev/null || true)"
  if [ "$RC" != 0 ] || ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
    echo "FAIL preflight: '$SONDE tools --json -- <server-everything stdio>' exited $RC and printed no {\"tools\":[...]}." >&2
    echo "     sonde's CLI (tools/resources/templates/prompts/call/read/prompt/shell) is not implemented yet," >&2
    echo "     or is broken. stdout: $(head -c 300 "$OUT")" >&2
    echo "     stderr: $(head -c 300 "$ERR")" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
}

# ------------------------------------------------------------------------------------------------
# the checks, per transport
# ------------------------------------------------------------------------------------------------
basic_checks() {
  local p="$T"
  # -- listings
  sx tools --json
  check "$p/tools: exit 0 and valid JSON" "rc=$RC" ok_json
  check "$p/tools: lists echo, get-sum, get-structured-content" "got: $(json_pluck "$OUT" tools name 2>/dev/null | tr '\n' ' ')" \
    bash -c 'l="$(cat)"; for n in echo get-sum get-structured-content; do grep -qxF "$n" <<<"$l" || exit 1; done' < <(json_pluck "$OUT" tools name 2>/dev/null)
  check "$p/tools: at least 12 tools" "got $(json_len "$OUT" tools 2>/dev/null)" ge "$(json_len "$OUT" tools 2>/dev/null || echo 0)" 12

  sx resources --json
  check "$p/resources: lists the 7 static documents" "got: $(json_pluck "$OUT" resources uri 2>/dev/null | tr '\n' ' ')" \
    eq "$(json_pluck "$OUT" resources uri 2>/dev/null | grep -c '^demo://resource/static/document/')" 7

  sx templates --json
  check "$p/templates: lists the text and blob templates" "got: $(json_pluck "$OUT" resourceTemplates uriTemplate 2>/dev/null | tr '\n' ' ')" \
    bash -c 'l="$(cat)"; grep -qxF "demo://resource/dynamic/text/{resourceId}" <<<"$l" && grep -qxF "demo://resource/dynamic/blob/{resourceId}" <<<"$l"' \
    < <(json_pluck "$OUT" resourceTemplates uriTemplate 2>/dev/null)

  sx prompts --json
  check "$p/prompts: lists the 4 prompts" "got: $(json_pluck "$OUT" prompts name 2>/dev/null | tr '\n' ' ')" \
    bash -c 'l="$(cat)"; for n in simple-prompt args-prompt completable-prompt resource-prompt; do grep -qxF "$n" <<<"$l" || exit 1; done' \
    < <(json_pluck "$OUT" prompts name 2>/dev/null)

  # -- tools/call
  sx call echo message=hi --json
  check "$p/call echo message=hi" "rc=$RC text=$(json_get "$OUT" content.0.text 2>/dev/null)" \
    eq "$RC:$(json_get "$OUT" content.0.text 2>/dev/null)" "0:Echo: hi"

  sx call get-sum a=2 b=3 --json
  check "$p/call get-sum a=2 b=3 (KEY=VALUE typed by the schema)" "rc=$RC text=$(json_get "$OUT" content.0.text 2>/dev/null)" \
    eq "$RC:$(json_get "$OUT" content.0.text 2>/dev/null)" "0:The sum of 2 and 3 is 5."

  sx call get-sum --args '{"a":1.5,"b":-4}' --json
  check "$p/call get-sum --args JSON" "rc=$RC text=$(json_get "$OUT" content.0.text 2>/dev/null)" \
    eq "$RC:$(json_get "$OUT" content.0.text 2>/dev/null)" "0:The sum of 1.5 and -4 is -2.5."

  sx call get-structured-content "location=New York" --json
  check "$p/call get-structured-content: structuredContent" "rc=$RC sc=$(json_get "$OUT" structuredContent 2>/dev/null)" \
    eq "$RC:$(json_get "$OUT" structuredContent.temperature 2>/dev/null):$(json_get "$OUT" structuredContent.conditions 2>/dev/null)" "0:33:Cloudy"

  sx call get-tiny-image --json
  check "$p/call get-tiny-image: image block" "rc=$RC" \
    eq "$RC:$(json_get "$OUT" content.1.type 2>/dev/null):$(json_get "$OUT" content.1.mimeType 2>/dev/null)" "0:image:image/png"

  sx call get-resource-reference resourceType=Text resourceId=2 --json
  check "$p/call get-resource-reference: embedded resource" "rc=$RC" \
    eq "$RC:$(json_get "$OUT" content.1.type 2>/dev/null):$(json_get "$OUT" content.1.resource.uri 2>/dev/null)" "0:resource:demo://resource/dynamic/text/2"

  sx call get-resource-links count=2 --json
  check "$p/call get-resource-links: resource_link blocks" "rc=$RC" \
    eq "$RC:$(json_get "$OUT" content.1.type 2>/dev/null):$(json_get "$OUT" content.2.type 2>/dev/null)" "0:resource_link:resource_link"

  sx call no-such-tool --json
  check "$p/call of an unknown tool exits 5 (isError result)" "rc=$RC, want 5" eq "$RC" 5

  # -- resources/read
  sx read demo://resource/static/document/instructions.md --json
  check "$p/read static document" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == "# Everything Server"* ]] && [ "$3" = text/markdown ]' _ \
    "$RC" "$(json_get "$OUT" contents.0.text 2>/dev/null)" "$(json_get "$OUT" contents.0.mimeType 2>/dev/null)"

  sx read demo://resource/dynamic/text/3 --json
  check "$p/read templated text resource" "rc=$RC text=$(json_get "$OUT" contents.0.text 2>/dev/null | head -c 80)" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == "Resource 3: This is a plaintext resource"* ]]' _ "$RC" "$(json_get "$OUT" contents.0.text 2>/dev/null)"

  sx read demo://resource/dynamic/blob/4 --json
  check "$p/read templated blob resource" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && [ "$(printf %s "$2" | base64 -d 2>/dev/null | head -c 11)" = "Resource 4:" ]' _ "$RC" "$(json_get "$OUT" contents.0.blob 2>/dev/null)"

  sx read demo://no/such/resource --json
  check "$p/read of an unknown resource fails (exit 1)" "rc=$RC, want 1" eq "$RC" 1

  # -- prompts/get
  sx prompt simple-prompt --json
  check "$p/prompt simple-prompt" "rc=$RC" \
    eq "$RC:$(json_get "$OUT" messages.0.content.text 2>/dev/null)" "0:This is a simple prompt without arguments."

  sx prompt args-prompt city=Paris state=TX --json
  check "$p/prompt args-prompt city=Paris state=TX" "rc=$RC text=$(json_get "$OUT" messages.0.content.text 2>/dev/null)" \
    eq "$RC:$(json_get "$OUT" messages.0.content.text 2>/dev/null)" "0:What's weather in Paris, TX?"

  sx prompt resource-prompt resourceType=Text resourceId=1 --json
  check "$p/prompt resource-prompt: embedded resource message" "rc=$RC" \
    eq "$RC:$(json_get "$OUT" messages.1.content.type 2>/dev/null)" "0:resource"

  # -- shell session (one JSON line per command)
  printf '%s\n' 'tools' 'call echo {"message":"from shell"}' 'call get-sum {"a":40,"b":2}' \
    'resources' 'read demo://resource/dynamic/text/7' 'prompts' 'prompt args-prompt {"city":"Oslo"}' \
    'ping' 'sleep 100ms' 'quit' > "$WORK/shell.in"
  SX_STDIN="$WORK/shell.in" sx shell --json
  local lines; lines="$WORK/shell.$T.lines"; grep -v '^\s*$' "$OUT" > "$lines" || true
  check "$p/shell: exit 0, one JSON line per command (9 before quit)" "rc=$RC lines=$(wc -l < "$lines")" \
    bash -c '[ "$1" = 0 ] && [ "$2" -ge 9 ]' _ "$RC" "$(wc -l < "$lines")"
  local i cmds="" oks="" l
  for i in $(seq 1 9); do
    l="$(sed -n "${i}p" "$lines")"
    cmds+="$(json_get - cmd <<<"$l" 2>/dev/null) "; oks+="$(json_get - ok <<<"$l" 2>/dev/null) "
  done
  check "$p/shell: commands echoed in order" "got: $cmds" eq "$cmds" "tools call call resources read prompts prompt ping sleep "
  check "$p/shell: every command ok" "got: $oks" eq "$oks" "true true true true true true true true true "
  check "$p/shell: call echo result" "line 2: $(sed -n 2p "$lines" | head -c 200)" \
    eq "$(sed -n 2p "$lines" | json_get - result.content.0.text 2>/dev/null)" "Echo: from shell"
  check "$p/shell: call get-sum result" "line 3: $(sed -n 3p "$lines" | head -c 200)" \
    eq "$(sed -n 3p "$lines" | json_get - result.content.0.text 2>/dev/null)" "The sum of 40 and 2 is 42."
  check "$p/shell: read result" "line 5: $(sed -n 5p "$lines" | head -c 200)" \
    contains "$(sed -n 5p "$lines" | json_get - result.contents.0.text 2>/dev/null)" "Resource 7:"
  check "$p/shell: prompt result" "line 7: $(sed -n 7p "$lines" | head -c 200)" \
    eq "$(sed -n 7p "$lines" | json_get - result.messages.0.content.text 2>/dev/null)" "What's weather in Oslo?"
}

transport_checks() {
  # explicit --transport must agree with what auto-detection found
  case "$T" in
    sse)  sx tools --transport sse --json
          check "sse/--transport sse" "rc=$RC" ok_json ;;
    http) sx tools --transport http --json
          check "http/--transport http" "rc=$RC" ok_json ;;
    stdio) sx call echo message=explicit --transport stdio --json
          check "stdio/--transport stdio" "rc=$RC" eq "$RC:$(json_get "$OUT" content.0.text 2>/dev/null)" "0:Echo: explicit" ;;
  esac
}

unreachable_checks() {
  local port url
  port="$(free_port)"   # nothing listens there
  T=http; url="$URL"; URL="http://127.0.0.1:$port/mcp"
  sx tools --json --timeout 5s
  check "unreachable: closed loopback port exits 4" "rc=$RC, want 4" eq "$RC" 4
  URL="$url"
  T=stdio
  N_RUN=$((N_RUN + 1)); OUT="$WORK/$N_RUN.dead.out"; ERR="$WORK/$N_RUN.dead.err"; LAST_ERR="$ERR"
  set +e; timeout -k 5 "$RUN_TIMEOUT" "$SONDE" tools --json --timeout 5s -- "$NODE22" -e 'process.exit(3)' > "$OUT" 2> "$ERR" < /dev/null; RC=$?; set -e
  check "unreachable: stdio server that exits at once exits 4" "rc=$RC, want 4" eq "$RC" 4
}

# ================================================================================================
# PROTOCOL CHECKS (on unless INTEROP_FULL=0). What they rely on, beyond the CLI contract:
#   * -v logs every message received to stderr, naming its method (e.g. notifications/progress);
#   * headless policies --elicitation accept-defaults|accept:JSON|decline|cancel, --sampling reject|reply:TEXT,
#     --root PATH (declared as capabilities only when given);
#   * sonde asks for progress (progressToken) on tools/call;
#   * a tool whose execution.taskSupport is "required" is called as a task and polled to its result;
#   * shell commands `subscribe URI` and `complete prompt|resource NAME ARG VALUE` (not in the
#     contract yet: adjust here when their syntax is settled).
# server-everything has no paginated lists (no nextCursor anywhere), so pagination is not testable
# against it; the Go peers (go-sdk / mcp-go) are the place for that.
# ================================================================================================
full_checks() {
  local p="$T"
  # progress: trigger-long-running-operation sends notifications/progress per step when asked
  sx call trigger-long-running-operation duration=1 steps=2 --json -v
  check "$p/full/progress: notifications/progress seen (-v)" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && grep -q "notifications/progress" "$2"' _ "$RC" "$ERR"

  # logging: toggle-simulated-logging starts a notifications/message every 5 s (HTTP: on the GET stream)
  printf '%s\n' 'call toggle-simulated-logging {}' 'sleep 6s' 'quit' > "$WORK/log.in"
  SX_STDIN="$WORK/log.in" sx shell --json -v
  check "$p/full/logging: notifications/message seen (-v)" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && grep -q "notifications/message" "$2"' _ "$RC" "$ERR"

  # elicitation (form): trigger-elicitation-request is only listed when elicitation is declared
  # its form requires "name", which has no default: accept-defaults declines (and says why on
  # stderr) rather than send "name": ""; accept:JSON supplies it over the defaults
  sx call trigger-elicitation-request --elicitation accept-defaults --json
  check "$p/full/elicitation accept-defaults declines a required field without default" "rc=$RC err=$(head -c 200 "$ERR")" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == *"declined"* ]] && grep -q "required field \"name\" has no default" "$3"' _ \
    "$RC" "$(json_pluck "$OUT" content text 2>/dev/null)" "$ERR"
  sx call trigger-elicitation-request --elicitation 'accept:{"name":"sonde"}' --json
  check "$p/full/elicitation accept:JSON" "rc=$RC text=$(json_pluck "$OUT" content text 2>/dev/null | tr '\n' ' ' | head -c 160)" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == *"\"action\": \"accept\""* ]] && [[ "$2" == *"It was a dark and stormy night."* ]] && [[ "$2" == *"sonde"* ]]' _ \
    "$RC" "$(json_pluck "$OUT" content text 2>/dev/null)"
  sx call trigger-elicitation-request --elicitation decline --json
  check "$p/full/elicitation decline" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == *"declined"* ]]' _ "$RC" "$(json_pluck "$OUT" content text 2>/dev/null)"

  # sampling
  sx call trigger-sampling-request prompt=ping maxTokens=5 --sampling reply:pong-from-sonde --json
  check "$p/full/sampling reply" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == *"pong-from-sonde"* ]]' _ "$RC" "$(json_get "$OUT" content.0.text 2>/dev/null)"
  sx call trigger-sampling-request prompt=ping --sampling reject --json
  check "$p/full/sampling reject -> tool error (exit 5)" "rc=$RC, want 5" eq "$RC" 5

  # roots: get-roots-list is listed when roots are declared; the server asks roots/list itself
  sx call get-roots-list --root /tmp --json
  check "$p/full/roots --root /tmp" "rc=$RC text=$(json_get "$OUT" content.0.text 2>/dev/null | head -c 120)" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == *"file:///tmp"* ]]' _ "$RC" "$(json_get "$OUT" content.0.text 2>/dev/null)"

  # subscriptions: subscribe, then toggle-subscriber-updates sends notifications/resources/updated every 5 s
  printf '%s\n' 'subscribe demo://resource/static/document/features.md' 'call toggle-subscriber-updates {}' 'sleep 6s' 'quit' > "$WORK/sub.in"
  SX_STDIN="$WORK/sub.in" sx shell --json -v
  check "$p/full/subscriptions: notifications/resources/updated seen" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && grep -q "notifications/resources/updated" "$2"' _ "$RC" "$ERR"

  # completions: completable-prompt's `name` completes from `department`; templates complete resourceId
  printf '%s\n' 'complete prompt completable-prompt department Eng' 'quit' > "$WORK/cmp.in"
  SX_STDIN="$WORK/cmp.in" sx shell --json
  check "$p/full/completions: completion/complete on a prompt argument" "rc=$RC out=$(head -c 200 "$OUT")" \
    bash -c '[ "$1" = 0 ] && grep -q "Engineering" "$2"' _ "$RC" "$OUT"

  # tasks: simulate-research-query has execution.taskSupport "required"
  sx call simulate-research-query topic=interop --json
  check "$p/full/task: simulate-research-query runs as a task to completion" "rc=$RC" \
    bash -c '[ "$1" = 0 ] && [[ "$2" == *"Research Report: interop"* ]]' _ "$RC" "$(json_get "$OUT" content.0.text 2>/dev/null)"
}

# ------------------------------------------------------------------------------------------------
preflight
for T in $TRANSPORTS; do
  case "$T" in
    stdio) URL="" ;;
    sse)   start_everything sse; URL="$EVERYTHING_URL" ;;
    http)  start_everything streamableHttp; URL="$EVERYTHING_URL" ;;
    *) die "unknown transport '$T' in INTEROP_TRANSPORTS (stdio sse http)" ;;
  esac
  echo "== $T ${URL:-(${EVERYTHING_STDIO[*]})}"
  basic_checks
  transport_checks
  if [ "${INTEROP_FULL:-1}" = 1 ]; then full_checks; fi
  if [ "$T" = http ]; then unreachable_checks; fi
done

echo
if [ "$FAILED" -gt 0 ]; then
  echo "failed checks:"; printf '  %s\n' "${FAILED_NAMES[@]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
