#!/usr/bin/env bash
# scripts/bench-fixtures.sh — memory and time of sonde mock and sonde rerun on a small and a large
# recording, side by side (issue 14: a recording of 1,000,000 events is served and re-run in the
# memory of one of 10,000, aim <= 2x). The recordings come from scripts/bench-fixtures (every tenth
# event a tool call with arguments of its own). For each size: sonde mock serves the recording
# (--speed instant, its log to /dev/null), sonde rerun re-drives every recorded request against it,
# both under /usr/bin/time -v (peak RSS); then the ratios.
#
#   scripts/bench-fixtures.sh                       10,000 and 1,000,000 events
#   BENCH_SIZES="10000 100000" scripts/bench-fixtures.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SIZES="${BENCH_SIZES:-10000 1000000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-bench-fixtures.XXXXXX")"
if [ "${BENCH_KEEP:-0}" = 1 ]; then on_exit "echo kept $WORK >&2"; else on_exit "rm -rf '$WORK'"; fi
[ -x /usr/bin/time ] || die "needs GNU time (/usr/bin/time -v): apt-get install time"

log "building sonde and the recording generator"
(cd "$REPO_ROOT" && go build -o "$WORK/sonde" . && go build -o "$WORK/gen" ./scripts/bench-fixtures) || die "build failed"
SONDE="$WORK/sonde"

kb() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

declare -A MOCK_KB RERUN_KB UP RERUN_S MB REQS
for n in $SIZES; do
  rec="$WORK/rec-$n.jsonl"
  "$WORK/gen" -n "$n" -o "$rec"
  MB[$n]="$(awk -v b="$(stat -c %s "$rec")" 'BEGIN { printf "%.1f", b / 1048576 }')"
  url="$WORK/url-$n"
  t0="$(now)"
  /usr/bin/time -v -o "$WORK/mock-$n.time" "$SONDE" mock "$rec" --speed instant > "$url" 2>/dev/null &
  tpid=$!
  on_exit "pkill -INT -P $tpid 2>/dev/null || true"
  for _ in $(seq 1 3000); do [ -s "$url" ] && break; kill -0 "$tpid" 2>/dev/null || die "the mock of $n events exited"; sleep 0.05; done
  UP[$n]="$(secs "$t0" "$(now)")"
  t0="$(now)"
  set +e
  /usr/bin/time -v -o "$WORK/rerun-$n.time" "$SONDE" rerun "$rec" "$(head -1 "$url")" > "$WORK/rerun-$n.out" 2> "$WORK/rerun-$n.err"
  rc=$?
  set -e
  RERUN_S[$n]="$(secs "$t0" "$(now)")"
  pkill -INT -P "$tpid" || true # /usr/bin/time ignores SIGINT: signal its child, the mock
  wait "$tpid" || true
  [ "$rc" = 0 ] || { tail -5 "$WORK/rerun-$n.err" >&2; die "rerun of $n events exited $rc"; }
  REQS[$n]="$(tail -1 "$WORK/rerun-$n.out" | awk '{print $1}')"
  MOCK_KB[$n]="$(kb "$WORK/mock-$n.time")"; RERUN_KB[$n]="$(kb "$WORK/rerun-$n.time")"
  log "$n events: $(tail -1 "$WORK/rerun-$n.out")"
done

printf '%-10s %8s %9s %12s %14s %13s %15s\n' events file-MB requests "mock up (s)" "mock peak KB" "rerun (s)" "rerun peak KB"
for n in $SIZES; do
  printf '%-10s %8s %9s %12s %14s %13s %15s\n' "$n" "${MB[$n]}" "${REQS[$n]}" "${UP[$n]}" "${MOCK_KB[$n]}" "${RERUN_S[$n]}" "${RERUN_KB[$n]}"
done
set -- $SIZES
first="$1"; last="${!#}"
awk -v a="${MOCK_KB[$last]}" -v b="${MOCK_KB[$first]}" -v c="${RERUN_KB[$last]}" -v d="${RERUN_KB[$first]}" -v l="$last" -v f="$first" \
  'BEGIN { printf "peak RSS %s vs %s events: mock %.2fx, rerun %.2fx\n", l, f, a / b, c / d }'
