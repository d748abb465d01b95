# shellcheck shell=bash
# scripts/lib.sh — shared helpers for sonde's interop, conformance and bench scripts.
#
# Source it (it does not change shell options):   . "$(dirname "$0")/lib.sh"
#
# Peers are pinned by the lockfiles in scripts/peers/ and installed with `npm ci` into
#   PEERS_DIR=${SONDE_PEERS_DIR:-$HOME/.cache/sonde-peers}
#     $PEERS_DIR/                   server-everything 2026.8.31, inspector 2.12.0, conformance 0.1.16
#     $PEERS_DIR/conformance-alpha/ conformance 0.2.0-alpha.12 (2026-07-28 scenarios)
#     $PEERS_DIR/node22/            Node 22.23.3 (npm package `node`; the suite and the Inspector need >= 22)
#     $PEERS_DIR/oidc/              oidc-provider 9.13.3 and the TypeScript SDK 1.32.2 (scripts/oidc-e2e.sh)
# Each folder is re-installed only when its lockfile hash changes (stamp file .sonde-lock.sha256).
#
# Functions
#   peers_install [main|alpha|node22|oidc ...] install (default: main, alpha, node22, in parallel)
#   node22 ARGS...                          run Node 22
#   start_everything MODE                   MODE = sse | streamableHttp; starts server-everything on a free
#                                           127.0.0.1 port, waits until it answers, stops it on exit.
#                                           Sets EVERYTHING_URL, EVERYTHING_PID, EVERYTHING_LOG.
#   stop_everything PID                     stop one server started by start_everything
#   on_exit 'COMMAND'                       run COMMAND when the script exits (LIFO; INT/TERM too)
#   free_port                               print a free loopback TCP port
#   checks_begin NAME KEEP TIMEOUT          a check script's scratch dir and harness: WORK (kept when
#                                           KEEP=1), SONDE (SONDE_BIN or a fresh build), RUN_TIMEOUT
#                                           (TIMEOUT or 60 s), the Inspector CLI as INSPECTOR (array),
#                                           and pass/fail/check/contains/run; checks_end prints
#                                           "N passed, N failed" and fails on any failure
# Variables
#   SCRIPTS_DIR REPO_ROOT PEERS_DIR NODE22 EVERYTHING_JS EVERYTHING_STDIO (array: stdio command line)
#   CONFORMANCE_JS (0.1.16) CONFORMANCE_ALPHA_JS (0.2.0-alpha.12) INSPECTOR_JS

# shellcheck disable=SC2034  # the variables below are used by the scripts that source this file
SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPTS_DIR/.." && pwd)"
PEERS_SRC="$SCRIPTS_DIR/peers"
PEERS_DIR="${SONDE_PEERS_DIR:-$HOME/.cache/sonde-peers}"
NODE22="$PEERS_DIR/node22/node_modules/node/bin/node"
EVERYTHING_JS="$PEERS_DIR/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
CONFORMANCE_JS="$PEERS_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"
CONFORMANCE_ALPHA_JS="$PEERS_DIR/conformance-alpha/node_modules/@modelcontextprotocol/conformance/dist/index.js"
INSPECTOR_JS="$PEERS_DIR/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" # mcp-inspector
OIDC_PROVIDER_DIR="$PEERS_DIR/oidc/node_modules/oidc-provider" # oidc-provider + the TypeScript SDK (scripts/oidc-e2e.sh)
LOOPBACK_SHIM="$PEERS_DIR/run/sonde-loopback.cjs"  # not run/loopback.cjs: reference-servers.sh owns that one
# stdio command line of server-everything (Node 22, the version every peer is tested with)
EVERYTHING_STDIO=("$NODE22" "$EVERYTHING_JS" stdio)

