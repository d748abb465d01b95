#!/usr/bin/env bash
# scripts/conformance.sh — the official MCP conformance suite (client side) against sonde's
# conformance driver, for both pinned suite versions:
#   @modelcontextprotocol/conformance 0.1.16         (2025-06-18 / 2025-11-25 scenarios)
#   @modelcontextprotocol/conformance 0.2.0-alpha.12 (adds the 2026-07-28 scenarios)
# Every client scenario runs, the auth/* ones (sign-in) included with their extension scenarios (client
# credentials, DPoP, workload identity, enterprise-managed authorization); other extension-only
# scenarios, e.g. the SEP-2640 skills ones, only with CONFORMANCE_EXTENSIONS=1. Scenarios that apply both to a legacy revision and to
# 2026-07-28 run twice in 0.2.0-alpha.12: at their default wire and with --spec-version 2026-07-28
# (shown as NAME@2026-07-28). sse-retry runs alone, after the others, because of its timing window.
#
#   scripts/conformance.sh                      build ./cmd/conformance, install suites + Node 22, run all
#   CONFORMANCE_SUITES=0.1.16 scripts/conformance.sh            one suite (0.1.16 | 0.2.0-alpha.12)
#   CONFORMANCE_SCENARIOS="tools_call sse-retry" scripts/conformance.sh   only these scenarios
#   CONFORMANCE_CMD="/abs/path/client" scripts/conformance.sh  test another client (no spaces in path)
#   CONFORMANCE_JOBS=2                          scenarios run in parallel (default 2; sse-retry always alone)
#   CONFORMANCE_RESULTS=DIR                     where results go (default <repo>/results/conformance)
#
# Output: one line per scenario and a "Total: N passed, N failed, N warnings" line per suite, as the
# suite's own --suite runner prints them; exit 1 if any check failed, any check warned, or the
# runner itself failed (client timeout, non-zero client exit, crash).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITES="${CONFORMANCE_SUITES:-0.1.16 0.2.0-alpha.12}"
JOBS="${CONFORMANCE_JOBS:-2}"
RESULTS="${CONFORMANCE_RESULTS:-$REPO_ROOT/results/conformance}"
CLIENT_TIMEOUT_MS="${CONFORMANCE_TIMEOUT_MS:-30000}"

# ------------------------------------------------------------------------------------------------
# build the driver, install the suites
# ------------------------------------------------------------------------------------------------
if [ -n "${CONFORMANCE_CMD:-}" ]; then
  CMD="$CONFORMANCE_CMD"
else
  [ -d "$REPO_ROOT/cmd/conformance" ] || die "sonde's conformance driver ./cmd/conformance does not exist yet (nothing to test)"
  BIN="${SONDE_BIN_DIR:-$REPO_ROOT/bin}"
  # the suite splits --command on spaces: the driver's path must not contain any
  if [[ "$BIN" == *" "* ]]; then BIN="$(mktemp -d /tmp/sonde-bin.XXXXXX)"; on_exit "rm -rf '$BIN'"; fi
  mkdir -p "$BIN"
  log "building sonde-conformance"
  (cd "$REPO_ROOT" && go build -o "$BIN/sonde-conformance" ./cmd/conformance) || die "go build ./cmd/conformance failed (see above)"
  CMD="$BIN/sonde-conformance"
fi
log "installing the conformance suites and Node 22 into $PEERS_DIR"
peers_install main alpha node22

suite_js() {
  case "$1" in
    0.1.16) echo "$CONFORMANCE_JS" ;;
    0.2.0-alpha.12) echo "$CONFORMANCE_ALPHA_JS" ;;
    *) die "unknown suite '$1' (0.1.16 | 0.2.0-alpha.12)" ;;
  esac
}
# The suite's mock servers listen on all interfaces; the loopback preload pins them to 127.0.0.1.
conf() { "$NODE22" --require "$LOOPBACK_SHIM" "$@"; }

