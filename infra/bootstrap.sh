#!/usr/bin/env bash
# Makes a fresh clone ready: the pinned pnpm, the workspace's packages, and the Temporal CLI.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "[bootstrap] installing pnpm $PNPM_VERSION with npm" >&2
  if ! npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >&2; then
    echo "[bootstrap] error: could not install pnpm $PNPM_VERSION globally with npm." >&2
    echo "[bootstrap] Install it yourself (e.g. 'npm install -g pnpm@$PNPM_VERSION' with a user-writable npm prefix) and run this again." >&2
    exit 1
  fi
fi

echo "[bootstrap] installing workspace packages" >&2
if [ -f pnpm-lock.yaml ]; then
  pnpm install --frozen-lockfile --prefer-offline >&2
else
  pnpm install >&2
fi

bash infra/temporal-cli.sh --ensure >/dev/null
# Debian's Chromium for the Web UI browser test (no browser download: the machine has no internet).
# Outside CI a missing browser only skips that one test, so a failed install is not fatal.
if ! bash infra/ensure-chromium.sh; then
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "[bootstrap] Chromium not installed: the Web UI browser test will be skipped" >&2
fi
echo "[bootstrap] ready" >&2
