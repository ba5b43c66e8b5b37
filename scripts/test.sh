#!/usr/bin/env bash
# The whole check: lint, format, unused code (knip), typecheck (including the
# type tests), import cycles, then jest over real processes. Jest's results
# land in .ci/results/jest.json.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
step() {
  echo "::: $*"
  "$@" || status=1
}
step npx --no-install eslint .
step npx --no-install prettier --check --log-level warn .
step npx --no-install knip
step npx --no-install tsc -p tsconfig.json --noEmit
step node scripts/check-cycles.mjs
mkdir -p .ci/results
step node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --json --outputFile=.ci/results/jest.json "$@"
exit $status
