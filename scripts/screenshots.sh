#!/usr/bin/env bash
# scripts/screenshots.sh — the pictures in the README, from the real binary: sonde runs in tmux
# (120x36) against `sonde demo`'s server started on its own (scripts/demo-server); the script
# captures the main screen, an argument form, the timeline and a replay of the recorded session
# with their colours (capture-pane -e) and renders them to PNG with freeze (pinned in tools/freeze,
# like VHS in tools/vhs). Rerun it when the UI changes, look at the pictures, commit them.
#
#   scripts/screenshots.sh             writes docs/screenshots/{main,form,timeline,replay}.png
#   SHOTS_DIR=DIR scripts/screenshots.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v tmux >/dev/null || die "tmux is needed"
OUT="${SHOTS_DIR:-$REPO_ROOT/docs/screenshots}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-shots.XXXXXX")"
SOCK="sonde-shots-$$"
on_exit "tmux -L '$SOCK' kill-server 2>/dev/null; rm -rf '$WORK'"
mkdir -p "$OUT"

log "building sonde, demo-server and freeze"
(cd "$REPO_ROOT" && go build -o "$WORK/sonde" . && go build -o "$WORK/demo-server" ./scripts/demo-server) || die "go build failed"
(cd "$REPO_ROOT/tools/freeze" && go build -o "$WORK/freeze" github.com/charmbracelet/freeze) || die "building freeze failed"

mkfifo "$WORK/demo.in"
"$WORK/demo-server" <"$WORK/demo.in" >"$WORK/demo.url" 2>"$WORK/demo.log" &
exec 9>"$WORK/demo.in"   # closing fd 9 (at exit) stops the server
for _ in $(seq 1 100); do [[ -s "$WORK/demo.url" ]] && break; sleep 0.05; done
URL="$(head -1 "$WORK/demo.url")"
[[ "$URL" == http://127.0.0.1:* ]] || { cat "$WORK/demo.log" >&2; die "the demo server did not start"; }

# A private environment: sonde's files in $WORK, a dark truecolor terminal, fixed theme.
export XDG_DATA_HOME="$WORK/xdg/data" XDG_STATE_HOME="$WORK/xdg/state" XDG_CONFIG_HOME="$WORK/xdg/config" XDG_CACHE_HOME="$WORK/xdg/cache"
export COLORTERM=truecolor TERM=xterm-256color
unset NO_COLOR
tmux -L "$SOCK" -f /dev/null new-session -d -s keep -x 120 -y 36 "sleep 86400"
tmux -L "$SOCK" set-option -g default-terminal "tmux-256color" >/dev/null

start() { # NAME COMMAND...
  tmux -L "$SOCK" new-session -d -s "$1" -x 120 -y 36 \
    -e XDG_DATA_HOME="$XDG_DATA_HOME" -e XDG_STATE_HOME="$XDG_STATE_HOME" -e XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
    -e XDG_CACHE_HOME="$XDG_CACHE_HOME" -e COLORTERM=truecolor "${@:2}"
}
keys() { tmux -L "$SOCK" send-keys -t "$1" "${@:2}"; sleep 0.4; }
wait_for() { # SESSION TEXT: until the screen shows TEXT (10 s)
  local i
  for i in $(seq 1 200); do
    tmux -L "$SOCK" capture-pane -p -t "$1" | grep -qF -- "$2" && return 0
    sleep 0.05
  done
  tmux -L "$SOCK" capture-pane -p -t "$1" >&2
  die "screen of $1 never showed '$2'"
}
shot() { # SESSION NAME: capture with colours and render
  sleep 0.5   # let the last frame settle
  # freeze 0.2.2 ignores SGR 39 and 49 (default colours): the colour before them went on. Name the
  # defaults instead: the theme's text colour (Catppuccin Mocha) and freeze's background.
  tmux -L "$SOCK" capture-pane -e -p -t "$1" \
    | perl -pe 's/\e\[39m/\e[38;2;205;214;244m/g; s/\e\[49m/\e[48;2;40;42;54m/g' > "$WORK/$2.ansi"
  # a fixed size keeps freeze at scale 1 (it renders PNGs 4x otherwise: 1.5 MB each)
  "$WORK/freeze" --language ansi --theme dracula --window=false --padding 12 --margin 0 \
    --background "#282a36" --font.size 14 --line-height 1.2 --width 1040 --height 640 \
    -o "$OUT/$2.png" "$WORK/$2.ansi" >/dev/null
  chmod 644 "$OUT/$2.png"
  log "wrote $OUT/$2.png ($(wc -c < "$OUT/$2.png") bytes)"
}

type_text() { tmux -L "$SOCK" send-keys -t "$1" -l "$2"; sleep 0.3; }
open_tool() { # SESSION TOOL: the browser (alt+1), its filter, enter opens the form
  keys "$1" M-1; keys "$1" Escape; keys "$1" /; type_text "$1" "$2"; keys "$1" Enter
  wait_for "$1" "Arguments: $2"
}
call_tool() { # SESSION TOOL [TEXT for the first field]
  open_tool "$1" "$2"
  [ -z "${3:-}" ] || type_text "$1" "$3"
  keys "$1" C-r
  wait_for "$1" "tools/call $2 "
}

log "sonde $URL (120x36)"
start live "$WORK/sonde" "$URL" --theme catppuccin --record "$WORK/session.jsonl"
wait_for live "connected"
wait_for live "always_fails"
call_tool live echo "hello, sonde"
call_tool live get_image
call_tool live get_weather Paris
shot live main

open_tool live create_booking
keys live Down; type_text live "Ada Lovelace"
keys live Down; type_text live "ada@example.com"
shot live form

keys live Escape
keys live W
wait_for live "Timeline"
shot live timeline

keys live q
tmux -L "$SOCK" kill-session -t live 2>/dev/null || true

log "sonde replay"
start replay "$WORK/sonde" replay "$WORK/session.jsonl" --theme catppuccin
wait_for replay "get_weather"
shot replay replay
