#!/usr/bin/env bash
# Finds or builds the Temporal CLI (dev server + CLI), then runs it with the given arguments.
#   bash infra/temporal-cli.sh <args>     run the CLI  (what `pnpm temporal <args>` does)
#   bash infra/temporal-cli.sh --ensure   make sure a binary exists and print its path
# Order (README.md#quick-start): $TEMPORAL_CLI, `temporal` on PATH, the cache outside the clone,
# the official download, then `go install` of the pinned version into the cache.
set -euo pipefail

VERSION="v1.5.1"
CACHE_ROOT="${CODE_FACTORY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/code-factory}"
CACHE_DIR="$CACHE_ROOT/temporal-cli/$VERSION"
CACHED="$CACHE_DIR/temporal"

log() { echo "[temporal-cli] $*" >&2; }

os_arch() {
  local os arch
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
  echo "platform=$os&arch=$arch"
}

try_download() {
  command -v curl >/dev/null 2>&1 || return 1
  local tmp
  tmp=$(mktemp -d)
  log "trying the official download of $VERSION"
  if curl -fsSL --connect-timeout 5 --max-time 120 -o "$tmp/cli.tgz" \
    "https://temporal.download/cli/archive/${VERSION}?$(os_arch)" 2>/dev/null &&
    tar -xzf "$tmp/cli.tgz" -C "$tmp" temporal 2>/dev/null; then
    mkdir -p "$CACHE_DIR"
    mv "$tmp/temporal" "$CACHED.tmp" && mv "$CACHED.tmp" "$CACHED"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  log "download not reachable; falling back to a Go build"
  return 1
}

try_go_build() {
  if ! command -v go >/dev/null 2>&1; then
    log "error: no Temporal CLI found and Go is not installed to build one."
    log "Install Go (https://go.dev/dl) or set TEMPORAL_CLI to an existing temporal binary."
    return 1
  fi
  mkdir -p "$CACHE_DIR"
  local gobin
  gobin=$(mktemp -d "$CACHE_DIR/build.XXXXXX")
  log "building github.com/temporalio/cli/cmd/temporal@$VERSION with $(go version | cut -d' ' -f3)"
  log "this takes several minutes on a small machine; the result is cached in $CACHE_DIR"
  # A heartbeat so a CI log shows the build is alive.
  (while sleep 30; do log "still building ($(date +%H:%M:%S))"; done) &
  local ticker=$!
  local rc=0
  GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -mod=mod" go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2 || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$rc" -ne 0 ] || [ ! -x "$gobin/temporal" ]; then
    rm -rf "$gobin"
    log "error: go install failed (exit $rc)"
    return 1
  fi
  mv "$gobin/temporal" "$CACHED" && rm -rf "$gobin"
  log "built $CACHED"
}

resolve() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    if [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; return 0; fi
    log "error: TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"
    return 1
  fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return 0; fi
  if [ -x "$CACHED" ]; then echo "$CACHED"; return 0; fi
  # One build at a time: a second caller waits for the first instead of building again.
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [ ! -x "$CACHED" ]; then
    try_download || try_go_build || return 1
  fi
  echo "$CACHED"
}

bin=$(resolve)
if [ "${1:-}" = "--ensure" ]; then
  echo "$bin"
  exit 0
fi
exec "$bin" "$@"
