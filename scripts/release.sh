#!/usr/bin/env bash
# scripts/release.sh — release binaries: static (CGO_ENABLED=0), for linux, macOS and windows on amd64
# and arm64, with the version, commit and date stamped (what `sonde --version` prints: see
# internal/version), and a SHA256SUMS file. Nothing is uploaded.
#
#   scripts/release.sh                 into dist/ (RELEASE_DIR=DIR to change)
#   RELEASE_VERSION=v1.2.3 scripts/release.sh           default: git describe --tags (v* tags), else
#                                                        v0.0.0-<date>-<short commit>[-dirty]
#   RELEASE_TARGETS="linux/amd64 darwin/arm64" scripts/release.sh
#   RELEASE_JOBS=N                     builds at once (default 2; Go's build cache keeps each target)
#
# The date is the commit's (SOURCE_DATE_EPOCH wins when set), so the same commit builds the same
# bytes: -trimpath, no build ID, no VCS stamp beyond what -ldflags sets.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

OUT="${RELEASE_DIR:-$REPO_ROOT/dist}"
TARGETS="${RELEASE_TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}"
JOBS="${RELEASE_JOBS:-2}"
COMMIT="$(git rev-parse HEAD)"
DIRTY=""
[ -z "$(git status --porcelain --untracked-files=no)" ] || DIRTY="-dirty"
EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
DATE="$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
VERSION="${RELEASE_VERSION:-$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo "v0.0.0-$(date -u -d "@$EPOCH" +%Y%m%d%H%M%S)-${COMMIT:0:12}$DIRTY")}"
PKG=github.com/sonde-mcp/sonde/internal/version
LDFLAGS="-s -w -buildid= -X $PKG.version=$VERSION -X $PKG.commit=$COMMIT -X $PKG.date=$DATE"

mkdir -p "$OUT"
rm -f "$OUT"/sonde_* "$OUT/SHA256SUMS"
log "building sonde $VERSION ($COMMIT, $DATE) for: $TARGETS"

build_one() { # GOOS/GOARCH
  local os="${1%/*}" arch="${1#*/}" ext=""
  [ "$os" = windows ] && ext=".exe"
  local bin="$OUT/sonde_${VERSION}_${os}_${arch}${ext}"
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -buildvcs=false -ldflags "$LDFLAGS" -o "$bin" . \
    || { echo "release: build for $1 failed" >&2; return 1; }
  # static: no cgo, so no dynamic loader and no libc (checked from the binary's own build info)
  go version -m "$bin" | grep -q 'CGO_ENABLED=0' || { echo "release: $bin was not built with CGO_ENABLED=0" >&2; return 1; }
  echo "  $(basename "$bin")"
}
export -f build_one
export OUT VERSION LDFLAGS
printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'build_one {}'

(cd "$OUT" && sha256sum sonde_"${VERSION}"_* > SHA256SUMS)

# The binary for this machine, when there is one, says what was stamped.
native="$OUT/sonde_${VERSION}_$(go env GOOS)_$(go env GOARCH)"
[ "$(go env GOOS)" = windows ] && native="$native.exe"
if [ -x "$native" ]; then
  got="$("$native" --version)"
  for want in "$VERSION" "$COMMIT" "$DATE"; do
    [[ "$got" == *"$want"* ]] || die "$native --version does not say $want: $got"
  done
  if command -v file >/dev/null; then
    file "$native" | grep -q 'statically linked' || die "$native is not statically linked: $(file "$native")"
  fi
  log "$(basename "$native") --version: $(head -1 <<<"$got")"
fi
log "wrote $(wc -l < "$OUT/SHA256SUMS") binaries and SHA256SUMS to $OUT"
