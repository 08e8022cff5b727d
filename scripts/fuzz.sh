#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time each: scripts/fuzz.sh [DURATION] (default 15s).
# A crasher is written by go test under the package's testdata/fuzz/; commit it as a regression input.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-15s}
status=0
while IFS= read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    echo "== $pkg $target ($time)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$time" || status=1
  done
done < <(grep -rl --include='*_test.go' --exclude-dir=.tools --exclude-dir=target '^func Fuzz' . | sed 's|^./||' | sort)
exit $status
