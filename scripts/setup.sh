#!/usr/bin/env bash
# Installs the workspace (pinned by the lockfile) and builds it. Needs only
# Node >= 20 and npm: pnpm itself comes through npx.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm() { npx --yes pnpm@10 "$@"; }
if [ ! -d node_modules/.pnpm ] || [ pnpm-lock.yaml -nt node_modules/.pnpm/lock.yaml ]; then
  pnpm install --frozen-lockfile
fi
pnpm -r --silent build
