#!/usr/bin/env bash
# scripts/bench-peers.sh — start-up and one-shot latency, side by side in one run (issue 16):
#
#  1. one-shot tools/call (start, connect/handshake, call get-sum a=2 b=3, exit) against
#     server-everything over Streamable HTTP and stdio: sonde, the bare clients (the floor: the least a
#     Go program on mcp-go, or on the go-sdk, does; scripts/bare-client) and the official Inspector
#     CLI 2.12.0. Wall time, and over stdio the client's own CPU time (its CPU minus its server's:
#     the server runs under `bench-startup cpu-of`);
#  2. package initialisation (GODEBUG=inittrace=1, summed): sonde and the bare clients;
#  3. the TUI's first frame: process start to the first screen showing the server's tools and the
#     connected state (tmux, polled), and the CPU time the process had used by then, against
#     `sonde demo`'s server started on its own (scripts/demo-server), next to a one-shot
#     `sonde call` to the same server and to the floor: a bare Bubble Tea client on the go-sdk that
#     draws the tools and nothing else (scripts/bare-tui).
#
# Commands run in alternating order, round after round (scripts/bench-startup), so that load on the
# machine falls on all of them alike; the tables give medians and the summary ratios of medians.
#
#   scripts/bench-peers.sh                      BENCH_RUNS=10 rounds (BENCH_RUNS=N to change)
#   BENCH_PARTS="call init frame" scripts/bench-peers.sh       only some parts
#   BENCH_TRANSPORTS="http stdio" scripts/bench-peers.sh       the transports of part 1
#   BENCH_NO_INSPECTOR=1 scripts/bench-peers.sh                part 1 without the Inspector (no npm)
#   SONDE_BIN=/path/to/sonde scripts/bench-peers.sh            use a prebuilt sonde
#   SONDE_BASE=/path/to/old/sonde scripts/bench-peers.sh       also time another sonde (a build of main:
#                                                              before/after a change, side by side)
#   BENCH_NOVALIDATOR=1 scripts/bench-peers.sh                 also time a measurement build of sonde whose
#                                                              JSON Schema validator skips its package init
#                                                              (rows "noval": what that init costs; lib.sh)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${BENCH_RUNS:-10}"
PARTS="${BENCH_PARTS:-call init frame}"
TRANSPORTS="${BENCH_TRANSPORTS:-http stdio}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-bench.XXXXXX")"
on_exit "rm -rf '$WORK'"
want() { [[ " $PARTS " == *" $1 "* ]]; }

log "building sonde, the bare clients, bench-startup, demo-server and bare-tui"
build_bench_clients "$WORK"
(cd "$REPO_ROOT" && go build -o "$WORK/bench-startup" ./scripts/bench-startup \
  && go build -o "$WORK/demo-server" ./scripts/demo-server && go build -o "$WORK/bare-tui" ./scripts/bare-tui) || die "go build of the bench tools failed"
BS="$WORK/bench-startup"
BASE="${SONDE_BASE:-}"
NOVAL=""
if [ "${BENCH_NOVALIDATOR:-0}" = 1 ]; then
  log "building the measurement build without the validator's package init"
  build_novalidator "$WORK"
fi
[ -z "$BASE" ] || [ -x "$BASE" ] || die "SONDE_BASE=$BASE is not an executable"

declare -A MED=() CPU=() OWN=() INIT=()
read_tsv() { # FILE: label wall cpu own
  local l w c o
  while IFS=$'\t' read -r l w c o; do MED[$l]="$w"; CPU[$l]="$c"; OWN[$l]="$o"; done < "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2fx", a/b; else print "n/a" }'; }