# scenario plan of a suite: lines "NAME" or "NAME@SPEC_VERSION"
plan() {
  local js="$1" line name tags
  conf "$js" list --client | while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]+-[[:space:]]+([^[:space:]]+)[[:space:]]*(\[(.*)\])?$ ]] || continue
    name="${BASH_REMATCH[1]}"; tags="${BASH_REMATCH[3]}"
    # auth/* extension scenarios (client credentials, DPoP, workload identity, enterprise) always run
    if [[ "$tags" == extension ]] && [[ "$name" != auth/* ]] && [ "${CONFORMANCE_EXTENSIONS:-0}" != 1 ]; then continue; fi
    if [ -n "${CONFORMANCE_SCENARIOS:-}" ] && [[ " $CONFORMANCE_SCENARIOS " != *" $name "* ]]; then continue; fi
    echo "$name"
    # applies to a legacy revision and to 2026-07-28: also run it at the 2026-07-28 wire
    if [[ ",$tags," == *",2026-07-28,"* ]] && [[ "$tags" == *2025-* ]]; then echo "$name@2026-07-28"; fi
  done
}

# run_one SUITE JS LABEL -> writes $RESULTS/SUITE/LABEL/{run.log,rc,counts}
run_one() {
  local suite="$1" js="$2" label="$3" name="${3%@*}" ver="" dir rc
  if [[ "$label" == *@* ]]; then ver="${label#*@}"; fi
  dir="$RESULTS/$suite/$label"
  rm -rf "$dir"; mkdir -p "$dir"
  local args=(client --command "$CMD" --scenario "$name" --timeout "$CLIENT_TIMEOUT_MS" -o "$dir")
  if [ -n "$ver" ]; then args+=(--spec-version "$ver"); fi
  set +e
  timeout -k 5 $(( CLIENT_TIMEOUT_MS / 1000 + 60 )) "$NODE22" --require "$LOOPBACK_SHIM" "$js" "${args[@]}" > "$dir/run.log" 2>&1
  rc=$?
  set -e
  echo "$rc" > "$dir/rc"
  local checks; checks="$(find "$dir" -name checks.json -print -quit)"
  if [ -n "$checks" ]; then
    printf '%s %s %s\n' "$(json_count_status "$checks" SUCCESS)" "$(json_count_status "$checks" FAILURE)" \
      "$(json_count_status "$checks" WARNING)" > "$dir/counts"
  elif grep -q '^SKIPPED:' "$dir/run.log"; then
    echo "skipped" > "$dir/counts"
  else
    echo "0 0 0" > "$dir/counts"
  fi
}
json_count_status() { # checks.json STATUS
  if command -v jq >/dev/null; then jq --arg s "$2" '[.[] | select(.status == $s)] | length' "$1"
  else "$NODE22" -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(c.filter(x=>x.status===process.argv[2]).length)' "$1" "$2"; fi
}
failed_checks() { # checks.json -> "  - id: message" for FAILURE and WARNING checks
  if command -v jq >/dev/null; then
    jq -r '.[] | select(.status == "FAILURE" or .status == "WARNING") | "    - [\(.status)] \(.id) \(.name): \(.errorMessage // .description)"' "$1"
  else
    "$NODE22" -e 'for (const x of JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"))) if (x.status==="FAILURE"||x.status==="WARNING") console.log(`    - [${x.status}] ${x.id} ${x.name}: ${x.errorMessage||x.description}`)' "$1"
  fi
}

OVERALL=0
for suite in $SUITES; do
  js="$(suite_js "$suite")"
  mapfile -t PLAN < <(plan "$js")
  [ "${#PLAN[@]}" -gt 0 ] || { echo "== conformance $suite: no scenarios selected"; continue; }
  echo "== conformance $suite: ${#PLAN[@]} runs (${PLAN[*]})"
  rm -rf "${RESULTS:?}/$suite"
  # everything but sse-retry, JOBS at a time
  running=0
  for label in "${PLAN[@]}"; do
    [[ "$label" == sse-retry* ]] && continue
    run_one "$suite" "$js" "$label" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
  done
  wait
  # sse-retry alone: its reconnect must land 450-700 ms after the stream closes (0.1.16)
  for label in "${PLAN[@]}"; do
    if [[ "$label" == sse-retry* ]]; then run_one "$suite" "$js" "$label"; fi
  done

  tp=0; tf=0; tw=0; skipped=0; bad=0
  for label in "${PLAN[@]}"; do
    dir="$RESULTS/$suite/$label"
    rc="$(cat "$dir/rc")"; counts="$(cat "$dir/counts")"
    if [ "$counts" = skipped ]; then skipped=$((skipped + 1)); echo "- $label: skipped"; continue; fi
    read -r p f w <<<"$counts"
    tp=$((tp + p)); tf=$((tf + f)); tw=$((tw + w))
    status="✓"; note=""
    if [ "$f" -gt 0 ] || [ "$w" -gt 0 ] || [ "$rc" != 0 ] || [ "$((p + f + w))" = 0 ]; then status="✗"; bad=$((bad + 1)); fi
    if [ "$rc" != 0 ]; then note=" (runner exit $rc)"; fi
    wstr=""; if [ "$w" -gt 0 ]; then wstr=", $w warnings"; fi
    echo "$status $label: $p passed, $f failed$wstr$note"
    if [ "$status" = "✗" ]; then
      checks="$(find "$dir" -name checks.json -print -quit)"
      if [ -n "$checks" ]; then failed_checks "$checks"; fi
      grep -E 'TIMED OUT|EXITED WITH ERROR|Client test error' "$dir/run.log" | head -5 | sed 's/^/    | /' || true
      echo "    log: $dir/run.log"
    fi
  done
  sk=""; if [ "$skipped" -gt 0 ]; then sk=", $skipped skipped"; fi
  echo "Total: $tp passed, $tf failed, $tw warnings$sk"
  if [ "$bad" -gt 0 ]; then OVERALL=1; fi
  echo
done
echo "results: $RESULTS"
exit "$OVERALL"
