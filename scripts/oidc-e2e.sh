#!/usr/bin/env bash
# scripts/oidc-e2e.sh — sonde signs in to a real authorization server nobody here wrote (issue 11
# item 8): oidc-provider 9.13.3 (dynamic registration, PKCE, resource indicators, JWT access tokens
# of TOKEN_TTL seconds, refresh token rotation, revocation) in front of an MCP server on the
# official TypeScript SDK 1.32.2 that validates its tokens (scripts/oidc-e2e/server.mjs). The
# browser is scripts/oidc-e2e/browser, run by sonde as $BROWSER: it fills in the provider's login
# and consent pages over HTTP and follows the redirect back to sonde's loopback listener.
#
# Steps: sonde auth login; sonde call (the kept token); the token expires; sonde call again (it
# refreshes, the refresh token rotates); sonde auth status; sonde auth logout (revoked at the
# provider); sonde call --no-interactive-auth exits 3; the TUI signs in from its dialog (the
# browser coming back, and --no-browser with the URL pasted). Every output and screen is searched
# for the tokens.
#
#   scripts/oidc-e2e.sh            (TOKEN_TTL=6 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TTL="${TOKEN_TTL:-6}"
WORK="$(mktemp -d /tmp/sonde-oidc-e2e.XXXXXX)"
on_exit "rm -rf '$WORK'"
log "installing oidc-provider, the TypeScript SDK and Node 22 into $PEERS_DIR"
peers_install node22 oidc

log "building sonde and the stand-in browser"
(cd "$REPO_ROOT" && go build -o "$WORK/sonde" . && go build -o "$WORK/browser" ./scripts/oidc-e2e/browser) || die "go build failed"

AS_PORT="$(free_port)"; MCP_PORT="$(free_port)"
cp "$SCRIPTS_DIR/oidc-e2e/server.mjs" "$PEERS_DIR/oidc/sonde-oidc-e2e.mjs"
(cd "$PEERS_DIR/oidc" && AS_PORT="$AS_PORT" MCP_PORT="$MCP_PORT" TOKEN_TTL="$TTL" exec "$NODE22" sonde-oidc-e2e.mjs) > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
on_exit "kill $SERVER_PID 2>/dev/null || true"
URL="http://127.0.0.1:$MCP_PORT/mcp"
for _ in $(seq 1 100); do
  grep -q '^ready' "$WORK/server.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; die "the server did not start"; }
  sleep 0.1
done
grep -q '^ready' "$WORK/server.log" || { cat "$WORK/server.log"; die "the server did not start in 10 s"; }
log "oidc-provider at http://127.0.0.1:$AS_PORT, MCP server at $URL (tokens live ${TTL}s)"

export SONDE_CREDENTIALS="$WORK/credentials.json" SONDE_ERA_CACHE=off XDG_STATE_HOME="$WORK/state" XDG_DATA_HOME="$WORK/data"
export BROWSER="$WORK/browser" BROWSER_LOG="$WORK/browser.log"
unset DISPLAY WAYLAND_DISPLAY
fails=0
check() { # name cmd... : runs, keeps output in $WORK/name.{out,err}, exit code in $rc
  local name="$1"; shift
  set +e; "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"; rc=$?; set -e
}
expect() { # description condition...
  local what="$1"; shift
  if "$@"; then echo "✓ $what"; else echo "✗ $what"; fails=$((fails + 1)); fi
}
has() { grep -q -- "$2" "$WORK/$1"; }

check login "$WORK/sonde" auth login "$URL" -v
expect "sonde auth login signs in through the provider's login and consent pages (exit $rc)" test "$rc" = 0
expect "  the browser went through login and consent" grep -q "back to sonde" "$WORK/browser.log"
expect "  it registered dynamically, with PKCE and the resource indicator" has login.err "auth:register.*registered sonde dynamically"
expect "  it got a refresh token" has login.out "refresh token kept"
[ "$(stat -c %a "$SONDE_CREDENTIALS")" = 600 ] && echo "✓   the credentials file is 0600" || { echo "✗   the credentials file is not 0600"; fails=$((fails + 1)); }

check call1 "$WORK/sonde" call "$URL" whoami --no-interactive-auth
expect "sonde call uses the kept token (exit $rc): $(head -c 80 "$WORK/call1.out")" test "$rc" = 0
expect "  the server saw the user" has call1.out "signed in as alice"

