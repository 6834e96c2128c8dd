#!/bin/sh
# The project's one test command (README, .ci/run): typecheck + lint + build, then every test file.
# Interop tests start Kamailio, SIPp, baresip and dnsmasq themselves on 127.0.0.1 with free ports.
set -e
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
npx eslint src test bench sim
files=$(find dist/test -name '*.test.js' | sort)
if [ -n "${TEST_FILTER:-}" ]; then files=$(echo "$files" | grep -E "$TEST_FILTER"); fi
# One file at a time: interop tests measure timing (re-registration within 5 s) on a 2-core machine.
exec node --test --test-concurrency=1 --test-reporter=spec $files