log()  { printf '%s\n' "[$(date +%H:%M:%S)] $*" >&2; }
die()  { printf '%s\n' "error: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# exit hooks
# ---------------------------------------------------------------------------------------------
_ON_EXIT=()
_lib_run_exit() {
  local rc=$? i
  trap - EXIT INT TERM
  for (( i=${#_ON_EXIT[@]}-1; i>=0; i-- )); do eval "${_ON_EXIT[$i]}" || true; done
  _ON_EXIT=()
  exit "$rc"
}
on_exit() {
  _ON_EXIT+=("$1")
  trap _lib_run_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# ---------------------------------------------------------------------------------------------
# installation
# ---------------------------------------------------------------------------------------------
_lock_hash() { cat "$1/package.json" "$1/package-lock.json" | sha256sum | cut -d' ' -f1; }

_peers_install_one() { # src dst check-file
  local src="$1" dst="$2" check="$3" want have=""
  want="$(_lock_hash "$src")"
  [ -f "$dst/.sonde-lock.sha256" ] && have="$(cat "$dst/.sonde-lock.sha256")"
  if [ "$want" = "$have" ] && [ -e "$check" ]; then
    return 0
  fi
  mkdir -p "$dst"
  rm -f "$dst/.sonde-lock.sha256"
  cp "$src/package.json" "$src/package-lock.json" "$dst/"
  # node@22's install script fetches the platform binary package from the npm registry: keep scripts on.
  if ! (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >"$dst/.npm-ci.log" 2>&1); then
    cat "$dst/.npm-ci.log" >&2
    echo "npm ci failed in $dst" >&2
    return 1
  fi
  [ -e "$check" ] || { echo "npm ci in $dst did not produce $check" >&2; return 1; }
  echo "$want" > "$dst/.sonde-lock.sha256"
  log "installed peers from ${src#"$REPO_ROOT"/} into $dst"
}

peers_install() {
  command -v npm >/dev/null || die "npm is required to install the pinned peers"
  mkdir -p "$PEERS_DIR"
  # several scripts may install into the same folder at once (e.g. parallel CI steps): serialize
  local lockfd=""
  if command -v flock >/dev/null; then
    exec {lockfd}>"$PEERS_DIR/.install.lock"
    flock "$lockfd"
  fi
  _peers_install_all "$@"
  if [ -n "$lockfd" ]; then exec {lockfd}>&-; fi
}

_peers_install_all() {
  local what=("$@") pids=() names=() w i rc=0
  [ ${#what[@]} -gt 0 ] || what=(main alpha node22)
  for w in "${what[@]}"; do
    case "$w" in
      main)   _peers_install_one "$PEERS_SRC" "$PEERS_DIR" "$EVERYTHING_JS" & ;;
      alpha)  _peers_install_one "$PEERS_SRC/conformance-alpha" "$PEERS_DIR/conformance-alpha" "$CONFORMANCE_ALPHA_JS" & ;;
      node22) _peers_install_one "$PEERS_SRC/node22" "$PEERS_DIR/node22" "$NODE22" & ;;
      oidc)   _peers_install_one "$PEERS_SRC/oidc" "$PEERS_DIR/oidc" "$OIDC_PROVIDER_DIR/package.json" & ;;
      *) die "peers_install: unknown set '$w' (main|alpha|node22|oidc)" ;;
    esac
    pids+=($!); names+=("$w")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { echo "peers_install: ${names[$i]} failed" >&2; rc=1; }
  done
  [ "$rc" = 0 ] || die "peers_install failed"
  if [[ " ${what[*]} " == *" node22 "* ]]; then
    "$NODE22" -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)' \
      || die "$NODE22 is not Node >= 22"
  fi
  _write_loopback_shim
}

node22() { "$NODE22" "$@"; }

# ---------------------------------------------------------------------------------------------
# server-everything on loopback
# ---------------------------------------------------------------------------------------------
_write_loopback_shim() {
  # server-everything calls app.listen(PORT) with no host, i.e. all interfaces. This preload forces
  # every TCP listen() of the process onto 127.0.0.1 and, when SONDE_PORT_FILE is set, writes the
  # port actually bound (PORT=0 asks the kernel for a free one, so there is no port race).
  mkdir -p "$(dirname "$LOOPBACK_SHIM")"
  cat > "$LOOPBACK_SHIM.tmp" <<'EOF'
const net = require('net');
const fs = require('fs');
const dns = require('dns');
// listen(port, host) resolves host with dns.lookup, asynchronously, so server.address() is null right
// after listen() returns; code that reads it synchronously (express app.listen(0).address().port, as
// the conformance suite's mock servers do) would break. Answer the lookup of our literal at once.
const origLookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  const cb = rest[rest.length - 1], opts = rest.length > 1 ? rest[0] : {};
  if (host === '127.0.0.1' && typeof cb === 'function') {
    return opts && opts.all ? cb(null, [{ address: host, family: 4 }]) : cb(null, host, 4);
  }
  return origLookup.call(this, host, ...rest);
};
const orig = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1'; else args.splice(1, 0, '127.0.0.1');
  } else if (args[0] && typeof args[0] === 'object' && !args[0].path) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  const pf = process.env.SONDE_PORT_FILE;
  if (pf) this.once('listening', () => {
    const a = this.address();
    if (a && typeof a === 'object') { fs.writeFileSync(pf + '.tmp', String(a.port)); fs.renameSync(pf + '.tmp', pf); }
  });
  return orig.apply(this, args);
};
EOF
  mv "$LOOPBACK_SHIM.tmp" "$LOOPBACK_SHIM"
}

