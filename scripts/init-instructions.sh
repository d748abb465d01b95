#!/usr/bin/env bash
# scripts/init-instructions.sh — start-up cost in instructions, which do not move with the machine's
# load (wall and CPU times on the shared 2-core machine move 2-3x from run to run): callgrind counts
# the instructions of package initialisation (everything under runtime.doInit1) and of the whole
# process, for `sonde --version` and for the bare clients started without arguments (they only
# initialise and print their usage), then lists sonde's heaviest package inits. The per-package list
# runs with GOGC=off so that a collection's cost is not charged to whichever init happened to
# allocate when it started. Needs valgrind.
#
#   scripts/init-instructions.sh                    sonde (a fresh build) and the bare clients
#   SONDE_BIN=/path/to/sonde scripts/init-instructions.sh
#   SONDE_BASE=/path/to/old/sonde scripts/init-instructions.sh   also a build of main, before/after
#   INIT_TOP=30 scripts/init-instructions.sh        a longer list of packages (default 15)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null || die "needs valgrind (callgrind)"
TOP="${INIT_TOP:-15}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-initinstr.XXXXXX")"
on_exit "rm -rf '$WORK'"

build_bench_clients "$WORK"
BASE="${SONDE_BASE:-}"
[ -z "$BASE" ] || [ -x "$BASE" ] || die "SONDE_BASE=$BASE is not an executable"

# grind OUT [CALLGRIND OPTIONS] -- ARGV...: callgrind with the runtime kept to one thread and no
# asynchronous preemption (callgrind stumbles on Go's preemption signals); prints the instruction
# count.
grind() {
  local out="$1" opts=(); shift
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind "${opts[@]}" --callgrind-out-file="$out" "$@" \
    >/dev/null 2>"$out.err" || true # the bare clients exit 1 after their usage
  awk '/ I +refs:/ { gsub(",", "", $NF); print $NF }' "$out.err"
}
millions() { awk -v n="$1" 'BEGIN { printf "%.2f M", n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3fx", a / b }'; }

declare -A INIT=() ALL=()
LABELS=(sonde)
declare -A BIN=([sonde]="$SONDE" [bare-mcp-go]="$WORK/bare-mcp-go" [bare-go-sdk]="$WORK/bare-go-sdk")
[ -z "$BASE" ] || { LABELS+=(base); BIN[base]="$BASE"; }
LABELS+=(bare-mcp-go bare-go-sdk)
for l in "${LABELS[@]}"; do
  argv=("${BIN[$l]}")
  case "$l" in sonde | base) argv+=(--version) ;; esac
  INIT[$l]="$(grind "$WORK/$l.init" --toggle-collect=runtime.doInit1 -- "${argv[@]}")"
  ALL[$l]="$(grind "$WORK/$l.all" -- "${argv[@]}")"
done

echo "== start-up in instructions (callgrind): package initialisation and the whole process"
printf '%-12s %12s %14s\n' "" "init" "whole process"
for l in "${LABELS[@]}"; do printf '%-12s %12s %14s\n' "$l" "$(millions "${INIT[$l]}")" "$(millions "${ALL[$l]}")"; done
printf 'sonde/bare-mcp-go: init %s, whole process %s\n' "$(ratio "${INIT[sonde]}" "${INIT[bare-mcp-go]}")" "$(ratio "${ALL[sonde]}" "${ALL[bare-mcp-go]}")"
[ -z "$BASE" ] || printf 'sonde/base: init %s, whole process %s\n' "$(ratio "${INIT[sonde]}" "${INIT[base]}")" "$(ratio "${ALL[sonde]}" "${ALL[base]}")"

echo "== sonde's heaviest package inits (instructions, GOGC=off)"
GOGC=off grind "$WORK/pkgs.out" --toggle-collect=runtime.doInit1 -- "$SONDE" --version >/dev/null
# a package's init functions are pkg.init and pkg.init.N (pkg.map.init.N, the map initialisers they
# call, and methods named init are not package inits); inclusive costs, each function once. The
# shares are approximate (callgrind's inclusive costs blur where init functions share callees, and
# a package's first use of a runtime cache is charged to it); the totals above are exact.
callgrind_annotate --inclusive=yes --threshold=100 "$WORK/pkgs.out" 2>/dev/null | awk -v top="$TOP" '
  $NF ~ /^\[.*\]$/ {
    f = $(NF - 1); sub(/^.*:/, "", f)
    if (f !~ /\.init(\.[0-9]+)?$/ || f ~ /\(/ || f ~ /\.map\.init/ || seen[f]++) next
    n = $1; gsub(",", "", n); p = f; sub(/\.init(\.[0-9]+)?$/, "", p); cost[p] += n
  }
  END {
    for (p in cost) printf "%d %s\n", cost[p], p | "sort -n -r | head -" top
  }' | awk '{ printf "%10.3f M  %s\n", $1 / 1e6, $2 }'
