#!/usr/bin/env bash
# scripts/bench-ingest.sh — issue 16 item 5b at full size: a loopback server sends 1,000,000
# small notifications at 100,000 a second in answer to one call; sonde takes them in headless
# (the recorder is the only consumer) and through the terminal UI's path (feed, state, the model
# drawing a frame after each batch), every event recorded, side by side in one run.
#
#   scripts/bench-ingest.sh                       1,000,000 events at 100,000/s, 3 runs
#   INGEST_EVENTS=200000 INGEST_RATE=0 scripts/bench-ingest.sh   other sizes (rate 0: unpaced)
#   INGEST_COUNT=5 scripts/bench-ingest.sh        more runs (report the median)
#
# Prints BenchmarkIngest's lines: headless-events/s, tui-events/s and their ratio tui/headless
# (the server's rate: a consumer that reads slowly slows it down), tui-state-lag-s (the state
# caught up that long after the server's last event), tui-max-behind (events the screen had not
# drawn yet at worst), tui-catch-up-s, lost (events the recorder could not keep: must be 0) and
# tui-heap-MiB. The unit-sized version runs with `go test -bench BenchmarkIngest ./ui`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
EVENTS="${INGEST_EVENTS:-1000000}"
RATE="${INGEST_RATE:-100000}"
COUNT="${INGEST_COUNT:-3}"
go test ./ui -run '^$' -bench '^BenchmarkIngest$' -benchtime 1x -count "$COUNT" -timeout 30m \
  -args -ingest.events "$EVENTS" -ingest.rate "$RATE" | grep -E '^(Benchmark|ok|FAIL)'