# ------------------------------------------------------------------------------ 1. one-shot call
if want call; then
  INSPECTOR=()
  if [ "${BENCH_NO_INSPECTOR:-0}" != 1 ]; then
    log "installing pinned peers (Inspector 2.12.0, server-everything, Node 22)"
    peers_install main node22
    mkdir -p "$WORK/home"   # the Inspector keeps state under $HOME/.mcp-inspector
    INSPECTOR=(env "HOME=$WORK/home" "MCP_CATALOG_PATH=$WORK/home/catalog.json" "PATH=$(dirname "$NODE22"):$PATH" "$NODE22" "$INSPECTOR_JS" --cli)
  else
    peers_install main node22
  fi
  CMDS=()
  for t in $TRANSPORTS; do
    case "$t" in
      http)
        start_everything streamableHttp
        CMDS+=(-cmd sonde/http "$SONDE" call "$EVERYTHING_URL" get-sum a=2 b=3 --json)
        [ -z "$BASE" ] || CMDS+=(-cmd base/http "$BASE" call "$EVERYTHING_URL" get-sum a=2 b=3 --json)
        [ -z "$NOVAL" ] || CMDS+=(-cmd noval/http "$NOVAL" call "$EVERYTHING_URL" get-sum a=2 b=3 --json)
        # KEY:=JSON needs no schema: no tools/list before the call, as the bare clients
        CMDS+=(-cmd sonde-json/http "$SONDE" call "$EVERYTHING_URL" get-sum a:=2 b:=3 --json)
        CMDS+=(-cmd bare-mcp-go/http "$WORK/bare-mcp-go" "$EVERYTHING_URL" get-sum a=2 b=3)
        CMDS+=(-cmd bare-go-sdk/http "$WORK/bare-go-sdk" "$EVERYTHING_URL" get-sum a=2 b=3)
        [ ${#INSPECTOR[@]} -eq 0 ] || CMDS+=(-cmd inspector/http "${INSPECTOR[@]}" "$EVERYTHING_URL" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3)
        ;;
      stdio)
        SERVER=("$BS" cpu-of -- "${EVERYTHING_STDIO[@]}")
        CMDS+=(-cmd sonde/stdio "$SONDE" call get-sum a=2 b=3 --json -- "${SERVER[@]}")
        [ -z "$BASE" ] || CMDS+=(-cmd base/stdio "$BASE" call get-sum a=2 b=3 --json -- "${SERVER[@]}")
        [ -z "$NOVAL" ] || CMDS+=(-cmd noval/stdio "$NOVAL" call get-sum a=2 b=3 --json -- "${SERVER[@]}")
        CMDS+=(-cmd bare-mcp-go/stdio "$WORK/bare-mcp-go" get-sum a=2 b=3 -- "${SERVER[@]}")
        # no bare-go-sdk over stdio: the go-sdk's CommandTransport waits 5 s for server-everything to
        # exit after closing its stdin before it signals it, so it measures that wait
        [ ${#INSPECTOR[@]} -eq 0 ] || CMDS+=(-cmd inspector/stdio "${INSPECTOR[@]}" "${SERVER[@]}" --method tools/call --tool-name get-sum --tool-arg a=2 --tool-arg b=3)
        ;;
      *) die "unknown transport '$t' (http stdio)" ;;
    esac
  done
  log "one-shot tools/call: $RUNS rounds, alternating"
  echo "== one-shot tools/call get-sum against server-everything (medians of $RUNS)"
  "$BS" -runs "$RUNS" -expect "The sum of 2 and 3 is 5." -tsv "$WORK/call.tsv" "${CMDS[@]}"
  read_tsv "$WORK/call.tsv"
fi

# ------------------------------------------------------------------------------ 2. init
if want init; then
  log "package initialisation: $RUNS rounds per binary"
  echo
  echo "== package initialisation, GODEBUG=inittrace=1 summed (medians of $((RUNS * 3)))"
  "$BS" init -runs "$((RUNS * 3))" -tsv "$WORK/init.tsv" \
    -cmd sonde "$SONDE" --version -cmd bare-mcp-go "$WORK/bare-mcp-go" -cmd bare-go-sdk "$WORK/bare-go-sdk" \
    ${NOVAL:+-cmd noval "$NOVAL" --version}
  while IFS=$'\t' read -r l w _; do INIT[$l]="$w"; done < "$WORK/init.tsv"
fi

# ------------------------------------------------------------------------------ 3. first frame
if want frame; then
  command -v tmux >/dev/null || die "tmux is needed for the first-frame benchmark"
  mkfifo "$WORK/demo.in"
  "$WORK/demo-server" <"$WORK/demo.in" >"$WORK/demo.url" 2>"$WORK/demo.log" &
  exec 9>"$WORK/demo.in"   # closing fd 9 (at exit) stops the server
  for _ in $(seq 1 100); do [[ -s "$WORK/demo.url" ]] && break; sleep 0.05; done
  DEMO_URL="$(head -1 "$WORK/demo.url")"
  [[ "$DEMO_URL" == http://127.0.0.1:* ]] || { cat "$WORK/demo.log" >&2; die "the demo server did not start"; }
  log "first frame of the TUI against $DEMO_URL: $RUNS rounds"
  echo
  echo "== the TUI's first frame (start to a screen showing 'connected' and the tools), 120x40, next to a one-shot call (medians of $RUNS)"
  # XDG dirs in $WORK: no recordings, era cache or remembered arguments left behind
  XDG_DATA_HOME="$WORK/xdg/data" XDG_CACHE_HOME="$WORK/xdg/cache" XDG_CONFIG_HOME="$WORK/xdg/config" XDG_STATE_HOME="$WORK/xdg/state" \
    "$BS" frame -runs "$RUNS" -tsv "$WORK/frame.tsv" -screen connected -screen always_fails -expect always_fails \
    -cmd tui/sonde "$SONDE" "$DEMO_URL" --no-record \
    -cmd call/sonde "$SONDE" call "$DEMO_URL" echo text=always_fails \
    -cmd tui/bare "$WORK/bare-tui" "$DEMO_URL" \
    ${BASE:+-cmd tui/base "$BASE" "$DEMO_URL" --no-record} \
    ${NOVAL:+-cmd tui/noval "$NOVAL" "$DEMO_URL" --no-record}
  read_tsv "$WORK/frame.tsv"
fi

# ------------------------------------------------------------------------------ summary
echo
echo "== ratios of medians (this run)"
if want call; then
  for t in $TRANSPORTS; do
    [ -z "$BASE" ] || printf '%-6s sonde/base %s   CPU %s\n' "$t" \
      "$(ratio "${MED[sonde/$t]:-}" "${MED[base/$t]:-}")" "$(ratio "${CPU[sonde/$t]:-}" "${CPU[base/$t]:-}")"
    printf '%-6s sonde/bare-mcp-go %s   sonde/bare-go-sdk %s   inspector/sonde %s   CPU sonde/bare-mcp-go %s\n' "$t" \
      "$(ratio "${MED[sonde/$t]:-}" "${MED[bare-mcp-go/$t]:-}")" "$(ratio "${MED[sonde/$t]:-}" "${MED[bare-go-sdk/$t]:-}")" \
      "$(ratio "${MED[inspector/$t]:-}" "${MED[sonde/$t]:-}")" "$(ratio "${CPU[sonde/$t]:-}" "${CPU[bare-mcp-go/$t]:-}")"
    [ -z "$NOVAL" ] || printf '%-6s without the validator'"'"'s init (measurement build): noval/bare-mcp-go %s   noval/bare-go-sdk %s   sonde/noval %s   CPU noval/bare-mcp-go %s\n' "$t" \
      "$(ratio "${MED[noval/$t]:-}" "${MED[bare-mcp-go/$t]:-}")" "$(ratio "${MED[noval/$t]:-}" "${MED[bare-go-sdk/$t]:-}")" \
      "$(ratio "${MED[sonde/$t]:-}" "${MED[noval/$t]:-}")" "$(ratio "${CPU[noval/$t]:-}" "${CPU[bare-mcp-go/$t]:-}")"
    if [ -n "${MED[sonde-json/$t]:-}" ]; then
      printf '%-6s with KEY:=JSON (no tools/list): sonde-json/bare-mcp-go %s   CPU %s   inspector/sonde-json %s\n' "$t" \
        "$(ratio "${MED[sonde-json/$t]}" "${MED[bare-mcp-go/$t]:-}")" "$(ratio "${CPU[sonde-json/$t]}" "${CPU[bare-mcp-go/$t]:-}")" \
        "$(ratio "${MED[inspector/$t]:-}" "${MED[sonde-json/$t]}")"
    fi
  done
  if [[ " $TRANSPORTS " == *" stdio "* ]]; then
    printf 'stdio  own CPU (without the server): sonde %s ms, bare-mcp-go %s ms: sonde/bare-mcp-go %s\n' \
      "${OWN[sonde/stdio]}" "${OWN[bare-mcp-go/stdio]}" "$(ratio "${OWN[sonde/stdio]}" "${OWN[bare-mcp-go/stdio]}")"
  fi
fi
if want init; then
  printf 'init   sonde %s ms, bare-mcp-go %s ms, bare-go-sdk %s ms: sonde/bare-mcp-go %s\n' \
    "${INIT[sonde]}" "${INIT[bare-mcp-go]}" "${INIT[bare-go-sdk]}" "$(ratio "${INIT[sonde]}" "${INIT[bare-mcp-go]}")"
  [ -z "$NOVAL" ] || printf 'init   without the validator'"'"'s init (measurement build) %s ms: noval/bare-go-sdk %s\n' \
    "${INIT[noval]}" "$(ratio "${INIT[noval]}" "${INIT[bare-go-sdk]}")"
fi
if want frame; then
  printf 'frame  TUI first frame %s ms, one-shot call %s ms: frame/call %s; CPU to the first frame %s ms, of the call %s ms: %s\n' \
    "${MED[tui/sonde]}" "${MED[call/sonde]}" "$(ratio "${MED[tui/sonde]}" "${MED[call/sonde]}")" \
    "${CPU[tui/sonde]}" "${CPU[call/sonde]}" "$(ratio "${CPU[tui/sonde]}" "${CPU[call/sonde]}")"
  [ -z "$BASE" ] || printf 'frame  TUI first frame: sonde/base %s   CPU %s\n' \
    "$(ratio "${MED[tui/sonde]}" "${MED[tui/base]}")" "$(ratio "${CPU[tui/sonde]}" "${CPU[tui/base]}")"
  printf 'frame  the floor, a bare Bubble Tea client (scripts/bare-tui): %s ms, CPU %s ms: bare-frame/call %s; sonde/bare-frame %s   CPU %s\n' \
    "${MED[tui/bare]}" "${CPU[tui/bare]}" "$(ratio "${MED[tui/bare]}" "${MED[call/sonde]}")" \
    "$(ratio "${MED[tui/sonde]}" "${MED[tui/bare]}")" "$(ratio "${CPU[tui/sonde]}" "${CPU[tui/bare]}")"
  [ -z "$NOVAL" ] || printf 'frame  without the validator'"'"'s init (measurement build): %s ms, frame/call %s\n' \
    "${MED[tui/noval]}" "$(ratio "${MED[tui/noval]}" "${MED[call/sonde]}")"
fi
