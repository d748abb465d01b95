#!/usr/bin/env bash
# scripts/bench-peers.sh — one-shot tools/call latency, sonde vs the official Inspector CLI 2.12.0
# (both pinned), against server-everything over Streamable HTTP and stdio, on loopback.
# Each run is a whole process: start, connect/handshake, call get-sum a=2 b=3, exit.
#
#   scripts/bench-peers.sh                  N=10 runs per command (BENCH_RUNS=N to change)
#   BENCH_TRANSPORTS="http" scripts/bench-peers.sh      only some transports (http stdio)
#   SONDE_BIN=/path/to/sonde scripts/bench-peers.sh     use a prebuilt binary
#
# Uses hyperfine when present (as root it apt-get installs the Debian package if missing;
# BENCH_NO_APT=1 prevents that), else a bash timing loop (BENCH_NO_HYPERFINE=1 forces the loop). Prints median seconds per command and the
# ratio Inspector/sonde (> 1 means sonde is faster).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${BENCH_RUNS:-10}"
TRANSPORTS="${BENCH_TRANSPORTS:-http stdio}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-bench.XXXXXX")"
on_exit "rm -rf '$WORK'"

if [ -n "${SONDE_BIN:-}" ]; then
  SONDE="$SONDE_BIN"; [ -x "$SONDE" ] || die "SONDE_BIN=$SONDE is not an executable"
else
  BIN="${SONDE_BIN_DIR:-$REPO_ROOT/bin}"; mkdir -p "$BIN"
  log "building sonde"
  (cd "$REPO_ROOT" && go build -o "$BIN/sonde" .) || die "go build of sonde failed (see above)"
  SONDE="$BIN/sonde"
fi
log "installing pinned peers (Inspector 2.12.0, server-everything, Node 22)"
peers_install main node22

if ! command -v hyperfine >/dev/null && [ "${BENCH_NO_APT:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing hyperfine (Debian package)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1 || log "hyperfine not installable; using a bash loop"
  fi
fi

# The Inspector keeps state under $HOME/.mcp-inspector: give it a scratch HOME.
mkdir -p "$WORK/home"
INSPECTOR=(env "HOME=$WORK/home" "MCP_CATALOG_PATH=$WORK/home/catalog.json" "PATH=$(dirname "$NODE22"):$PATH" "$NODE22" "$INSPECTOR_JS" --cli)
EXPECT="The sum of 2 and 3 is 5."

q() { printf '%q ' "$@"; }   # shell-quote a command line for hyperfine
declare -a LABELS=() CMDS=()
add() { LABELS+=("$1"); CMDS+=("$2"); }

for t in $TRANSPORTS; do
  case "$t" in
    http)
      start_everything streamableHttp
      add "sonde/http"     "$(q "$SONDE" call "$EVERYTHING_URL" get-sum a=2 b=3 --json)"
      add "inspector/http" "$(q "${INSPECTOR[@]}" "$EVERYTHING_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3)"
      ;;
    stdio)
      add "sonde/stdio"     "$(q "$SONDE" call get-sum a=2 b=3 --json -- "${EVERYTHING_STDIO[@]}")"
      add "inspector/stdio" "$(q "${INSPECTOR[@]}" "${EVERYTHING_STDIO[@]}" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3)"
      ;;
    *) die "unknown transport '$t' (http stdio)" ;;
  esac
done

# preflight: every command must work once and print the sum
for i in "${!CMDS[@]}"; do
  if ! out="$(timeout 60 bash -c "${CMDS[$i]}" 2>"$WORK/pre.err")" || [[ "$out" != *"$EXPECT"* ]]; then
    echo "FAIL ${LABELS[$i]}: did not print '$EXPECT'" >&2
    echo "  command: ${CMDS[$i]}" >&2
    echo "  stdout: $(head -c 300 <<<"$out")" >&2
    echo "  stderr: $(head -c 300 "$WORK/pre.err")" >&2
    [[ "${LABELS[$i]}" == sonde/* ]] && echo "  (sonde's 'call' command of the CLI contract is not implemented yet, or is broken)" >&2
    exit 1
  fi
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else printf "%.6f\n", (a[NR/2]+a[NR/2+1])/2}'; }
declare -A MED=()
if command -v hyperfine >/dev/null && [ "${BENCH_NO_HYPERFINE:-0}" != 1 ]; then
  log "hyperfine: $RUNS runs per command"
  hargs=(--warmup 1 --runs "$RUNS" --shell bash --style basic --export-json "$WORK/h.json")
  for i in "${!CMDS[@]}"; do hargs+=(-n "${LABELS[$i]}" "${CMDS[$i]} >/dev/null 2>&1"); done
  hyperfine "${hargs[@]}" >&2
  for i in "${!CMDS[@]}"; do
    MED[${LABELS[$i]}]="$(json_get "$WORK/h.json" "results.$i.median")"
  done
else
  log "bash loop: $RUNS runs per command (no hyperfine)"
  for i in "${!CMDS[@]}"; do
    bash -c "${CMDS[$i]}" >/dev/null 2>&1 || true   # warmup
    for _ in $(seq 1 "$RUNS"); do
      s=$(date +%s%N); bash -c "${CMDS[$i]}" >/dev/null 2>&1; e=$(date +%s%N)
      awk -v d=$((e - s)) 'BEGIN {printf "%.6f\n", d/1e9}'
    done | median > "$WORK/m.$i"
    MED[${LABELS[$i]}]="$(cat "$WORK/m.$i")"
  done
fi

echo
printf '%-10s %14s %18s %18s\n' transport "sonde median s" "inspector median s" "inspector/sonde"
for t in $TRANSPORTS; do
  s="${MED[sonde/$t]}"; n="${MED[inspector/$t]}"
  r="$(awk -v a="$n" -v b="$s" 'BEGIN { if (b > 0) printf "%.1fx", a/b; else print "n/a" }')"
  printf '%-10s %14.3f %18.3f %18s\n' "$t" "$s" "$n" "$r"
done