# build_bench_clients DIR: sets SONDE to $SONDE_BIN (checked) or a fresh build in DIR, and builds
# the bare clients (the benchmarks' floor) as DIR/bare-mcp-go and DIR/bare-go-sdk.
build_bench_clients() {
  local dir="$1"
  if [ -n "${SONDE_BIN:-}" ]; then
    SONDE="$SONDE_BIN"; [ -x "$SONDE" ] || die "SONDE_BIN=$SONDE is not an executable"
  else
    SONDE="$dir/sonde"
    (cd "$REPO_ROOT" && go build -o "$SONDE" .) || die "go build of sonde failed (see above)"
  fi
  (cd "$REPO_ROOT" && go build -o "$dir/bare-mcp-go" ./scripts/bare-client \
    && go build -tags gosdk -o "$dir/bare-go-sdk" ./scripts/bare-client) || die "go build of the bare clients failed"
}

# build_novalidator DIR: a measurement build, never shipped: sonde with the JSON Schema validator's
# package init skipped (santhosh-tekuri/jsonschema compiles every draft's meta-schema in its init,
# which no lazy code of ours can defer), so that one run shows what that init costs each process.
# The validator's module is copied from the module cache into DIR and patched there, and sonde's
# tracked files are copied to DIR/repo with a replace directive: the repository is not touched.
# Validation itself does not work in that build; the benchmarks' commands do not validate. Sets NOVAL.
build_novalidator() {
  local dir="$1" mod=github.com/santhosh-tekuri/jsonschema/v6 src
  src="$(cd "$REPO_ROOT" && go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -f "$src/draft.go" ] || die "build_novalidator: $mod not in the module cache"
  cp -r "$src" "$dir/validator" && chmod -R u+w "$dir/validator"
  grep -q '^func init() {$' "$dir/validator/draft.go" || die "build_novalidator: $mod/draft.go has no init to skip"
  sed -i 's/^func init() {$/func init() {\n\treturn \/\/ skipped by build_novalidator (a measurement build)/' "$dir/validator/draft.go"
  mkdir -p "$dir/repo"
  (cd "$REPO_ROOT" && git ls-files -z | xargs -0 cp --parents -t "$dir/repo" 2>/dev/null) || true
  (cd "$dir/repo" && go mod edit -replace "$mod=$dir/validator" && go build -o "$dir/sonde-noval" .) \
    || die "go build of the measurement build without the validator's init failed"
  NOVAL="$dir/sonde-noval"
}