log "waiting $((TTL + 2))s for the access token to expire"
sleep $((TTL + 2))
before="$(grep -o '"refresh_token": *"[^"]*"' "$SONDE_CREDENTIALS")"
check call2 "$WORK/sonde" call "$URL" whoami --no-interactive-auth -v --record "$WORK/call2.jsonl"
after="$(grep -o '"refresh_token": *"[^"]*"' "$SONDE_CREDENTIALS")"
access="$(grep -o '"access_token": *"[^"]*"' "$SONDE_CREDENTIALS")"
expect "after expiry sonde call refreshes and goes on (exit $rc)" test "$rc" = 0
expect "  the log shows the refresh" has call2.err "auth:refresh.*token refreshed"
expect "  the refresh token was rotated and the new one kept" test "$before" != "$after"

check status "$WORK/sonde" auth status "$URL"
expect "sonde auth status names the issuer and scopes" has status.out "issuer   http://127.0.0.1:$AS_PORT"

check logout "$WORK/sonde" auth logout "$URL"
expect "sonde auth logout revokes at the provider (exit $rc)" has logout.out "revoked at"
check call3 "$WORK/sonde" call "$URL" whoami --no-interactive-auth
expect "after logout, --no-interactive-auth exits 3 with one line (exit $rc)" test "$rc" = 3 -a "$(wc -l < "$WORK/call3.err")" = 1

# The TUI (issue 11 item 4), the real binary in tmux (a private server: its own paste buffers):
# the server's 401 opens the sign-in dialog. With a browser: enter opens the stand-in, which comes
# back to sonde's listener. With --no-browser: c copies the URL (tmux's buffer), the stand-in
# writes the URL it was sent back to (BROWSER_PRINT), and that is pasted into the dialog. Both
# times the dialog closes, the tools are listed, the header says who is signed in, and A shows
# the auth view; the screens are searched for the tokens below.
TSOCK="sonde-oidc-$$"
tm() { tmux -L "$TSOCK" -f /dev/null "$@"; }
on_exit "tmux -L '$TSOCK' kill-server 2>/dev/null || true"
screen_has() { # name pattern: polls the pane for up to 20 s, keeps it in $WORK/tui-name.txt
  for _ in $(seq 1 200); do
    tm capture-pane -p -t tui > "$WORK/tui-$1.txt" 2>/dev/null || true
    grep -qF -- "$2" "$WORK/tui-$1.txt" && return 0
    sleep 0.1
  done
  return 1
}
for mode in browser paste; do
  flags=""; [ "$mode" = paste ] && flags="--no-browser"
  tm new-session -d -s tui -x 130 -y 40 "SONDE_CREDENTIALS='$WORK/tui-$mode.json' '$WORK/sonde' '$URL' $flags; sleep 60"
  expect "TUI ($mode): a 401 opens the sign-in dialog" screen_has "$mode-dialog" "needs you to sign in (it answered 401)"
  if [ "$mode" = browser ]; then
    sleep 1 # the dialog ignores enter for a moment after it appears (keys meant for something else)
    tm send-keys -t tui Enter # sonde runs $BROWSER, the stand-in, which comes back to its listener
  else
    tm send-keys -t tui c
    screen_has "$mode-copied" "copied the sign-in URL" || true
    BROWSER_CHILD=1 BROWSER_PRINT="$WORK/back-paste.txt" "$WORK/browser" "$(tm show-buffer)" 2>> "$WORK/browser.log" || true
    tm load-buffer -b back "$WORK/back-paste.txt" && tm paste-buffer -p -b back -t tui
  fi
  expect "  signed in: the tools are listed and the header says who is signed in" screen_has "$mode-signed" "signed in 127.0.0.1:$AS_PORT"
  expect "  whoami is listed" screen_has "$mode-listed" "says who signed in"
  tm send-keys -t tui A
  expect "  the auth view lists the steps" screen_has "$mode-auth" "✓ token         POST 127.0.0.1:$AS_PORT/token → 200"
  tm send-keys -t tui G k enter
  expect "  the token step's detail masks the code, the verifier and the tokens" screen_has "$mode-token" '"access_token": "••••••"'
  tm send-keys -t tui Escape q
  tm kill-session -t tui 2>/dev/null || true
done

# No output holds a token: every token the credentials file ever held is looked for.
"$WORK/sonde" export "$WORK/call2.jsonl" --format md > "$WORK/export.md" 2>&1 || true
"$WORK/sonde" export "$WORK/call2.jsonl" --format har > "$WORK/export.har" 2>&1 || true
"$WORK/sonde" replay "$WORK/call2.jsonl" --print > "$WORK/replay.txt" 2>&1 || true
leaked=0
tui_tokens="$(cat "$WORK"/tui-*.json 2>/dev/null | grep -o '"\(access\|refresh\)_token": *"[^"]*"' || true)"
code="$(grep -o 'code=[^&]*' "$WORK/back-paste.txt" 2>/dev/null | cut -d= -f2 || true)"
for tok in $(printf '%s\n%s\n%s\n%s\n' "$before" "$after" "$access" "$tui_tokens" | sed 's/.*"\([^"]*\)"$/\1/') $code; do
  [ "${#tok}" -ge 8 ] || continue
  if grep -rlF -- "$tok" "$WORK"/*.out "$WORK"/*.err "$WORK"/*.jsonl "$WORK"/export.* "$WORK"/replay.txt "$WORK"/tui-*.txt >/dev/null 2>&1; then leaked=1; fi
done
expect "no output, recording, export or TUI screen holds a token or the code" test "$leaked" = 0

if [ "$fails" -gt 0 ]; then
  echo "--- server log"; tail -20 "$WORK/server.log"; echo "--- browser log"; cat "$WORK/browser.log" 2>/dev/null || true
  for f in login call2 call3 logout; do echo "--- $f"; tail -n 15 "$WORK/$f.out" "$WORK/$f.err"; done
  echo "oidc-e2e: $fails failed"; exit 1
fi
echo "oidc-e2e: all passed"
