#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests
# (tests/ops/src/web-ui.test.ts drives it with playwright-core; `npx playwright install`
# cannot download browsers on these machines). Does nothing when it is there already.
#   bash infra/ensure-chromium.sh
# Needs root (or passwordless sudo) and Debian's package archive.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

log() { echo "[ensure-chromium] $*" >&2; }

if [ -x "$CHROMIUM" ]; then
  log "found $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "error: $CHROMIUM is missing and apt-get is not available to install it."
  log "Install Chromium so that $CHROMIUM exists, then run the tests again."
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    log "error: installing Chromium needs root (or passwordless sudo)."
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log "$CHROMIUM is missing: installing Debian's chromium package"
log "apt-get update ($(date +%H:%M:%S))"
"${SUDO[@]}" apt-get update -q
log "apt-get install chromium ($(date +%H:%M:%S)); this downloads about 100 MB"
"${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium
if [ ! -x "$CHROMIUM" ]; then
  log "error: the chromium package installed, but $CHROMIUM does not exist."
  exit 1
fi
log "installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") ($(date +%H:%M:%S))"