free_port() {
  "${NODE22:-node}" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null \
    || node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

stop_everything() { # pid
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

start_everything() { # MODE: sse | streamableHttp
  local mode="$1" path run pf i port=""
  case "$mode" in
    sse) path=/sse ;;
    streamableHttp|streamable-http|http) mode=streamableHttp; path=/mcp ;;
    stdio) die "start_everything: stdio needs no server; use \"\${EVERYTHING_STDIO[@]}\"" ;;
    *) die "start_everything: unknown mode '$mode' (sse|streamableHttp)" ;;
  esac
  if [ ! -f "$EVERYTHING_JS" ] || [ ! -x "$NODE22" ]; then die "peers not installed; call peers_install first"; fi
  [ -f "$LOOPBACK_SHIM" ] || _write_loopback_shim
  run="$(mktemp -d "${TMPDIR:-/tmp}/sonde-everything.XXXXXX")"
  pf="$run/port"
  EVERYTHING_LOG="$run/server.log"
  PORT=0 SONDE_PORT_FILE="$pf" "$NODE22" --require "$LOOPBACK_SHIM" "$EVERYTHING_JS" "$mode" \
    >"$EVERYTHING_LOG" 2>&1 </dev/null &
  EVERYTHING_PID=$!
  on_exit "stop_everything $EVERYTHING_PID; rm -rf '$run'"
  for i in $(seq 1 150); do     # up to 15 s (cold Node start on a loaded 2-core machine)
    if [ -s "$pf" ]; then port="$(cat "$pf")"; break; fi
    kill -0 "$EVERYTHING_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    cat "$EVERYTHING_LOG" >&2
    die "server-everything ($mode) did not start"
  fi
  EVERYTHING_URL="http://127.0.0.1:$port$path"
  # readiness: the HTTP server answers (any status) on its root
  for i in $(seq 1 50); do
    if curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/"; then
      log "server-everything $mode: $EVERYTHING_URL (pid $EVERYTHING_PID)"
      return 0
    fi
    sleep 0.1
  done
  cat "$EVERYTHING_LOG" >&2
  die "server-everything ($mode) on port $port does not answer"
}

# ---------------------------------------------------------------------------------------------
# JSON helpers: jq when present, else Node 22 (peers_install must have run). PATH is a dotted path,
# numbers index arrays: "content.0.text", "tools", "" (the whole document).
#   json_get FILE PATH          print the value: strings raw, everything else as compact JSON, null if absent
#   json_len FILE PATH          length of the array/string/object at PATH (0 if absent)
#   json_pluck FILE PATH FIELD  one line per element of the array at PATH: its FIELD (strings raw)
#   json_count FILE PATH VALUE  how many elements of the array at PATH equal the string VALUE
# FILE may be - for stdin.
# ---------------------------------------------------------------------------------------------
_jq_path() { # dotted path -> jq path expression
  local p="$1" out="" part
  [ -n "$p" ] || { echo "."; return; }
  IFS=. read -r -a _parts <<<"$p"
  for part in "${_parts[@]}"; do
    if [[ "$part" =~ ^[0-9]+$ ]]; then out+="[$part]"; else out+="[\"$part\"]"; fi
  done
  echo ".$out"
}
_json_node() { # mode file path [field]
  "$NODE22" -e '
    const [mode, file, path, field] = process.argv.slice(1);
    const fs = require("fs");
    let doc; try { doc = JSON.parse(fs.readFileSync(file === "-" ? 0 : file, "utf8")); } catch (e) { process.stderr.write("invalid JSON: " + e.message + "\n"); process.exit(3); }
    let v = doc;
    for (const k of (path ? path.split(".") : [])) v = (v === null || v === undefined) ? undefined : v[/^\d+$/.test(k) ? +k : k];
    const show = (x) => (typeof x === "string" ? x : JSON.stringify(x === undefined ? null : x));
    if (mode === "get") console.log(show(v));
    else if (mode === "len") console.log(v == null ? 0 : (typeof v === "object" && !Array.isArray(v) ? Object.keys(v).length : (v.length ?? 0)));
    else if (mode === "pluck") for (const e of (Array.isArray(v) ? v : [])) console.log(show(e == null ? null : e[field]));
    else if (mode === "count") console.log((Array.isArray(v) ? v : []).filter((e) => e === field).length);
  ' "$@"
}
json_get() {
  if command -v jq >/dev/null; then jq -r "$(_jq_path "$2") | if type == \"string\" then . else tojson end" "$1"
  else _json_node get "$1" "$2"; fi
}
json_len() {
  if command -v jq >/dev/null; then jq -r "$(_jq_path "$2") | if . == null then 0 else length end" "$1"
  else _json_node len "$1" "$2"; fi
}
json_pluck() {
  if command -v jq >/dev/null; then jq -r --arg f "$3" "$(_jq_path "$2") | (. // [])[] | .[\$f] | if type == \"string\" then . else tojson end" "$1"
  else _json_node pluck "$1" "$2" "$3"; fi
}
json_count() {
  if command -v jq >/dev/null; then jq -r --arg v "$3" "[$(_jq_path "$2") | (. // [])[] | select(. == \$v)] | length" "$1"
  else _json_node count "$1" "$2" "$3"; fi
}

