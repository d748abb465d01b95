#!/usr/bin/env bash
# scripts/init-budget.sh — fails when sonde's package initialisation (GODEBUG=inittrace=1, the clock
# times summed) grows well past the bare mcp-go client's (scripts/bare-client), which links the same
# JSON Schema validator sonde does. Medians of alternating runs; the margin is generous (a machine
# shared with other work is noisy): what it catches is a package building tables, lexers or styles
# at init again (chroma and go-runewidth once added 60-70 ms). TestInitStaysLight (package main)
# checks the allocations at init, which do not depend on load.
#
#   scripts/init-budget.sh            INIT_RUNS=21 runs each, INIT_MARGIN_MS=10
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUNS="${INIT_RUNS:-21}"
MARGIN="${INIT_MARGIN_MS:-10}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-init.XXXXXX")"
on_exit "rm -rf '$WORK'"
(cd "$REPO_ROOT" && go build -o "$WORK/sonde" . && go build -o "$WORK/bare-mcp-go" ./scripts/bare-client \
  && go build -o "$WORK/bench-startup" ./scripts/bench-startup) || die "go build failed"
"$WORK/bench-startup" init -runs "$RUNS" -tsv "$WORK/init.tsv" \
  -cmd sonde "$WORK/sonde" --version -cmd bare-mcp-go "$WORK/bare-mcp-go"
sonde="$(awk -F'\t' '$1 == "sonde" {print $2}' "$WORK/init.tsv")"
bare="$(awk -F'\t' '$1 == "bare-mcp-go" {print $2}' "$WORK/init.tsv")"
if awk -v s="$sonde" -v b="$bare" -v m="$MARGIN" 'BEGIN { exit !(s > b + m) }'; then
  echo "FAIL: sonde's package initialisation takes $sonde ms, over the bare mcp-go client's $bare ms + $MARGIN ms" >&2
  echo "  see which package: GODEBUG=inittrace=1 sonde --version 2>&1 | sort -k5 -n -r | head" >&2
  exit 1
fi
echo "PASS: package initialisation: sonde $sonde ms, bare mcp-go client $bare ms (budget: + $MARGIN ms)"