# ---------------------------------------------------------------------------------------------
# The harness of the check scripts (fixtures.sh, tap-e2e.sh): one PASS/FAIL line per check.

checks_begin() { # NAME KEEP TIMEOUT
  RUN_TIMEOUT="${3:-60}"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonde-$1.XXXXXX")"
  if [ "${2:-0}" = 1 ]; then on_exit "echo 'kept $WORK' >&2"; else on_exit "rm -rf '$WORK'"; fi
  if [ -n "${SONDE_BIN:-}" ]; then
    SONDE="$SONDE_BIN"; [ -x "$SONDE" ] || die "SONDE_BIN=$SONDE is not an executable"
  else
    log "building sonde"
    (cd "$REPO_ROOT" && go build -o "$WORK/sonde" .) || die "go build of sonde failed (see above)"
    SONDE="$WORK/sonde"
  fi
  log "installing pinned peers into $PEERS_DIR"
  peers_install main node22
  mkdir -p "$WORK/home" # the Inspector keeps state under $HOME
  INSPECTOR=(env "HOME=$WORK/home" "MCP_CATALOG_PATH=$WORK/home/catalog.json" "PATH=$(dirname "$NODE22"):$PATH" "$NODE22" "$INSPECTOR_JS" --cli)
  PASSED=0; FAILED=0; N=0
}

pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$1"; }
fail() { # NAME WHAT: the last run's stderr and stdout heads follow
  FAILED=$((FAILED + 1)); printf 'FAIL %s: %s\n' "$1" "$2"
  [ -s "${ERR:-}" ] && sed -n '1,8p' "$ERR" | sed 's/^/     | /'
  [ -s "${OUT:-}" ] && sed -n '1,8p' "$OUT" | sed 's/^/     > /'
  return 0
}
# check NAME WHAT COMMAND...: PASS if COMMAND succeeds
check() { local name="$1" what="$2"; shift 2; if "$@"; then pass "$name"; else fail "$name" "$what"; fi; }
contains() { [[ "$1" == *"$2"* ]]; }

# run NAME COMMAND...: RC, OUT, ERR (files under WORK; stdin from $STDIN or /dev/null)
run() {
  local name="$1"; shift
  N=$((N + 1)); OUT="$WORK/$N.$name.out"; ERR="$WORK/$N.$name.err"
  printf '%q ' "$@" > "$WORK/$N.$name.cmd"
  set +e
  timeout -k 5 "$RUN_TIMEOUT" "$@" > "$OUT" 2> "$ERR" < "${STDIN:-/dev/null}"
  RC=$?
  set -e
}

checks_end() {
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  [ "$FAILED" = 0 ]
}
